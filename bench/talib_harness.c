/*
 * TA-Lib C timing harness for `deno task bench indicators` (bench/indicators.ts builds and
 * runs it). It calls TA-Lib directly, so its timings are the real speed of C, with no
 * JavaScript marshalling.
 *
 * usage: talib_harness <input.bin> <output.bin> <repetitions>
 *   input.bin:  int64 n, then n doubles each of high, low, close, volume
 *   output.bin: every output series, n doubles each, aligned with the input (NaN during
 *               the warm-up), in the order printed
 *   stdout:     one JSON object {"name": best_ms, ...} (best of <repetitions> after a warm-up run)
 *
 * Build: gcc -O2 talib_harness.c -I<ta-lib>/include <ta-lib>/lib/libta_abstract_csr.a
 *        <ta-lib>/lib/libta_func_csr.a <ta-lib>/lib/libta_common_csr.a -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ta_libc.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int n;
static double *high, *low, *close_, *volume;
static double *o1, *o2, *o3; /* TA-Lib writes outputs from index 0 */
static int beg, nb;

static void run(int which) {
  TA_RetCode rc = TA_SUCCESS;
  switch (which) {
  case 0: rc = TA_SMA(0, n - 1, close_, 20, &beg, &nb, o1); break;
  case 1: rc = TA_EMA(0, n - 1, close_, 12, &beg, &nb, o1); break;
  case 2: rc = TA_WMA(0, n - 1, close_, 20, &beg, &nb, o1); break;
  case 3: rc = TA_RSI(0, n - 1, close_, 14, &beg, &nb, o1); break;
  case 4: rc = TA_MACD(0, n - 1, close_, 12, 26, 9, &beg, &nb, o1, o2, o3); break;
  case 5:
    rc = TA_STOCH(0, n - 1, high, low, close_, 14, 3, TA_MAType_SMA, 3, TA_MAType_SMA, &beg,
                  &nb, o1, o2);
    break;
  case 6: rc = TA_BBANDS(0, n - 1, close_, 20, 2.0, 2.0, TA_MAType_SMA, &beg, &nb, o1, o2, o3); break;
  case 7: rc = TA_ATR(0, n - 1, high, low, close_, 14, &beg, &nb, o1); break;
  case 8: rc = TA_OBV(0, n - 1, close_, volume, &beg, &nb, o1); break;
  }
  if (rc != TA_SUCCESS) {
    fprintf(stderr, "TA-Lib call %d failed with code %d\n", which, (int)rc);
    exit(1);
  }
}

static const char *NAMES[] = {"sma", "ema", "wma", "rsi", "macd", "stochastic", "bollinger", "atr", "obv"};
static const int OUTPUTS[] = {1, 1, 1, 1, 3, 2, 3, 1, 1};

static void write_aligned(FILE *f, const double *src) {
  double nan = NAN;
  for (int i = 0; i < beg && i < n; i++) fwrite(&nan, sizeof nan, 1, f);
  fwrite(src, sizeof(double), (size_t)nb, f);
  for (int i = beg + nb; i < n; i++) fwrite(&nan, sizeof nan, 1, f);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <input.bin> <output.bin> <repetitions>\n", argv[0]);
    return 2;
  }
  int reps = atoi(argv[3]);
  FILE *in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 2; }
  int64_t len;
  if (fread(&len, sizeof len, 1, in) != 1) { fprintf(stderr, "bad input\n"); return 2; }
  n = (int)len;
  double **cols[] = {&high, &low, &close_, &volume};
  for (int c = 0; c < 4; c++) {
    *cols[c] = malloc(sizeof(double) * n);
    if (fread(*cols[c], sizeof(double), n, in) != (size_t)n) { fprintf(stderr, "short input\n"); return 2; }
  }
  fclose(in);
  o1 = malloc(sizeof(double) * n);
  o2 = malloc(sizeof(double) * n);
  o3 = malloc(sizeof(double) * n);
  TA_Initialize();
  FILE *out = fopen(argv[2], "wb");
  if (!out) { perror(argv[2]); return 2; }
  printf("{");
  for (int k = 0; k < 9; k++) {
    run(k); /* warm-up */
    double best = 1e300;
    for (int r = 0; r < reps; r++) {
      double t0 = now_ms();
      run(k);
      double dt = now_ms() - t0;
      if (dt < best) best = dt;
    }
    printf("%s\"%s\": %.4f", k ? ", " : "", NAMES[k], best);
    double *outs[] = {o1, o2, o3};
    for (int j = 0; j < OUTPUTS[k]; j++) write_aligned(out, outs[j]);
  }
  printf("}\n");
  fclose(out);
  TA_Shutdown();
  return 0;
}
