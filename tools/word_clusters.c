/*
** word_clusters.c — word classes for the NER tagger, learned from unlabeled
** Urdu text by the exchange algorithm (Kneser & Ney 1993; Martin, Liermann &
** Ney 1998): every word is put in the class that maximizes the likelihood of
** a class bigram model of the corpus,
**
**   F = sum_{c,d} f(N(c,d)) - sum_c f(NL(c)) - sum_d f(NR(d)),  f(x) = x log x
**
** (N(c,d): how often a word of class c is followed by one of class d; NL, NR
** the margins), moving one word at a time to its best class, in order of
** frequency, for a fixed number of passes.  Words are kh_tokenize's
** normalized tokens, keyed by the same 64-bit hash the analyzer gives a
** token (kh__doc_build), so the table meets run-time text at one key.
** Words seen fewer than MIN_COUNT times share one fixed class, and so do
** sentence boundaries; neither is moved.
**
** Each word's context signature: of its left neighbours among the NCTX most
** frequent words (and the sentence start), the two most salient, and the
** same on the right, salience being count * PMI for pairs seen twice or more
** with PMI > log 2 (a word after صاحب، شری، ضلع، before نے، جی ...); they
** are features of the tagger for words it has not seen in training.
**
** Input: a text file, one unit (paragraph or sentence) a line, written by
** tools/gen_ner_clusters.py.  Output: a C header with two tables of the same
** words, one with NCLASS classes and one with NCLASS2.  Deterministic.
**
**   word_clusters CORPUS.txt OUT.h
*/
#include "../src/analyze/analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_COUNT 2      /* words seen fewer times get the rare class */
#define MAX_VOCAB 50000  /* the most frequent words only */
#define PASSES 12
#define NCTX 1000        /* context words of the signatures: the most frequent */
#define CTX_NONE 0xFFFF

