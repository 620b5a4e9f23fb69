/*
** tokens_eval.c — token-boundary precision, recall and F1 of khabar's
** tokenizer against word-segmentation gold, next to plain whitespace
** splitting and SQLite FTS5's unicode61 on the same raw text, in one run.
**
**   make bench && ./build/bench/tokens_eval
**
** How the gold is lined up with raw text.  Every text is seen as a stream
** of its non-blank bytes (ASCII white space and ZWNJ U+200C left out), and
** a tokenization as the set of stream positions where a token starts or
** ends (other than the two ends of a line).  A system tokenizes the raw
** text; its token offsets map into the raw stream; raw and gold streams are
** aligned byte by byte (where the raw text differs from the gold, the
** alignment skips ahead to the next run of 8 equal bytes and positions in
** the skipped stretch are not scored).  Scored positions are those inside
** aligned stretches.
**
**   UNLT-WT   gold: UNLT-WT-Complete_Test_Dataset.txt (58,999 tokens, one a
**             line; multiword units such as "لگ بھگ" are one token).
**             raw:  the nine Complete_Raw_Test_Dataset parts, in the order
**             of the gold (9, 1, 2, ... 8), "[n]" sentence numbers blanked.
**   CSaLT     gold: data_diacritized.txt, words separated by spaces, ZWNJ
**             joining the parts of one word (بات‌چیت).
**             raw A: ZWNJ written as a space, as such words are usually
**             typed (the segmenter must join "بات چیت");
**             raw B: the text as distributed, ZWNJ kept.
**
** khabar runs in segmentation mode (KH_TOKENIZE_PUNCT | KH_TOKENIZE_MWE:
** punctuation as tokens, multiword units joined) and, for reference, in
** its search mode (default flags).
*/
#include "bench_util.h"

#include <ctype.h>

/* ---- streams ---- */

static int blank_at(const char *s, size_t n, size_t i, size_t *len) {
  unsigned char c = (unsigned char)s[i];
  *len = 1;
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return 1;
  if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x8C) {
    *len = 3;
    return 1;
  }
  if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB && (unsigned char)s[i + 2] == 0xBF) {
    *len = 3; /* BOM */
    return 1;
  }
  return 0;
}

typedef struct stream {
  char *b;        /* non-blank bytes */
  size_t n;
  size_t *pos;    /* raw byte offset -> stream position (size raw+1) */
  unsigned char *brk; /* brk[p] = 1: a token boundary at stream position p */
  unsigned char *lineend; /* lineend[p] = 1: a line ends at p (not scored) */
} stream;

static void stream_build(stream *st, const char *s, size_t n) {
  st->b = malloc(n + 1);
  st->pos = malloc((n + 1) * sizeof *st->pos);
  st->n = 0;
  for (size_t i = 0; i < n;) {
    size_t l;
    if (blank_at(s, n, i, &l)) {
      for (size_t k = 0; k < l; k++) st->pos[i + k] = st->n;
      i += l;
      continue;
    }
    st->pos[i] = st->n;
    st->b[st->n++] = s[i++];
  }
  st->pos[n] = st->n;
  st->brk = calloc(st->n + 1, 1);
  st->lineend = calloc(st->n + 1, 1);
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n') st->lineend[st->pos[i]] = 1;
}

static void stream_free(stream *st) {
  free(st->b);
  free(st->pos);
  free(st->brk);
  free(st->lineend);
}

static void mark_span(stream *st, size_t start, size_t end) {
  st->brk[st->pos[start]] = 1;
  st->brk[st->pos[end]] = 1;
}

/* ---- the systems ---- */

static void sys_whitespace(stream *st, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t l;
    while (i < n && blank_at(s, n, i, &l) && l == 1) i++;
    size_t j = i;
    while (j < n && !(blank_at(s, n, j, &l) && l == 1)) j++;
    if (j > i) mark_span(st, i, j);
    i = j;
  }
}

static int kh_mark(void *ctx, const kh_token *t) {
  mark_span(ctx, t->start, t->end);
  return 0;
}

static int u61_mark(void *ctx, int flags, const char *tok, int nt, int s, int e) {
  (void)flags; (void)tok; (void)nt;
  mark_span(ctx, (size_t)s, (size_t)e);
  return SQLITE_OK;
}

/* ---- alignment and scoring ---- */

typedef struct score {
  long tp, fp, fn;
} score;

