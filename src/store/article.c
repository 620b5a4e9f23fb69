/*
** article.c — what the store derives from an article before storing it:
** the token cache (each text tokenized once per put; with a term
** dictionary attached every token also gets its term id and stem, terms.c),
** the content hash (of the normalized token stream, so two copies that
** differ only in diacritics, Arabic vs Urdu letters, digits or spacing get
** one hash) and the normalized published time.
**
**   char h[33]; kh__content_hash(title, tlen, body, blen, h);
**   char d[24]; kh__date_norm("2024-11-05 10:30+05:00", 22, d) -> "2024-11-05T05:30:00Z"
*/
#include "store.h"

#include <strings.h>
#include <time.h>

/* Two independent 64-bit FNV-1a lanes, finished with the MurmurHash3 mixer. */
typedef struct hash128 {
  uint64_t a, b;
} hash128;

static void hash_bytes(hash128 *h, const char *s, size_t n) {
  uint64_t a = h->a, b = h->b;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ c) * 0x9e3779b97f4a7c15ULL;
    b ^= b >> 29;
  }
  h->a = a;
  h->b = b;
}

static uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

static int hash_token(void *ctx, const kh_token *t) {
  if (t->flags & KH_TOKF_COLOC) return 0; /* alternatives add nothing */
  hash_bytes(ctx, t->norm, t->norm_len);
  hash_bytes(ctx, "\x1f", 1);
  return 0;
}

static int cache_token(void *ctx, const kh_token *t) {
  kh__tokcache *c = ctx;
  int rc = 0;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 64; /* a title: ~20 tokens */
    kh__tokrec *v = kh__realloc(c->v, cap * sizeof *v);
    if (!v) return KH_ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  kh__tokrec *r = &c->v[c->n];
  r->off = (uint32_t)c->norms.len;
  r->len = t->norm_len;
  r->start = t->start;
  r->end = t->end;
  r->kind = t->kind;
  r->flags = t->flags;
  r->term = 0;
  kh__buf_append(&c->norms, t->norm, t->norm_len, &rc);
  if (c->dict) { /* the term's id, and its stem once per term (fts5.c, champ.c read them) */
    r->term = kh__terms_intern(c->dict, t->norm, t->norm_len, &rc);
    if (t->kind == KH_TOK_WORD) kh__terms_stem(c->dict, r->term, &rc);
  }
  if (rc) return rc;
  c->n++;
  return 0;
}

int kh__tokcache_fill(kh__tokcache *c, const char *text, size_t len) {
  c->n = 0;
  c->norms.len = 0;
  c->text = NULL;
  c->len = 0;
  int rc = kh_tokenize(text ? text : "", text ? len : 0, 0, cache_token, c);
  if (rc) return rc < 0 ? rc : KH_EINVAL;
  c->text = text;
  c->len = text ? len : 0;
  return 0;
}

int kh__tokcache_intern(kh__tokcache *c) { return c->dict ? kh__terms_intern_cache(c->dict, c) : 0; }

void kh__tokcache_free(kh__tokcache *c) {
  kh__buf_free(&c->norms);
  kh_free(c->v);
  memset(c, 0, sizeof *c);
}

static void hash_cache(hash128 *h, const kh__tokcache *c) {
  for (size_t i = 0; i < c->n; i++) {
    if (c->v[i].flags & KH_TOKF_COLOC) continue;
    hash_bytes(h, c->norms.data + c->v[i].off, c->v[i].len);
    hash_bytes(h, "\x1f", 1);
  }
}

static void hash_hex(const hash128 *h, char out[33]) {
  uint64_t a = fmix64(h->a ^ (h->b >> 1)), b = fmix64(h->b + h->a);
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 16; i++) {
    out[i] = hex[(a >> (60 - 4 * i)) & 15];
    out[16 + i] = hex[(b >> (60 - 4 * i)) & 15];
  }
  out[32] = '\0';
}

