/*
** normalize.c — Urdu normalization for matching (kh_normalize), driven by
** the rule table src/text/norm_rules.tsv (compiled to norm_tab.h by
** tools/gen_normtab.py).
**
**   پاکِستان -> پاکستان (zer dropped)      كراچي -> کراچی (Arabic kaf, yeh)
**   ی + ٔ -> ئ (NFD composes)             ۲۰۲۴ -> 2024
**   ه joined to a letter -> ھ, at the end of a word -> ہ (Nisaba visual norm)
**
** The same core (kh__norm_span) normalizes whole texts and single tokens;
** the tokenizer uses it with a per-byte offset map so a token's parts can
** point back into the original text.
*/
#include "text.h"

/* ---- character information ---- */

static int misc_find(uint32_t cp, kh__cinfo *ci) {
  size_t lo = 0, hi = sizeof kh__misc_tab / sizeof kh__misc_tab[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const kh__nrange *r = &kh__misc_tab[mid];
    if (cp < r->lo) hi = mid;
    else if (cp > r->hi) lo = mid + 1;
    else {
      ci->op = r->op;
      ci->cls = r->cls;
      ci->a = (uint16_t)(r->op == KH__OP_DIGIT ? r->a + (cp - r->lo) : r->a);
      ci->b = r->b;
      return 1;
    }
  }
  return 0;
}

