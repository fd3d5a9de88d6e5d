/* PNG encoding of 8-bit RGB images through libpng, into memory.
 *
 * Output bytes depend only on the pixels and the libpng/zlib build: no time, text or gamma chunks are
 * written, and the compression level, strategy and row filters are fixed. libpng reports fatal errors
 * by longjmp; the only setjmp is in scalpel_image_encode_png, and the buffers it must release after a
 * jump live in an `encoder` struct that outlives the jump. */
#include "scalpel_image.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct encoder {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int out_of_memory;
    char *message;
    size_t message_size;
} encoder;

static void encoder_message(encoder *e, const char *format, ...) {
    if (!e->message || e->message_size == 0 || e->message[0] != '\0') {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(e->message, e->message_size, format, args);
    va_end(args);
}

static void png_write_callback(png_structp png, png_bytep bytes, size_t count) {
    encoder *e = png_get_io_ptr(png);
    if (count > e->capacity - e->size) {
        size_t wanted = e->capacity ? e->capacity : 4096;
        while (wanted - e->size < count) {
            if (wanted > SIZE_MAX / 2) {
                e->out_of_memory = 1;
                png_error(png, "output too large");
            }
            wanted *= 2;
        }
        uint8_t *grown = realloc(e->data, wanted);
        if (!grown) {
            e->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        e->data = grown;
        e->capacity = wanted;
    }
    memcpy(e->data + e->size, bytes, count);
    e->size += count;
}

static void png_flush_callback(png_structp png) {
    (void)png;
}

static void png_encode_error_callback(png_structp png, png_const_charp text) {
    encoder *e = png_get_error_ptr(png);
    encoder_message(e, e->out_of_memory ? "cannot encode PNG: out of memory" : "cannot encode PNG: %s", text);
    png_longjmp(png, 1);
}

static void png_encode_warning_callback(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

int scalpel_image_encode_png(
    const uint8_t *rgb,
    int32_t width,
    int32_t height,
    uint8_t **out,
    size_t *out_size,
    char *message,
    size_t message_size) {
    if (message && message_size > 0) {
        message[0] = '\0';
    }
    *out = NULL;
    *out_size = 0;
    encoder e = {0};
    e.message = message;
    e.message_size = message_size;
    if (!rgb || width <= 0 || height <= 0 || width > 1000000 || height > 1000000) {
        encoder_message(&e, "cannot encode PNG: invalid image size %dx%d", (int)width, (int)height);
        return 1;
    }
    png_structp png = png_create_write_struct(
        PNG_LIBPNG_VER_STRING, &e, png_encode_error_callback, png_encode_warning_callback);
    if (!png) {
        encoder_message(&e, "cannot encode PNG: out of memory");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        encoder_message(&e, "cannot encode PNG: out of memory");
        return 1;
    }
    /* Everything touched after a longjmp is in `e` (not a local that setjmp could clobber). */
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(e.data);
        return 1;
    }
    png_set_write_fn(png, &e, png_write_callback, png_flush_callback);
    png_set_compression_level(png, 9);
    png_set_compression_strategy(png, 0 /* Z_DEFAULT_STRATEGY */);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB | PNG_FILTER_UP | PNG_FILTER_PAETH);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);
    size_t stride = (size_t)width * 3;
    for (int32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(rgb + (size_t)y * stride));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = e.data;
    *out_size = e.size;
    return 0;
}

void scalpel_image_free_encoded(uint8_t *data) {
    free(data);
}
