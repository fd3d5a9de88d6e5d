/* PNG (libpng) and JPEG (libjpeg-turbo) decoding from memory to 8-bit RGB; see scalpel_image.h.
 *
 * Both libraries report fatal errors by longjmp. Every setjmp lives in this file, in a function that
 * only calls into the library and this file, so a jump never crosses a Swift frame. Buffers that must
 * be released after a jump are kept in a `decoder` struct owned by the caller of the setjmp frame. */
#include "scalpel_image.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

/* ---------------------------------------------------------------------------------------------- */
/* Shared state                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

typedef struct decoder {
    const uint8_t *data;
    size_t size;
    size_t pos; /* PNG read position */
    const scalpel_image_options *options;
    char *message;
    size_t message_size;
    /* Outputs and scratch: freed on failure by the function that owns the setjmp. */
    uint8_t *rgb;
    uint8_t *alpha;
    uint8_t *scratch;
    png_bytep *rows;
    int32_t width;
    int32_t height;
    int truncated;        /* the input ended before the image did */
} decoder;

static void set_message(decoder *d, const char *format, ...) {
    if (!d->message || d->message_size == 0) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(d->message, d->message_size, format, args);
    va_end(args);
    /* One line: libraries sometimes end messages with a newline. */
    for (char *p = d->message; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
}

static void release(decoder *d) {
    free(d->rgb);
    free(d->alpha);
    free(d->scratch);
    free(d->rows);
    d->rgb = NULL;
    d->alpha = NULL;
    d->scratch = NULL;
    d->rows = NULL;
}

/* Checks the header size against the caller's limits; 0 when acceptable. */
static int check_size(decoder *d, const char *kind, uint64_t width, uint64_t height) {
    const scalpel_image_options *o = d->options;
    if (width == 0 || height == 0) {
        set_message(d, "%s header declares an empty image (%llux%llu)", kind,
                    (unsigned long long)width, (unsigned long long)height);
        return -1;
    }
    if (width > (uint64_t)o->max_side || height > (uint64_t)o->max_side) {
        set_message(d, "%s image is %llux%llu pixels; the limit is %dx%d", kind,
                    (unsigned long long)width, (unsigned long long)height, o->max_side, o->max_side);
        return -1;
    }
    if (width * height > (uint64_t)o->max_pixels) {
        set_message(d, "%s image has %llu pixels (%llux%llu); the limit is %lld", kind,
                    (unsigned long long)(width * height), (unsigned long long)width,
                    (unsigned long long)height, (long long)o->max_pixels);
        return -1;
    }
    return 0;
}

static int allocate_outputs(decoder *d, int with_alpha) {
    size_t pixels = (size_t)d->width * (size_t)d->height;
    d->rgb = malloc(pixels * 3);
    if (with_alpha) {
        d->alpha = malloc(pixels);
    }
    if (!d->rgb || (with_alpha && !d->alpha)) {
        set_message(d, "out of memory for a %dx%d image", d->width, d->height);
        return -1;
    }
    return 0;
}

scalpel_image_format scalpel_image_detect(const uint8_t *data, size_t size) {
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size >= 8 && memcmp(data, png_signature, 8) == 0) {
        return SCALPEL_IMAGE_PNG;
    }
    if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) {
        return SCALPEL_IMAGE_JPEG;
    }
    return SCALPEL_IMAGE_UNKNOWN;
}

/* ---------------------------------------------------------------------------------------------- */
/* PNG                                                                                            */
/* ---------------------------------------------------------------------------------------------- */

