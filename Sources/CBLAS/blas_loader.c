#define _GNU_SOURCE
#include "scalpel_blas.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *,
                         int, double, double *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef char *(*str_fn)(void);
typedef int (*int_fn)(void);
typedef void (*set_threads_fn)(int);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512] = "OpenBLAS has not been loaded";
static char library_name[256] = "";
static char core_source[32] = "library default";
static char recommended[32] = "";

static sgemm_fn p_sgemm;
static dgemm_fn p_dgemm;
static sgemv_fn p_sgemv;
static str_fn p_config;
static str_fn p_corename;
static int_fn p_get_threads;
static set_threads_fn p_set_threads;

/* Whether the OS saves the AVX-512 register state (XCR0 bits 1,2,5,6,7). */
static int os_saves_zmm(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0; /* OSXSAVE */
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6u) == 0xE6u;
}

static int os_saves_ymm(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0x6u) == 0x6u;
}

/* The OpenBLAS core name whose kernels fit this CPU best, from its feature bits rather than its
 * model number (which is what old OpenBLAS builds fail to recognise). */
static void detect_core(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return;
    int fma = (ecx >> 12) & 1;
    if (__get_cpuid_max(0, NULL) < 7) return;
    unsigned int b7, c7, d7, a7;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    int avx2 = (b7 >> 5) & 1;
    int avx512 = ((b7 >> 16) & 1) && ((b7 >> 17) & 1) && ((b7 >> 28) & 1) && ((b7 >> 30) & 1) &&
                 ((b7 >> 31) & 1); /* F, DQ, CD, BW, VL */
    if (avx512 && os_saves_zmm()) {
        strcpy(recommended, "SkylakeX");
    } else if (avx2 && fma && os_saves_ymm()) {
        strcpy(recommended, "Haswell");
    }
}

static const char *candidates[] = {
    "libopenblas.so.0",
    "libopenblas.so",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "libopenblas.dylib",
    "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
};

static void load(void) {
    detect_core();
    const char *env_core = getenv("OPENBLAS_CORETYPE");
    if (env_core && *env_core) {
        strcpy(core_source, "environment");
    } else if (recommended[0]) {
        setenv("OPENBLAS_CORETYPE", recommended, 0);
        strcpy(core_source, "cpuid");
    }

    const char *override = getenv("SCALPEL_BLAS_LIBRARY");
    void *handle = NULL;
    char last_error[256] = "";
    if (override && *override) {
        handle = dlopen(override, RTLD_NOW | RTLD_GLOBAL);
        if (handle) snprintf(library_name, sizeof library_name, "%s", override);
        else snprintf(last_error, sizeof last_error, "%s", dlerror());
    } else {
        for (size_t i = 0; i < sizeof candidates / sizeof *candidates && !handle; i++) {
            handle = dlopen(candidates[i], RTLD_NOW | RTLD_GLOBAL);
            if (handle) snprintf(library_name, sizeof library_name, "%s", candidates[i]);
            else snprintf(last_error, sizeof last_error, "%s", dlerror());
        }
    }
    if (!handle) {
        snprintf(load_error, sizeof load_error,
                 "cannot load OpenBLAS (%s); install it (Debian: apt-get install libopenblas0) "
                 "or point SCALPEL_BLAS_LIBRARY at the shared library",
                 last_error);
        return;
    }
    p_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    p_dgemm = (dgemm_fn)dlsym(handle, "cblas_dgemm");
    p_sgemv = (sgemv_fn)dlsym(handle, "cblas_sgemv");
    p_config = (str_fn)dlsym(handle, "openblas_get_config");
    p_corename = (str_fn)dlsym(handle, "openblas_get_corename");
    p_get_threads = (int_fn)dlsym(handle, "openblas_get_num_threads");
    p_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    if (!p_sgemm || !p_dgemm || !p_sgemv) {
        snprintf(load_error, sizeof load_error, "%s lacks cblas_sgemm/cblas_dgemm/cblas_sgemv",
                 library_name);
        return;
    }
    load_error[0] = 0;
    load_status = 0;
}

int scalpel_blas_load(void) {
    pthread_once(&load_once, load);
    return load_status;
}

const char *scalpel_blas_error(void) { return load_error; }
const char *scalpel_blas_library(void) { return library_name; }
const char *scalpel_blas_config(void) { return p_config ? p_config() : "unknown"; }
const char *scalpel_blas_core(void) { return p_corename ? p_corename() : "unknown"; }
const char *scalpel_blas_core_source(void) { return core_source; }
const char *scalpel_blas_recommended_core(void) {
    pthread_once(&load_once, load);
    return recommended;
}
int scalpel_blas_threads(void) { return p_get_threads ? p_get_threads() : 1; }
void scalpel_blas_set_threads(int threads) {
    if (p_set_threads && threads > 0) p_set_threads(threads);
}

void scalpel_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                   int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    p_sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a,
            lda, b, ldb, beta, c, ldc);
}

void scalpel_dgemm(int trans_a, int trans_b, int m, int n, int k, double alpha, const double *a,
                   int lda, const double *b, int ldb, double beta, double *c, int ldc) {
    p_dgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a,
            lda, b, ldb, beta, c, ldc);
}

void scalpel_sgemv(int trans_a, int m, int n, float alpha, const float *a, int lda, const float *x,
                   float beta, float *y) {
    p_sgemv(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, m, n, alpha, a, lda, x, 1, beta, y, 1);
}