void kh__content_hash_cached(const kh__tokcache *title, const kh__tokcache *body, char out[33]) {
  hash128 h = {0xcbf29ce484222325ULL, 0x6a09e667f3bcc909ULL};
  hash_cache(&h, title);
  hash_bytes(&h, "\x1e", 1);
  hash_cache(&h, body);
  hash_hex(&h, out);
}

int kh__content_hash(const char *title, size_t tlen, const char *body, size_t blen, char out[33]) {
  hash128 h = {0xcbf29ce484222325ULL, 0x6a09e667f3bcc909ULL};
  int rc = kh_tokenize(title ? title : "", title ? tlen : 0, 0, hash_token, &h);
  if (rc) return rc < 0 ? rc : KH_EINVAL;
  hash_bytes(&h, "\x1e", 1);
  rc = kh_tokenize(body ? body : "", body ? blen : 0, 0, hash_token, &h);
  if (rc) return rc < 0 ? rc : KH_EINVAL;
  hash_hex(&h, out);
  return 0;
}

/* Read exactly k digits at s[*i]; -1 if not there. */
static int digits(const char *s, size_t n, size_t *i, int k) {
  int v = 0;
  for (int j = 0; j < k; j++, (*i)++) {
    if (*i >= n || s[*i] < '0' || s[*i] > '9') return -1;
    v = v * 10 + (s[*i] - '0');
  }
  return v;
}

static int days_in(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return d[m - 1];
}