static void png_read_callback(png_structp png, png_bytep out, size_t count) {
    decoder *d = png_get_io_ptr(png);
    if (count > d->size - d->pos) {
        d->truncated = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(out, d->data + d->pos, count);
    d->pos += count;
}

static void png_error_callback(png_structp png, png_const_charp text) {
    decoder *d = png_get_error_ptr(png);
    if (d->truncated) {
        set_message(d, "PNG data is truncated");
    } else {
        set_message(d, "corrupt PNG: %s", text);
    }
    png_longjmp(png, 1);
}

static void png_warning_callback(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

/* One row of libpng output (after png_set_expand: 8 or 16 bits, 1 to 4 channels) to RGB (+ alpha). */
static void png_convert_row(
    const uint8_t *in, int channels, int bit_depth, int clip_gray16, uint32_t width,
    uint8_t *rgb, uint8_t *alpha) {
    int has_alpha = channels == 2 || channels == 4;
    int colour = channels >= 3;
    for (uint32_t x = 0; x < width; x++) {
        uint8_t s[4];
        if (bit_depth == 16) {
            const uint8_t *p = in + (size_t)x * channels * 2;
            for (int c = 0; c < channels; c++) {
                s[c] = p[2 * c]; /* high byte, as Pillow's ;16B unpackers take it */
            }
            if (!colour && clip_gray16) {
                unsigned v = ((unsigned)p[0] << 8) | p[1];
                s[0] = v > 255 ? 255 : (uint8_t)v;
            }
        } else {
            const uint8_t *p = in + (size_t)x * channels;
            for (int c = 0; c < channels; c++) {
                s[c] = p[c];
            }
        }
        if (colour) {
            rgb[3 * x + 0] = s[0];
            rgb[3 * x + 1] = s[1];
            rgb[3 * x + 2] = s[2];
        } else {
            rgb[3 * x + 0] = s[0];
            rgb[3 * x + 1] = s[0];
            rgb[3 * x + 2] = s[0];
        }
        if (alpha) {
            alpha[x] = has_alpha ? s[channels - 1] : 255;
        }
    }
}

/* Runs libpng; every longjmp lands here. Returns 0 on success. */
static int png_decode_inner(decoder *d, png_structp png, png_infop info) {
    if (setjmp(png_jmpbuf(png))) {
        return -1;
    }
    /* Our own size check below gives the clearer message, so lift libpng's default limits. */
    png_set_user_limits(png, 0x7fffffffU, 0x7fffffffU);
    png_set_read_fn(png, d, png_read_callback);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (check_size(d, "PNG", width, height) != 0) {
        return -1;
    }
    d->width = (int32_t)width;
    d->height = (int32_t)height;

    int has_transparency = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS);
    int clip_gray16 = color_type == PNG_COLOR_TYPE_GRAY && bit_depth == 16 && !d->options->gray16_high_byte;

    /* Palette -> RGB(A), gray below 8 bits -> 8 bits (scaled), tRNS -> alpha channel. 16-bit samples
     * stay 16-bit so the gray clip above can see the whole value. */
    png_set_expand(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (out_depth != 8 && out_depth != 16)) {
        set_message(d, "unsupported PNG layout after expansion (%d channels, %d bits)", channels, out_depth);
        return -1;
    }

    if (allocate_outputs(d, d->options->want_alpha && has_transparency) != 0) {
        return -1;
    }
    uint8_t *rgb = d->rgb;
    uint8_t *alpha = d->alpha;

    if (passes > 1) {
        /* Adam7: libpng fills the whole image over seven passes. */
        d->scratch = malloc(rowbytes * height);
        d->rows = malloc(sizeof(png_bytep) * height);
        if (!d->scratch || !d->rows) {
            set_message(d, "out of memory for a %ux%u interlaced PNG", (unsigned)width, (unsigned)height);
            return -1;
        }
        for (png_uint_32 y = 0; y < height; y++) {
            d->rows[y] = d->scratch + rowbytes * y;
        }
        png_read_image(png, d->rows);
        for (png_uint_32 y = 0; y < height; y++) {
            png_convert_row(d->rows[y], channels, out_depth, clip_gray16, width,
                            rgb + (size_t)y * width * 3, alpha ? alpha + (size_t)y * width : NULL);
        }
    } else {
        d->scratch = malloc(rowbytes);
        if (!d->scratch) {
            set_message(d, "out of memory for a PNG row of %zu bytes", rowbytes);
            return -1;
        }
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, d->scratch, NULL);
            png_convert_row(d->scratch, channels, out_depth, clip_gray16, width,
                            rgb + (size_t)y * width * 3, alpha ? alpha + (size_t)y * width : NULL);
        }
    }
    /* The trailing chunks (after the last image row) are not read: the pixels are complete. */
    return 0;
}

static int png_decode(decoder *d) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, png_error_callback, png_warning_callback);
    if (!png) {
        set_message(d, "cannot create a PNG reader (out of memory)");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_message(d, "cannot create a PNG reader (out of memory)");
        return -1;
    }
    int status = png_decode_inner(d, png, info);
    png_destroy_read_struct(&png, &info, NULL);
    free(d->scratch);
    free(d->rows);
    d->scratch = NULL;
    d->rows = NULL;
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* JPEG                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

