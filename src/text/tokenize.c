/*
** tokenize.c — khabar's Urdu tokenizer (kh_tokenize).
**
** One pass over the ORIGINAL text finds token spans by character class;
** each span is normalized (normalize.c) with a per-byte offset map, so a
** token split into parts still points at exactly the bytes it came from.
**
**   "پاکِستان کیلئے ۲۰۲۴ https://x.pk #کراچی"
**     -> پاکستان (word) | کے, لئے (word, split) | 2024 (number)
**        | https://x.pk (url) | #کراچی (hashtag)
**
** Kinds: Urdu/Arabic-script words (marks, tatweel, ZWNJ/ZWJ stay inside the
** word and out of its normalized form), numbers (۲۰۲۴، 1,234.5، 15%), Latin
** words, URLs, emails, hashtags/mentions, punctuation (KH_TOKENIZE_PUNCT).
** Fused words are split from the generated table (fused.c); with
** KH_TOKENIZE_MWE multiword units (وزیر اعظم) come out as one token.
*/
#include "text.h"

#include <ctype.h>

typedef struct tk {
  const char *s;
  size_t n;
  unsigned flags;
  kh_token_cb cb;
  void *ctx;
} tk;

/* ---- character classes over the original text ---- */

static inline uint32_t peek(const char *s, size_t n, size_t i, int *len) {
  unsigned char c = (unsigned char)s[i];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  uint32_t cp;
  *len = kh_utf8_decode(s + i, n - i, &cp);
  return cp;
}

static inline int is_arabic_letter(uint32_t cp, int cls) {
  return cls == KH__CL_LETTER && ((cp >= 0x0600 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFEFE));
}

static inline int is_latin_alnum(uint32_t cp, int cls) {
  if (cp < 0x80) return isalnum((int)cp);
  return cls == KH__CL_OTHER;
}

static inline int is_ascii_alnum(int c) { return c >= 0 && c < 0x80 && isalnum(c); }

/* A presentation form that stands for several words (ﷺ = صلی اللہ علیہ
** وسلم): it is a token group of its own, never part of a longer word. */
static int multiword_pf(uint32_t cp) {
  if (cp < 0xFB50 || cp > 0xFEFE) return 0;
  kh__cinfo ci;
  kh__cinfo_get(cp, &ci);
  for (int k = 0; k < ci.nexp; k++)
    if (ci.exp[k] == ' ') return 1;
  return 0;
}

/* ---- emitting ---- */

static int emit(tk *t, const char *norm, size_t nlen, size_t start, size_t end, int kind,
                int flags) {
  kh_token tok;
  char stem[KH_MAX_TOKEN + 1];
  if (nlen > KH_MAX_TOKEN) {
    nlen = KH_MAX_TOKEN;
    while (nlen > 0 && ((unsigned char)norm[nlen] & 0xC0) == 0x80) nlen--;
  }
  if (nlen == 0) return 0;
  if (kind == KH_TOK_WORD && kh_is_stopword(norm, nlen)) flags |= KH_TOKF_STOP;
  if ((t->flags & KH_TOKENIZE_STEM) && kind == KH_TOK_WORD) {
    int m = kh_stem(norm, nlen, stem, sizeof stem);
    if (m > 0) {
      norm = stem;
      nlen = (size_t)m;
    }
  }
  tok.norm = norm;
  tok.norm_len = (uint32_t)nlen;
  tok.start = (uint32_t)start;
  tok.end = (uint32_t)end;
  tok.kind = (uint8_t)kind;
  tok.flags = (uint8_t)flags;
  return t->cb(t->ctx, &tok);
}

/* Normalize s[a..b) into buf (cap bytes) with offsets; returns bytes. */
static size_t norm_into(const tk *t, size_t a, size_t b, char *buf, size_t cap, uint32_t *offs) {
  kh__sink k = {0};
  k.p = buf;
  k.cap = cap;
  k.offs = offs;
  kh__norm_span(t->s + a, b - a, &k, (uint32_t)a, NULL);
  return k.len;
}

