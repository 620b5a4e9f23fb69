/*
** buf.c — growable byte buffer with a hard cap and a sticky error code.
** A run of appends needs one check at the end (SQLite fts5_buffer.c).
*/
#include "core.h"

#include <stdarg.h>
#include <stdio.h>

void kh__buf_reserve(kh__buf *b, size_t extra, int *rc) {
  if (*rc) return;
  size_t max = b->max ? b->max : KH_MAX_TEXT;
  if (extra > max || b->len > max - extra) {
    *rc = KH_ETOOBIG;
    return;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  char *p = kh__realloc(b->data, cap);
  if (!p) {
    *rc = KH_ENOMEM;
    return;
  }
  b->data = p;
  b->cap = cap;
}

void kh__buf_append(kh__buf *b, const char *s, size_t n, int *rc) {
  kh__buf_reserve(b, n, rc);
  if (*rc) return;
  if (n) memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void kh__buf_appendc(kh__buf *b, char c, int *rc) { kh__buf_append(b, &c, 1, rc); }

void kh__buf_appends(kh__buf *b, const char *s, int *rc) {
  kh__buf_append(b, s, strlen(s), rc);
}

void kh__buf_appendcp(kh__buf *b, uint32_t cp, int *rc) {
  char tmp[4];
  int n = kh_utf8_encode(cp, tmp);
  kh__buf_append(b, tmp, (size_t)n, rc);
}

void kh__buf_printf(kh__buf *b, int *rc, const char *fmt, ...) {
  if (*rc) return;
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    *rc = KH_EINVAL;
    return;
  }
  if ((size_t)n < sizeof small) {
    kh__buf_append(b, small, (size_t)n, rc);
    return;
  }
  kh__buf_reserve(b, (size_t)n, rc);
  if (*rc) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* s[0..n) as a JSON string literal: " \\ \n \r \t escaped by name, other
** bytes below 0x20 as \u00xx; dumps: as jansson's json_dumps writes it
** (\b and \f by name too, \u00XX in capitals). */
static void json_str(kh__buf *b, const char *s, size_t n, int dumps, int *rc) {
  const char *hex = dumps ? "0123456789ABCDEF" : "0123456789abcdef";
  kh__buf_appendc(b, '"', rc);
  size_t run = 0; /* start of the current run of plain bytes */
  for (size_t i = 0; i < n && !*rc; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    kh__buf_append(b, s + run, i - run, rc);
    run = i + 1;
    if (c == '"') kh__buf_append(b, "\\\"", 2, rc);
    else if (c == '\\') kh__buf_append(b, "\\\\", 2, rc);
    else if (c == '\n') kh__buf_append(b, "\\n", 2, rc);
    else if (c == '\r') kh__buf_append(b, "\\r", 2, rc);
    else if (c == '\t') kh__buf_append(b, "\\t", 2, rc);
    else if (dumps && c == '\b') kh__buf_append(b, "\\b", 2, rc);
    else if (dumps && c == '\f') kh__buf_append(b, "\\f", 2, rc);
    else {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      kh__buf_append(b, e, 6, rc);
    }
  }
  kh__buf_append(b, s + run, n - run, rc);
  kh__buf_appendc(b, '"', rc);
}

void kh__buf_json_str(kh__buf *b, const char *s, size_t n, int *rc) { json_str(b, s, n, 0, rc); }

void kh__buf_json_dumps_str(kh__buf *b, const char *s, size_t n, int *rc) { json_str(b, s, n, 1, rc); }

char *kh__buf_detach(kh__buf *b, size_t *len, int *rc) {
  kh__buf_reserve(b, 0, rc);
  if (*rc) return NULL;
  char *p = b->data;
  p[b->len] = '\0';
  if (len) *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

void kh__buf_free(kh__buf *b) {
  kh_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

size_t kh__put_var(unsigned char *p, uint32_t v) {
  size_t n = 0;
  while (v >= 0x80) p[n++] = (unsigned char)(v | 0x80), v >>= 7;
  p[n++] = (unsigned char)v;
  return n;
}

const unsigned char *kh__get_var(const unsigned char *p, const unsigned char *end, uint32_t *v) {
  uint32_t x = 0;
  for (int s = 0; s < 35 && p < end; s += 7) {
    unsigned c = *p++;
    x |= (uint32_t)(c & 0x7f) << s;
    if (!(c & 0x80)) {
      *v = x;
      return p;
    }
  }
  return NULL;
}

static int ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void kh__buf_trim(kh__buf *b) {
  size_t s = 0, e = b->len;
  while (s < e && ws(b->data[s])) s++;
  while (e > s && ws(b->data[e - 1])) e--;
  if (s) memmove(b->data, b->data + s, e - s);
  b->len = e - s;
  if (b->data) b->data[b->len] = '\0';
}
