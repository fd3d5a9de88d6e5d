/* PNG and JPEG decoding to 8-bit RGB, with errors reported as text instead of longjmp-ing into Swift.
 *
 * Pixels equal what Pillow gives for Image.open(f).convert("RGB"): PNG through libpng (every bit depth,
 * palette, grayscale, alpha, 16-bit, Adam7), JPEG through libjpeg(-turbo) with its default settings
 * (ISLOW DCT, fancy upsampling), grayscale replicated, CMYK/YCCK converted the way Pillow converts
 * Adobe-inverted CMYK. libpng and libjpeg errors are caught inside this file; nothing here calls exit()
 * or jumps across the caller's frames. */
#ifndef SCALPEL_IMAGE_H
#define SCALPEL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Container formats recognised from their first bytes. */
typedef enum scalpel_image_format {
    SCALPEL_IMAGE_UNKNOWN = 0,
    SCALPEL_IMAGE_PNG = 1,
    SCALPEL_IMAGE_JPEG = 2,
} scalpel_image_format;

/* What the caller allows and wants. */
typedef struct scalpel_image_options {
    /* Refuse images wider or taller than this (checked from the header, before any allocation). */
    int32_t max_side;
    /* Refuse images with more pixels than this. */
    int64_t max_pixels;
    /* Non-zero: also return an alpha plane when the image carries transparency (an alpha channel,
     * or a PNG tRNS chunk). Colour values are the same either way. */
    int32_t want_alpha;
    /* 16-bit grayscale PNG (no alpha channel): non-zero takes the high byte of each sample; zero
     * clips the 16-bit value to 0...255, which is what Pillow's I;16 -> RGB conversion does. */
    int32_t gray16_high_byte;
} scalpel_image_options;

/* A decoded image. `rgb` holds width*height*3 bytes, row-major, interleaved R, G, B. `alpha` holds
 * width*height bytes, or is NULL when the image has no transparency or it was not asked for.
 * Both are owned by the struct; release them with scalpel_image_free. */
typedef struct scalpel_image {
    int32_t width;
    int32_t height;
    int32_t format; /* a scalpel_image_format */
    uint8_t *rgb;
    uint8_t *alpha;
} scalpel_image;

/* The format named by the first bytes of `data` (PNG signature, or JPEG SOI marker). */
scalpel_image_format scalpel_image_detect(const uint8_t *data, size_t size);

/* Decodes `size` bytes at `data`. Returns 0 and fills `out` on success. On failure returns
 * non-zero, leaves `out` empty (nothing to free) and writes a one-line, NUL-terminated reason into
 * `message` (at most `message_size` bytes, truncated if longer). */
int scalpel_image_decode(
    const uint8_t *data,
    size_t size,
    const scalpel_image_options *options,
    scalpel_image *out,
    char *message,
    size_t message_size);

/* The codec libraries this was built against, e.g. "libjpeg-turbo 2.1.5" and "libpng 1.6.39". */
const char *scalpel_image_jpeg_library(void);
const char *scalpel_image_png_library(void);

/* Frees the buffers of an image filled by scalpel_image_decode and clears the pointers. */
void scalpel_image_free(scalpel_image *image);

/* Encodes `width` x `height` interleaved 8-bit RGB pixels (row-major, width*3 bytes a row) as a PNG in
 * memory. The bytes are deterministic for a given libpng and zlib: no time, text or gamma chunks, fixed
 * compression level and row filters. Returns 0 and sets `*out` (release with scalpel_image_free_encoded)
 * and `*out_size`; on failure returns non-zero, sets `*out` to NULL and writes a one-line reason into
 * `message` (at most `message_size` bytes). */
int scalpel_image_encode_png(
    const uint8_t *rgb,
    int32_t width,
    int32_t height,
    uint8_t **out,
    size_t *out_size,
    char *message,
    size_t message_size);

/* Frees a buffer returned by scalpel_image_encode_png. */
void scalpel_image_free_encoded(uint8_t *data);

#ifdef __cplusplus
}
#endif

#endif
