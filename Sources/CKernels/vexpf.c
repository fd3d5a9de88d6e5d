#include "scalpel_kernels.h"

#include <stdint.h>
#include <string.h>

/* Cephes expf: x = n·ln2 + r with ln2 split in two so the reduction is exact, a degree-6 minimax
 * polynomial for e^r, and 2^n built in the exponent bits. n is rounded with the 1.5·2^23 trick so the
 * loop has no calls and the compiler vectorises it for each target below. */
__attribute__((target_clones("avx512f", "avx2", "default")))
void scalpel_vexpf(float *values, long count) {
    for (long i = 0; i < count; i++) {
        float v = values[i];
        float x = v < -87.3f ? -87.3f : (v > 88.37f ? 88.37f : v);
        float t = x * 1.44269504088896341f + 12582912.0f;
        float n = t - 12582912.0f;
        float r = x - n * 0.693359375f - n * -2.12194440e-4f;
        float p = 1.9875691500E-4f;
        p = p * r + 1.3981999507E-3f;
        p = p * r + 8.3334519073E-3f;
        p = p * r + 4.1665795894E-2f;
        p = p * r + 1.6666665459E-1f;
        p = p * r + 5.0000001201E-1f;
        float y = p * r * r + r + 1.0f;
        uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
        float scale;
        memcpy(&scale, &bits, sizeof scale);
        float out = y * scale;
        values[i] = v != v ? v : out;
    }
}