#define NBUF (4 * KH_MAX_TOKEN)

/* A light-verb compound (بلالی) is split before an auxiliary, punctuation,
** anything not an Urdu word, or the end; kept before another word. */
static int light_context(const tk *t, size_t j) {
  static const char *const aux[] = {"ہے", "ہیں", "تھا", "تھی", "تھے", "گیا", "گئی", "گئے",
                                    "جائے", "جاتا", "جاتی", "جاتے", "ہو", "ہوں", "گا", "گی", "گے"};
  /* split unless an ordinary Urdu word follows: so the forms written out
  ** and tokenized again (as FTS5 does with a rewritten query) split alike */
  while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t' || t->s[j] == '\n' || t->s[j] == '\r')) j++;
  if (j >= t->n) return 1;
  int l;
  uint32_t cp = peek(t->s, t->n, j, &l);
  int cls = kh__cp_class(cp);
  if (!is_arabic_letter(cp, cls)) return 1;
  size_t e = j;
  while (e < t->n) {
    cp = peek(t->s, t->n, e, &l);
    cls = kh__cp_class(cp);
    if (!is_arabic_letter(cp, cls) && cls != KH__CL_MARK && cls != KH__CL_JOIN) break;
    e += (size_t)l;
  }
  char buf[64];
  if (e - j > 32) return 0;
  size_t m = norm_into(t, j, e, buf, sizeof buf, NULL);
  for (size_t i = 0; i < sizeof aux / sizeof aux[0]; i++)
    if (strlen(aux[i]) == m && memcmp(aux[i], buf, m) == 0) return 1;
  return 0;
}

/* Fast path for the common word: two-byte letters of the Arabic block
** (lead bytes D8..DB) that map to two-byte letters, and dropped marks.
** Scans and normalizes in one pass.  Returns the end of the word, or 0 when
** the word needs the general path (ZWNJ, hamza composition, presentation
** forms, a ه or ں whose form depends on what follows a mark...). */
static size_t word_fast(const tk *t, size_t i, char *buf, uint32_t *offs, size_t *mlen) {
  const unsigned char *s = (const unsigned char *)t->s;
  size_t n = t->n, j = i, m = 0;
  while (j + 1 < n) {
    unsigned c0 = s[j], c1 = s[j + 1];
    if (c0 < 0xD8 || c0 > 0xDB || (c1 & 0xC0) != 0x80) break;
    uint32_t cp = ((c0 & 0x1Fu) << 6) | (c1 & 0x3Fu);
    const kh__ntab *e = &kh__ar_tab[cp - 0x600];
    if (e->cls == KH__CL_MARK && e->op == KH__OP_DROP) {
      if (cp >= 0x0653 && cp <= 0x0655) return 0; /* composes with the letter */
      j += 2;
      continue;
    }
    if (e->cls == KH__CL_JOIN) return 0; /* tatweel */
    if (e->cls != KH__CL_LETTER) break;
    uint32_t out = cp;
    if (e->op == KH__OP_MAP) {
      out = e->a;
    } else if (e->op == KH__OP_POS) {
      int joins = 0;
      if (j + 3 < n && s[j + 2] >= 0xD8 && s[j + 2] <= 0xDB && (s[j + 3] & 0xC0) == 0x80) {
        const kh__ntab *e2 = &kh__ar_tab[(((s[j + 2] & 0x1Fu) << 6) | (s[j + 3] & 0x3Fu)) - 0x600];
        if (e2->cls == KH__CL_MARK || e2->cls == KH__CL_JOIN) return 0;
        joins = e2->cls == KH__CL_LETTER;
      } else if (j + 2 < n && s[j + 2] >= 0x80) {
        return 0; /* ZWNJ, presentation form...: the general path decides */
      }
      uint32_t to = joins ? e->a : e->b;
      if (to) out = to;
    } else if (e->op != KH__OP_KEEP) {
      return 0;
    }
    if (out < 0x80 || out >= 0x800 || m + 2 > NBUF) return 0;
    buf[m] = (char)(0xC0 | (out >> 6));
    buf[m + 1] = (char)(0x80 | (out & 0x3F));
    offs[m] = offs[m + 1] = (uint32_t)j;
    m += 2;
    j += 2;
  }
  /* the word may go on with something the fast path does not know (ZWNJ,
  ** a presentation form, a combining mark of another block): let the
  ** general path decide where it ends */
  if (j < n && s[j] >= 0x80 && (s[j] < 0xD8 || s[j] > 0xDB)) return 0;
  *mlen = m;
  return j;
}

