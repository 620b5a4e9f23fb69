/*
** sentences.c — sentence splitting for Urdu news text (kh_sentences).
**
** One pass over the bytes, no allocation, no tables loaded at run time.
** A sentence ends at a run of stops (۔ ؟ ! . ? … and the like) that the
** rules below accept, at a blank line (always), and at a single line break
** unless the line is plainly wrapped.  Each span is reported as byte
** offsets [start, end) into the ORIGINAL text, trimmed of whitespace
** (ASCII, NBSP, bidi marks, zero-width spaces, BOM).
**
**   "کراچی (اے پی پی) وزیر اعظم نے کہا کہ شرح 3.5 فیصد ہے۔ہم نے سنا۔"
**   -> "کراچی (اے پی پی)" | "وزیر اعظم نے کہا کہ شرح 3.5 فیصد ہے۔" | "ہم نے سنا۔"
**
** Rules, in the order they are tried at a run of stops:
**   - digits on both sides (3.5, 7۔8, 25۔2024): not a boundary;
**   - '.' or '?' inside a Latin token (bbc.com, U.S, x.com/a?b): not one;
**   - Latin abbreviations (Dr. Mr. U.S. single initials "A. R."), Urdu
**     letter-name chains (ایس. ایم. ظفر، آئی ۔ کے ۔ ایف، ایف۔4) and Urdu
**     titles (ڈاکٹر. پروفیسر.): not one;
**   - a number alone before the dot (list marker "39 . ان"): not one;
**   - ellipses (... …) end a sentence unless inside an open quote, glued
**     to the next word, or followed by a continuation word (اور، لیکن، کہ…);
**     ۔۔ and ۔۔۔ end one unless a continuation word follows;
**   - a comma after ! ? ؟ . means the sentence goes on (کیا آپ نے ووٹ دیا ہے؟، …);
**     after ۔ it does not (the comma joins the sentence: پہنچے۔،پولیس);
**   - otherwise a boundary, also without a space after it (ہے۔ہم).
** A credit "(@handle)" of an embedded post also ends a sentence when Urdu
** text follows it without a stop.
** After a boundary the closing quotes and brackets that follow the stop
** (”’"') ] and a footnote *) belong to the sentence; a quote glued to the
** next word is an opening quote unless an unclosed quote is pending in the
** paragraph.  Stray stops after a stop ("ہیں . ؟", "آرہے ؟ ‘‘۔") join it.
** At the start of a paragraph a byline (کراچی، آستانہ (نیوز ڈیسک، اے ایف پی)
** or ڈھاکہ ۔ یکم دسمبر (اے پی پی) or "ممبئی:" / "لاہور -") is its own span.
**
** Broken UTF-8 is read byte by byte; it never reads out of bounds.
*/
#include "../core/core.h"

/* ---- character classes ------------------------------------------------ */

/* Bytes at which the scan loop must look closer.  ۔ (DB 94) and ؟ (D8 9F)
** are found by their second byte, so the many Urdu letters led by D8/DB
** are skipped at table speed. */
static const unsigned char k_interest[256] = {
    ['\n'] = 1, ['.'] = 1, ['!'] = 1, ['?'] = 1, ['"'] = 1, [')'] = 1,
    [0x94] = 1, [0x9F] = 1, [0xE2] = 1, [0xEF] = 1,
};

static int is_digit_cp(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0x0660 && c <= 0x0669) ||
         (c >= 0x06F0 && c <= 0x06F9);
}

static int is_ascii_alnum(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Letters (and combining marks) of the scripts news text uses. */
static int is_letter_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
  if (c >= 0x0620 && c <= 0x065F) return 1;
  if (c >= 0x066E && c <= 0x06D3) return 1;
  if (c == 0x06D5 || (c >= 0x06D6 && c <= 0x06ED) || (c >= 0x06FA && c <= 0x06FF)) return 1;
  if (c >= 0x0750 && c <= 0x077F) return 1;
  if (c >= 0x08A0 && c <= 0x08FF) return 1;
  if (c >= 0xFB50 && c <= 0xFDFF) return 1;
  if (c >= 0xFE70 && c <= 0xFEFC) return 1;
  if (c >= 0x0900 && c <= 0x0DFF) return 1; /* Indic scripts */
  return 0;
}

static int is_alnum_cp(uint32_t c) { return is_letter_cp(c) || is_digit_cp(c); }

