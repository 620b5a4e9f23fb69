/*
** doc.c — one article on its way through kh_analyze: the tokens of title and
** body (normalized form, byte offsets in the original, word class from
** words.c, punctuation class) and the sentences they fall in.
**
** Tokens come from kh_tokenize with punctuation.  A tokenizer that leaves
** punctuation stuck to a word ("پہنچے،") is tolerated: when the normalized
** form equals the original bytes, stuck punctuation is split off here.
*/
#include "analyze.h"

#include <limits.h>

typedef struct tok_ctx {
  kh__doc *d;
  uint8_t field;
  const char *text;
} tok_ctx;

static int punct_class(uint32_t c) {
  switch (c) {
  case 0x06D4: case '.': case '?': case '!': case 0x061F: case 0x2026:
    return KH__P_STOP;
  case 0x060C: case ',': case 0x061B: case ';':
    return KH__P_COMMA;
  case '"': case 0x201C: case 0x201D: case 0x2018: case 0x2019: case 0x00AB: case 0x00BB:
  case 0x201E: case 0x201F: case '\'':
    return KH__P_QUOTE;
  case '(': case '[': case '{':
    return KH__P_OPEN;
  case ')': case ']': case '}':
    return KH__P_CLOSE;
  case ':':
    return KH__P_COLON;
  default:
    break;
  }
  if (c < 0x80 && c > 0x20 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                (c >= 'A' && c <= 'Z') || c == '#' || c == '@'))
    return KH__P_OTHER;
  if ((c >= 0x2010 && c <= 0x2015) || c == 0x066A) return KH__P_OTHER;
  return KH__P_NONE;
}

static void push_tok(kh__doc *d, uint8_t field, uint32_t start, uint32_t end, const char *norm,
                     size_t nlen, uint8_t kind) {
  if (d->rc) return;
  if (kh__grow((void **)&d->toks, &d->captok, d->ntok + 1, sizeof *d->toks, KH__MAX_TOKENS, &d->rc))
    return;
  kh__tok *t = &d->toks[d->ntok];
  memset(t, 0, sizeof *t);
  t->start = start;
  t->end = end;
  t->field = field;
  t->kind = kind;
  t->norm = (uint32_t)d->norm.len;
  t->nlen = (uint32_t)nlen;
  kh__buf_append(&d->norm, norm, nlen, &d->rc);
  kh__buf_appendc(&d->norm, 0, &d->rc);
  t->h = kh__hash(norm, nlen);
  t->widx = -1;
  t->ment = -1;
  t->sent = -1;
  if (kind == KH_TOK_PUNCT) {
    uint32_t cp = 0;
    if (nlen) kh_utf8_decode(norm, nlen, &cp);
    t->punct = (uint8_t)punct_class(cp);
    if (!t->punct) t->punct = KH__P_OTHER;
  } else {
    int32_t w = kh__map_get(&d->a->words, t->h);
    if (w >= 0) {
      t->widx = w;
      t->wcls = d->a->word_cls[w];
      t->wval = d->a->word_val[w];
    }
  }
  d->ntok++;
}

/* Emit each punctuation code point of s[0..n) (original == normalized). */
static void push_puncts(kh__doc *d, uint8_t field, const char *text, uint32_t start, uint32_t end) {
  for (uint32_t i = start; i < end && !d->rc;) {
    uint32_t cp;
    int k = kh_utf8_decode(text + i, end - i, &cp);
    push_tok(d, field, i, i + (uint32_t)k, text + i, (size_t)k, KH_TOK_PUNCT);
    i += (uint32_t)k;
  }
}

static int on_token(void *vctx, const kh_token *t) {
  tok_ctx *c = vctx;
  kh__doc *d = c->d;
  if (t->flags & KH_TOKF_COLOC) return 0;
  uint8_t kind = t->kind;
  if (kind != KH_TOK_PUNCT && t->norm_len == t->end - t->start &&
      !memcmp(t->norm, c->text + t->start, t->norm_len)) {
    /* identity mapping: split off stuck punctuation */
    uint32_t s = t->start, e = t->end;
    uint32_t cp;
    while (s < e) {
      int k = kh_utf8_decode(c->text + s, e - s, &cp);
      if (!punct_class(cp)) break;
      s += (uint32_t)k;
    }
    uint32_t e2 = e;
    while (e2 > s) {
      uint32_t k = 1;
      while (k < e2 - s && k < 4 && ((unsigned char)c->text[e2 - k] & 0xC0) == 0x80) k++;
      kh_utf8_decode(c->text + e2 - k, k, &cp);
      if (!punct_class(cp)) break;
      e2 -= k;
    }
    if (s != t->start || e2 != e) {
      push_puncts(d, c->field, c->text, t->start, s);
      if (e2 > s) push_tok(d, c->field, s, e2, c->text + s, e2 - s, kind);
      push_puncts(d, c->field, c->text, e2, e);
      return d->rc;
    }
  }
  push_tok(d, c->field, t->start, t->end, t->norm, t->norm_len, kind);
  return d->rc;
}

