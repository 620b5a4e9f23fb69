/*
** minhash_speed.c — MinHash fingerprint throughput (kh_fingerprint_text:
** tokenization + shingles + 128 hash functions) next to tokenization alone
** (kh_tokenize, the peer in the same run), on pk-news-2024 and COUNTER
** bodies; and LSH candidate rates on COUNTER for a few band layouts of the
** same 128-value signature (share of WD, PD, ND pairs that become
** candidates, and of unrelated cross pairs).
**
**   make bench && ./build/bench/minhash_speed [--data DIR]
*/
#include "khabar.h"
#include "../src/corpus/corpus.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXDOC 5000
static char *doc[MAXDOC];
static size_t dlen[MAXDOC];
static int nd;
static int pair_of[MAXDOC], role_of[MAXDOC], cls_of[MAXDOC]; /* COUNTER only */

static void load(const char *path, int counter) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "minhash_speed: cannot open %s\n", path);
    exit(1);
  }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0 && nd < MAXDOC) {
    json_t *o = json_loads(line, 0, NULL);
    const char *b = o ? json_string_value(json_object_get(o, "body")) : NULL;
    if (b) {
      doc[nd] = strdup(b);
      dlen[nd] = strlen(b);
      pair_of[nd] = counter ? atoi(json_string_value(json_object_get(o, "counter_pair"))) : 0;
      role_of[nd] = counter && !strcmp(json_string_value(json_object_get(o, "counter_role")), "derived");
      const char *c = counter ? json_string_value(json_object_get(o, "counter_class")) : "";
      cls_of[nd] = !strcmp(c, "WD") ? 2 : !strcmp(c, "PD") ? 1 : 0;
      nd++;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
}

static int count_tok(void *ctx, const kh_token *t) {
  (void)t;
  (*(size_t *)ctx)++;
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static kh_fingerprint fps[MAXDOC];

/* 1 if a and b share a band of `rows` rows (bands = 128 / rows). */
static int share_band(const kh_fingerprint *a, const kh_fingerprint *b, int rows) {
  for (int i = 0; i + rows <= KH_MINHASH_K; i += rows) {
    int eq = 1;
    for (int r = 0; r < rows && eq; r++) eq = a->minhash[i + r] == b->minhash[i + r];
    if (eq) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = KH_SOURCE_DIR "/../shared/data";
  if (argc == 3 && !strcmp(argv[1], "--data")) dir = argv[2];
  char p[4096];
  snprintf(p, sizeof p, "%s/counter/counter.jsonl", dir);
  load(p, 1);
  int ncounter = nd;
  snprintf(p, sizeof p, "%s/pk-news-2024/pk-news-2024.jsonl", dir);
  load(p, 0);
  size_t bytes = 0;
  for (int i = 0; i < nd; i++) bytes += dlen[i];
  const int reps = 5;
  double best_tok = 1e9, best_fp = 1e9;
  size_t ntok = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    for (int i = 0; i < nd; i++) kh_tokenize(doc[i], dlen[i], 0, count_tok, &ntok);
    double t1 = now();
    for (int i = 0; i < nd; i++) kh_fingerprint_text(doc[i], dlen[i], &fps[i]);
    double t2 = now();
    if (t1 - t0 < best_tok) best_tok = t1 - t0;
    if (t2 - t1 < best_fp) best_fp = t2 - t1;
  }
  /* MinHash alone, on token hashes prepared beforehand */
  static kh__tokseq seqs[MAXDOC];
  for (int i = 0; i < nd; i++) kh__tokseq_build(doc[i], dlen[i], &seqs[i]);
  double best_mh = 1e9;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    for (int i = 0; i < nd; i++) kh__fingerprint_seq(&seqs[i], &fps[i]);
    if (now() - t0 < best_mh) best_mh = now() - t0;
  }
  for (int i = 0; i < nd; i++) kh__tokseq_free(&seqs[i]);
  for (int i = 0; i < nd; i++) kh_fingerprint_text(doc[i], dlen[i], &fps[i]);
  printf("%d texts, %.2f MB (COUNTER + pk-news-2024 bodies), best of %d runs, one core\n", nd,
         bytes / 1e6, reps);
  printf("kh_tokenize alone:                 %7.1f MB/s  %8.0f texts/s\n", bytes / 1e6 / best_tok,
         nd / best_tok);
  printf("kh_fingerprint_text (K=%d, w=%d):  %7.1f MB/s  %8.0f texts/s  (%.2fx the time of tokenizing)\n",
         KH_MINHASH_K, KH_SHINGLE_W, bytes / 1e6 / best_fp, nd / best_fp, best_fp / best_tok);
  printf("MinHash alone (on token hashes):    %7.1f MB/s of text  %8.0f texts/s\n",
         bytes / 1e6 / best_mh, nd / best_mh);
  /* LSH candidate rates on COUNTER */
  int src[700] = {0}, der[700] = {0}, cls[700] = {0};
  for (int i = 0; i < ncounter; i++) {
    if (pair_of[i] <= 0 || pair_of[i] >= 700) continue;
    if (role_of[i]) der[pair_of[i]] = i;
    else src[pair_of[i]] = i;
    cls[pair_of[i]] = cls_of[i];
  }
  int layouts[] = {1, 2, 4, 8};
  printf("LSH candidates on COUNTER (share >= 1 band), by rows per band (bands = %d / rows):\n",
         KH_MINHASH_K);
  for (int l = 0; l < 4; l++) {
    int rows = layouts[l], hit[3] = {0}, tot[3] = {0}, xhit = 0, xtot = 0;
    for (int k = 1; k < 700; k++) {
      if (!der[k] && !src[k]) continue;
      tot[cls[k]]++;
      hit[cls[k]] += share_band(&fps[src[k]], &fps[der[k]], rows);
      /* unrelated: this source against the next pairs' derived texts */
      for (int d = 1; d <= 5; d++) {
        int m = k + d * 37;
        if (m < 700 && der[m]) {
          xtot++;
          xhit += share_band(&fps[src[k]], &fps[der[m]], rows);
        }
      }
    }
    printf("  rows %d x bands %3d: WD %.3f  PD %.3f  ND %.3f  unrelated pairs %.4f\n", rows,
           KH_MINHASH_K / rows, (double)hit[2] / tot[2], (double)hit[1] / tot[1],
           (double)hit[0] / tot[0], (double)xhit / xtot);
  }
  /* shingle width: exact word n-gram Jaccard (n = 1, 2, 3) of COUNTER pairs
  ** against unrelated cross pairs; AUC = chance a derived (WD/PD) pair
  ** scores above an unrelated one */
  static double jd[700][3], ju[3500][3];
  int ndv = 0, nu = 0;
  for (int k = 1; k < 700; k++) {
    if (!der[k] || !src[k]) continue;
    kh_reuse_text *ta, *tb;
    kh_reuse r;
    kh_reuse_text_new(doc[src[k]], dlen[src[k]], &ta);
    if (cls[k] != 0) {
      kh_reuse_text_new(doc[der[k]], dlen[der[k]], &tb);
      kh_reuse_compare(ta, tb, &r);
      for (int w = 0; w < 3; w++) jd[ndv][w] = r.jaccard[w];
      ndv++;
      kh_reuse_clear(&r);
      kh_reuse_text_free(tb);
    }
    for (int d = 1; d <= 5; d++) {
      int m = k + d * 37;
      if (m < 700 && der[m]) {
        kh_reuse_text_new(doc[der[m]], dlen[der[m]], &tb);
        kh_reuse_compare(ta, tb, &r);
        for (int w = 0; w < 3; w++) ju[nu][w] = r.jaccard[w];
        nu++;
        kh_reuse_clear(&r);
        kh_reuse_text_free(tb);
      }
    }
    kh_reuse_text_free(ta);
  }
  printf("word n-gram Jaccard, derived (WD+PD, %d) vs unrelated (%d) COUNTER pairs:\n", ndv, nu);
  for (int w = 0; w < 3; w++) {
    double above = 0, md = 0, mu = 0;
    for (int i = 0; i < ndv; i++) {
      md += jd[i][w] / ndv;
      for (int j = 0; j < nu; j++) above += jd[i][w] > ju[j][w] ? 1 : jd[i][w] == ju[j][w] ? 0.5 : 0;
    }
    for (int j = 0; j < nu; j++) mu += ju[j][w] / nu;
    printf("  n=%d: mean derived %.3f  mean unrelated %.4f  ratio %.0f  AUC %.4f\n", w + 1, md, mu,
           mu > 0 ? md / mu : 0, above / ((double)ndv * nu));
  }
  return 0;
}
