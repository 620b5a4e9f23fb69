/*
** counter_reuse.c — reuse classification on COUNTER (600 source/derived
** pairs of Urdu news, labelled WD / PD / ND), in one run:
**
**   1. baseline: plain unigram containment of the derived text in the
**      source, thresholds tuned on all 600 pairs (optimistic), and the
**      same thresholds chosen inside 10-fold cross-validation;
**   2. khabar: multinomial logistic regression (L2, Newton's method) over
**      the features of kh__reuse_features, by NESTED cross-validation:
**      outer 10-fold stratified split, repeated 10 times with fixed seeds;
**      inside each outer training part a 5-fold CV picks the L2 strength
**      from a fixed grid (criterion: mean of binary and 3-class macro-F1),
**      the model is refitted on the outer training part and scored on the
**      held-out fold.  Printed as mean ± sd over the 10 repetitions, for
**      the full feature set and for the first 12 features (the previous
**      model's set) in the same run.
**
** Binary = WD+PD vs ND.  With --write-model PATH the L2 strength is chosen
** by the same 5-fold CV on all 600 pairs, the model is fitted on all 600
** and written as a C header (src/corpus/reuse_model.h; `make gen` runs
** tools/gen_reuse_model.py, which calls this).  --errors prints the pairs
** the nested CV got wrong (first repetition), --dump FILE the features.
**
**   make bench && ./build/bench/counter_reuse [--data DIR] [--reps N]
**        [--write-model PATH] [--errors] [--dump FILE]
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

/* ---- logistic regression (multinomial, L2, Newton's method) ---- */

/* ND is the reference class (weights 0); PD and WD have NF weights and a
** bias each, on standardized features. */
#define NP2 (2 * (NF + 1))

typedef struct model {
  int nf; /* features used: the first nf */
  double mean[NF], scale[NF];
  double w[3][NF + 1]; /* w[0] stays 0 */
} model;

static double X[NPAIR_MAX][NF + 1]; /* standardized features of the current fit, 1 last */

static void probs(const model *m, const double *x, double p[3]) {
  double z[3] = {0, 0, 0}, zmax = 0, sum = 0;
  for (int c = 1; c < 3; c++) {
    z[c] = m->w[c][NF];
    for (int k = 0; k < m->nf; k++) z[c] += m->w[c][k] * x[k];
    if (z[c] > zmax) zmax = z[c];
  }
  for (int c = 0; c < 3; c++) sum += p[c] = exp(z[c] - zmax);
  for (int c = 0; c < 3; c++) p[c] /= sum;
}

/* Solve A x = b (n x n, A symmetric positive definite) in place by
** Gaussian elimination with partial pivoting; b receives x. */
static void solve(double A[NP2][NP2], double *b, int n) {
  for (int i = 0; i < n; i++) {
    int piv = i;
    for (int r = i + 1; r < n; r++)
      if (fabs(A[r][i]) > fabs(A[piv][i])) piv = r;
    if (piv != i) {
      for (int c = 0; c < n; c++) {
        double t = A[i][c];
        A[i][c] = A[piv][c];
        A[piv][c] = t;
      }
      double t = b[i];
      b[i] = b[piv];
      b[piv] = t;
    }
    for (int r = i + 1; r < n; r++) {
      double f = A[r][i] / A[i][i];
      for (int c = i; c < n; c++) A[r][c] -= f * A[i][c];
      b[r] -= f * b[i];
    }
  }
  for (int i = n - 1; i >= 0; i--) {
    for (int c = i + 1; c < n; c++) b[i] -= A[i][c] * b[c];
    b[i] /= A[i][i];
  }
}

static double loss(const model *m, const int *idx, int n, double l2) {
  double L = 0;
  for (int i = 0; i < n; i++) {
    double p[3];
    probs(m, X[i], p);
    L -= log(p[P[idx[i]].cls] + 1e-300);
  }
  L /= n;
  for (int c = 1; c < 3; c++)
    for (int k = 0; k < m->nf; k++) L += 0.5 * l2 * m->w[c][k] * m->w[c][k];
  return L;
}

