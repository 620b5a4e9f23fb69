/*
** snippet.c — search-result snippets cut from the ORIGINAL article text.
** The text is tokenized again with kh_tokenize; a token matches a query
** term by its normalized form, as a prefix (term*), or by a shared stem, so
** "پاکِستان" in the article is highlighted for a query پاکستان.  The window
** of N words with the most matches is copied byte for byte from the
** original, matched spans wrapped in the caller's markers.
**
**   query کراچی, body "... شہر کراچی میں بارش ..." -> "… شہر [کراچی] میں بارش …"
*/
#include "store.h"

typedef struct span {
  uint32_t start, end;
  uint8_t hit;
  uint8_t coloc;
} span;

#define MAX_SNIPPET_TOKENS (1u << 20) /* tokens looked at in one text */

typedef struct snip_ctx {
  const kh__query *q;
  char (*stems)[KH_MAX_TOKEN + 1]; /* stem of each term */
  int *stemlen;
  span *v;
  size_t n, cap;
  int rc;
} snip_ctx;

static int term_match(snip_ctx *c, const kh_token *t) {
  char st[KH_MAX_TOKEN + 1];
  int sl = -2;
  for (size_t i = 0; i < c->q->nterms; i++) {
    const kh__qterm *q = &c->q->terms[i];
    if (q->prefix ? (t->norm_len >= q->len && !memcmp(t->norm, q->norm, q->len))
                  : (t->norm_len == q->len && !memcmp(t->norm, q->norm, q->len)))
      return 1;
    if (q->prefix || c->stemlen[i] <= 0) continue;
    if (sl == -2) sl = kh_stem(t->norm, t->norm_len, st, sizeof st);
    if (sl > 0 && sl == c->stemlen[i] && !memcmp(st, c->stems[i], (size_t)sl)) return 1;
  }
  return 0;
}

static int collect(void *ctx, const kh_token *t) {
  snip_ctx *c = ctx;
  if (c->n == c->cap) {
    if (c->cap >= MAX_SNIPPET_TOKENS) return 1; /* enough: the snippet comes from the start */
    size_t cap = c->cap ? c->cap * 2 : 256;
    span *v = kh__realloc(c->v, cap * sizeof *v);
    if (!v) return c->rc = KH_ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  int coloc = (t->flags & KH_TOKF_COLOC) && c->n > 0;
  int hit = term_match(c, t);
  if (coloc && hit) c->v[c->n - 1].hit = 1; /* an alternative form matched: mark its word */
  c->v[c->n++] = (span){t->start, t->end, (uint8_t)hit, (uint8_t)coloc};
  return 0;
}

/* 1 if text[a..b) is empty or only spaces (b < a: overlapping spans). */
static int only_space(const char *text, size_t a, size_t b) {
  for (size_t i = a; i < b; i++)
    if (text[i] != ' ') return 0;
  return 1;
}

/* Copy text[a..b) with newlines and tabs as spaces. */
static void copy_flat(kh__buf *out, const char *s, size_t a, size_t b, int *rc) {
  size_t run = a;
  for (size_t i = a; i < b; i++) {
    if (s[i] != '\n' && s[i] != '\r' && s[i] != '\t') continue;
    kh__buf_append(out, s + run, i - run, rc);
    kh__buf_appendc(out, ' ', rc);
    run = i + 1;
  }
  kh__buf_append(out, s + run, b - run, rc);
}

int kh__snippet(const char *text, size_t len, const kh__query *q, const char *open,
                const char *close, int ntok, kh__buf *out, int *rc) {
  if (*rc || !text || !len) return 0;
  if (ntok <= 0) ntok = 24;
  size_t nt = q->nterms ? q->nterms : 1;
  snip_ctx c = {q, kh__malloc(nt * sizeof *c.stems), kh__malloc(nt * sizeof(int)), NULL, 0, 0, 0};
  if (!c.stems || !c.stemlen) {
    *rc = KH_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < q->nterms; i++)
    c.stemlen[i] = kh_stem(q->terms[i].norm, q->terms[i].len, c.stems[i], KH_MAX_TOKEN + 1);
  int trc = kh_tokenize(text, len, 0, collect, &c);
  if (c.rc || trc < 0) {
    *rc = c.rc ? c.rc : trc;
    goto done;
  }
  /* words only (alternatives share their word's place) */
  size_t nw = 0;
  for (size_t i = 0; i < c.n; i++)
    if (!c.v[i].coloc) c.v[nw++] = c.v[i];
  if (nw == 0) goto done;
  size_t w = (size_t)ntok < nw ? (size_t)ntok : nw, best = 0, cur = 0;
  int besthits = -1, hits = 0;
  for (size_t i = 0; i < nw; i++) {
    hits += c.v[i].hit;
    if (i >= w) hits -= c.v[i - w].hit;
    if (i + 1 >= w && hits > besthits) {
      besthits = hits;
      best = i + 1 - w;
    }
  }
  /* begin a little before the first match, so it is not the first word */
  if (besthits > 0) {
    size_t first = best;
    while (!c.v[first].hit) first++;
    size_t lead = w / 4;
    best = first > lead ? first - lead : 0;
    if (best + w > nw) best = nw - w;
  }
  cur = best;
  size_t a = cur == 0 ? 0 : c.v[cur].start, end = cur + w >= nw ? len : c.v[cur + w - 1].end;
  if (cur > 0) kh__buf_appends(out, "… ", rc);
  size_t pos = a;
  for (size_t i = cur; i < cur + w; i++) {
    if (!c.v[i].hit) continue;
    size_t s = c.v[i].start, e = c.v[i].end;
    /* one mark around neighbouring matches: [عمران خان], not [عمران] [خان] */
    while (i + 1 < cur + w && c.v[i + 1].hit && only_space(text, e, c.v[i + 1].start)) {
      size_t ne = c.v[++i].end;
      if (ne > e) e = ne;
    }
    if (s < pos) continue;
    copy_flat(out, text, pos, s, rc);
    kh__buf_appends(out, open, rc);
    copy_flat(out, text, s, e, rc);
    kh__buf_appends(out, close, rc);
    pos = e;
  }
  copy_flat(out, text, pos, end, rc);
  if (end < len) kh__buf_appends(out, " …", rc);
  hits = besthits > 0 ? besthits : 0;
  kh_free(c.stems);
  kh_free(c.stemlen);
  kh_free(c.v);
  return hits;
done:
  kh_free(c.stems);
  kh_free(c.stemlen);
  kh_free(c.v);
  return 0;
}
