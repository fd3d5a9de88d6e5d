/* Run-time access to OpenBLAS.
 *
 * OpenBLAS picks its CPU kernels once, when the library loads, from OPENBLAS_CORETYPE or its own
 * cpuid tables. Older builds do not know recent CPUs and fall back to slow SSE3 kernels, so Scalpel
 * does not link OpenBLAS: it detects the CPU, sets OPENBLAS_CORETYPE when the user has not, and only
 * then loads the library with dlopen. Every BLAS call in Scalpel goes through this file. */
#ifndef SCALPEL_BLAS_H
#define SCALPEL_BLAS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads OpenBLAS once (thread-safe). Returns 0 on success; otherwise non-zero, and
 * scalpel_blas_error() says why. Later calls return the first result. */
int scalpel_blas_load(void);

/* Why loading failed, or "" after success. */
const char *scalpel_blas_error(void);

/* The shared object that was loaded (path or soname). */
const char *scalpel_blas_library(void);
/* openblas_get_config(), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64". */
const char *scalpel_blas_config(void);
/* openblas_get_corename(), the kernels in use, e.g. "SkylakeX". */
const char *scalpel_blas_core(void);
/* Where the core came from: "environment", "cpuid", or "library default". */
const char *scalpel_blas_core_source(void);
/* The core Scalpel's own cpuid check recommends for this CPU ("" when it has no opinion). */
const char *scalpel_blas_recommended_core(void);
int scalpel_blas_threads(void);
void scalpel_blas_set_threads(int threads);

/* Row-major GEMM: C = alpha * op(A) * op(B) + beta * C, op(X) = X or Xᵀ (trans != 0).
 * op(A) is M×K, op(B) is K×N, C is M×N. The library must be loaded. */
void scalpel_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void scalpel_dgemm(int trans_a, int trans_b, int m, int n, int k, double alpha,
                   const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);
/* Row-major GEMV: y = alpha * op(A) * x + beta * y, A is M×N before op. */
void scalpel_sgemv(int trans_a, int m, int n, float alpha, const float *a, int lda,
                   const float *x, float beta, float *y);

#ifdef __cplusplus
}
#endif
#endif
