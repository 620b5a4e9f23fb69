/*
** counter_reuse.c — reuse classification on COUNTER (600 source/derived
** pairs of Urdu news, labelled WD / PD / ND), in one run:
**
**   1. baseline: plain unigram containment of the derived text in the
**      source, thresholds tuned on all 600 pairs (optimistic), and the
**      same thresholds chosen by 10-fold cross-validation;
**   2. khabar: multinomial logistic regression over the direction-free
**      features of kh_reuse_compare (containment of word 1/2/3-grams both
**      ways, passage coverage, longest passage, length ratio, Jaccard),
**      10-fold cross-validated (stratified, fixed seeds, 10 repetitions).
**
** Prints binary (WD+PD vs ND) and 3-class macro-F1 for each.  With
** --write-model PATH it trains on all 600 pairs and writes the weights as
** a C header (src/corpus/reuse_model.h), which the library compiles in.
**
**   make bench && ./build/bench/counter_reuse [--data DIR] [--write-model PATH]
*/
#include "khabar.h"
#include "../src/corpus/corpus.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPAIR_MAX 1000
#define NF KH__NFEAT

typedef struct pair {
  char *src, *der; /* bodies */
  int cls;         /* KH_REUSE_* */
  double f[NF];    /* features: is derived from source? */
  double c1;       /* unigram containment of derived in source */
} pair;

static pair P[NPAIR_MAX];
static int NP;

static int cls_of(const char *s) {
  if (!strcmp(s, "WD")) return KH_REUSE_WD;
  if (!strcmp(s, "PD")) return KH_REUSE_PD;
  return KH_REUSE_ND;
}