/* map[p] = gold position aligned with raw position p, or -1. */
static long *align(const stream *raw, const stream *gold) {
  long *map = malloc((raw->n + 1) * sizeof *map);
  size_t i = 0, j = 0;
  for (size_t k = 0; k <= raw->n; k++) map[k] = -1;
  while (i < raw->n && j < gold->n) {
    if (raw->b[i] == gold->b[j]) {
      map[i++] = (long)j++;
      continue;
    }
    /* resync: smallest di + dj with 8 equal bytes */
    int found = 0;
    for (size_t d = 1; d < 400 && !found; d++) {
      for (size_t di = 0; di <= d; di++) {
        size_t dj = d - di;
        if (i + di + 8 > raw->n || j + dj + 8 > gold->n) continue;
        if (memcmp(raw->b + i + di, gold->b + j + dj, 8) == 0) {
          i += di;
          j += dj;
          found = 1;
          break;
        }
      }
    }
    if (!found) break;
  }
  if (i == raw->n && j == gold->n) map[raw->n] = (long)gold->n;
  return map;
}

static score compare(const stream *raw, const stream *gold, const long *map) {
  score sc = {0, 0, 0};
  for (size_t p = 1; p < raw->n; p++) {
    /* score p only inside an aligned stretch: p-1 and p both aligned, consecutive */
    if (map[p] < 0 || map[p - 1] < 0 || map[p] != map[p - 1] + 1) continue;
    size_t g = (size_t)map[p];
    if (raw->lineend[p] || gold->lineend[g]) continue;
    int s = raw->brk[p], t = gold->brk[g];
    if (s && t) sc.tp++;
    else if (s) sc.fp++;
    else if (t) sc.fn++;
  }
  return sc;
}

static void print_score(const char *name, score s) {
  double p = s.tp + s.fp ? (double)s.tp / (double)(s.tp + s.fp) : 0;
  double r = s.tp + s.fn ? (double)s.tp / (double)(s.tp + s.fn) : 0;
  double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
  printf("  %-44s P %.4f  R %.4f  F1 %.4f   (tp %ld fp %ld fn %ld)\n", name, p, r, f, s.tp, s.fp,
         s.fn);
}

/* Run every system on raw text against a gold stream. */
static void evaluate(const char *title, const char *raw, size_t rawlen, stream *gold) {
  printf("%s\n", title);
  bench_fts5 u61, u61d;
  const char *args[] = {"remove_diacritics", "2"};
  bench_fts5_open(&u61, "unicode61", NULL, 0);
  bench_fts5_open(&u61d, "unicode61", args, 2);
  for (int sys = 0; sys < 5; sys++) {
    stream st;
    stream_build(&st, raw, rawlen);
    const char *name = "";
    switch (sys) {
      case 0:
        name = "whitespace split";
        sys_whitespace(&st, raw, rawlen);
        break;
      case 1:
        name = "FTS5 unicode61 (default)";
        bench_fts5_tokenize(&u61, raw, rawlen, &st, u61_mark);
        break;
      case 2:
        name = "FTS5 unicode61 remove_diacritics 2";
        bench_fts5_tokenize(&u61d, raw, rawlen, &st, u61_mark);
        break;
      case 3:
        name = "khabar (segmentation: PUNCT|MWE)";
        kh_tokenize(raw, rawlen, KH_TOKENIZE_PUNCT | KH_TOKENIZE_MWE, kh_mark, &st);
        break;
      case 4:
        name = "khabar (search mode: split, no MWE)";
        kh_tokenize(raw, rawlen, KH_TOKENIZE_PUNCT, kh_mark, &st);
        break;
    }
    long *map = align(&st, gold);
    if (sys == 0) {
      size_t aligned = 0;
      for (size_t p = 0; p < st.n; p++) aligned += map[p] >= 0;
      printf("  aligned %zu of %zu raw stream bytes with %zu gold bytes\n", aligned, st.n, gold->n);
    }
    print_score(name, compare(&st, gold, map));
    free(map);
    stream_free(&st);
  }
  bench_fts5_close(&u61);
  bench_fts5_close(&u61d);
}

/* ---- UNLT-WT ---- */