/* Fit on pairs idx[0..n) with the first nf features. */
static void lr_fit(const int *idx, int n, int nf, double l2, model *m) {
  memset(m, 0, sizeof *m);
  m->nf = nf;
  for (int k = 0; k < nf; k++) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) s += P[idx[i]].f[k];
    m->mean[k] = s / n;
    for (int i = 0; i < n; i++) s2 += pow(P[idx[i]].f[k] - m->mean[k], 2);
    m->scale[k] = sqrt(s2 / n) > 1e-9 ? sqrt(s2 / n) : 1.0;
  }
  for (int k = nf; k < NF; k++) m->scale[k] = 1.0;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < nf; k++) X[i][k] = (P[idx[i]].f[k] - m->mean[k]) / m->scale[k];
    X[i][NF] = 1.0;
  }
  int np = 2 * (nf + 1);
  double cur = loss(m, idx, n, l2);
  for (int it = 0; it < 50; it++) {
    static double H[NP2][NP2];
    double g[NP2] = {0};
    memset(H, 0, sizeof H);
    for (int i = 0; i < n; i++) {
      double p[3], xi[NF + 1];
      probs(m, X[i], p);
      for (int k = 0; k < nf; k++) xi[k] = X[i][k];
      xi[nf] = 1.0;
      for (int c = 0; c < 2; c++) {
        double e = p[c + 1] - (P[idx[i]].cls == c + 1);
        for (int k = 0; k <= nf; k++) g[c * (nf + 1) + k] += e * xi[k];
        for (int d = 0; d < 2; d++) {
          double h = p[c + 1] * ((c == d) - p[d + 1]);
          for (int k = 0; k <= nf; k++)
            for (int l = 0; l <= nf; l++) H[c * (nf + 1) + k][d * (nf + 1) + l] += h * xi[k] * xi[l];
        }
      }
    }
    for (int a = 0; a < np; a++) {
      g[a] /= n;
      for (int b = 0; b < np; b++) H[a][b] /= n;
      int k = a % (nf + 1), c = a / (nf + 1);
      double w = k < nf ? m->w[c + 1][k] : m->w[c + 1][NF];
      if (k < nf) {
        g[a] += l2 * w;
        H[a][a] += l2;
      } else {
        H[a][a] += 1e-9;
      }
    }
    solve(H, g, np); /* g = Newton step */
    model t;
    double step = 1.0, next = cur;
    for (int half = 0; half < 30; half++, step /= 2) {
      t = *m;
      for (int a = 0; a < np; a++) {
        int k = a % (nf + 1), c = a / (nf + 1);
        t.w[c + 1][k < nf ? k : NF] -= step * g[a];
      }
      next = loss(&t, idx, n, l2);
      if (next <= cur) break;
    }
    if (next > cur) break;
    *m = t;
    if (cur - next < 1e-10) break;
    cur = next;
  }
}

/* Label of "derived from source" by model m. */
static int lr_pred(const model *m, const pair *p) {
  double x[NF + 1] = {0}, pr[3];
  for (int k = 0; k < m->nf; k++) x[k] = (p->f[k] - m->mean[k]) / m->scale[k];
  probs(m, x, pr);
  int best = 0;
  for (int c = 1; c < 3; c++)
    if (pr[c] > pr[best]) best = c;
  return best;
}

/* ---- cross-validation ---- */

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}