static int load(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/counter/counter.jsonl", dir);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "counter_reuse: cannot open %s\n", path);
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    if (!o) continue;
    int id = atoi(json_string_value(json_object_get(o, "counter_pair")));
    const char *role = json_string_value(json_object_get(o, "counter_role"));
    const char *body = json_string_value(json_object_get(o, "body"));
    const char *cl = json_string_value(json_object_get(o, "counter_class"));
    if (id > 0 && id <= NPAIR_MAX && role && body && cl) {
      pair *p = &P[id - 1];
      if (!strcmp(role, "source")) p->src = strdup(body);
      else p->der = strdup(body);
      p->cls = cls_of(cl);
      if (id > NP) NP = id;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  for (int i = 0; i < NP; i++)
    if (!P[i].src || !P[i].der) {
      fprintf(stderr, "counter_reuse: pair %d incomplete\n", i + 1);
      return -1;
    }
  return 0;
}

/* ---- metrics ---- */

static double macro_f1(const int *gold, const int *pred, int n, int ncls) {
  double sum = 0;
  for (int c = 0; c < ncls; c++) {
    int tp = 0, fp = 0, fn = 0;
    for (int i = 0; i < n; i++) {
      if (pred[i] == c && gold[i] == c) tp++;
      else if (pred[i] == c) fp++;
      else if (gold[i] == c) fn++;
    }
    sum += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
  }
  return sum / ncls;
}

static double f1_bin(const int *gold3, const int *pred3, int n) {
  int g[NPAIR_MAX], p[NPAIR_MAX];
  for (int i = 0; i < n; i++) {
    g[i] = gold3[i] != KH_REUSE_ND;
    p[i] = pred3[i] != KH_REUSE_ND;
  }
  return macro_f1(g, p, n, 2);
}

/* ---- baseline: thresholds on unigram containment ---- */

typedef struct thr {
  double t1, t2; /* ND below t1, PD in [t1, t2), WD from t2 */
} thr;

static int thr_pred(const thr *t, double x) {
  return x >= t->t2 ? KH_REUSE_WD : x >= t->t1 ? KH_REUSE_PD : KH_REUSE_ND;
}

static const double *sort_key;
static int cmp_idx(const void *x, const void *y) {
  double a = sort_key[*(const int *)x], b = sort_key[*(const int *)y];
  return a < b ? -1 : a > b;
}

/* F1 of one class from its counts. */
static double f1c(int tp, int fp, int fn) { return tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0; }

/* Best thresholds on the pairs idx[0..n): binary picks t1 alone (t2 = inf).
** Pairs sorted by containment; class counts by prefix sums, so each
** candidate (t1, t2) costs O(1). */
static thr thr_fit(const int *idx, int n, int binary) {
  static double key[NPAIR_MAX];
  int s[NPAIR_MAX];
  for (int i = 0; i < NP; i++) key[i] = P[i].c1;
  memcpy(s, idx, n * sizeof *s);
  sort_key = key;
  qsort(s, n, sizeof *s, cmp_idx);
  static int pre[3][NPAIR_MAX + 1];
  for (int c = 0; c < 3; c++) pre[c][0] = 0;
  for (int k = 0; k < n; k++)
    for (int c = 0; c < 3; c++) pre[c][k + 1] = pre[c][k] + (P[s[k]].cls == c);
  int tot[3] = {pre[0][n], pre[1][n], pre[2][n]};
  thr best = {0, 2};
  double bf = -1;
  for (int a = 0; a <= n; a++) {
    if (a > 0 && a < n && key[s[a - 1]] == key[s[a]]) continue;
    for (int b = binary ? n : a; b <= n; b++) {
      if (b > a && b < n && key[s[b - 1]] == key[s[b]]) continue;
      /* [0,a) ND, [a,b) PD, [b,n) WD */
      double f;
      int nd_tp = pre[0][a], nd_pred = a;
      if (binary) {
        int d_tp = (tot[1] + tot[2]) - (pre[1][a] + pre[2][a]), d_pred = n - a;
        f = (f1c(nd_tp, nd_pred - nd_tp, tot[0] - nd_tp) +
             f1c(d_tp, d_pred - d_tp, tot[1] + tot[2] - d_tp)) / 2;
      } else {
        int pd_tp = pre[1][b] - pre[1][a], pd_pred = b - a;
        int wd_tp = tot[2] - pre[2][b], wd_pred = n - b;
        f = (f1c(nd_tp, nd_pred - nd_tp, tot[0] - nd_tp) + f1c(pd_tp, pd_pred - pd_tp, tot[1] - pd_tp) +
             f1c(wd_tp, wd_pred - wd_tp, tot[2] - wd_tp)) / 3;
      }
      if (f > bf) {
        bf = f;
        best.t1 = a < n ? key[s[a]] : 2.0;
        best.t2 = b < n ? key[s[b]] : 2.0;
      }
    }
  }
  return best;
}

/* ---- logistic regression (multinomial, L2) ---- */

typedef struct model {
  double mean[NF], scale[NF];
  double w[3][NF + 1];
} model;

static void lr_fit(const int *idx, int n, double l2, model *m) {
  memset(m, 0, sizeof *m);
  for (int k = 0; k < NF; k++) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) s += P[idx[i]].f[k];
    m->mean[k] = s / n;
    for (int i = 0; i < n; i++) s2 += pow(P[idx[i]].f[k] - m->mean[k], 2);
    m->scale[k] = sqrt(s2 / n) > 1e-9 ? sqrt(s2 / n) : 1.0;
  }
  static double x[NPAIR_MAX][NF + 1];
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < NF; k++) x[i][k] = (P[idx[i]].f[k] - m->mean[k]) / m->scale[k];
    x[i][NF] = 1.0;
  }
  /* full-batch gradient descent with a fixed schedule: deterministic */
  double lr = 0.5;
  for (int it = 0; it < 3000; it++) {
    double g[3][NF + 1] = {{0}};
    for (int i = 0; i < n; i++) {
      double z[3], zmax = -1e300, sum = 0;
      for (int c = 0; c < 3; c++) {
        z[c] = 0;
        for (int k = 0; k <= NF; k++) z[c] += m->w[c][k] * x[i][k];
        if (z[c] > zmax) zmax = z[c];
      }
      for (int c = 0; c < 3; c++) sum += z[c] = exp(z[c] - zmax);
      for (int c = 0; c < 3; c++) {
        double err = z[c] / sum - (P[idx[i]].cls == c);
        for (int k = 0; k <= NF; k++) g[c][k] += err * x[i][k];
      }
    }
    for (int c = 0; c < 3; c++)
      for (int k = 0; k <= NF; k++)
        m->w[c][k] -= lr * (g[c][k] / n + (k < NF ? l2 * m->w[c][k] : 0));
  }
}

static int lr_pred1(const model *m, const double *f, double *pnd) {
  int best = 0;
  double bz = -1e300, z[3], sum = 0;
  for (int c = 0; c < 3; c++) {
    z[c] = m->w[c][NF];
    for (int k = 0; k < NF; k++) z[c] += m->w[c][k] * (f[k] - m->mean[k]) / m->scale[k];
    if (z[c] > bz) {
      bz = z[c];
      best = c;
    }
  }
  for (int c = 0; c < 3; c++) sum += exp(z[c] - bz);
  *pnd = exp(z[0] - bz) / sum;
  return best;
}