typedef struct jpeg_error_state {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    decoder *d;
} jpeg_error_state;

typedef struct jpeg_memory_source {
    struct jpeg_source_mgr pub;
    decoder *d;
} jpeg_memory_source;

static void jpeg_error_exit_callback(j_common_ptr cinfo) {
    jpeg_error_state *e = (jpeg_error_state *)cinfo->err;
    if (e->d->truncated) {
        set_message(e->d, "JPEG data is truncated");
    } else {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        set_message(e->d, "corrupt JPEG: %s", text);
    }
    longjmp(e->jump, 1);
}

static void jpeg_output_message_callback(j_common_ptr cinfo) {
    (void)cinfo; /* warnings ("Corrupt JPEG data: ...") are tolerated, as Pillow tolerates them */
}

static void jpeg_source_init(j_decompress_ptr cinfo) {
    (void)cinfo;
}

static boolean jpeg_source_fill(j_decompress_ptr cinfo) {
    /* The whole file is in memory, so running out means it is cut short. Pillow refuses such files
     * too, even when only the end-of-image marker is missing. */
    jpeg_memory_source *src = (jpeg_memory_source *)cinfo->src;
    src->d->truncated = 1;
    ERREXIT(cinfo, JERR_INPUT_EOF);
    return FALSE;
}

static void jpeg_source_skip(j_decompress_ptr cinfo, long count) {
    jpeg_memory_source *src = (jpeg_memory_source *)cinfo->src;
    if (count <= 0) {
        return;
    }
    if ((size_t)count > src->pub.bytes_in_buffer) {
        src->pub.next_input_byte += src->pub.bytes_in_buffer;
        src->pub.bytes_in_buffer = 0;
        jpeg_source_fill(cinfo);
        return;
    }
    src->pub.next_input_byte += count;
    src->pub.bytes_in_buffer -= (size_t)count;
}

static void jpeg_source_term(j_decompress_ptr cinfo) {
    (void)cinfo;
}

/* Pillow's cmyk2rgb on Adobe-inverted samples ("CMYK;I"): MULDIV255 rounding, no clipping needed. */
static inline uint8_t cmyk_channel(uint8_t stored_ink, uint8_t stored_black) {
    int ink = 255 - stored_ink;     /* Pillow inverts every channel on unpack */
    int nk = stored_black;          /* 255 - (255 - k) */
    int tmp = ink * nk + 128;
    int scaled = ((tmp >> 8) + tmp) >> 8;
    return (uint8_t)(nk - scaled);
}

static int jpeg_decode_inner(decoder *d, struct jpeg_decompress_struct *cinfo, jpeg_error_state *err) {
    if (setjmp(err->jump)) {
        return -1;
    }
    jpeg_create_decompress(cinfo);

    jpeg_memory_source *src = (jpeg_memory_source *)(*cinfo->mem->alloc_small)(
        (j_common_ptr)cinfo, JPOOL_PERMANENT, sizeof(jpeg_memory_source));
    src->pub.init_source = jpeg_source_init;
    src->pub.fill_input_buffer = jpeg_source_fill;
    src->pub.skip_input_data = jpeg_source_skip;
    src->pub.resync_to_restart = jpeg_resync_to_restart;
    src->pub.term_source = jpeg_source_term;
    src->pub.next_input_byte = d->data;
    src->pub.bytes_in_buffer = d->size;
    src->d = d;
    cinfo->src = &src->pub;

    jpeg_read_header(cinfo, TRUE);
    if (check_size(d, "JPEG", cinfo->image_width, cinfo->image_height) != 0) {
        return -1;
    }
    switch (cinfo->num_components) {
    case 1:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case 3:
        cinfo->out_color_space = JCS_RGB;
        break;
    case 4:
        cinfo->out_color_space = JCS_CMYK; /* libjpeg turns YCCK into CMYK */
        break;
    default:
        set_message(d, "unsupported JPEG with %d colour components", cinfo->num_components);
        return -1;
    }
    /* Library defaults otherwise: JDCT_ISLOW, fancy upsampling, no scaling — Pillow's settings. */
    jpeg_start_decompress(cinfo);

    int components = cinfo->output_components;
    if (cinfo->output_width != cinfo->image_width || cinfo->output_height != cinfo->image_height ||
        (components != 1 && components != 3 && components != 4)) {
        set_message(d, "unexpected JPEG output layout (%u x %u, %d components)",
                    cinfo->output_width, cinfo->output_height, components);
        return -1;
    }
    d->width = (int32_t)cinfo->output_width;
    d->height = (int32_t)cinfo->output_height;
    if (allocate_outputs(d, 0) != 0) {
        return -1;
    }
    size_t width = (size_t)d->width;
    d->scratch = malloc(width * (size_t)components);
    if (!d->scratch) {
        set_message(d, "out of memory for a JPEG row");
        return -1;
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        size_t y = cinfo->output_scanline;
        JSAMPROW row = d->scratch;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
            set_message(d, "JPEG decoder stopped at row %zu", y);
            return -1;
        }
        uint8_t *out = d->rgb + y * width * 3;
        const uint8_t *in = d->scratch;
        if (components == 3) {
            memcpy(out, in, width * 3);
        } else if (components == 1) {
            for (size_t x = 0; x < width; x++) {
                out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = in[x];
            }
        } else {
            for (size_t x = 0; x < width; x++) {
                const uint8_t *p = in + 4 * x;
                out[3 * x + 0] = cmyk_channel(p[0], p[3]);
                out[3 * x + 1] = cmyk_channel(p[1], p[3]);
                out[3 * x + 2] = cmyk_channel(p[2], p[3]);
            }
        }
    }
    jpeg_finish_decompress(cinfo);
    return 0;
}

