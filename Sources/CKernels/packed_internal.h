/* Helpers shared by the packed-weight kernels, inlined into every per-ISA clone. */
#ifndef SCALPEL_PACKED_INTERNAL_H
#define SCALPEL_PACKED_INTERNAL_H

#include <stdint.h>
#include <string.h>

#define SCALPEL_INLINE static inline __attribute__((always_inline))

/* The fp16 bit pattern as f32 (exact, subnormals and infinities included). */
SCALPEL_INLINE float packed_half_to_float(uint16_t h) {
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

/* Code j (0 ≤ j < 32) of one chunk (layout in scalpel_packed.h). */
SCALPEL_INLINE int packed_code_at(const uint8_t *chunk, int bits, int j) {
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

#endif
