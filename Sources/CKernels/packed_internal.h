/* Helpers shared by the packed-weight kernels, inlined into every per-ISA clone. */
#ifndef SCALPEL_PACKED_INTERNAL_H
#define SCALPEL_PACKED_INTERNAL_H

#include <stdint.h>
#include <string.h>

#define SCALPEL_INLINE static inline __attribute__((always_inline))

/* The fp16 bit pattern as f32 (exact; F16C in the AVX clones, the compiler's runtime conversion otherwise). */
SCALPEL_INLINE float packed_half_to_float(uint16_t h) {
    _Float16 v;
    memcpy(&v, &h, sizeof v);
    return (float)v;
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
