#include "scalpel_packed.h"
#include "packed_internal.h"

#include <string.h>

/* Dequantization reproduces the reference formulas bit for bit: no fused multiply-add, so (q − z)·s and
 * q·s + m round exactly as they do in Swift and in ggml's reference dequantizers. */
#pragma STDC FP_CONTRACT OFF

/* The 32 codes of a full chunk, in input order. */
SCALPEL_INLINE void unpack_chunk(const uint8_t *b, int bits, int *q) {
    switch (bits) {
    case 8:
        for (int j = 0; j < 32; j++) q[j] = b[j];
        break;
    case 4:
        for (int j = 0; j < 16; j++) { q[j] = b[j] & 15; q[j + 16] = b[j] >> 4; }
        break;
    case 2:
        for (int j = 0; j < 8; j++) {
            q[j] = b[j] & 3; q[j + 8] = (b[j] >> 2) & 3; q[j + 16] = (b[j] >> 4) & 3; q[j + 24] = b[j] >> 6;
        }
        break;
    default: {
        uint32_t high;
        memcpy(&high, b + 8, 4);
        for (int j = 0; j < 8; j++) {
            q[j] = b[j] & 3; q[j + 8] = (b[j] >> 2) & 3; q[j + 16] = (b[j] >> 4) & 3; q[j + 24] = b[j] >> 6;
        }
        for (int j = 0; j < 32; j++) q[j] |= (int)(((high >> j) & 1u) << 2);
        break;
    }
    }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void scalpel_packed_dequantize(const scalpel_packed_weight *w, long row_begin, long row_end, float *out) {
    const int bits = w->bits, chunk_bytes = 4 * bits;
    const long cols = w->cols, groups = w->groups;
    int q[32];
    for (long r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->codes + r * w->row_bytes;
        float *o = out + (r - row_begin) * cols;
        for (long g = 0; g < groups; g++) {
            const float s = packed_half_to_float(w->scales[r * groups + g]);
            const int offsets = w->zero_mode == SCALPEL_ZERO_OFFSETS;
            const float m = offsets ? packed_half_to_float(w->offsets[r * groups + g]) : 0;
            const int z = offsets ? 0 : (w->zero_mode == SCALPEL_ZERO_SYMMETRIC ? 1 << (bits - 1) : w->zeros[r * groups + g]);
            const long begin = g * w->group_size;
            long end = begin + w->group_size;
            if (end > cols) end = cols;
            for (long c0 = begin; c0 < end; c0 += 32) {
                const uint8_t *chunk = row + (c0 / 32) * chunk_bytes;
                const long n = end - c0 < 32 ? end - c0 : 32;
                if (n == 32) {
                    unpack_chunk(chunk, bits, q);
                } else {
                    for (int j = 0; j < n; j++) q[j] = packed_code_at(chunk, bits, j);
                }
                if (offsets) {
                    for (long j = 0; j < n; j++) {
                        float p = (float)q[j] * s;
                        o[c0 + j] = p + m;
                    }
                } else {
                    for (long j = 0; j < n; j++) o[c0 + j] = (float)(q[j] - z) * s;
                }
            }
        }
    }
}
