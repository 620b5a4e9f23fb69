/*
** sentences_eval.c — sentence-boundary precision / recall / F1 of
** kh_sentences, printed next to a naive baseline (a boundary after every
** run of ۔ ؟ ! . ? and at every line break) measured in the same run.
**
**   make bench && ./build/bench/sentences_eval [-v]
**
** Gold sets:
**   1. UNLT-ST test set (../shared/data/unlt/UNLT-ST/UNLT-ST-Test-Dataset.txt):
**      one gold sentence a line, no paragraphs given.  Each line is trimmed
**      and the lines are joined with one space into a single raw text; a
**      gold boundary is the byte offset where a gold sentence ends.
**   2. Hard cases (tests/fixtures/sentences_hard.txt, used while writing
**      the rules, and sentences_heldout.txt, marked later and not used to
**      tune them): paragraphs taken
**      from real articles of pk-news-2024, COUNTER and the seeds, with the
**      boundaries hand-marked by '¦' (see the file's header).  One record
**      (paragraph) is one text.
** A predicted boundary is the end offset of a reported span; the end of
** the whole text is not counted on either side.  Exact offsets must match
** (a closing quote left outside the sentence is an error).
** Also prints throughput on pk-news-2024 bodies (MB/s) against the naive
** splitter on the same bytes.  -v lists the misses and false alarms.
*/
#include "khabar.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KH_SOURCE_DIR
#define KH_SOURCE_DIR "."
#endif

static int verbose;

typedef struct offs {
  size_t *v;
  size_t n, cap;
} offs;

static void push(offs *o, size_t x) {
  if (o->n == o->cap) {
    o->cap = o->cap ? o->cap * 2 : 1024;
    o->v = realloc(o->v, o->cap * sizeof *o->v);
    if (!o->v) {
      perror("realloc");
      exit(1);
    }
  }
  o->v[o->n++] = x;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)sz + 1);
  if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  buf[sz] = 0;
  *len = (size_t)sz;
  return buf;
}

static const char *data_dir(void) {
  const char *env = getenv("KHABAR_DATA");
  return env && *env ? env : KH_SOURCE_DIR "/../shared/data";
}

/* ---- the two splitters ---- */

typedef struct collect {
  offs *ends;
} collect;

static int on_span(void *ctx, size_t start, size_t end) {
  (void)start;
  push(((collect *)ctx)->ends, end);
  return 0;
}

/* Naive baseline: a boundary after every run of ۔ ؟ ! . ? and at every
** line break; spans trimmed of ASCII space like khabar's. */
static inline size_t naive_stop(const char *t, size_t n, size_t i) {
  unsigned char c = (unsigned char)t[i];
  if (c != '.' && c != '!' && c != '?' && c != 0xDB && c != 0xD8) return 0;
  if (c == '.' || c == '!' || c == '?') return 1;
  if (i + 1 < n && ((c == 0xDB && (unsigned char)t[i + 1] == 0x94) ||
                    (c == 0xD8 && (unsigned char)t[i + 1] == 0x9F)))
    return 2;
  return 0;
}

static int is_sp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void naive_emit(offs *ends, const char *t, size_t a, size_t b) {
  while (a < b && is_sp(t[a])) a++;
  while (b > a && is_sp(t[b - 1])) b--;
  if (b > a) push(ends, b);
}

static void naive_split(const char *t, size_t n, offs *ends) {
  size_t s = 0, i = 0, l;
  while (i < n) {
    if (t[i] == '\n') {
      naive_emit(ends, t, s, i);
      s = ++i;
      continue;
    }
    if ((l = naive_stop(t, n, i)) > 0) {
      i += l;
      while (i < n && (l = naive_stop(t, n, i)) > 0) i += l;
      naive_emit(ends, t, s, i);
      s = i;
      continue;
    }
    i++;
  }
  naive_emit(ends, t, s, n);
}

/* ---- scoring ---- */

typedef struct score {
  size_t tp, fp, fn;
} score;

