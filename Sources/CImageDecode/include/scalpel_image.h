/* PNG and JPEG decoding to 8-bit RGB, with errors reported as text instead of longjmp-ing into Swift. */
#ifndef SCALPEL_IMAGE_H
#define SCALPEL_IMAGE_H
#include <stddef.h>
#include <stdint.h>
#endif