static int jpeg_decode(decoder *d) {
    struct jpeg_decompress_struct cinfo;
    jpeg_error_state err;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jpeg_error_exit_callback;
    err.pub.output_message = jpeg_output_message_callback;
    err.d = d;
    int status = jpeg_decode_inner(d, &cinfo, &err);
    jpeg_destroy_decompress(&cinfo);
    free(d->scratch);
    d->scratch = NULL;
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* Entry points                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

int scalpel_image_decode(
    const uint8_t *data,
    size_t size,
    const scalpel_image_options *options,
    scalpel_image *out,
    char *message,
    size_t message_size) {
    if (message && message_size > 0) {
        message[0] = '\0';
    }
    if (out) {
        memset(out, 0, sizeof(*out));
    }
    scalpel_image_options defaults = {16384, (int64_t)16384 * 16384, 0, 0};
    decoder d;
    memset(&d, 0, sizeof(d));
    d.data = data;
    d.size = size;
    d.options = options ? options : &defaults;
    d.message = message;
    d.message_size = message_size;
    if (!out || (!data && size > 0)) {
        set_message(&d, "no buffer to decode");
        return -1;
    }
    if (d.options->max_side <= 0 || d.options->max_pixels <= 0) {
        set_message(&d, "image size limits must be positive");
        return -1;
    }

    scalpel_image_format format = data ? scalpel_image_detect(data, size) : SCALPEL_IMAGE_UNKNOWN;
    int status;
    switch (format) {
    case SCALPEL_IMAGE_PNG:
        status = png_decode(&d);
        break;
    case SCALPEL_IMAGE_JPEG:
        status = jpeg_decode(&d);
        break;
    default:
        set_message(&d, "not a PNG or JPEG image");
        return -1;
    }
    if (status != 0) {
        if (message && message_size > 0 && message[0] == '\0') {
            set_message(&d, "cannot decode the image");
        }
        release(&d);
        return -1;
    }
    out->width = d.width;
    out->height = d.height;
    out->format = (int32_t)format;
    out->rgb = d.rgb;
    out->alpha = d.alpha;
    return 0;
}

#define SCALPEL_STRINGIFY_(x) #x
#define SCALPEL_STRINGIFY(x) SCALPEL_STRINGIFY_(x)

const char *scalpel_image_jpeg_library(void) {
#ifdef LIBJPEG_TURBO_VERSION
    return "libjpeg-turbo " SCALPEL_STRINGIFY(LIBJPEG_TURBO_VERSION);
#else
    return "libjpeg " SCALPEL_STRINGIFY(JPEG_LIB_VERSION);
#endif
}

const char *scalpel_image_png_library(void) {
    return "libpng " PNG_LIBPNG_VER_STRING;
}

void scalpel_image_free(scalpel_image *image) {
    if (!image) {
        return;
    }
    free(image->rgb);
    free(image->alpha);
    image->rgb = NULL;
    image->alpha = NULL;
}