/* Stratified assignment of the pairs idx[0..n) to k folds (seeded). */
static void make_folds(const int *idx, int n, int k, uint64_t seed, int *fold) {
  rng_state = seed;
  for (int c = 0; c < 3; c++) {
    int v[NPAIR_MAX], m = 0;
    for (int i = 0; i < n; i++)
      if (P[idx[i]].cls == c) v[m++] = i;
    for (int i = m - 1; i > 0; i--) {
      int j = (int)(rnd() % (uint32_t)(i + 1)), t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    for (int i = 0; i < m; i++) fold[v[i]] = i % k;
  }
}

static const double L2_GRID[] = {1e-3, 3e-3, 1e-2, 3e-2, 0.1};
#define NGRID ((int)(sizeof L2_GRID / sizeof L2_GRID[0]))

/* Predictions for pairs idx[0..n) by k-fold CV with a fixed l2. */
static void cv_pred(const int *idx, int n, int k, uint64_t seed, int nf, double l2, int *pred) {
  int fold[NPAIR_MAX];
  make_folds(idx, n, k, seed, fold);
  for (int f = 0; f < k; f++) {
    int tr[NPAIR_MAX], nt = 0;
    for (int i = 0; i < n; i++)
      if (fold[i] != f) tr[nt++] = idx[i];
    model m;
    lr_fit(tr, nt, nf, l2, &m);
    for (int i = 0; i < n; i++)
      if (fold[i] == f) pred[i] = lr_pred(&m, &P[idx[i]]);
  }
}

/* The L2 strength with the best 5-fold CV score on pairs idx[0..n). */
static double pick_l2(const int *idx, int n, int nf, uint64_t seed) {
  double best = L2_GRID[0], bs = -1;
  int gold[NPAIR_MAX], pred[NPAIR_MAX];
  for (int i = 0; i < n; i++) gold[i] = P[idx[i]].cls;
  for (int g = 0; g < NGRID; g++) {
    cv_pred(idx, n, 5, seed, nf, L2_GRID[g], pred);
    double sc = (f1_bin(gold, pred, n) + macro_f1(gold, pred, n, 3)) / 2;
    if (sc > bs + 1e-12) {
      bs = sc;
      best = L2_GRID[g];
    }
  }
  return best;
}

typedef struct cvres {
  double bin, tri;
} cvres;

/* One repetition of nested CV (model) or of plain CV (baseline thresholds).
** pred receives the held-out prediction of every pair; l2s the L2 picked
** in each outer fold. */
static cvres nested_cv(int which, int rep, int nf, int *pred, double *l2s) {
  int all[NPAIR_MAX], fold[NPAIR_MAX], gold[NPAIR_MAX], pb[NPAIR_MAX];
  for (int i = 0; i < NP; i++) all[i] = i;
  make_folds(all, NP, 10, 0x5eed0000ULL + (uint64_t)rep, fold);
  for (int k = 0; k < 10; k++) {
    int tr[NPAIR_MAX], nt = 0;
    for (int i = 0; i < NP; i++)
      if (fold[i] != k) tr[nt++] = i;
    if (which == 0) {
      thr tb = thr_fit(tr, nt, 1), t3 = thr_fit(tr, nt, 0);
      for (int i = 0; i < NP; i++)
        if (fold[i] == k) {
          pb[i] = thr_pred(&tb, P[i].c1);
          pred[i] = thr_pred(&t3, P[i].c1);
        }
    } else {
      double l2 = pick_l2(tr, nt, nf, 0xfeed0000ULL + (uint64_t)(rep * 16 + k));
      if (l2s) l2s[k] = l2;
      model m;
      lr_fit(tr, nt, nf, l2, &m);
      for (int i = 0; i < NP; i++)
        if (fold[i] == k) pb[i] = pred[i] = lr_pred(&m, &P[i]);
    }
  }
  for (int i = 0; i < NP; i++) gold[i] = P[i].cls;
  return (cvres){f1_bin(gold, pb, NP), macro_f1(gold, pred, NP, 3)};
}

typedef struct summary {
  double bin, bin_sd, tri, tri_sd;
} summary;

static summary summarize(const cvres *r, int n) {
  summary s = {0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    s.bin += r[i].bin / n;
    s.tri += r[i].tri / n;
  }
  for (int i = 0; i < n; i++) {
    s.bin_sd += pow(r[i].bin - s.bin, 2) / (n > 1 ? n - 1 : 1);
    s.tri_sd += pow(r[i].tri - s.tri, 2) / (n > 1 ? n - 1 : 1);
  }
  s.bin_sd = sqrt(s.bin_sd);
  s.tri_sd = sqrt(s.tri_sd);
  return s;
}

static void write_model(const char *path, const model *m, double l2, summary cv, int reps) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fprintf(f, "/* reuse_model.h — GENERATED by tools/gen_reuse_model.py (bench/counter_reuse.c\n"
             "** --write-model); do not edit.  Multinomial logistic regression (classes ND,\n"
             "** PD, WD; ND the reference) over the %d features of kh__reuse_features, fitted\n"
             "** on all %d COUNTER pairs with L2 %g (picked by 5-fold CV on them).\n"
             "** Nested 10-fold CV estimate (%d stratified repetitions, L2 picked inside\n"
             "** each training part): binary macro-F1 %.3f ± %.3f, 3-class %.3f ± %.3f. */\n",
          NF, NP, l2, reps, cv.bin, cv.bin_sd, cv.tri, cv.tri_sd);
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
  int reps = 10, errors = 0;
  FILE *dump = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--write-model") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--errors")) errors = 1;
    else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump = fopen(argv[++i], "w");
    else {
      fprintf(stderr, "usage: counter_reuse [--data DIR] [--reps N] [--write-model PATH] [--errors] "
                      "[--dump FILE]\n");
      return 2;
    }
  }
  if (reps < 1 || reps > 100) reps = 10;
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
    if (dump) {
      fprintf(dump, "%d\t%d", i + 1, P[i].cls);
      for (int k = 0; k < NF; k++) fprintf(dump, "\t%.5f", P[i].f[k]);
      fprintf(dump, "\n");
    }
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
         "%.3f s CPU, %.0f pairs/s\n",
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
  printf("%-58s binary %.3f          3-class %.3f\n", "baseline unigram containment, tuned on all 600:",
         f1_bin(gold, pb, NP), macro_f1(gold, p3, NP, 3));

  static cvres rb[100], r12[100], rall[100];
  static int pred0[NPAIR_MAX];
  double l2s[10], l2hist[NGRID] = {0};
  int tmp[NPAIR_MAX];
  for (int rep = 0; rep < reps; rep++) {
    rb[rep] = nested_cv(0, rep, NF, tmp, NULL);
    r12[rep] = nested_cv(1, rep, 12, tmp, NULL);
    rall[rep] = nested_cv(1, rep, NF, rep ? tmp : pred0, l2s);
    for (int k = 0; k < 10; k++)
      for (int g = 0; g < NGRID; g++) l2hist[g] += L2_GRID[g] == l2s[k];
  }
  summary sb = summarize(rb, reps), s12 = summarize(r12, reps), sall = summarize(rall, reps);
  printf("%-58s binary %.3f ± %.3f  3-class %.3f ± %.3f\n", "baseline unigram containment, 10-fold CV:",
         sb.bin, sb.bin_sd, sb.tri, sb.tri_sd);
  printf("%-58s binary %.3f ± %.3f  3-class %.3f ± %.3f\n",
         "logistic regression, previous 12 features, nested CV:", s12.bin, s12.bin_sd, s12.tri,
         s12.tri_sd);
  printf("%-58s binary %.3f ± %.3f  3-class %.3f ± %.3f\n", "khabar logistic regression, 20 features, nested CV:",
         sall.bin, sall.bin_sd, sall.tri, sall.tri_sd);
  printf("(10-fold CV, %d stratified repetitions, mean ± sd over repetitions; L2 picked per outer "
         "fold by inner 5-fold CV from {",
         reps);
  for (int g = 0; g < NGRID; g++) printf("%s%g: %.0f", g ? ", " : "", L2_GRID[g], l2hist[g]);
  printf("} times)\n");
  int conf[3][3] = {{0}};
  for (int i = 0; i < NP; i++) conf[gold[i]][pred0[i]]++;
  printf("held-out confusion, repetition 1 (rows gold ND/PD/WD, cols predicted): ");
  for (int g = 0; g < 3; g++) printf("[%d %d %d] ", conf[g][0], conf[g][1], conf[g][2]);
  printf("\n");
  if (errors) {
    static const char *nm[3] = {"ND", "PD", "WD"};
    for (int g = 0; g < 3; g++)
      for (int q = 0; q < 3; q++) {
        if (g == q) continue;
        printf("gold %s, predicted %s:", nm[g], nm[q]);
        for (int i = 0; i < NP; i++)
          if (gold[i] == g && pred0[i] == q) printf(" %04d", i + 1);
        printf("\n");
      }
  }

  double l2 = pick_l2(all, NP, NF, 0xa11a11ULL);
  model m;
  lr_fit(all, NP, NF, l2, &m);
  for (int i = 0; i < NP; i++) p3[i] = lr_pred(&m, &P[i]);
  printf("%-58s binary %.3f          3-class %.3f  (L2 %g; training data, optimistic)\n",
         "khabar logistic regression, fit on all 600:", f1_bin(gold, p3, NP), macro_f1(gold, p3, NP, 3),
         l2);
  if (out) {
    write_model(out, &m, l2, sall, reps);
    printf("model written to %s\n", out);
  }
  for (int i = 0; i < NP; i++) {
    free(P[i].src);
    free(P[i].der);
  }
  return 0;
}