/* Compare sorted gold and predicted boundaries, ignoring `last` (the end
** of the text). */
static void compare(const char *t, size_t tlen, const offs *gold, const offs *pred, size_t last,
                    score *sc, const char *who) {
  size_t i = 0, j = 0;
  while (i < gold->n || j < pred->n) {
    size_t g = i < gold->n ? gold->v[i] : (size_t)-1;
    size_t p = j < pred->n ? pred->v[j] : (size_t)-1;
    if (g == last) { i++; continue; }
    if (p == last) { j++; continue; }
    if (g == p) {
      sc->tp++;
      i++;
      j++;
    } else if (g < p) {
      sc->fn++;
      if (verbose && who) {
        size_t a = g > 60 ? g - 60 : 0, b = g + 40 < tlen ? g + 40 : tlen;
        printf("  %s MISS  …%.*s⟂%.*s…\n", who, (int)(g - a), t + a, (int)(b - g), t + g);
      }
      i++;
    } else {
      sc->fp++;
      if (verbose && who) {
        size_t a = p > 60 ? p - 60 : 0, b = p + 40 < tlen ? p + 40 : tlen;
        printf("  %s FALSE …%.*s⟂%.*s…\n", who, (int)(p - a), t + a, (int)(b - p), t + p);
      }
      j++;
    }
  }
}

static void print_score(const char *name, const score *s) {
  double p = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 0;
  double r = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 0;
  double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
  printf("  %-8s P %.4f  R %.4f  F1 %.4f   (tp %zu, fp %zu, fn %zu)\n", name, p, r, f, s->tp,
         s->fp, s->fn);
}

/* Score one raw text with its gold ends against both splitters. */
static void eval_text(const char *t, size_t n, const offs *gold, score *kh, score *nv) {
  offs pk = {0}, pn = {0};
  collect c = {&pk};
  int rc = kh_sentences(t, n, on_span, &c);
  if (rc) {
    fprintf(stderr, "kh_sentences: %s\n", kh_strerror(rc));
    exit(1);
  }
  naive_split(t, n, &pn);
  size_t last = n;
  while (last > 0 && is_sp(t[last - 1])) last--;
  compare(t, n, gold, &pk, last, kh, "khabar");
  compare(t, n, gold, &pn, last, nv, NULL);
  free(pk.v);
  free(pn.v);
}

/* ---- UNLT-ST ---- */

static int eval_unlt(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/unlt/UNLT-ST/UNLT-ST-Test-Dataset.txt", data_dir());
  size_t len;
  char *raw = read_file(path, &len);
  if (!raw) {
    printf("UNLT-ST: %s not found, skipped\n", path);
    return 0;
  }
  char *text = malloc(len + 2);
  offs gold = {0};
  size_t n = 0, sents = 0;
  char *p = raw, *end = raw + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *le = nl ? nl : end;
    char *a = p, *b = le;
    while (a < b && is_sp(*a)) a++;
    while (b > a && is_sp(b[-1])) b--;
    if (b > a) {
      if (n) text[n++] = ' ';
      memcpy(text + n, a, (size_t)(b - a));
      n += (size_t)(b - a);
      push(&gold, n);
      sents++;
    }
    p = le + 1;
  }
  score kh = {0}, nv = {0};
  eval_text(text, n, &gold, &kh, &nv);
  printf("UNLT-ST test: %zu gold sentences joined by one space (%zu bytes)\n", sents, n);
  print_score("khabar", &kh);
  print_score("naive", &nv);
  free(gold.v);
  free(text);
  free(raw);
  return 0;
}

/* ---- hard cases: records of lines, boundaries marked by '¦' ---- */

#define MARK "\xC2\xA6" /* ¦ */