/* Coarse class of a code point no rule mentions. */
static int plain_class(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return KH__CL_OTHER; /* Latin letter */
    if (cp >= '0' && cp <= '9') return KH__CL_DIGIT;
    if (cp == ' ' || cp == '\n' || cp == '\r') return KH__CL_SPACE;
    if (cp < 0x20) return KH__CL_CTRL;
    return KH__CL_PUNCT;
  }
  if (cp >= 0x0750 && cp <= 0x077F) return KH__CL_LETTER; /* Arabic Supplement */
  if (cp >= 0x08A0 && cp <= 0x08C9) return KH__CL_LETTER; /* Arabic Extended-A */
  if (cp >= 0x08CA && cp <= 0x08FF) return KH__CL_MARK;
  if (cp >= 0x0300 && cp <= 0x036F) return KH__CL_MARK;   /* combining diacritics */
  if ((cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 ||
      cp == 0xF7)
    return KH__CL_PUNCT;
  if ((cp >= 0x2010 && cp <= 0x205E) || (cp >= 0x20A0 && cp <= 0x20CF) ||
      (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x3001 && cp <= 0x3003) ||
      (cp >= 0xFD3E && cp <= 0xFD3F) || (cp >= 0xFE10 && cp <= 0xFE1F) ||
      (cp >= 0xFE30 && cp <= 0xFE6F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
      (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFFFD)
    return KH__CL_PUNCT;
  return KH__CL_OTHER; /* letters of other scripts (Latin-1, Devanagari...) */
}

void kh__cinfo_get(uint32_t cp, kh__cinfo *ci) {
  ci->exp = NULL;
  ci->nexp = 0;
  ci->a = ci->b = 0;
  if (cp >= 0x0600 && cp <= 0x06FF) {
    const kh__ntab *t = &kh__ar_tab[cp - 0x0600];
    ci->op = t->op;
    ci->cls = t->cls;
    ci->a = t->a;
    ci->b = t->b;
    return;
  }
  ci->op = KH__OP_KEEP;
  if ((cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFE)) {
    const kh__pf *pf = &kh__pf_tab[cp <= 0xFDFF ? cp - 0xFB50 : cp - 0xFE70 + 0x2B0];
    if (pf->len) {
      ci->exp = kh__pf_pool + pf->off;
      ci->nexp = pf->len;
      ci->cls = (uint8_t)kh__cp_class(ci->exp[0]);
      return;
    }
  }
  if (misc_find(cp, ci)) return;
  ci->cls = (uint8_t)plain_class(cp);
}

int kh__cp_class(uint32_t cp) {
  if (cp >= 0x0600 && cp <= 0x06FF) return kh__ar_tab[cp - 0x0600].cls;
  kh__cinfo ci;
  kh__cinfo_get(cp, &ci);
  return ci.cls;
}

/* ---- output ---- */

static inline void sink_cp(kh__sink *k, uint32_t cp, uint32_t src) {
  char tmp[4];
  int n = kh_utf8_encode(cp, tmp);
  if (k->buf) {
    kh__buf_append(k->buf, tmp, (size_t)n, &k->rc);
    return;
  }
  if (k->len + (size_t)n > k->cap) {
    k->overflow = 1;
    return;
  }
  for (int i = 0; i < n; i++) {
    if (k->offs) k->offs[k->len] = src;
    k->p[k->len++] = tmp[i];
  }
}

static inline size_t sink_len(const kh__sink *k) { return k->buf ? k->buf->len : k->len; }

static inline void sink_truncate(kh__sink *k, size_t len) {
  if (k->buf) k->buf->len = len;
  else k->len = len;
}

/* Latin case folding: ASCII, Latin-1, fullwidth letters. */
static inline uint32_t fold_latin(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0xFF21 && cp <= 0xFF3A) return cp - 0xFF21 + 'a';
  if (cp >= 0xFF41 && cp <= 0xFF5A) return cp - 0xFF41 + 'a';
  return cp;
}

/* Does the letter before byte j join the next letter?  Everything the
** normalizer drops is transparent (marks, tatweel, ZWJ, ZWNJ, controls), so
** that normalizing twice gives what normalizing once gave: ں + ZWNJ + م is
** read as inside the word, as it is once the ZWNJ is gone.  Space,
** punctuation and the end of the text do not join. */
static int joins_next(const char *s, size_t n, size_t j) {
  while (j < n) {
    uint32_t cp;
    int l = kh_utf8_decode(s + j, n - j, &cp);
    int cls = kh__cp_class(cp);
    if (cls == KH__CL_LETTER) {
      if (cp >= 0x0600 && cp <= 0x08FF) return 1;
      if (cp >= 0xFB50 && cp <= 0xFEFE) return 1;
      return 0;
    }
    if (cls != KH__CL_MARK && cls != KH__CL_JOIN && cls != KH__CL_CTRL) return 0;
    j += (size_t)l;
  }
  return 0;
}

static const kh__comp *compose_find(uint32_t base, uint32_t mark) {
  for (size_t i = 0; i < sizeof kh__compose_tab / sizeof kh__compose_tab[0]; i++)
    if (kh__compose_tab[i].base == base && kh__compose_tab[i].mark == mark)
      return &kh__compose_tab[i];
  return NULL;
}

typedef struct nstate {
  size_t letter_at;   /* output offset of the last letter, or SIZE_MAX */
  uint32_t letter;    /* that letter (after mapping) */
  size_t changed;
} nstate;

/* Normalize one code point.  next_joins: -1 = compute from s[j..n). */
static void norm_one(kh__sink *k, nstate *ns, uint32_t cp, const kh__cinfo *ci, uint32_t src,
                     const char *s, size_t n, size_t j, int next_joins) {
  if (cp == 0x0653 || cp == 0x0654 || cp == 0x0655) {
    const kh__comp *c = ns->letter_at != SIZE_MAX ? compose_find(ns->letter, cp) : NULL;
    ns->changed++;
    if (c) {
      sink_truncate(k, ns->letter_at);
      sink_cp(k, c->t1, src);
      ns->letter = c->t1;
      if (c->t2) {
        sink_cp(k, c->t2, src);
        ns->letter_at = sink_len(k) - 2; /* t2 is a two-byte letter */
        ns->letter = c->t2;
      }
    }
    return;
  }
  uint32_t out = cp, out2 = 0;
  switch (ci->op) {
    case KH__OP_DROP:
      ns->changed++;
      if (ci->cls != KH__CL_MARK && cp != 0x0640 && cp != 0x200D) ns->letter_at = SIZE_MAX;
      return;
    case KH__OP_SPACE: out = ' '; break;
    case KH__OP_DIGIT: out = ci->a; break;
    case KH__OP_MAP: out = ci->a; break;
    case KH__OP_MAP2: out = ci->a; out2 = ci->b; break;
    case KH__OP_POS: {
      int joins = next_joins >= 0 ? next_joins : joins_next(s, n, j);
      uint32_t t = joins ? ci->a : ci->b;
      if (t) out = t;
      break;
    }
    default:
      if (cp == '\r') {
        /* CR LF -> LF; a lone CR -> LF */
        ns->changed++;
        if (j < n && s[j] == '\n') return;
        out = '\n';
      } else {
        out = fold_latin(cp);
      }
  }
  if (out != cp) ns->changed++;
  size_t at = sink_len(k);
  sink_cp(k, out, src);
  if (out2) {
    at = sink_len(k);
    sink_cp(k, out2, src);
    out = out2;
  }
  if (ci->cls == KH__CL_LETTER && out >= 0x0600 && out <= 0x06FF) {
    ns->letter_at = at;
    ns->letter = out;
  } else {
    ns->letter_at = SIZE_MAX;
  }
}

void kh__norm_span(const char *s, size_t n, kh__sink *k, uint32_t base, kh_norm_stats *st) {
  nstate ns = {SIZE_MAX, 0, 0};
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80 && c >= 0x20 && c != 0x7F) { /* fast path: printable ASCII */
      uint32_t o = (c >= 'A' && c <= 'Z') ? c + 32u : c;
      if (o != c) ns.changed++;
      sink_cp(k, o, base + (uint32_t)i);
      ns.letter_at = SIZE_MAX;
      i++;
      continue;
    }
    uint32_t cp;
    int l = kh_utf8_decode(s + i, n - i, &cp);
    size_t j = i + (size_t)l;
    if (cp == 0xFFFD && l == 1) {
      if (st && !st->bad_bytes++) st->first_bad = i;
      sink_cp(k, 0xFFFD, base + (uint32_t)i);
      ns.letter_at = SIZE_MAX;
      i = j;
      continue;
    }
    kh__cinfo ci;
    kh__cinfo_get(cp, &ci);
    if (ci.exp) {
      ns.changed++;
      for (int e = 0; e < ci.nexp; e++) {
        kh__cinfo ei;
        kh__cinfo_get(ci.exp[e], &ei);
        int nj = -1;
        if (e + 1 < ci.nexp) nj = kh__cp_class(ci.exp[e + 1]) == KH__CL_LETTER;
        norm_one(k, &ns, ci.exp[e], &ei, base + (uint32_t)i, s, n, j, nj);
      }
    } else {
      norm_one(k, &ns, cp, &ci, base + (uint32_t)i, s, n, j, -1);
    }
    i = j;
  }
  if (st) st->changed += ns.changed;
}

int kh_normalize(const char *in, size_t len, char **out, size_t *outlen, kh_norm_stats *stats) {
  kh_norm_stats st = {0, 0, 0};
  if (out) *out = NULL;
  if (outlen) *outlen = 0;
  if (!out || (!in && len)) return KH_EINVAL;
  if (len > KH_MAX_TEXT) return KH_ETOOBIG;
  kh__buf b = {0};
  kh__sink k = {0};
  k.buf = &b;
  kh__buf_reserve(&b, len + len / 8 + 16, &k.rc);
  if (!k.rc) kh__norm_span(in, len, &k, 0, &st);
  size_t n = 0;
  char *p = kh__buf_detach(&b, &n, &k.rc);
  if (k.rc) {
    kh__buf_free(&b);
    return k.rc;
  }
  *out = p;
  if (outlen) *outlen = n;
  if (stats) *stats = st;
  return 0;
}