/* Decode at i (i < n). */
static uint32_t cp_at(const char *t, size_t n, size_t i, int *len) {
  uint32_t c;
  int l = kh_utf8_decode(t + i, n - i, &c);
  if (len) *len = l;
  return c;
}

/* Decode the code point that ends just before i (i > 0); *start gets its
** first byte.  A broken sequence yields U+FFFD for its last byte. */
static uint32_t cp_before(const char *t, size_t i, size_t *start) {
  size_t j = i - 1;
  int k = 0;
  while (j > 0 && k < 3 && ((unsigned char)t[j] & 0xC0) == 0x80) {
    j--;
    k++;
  }
  uint32_t c;
  int l = kh_utf8_decode(t + j, i - j, &c);
  if ((size_t)l != i - j) {
    *start = i - 1;
    return 0xFFFD;
  }
  *start = j;
  return c;
}

/* Length of a horizontal whitespace character at i (not '\n'), else 0:
** space, tab, CR, VT, FF, NBSP, U+2000-200F (incl. ZWSP, ZWNJ, ZWJ,
** LRM, RLM), U+2028, U+202A-202F, U+205F-2060, U+3000, BOM. */
static size_t hws_len(const char *t, size_t n, size_t i) {
  unsigned char c = (unsigned char)t[i];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') return 1;
  if (c == 0xC2 && i + 1 < n && (unsigned char)t[i + 1] == 0xA0) return 2;
  if (c == 0xE2 && i + 2 < n) {
    unsigned char b = (unsigned char)t[i + 1], d = (unsigned char)t[i + 2];
    if (b == 0x80 && (d <= 0x8F || d == 0xA8 || (d >= 0xAA && d <= 0xAF))) return 3;
    if (b == 0x81 && (d == 0x9F || d == 0xA0)) return 3;
  }
  if (c == 0xE3 && i + 2 < n && (unsigned char)t[i + 1] == 0x80 && (unsigned char)t[i + 2] == 0x80)
    return 3;
  if (c == 0xEF && i + 2 < n && (unsigned char)t[i + 1] == 0xBB && (unsigned char)t[i + 2] == 0xBF)
    return 3;
  return 0;
}

/* Length of any whitespace (horizontal or '\n') at i, else 0. */
static size_t ws_len(const char *t, size_t n, size_t i) {
  return t[i] == '\n' ? 1 : hws_len(t, n, i);
}

/* Length of whitespace ending just before i, else 0. */
static size_t ws_len_before(const char *t, size_t n, size_t i) {
  if (i == 0) return 0;
  unsigned char c = (unsigned char)t[i - 1];
  if (c < 0x80) return (c == '\n' || hws_len(t, n, i - 1)) ? 1 : 0;
  if (i >= 2 && hws_len(t, n, i - 2) == 2) return 2;
  if (i >= 3 && hws_len(t, n, i - 3) == 3) return 3;
  return 0;
}

static size_t skip_hws(const char *t, size_t n, size_t i) {
  size_t k;
  while (i < n && (k = hws_len(t, n, i)) > 0) i += k;
  return i;
}

static size_t skip_ws(const char *t, size_t n, size_t i) {
  size_t k;
  while (i < n && (k = ws_len(t, n, i)) > 0) i += k;
  return i;
}

enum { ST_DOT = 1, ST_URDU, ST_STRONG, ST_ELLIPSIS, ST_UELLIPSIS /* ۔۔۔ */ };

/* Length of a sentence stop at i and its kind, else 0. */
static size_t stop_len(const char *t, size_t n, size_t i, int *kind) {
  unsigned char c = (unsigned char)t[i];
  if (c == '.') { *kind = ST_DOT; return 1; }
  if (c == '!' || c == '?') { *kind = ST_STRONG; return 1; }
  if (i + 1 < n) {
    unsigned char d = (unsigned char)t[i + 1];
    if (c == 0xDB && d == 0x94) { *kind = ST_URDU; return 2; }   /* ۔ */
    if (c == 0xD8 && d == 0x9F) { *kind = ST_STRONG; return 2; } /* ؟ */
  }
  if (i + 2 < n) {
    unsigned char d = (unsigned char)t[i + 1], e = (unsigned char)t[i + 2];
    if (c == 0xE2 && d == 0x80 && e == 0xA6) { *kind = ST_ELLIPSIS; return 3; } /* … */
    if (c == 0xE2 && d == 0x80 && e == 0xBC) { *kind = ST_STRONG; return 3; }   /* ‼ */
    if (c == 0xE2 && d == 0x81 && e >= 0x87 && e <= 0x89) { *kind = ST_STRONG; return 3; }
    if (c == 0xEF && d == 0xBC && (e == 0x81 || e == 0x9F)) { *kind = ST_STRONG; return 3; }
  }
  return 0;
}