/* The label of "derived from source", as kh_reuse_compare(source, derived). */
static int lr_pred(const model *m, const pair *p) {
  double nd;
  return lr_pred1(m, p->f, &nd);
}

/* ---- cross-validation ---- */

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}

/* Stratified fold of each pair for one repetition. */
static void make_folds(int rep, int *fold) {
  rng_state = 0x5eed0000ULL + (uint64_t)rep;
  for (int c = 0; c < 3; c++) {
    int idx[NPAIR_MAX], n = 0;
    for (int i = 0; i < NP; i++)
      if (P[i].cls == c) idx[n++] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = (int)(rnd() % (uint32_t)(i + 1)), t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    for (int i = 0; i < n; i++) fold[idx[i]] = i % 10;
  }
}

typedef struct cvres {
  double bin, tri;
} cvres;

/* which: 0 = baseline thresholds, 1 = logistic regression */
static cvres cross_validate(int which, int rep, double l2) {
  int fold[NPAIR_MAX], gold[NPAIR_MAX], pb[NPAIR_MAX], p3[NPAIR_MAX];
  make_folds(rep, fold);
  for (int k = 0; k < 10; k++) {
    int tr[NPAIR_MAX], nt = 0;
    for (int i = 0; i < NP; i++)
      if (fold[i] != k) tr[nt++] = i;
    if (which == 0) {
      thr tb = thr_fit(tr, nt, 1), t3 = thr_fit(tr, nt, 0);
      for (int i = 0; i < NP; i++)
        if (fold[i] == k) {
          pb[i] = thr_pred(&tb, P[i].c1);
          p3[i] = thr_pred(&t3, P[i].c1);
        }
    } else {
      model m;
      lr_fit(tr, nt, l2, &m);
      for (int i = 0; i < NP; i++)
        if (fold[i] == k) pb[i] = p3[i] = lr_pred(&m, &P[i]);
    }
  }
  for (int i = 0; i < NP; i++) gold[i] = P[i].cls;
  return (cvres){f1_bin(gold, pb, NP), macro_f1(gold, p3, NP, 3)};
}

static void write_model(const char *path, const model *m, cvres cv) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fprintf(f, "/* reuse_model.h — GENERATED by bench/counter_reuse.c --write-model; do not edit.\n"
             "** Multinomial logistic regression (classes ND, PD, WD) over the features of\n"
             "** kh__reuse_features, trained on all %d COUNTER pairs.  10-fold CV estimate\n"
             "** (mean of 10 stratified repetitions): binary macro-F1 %.3f, 3-class %.3f. */\n",
          NP, cv.bin, cv.tri);
  fprintf(f, "#define KH__MODEL_NFEAT %d\n", NF);
  fprintf(f, "static const double kh__model_mean[%d] = {", NF);
  for (int k = 0; k < NF; k++) fprintf(f, "%s%.9g", k ? ", " : "", m->mean[k]);
  fprintf(f, "};\nstatic const double kh__model_scale[%d] = {", NF);
  for (int k = 0; k < NF; k++) fprintf(f, "%s%.9g", k ? ", " : "", m->scale[k]);
  fprintf(f, "};\nstatic const double kh__model_w[3][%d] = {\n", NF + 1);
  for (int c = 0; c < 3; c++) {
    fprintf(f, "    {");
    for (int k = 0; k <= NF; k++) fprintf(f, "%s%.9g", k ? ", " : "", m->w[c][k]);
    fprintf(f, "}%s\n", c < 2 ? "," : "");
  }
  fprintf(f, "};\n");
  fclose(f);
}

