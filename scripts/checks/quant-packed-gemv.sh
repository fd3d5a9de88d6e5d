#!/usr/bin/env bash
# Times the packed GEMV kernel alone (Sources/CKernels/packed_gemv.c) on a 1536×576 weight, one thread,
# measuring thread CPU time so that other jobs on the machine do not inflate it. Prints µs per GEMV and
# packed bytes read per second for each layout. Needs clang.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/harness.c" <<'C'
#include "scalpel_packed.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
    long rows = 1536, cols = 576, g = atol(argv[3]);
    int bits = atoi(argv[1]), mode = atoi(argv[2]);
    long rb = (cols + 31) / 32 * 4 * bits, groups = (cols + g - 1) / g;
    uint8_t *codes = malloc(rows * rb), *z = malloc(rows * groups);
    uint16_t *sc = malloc(rows * groups * 2), *off = malloc(rows * groups * 2);
    float *x = malloc(cols * 4), *y = malloc(rows * 4), *sums = malloc(groups * 4);
    for (long i = 0; i < rows * rb; i++) codes[i] = (uint8_t)rand();
    for (long i = 0; i < rows * groups; i++) { sc[i] = 0x2000; z[i] = 3; off[i] = 0xa000; }
    for (long i = 0; i < cols; i++) x[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < groups; i++) sums[i] = 1;
    scalpel_packed_weight w = {codes, sc, z, off, rows, cols, rb, g, groups, bits, mode};
    double best = 1e9;
    for (int rep = 0; rep < 20; rep++) {
        double t = now();
        for (int k = 0; k < 50; k++) scalpel_packed_gemv(&w, x, sums, y, 0, rows, 0);
        t = (now() - t) / 50;
        if (t < best) best = t;
    }
    printf("%-28s %7.1f us  %5.2f GB/s of packed bytes\n", argv[4], best * 1e6, rows * rb / best / 1e9);
    return 0;
}
C
clang -O2 -I Sources/CKernels/include -I Sources/CKernels "$work/harness.c" Sources/CKernels/packed_gemv.c -o "$work/harness"
"$work/harness" 4 2 32 "Q4_1 (W4 g32 offsets)"
"$work/harness" 4 0 32 "Q4_0 (W4 g32 symmetric)"
"$work/harness" 4 1 128 "W4 g128 integer zeros (AWQ)"
"$work/harness" 8 0 32 "Q8_0 (W8 g32 symmetric)"
"$work/harness" 3 1 128 "W3 g128 integer zeros"
"$work/harness" 2 1 64 "W2 g64 integer zeros"