/* Length of a quote mark at i, else 0; *dbl is set for double quotes
** (" “ ” « » and the doubled ‘‘ ’’ that Urdu papers print). */
static size_t quote_len(const char *t, size_t n, size_t i, int *dbl) {
  unsigned char c = (unsigned char)t[i];
  if (c == '"') { *dbl = 1; return 1; }
  if (c == '\'') { *dbl = 0; return 1; }
  if (c == 0xC2 && i + 1 < n && ((unsigned char)t[i + 1] == 0xAB || (unsigned char)t[i + 1] == 0xBB)) {
    *dbl = 1;
    return 2;
  }
  if (c == 0xE2 && i + 2 < n && (unsigned char)t[i + 1] == 0x80) {
    unsigned char e = (unsigned char)t[i + 2];
    if (e == 0x9C || e == 0x9D || e == 0x9E) { *dbl = 1; return 3; }
    if (e == 0x98 || e == 0x99) {
      if (i + 5 < n && (unsigned char)t[i + 3] == 0xE2 && (unsigned char)t[i + 4] == 0x80 &&
          ((unsigned char)t[i + 5] == 0x98 || (unsigned char)t[i + 5] == 0x99)) {
        *dbl = 1;
        return 6;
      }
      *dbl = 0;
      return 3;
    }
    if (e == 0xB9 || e == 0xBA) { *dbl = 0; return 3; } /* ‹ › */
  }
  return 0;
}

/* Length of a closing bracket at i, else 0: ) ] } and ﴿ (U+FD3F). */
static size_t closer_len(const char *t, size_t n, size_t i) {
  unsigned char c = (unsigned char)t[i];
  if (c == ')' || c == ']' || c == '}') return 1;
  if (c == 0xEF && i + 2 < n && (unsigned char)t[i + 1] == 0xB4 && (unsigned char)t[i + 2] == 0xBF)
    return 3;
  return 0;
}

/* Soft punctuation after which a sentence goes on: ، , ؛ ; : */
static size_t comma_len(const char *t, size_t n, size_t i) {
  unsigned char c = (unsigned char)t[i];
  if (c == ',' || c == ';' || c == ':') return 1;
  if (c == 0xD8 && i + 1 < n && ((unsigned char)t[i + 1] == 0x8C || (unsigned char)t[i + 1] == 0x9B))
    return 2;
  return 0;
}

/* ---- word lists --------------------------------------------------------- */

/* Is [s, s+n) one of the words in the NULL-terminated list? */
static int in_list(const char *s, size_t n, const char *const *list) {
  for (; *list; list++)
    if (strlen(*list) == n && memcmp(*list, s, n) == 0) return 1;
  return 0;
}

/* Names of Latin letters as Urdu writes them: the parts of abbreviations
** such as ایس. ایم. or آئی ۔ کے ۔ ایف. */
static const char *const k_letter_names[] = {
    "اے", "بی", "سی", "ڈی", "ای", "ایف", "جی", "ایچ", "آئی", "جے", "کے", "ایل", "ایم",
    "این", "او", "پی", "کیو", "آر", "ایس", "ٹی", "یو", "وی", "ڈبلیو", "ایکس", "وائی",
    "زیڈ", "زیڈی", NULL};

/* Titles that precede a name; a dot after them is an abbreviation dot
** (Urdu is verb-final, so a sentence does not end on a title). */
static const char *const k_titles[] = {
    "ڈاکٹر", "ڈا", "پروفیسر", "پروف", "مسٹر", "مسز", "محترمہ", "حضرت", "مولانا",
    "مفتی", "علامہ", "سید", "جنرل", "لیفٹیننٹ", "کرنل", "میجر", "کیپٹن", "بریگیڈیئر",
    "ایڈمرل", "انجینئر", "جسٹس", "سینیٹر", NULL};

