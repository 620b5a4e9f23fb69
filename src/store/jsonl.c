/*
** jsonl.c — the JSON Lines reader: one article a line, an object with
** id?, source?, url?, published?, title?, and the text in body, text or
** content (the first present).  Every other field is kept, as a compact
** JSON object, in the article's extra.  A line that is not valid JSON, not
** an object, has a known field of the wrong type, or has no text at all is
** handed to the sink as a bad record with the reason; reading goes on.
**
**   {"id": "geo-1", "source": "geo", "title": "...", "body": "...", "category": "sports"}
**   -> extra = {"category":"sports"}
*/
#include "store.h"

#include <jansson.h>
#include <stdlib.h>

/* Read one line (without its '\n' or '\r\n') into line.  Returns 1 when a
** line was read, 0 at the end, KH_EIO on a read error.  A line longer
** than KH_MAX_LINE is consumed and *toolong set.  Bytes are gathered in a
** small chunk and appended a chunk at a time. */
static int read_line(FILE *f, kh__buf *line, int *toolong, uint64_t *bytes) {
  int c, rc = 0;
  char chunk[4096];
  size_t k = 0, n = 0;
  line->len = 0;
  *toolong = 0;
  while ((c = getc_unlocked(f)) != EOF) {
    n++;
    if (c == '\n') break;
    if (line->len + k >= KH_MAX_LINE) {
      *toolong = 1;
      continue;
    }
    chunk[k++] = (char)c;
    if (k == sizeof chunk) {
      kh__buf_append(line, chunk, k, &rc);
      k = 0;
      if (rc) return rc;
    }
  }
  if (k) kh__buf_append(line, chunk, k, &rc);
  if (bytes) *bytes += n;
  if (rc) return rc;
  if (c == EOF && ferror(f)) return KH_EIO;
  if (c == EOF && line->len == 0 && !*toolong) return 0;
  if (line->len && line->data[line->len - 1] == '\r') line->len--;
  return 1;
}

enum { S_ID = KH__JF_ID, S_SOURCE, S_URL, S_PUBLISHED, S_TITLE, S_BODY, NSLOT };

static const struct {
  const char *key; /* JSON field name */
  int slot;        /* index into the string slots above */
} known[] = {
    {"id", S_ID},       {"source", S_SOURCE}, {"url", S_URL},   {"published", S_PUBLISHED},
    {"title", S_TITLE}, {"body", S_BODY},     {"text", S_BODY}, {"content", S_BODY},
};

int kh__jsonl_slot(const char *key, size_t n) {
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strlen(known[i].key) == n && !memcmp(key, known[i].key, n)) return known[i].slot;
  return -1;
}