static void die(const char *m) {
  fprintf(stderr, "word_clusters: %s\n", m);
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

typedef struct edge {
  int32_t w;
  int32_t n;
} edge;

static double f(double x) {
  return x > 0 ? x * log(x) : 0;
}

/* the corpus as word ids; -1 = sentence boundary */
static int32_t *stream;
static size_t nstream, capstream;
static uint64_t *whash; /* id -> token hash */
static int64_t *wcount;
static int32_t *vorder; /* vocabulary index -> id, most frequent first */
static size_t nwords, capwords;

static void push(int32_t id) {
  if (nstream == capstream) {
    capstream = capstream ? capstream * 2 : 1 << 20;
    stream = xrealloc(stream, capstream * sizeof *stream);
  }
  stream[nstream++] = id;
}

static int cmp_edge(const void *x, const void *y) {
  const edge *a = x, *b = y;
  return a->w < b->w ? -1 : a->w > b->w;
}

/* adjacency lists: for each word, its successors (or predecessors) with counts */
static void build_adj(const int32_t *ids, size_t n, size_t V, int succ, size_t **off, edge **adj) {
  size_t *deg = calloc(V + 1, sizeof *deg);
  if (!deg) die("out of memory");
  for (size_t i = 0; i + 1 < n; i++) {
    int32_t a = ids[i], b = ids[i + 1];
    deg[succ ? a : b]++;
  }
  size_t *o = xrealloc(NULL, (V + 1) * sizeof *o);
  o[0] = 0;
  for (size_t v = 0; v < V; v++) o[v + 1] = o[v] + deg[v];
  edge *e = xrealloc(NULL, o[V] * sizeof *e);
  memset(deg, 0, (V + 1) * sizeof *deg);
  for (size_t i = 0; i + 1 < n; i++) {
    int32_t a = ids[i], b = ids[i + 1];
    int32_t from = succ ? a : b, to = succ ? b : a;
    e[o[from] + deg[from]++] = (edge){to, 1};
  }
  /* merge duplicates */
  size_t w = 0;
  size_t *no = xrealloc(NULL, (V + 1) * sizeof *no);
  for (size_t v = 0; v < V; v++) {
    qsort(e + o[v], o[v + 1] - o[v], sizeof *e, cmp_edge);
    no[v] = w;
    for (size_t k = o[v]; k < o[v + 1]; k++) {
      if (w > no[v] && e[w - 1].w == e[k].w) e[w - 1].n += e[k].n;
      else e[w++] = e[k];
    }
  }
  no[V] = w;
  free(o);
  free(deg);
  *off = no;
  *adj = e;
}

/* The two most salient context words of v among its neighbours (adjacency
** list o/e): ids < NCTX, or NCTX for the boundary id B; CTX_NONE when none. */
static void signature(size_t v, const size_t *o, const edge *e, const int64_t *cnt, int64_t total, int32_t B,
                      uint16_t out[2]) {
  double best[2] = {0, 0};
  out[0] = out[1] = CTX_NONE;
  for (size_t k = o[v]; k < o[v + 1]; k++) {
    int32_t w = e[k].w;
    if (e[k].n < 2 || (w >= NCTX && w != B) || (size_t)w == v) continue;
    double pmi = log((double)e[k].n * (double)total / ((double)cnt[w] * (double)cnt[v]));
    if (pmi <= log(2.0)) continue;
    double sc = e[k].n * pmi;
    uint16_t id = (uint16_t)(w == B ? NCTX : w);
    if (sc > best[0]) {
      best[1] = best[0], out[1] = out[0];
      best[0] = sc, out[0] = id;
    } else if (sc > best[1]) {
      best[1] = sc, out[1] = id;
    }
  }
}

/* Exchange clustering of words 0..V-1 (V-2 = rare class word, V-1 =
** boundary, both fixed) into C movable classes; cls[v] is the result. */
static void exchange(size_t V, int C, const size_t *so, const edge *se, const size_t *po, const edge *pe,
                     int32_t *cls) {
  int K = C + 2; /* C movable + rare + boundary */
  double *N = calloc((size_t)K * K, sizeof *N), *NL = calloc(K, sizeof *NL), *NR = calloc(K, sizeof *NR);
  double *R = calloc(K, sizeof *R), *L = calloc(K, sizeof *L);
  int *rl = malloc(K * sizeof *rl), *ll = malloc(K * sizeof *ll);
  if (!N || !NL || !NR || !R || !L || !rl || !ll) die("out of memory");
  for (size_t v = 0; v < V - 2; v++) cls[v] = (int32_t)(v % (size_t)C);
  cls[V - 2] = C;
  cls[V - 1] = C + 1;
  for (size_t v = 0; v < V; v++)
    for (size_t k = so[v]; k < so[v + 1]; k++) {
      N[(size_t)cls[v] * K + cls[se[k].w]] += se[k].n;
      NL[cls[v]] += se[k].n;
      NR[cls[se[k].w]] += se[k].n;
    }
  for (int pass = 0; pass < PASSES; pass++) {
    size_t moved = 0;
    for (size_t v = 0; v < V - 2; v++) {
      /* class counts of v's successors and predecessors, v itself apart */
      int nr = 0, nl = 0;
      double self = 0, nL = 0, nR = 0;
      for (size_t k = so[v]; k < so[v + 1]; k++) {
        nL += se[k].n;
        if ((size_t)se[k].w == v) {
          self += se[k].n;
          continue;
        }
        int c = cls[se[k].w];
        if (R[c] == 0) rl[nr++] = c;
        R[c] += se[k].n;
      }
      for (size_t k = po[v]; k < po[v + 1]; k++) {
        nR += pe[k].n;
        if ((size_t)pe[k].w == v) continue;
        int c = cls[pe[k].w];
        if (L[c] == 0) ll[nl++] = c;
        L[c] += pe[k].n;
      }
      /* take v out of its class */
      int a = cls[v];
      for (int i = 0; i < nr; i++) N[(size_t)a * K + rl[i]] -= R[rl[i]];
      for (int i = 0; i < nl; i++) N[(size_t)ll[i] * K + a] -= L[ll[i]];
      N[(size_t)a * K + a] -= self;
      NL[a] -= nL;
      NR[a] -= nR;
      /* the gain of putting it in class b */
      int best = a;
      double bestg = -1e300;
      for (int b = 0; b < C; b++) {
        double g = 0;
        for (int i = 0; i < nr; i++) {
          int d = rl[i];
          if (d == b) continue;
          double x = N[(size_t)b * K + d];
          g += f(x + R[d]) - f(x);
        }
        for (int i = 0; i < nl; i++) {
          int c = ll[i];
          if (c == b) continue;
          double x = N[(size_t)c * K + b];
          g += f(x + L[c]) - f(x);
        }
        double x = N[(size_t)b * K + b];
        g += f(x + R[b] + L[b] + self) - f(x);
        g -= f(NL[b] + nL) - f(NL[b]) + f(NR[b] + nR) - f(NR[b]);
        if (g > bestg + 1e-9) bestg = g, best = b;
      }
      for (int i = 0; i < nr; i++) N[(size_t)best * K + rl[i]] += R[rl[i]];
      for (int i = 0; i < nl; i++) N[(size_t)ll[i] * K + best] += L[ll[i]];
      N[(size_t)best * K + best] += self;
      NL[best] += nL;
      NR[best] += nR;
      if (best != a) moved++;
      cls[v] = best;
      for (int i = 0; i < nr; i++) R[rl[i]] = 0;
      for (int i = 0; i < nl; i++) L[ll[i]] = 0;
    }
    double F = 0;
    for (int c = 0; c < K; c++) {
      for (int d = 0; d < K; d++) F += f(N[(size_t)c * K + d]);
      F -= f(NL[c]) + f(NR[c]);
    }
    fprintf(stderr, "word_clusters: %d classes, pass %d: %zu moved, F %.6e\n", C, pass + 1, moved, F);
    if (!moved) break;
  }
  free(N), free(NL), free(NR), free(R), free(L), free(rl), free(ll);
}

int main(int argc, char **argv) {
  if (argc != 5) die("usage: word_clusters CORPUS.txt OUT.h NCLASS NCLASS2");
  int C1 = atoi(argv[3]), C2 = atoi(argv[4]);
  if (C1 < 2 || C2 < 2 || C1 > 4000 || C2 > 4000) die("bad class counts");
  kh_analyzer *a;
  if (kh_analyzer_new(KH_ANALYZE_NO_TAGGER, &a)) die("kh_analyzer_new failed");
  FILE *in = fopen(argv[1], "r");
  if (!in) die("cannot read the corpus");
  kh__map ids = {0};
  int rc = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  size_t nlines = 0;
  while ((len = getline(&line, &cap, in)) > 0) {
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (!len) continue;
    kh__doc d;
    memset(&d, 0, sizeof d);
    d.a = a;
    kh_article art = {.body = line, .body_len = (size_t)len};
    if (kh__doc_build(&d, &art)) die("kh__doc_build failed");
    for (size_t s = 0; s < d.nsent; s++) {
      push(-1);
      for (int32_t t = d.sents[s].t0; t < d.sents[s].t1; t++) {
        uint64_t h = d.toks[t].h;
        int32_t id = kh__map_get(&ids, h);
        if (id < 0) {
          if (nwords == capwords) {
            capwords = capwords ? capwords * 2 : 1 << 16;
            whash = xrealloc(whash, capwords * sizeof *whash);
            wcount = xrealloc(wcount, capwords * sizeof *wcount);
          }
          id = (int32_t)nwords++;
          whash[id] = h;
          wcount[id] = 0;
          kh__map_put(&ids, h, id, &rc);
          if (rc) die("out of memory");
        }
        wcount[id]++;
        push(id);
      }
    }
    push(-1);
    kh__doc_free(&d);
    nlines++;
  }
  free(line);
  fclose(in);
  /* vocabulary: by count, then by hash (a total order) */
  int32_t *order = xrealloc(NULL, nwords * sizeof *order);
  for (size_t i = 0; i < nwords; i++) order[i] = (int32_t)i;
  int cmp_count(const void *x, const void *y);
  qsort(order, nwords, sizeof *order, cmp_count);
  vorder = order;
  size_t V = 0;
  while (V < nwords && V < MAX_VOCAB && wcount[order[V]] >= MIN_COUNT) V++;
  int32_t *newid = xrealloc(NULL, nwords * sizeof *newid);
  for (size_t i = 0; i < nwords; i++) newid[i] = (int32_t)V; /* rare */
  for (size_t i = 0; i < V; i++) newid[order[i]] = (int32_t)i;
  size_t VV = V + 2; /* + rare + boundary */
  for (size_t i = 0; i < nstream; i++) stream[i] = stream[i] < 0 ? (int32_t)(V + 1) : newid[stream[i]];
  fprintf(stderr, "word_clusters: %zu lines, %zu tokens, %zu distinct, %zu words seen >= %d times\n", nlines,
          nstream, nwords, V, MIN_COUNT);
  size_t *so, *po;
  edge *se, *pe;
  build_adj(stream, nstream, VV, 1, &so, &se);
  build_adj(stream, nstream, VV, 0, &po, &pe);
  /* counts by vocabulary id (the boundary's: how often it stands in the stream) */
  int64_t *cnt = xrealloc(NULL, VV * sizeof *cnt);
  for (size_t i = 0; i < V; i++) cnt[i] = wcount[order[i]];
  cnt[V] = cnt[V + 1] = 0;
  for (size_t i = 0; i < nstream; i++)
    if ((size_t)stream[i] >= V) cnt[stream[i]]++;
  uint16_t(*sig)[4] = xrealloc(NULL, (V ? V : 1) * sizeof *sig);
  for (size_t i = 0; i < V; i++) {
    signature(i, po, pe, cnt, (int64_t)nstream, (int32_t)(V + 1), sig[i]);
    signature(i, so, se, cnt, (int64_t)nstream, (int32_t)(V + 1), sig[i] + 2);
  }
  int32_t *c1 = xrealloc(NULL, VV * sizeof *c1), *c2 = xrealloc(NULL, VV * sizeof *c2);
  exchange(VV, C1, so, se, po, pe, c1);
  exchange(VV, C2, so, se, po, pe, c2);
  /* the table, sorted by hash */
  uint64_t *rows = xrealloc(NULL, V * sizeof *rows);
  for (size_t i = 0; i < V; i++) rows[i] = i;
  int cmp_hash(const void *x, const void *y);
  qsort(rows, V, sizeof *rows, cmp_hash);
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
  FILE *out = fopen(tmp, "w");
  if (!out) die("cannot write the table");
  fprintf(out,
          "/*\n** ner_clusters.h — word classes for the NER tagger, GENERATED by tools/word_clusters.c via\n"
          "** tools/gen_ner_clusters.py from unlabeled text in ../shared/data; do not edit.\n"
          "** Exchange algorithm (class bigram likelihood), %zu lines, %zu tokens; the %zu words\n"
          "** seen >= %d times, each with its class among %d and among %d (others: no class).\n"
          "** Keys are kh__hash of the normalized token.  Included by ner.c only.\n*/\n",
          nlines, nstream, V, MIN_COUNT, C1, C2);
  fprintf(out, "#define KH__NER_NCLS1 %d\n#define KH__NER_NCLS2 %d\n", C1, C2);
  fprintf(out, "static const uint64_t KH__NER_CLS_KEYS[] = {\n");
  for (size_t i = 0; i < V; i++) fprintf(out, "0x%llxu,%s", (unsigned long long)whash[order[rows[i]]], i % 6 == 5 ? "\n" : "");
  fprintf(out, "0};\nstatic const uint16_t KH__NER_CLS[][2] = {\n");
  for (size_t i = 0; i < V; i++) fprintf(out, "{%d,%d},%s", c1[rows[i]], c2[rows[i]], i % 10 == 9 ? "\n" : "");
  fprintf(out, "{0,0}};\n#define KH__NER_NCLS_ROWS %zuu\n", V);
  fprintf(out, "/* context signatures: the two most salient left and right neighbours among the\n"
               "** %d most frequent words (%d = the sentence boundary), 0x%x = none */\n"
               "#define KH__NER_CTX_NONE 0x%x\nstatic const uint16_t KH__NER_CTX[][4] = {\n",
          NCTX, NCTX, CTX_NONE, CTX_NONE);
  for (size_t i = 0; i < V; i++) {
    const uint16_t *g = sig[rows[i]];
    fprintf(out, "{%u,%u,%u,%u},%s", g[0], g[1], g[2], g[3], i % 8 == 7 ? "\n" : "");
  }
  fprintf(out, "{0,0,0,0}};\n");
  if (fclose(out)) die("write failed");
  if (rename(tmp, argv[2])) die("rename failed");
  fprintf(stderr, "word_clusters: wrote %s (%zu words)\n", argv[2], V);
  free(sig), free(cnt);
  kh__map_free(&ids);
  kh_analyzer_free(a);
  return 0;
}

int cmp_count(const void *x, const void *y) {
  int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  if (wcount[a] != wcount[b]) return wcount[a] > wcount[b] ? -1 : 1;
  return whash[a] < whash[b] ? -1 : whash[a] > whash[b];
}

int cmp_hash(const void *x, const void *y) {
  uint64_t a = whash[vorder[*(const uint64_t *)x]], b = whash[vorder[*(const uint64_t *)y]];
  return a < b ? -1 : a > b;
}
