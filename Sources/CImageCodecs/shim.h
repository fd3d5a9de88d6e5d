/* libpng and libjpeg(-turbo) for Swift. */
#ifndef SCALPEL_IMAGE_CODECS_SHIM_H
#define SCALPEL_IMAGE_CODECS_SHIM_H
#include <stdio.h>
#include <png.h>
#include <jpeglib.h>
#endif