static int fmt_time(time_t t, char *out) {
  struct tm tm;
  if (!gmtime_r(&t, &tm)) return -1;
  return (int)strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The time y-mo-d hh:mi:ss, off seconds east of UTC, as UTC into out. */
static int fmt_utc(int y, int mo, int d, int hh, int mi, int ss, long off, char *out) {
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = hh;
  tm.tm_min = mi;
  tm.tm_sec = ss;
  return fmt_time(timegm(&tm) - off, out);
}

/* A zone of an RFC 822 date ("+0500", "GMT", "PKT", ...) in seconds east
** of UTC in *off; 0 if it is not one. */
static int rfc822_zone(const char *z, size_t n, long *off) {
  static const struct {
    const char *name;
    int hours;
  } zones[] = {{"GMT", 0}, {"UT", 0},  {"UTC", 0}, {"Z", 0},   {"EST", -5}, {"EDT", -4}, {"CST", -6},
               {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}, {"PKT", 5}};
  if (n == 5 && (z[0] == '+' || z[0] == '-')) {
    size_t i = 1;
    int hh = digits(z, n, &i, 2), mm = digits(z, n, &i, 2);
    if (hh < 0 || hh > 14 || mm < 0 || mm > 59) return 0;
    *off = (z[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    return 1;
  }
  for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++)
    if (strlen(zones[k].name) == n && !strncasecmp(z, zones[k].name, n)) {
      *off = zones[k].hours * 3600L;
      return 1;
    }
  return 0;
}

/* RFC 822 / 2822 as RSS writes it: "[Mon, ]25 Nov 2024 10:00[:00] [+0500]"
** (a two-digit year is 19xx from 50 on, 20xx below; no zone is UTC). */
static int rfc822(const char *s, size_t n, char *out) {
  static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  size_t i = 0;
  if (n > 4 && s[3] == ',') { /* the day of the week is not checked */
    i = 4;
    while (i < n && s[i] == ' ') i++;
  }
  int d = 0, k = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9' && k < 2; i++, k++) d = d * 10 + (s[i] - '0');
  if (!k || i + 5 > n || s[i++] != ' ') return -1;
  int mo = 0;
  for (int m = 0; m < 12; m++)
    if (!strncasecmp(s + i, months + 3 * m, 3)) mo = m + 1;
  i += 3;
  if (!mo || i >= n || s[i++] != ' ') return -1;
  size_t y0 = i;
  while (i < n && s[i] >= '0' && s[i] <= '9' && i - y0 < 4) i++;
  int y = 0;
  for (size_t j = y0; j < i; j++) y = y * 10 + (s[j] - '0');
  if (i - y0 == 2) y += y >= 50 ? 1900 : 2000;
  else if (i - y0 != 4) return -1;
  if (d < 1 || d > days_in(y, mo)) return -1;
  if (i == n) {
    snprintf(out, 21, "%04d-%02d-%02d", y % 10000, mo % 100, d % 100);
    return 10;
  }
  if (s[i++] != ' ') return -1;
  int hh = digits(s, n, &i, 2), mi, ss = 0;
  if (hh < 0 || hh > 23 || i >= n || s[i++] != ':' || (mi = digits(s, n, &i, 2)) < 0 || mi > 59) return -1;
  if (i < n && s[i] == ':') {
    i++;
    if ((ss = digits(s, n, &i, 2)) < 0 || ss > 60) return -1;
  }
  long off = 0;
  if (i < n) {
    if (s[i++] != ' ' || !rfc822_zone(s + i, n - i, &off)) return -1;
  }
  return fmt_utc(y, mo, d, hh, mi, ss, off, out);
}

int kh__date_norm(const char *s, size_t n, char *out) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (n == 0 || n > 40) return -1;
  if ((n > 4 && s[3] == ',') || (n > 2 && (s[1] == ' ' || s[2] == ' '))) return rfc822(s, n, out);
  size_t i = 0;
  /* unix seconds */
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  if (i == n && n >= 9 && n <= 11) {
    long long v = 0;
    for (size_t j = 0; j < n; j++) v = v * 10 + (s[j] - '0');
    return fmt_time((time_t)v, out);
  }
  i = 0;
  int y = digits(s, n, &i, 4);
  if (y < 1000 || i >= n || (s[i] != '-' && s[i] != '/' && s[i] != '.')) return -1;
  char sep = s[i++];
  int mo = digits(s, n, &i, 2);
  if (mo < 1 || mo > 12 || i >= n || s[i++] != sep) return -1;
  int d = digits(s, n, &i, 2);
  if (d < 1 || d > days_in(y, mo)) return -1;
  if (i == n) {
    snprintf(out, 21, "%04d-%02d-%02d", y % 10000, mo % 100, d % 100);
    return 10;
  }
  if (s[i] != 'T' && s[i] != ' ') return -1;
  i++;
  int hh = digits(s, n, &i, 2), mi, ss = 0;
  if (hh < 0 || hh > 23 || i >= n || s[i++] != ':') return -1;
  if ((mi = digits(s, n, &i, 2)) < 0 || mi > 59) return -1;
  if (i < n && s[i] == ':') {
    i++;
    if ((ss = digits(s, n, &i, 2)) < 0 || ss > 60) return -1;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
      i++;
      while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    }
  }
  long off = 0; /* seconds east of UTC; no zone = UTC */
  if (i < n && s[i] == ' ') i++;
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i++] == '-' ? -1 : 1;
    int oh = digits(s, n, &i, 2), om = 0;
    if (oh < 0 || oh > 14) return -1;
    if (i < n && s[i] == ':') i++;
    if (i < n && (om = digits(s, n, &i, 2)) < 0) return -1;
    off = sign * (oh * 3600L + om * 60L);
  }
  if (i != n) return -1;
  return fmt_utc(y, mo, d, hh, mi, ss, off, out);
}

int kh__utf8_valid(const char *s, size_t n, size_t *bad) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp;
    if ((p[i] & 0xE0) == 0xC0) k = 1, cp = p[i] & 0x1F;
    else if ((p[i] & 0xF0) == 0xE0) k = 2, cp = p[i] & 0x0F;
    else if ((p[i] & 0xF8) == 0xF0) k = 3, cp = p[i] & 0x07;
    else goto invalid;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (p[i + j] & 0xC0) != 0x80) goto invalid;
      cp = (cp << 6) | (p[i + j] & 0x3F);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      goto invalid;
    i += k + 1;
  }
  return 1;
invalid:
  if (bad) *bad = i;
  return 0;
}