/* Latin abbreviations that take a dot inside a sentence. */
static const char *const k_latin_abbr[] = {
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Gen", "Lt", "Col", "Capt", "Maj",
    "Sgt", "Gov", "Sen", "Rep", "Hon", "Rev", "Mt", "No", "Nos", "vs", "Inc", "Ltd", "Co",
    "Corp", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov",
    "Dec", "Fig", "Vol", "pp", "Rs", "Mst", "Messrs", "approx", "Dept", "Univ", "Ave", NULL};

/* Words a sentence cannot start with: postpositions, auxiliaries. */
static const char *const k_particles[] = {
    "نے", "کے", "کی", "کا", "کو", "سے", "پر", "تک", "ہے", "ہیں", "تھا", "تھی", "تھے",
    "گا", "گی", "گے", "والی", "والا", "والے", NULL};

/* Words that carry a sentence on after an ellipsis. */
static const char *const k_continuations[] = {
    "اور", "لیکن", "مگر", "کہ", "بلکہ", "جبکہ", "یا", "تاکہ", "کیونکہ", "نے", "کے", "کی",
    "کا", "کو", "سے", "میں", "پر", "تک", "ہے", "ہیں", NULL};

/* Byline parentheses name an agency or a desk: (اے پی پی)، (نیوز ڈیسک، اے ایف پی)،
** (وقت نیوز)، (نامہ نگار)، (سٹاف رپورٹر) … */
static const char *const k_agency[] = {
    "اے پی پی", "اے ایف پی", "آئی این پی", "آئی اےن پی", "این این آئی", "پی پی آئی",
    "کے پی آئی", "اے این این", "یو این این", "ڈیسک", "نیوز", "رپورٹ", "نگار", "نمائندہ",
    "نمائندگان", "آن لائن", "ثناء", "بی بی سی", "رائٹرز", "رائٹر", "ایجنسی", "ایجنسیاں",
    "ایجنسیز", "مانیٹرنگ", "مانئیٹرنگ", "ایکسپریس", "شنہوا", "ژنہوا", "اے پی", "وی او اے",
    "APP", "AFP", "Reuters", "AP", "INP", "NNI", NULL};

static int contains(const char *s, size_t n, const char *w) {
  size_t m = strlen(w);
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(s + i, w, m) == 0) return 1;
  return 0;
}

/* ---- word helpers ------------------------------------------------------- */

/* Words longer than this (bytes) are never looked up, so a long run of
** letters costs one bounded scan per stop, not one per byte. */
#define KH__MAX_WORD 48

/* The word that ends at or before i (spaces before i are skipped):
** letters, digits, marks and in-word dots up to the previous space or
** punctuation.  Returns its length, start in *ws; 0 if none. */
static size_t word_before(const char *t, size_t n, size_t i, size_t *ws) {
  size_t k;
  while (i > 0 && (k = ws_len_before(t, n, i)) > 0) i -= k;
  size_t end = i, st;
  while (i > 0 && end - i < KH__MAX_WORD) {
    uint32_t c = cp_before(t, i, &st);
    if (is_alnum_cp(c) || c == 0x200C || c == 0x200D ||
        (c == '.' && st > 0 && is_ascii_alnum((unsigned char)t[st - 1]) && end > i))
      i = st;
    else
      break;
  }
  *ws = i;
  return end - i;
}

/* The word that starts at or after i (horizontal spaces skipped). */
static size_t word_after(const char *t, size_t n, size_t i, size_t *ws) {
  i = skip_hws(t, n, i);
  *ws = i;
  size_t st = i;
  while (i < n && i - st < KH__MAX_WORD) {
    int l;
    uint32_t c = cp_at(t, n, i, &l);
    if (!(is_alnum_cp(c) || c == 0x200C || c == 0x200D)) break;
    i += (size_t)l;
  }
  return i - st;
}

static int is_stop_at(const char *t, size_t n, size_t i) {
  int k;
  return i < n && stop_len(t, n, i, &k) > 0 && (k == ST_DOT || k == ST_URDU);
}

static int is_dot_before(const char *t, size_t n, size_t i, size_t *dot) {
  size_t k;
  while (i > 0 && (k = ws_len_before(t, n, i)) > 0) i -= k;
  if (i >= 1 && t[i - 1] == '.') { *dot = i - 1; return 1; }
  if (i >= 2 && (unsigned char)t[i - 2] == 0xDB && (unsigned char)t[i - 1] == 0x94) {
    *dot = i - 2;
    return 1;
  }
  return 0;
}