static int unlt(void) {
  size_t glen;
  char *g = bench_read("unlt/UNLT-WT/UNLT-WT-Complete_Test_Dataset.txt", &glen);
  if (!g) return -1;
  /* gold text: tokens joined by newlines; boundaries at every token edge */
  stream gold;
  stream_build(&gold, g, glen);
  memset(gold.lineend, 0, gold.n + 1); /* one token a line: lines are not sentence ends */
  long ntok = 0;
  for (size_t i = 0; i < glen;) {
    size_t j = i;
    while (j < glen && g[j] != '\n') j++;
    size_t a = i, b = j;
    while (a < b && (g[a] == ' ' || g[a] == '\r' || (unsigned char)g[a] == 0xEF)) {
      if ((unsigned char)g[a] == 0xEF) a += 3;
      else a++;
    }
    while (b > a && (g[b - 1] == ' ' || g[b - 1] == '\r')) b--;
    if (b > a) {
      mark_span(&gold, a, b);
      ntok++;
    }
    i = j + 1;
  }
  char *raw = NULL;
  size_t rawlen = 0;
  static const int order[] = {9, 1, 2, 3, 4, 5, 6, 7, 8};
  for (int k = 0; k < 9; k++) {
    char rel[256];
    snprintf(rel, sizeof rel, "unlt/UNLT-WT/UNLT-WT-Complete_Raw_Test_Dataset_Part_%d.txt", order[k]);
    size_t l;
    char *p = bench_read(rel, &l);
    if (!p) return -1;
    /* blank "[n]" sentence numbers, keeping offsets */
    for (size_t i = 0; i < l; i++) {
      if (p[i] != '[') continue;
      size_t j = i + 1;
      while (j < l && isdigit((unsigned char)p[j])) j++;
      if (j > i + 1 && j < l && p[j] == ']') memset(p + i, ' ', j - i + 1);
    }
    raw = realloc(raw, rawlen + l + 2);
    memcpy(raw + rawlen, p, l);
    rawlen += l;
    raw[rawlen++] = ' '; /* parts run on; the gold has no part breaks */
    raw[rawlen] = 0;
    free(p);
  }
  /* newlines inside the raw parts are not sentence ends in the gold either */
  for (size_t i = 0; i < rawlen; i++)
    if (raw[i] == '\n' || raw[i] == '\r') raw[i] = ' ';
  char title[128];
  snprintf(title, sizeof title, "UNLT-WT test (%ld gold tokens)", ntok);
  evaluate(title, raw, rawlen, &gold);
  stream_free(&gold);
  free(raw);
  free(g);
  return 0;
}

/* ---- CSaLT ---- */

static int csalt(void) {
  size_t len;
  char *g = bench_read("word-segmentation/data_diacritized.txt", &len);
  if (!g) return -1;
  /* gold: words split at spaces only (ZWNJ joins); boundaries at word edges */
  stream gold;
  stream_build(&gold, g, len);
  long nwords = 0;
  for (size_t i = 0; i < len;) {
    while (i < len && (g[i] == ' ' || g[i] == '\n' || g[i] == '\r')) i++;
    size_t j = i;
    while (j < len && g[j] != ' ' && g[j] != '\n' && g[j] != '\r') j++;
    if (j > i) {
      mark_span(&gold, i, j);
      nwords++;
    }
    i = j;
  }
  /* raw A: ZWNJ as a space (same length: the three bytes become spaces) */
  char *a = malloc(len + 1);
  memcpy(a, g, len + 1);
  size_t nz = 0;
  for (size_t i = 0; i + 2 < len; i++)
    if ((unsigned char)a[i] == 0xE2 && (unsigned char)a[i + 1] == 0x80 && (unsigned char)a[i + 2] == 0x8C) {
      memset(a + i, ' ', 3);
      nz++;
    }
  char title[160];
  snprintf(title, sizeof title, "CSaLT, raw A: ZWNJ typed as a space (%ld gold words, %zu ZWNJ)", nwords, nz);
  evaluate(title, a, len, &gold);
  evaluate("CSaLT, raw B: as distributed (ZWNJ kept)", g, len, &gold);
  stream_free(&gold);
  free(a);
  free(g);
  return 0;
}

int main(void) {
  int missing = 0;
  if (unlt() < 0) {
    fprintf(stderr, "tokens_eval: UNLT-WT not found under %s\n", bench_data_dir());
    missing++;
  }
  if (csalt() < 0) {
    fprintf(stderr, "tokens_eval: CSaLT word-segmentation not found under %s\n", bench_data_dir());
    missing++;
  }
  return missing ? 1 : 0;
}
