#include "scalpel_packed.h"

#include <string.h>

/* The fused kernels of scalpel_packed.h. Each row keeps 16 partial sums (one vector register with
 * AVX-512, two with AVX2) so the compiler vectorises the chunk loops without reassociating a float sum;
 * codes are widened to f32 and centred on the group's zero before the multiply, so symmetric and
 * integer-zero groups need no Σx correction. */

float scalpel_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t em = h & 0x7fffu;
    uint32_t bits;
    if (em >= 0x7c00u) {
        bits = sign | 0x7f800000u | ((em & 0x3ffu) << 13);
    } else if (em >= 0x0400u) {
        bits = sign | ((em << 13) + (112u << 23));
    } else {
        float f = (float)em * 5.9604644775390625e-8f;
        return sign ? -f : f;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Code j (0 ≤ j < 32) of one chunk. */
static inline int code_at(const uint8_t *chunk, int bits, int j) {
    switch (bits) {
    case 8: return chunk[j];
    case 4: return j < 16 ? (chunk[j] & 15) : (chunk[j - 16] >> 4);
    case 2: return (chunk[j & 7] >> (2 * (j >> 3))) & 3;
    default: {
        uint32_t high;
        memcpy(&high, chunk + 8, 4);
        return ((chunk[j & 7] >> (2 * (j >> 3))) & 3) | (int)(((high >> j) & 1u) << 2);
    }
    }
}

static inline void chunk8(float *acc, const uint8_t *b, const float *x, float s, float z) {
    for (int j = 0; j < 16; j++) {
        acc[j] += s * (((float)b[j] - z) * x[j] + ((float)b[j + 16] - z) * x[j + 16]);
    }
}

static inline void chunk4(float *acc, const uint8_t *b, const float *x, float s, float z) {
    for (int j = 0; j < 16; j++) {
        acc[j] += s * (((float)(b[j] & 15) - z) * x[j] + ((float)(b[j] >> 4) - z) * x[j + 16]);
    }
}

static inline void chunk2(float *acc, const uint8_t *b, const float *x, float s, float z) {
    for (int j = 0; j < 8; j++) {
        int v = b[j];
        acc[j] += s * (((float)(v & 3) - z) * x[j] + ((float)((v >> 4) & 3) - z) * x[j + 16]);
        acc[j + 8] += s * (((float)((v >> 2) & 3) - z) * x[j + 8] + ((float)(v >> 6) - z) * x[j + 24]);
    }
}

static inline void chunk3(float *acc, const uint8_t *b, const float *x, float s, float z) {
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

/* One row: Σ_c w[c] · x[c]. */
static inline float row_dot(const scalpel_packed_weight *w, long r, const float *x, const float *group_sums) {
    const int bits = w->bits, chunk_bytes = 4 * bits;
    const long cols = w->cols, groups = w->groups, full_chunks = cols / 32;
    const uint8_t *row = w->codes + r * w->row_bytes;
    float acc[16] = {0};
    float extra = 0;
    for (long g = 0; g < groups; g++) {
        const float s = scalpel_half_to_float(w->scales[r * groups + g]);
        float z = 0;
        switch (w->zero_mode) {
        case SCALPEL_ZERO_SYMMETRIC: z = (float)(1 << (bits - 1)); break;
        case SCALPEL_ZERO_CODES: z = (float)w->zeros[r * groups + g]; break;
        default: extra += scalpel_half_to_float(w->offsets[r * groups + g]) * group_sums[g]; break;
        }
        const long begin = g * w->group_size;
        long end = begin + w->group_size;
        if (end > cols) end = cols;
        long c = begin / 32;
        const long c_full_end = (end / 32 < full_chunks) ? end / 32 : full_chunks;
        switch (bits) {
        case 8: for (; c < c_full_end; c++) chunk8(acc, row + c * chunk_bytes, x + c * 32, s, z); break;
        case 4: for (; c < c_full_end; c++) chunk4(acc, row + c * chunk_bytes, x + c * 32, s, z); break;
        case 2: for (; c < c_full_end; c++) chunk2(acc, row + c * chunk_bytes, x + c * 32, s, z); break;
        default: for (; c < c_full_end; c++) chunk3(acc, row + c * chunk_bytes, x + c * 32, s, z); break;
        }
        if (c * 32 < end) {
            /* The row's last, partial chunk. */
            const uint8_t *chunk = row + c * chunk_bytes;
            float tail = 0;
            for (long i = c * 32; i < end; i++) {
                tail += ((float)code_at(chunk, bits, (int)(i - c * 32)) - z) * x[i];
            }
            extra += s * tail;
        }
    }
    float total = 0;
    for (int j = 0; j < 16; j++) total += acc[j];
    return total + extra;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void scalpel_packed_gemv(const scalpel_packed_weight *w, const float *x, const float *group_sums, float *y,
                         long row_begin, long row_end, int accumulate) {
    for (long r = row_begin; r < row_end; r++) {
        float v = row_dot(w, r, x, group_sums);
        y[r] = accumulate ? y[r] + v : v;
    }
}