static int on_sentence(void *vctx, size_t start, size_t end) {
  tok_ctx *c = vctx;
  kh__doc *d = c->d;
  if (kh__grow((void **)&d->sents, &d->capsent, d->nsent + 1, sizeof *d->sents, KH__MAX_TOKENS,
               &d->rc))
    return d->rc;
  kh__sent *s = &d->sents[d->nsent++];
  s->start = (uint32_t)start;
  s->end = (uint32_t)end;
  s->field = c->field;
  s->t0 = s->t1 = -1;
  return 0;
}

int32_t kh__days(int y, int m, int d) {
  /* days from civil (Howard Hinnant's algorithm) */
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int32_t kh__parse_date(const char *s, size_t n) {
  if (!s || n < 10) return INT32_MIN;
  for (int i = 0; i < 10; i++) {
    if (i == 4 || i == 7) {
      if (s[i] != '-') return INT32_MIN;
    } else if (s[i] < '0' || s[i] > '9') {
      return INT32_MIN;
    }
  }
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1000) return INT32_MIN;
  return kh__days(y, m, d);
}

void kh__clause(const kh__doc *d, int32_t t, int32_t *lo, int32_t *hi) {
  const kh__sent *s = &d->sents[d->toks[t].sent];
  int32_t a = t, b = t + 1;
  while (a > s->t0 && d->toks[a - 1].punct != KH__P_STOP) a--;
  while (b < s->t1 && d->toks[b - 1].punct != KH__P_STOP) b++;
  *lo = a;
  *hi = b;
}

int kh__is_word(const kh__doc *d, size_t i) {
  uint8_t k = d->toks[i].kind;
  return k == KH_TOK_WORD || k == KH_TOK_LATIN;
}

int kh__doc_build(kh__doc *d, const kh_article *art) {
  d->text[0] = art->title ? art->title : "";
  d->len[0] = art->title ? art->title_len : 0;
  d->text[1] = art->body ? art->body : "";
  d->len[1] = art->body ? art->body_len : 0;
  d->pub_days = kh__parse_date(art->published, art->published_len);
  d->norm.max = KH_MAX_ARTICLE * 2u;
  for (uint8_t f = 0; f < 2 && !d->rc; f++) {
    if (d->len[f] > KH_MAX_ARTICLE) return d->rc = KH_ETOOBIG;
    tok_ctx c = {d, f, d->text[f]};
    size_t t0 = d->ntok, s0 = d->nsent;
    int rc = kh_tokenize(d->text[f], d->len[f], KH_TOKENIZE_PUNCT, on_token, &c);
    if (d->rc) break;
    if (rc < 0) return d->rc = rc;
    rc = kh_sentences(d->text[f], d->len[f], on_sentence, &c);
    if (d->rc) break;
    if (rc < 0) return d->rc = rc;
    if (d->nsent == s0 && d->ntok > t0) { /* no sentence reported: the whole field */
      on_sentence(&c, 0, d->len[f]);
      if (d->rc) break;
    }
    /* assign tokens to sentences (both in text order) */
    size_t si = s0;
    for (size_t i = t0; i < d->ntok; i++) {
      while (si + 1 < d->nsent && d->toks[i].start >= d->sents[si + 1].start) si++;
      d->toks[i].sent = (int32_t)si;
      if (d->sents[si].t0 < 0) d->sents[si].t0 = (int32_t)i;
      d->sents[si].t1 = (int32_t)i + 1;
    }
  }
  if (d->rc) return d->rc;
  /* sentences without tokens get an empty range */
  for (size_t s = 0; s < d->nsent; s++)
    if (d->sents[s].t0 < 0) d->sents[s].t0 = d->sents[s].t1 = s ? d->sents[s - 1].t1 : 0;
  d->present = kh__calloc(d->a->n_ents ? d->a->n_ents : 1, 1);
  if (!d->present) return d->rc = KH_ENOMEM;
  return 0;
}

int32_t kh__add_ment(kh__doc *d, int32_t t0, int32_t t1, int type, int source, int32_t gent,
                     int32_t alias, int flag) {
  if (d->rc) return -1;
  if (kh__grow((void **)&d->ments, &d->capment, d->nment + 1, sizeof *d->ments, KH__MAX_MENTIONS,
               &d->rc))
    return -1;
  kh__ment *m = &d->ments[d->nment];
  m->t0 = t0;
  m->t1 = t1;
  m->type = (uint8_t)type;
  m->source = (uint8_t)source;
  m->gent = gent;
  m->alias = alias;
  m->flag = (uint8_t)flag;
  m->ent = -1;
  m->dead = 0;
  for (int32_t t = t0; t < t1; t++) d->toks[t].ment = (int32_t)d->nment;
  return (int32_t)d->nment++;
}

int32_t kh__ment_at(const kh__doc *d, int32_t t) {
  if (t < 0 || (size_t)t >= d->ntok) return -1;
  int32_t m = d->toks[t].ment;
  return m >= 0 && !d->ments[m].dead ? m : -1;
}

void kh__doc_free(kh__doc *d) {
  kh__free(d->toks);
  kh__buf_free(&d->norm);
  kh__free(d->sents);
  kh__free(d->ments);
  kh__free(d->quotes);
  kh__free(d->events);
  kh__free(d->present);
  kh__free(d->spill);
  memset(d, 0, sizeof *d);
}
