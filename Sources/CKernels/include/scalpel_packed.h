/* Low-bit weights packed in memory and the fused dequantize × activation kernels over them.
 *
 * A weight [rows, cols] (PyTorch's [out, in]) is cut along each row into chunks of 32 inputs; chunk c of
 * row r takes 4·bits bytes at codes + r·row_bytes + c·4·bits (a last, shorter chunk is padded with zero
 * codes). Inside a chunk, code j (0 ≤ j < 32) is stored as:
 *   8 bits: byte j.
 *   4 bits: byte j % 16, low nibble for j < 16, high nibble for j ≥ 16 (ggml's Q4_0/Q4_1 order).
 *   2 bits: byte j % 8, bits 2·(j / 8) … 2·(j / 8) + 1.
 *   3 bits: the low two bits as the 2-bit layout in bytes 0…7, the third bit as bit j of the
 *           little-endian 32-bit word in bytes 8…11.
 * Groups of group_size consecutive inputs (a multiple of 32, or the whole row) share an fp16 scale s
 * (bits of an IEEE half, in scales[r·groups + g]) and a zero point:
 *   SCALPEL_ZERO_SYMMETRIC  w = (q − 2^(bits−1)) · s
 *   SCALPEL_ZERO_CODES      w = (q − z) · s, z = zeros[r·groups + g] (an integer code)
 *   SCALPEL_ZERO_OFFSETS    w = q · s + m, m = fp16 offsets[r·groups + g] (ggml's Q4_1 `m`)
 */
#ifndef SCALPEL_PACKED_H
#define SCALPEL_PACKED_H

#include <stdint.h>

enum { SCALPEL_ZERO_SYMMETRIC = 0, SCALPEL_ZERO_CODES = 1, SCALPEL_ZERO_OFFSETS = 2 };

typedef struct {
    const uint8_t *codes;
    const uint16_t *scales;
    const uint8_t *zeros;
    const uint16_t *offsets;
    long rows, cols, row_bytes, group_size, groups;
    int bits, zero_mode;
} scalpel_packed_weight;

/* y[r] (+)= Σ_c w[r, c] · x[c] for rows row_begin ≤ r < row_end; y is indexed by r. group_sums[g] must hold
 * Σ x over group g when zero_mode is SCALPEL_ZERO_OFFSETS (ignored otherwise). */
void scalpel_packed_gemv(const scalpel_packed_weight *w, const float *x, const float *group_sums, float *y,
                         long row_begin, long row_end, int accumulate);

/* out[(r − row_begin)·cols + c] = w[r, c] for row_begin ≤ r < row_end, computed as the formulas above
 * (in f32, without fused multiply-add). */
void scalpel_packed_dequantize(const scalpel_packed_weight *w, long row_begin, long row_end, float *out);

/* The fp16 bit pattern as f32 (exact, subnormals and infinities included). */
float scalpel_half_to_float(uint16_t h);

#endif