/* A field's value as text: strings as they are, integer ids and unix
** times printed.  0 ok (or null: absent), -1 wrong type. */
static int as_text(json_t *v, int slot, const char **s, size_t *n, char *num, size_t numcap) {
  if (json_is_null(v)) return 0;
  if (json_is_string(v)) {
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 0;
  }
  if (json_is_integer(v) && (slot == S_ID || slot == S_PUBLISHED)) {
    *n = (size_t)snprintf(num, numcap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    *s = num;
    return 0;
  }
  return -1;
}

/* Turn one parsed object into an article and hand it on. */
static int deliver(json_t *obj, uint64_t lineno, kh__rec_fn fn, void *ctx) {
  const char *s[NSLOT] = {0};
  size_t n[NSLOT] = {0};
  char nums[NSLOT][32];
  char reason[160];
  json_t *extra = json_object();
  if (!extra) return KH_ENOMEM;
  const char *key;
  json_t *v;
  int rc = 0;
  json_object_foreach(obj, key, v) {
    int slot = kh__jsonl_slot(key, strlen(key));
    if (slot < 0 || (slot == S_BODY && s[S_BODY])) { /* unknown, or a second text field */
      if (json_object_set(extra, key, v)) rc = KH_ENOMEM;
      continue;
    }
    if (as_text(v, slot, &s[slot], &n[slot], nums[slot], sizeof nums[slot])) {
      snprintf(reason, sizeof reason, "field \"%.40s\" is not a string", key);
      json_decref(extra);
      return fn(ctx, lineno, NULL, reason);
    }
  }
  if (rc) {
    json_decref(extra);
    return rc;
  }
  if (n[S_TITLE] + n[S_BODY] == 0) {
    json_decref(extra);
    return fn(ctx, lineno, NULL, "no text: neither title nor body (body, text or content)");
  }
  char *ex = json_object_size(extra) ? json_dumps(extra, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(extra);
  kh_article a = {s[S_ID], n[S_ID], s[S_SOURCE], n[S_SOURCE], s[S_URL], n[S_URL],
                  s[S_PUBLISHED], n[S_PUBLISHED], s[S_TITLE], n[S_TITLE], s[S_BODY], n[S_BODY],
                  ex, ex ? strlen(ex) : 0};
  rc = fn(ctx, lineno, &a, NULL);
  free(ex); /* jansson's allocation */
  return rc;
}

static int blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}

int kh__jsonl_parse(const char *p, size_t n, uint64_t lineno, int fast, kh__rec_fn fn, void *ctx) {
  char reason[200];
  if (fast) { /* the common flat record without a jansson tree (jsonl_fast.c) */
    kh__buf b = {0};
    kh_article a;
    int rc = 0;
    b.max = (size_t)KH_MAX_LINE + 64;
    kh__buf_reserve(&b, n + 16, &rc); /* the decoded values fit (never longer than the line); extra may grow it */
    int r = rc ? rc : kh__jsonl_fast(p, n, &a, &b);
    int done = r == 1 || r == KH_ENOMEM; /* else declined: jansson's turn */
    if (r == 1) r = fn(ctx, lineno, &a, NULL);
    kh__buf_free(&b);
    if (done) return r;
  }
  json_error_t err;
  json_t *obj = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
  if (!obj) {
    snprintf(reason, sizeof reason, "invalid JSON at column %d: %s", err.column, err.text);
    return fn(ctx, lineno, NULL, reason);
  }
  int rc = json_is_object(obj) ? deliver(obj, lineno, fn, ctx) : fn(ctx, lineno, NULL, "not a JSON object");
  json_decref(obj);
  return rc;
}

int kh__jsonl_record(const char *p, size_t n, uint64_t lineno, kh__rec_fn fn, void *ctx) {
  return kh__jsonl_parse(p, n, lineno, 1, fn, ctx);
}

int kh__jsonl_lines(FILE *f, kh__line_fn fn, void *ctx, uint64_t *bytes) {
  kh__buf line = {0};
  line.max = KH_MAX_LINE + 16;
  uint64_t lineno = 0;
  int rc = 0, toolong;
  char reason[200];
  while (!rc) {
    int got = read_line(f, &line, &toolong, bytes);
    if (got <= 0) {
      rc = got;
      break;
    }
    lineno++;
    const char *p = line.data;
    size_t n = line.len;
    if (lineno == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3, n -= 3; /* BOM */
    if (toolong) {
      snprintf(reason, sizeof reason, "record longer than %u bytes", KH_MAX_LINE);
      rc = fn(ctx, lineno, NULL, 0, reason);
      continue;
    }
    if (blank(p, n)) continue;
    rc = fn(ctx, lineno, p, n, NULL);
  }
  kh__buf_free(&line);
  return rc;
}

typedef struct parse_ctx {
  kh__rec_fn fn;
  void *ctx;
} parse_ctx;

static int parse_line(void *ctx, uint64_t lineno, const char *p, size_t n, const char *reason) {
  parse_ctx *c = ctx;
  return p ? kh__jsonl_record(p, n, lineno, c->fn, c->ctx) : c->fn(c->ctx, lineno, NULL, reason);
}

int kh__jsonl_read(FILE *f, kh__rec_fn fn, void *ctx, uint64_t *bytes) {
  parse_ctx c = {fn, ctx};
  return kh__jsonl_lines(f, parse_line, &c, bytes);
}
