/*
** jsonl_fast.c — the common JSON Lines record read in one pass, without
** building a jansson tree: a flat object whose values are strings,
** integers, true, false or null, e.g.
**
**   {"id": "geo-1", "source": "geo", "published": null, "title": "...", "body": "...", "category": "sports"}
**
** The strings are decoded (escapes, \uD83D\uDE00 pairs) into a scratch
** buffer, NUL-terminated as jansson hands them over, and the fields that are
** not the article's go into extra exactly as jsonl.c's json_dumps(...,
** JSON_COMPACT | JSON_PRESERVE_ORDER) writes them.  Anything else is
** declined and jsonl.c parses the line with jansson, so a record and a bad
** record's reason are the same either way: nested or real values, an escape
** in a key, a repeated key, a known field of the wrong type, no text,
** \u0000, an unpaired surrogate, broken UTF-8, a control byte in a string,
** an integer of more than 18 digits or -0, text after the object.  The
** test jsonl_fast_equals_jansson and fuzz_jsonl compare the two paths.
**
** Why: jansson's parse was 6.3% of a whole `khabar ingest` (perf, 60k
** recombined articles, stop 23): it allocates a node a value and copies
** every string twice.
*/
#include "store.h"

typedef struct rd {
  const unsigned char *p, *e;
  kh__buf *b; /* decoded values */
  int rc;
} rd;

#define MAXKEYS 40 /* keys a line may have and still be read here */

static void skip_ws(rd *r) {
  while (r->p < r->e && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

/* Bytes of the UTF-8 sequence at p if it is valid (RFC 3629: shortest
** form, no surrogates, at most U+10FFFF, as jansson checks), else 0. */
static int utf8_len(const unsigned char *p, const unsigned char *e) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2 || c > 0xF4) return 0;
  int n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (e - p < n) return 0;
  for (int i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return 0;
  if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) || (c == 0xF0 && p[1] < 0x90) ||
      (c == 0xF4 && p[1] >= 0x90))
    return 0;
  return n;
}

static int hex4(const unsigned char *p, const unsigned char *e, uint32_t *v) {
  if (e - p < 4) return 0;
  uint32_t x = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i];
    x <<= 4;
    if (c >= '0' && c <= '9') x |= c - '0';
    else if (c >= 'a' && c <= 'f') x |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') x |= c - 'A' + 10;
    else return 0;
  }
  *v = x;
  return 1;
}

/* The string whose opening quote is at r->p, decoded onto r->b; r->p past
** its closing quote.  1, or 0 to decline. */
static int string(rd *r) {
  const unsigned char *p = r->p + 1, *e = r->e, *run = p;
  while (p < e) {
    unsigned c = *p;
    if (c >= 0x80) {
      int k = utf8_len(p, e);
      if (!k) return 0;
      p += k;
      continue;
    }
    if (c != '"' && c != '\\' && c >= 0x20) {
      p++;
      continue;
    }
    if (p > run) kh__buf_append(r->b, (const char *)run, (size_t)(p - run), &r->rc);
    if (c == '"') {
      r->p = p + 1;
      return !r->rc;
    }
    if (c < 0x20 || e - p < 2) return 0; /* a control byte; a lone backslash */
    static const char plain[] = "\"\\/bfnrt", out[] = "\"\\/\b\f\n\r\t";
    const char *x = p[1] ? strchr(plain, p[1]) : NULL;
    if (x) {
      kh__buf_appendc(r->b, out[x - plain], &r->rc);
      p += 2;
    } else if (p[1] == 'u') {
      uint32_t v, lo;
      if (!hex4(p + 2, e, &v) || v == 0 || (v >= 0xDC00 && v <= 0xDFFF)) return 0;
      p += 6;
      if (v >= 0xD800 && v <= 0xDBFF) {
        if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, e, &lo) || lo < 0xDC00 || lo > 0xDFFF)
          return 0;
        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
      kh__buf_appendcp(r->b, v, &r->rc);
    } else {
      return 0;
    }
    run = p;
  }
  return 0; /* no closing quote */
}

/* A key (no escapes: those are declined) at r->p: its bytes, r->p past it. */
static int key(rd *r, const unsigned char **k, size_t *n) {
  if (r->p >= r->e || *r->p != '"') return 0;
  const unsigned char *p = r->p + 1;
  while (p < r->e && *p != '"') {
    if (*p == '\\' || *p < 0x20) return 0;
    int l = utf8_len(p, r->e);
    if (!l) return 0;
    p += l;
  }
  if (p >= r->e) return 0;
  *k = r->p + 1;
  *n = (size_t)(p - *k);
  r->p = p + 1;
  return 1;
}

/* An integer as jansson reads one into json_int_t: -?(0|[1-9][0-9]*), at
** most 18 digits, not -0, not followed by a fraction or exponent.  Its
** length, or 0. */
static size_t integer(const unsigned char *p, const unsigned char *e) {
  const unsigned char *q = p + (p < e && *p == '-');
  size_t d = 0;
  while (q + d < e && q[d] >= '0' && q[d] <= '9') d++;
  if (d == 0 || d > 18 || (q[0] == '0' && d > 1) || (q != p && q[0] == '0' && d == 1)) return 0;
  if (q + d < e && (q[d] == '.' || q[d] == 'e' || q[d] == 'E')) return 0;
  return (size_t)(q + d - p);
}

static int word(rd *r, const char *w, size_t n) {
  if ((size_t)(r->e - r->p) < n || memcmp(r->p, w, n)) return 0;
  r->p += n;
  return 1;
}