static int word_norm(tk *t, size_t a, size_t b, char *buf, uint32_t *offs, size_t m);

/* An Urdu word span [a, b) off the fast path: normalize, split if fused,
** emit.  Only here can the normalized form hold spaces: a multiword
** presentation form (ﷺ, a span of its own) gives one token per word. */
static int word(tk *t, size_t a, size_t b) {
  char buf[NBUF];
  uint32_t offs[NBUF];
  size_t m = norm_into(t, a, b, buf, sizeof buf, offs);
  if (memchr(buf, ' ', m)) {
    for (size_t p = 0; p < m;) {
      size_t q = p;
      while (q < m && buf[q] != ' ') q++;
      int rc = q > p ? emit(t, buf + p, q - p, a, b, KH_TOK_WORD, KH_TOKF_SPLIT) : 0;
      if (rc) return rc;
      p = q + 1;
    }
    return 0;
  }
  return word_norm(t, a, b, buf, offs, m);
}

static int word_norm(tk *t, size_t a, size_t b, char *buf, uint32_t *offs, size_t m) {
  if (m == 0) return 0;
  uint64_t h = kh__hash64(buf, m);
  if (!(t->flags & KH_TOKENIZE_NOSPLIT) && m <= KH_MAX_TOKEN) {
    const kh__fused_row *r = kh__fused_find_h(buf, m, h);
    if (r && r->kind == 2 && !light_context(t, b)) r = NULL;
    if (r && r->kind == 1 && (t->flags & KH_TOKENIZE_MWE)) {
      /* one unit, spelled as when typed with spaces: وزیراعظم -> "وزیر اعظم" */
      char unit[KH_MAX_TOKEN + 8];
      size_t ul = 0;
      for (int p = 0; p < 4 && r->part[p]; p++) {
        size_t pl = strlen(r->part[p]);
        if (ul + pl + 1 > KH_MAX_TOKEN) break;
        if (p) unit[ul++] = ' ';
        memcpy(unit + ul, r->part[p], pl);
        ul += pl;
      }
      return emit(t, unit, ul, a, b, KH_TOK_WORD, 0);
    }
    if (r) {
      size_t cut = 0;
      for (int p = 0; p < 4 && r->part[p]; p++) {
        size_t pl = strlen(r->part[p]);
        size_t next = cut + pl;
        size_t ps = offs[cut];
        size_t pe = (p + 1 < 4 && r->part[p + 1] && next < m) ? offs[next] : b;
        int rc = emit(t, r->part[p], pl, ps, pe, KH_TOK_WORD, KH_TOKF_SPLIT);
        if (rc) return rc;
        cut = next;
        if (cut >= m) break;
      }
      return 0;
    }
  }
  return emit(t, buf, m, a, b, KH_TOK_WORD, 0);
}

static int simple(tk *t, size_t a, size_t b, int kind, const char *prefix) {
  char buf[NBUF];
  size_t pl = prefix ? strlen(prefix) : 0;
  if (pl) memcpy(buf, prefix, pl);
  size_t m = norm_into(t, a, b, buf + pl, sizeof buf - pl, NULL);
  if (m == 0) return 0; /* only dropped characters (a tag of marks) */
  return emit(t, buf, pl + m, a - pl, b, kind, 0);
}

/* ---- scanners: each returns the end of its token or 0 if no match ---- */

