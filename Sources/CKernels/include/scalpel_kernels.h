/* Small numeric loops that Swift does not vectorise well, compiled once per instruction set
 * (AVX-512, AVX2, baseline) and picked at load time. */
#ifndef SCALPEL_KERNELS_H
#define SCALPEL_KERNELS_H

/* values[i] = e^values[i] for i < count (Cephes single-precision exp: within about 1 ulp;
 * inputs clamped to [-87.3, 88.37]; NaN stays NaN). */
void scalpel_vexpf(float *values, long count);

#endif
