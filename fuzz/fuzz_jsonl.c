/*
** fuzz_jsonl.c — libFuzzer target for the JSON Lines reader (src/store/jsonl.c):
** any bytes, read as a file, must give records or bad-record reasons, never a
** crash, a leak or a hang.  Each good record's content hash and published time
** are computed too.  And each line the fast path reads (jsonl_fast.c) must
** give the record jansson gives, field for field (else abort).
**
**   make fuzz && ./build/fuzz/fuzz_jsonl fuzz/corpus/jsonl
*/
#include "../src/store/store.h"

#include <stdlib.h>

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  (void)ctx;
  if (line == 0) abort(); /* lines are 1-based */
  if (!a) {
    if (!reason || !*reason) abort();
    return 0;
  }
  char h[33], d[24];
  if (kh__content_hash(a->title, a->title_len, a->body, a->body_len, h) == 0 && strlen(h) != 32) abort();
  if (a->published) kh__date_norm(a->published, a->published_len, d);
  return 0;
}

typedef struct rec {
  int n, bad;
  kh__buf f[7];
  int has[7];
} rec;

static int keep(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  rec *r = ctx;
  (void)line;
  (void)reason;
  r->n++;
  if (!a) {
    r->bad = 1;
    return 0;
  }
  const char *f[7] = {a->id, a->source, a->url, a->published, a->title, a->body, a->extra};
  size_t n[7] = {a->id_len, a->source_len, a->url_len, a->published_len, a->title_len, a->body_len, a->extra_len};
  for (int i = 0; i < 7; i++) {
    int rc = 0;
    r->has[i] = f[i] != NULL;
    if (f[i]) kh__buf_append(&r->f[i], f[i], n[i], &rc);
    if (f[i] && f[i][n[i]]) abort(); /* NUL-terminated, as jansson's */
  }
  return 0;
}

/* The fast path against jansson on one line. */
static void differential(const char *p, size_t n) {
  kh__buf b = {0};
  kh_article a;
  int fast = kh__jsonl_fast(p, n, &a, &b);
  kh__buf_free(&b);
  if (fast != 1) return;
  rec x = {0}, y = {0};
  kh__jsonl_parse(p, n, 1, 1, keep, &x);
  kh__jsonl_parse(p, n, 1, 0, keep, &y);
  if (x.n != 1 || y.n != 1 || x.bad || y.bad) abort();
  for (int i = 0; i < 7; i++) {
    if (x.has[i] != y.has[i] || x.f[i].len != y.f[i].len ||
        (x.f[i].len && memcmp(x.f[i].data, y.f[i].data, x.f[i].len)))
      abort();
    kh__buf_free(&x.f[i]);
    kh__buf_free(&y.f[i]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (const char *p = (const char *)data, *e = p + size; p < e;) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
    differential(p, n);
    p += n + 1;
  }
  if (size == 0) return 0;
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  uint64_t bytes = 0;
  kh__jsonl_read(f, sink, NULL, &bytes);
  fclose(f);
  if (bytes > size) abort();
  return 0;
}