static int ci_prefix(const char *s, size_t n, size_t i, const char *p) {
  size_t l = strlen(p);
  if (n - i < l) return 0;
  for (size_t k = 0; k < l; k++)
    if (tolower((unsigned char)s[i + k]) != p[k]) return 0;
  return 1;
}

static size_t scan_url(const char *s, size_t n, size_t i) {
  if (i > 0 && is_ascii_alnum((unsigned char)s[i - 1])) return 0;
  if (!ci_prefix(s, n, i, "http://") && !ci_prefix(s, n, i, "https://") &&
      !ci_prefix(s, n, i, "www."))
    return 0;
  size_t j = i;
  while (j < n) {
    unsigned char c = (unsigned char)s[j];
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`' || c == '\'') break;
    j++;
  }
  while (j > i && strchr(".,;:!?)]}", s[j - 1])) j--;
  return j - i > 8 || ci_prefix(s, n, i, "www.") ? j : 0;
}

static int email_local(int c) { return is_ascii_alnum(c) || (c && strchr("._%+-", c)); }

static size_t scan_email(const char *s, size_t n, size_t i) {
  size_t j = i;
  while (j < n && email_local((unsigned char)s[j])) j++;
  if (j == i || j >= n || s[j] != '@') return 0;
  size_t d = ++j, dot = 0;
  while (j < n && (is_ascii_alnum((unsigned char)s[j]) || s[j] == '-' || s[j] == '.')) {
    if (s[j] == '.') dot = j;
    j++;
  }
  while (j > d && s[j - 1] == '.') j--;
  if (!dot || dot <= d || dot + 2 >= j + 1) return 0;
  for (size_t k = dot + 1; k < j; k++)
    if (!isalpha((unsigned char)s[k])) return 0;
  return j - dot > 2 ? j : 0;
}

/* Number: digits (any script) with inner , . ٫ ٬ between digits, optional %. */
static size_t scan_number(const char *s, size_t n, size_t i, int *latin) {
  size_t j = i;
  int l;
  *latin = 0;
  for (;;) {
    while (j < n) {
      uint32_t cp = peek(s, n, j, &l);
      if (kh__cp_class(cp) != KH__CL_DIGIT) break;
      j += (size_t)l;
    }
    if (j >= n) break;
    uint32_t cp = peek(s, n, j, &l);
    if (cp == '.' || cp == ',' || cp == 0x066B || cp == 0x066C) {
      int l2;
      if (j + (size_t)l < n && kh__cp_class(peek(s, n, j + (size_t)l, &l2)) == KH__CL_DIGIT) {
        j += (size_t)l;
        continue;
      }
    }
    break;
  }
  if (j < n) {
    uint32_t cp = peek(s, n, j, &l);
    if (cp == '%' || cp == 0x066A) return j + (size_t)l;
    if (cp < 0x80 ? isalpha((int)cp) : kh__cp_class(cp) == KH__CL_OTHER) *latin = 1;
  }
  return j;
}

static size_t scan_latin(const char *s, size_t n, size_t i) {
  size_t j = i;
  int l;
  while (j < n) {
    uint32_t cp = peek(s, n, j, &l);
    int cls = cp < 0x80 ? 0 : kh__cp_class(cp);
    if (!is_latin_alnum(cp, cls) && !(cp >= 0x80 && cls == KH__CL_MARK)) break;
    j += (size_t)l;
  }
  return j;
}

static size_t scan_word(const char *s, size_t n, size_t i) {
  size_t j = i;
  int l;
  while (j < n) {
    uint32_t cp = peek(s, n, j, &l);
    int cls = kh__cp_class(cp);
    if (j > i && cp >= 0xFB50 && multiword_pf(cp)) break;
    if (is_arabic_letter(cp, cls) || cls == KH__CL_MARK) {
      j += (size_t)l;
      if (cp >= 0xFB50 && multiword_pf(cp)) break; /* a group of its own */
      continue;
    }
    if (cls == KH__CL_JOIN) {
      /* ZWNJ/ZWJ/tatweel stay in the word only when a letter follows */
      size_t k = j + (size_t)l;
      int l2;
      while (k < n && kh__cp_class(peek(s, n, k, &l2)) == KH__CL_JOIN) k += (size_t)l2;
      if (k < n) {
        uint32_t c2 = peek(s, n, k, &l2);
        if (is_arabic_letter(c2, kh__cp_class(c2))) {
          j = k;
          continue;
        }
      }
      if (cp == 0x0640) { /* trailing tatweel belongs to the word */
        j += (size_t)l;
        continue;
      }
    }
    break;
  }
  return j;
}

static size_t scan_tag(const char *s, size_t n, size_t i) {
  size_t j = i + 1;
  int l;
  while (j < n) {
    uint32_t cp = peek(s, n, j, &l);
    int cls = kh__cp_class(cp);
    if (cp >= 0xFB50 && multiword_pf(cp)) break;
    if (cp == '_' || is_arabic_letter(cp, cls) || cls == KH__CL_MARK || cls == KH__CL_JOIN ||
        cls == KH__CL_DIGIT || is_latin_alnum(cp, cls))
      j += (size_t)l;
    else
      break;
  }
  return j > i + 1 ? j : 0;
}

static int run(tk *t) {
  const char *s = t->s;
  size_t n = t->n, i = 0;
  int rc = 0;
  while (i < n && !rc) {
    int l;
    uint32_t cp = peek(s, n, i, &l);
    int cls = cp < 0x80 ? -1 : kh__cp_class(cp);
    size_t j;
    if (cp < 0x80) {
      if (cp == ' ' || cp == '\n' || cp == '\r' || cp == '\t' || cp < 0x20 || cp == 0x7F) {
        i++;
        continue;
      }
      if (isalnum((int)cp)) {
        if ((j = scan_url(s, n, i)) != 0) {
          rc = simple(t, i, j, KH_TOK_URL, NULL);
          i = j;
          continue;
        }
        if ((j = scan_email(s, n, i)) != 0) {
          rc = simple(t, i, j, KH_TOK_EMAIL, NULL);
          i = j;
          continue;
        }
      }
      if ((cp == '#' || cp == '@') && (j = scan_tag(s, n, i)) != 0) {
        rc = simple(t, i + 1, j, KH_TOK_HASHTAG, cp == '#' ? "#" : "@");
        i = j;
        continue;
      }
      cls = isdigit((int)cp) ? KH__CL_DIGIT : isalpha((int)cp) ? KH__CL_OTHER : KH__CL_PUNCT;
    }
    if (cls == KH__CL_DIGIT) {
      int latin;
      j = scan_number(s, n, i, &latin);
      if (latin) {
        j = scan_latin(s, n, j);
        rc = simple(t, i, j, KH_TOK_LATIN, NULL);
      } else {
        rc = simple(t, i, j, KH_TOK_NUMBER, NULL);
      }
      i = j;
    } else if (is_arabic_letter(cp, cls)) {
      char buf[NBUF];
      uint32_t offs[NBUF];
      size_t m = 0;
      j = word_fast(t, i, buf, offs, &m);
      if (j) {
        rc = word_norm(t, i, j, buf, offs, m);
      } else {
        j = scan_word(s, n, i);
        rc = word(t, i, j);
      }
      i = j;
    } else if (cls == KH__CL_OTHER) {
      j = scan_latin(s, n, i);
      rc = simple(t, i, j, KH_TOK_LATIN, NULL);
      i = j;
    } else if (cls == KH__CL_PUNCT) {
      j = i + (size_t)l;
      if (cp == '.') /* an ellipsis is one token */
        while (j < n && s[j] == '.') j++;
      if (t->flags & KH_TOKENIZE_PUNCT) rc = simple(t, i, j, KH_TOK_PUNCT, NULL);
      i = j;
    } else {
      i += (size_t)l; /* space, control, stray mark or joiner */
    }
  }
  return rc;
}

/* ---- multiword units (KH_TOKENIZE_MWE): join up to 4 adjacent words ---- */

#define MWE_MAX 4

typedef struct mwe_q {
  kh_token tok[MWE_MAX];
  char norm[MWE_MAX][KH_MAX_TOKEN + 1];
  int n;
  const char *text;
  kh_token_cb cb;
  void *ctx;
} mwe_q;

static int only_spaces(const char *s, size_t a, size_t b) {
  if (b < a) return 0; /* parts of one split word */
  for (size_t i = a; i < b; i++)
    if (s[i] != ' ') return 0;
  return 1;
}

static void q_pop(mwe_q *q, int k) {
  for (int i = k; i < q->n; i++) {
    q->tok[i - k] = q->tok[i];
    memcpy(q->norm[i - k], q->norm[i], q->tok[i].norm_len);
    q->tok[i - k].norm = q->norm[i - k];
  }
  q->n -= k;
}

/* Emit the head of the queue: the longest multiword unit it starts, or itself. */
static int q_emit_head(mwe_q *q) {
  char buf[MWE_MAX * (KH_MAX_TOKEN + 1)];
  int best = 1;
  size_t bestlen = 0;
  if (q->tok[0].kind == KH_TOK_WORD && kh__mwe_first(q->tok[0].norm, q->tok[0].norm_len)) {
    size_t len = 0;
    for (int k = 0; k < q->n && q->tok[k].kind == KH_TOK_WORD; k++) {
      if (k && !only_spaces(q->text, q->tok[k - 1].end, q->tok[k].start)) break;
      if (k) buf[len++] = ' ';
      memcpy(buf + len, q->tok[k].norm, q->tok[k].norm_len);
      len += q->tok[k].norm_len;
      if (k && len <= KH_MAX_TOKEN && kh__mwe_find(buf, len)) {
        best = k + 1;
        bestlen = len;
      }
    }
  }
  int rc;
  if (best > 1) {
    kh_token j = q->tok[0];
    j.norm = buf;
    j.norm_len = (uint32_t)bestlen;
    j.end = q->tok[best - 1].end;
    j.flags = 0;
    rc = q->cb(q->ctx, &j);
  } else {
    rc = q->cb(q->ctx, &q->tok[0]);
  }
  q_pop(q, best);
  return rc;
}

static int mwe_cb(void *ctx, const kh_token *t) {
  mwe_q *q = ctx;
  q->tok[q->n] = *t;
  memcpy(q->norm[q->n], t->norm, t->norm_len);
  q->tok[q->n].norm = q->norm[q->n];
  q->n++;
  while (q->n > 0) {
    /* wait while the head may still start a longer unit */
    int last_word = q->tok[q->n - 1].kind == KH_TOK_WORD;
    if (q->n < MWE_MAX && last_word && q->tok[0].kind == KH_TOK_WORD &&
        kh__mwe_first(q->tok[0].norm, q->tok[0].norm_len))
      return 0;
    int rc = q_emit_head(q);
    if (rc) return rc;
  }
  return 0;
}

const char *kh_tok_kind_name(int kind) {
  static const char *const names[] = {"?", "word", "latin", "number", "url", "email", "hashtag", "punct"};
  return kind >= 1 && kind <= 7 ? names[kind] : "?";
}

int kh_tokenize(const char *text, size_t len, unsigned flags, kh_token_cb cb, void *ctx) {
  if ((!text && len) || !cb) return KH_EINVAL;
  if (len > KH_MAX_TEXT) return KH_ETOOBIG;
  tk t = {text, len, flags, cb, ctx};
  if (!(flags & KH_TOKENIZE_MWE)) return run(&t);
  mwe_q *q = kh__malloc(sizeof *q);
  if (!q) return KH_ENOMEM;
  q->n = 0;
  q->text = text;
  q->cb = cb;
  q->ctx = ctx;
  t.cb = mwe_cb;
  t.ctx = q;
  int rc = run(&t);
  while (!rc && q->n > 0) rc = q_emit_head(q);
  kh_free(q);
  return rc;
}