/* One value at r->p.  A string or an integer is appended to r->b (decoded,
** then a NUL) with *off its start; kind 1 string, 2 integer, 3 null, 4 true
** or false (*lit, *litn: its text).  1, or 0 to decline. */
static int value(rd *r, int *kind, size_t *off, const unsigned char **lit, size_t *litn) {
  if (r->p >= r->e) return 0;
  *off = r->b->len;
  *lit = r->p;
  unsigned c = *r->p;
  if (c == '"') {
    if (!string(r)) return 0;
    *kind = 1;
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    size_t n = integer(r->p, r->e);
    if (!n) return 0;
    kh__buf_append(r->b, (const char *)r->p, n, &r->rc);
    r->p += n;
    *kind = 2;
  } else if (word(r, "null", 4)) {
    *kind = 3;
  } else if (word(r, "true", 4) || word(r, "false", 5)) {
    *kind = 4;
  } else {
    return 0;
  }
  *litn = (size_t)(r->p - *lit);
  kh__buf_appendc(r->b, '\0', &r->rc);
  return !r->rc;
}

int kh__jsonl_fast(const char *line, size_t n, kh_article *a, kh__buf *b) {
  rd r = {(const unsigned char *)line, (const unsigned char *)line + n, b, 0};
  kh__buf x = {0}; /* extra */
  size_t off[KH__JF_N], len[KH__JF_N];
  int has[KH__JF_N] = {0}, ok = 0;
  struct {
    const unsigned char *k;
    size_t n;
  } keys[MAXKEYS]; /* met so far: a repeated key is jansson's error */
  int nkeys = 0;
  b->len = 0;
  x.max = b->max;
  skip_ws(&r);
  if (r.p >= r.e || *r.p++ != '{') goto out;
  skip_ws(&r);
  if (r.p < r.e && *r.p == '}') goto out; /* {}: no text */
  for (;;) {
    const unsigned char *k, *lit;
    size_t kn, voff, litn;
    int kind;
    if (!key(&r, &k, &kn)) goto out;
    for (int i = 0; i < nkeys; i++)
      if (keys[i].n == kn && !memcmp(keys[i].k, k, kn)) goto out;
    if (nkeys == MAXKEYS) goto out;
    keys[nkeys].k = k;
    keys[nkeys++].n = kn;
    skip_ws(&r);
    if (r.p >= r.e || *r.p++ != ':') goto out;
    skip_ws(&r);
    if (!value(&r, &kind, &voff, &lit, &litn)) goto out;
    int slot = kh__jsonl_slot((const char *)k, kn);
    if (slot >= 0 && !(slot == KH__JF_BODY && has[KH__JF_BODY])) { /* jsonl.c's deliver */
      if (kind == 1 || (kind == 2 && (slot == KH__JF_ID || slot == KH__JF_PUBLISHED))) {
        has[slot] = 1;
        off[slot] = voff;
        len[slot] = b->len - 1 - voff;
      } else if (kind != 3) {
        goto out; /* the wrong type: jansson's path gives the reason */
      }
    } else { /* into extra, as json_dumps writes it */
      kh__buf_appendc(&x, x.len ? ',' : '{', &r.rc);
      kh__buf_json_dumps_str(&x, (const char *)k, kn, &r.rc);
      kh__buf_appendc(&x, ':', &r.rc);
      if (kind == 1) kh__buf_json_dumps_str(&x, b->data + voff, b->len - 1 - voff, &r.rc);
      else kh__buf_append(&x, (const char *)lit, litn, &r.rc);
    }
    if (r.rc) goto out;
    skip_ws(&r);
    if (r.p >= r.e) goto out;
    if (*r.p == '}') break;
    if (*r.p++ != ',') goto out;
    skip_ws(&r);
  }
  r.p++;
  skip_ws(&r);
  if (r.p != r.e) goto out;
  if ((has[KH__JF_TITLE] ? len[KH__JF_TITLE] : 0) + (has[KH__JF_BODY] ? len[KH__JF_BODY] : 0) == 0) goto out;
  size_t xoff = b->len;
  if (x.len) {
    kh__buf_appendc(&x, '}', &r.rc);
    kh__buf_append(b, x.data, x.len, &r.rc);
    kh__buf_appendc(b, '\0', &r.rc);
  }
  if (r.rc) goto out;
  const char *d = b->data;
  *a = (kh_article){has[KH__JF_ID] ? d + off[KH__JF_ID] : NULL,
                    has[KH__JF_ID] ? len[KH__JF_ID] : 0,
                    has[KH__JF_SOURCE] ? d + off[KH__JF_SOURCE] : NULL,
                    has[KH__JF_SOURCE] ? len[KH__JF_SOURCE] : 0,
                    has[KH__JF_URL] ? d + off[KH__JF_URL] : NULL,
                    has[KH__JF_URL] ? len[KH__JF_URL] : 0,
                    has[KH__JF_PUBLISHED] ? d + off[KH__JF_PUBLISHED] : NULL,
                    has[KH__JF_PUBLISHED] ? len[KH__JF_PUBLISHED] : 0,
                    has[KH__JF_TITLE] ? d + off[KH__JF_TITLE] : NULL,
                    has[KH__JF_TITLE] ? len[KH__JF_TITLE] : 0,
                    has[KH__JF_BODY] ? d + off[KH__JF_BODY] : NULL,
                    has[KH__JF_BODY] ? len[KH__JF_BODY] : 0,
                    x.len ? d + xoff : NULL,
                    x.len ? x.len : 0};
  ok = 1;
out:
  kh__buf_free(&x);
  return r.rc == KH_ENOMEM ? KH_ENOMEM : ok;
}