static int eval_hard(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/fixtures/%s", KH_SOURCE_DIR, name);
  size_t len;
  char *raw = read_file(path, &len);
  if (!raw) {
    printf("hard cases: %s not found, skipped\n", path);
    return 1;
  }
  score kh = {0}, nv = {0};
  size_t records = 0, bounds = 0;
  char *text = malloc(len + 1);
  char *p = raw, *end = raw + len;
  size_t n = 0;
  offs gold = {0};
  for (;;) {
    char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    char *le = nl ? nl : end;
    int blank = (le == p) || (le == p + 1 && *p == '\r');
    int comment = (p < le && *p == '#' && n == 0);
    if (!blank && !comment && p < end) {
      /* one paragraph line: copy without markers, recording marks */
      if (n) text[n++] = '\n';
      for (char *q = p; q < le; q++) {
        if (q + 1 < le && memcmp(q, MARK, 2) == 0) {
          size_t b = n;
          while (b > 0 && is_sp(text[b - 1])) b--;
          push(&gold, b);
          q++;
          continue;
        }
        if (*q != '\r') text[n++] = *q;
      }
    }
    if ((blank || p >= end) && n) {
      records++;
      bounds += gold.n;
      eval_text(text, n, &gold, &kh, &nv);
      n = 0;
      gold.n = 0;
    }
    if (p >= end) break;
    p = le + 1;
  }
  printf("%s (tests/fixtures): %zu paragraphs, %zu gold sentence ends\n", name, records, bounds);
  print_score("khabar", &kh);
  print_score("naive", &nv);
  free(gold.v);
  free(text);
  free(raw);
  return 0;
}

/* ---- throughput on pk-news-2024 bodies ---- */

static int count_span(void *ctx, size_t s, size_t e) {
  (void)s;
  (void)e;
  (*(size_t *)ctx)++;
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void speed(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/pk-news-2024/pk-news-2024.jsonl", data_dir());
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("speed: %s not found, skipped\n", path);
    return;
  }
  /* all bodies one after the other, each a separate text */
  char *buf = NULL;
  size_t n = 0, cap = 0, docs = 0;
  offs starts = {0};
  char line[1 << 16];
  char *big = NULL;
  size_t bigcap = 0;
  for (;;) {
    /* read one line of any length */
    size_t ll = 0;
    int done = 0;
    while (fgets(line, sizeof line, f)) {
      size_t l = strlen(line);
      if (ll + l + 1 > bigcap) {
        bigcap = (ll + l + 1) * 2;
        big = realloc(big, bigcap);
      }
      memcpy(big + ll, line, l + 1);
      ll += l;
      if (l && line[l - 1] == '\n') break;
    }
    if (ll == 0) done = 1;
    if (done) break;
    json_t *j = json_loads(big, 0, NULL);
    json_t *b = j ? json_object_get(j, "body") : NULL;
    if (json_is_string(b)) {
      size_t bl = json_string_length(b);
      if (n + bl > cap) {
        cap = (n + bl) * 2;
        buf = realloc(buf, cap);
      }
      memcpy(buf + n, json_string_value(b), bl);
      push(&starts, n);
      n += bl;
      docs++;
    }
    json_decref(j);
  }
  fclose(f);
  free(big);
  push(&starts, n);
  int reps = 20;
  size_t cnt = 0;
  double t0 = now();
  for (int r = 0; r < reps; r++)
    for (size_t d = 0; d < docs; d++)
      kh_sentences(buf + starts.v[d], starts.v[d + 1] - starts.v[d], count_span, &cnt);
  double t1 = now();
  offs tmp = {0};
  for (int r = 0; r < reps; r++)
    for (size_t d = 0; d < docs; d++) {
      tmp.n = 0;
      naive_split(buf + starts.v[d], starts.v[d + 1] - starts.v[d], &tmp);
    }
  double t2 = now();
  double mb = (double)n * reps / 1e6;
  printf("speed on pk-news-2024 bodies (%zu docs, %.1f MB, %d passes, one core):\n", docs,
         (double)n / 1e6, reps);
  printf("  khabar %.0f MB/s (%zu sentences a pass), naive %.0f MB/s, ratio khabar/naive %.2f\n",
         mb / (t1 - t0), cnt / (size_t)reps, mb / (t2 - t1), (t2 - t1) / (t1 - t0));
  free(tmp.v);
  free(starts.v);
  free(buf);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "-v")) verbose = 1;
  eval_unlt();
  eval_hard("sentences_hard.txt");
  eval_hard("sentences_heldout.txt");
  speed();
  return 0;
}