int main(int argc, char **argv) {
  const char *dir = KH_SOURCE_DIR "/../shared/data", *out = NULL;
  double l2 = 1e-3;
  FILE *dump = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--write-model") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "--l2") && i + 1 < argc) l2 = atof(argv[++i]);
    else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump = fopen(argv[++i], "w");
    else {
      fprintf(stderr, "usage: counter_reuse [--data DIR] [--write-model PATH] [--l2 X]\n");
      return 2;
    }
  }
  if (load(dir)) return 1;
  clock_t t0 = clock();
  size_t bytes = 0;
  for (int i = 0; i < NP; i++) {
    kh_reuse_text *a, *b;
    kh_reuse r;
    if (kh_reuse_text_new(P[i].src, strlen(P[i].src), &a) ||
        kh_reuse_text_new(P[i].der, strlen(P[i].der), &b) || kh_reuse_compare(a, b, &r)) {
      fprintf(stderr, "counter_reuse: scoring pair %d failed\n", i + 1);
      return 1;
    }
    bytes += strlen(P[i].src) + strlen(P[i].der);
    kh__reuse_features(&r, 1, P[i].f);
    if (dump)
      fprintf(dump, "%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%u\t%u\t%u\t%zu\t%.4f\t%.4f\t%.4f\t%.4f\n", i + 1,
              P[i].cls, r.contain_ab[0], r.contain_ba[0], r.contain_ab[1], r.contain_ba[1],
              r.contain_ab[2], r.contain_ba[2], r.coverage_a, r.coverage_b, r.longest, r.a_tokens,
              r.b_tokens, r.npassages, r.sent_ab, r.sent_ba, r.sent_high_ab, r.sent_high_ba);
    P[i].c1 = r.contain_ba[0];
    kh_reuse_clear(&r);
    kh_reuse_text_free(a);
    kh_reuse_text_free(b);
  }
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  if (dump) fclose(dump);
  int cnt[3] = {0};
  for (int i = 0; i < NP; i++) cnt[P[i].cls]++;
  printf("COUNTER: %d pairs (WD %d, PD %d, ND %d), %.2f MB; scoring (prepare both + compare) "
         "%.3f s, %.0f pairs/s\n",
         NP, cnt[KH_REUSE_WD], cnt[KH_REUSE_PD], cnt[KH_REUSE_ND], bytes / 1e6, secs, NP / secs);

  /* baseline, optimistic: thresholds tuned on all pairs */
  int all[NPAIR_MAX], gold[NPAIR_MAX], pb[NPAIR_MAX], p3[NPAIR_MAX];
  for (int i = 0; i < NP; i++) {
    all[i] = i;
    gold[i] = P[i].cls;
  }
  thr tb = thr_fit(all, NP, 1), t3 = thr_fit(all, NP, 0);
  for (int i = 0; i < NP; i++) {
    pb[i] = thr_pred(&tb, P[i].c1);
    p3[i] = thr_pred(&t3, P[i].c1);
  }
  printf("%-52s binary %.3f  3-class %.3f  (t=%.3f; t1=%.3f t2=%.3f)\n",
         "baseline unigram containment, tuned on all 600:", f1_bin(gold, pb, NP),
         macro_f1(gold, p3, NP, 3), tb.t1, t3.t1, t3.t2);

  cvres base = {0, 0}, lr = {0, 0};
  const int reps = 10;
  for (int rep = 0; rep < reps; rep++) {
    cvres b = cross_validate(0, rep, l2), l = cross_validate(1, rep, l2);
    base.bin += b.bin / reps;
    base.tri += b.tri / reps;
    lr.bin += l.bin / reps;
    lr.tri += l.tri / reps;
  }
  printf("%-52s binary %.3f  3-class %.3f\n", "baseline unigram containment, 10-fold CV:", base.bin,
         base.tri);
  printf("%-52s binary %.3f  3-class %.3f\n", "khabar logistic regression, 10-fold CV:", lr.bin,
         lr.tri);
  printf("(10-fold CV figures: mean over %d stratified repetitions; l2=%g)\n", reps, l2);

  model m;
  lr_fit(all, NP, l2, &m);
  for (int i = 0; i < NP; i++) p3[i] = lr_pred(&m, &P[i]);
  printf("%-52s binary %.3f  3-class %.3f\n", "khabar logistic regression, fit on all 600:",
         f1_bin(gold, p3, NP), macro_f1(gold, p3, NP, 3));
  int conf[3][3] = {{0}};
  for (int i = 0; i < NP; i++) conf[gold[i]][p3[i]]++;
  printf("confusion (rows gold ND/PD/WD, cols predicted): ");
  for (int g = 0; g < 3; g++) printf("[%d %d %d] ", conf[g][0], conf[g][1], conf[g][2]);
  printf("\n");
  if (out) {
    write_model(out, &m, lr);
    printf("model written to %s\n", out);
  }
  for (int i = 0; i < NP; i++) {
    free(P[i].src);
    free(P[i].der);
  }
  return 0;
}
