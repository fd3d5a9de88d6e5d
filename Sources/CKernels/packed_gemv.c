#include "scalpel_packed.h"
#include "packed_internal.h"

#include <string.h>

/* The fused kernels of scalpel_packed.h. Each row keeps 16 partial sums (one vector register with
 * AVX-512, two with AVX2) so the compiler vectorises the chunk loops without reassociating a float sum;
 * codes are widened to f32 and centred on the group's zero before the multiply, so symmetric and
 * integer-zero groups need no Σx correction. */

float scalpel_half_to_float(uint16_t h) { return packed_half_to_float(h); }

SCALPEL_INLINE void chunk8(float *acc, const uint8_t *b, const float *x, float s, float z) {
    for (int j = 0; j < 16; j++) {
        acc[j] += s * (((float)b[j] - z) * x[j] + ((float)b[j + 16] - z) * x[j + 16]);
    }
}

SCALPEL_INLINE void chunk4(float *acc, const uint8_t *b, const float *x, float s, float z) {
    for (int j = 0; j < 16; j++) {
        acc[j] += s * (((float)(b[j] & 15) - z) * x[j] + ((float)(b[j] >> 4) - z) * x[j + 16]);
    }
}

SCALPEL_INLINE void chunk2(float *acc, const uint8_t *b, const float *x, float s, float z) {
    for (int j = 0; j < 8; j++) {
        int v = b[j];
        acc[j] += s * (((float)(v & 3) - z) * x[j] + ((float)((v >> 4) & 3) - z) * x[j + 16]);
        acc[j + 8] += s * (((float)((v >> 2) & 3) - z) * x[j + 8] + ((float)(v >> 6) - z) * x[j + 24]);
    }
}

SCALPEL_INLINE void chunk3(float *acc, const uint8_t *b, const float *x, float s, float z) {
    uint32_t high;
    memcpy(&high, b + 8, 4);
    for (int j = 0; j < 8; j++) {
        int v = b[j];
        float c0 = (float)((v & 3) | (int)(((high >> j) & 1u) << 2));
        float c1 = (float)(((v >> 2) & 3) | (int)(((high >> (j + 8)) & 1u) << 2));
        float c2 = (float)(((v >> 4) & 3) | (int)(((high >> (j + 16)) & 1u) << 2));
        float c3 = (float)((v >> 6) | (int)(((high >> (j + 24)) & 1u) << 2));
        acc[j] += s * ((c0 - z) * x[j] + (c2 - z) * x[j + 16]);
        acc[j + 8] += s * ((c1 - z) * x[j + 8] + (c3 - z) * x[j + 24]);
    }
}

/* One row: Σ_c w[c] · x[c]. Called with constant `bits` and `mode` so that each combination compiles to
 * its own loop without per-group branches. */
SCALPEL_INLINE float row_dot(const scalpel_packed_weight *w, long r, const float *x, const float *group_sums,
                             const int bits, const int mode) {
    const int chunk_bytes = 4 * bits;
    const long cols = w->cols, groups = w->groups, full_chunks = cols / 32, gs = w->group_size;
    const uint8_t *row = w->codes + r * w->row_bytes;
    const uint16_t *scales = w->scales + r * groups;
    float acc[16] = {0};
    float extra = 0;
    for (long g = 0; g < groups; g++) {
        const float s = packed_half_to_float(scales[g]);
        float z = 0;
        if (mode == SCALPEL_ZERO_SYMMETRIC) z = (float)(1 << (bits - 1));
        else if (mode == SCALPEL_ZERO_CODES) z = (float)w->zeros[r * groups + g];
        else extra += packed_half_to_float(w->offsets[r * groups + g]) * group_sums[g];
        const long begin = g * gs;
        const long end = begin + gs < cols ? begin + gs : cols;
        long c = begin / 32;
        const long c_full_end = (end / 32 < full_chunks) ? end / 32 : full_chunks;
        for (; c < c_full_end; c++) {
            const uint8_t *b = row + c * chunk_bytes;
            const float *xx = x + c * 32;
            if (bits == 8) chunk8(acc, b, xx, s, z);
            else if (bits == 4) chunk4(acc, b, xx, s, z);
            else if (bits == 2) chunk2(acc, b, xx, s, z);
            else chunk3(acc, b, xx, s, z);
        }
        if (c * 32 < end) {
            /* The row's last, partial chunk. */
            const uint8_t *chunk = row + c * chunk_bytes;
            float tail = 0;
            for (long i = c * 32; i < end; i++) {
                tail += ((float)packed_code_at(chunk, bits, (int)(i - c * 32)) - z) * x[i];
            }
            extra += s * tail;
        }
    }
    float total = 0;
    for (int j = 0; j < 16; j++) total += acc[j];
    return total + extra;
}

#define SCALPEL_ROWS(BITS, MODE)                                                     \
    for (long r = row_begin; r < row_end; r++) {                                     \
        float v = row_dot(w, r, x, group_sums, BITS, MODE);                          \
        y[r] = accumulate ? y[r] + v : v;                                            \
    }                                                                                \
    return;

__attribute__((target_clones("avx512f", "avx2", "default")))
void scalpel_packed_gemv(const scalpel_packed_weight *w, const float *x, const float *group_sums, float *y,
                         long row_begin, long row_end, int accumulate) {
    switch (w->bits * 4 + w->zero_mode) {
    case 8 * 4 + SCALPEL_ZERO_SYMMETRIC: SCALPEL_ROWS(8, SCALPEL_ZERO_SYMMETRIC)
    case 8 * 4 + SCALPEL_ZERO_CODES: SCALPEL_ROWS(8, SCALPEL_ZERO_CODES)
    case 8 * 4 + SCALPEL_ZERO_OFFSETS: SCALPEL_ROWS(8, SCALPEL_ZERO_OFFSETS)
    case 4 * 4 + SCALPEL_ZERO_SYMMETRIC: SCALPEL_ROWS(4, SCALPEL_ZERO_SYMMETRIC)
    case 4 * 4 + SCALPEL_ZERO_CODES: SCALPEL_ROWS(4, SCALPEL_ZERO_CODES)
    case 4 * 4 + SCALPEL_ZERO_OFFSETS: SCALPEL_ROWS(4, SCALPEL_ZERO_OFFSETS)
    case 3 * 4 + SCALPEL_ZERO_SYMMETRIC: SCALPEL_ROWS(3, SCALPEL_ZERO_SYMMETRIC)
    case 3 * 4 + SCALPEL_ZERO_CODES: SCALPEL_ROWS(3, SCALPEL_ZERO_CODES)
    case 3 * 4 + SCALPEL_ZERO_OFFSETS: SCALPEL_ROWS(3, SCALPEL_ZERO_OFFSETS)
    case 2 * 4 + SCALPEL_ZERO_SYMMETRIC: SCALPEL_ROWS(2, SCALPEL_ZERO_SYMMETRIC)
    case 2 * 4 + SCALPEL_ZERO_CODES: SCALPEL_ROWS(2, SCALPEL_ZERO_CODES)
    default: SCALPEL_ROWS(2, SCALPEL_ZERO_OFFSETS)
    }
}