/* A Latin abbreviation: a listed word, a single letter (an initial), or a
** word with dots inside (U.S, e.g). */
static int latin_abbr(const char *w, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (!(is_ascii_alnum((unsigned char)w[i]) || w[i] == '.')) return 0;
  if (n == 1) return (w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z');
  if (memchr(w, '.', n)) return 1;
  return in_list(w, n, k_latin_abbr);
}

/* ---- the splitter ------------------------------------------------------- */

typedef struct split {
  const char *t;
  size_t n;
  kh_span_cb cb;
  void *ctx;
  int quote;  /* parity of double quotes seen in this paragraph */
  int squote; /* parity of double quotes in the current sentence */
} split;

/* Report [a, b) trimmed; nothing if it is empty. */
static int emit(split *S, size_t a, size_t b) {
  size_t k;
  while (a < b && (k = ws_len(S->t, b, a)) > 0) a += k;
  while (b > a && (k = ws_len_before(S->t, S->n, b)) > 0) b -= k;
  if (b <= a) return 0;
  return S->cb(S->ctx, a, b);
}

/* Only digits (and spaces) in [a, b): a list number such as "39 ." */
static int only_number(const char *t, size_t n, size_t a, size_t b) {
  int digits = 0;
  while (a < b) {
    int l;
    uint32_t c = cp_at(t, n, a, &l);
    if (is_digit_cp(c)) {
      if (++digits > 3) return 0;
    } else if (!ws_len(t, n, a)) {
      return 0;
    }
    a += (size_t)l;
  }
  return digits > 0 && digits <= 3;
}

/* Is the dot/۔ run [a, e) part of an abbreviation chain or a title? */
static int abbreviation(split *S, size_t a, size_t e, int latin_dot) {
  const char *t = S->t;
  size_t n = S->n, ws, ns;
  size_t wl = word_before(t, n, a, &ws);
  if (wl == 0) return 0;
  if (latin_dot && latin_abbr(t + ws, wl)) return 1;
  size_t nl = word_after(t, n, e, &ns);
  if (in_list(t + ws, wl, k_letter_names)) {
    if (e < n) {
      uint32_t c = cp_at(t, n, e, NULL);
      if (is_digit_cp(c)) return 1; /* ایف۔4 */
    }
    if (nl && in_list(t + ns, nl, k_letter_names) && is_stop_at(t, n, skip_hws(t, n, ns + nl)))
      return 1; /* ایس. ایم. */
    size_t dot;
    if (is_dot_before(t, n, ws, &dot)) {
      size_t pws;
      size_t pl = word_before(t, n, dot, &pws);
      if (pl && in_list(t + pws, pl, k_letter_names)) return 1; /* the chain's last dot */
    }
    return 0;
  }
  if (in_list(t + ws, wl, k_titles) && nl > 0 && ns == skip_hws(t, n, e)) return 1;
  return 0;
}

/* Decide whether the run of stops [a, e) of the given kind ends the
** sentence that started at s. */
static int is_boundary(split *S, size_t s, size_t a, size_t e, int kind) {
  const char *t = S->t;
  size_t n = S->n, pst;
  uint32_t pc = a > 0 ? cp_before(t, a, &pst) : 0;
  uint32_t nc = e < n ? cp_at(t, n, e, NULL) : 0;
  size_t j = skip_hws(t, n, e);
  uint32_t nn = j < n ? cp_at(t, n, j, NULL) : 0; /* next non-space */
  if (j < n && comma_len(t, n, j) && kind != ST_URDU && kind != ST_UELLIPSIS)
    return 0; /* واہ!، … */
  if (kind == ST_UELLIPSIS) { /* ۔۔ ۔۔۔: a stop unless the sentence plainly goes on */
    if (is_alnum_cp(nc)) return 1;
    size_t ql;
    int dbl;
    if (e < n && (ql = quote_len(t, n, e, &dbl)) > 0) return 1;
    size_t ws, wl = word_after(t, n, e, &ws);
    if (wl && in_list(t + ws, wl, k_continuations)) return 0;
    return 1;
  }
  if (kind == ST_ELLIPSIS) {
    if (is_alnum_cp(nc)) return 0; /* glued: میٹرو…ان */
    size_t ql;
    int dbl;
    if (e < n && (ql = quote_len(t, n, e, &dbl)) > 0) return 1; /* ..." closes a quote */
    if (S->quote) return 0;                                      /* pause inside a quote */
    if (nn >= 'a' && nn <= 'z') return 0;
    size_t ws, wl = word_after(t, n, e, &ws);
    if (wl && in_list(t + ws, wl, k_continuations)) return 0;
    return 1;
  }
  if (kind == ST_STRONG) {
    if (is_ascii_alnum(pc) && is_ascii_alnum(nc) && t[a] == '?') return 0; /* a?b=c */
    if ((t[e - 1] == '!' || t[e - 1] == '?') && is_alnum_cp(nc)) return 0;  /* !glued */
    if (nn >= 'a' && nn <= 'z' && j > e) return 0;
    return 1;
  }
  /* a single . or ۔ */
  if (is_digit_cp(pc) && is_digit_cp(nc)) return 0;               /* 3.5 7۔8 */
  if (kind == ST_DOT && is_ascii_alnum(pc) && is_ascii_alnum(nc)) return 0; /* bbc.com */
  if (only_number(t, n, s, a)) return 0;                         /* "39 . " */
  if (abbreviation(S, a, e, kind == ST_DOT)) return 0;
  if (kind == ST_DOT && nn >= 'a' && nn <= 'z') return 0;
  return 1;
}

/* Take the closing quotes and brackets after a stop into the sentence. */
static size_t absorb_closers(split *S, size_t e) {
  const char *t = S->t;
  size_t n = S->n, k;
  for (;;) {
    if (e >= n) return e;
    if ((k = closer_len(t, n, e)) > 0) {
      e += k;
      continue;
    }
    if (t[e] == '*' && (e + 1 >= n || ws_len(t, n, e + 1))) { /* a footnote mark: ہوگا۔"* */
      e++;
      continue;
    }
    int dbl = 0;
    size_t ql = quote_len(t, n, e, &dbl);
    if (ql) {
      size_t f = e + ql;
      int kind;
      int ends = f >= n || ws_len(t, n, f) || closer_len(t, n, f) || stop_len(t, n, f, &kind) ||
                 comma_len(t, n, f);
      int dq;
      if (!ends && quote_len(t, n, f, &dq)) ends = 1;
      if (ends || (dbl && S->quote)) {
        if (dbl) S->quote ^= 1, S->squote ^= 1;
        e = f;
        continue;
      }
      return e;
    }
    /* a spaced closing quote while this sentence has a quote open:
    ** "“ بات سمجھ میں نہیں آتی ! “" */
    size_t j = skip_hws(t, n, e);
    if (j > e && j < n && S->squote && (ql = quote_len(t, n, j, &dbl)) > 0 && dbl) {
      size_t f = j + ql;
      if (f >= n || ws_len(t, n, f)) {
        S->quote ^= 1;
        S->squote = 0;
        e = f;
        continue;
      }
    }
    return e;
  }
}

/* After a boundary at e, more stops on the same line with nothing but
** spaces (and closing quotes) before them belong to the same sentence:
** "ہیں . ؟", "آرہے ؟ ‘‘۔", "کردیئے۔ ۔46.88".  A comma glued to a ۔ goes
** with it too ("پہنچے۔،پولیس"). */
static size_t absorb_trailing(split *S, size_t e) {
  const char *t = S->t;
  size_t n = S->n, l;
  for (;;) {
    if (e >= 2 && (unsigned char)t[e - 2] == 0xDB && (unsigned char)t[e - 1] == 0x94 && e < n &&
        (l = comma_len(t, n, e)) > 0 && t[e] != ':') {
      e += l;
      continue;
    }
    size_t j = skip_hws(t, n, e), k = j;
    int kind, dbl;
    while (k < n && (l = quote_len(t, n, k, &dbl)) > 0) k += l;
    size_t q = k;
    while (k < n && (l = stop_len(t, n, k, &kind)) > 0) k += l;
    if (k == q) return e;                                  /* no stop */
    if (k < n && !ws_len(t, n, k) && !closer_len(t, n, k) && !quote_len(t, n, k, &dbl) &&
        !((unsigned char)t[k - 1] == 0x94 && (unsigned char)t[k - 2] == 0xDB))
      return e; /* glued to a word: "۔ !لگتا" is not a stop; "۔ ۔46.88", "لیا۔ ۔پختونخوا" are */
    for (size_t m = j; m < q; m += quote_len(t, n, m, &dbl))
      if (dbl) S->quote ^= 1;
    e = absorb_closers(S, k);
  }
}

/* Is the word [w, w+l) a particle (a sentence cannot start with it)? */
static int particle(const char *t, size_t w, size_t l) { return l && in_list(t + w, l, k_particles); }

/* A byline at the start of a paragraph (p at its first non-space byte):
** up to five words of place and date, then an agency in parentheses, or up
** to three words then ':' or a spaced dash.  Returns its end or 0. */
static size_t byline(split *S, size_t p) {
  const char *t = S->t;
  size_t n = S->n, i = p, lim = p + 200;
  int words = 0;
  if (lim > n) lim = n;
  while (i < lim) {
    int l;
    uint32_t c = cp_at(t, n, i, &l);
    if (is_alnum_cp(c)) {
      size_t w = i;
      while (i < lim) {
        c = cp_at(t, n, i, &l);
        if (!(is_alnum_cp(c) || c == 0x200C || c == 0x200D)) break;
        i += (size_t)l;
      }
      if (particle(t, w, i - w)) return 0;
      if (++words > 5) return 0;
      continue;
    }
    if (c == '(' && words > 0) {
      size_t q = i + 1, close = 0;
      while (q < lim && q < i + 120) {
        int kind;
        if (t[q] == ')') { close = q; break; }
        if (t[q] == '\n' || t[q] == '(' || (stop_len(t, n, q, &kind) && kind != ST_DOT)) return 0;
        q++;
      }
      if (!close) return 0;
      int agency = 0;
      for (const char *const *k = k_agency; *k && !agency; k++)
        agency = contains(t + i + 1, close - i - 1, *k);
      if (!agency) return 0;
      size_t end = close + 1, j = skip_hws(t, n, end);
      /* "(اے پی پی) -" or ":" after the parenthesis belongs to the byline */
      if (j < n && (t[j] == '-' || t[j] == ':')) end = j + 1;
      else if (j + 2 < n && (unsigned char)t[j] == 0xE2 && (unsigned char)t[j + 1] == 0x80 &&
               ((unsigned char)t[j + 2] == 0x93 || (unsigned char)t[j + 2] == 0x94))
        end = j + 3;
      size_t ws, wl = word_after(t, n, end, &ws);
      if (wl == 0) {
        int dbl;
        if (ws < n && quote_len(t, n, ws, &dbl)) return end;
        return 0;
      }
      if (particle(t, ws, wl)) return 0;
      return end;
    }
    if (words > 0 && words <= 3 && (c == ':' || c == '-' || c == 0x2013 || c == 0x2014)) {
      size_t end = i + (size_t)l;
      if (c == '-' && !(i > p && ws_len_before(t, n, i))) return 0; /* 2024-25 */
      if (end >= n || !hws_len(t, n, end)) return 0;
      size_t ws, wl = word_after(t, n, end, &ws);
      if (wl == 0 || particle(t, ws, wl)) return 0;
      return end;
    }
    size_t k;
    if ((k = hws_len(t, n, i)) > 0) { i += k; continue; }
    if ((k = comma_len(t, n, i)) > 0 && c != ':' && c != ';') { i += k; continue; }
    if (c == 0x06D4 || c == '/' ) { i += (size_t)l; continue; } /* ڈھاکہ ۔ یکم دسمبر */
    return 0;
  }
  return 0;
}

/* Does the ')' at i close an embed credit "(@handle)" (Instagram, X) that
** runs into the next Urdu sentence with no stop?  "A post shared by X
** (@x) یاد رہے کہ…" */
static int embed_end(split *S, size_t i) {
  const char *t = S->t;
  size_t n = S->n, k = i;
  while (k > 0 && i - k < 64) {
    unsigned char c = (unsigned char)t[k - 1];
    if (!(is_ascii_alnum(c) || c == '.' || c == '_')) break;
    k--;
  }
  if (k == i || k < 2 || t[k - 1] != '@' || t[k - 2] != '(') return 0;
  size_t j = skip_hws(t, n, i + 1);
  if (j >= n || j == i + 1) return 0;
  uint32_t c = cp_at(t, n, j, NULL);
  return c >= 0x0600 && is_letter_cp(c);
}

/* At a line break at i: does the sentence go on over it? Only when the
** line is plainly wrapped: it ends with a comma, or the next line starts
** with a particle or a lowercase Latin letter. */
static int line_continues(split *S, size_t i) {
  const char *t = S->t;
  size_t n = S->n, j = i, k;
  while (j > 0 && (k = ws_len_before(t, n, j)) > 0 && t[j - 1] != '\n') j -= k;
  if (j > 0 && (t[j - 1] == ',' || (j >= 2 && (unsigned char)t[j - 2] == 0xD8 &&
                                    (unsigned char)t[j - 1] == 0x8C)))
    return 1;
  size_t ws, wl = word_after(t, n, i + 1, &ws);
  if (wl && ((unsigned char)t[ws] >= 'a' && (unsigned char)t[ws] <= 'z')) return 1;
  return wl && particle(t, ws, wl);
}

int kh_sentences(const char *text, size_t len, kh_span_cb cb, void *ctx) {
  if ((!text && len) || !cb) return KH_EINVAL;
  if (len > KH_MAX_TEXT) return KH_ETOOBIG;
  split S = {text, len, cb, ctx, 0, 0};
  const char *t = text;
  size_t n = len, s = 0, i = 0;
  int para = 1, rc;
  while (i < n) {
    if (para) {
      size_t p = skip_ws(t, n, i);
      if (p >= n) break;
      size_t b = byline(&S, p);
      if (b) {
        if ((rc = emit(&S, p, b)) != 0) return rc;
        s = b;
        i = b;
      } else {
        i = p;
      }
      para = 0;
      continue;
    }
    unsigned char c = (unsigned char)t[i];
    if (!k_interest[c]) {
      i++;
      continue;
    }
    if (c == '\n') {
      size_t j = skip_hws(t, n, i + 1);
      int blank = j >= n || t[j] == '\n';
      if (blank || !line_continues(&S, i)) {
        if ((rc = emit(&S, s, i)) != 0) return rc;
        s = i + 1;
        para = 1;
        S.quote = S.squote = 0;
      }
      i++;
      continue;
    }
    if (c == ')') {
      if (embed_end(&S, i)) {
        if ((rc = emit(&S, s, i + 1)) != 0) return rc;
        s = i + 1;
        S.squote = 0;
      }
      i++;
      continue;
    }
    int dbl;
    size_t ql = quote_len(t, n, i, &dbl);
    if (ql && (c == '"' || c == 0xE2)) {
      if (dbl) S.quote ^= 1, S.squote ^= 1;
      i += ql;
      continue;
    }
    size_t a = i;
    if (c == 0x94 || c == 0x9F) { /* the second byte of ۔ (DB 94) or ؟ (D8 9F)? */
      unsigned char lead = c == 0x94 ? 0xDB : 0xD8;
      if (i == 0 || (unsigned char)t[i - 1] != lead) {
        i++;
        continue;
      }
      a = i - 1;
    }
    int kind, k2;
    size_t l = stop_len(t, n, a, &kind);
    if (!l) {
      i++;
      continue;
    }
    /* the whole run of stops: "؟!" "..." "۔۔۔" */
    size_t e = a + l, ndots = kind == ST_DOT, nurdu = kind == ST_URDU, m;
    int strong = kind == ST_STRONG, ell = kind == ST_ELLIPSIS;
    while (e < n && (m = stop_len(t, n, e, &k2)) > 0) {
      if (k2 == ST_STRONG) strong = 1;
      else if (k2 == ST_ELLIPSIS) ell = 1;
      else if (k2 == ST_DOT) ndots++;
      else nurdu++;
      e += m;
    }
    if (strong) kind = ST_STRONG;
    else if ((ell || ndots > 1) && !nurdu) kind = ST_ELLIPSIS;
    else if (nurdu > 1 && !ndots && !ell) kind = ST_UELLIPSIS;
    else if (nurdu) kind = ST_URDU;
    if (is_boundary(&S, s, a, e, kind)) {
      e = absorb_closers(&S, e);
      e = absorb_trailing(&S, e);
      if ((rc = emit(&S, s, e)) != 0) return rc;
      s = e;
      S.squote = 0;
    }
    i = e;
  }
  if (s < n && (rc = emit(&S, s, n)) != 0) return rc;
  return 0;
}
