/*
** romanize.c — Urdu to readable Latin (kh_romanize) and consonant-skeleton
** keys for names (kh_skeleton).
**
**   kh_romanize("پاکستان کا دارالحکومت اسلام آباد ہے") -> "pakistan ka darulhkomt islamabad hai"
**   kh_skeleton("پیوٹن") == kh_skeleton("پوٹن") == kh_skeleton("پوتن") == "ptn"
**   kh_skeleton("Putin") == "ptn"
**
** Both normalize first (kh_normalize), so Arabic letters, diacritics and
** decomposed hamza give the same result.  The rules are data: the rows of
** src/text/roman_rules.tsv, compiled by tools/gen_roman.py into roman_tab.h
** (letter table by code point, punctuation, and a word/phrase table that
** also holds CLDR place names whose English spelling is a spelling of the
** Urdu: پاکستان -> pakistan).  What the table cannot say is here:
**   - a letter reads by its place: word-initial, inside, final, or before a
**     vowel letter (ی و become y w: پیا -> piya);
**   - a word that starts with two consonants gets an 'a' after the first
**     (وزیر -> wazir), since Urdu never starts a word with a cluster;
**   - a word-initial ا or ع before ی و ے is a silent carrier, and the ی or و
**     after it a vowel (ایران -> iran, ایوان -> iwan, عید -> id);
**   - a word-final ہ not after ا آ و reads 'a' (کمرہ -> kamra, سمیہ -> samia);
**   - phrases of the word table match across spaces (اسلام آباد).
** The skeleton keeps one class letter per consonant (ٹ=ت=ط -> t, ث=س=ص -> s,
** ذ=ز=ض=ظ -> z, ح=ہ -> h, ں=ن -> n), drops the vowel letters, ھ, hamza and ع
** inside a word (پیوٹن = پوٹن), keeps word-initial ی/و and و before ا as y/v,
** marks a word-initial vowel letter or ع as 'a' and a word-final vowel as
** a (ا ہ ۂ) / i (ی) / e (ے) / o (و), removes spaces, and collapses repeated
** letters.  Latin names get the same classes (ph -> f, sh -> S, kh -> x,
** initial x -> S, inner vowels dropped), so a Latin spelling can find an
** Urdu one (Putin, Xi Jinping).
*/
#include "../core/core.h"

typedef struct kh__roman_letter {
  uint8_t cls;        /* 0 not a letter, 1 consonant, 2 vowel letter, 3 ھ, 4 ں, 5 hamza */
  const char *ini;    /* Latin at the start of a word */
  const char *med;    /* inside a word */
  const char *fin;    /* at the end of a word */
  const char *bv;     /* inside, before a vowel letter */
  const char *sk_ini; /* skeleton class at the start of a word */
  const char *sk_med; /* skeleton class elsewhere */
} kh__roman_letter;

typedef struct kh__roman_pair {
  const char *ur;  /* normalized Urdu */
  const char *lat; /* Latin */
} kh__roman_pair;

#include "roman_tab.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define CL_CONS 1
#define CL_VOWEL 2
#define CL_ASP 3
#define MAX_PHRASE_WORDS 4

/* Letter rule of cp, or NULL if cp is not an Urdu letter of the table. */
static const kh__roman_letter *letter(uint32_t cp) {
  if (cp < 0x0600 || cp > 0x06FF) return NULL;
  const kh__roman_letter *r = &kh__roman_letters[cp - 0x0600];
  return r->cls ? r : NULL;
}

/* Decode the code point at s[i] (i < n); sets *cp, returns its length. */
static size_t dec(const char *s, size_t n, size_t i, uint32_t *cp) {
  return (size_t)kh_utf8_decode(s + i, n - i, cp);
}

/* End of the run of table letters starting at i. */
static size_t word_end(const char *s, size_t n, size_t i) {
  while (i < n) {
    uint32_t cp;
    size_t k = dec(s, n, i, &cp);
    if (!letter(cp)) break;
    i += k;
  }
  return i;
}

static int cmp_key(const char *s, size_t n, const char *t) {
  size_t tn = strlen(t);
  int c = memcmp(s, t, n < tn ? n : tn);
  if (c) return c;
  return n < tn ? -1 : n > tn ? 1 : 0;
}

/* Latin of the word/phrase s[0..n) from the table, or NULL. */
static const char *word_lookup(const char *s, size_t n) {
  size_t lo = 0, hi = NELEM(kh__roman_words);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp_key(s, n, kh__roman_words[mid].ur);
    if (c == 0) return kh__roman_words[mid].lat;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return NULL;
}

static int is_vowel_letter(uint32_t cp) {
  return cp == 0x0627 || cp == 0x0622 || cp == 0x0648 || cp == 0x06CC || cp == 0x06D2;
}

/* Romanize one word s[i..j) by the letter rules. */
static void roman_word(kh__buf *b, const char *s, size_t i, size_t j, int *rc) {
  uint32_t prev = 0, cp, next;
  size_t k = dec(s, j, i, &cp);
  int first = 1, silent = 0;
  size_t start2 = 0; /* where the letter after a silent carrier starts */
  while (i < j) {
    size_t nk = 0;
    next = 0;
    if (i + k < j) nk = dec(s, j, i + k, &next);
    const kh__roman_letter *r = letter(cp), *rn = next ? letter(next) : NULL;
    const char *lat;
    if (first) {
      lat = r->ini;
      /* silent carrier: ایران -> iran, عید -> id */
      if ((cp == 0x0627 || cp == 0x0639) && (next == 0x06CC || next == 0x0648 || next == 0x06D2)) {
        lat = "";
        silent = 1;
        start2 = i + k;
      }
    } else if (!next) {
      lat = r->fin;
      if (cp == 0x06C1 && prev && prev != 0x0627 && prev != 0x0622 && prev != 0x0648) lat = "a";
    } else if (is_vowel_letter(next) && !(silent && i == start2)) {
      /* (after a silent carrier ی و are vowels: ایوان -> iwan) */
      lat = r->bv;
    } else {
      lat = r->med;
    }
    if (cp == 0x0639 && !first && is_vowel_letter(prev)) lat = ""; /* اعظم -> azm */
    kh__buf_appends(b, lat, rc);
    /* Urdu has no word-initial cluster: وزیر -> wazir */
    /* (an initial ی or و is a consonant, y or w: یقین -> yaqin) */
    int cons = r->cls == CL_CONS || cp == 0x06CC || cp == 0x0648;
    if (first && cons && rn && rn->cls == CL_CONS) kh__buf_appendc(b, 'a', rc);
    prev = cp;
    cp = next;
    i += k;
    k = nk;
    first = 0;
  }
}

/* Romanize in[0..len) after kh_normalize; *out owned by the caller
** (kh_free).  Returns 0, KH_EINVAL, KH_ENOMEM or KH_ETOOBIG; on failure
** *out is NULL and nothing leaks. */
int kh_romanize(const char *in, size_t len, char **out, size_t *outlen) {
  if ((!in && len) || !out || !outlen) return KH_EINVAL;
  *out = NULL;
  *outlen = 0;
  char *s;
  size_t n;
  int rc = kh_normalize(in ? in : "", len, &s, &n, NULL);
  if (rc) return rc;
  kh__buf b = {0};
  size_t i = 0;
  while (i < n && !rc) {
    uint32_t cp;
    size_t k = dec(s, n, i, &cp);
    if (!letter(cp)) {
      const char *p = NULL;
      for (size_t t = 0; t < NELEM(kh__roman_punct); t++)
        if (!cmp_key(s + i, k, kh__roman_punct[t].ur)) p = kh__roman_punct[t].lat;
      if (p) kh__buf_appends(&b, p, &rc);
      else kh__buf_append(&b, s + i, k, &rc);
      i += k;
      continue;
    }
    /* longest phrase of the word table starting here */
    size_t ends[MAX_PHRASE_WORDS], ne = 0, e = i;
    while (ne < MAX_PHRASE_WORDS) {
      e = word_end(s, n, e);
      ends[ne++] = e;
      if (e + 1 >= n || s[e] != ' ') break;
      uint32_t c2;
      dec(s, n, e + 1, &c2);
      if (!letter(c2)) break;
      e++;
    }
    const char *lat = NULL;
    size_t end = ends[0];
    for (size_t t = ne; t-- > 0 && !lat;) {
      lat = word_lookup(s + i, ends[t] - i);
      if (lat) end = ends[t];
    }
    if (lat) kh__buf_appends(&b, lat, &rc);
    else roman_word(&b, s, i, end, &rc);
    i = end;
  }
  kh_free(s);
  *out = kh__buf_detach(&b, outlen, &rc);
  if (rc) {
    kh__buf_free(&b);
    *out = NULL;
    *outlen = 0;
  }
  return rc;
}

/* Append class letter c unless it repeats the last one. */
static void sk_put(kh__buf *b, char c, int *rc) {
  if (b->len && b->data[b->len - 1] == c) return;
  kh__buf_appendc(b, c, rc);
}

/* Skeleton of a Latin word s[i..j) (lower case). */
static void sk_latin(kh__buf *b, const char *s, size_t i, size_t j, int *rc) {
  /* the final vowel: "abdullah" and "shah" end in a vowel before h */
  size_t last = j - 1;
  if (j - i > 1 && s[last] == 'h' && strchr("aeiou", s[last - 1])) last--;
  for (size_t p = i; p < j; p++) {
    char c = s[p], d = p + 1 < j ? s[p + 1] : 0;
    int two = 1;
    char k = 0;
    if (c == 'p' && d == 'h') k = 'f';
    else if (c == 'c' && d == 'h') k = 'c';
    else if (c == 's' && d == 'h') k = 'S';
    else if (c == 'k' && d == 'h') k = 'x';
    else if (c == 'g' && d == 'h') k = 'G';
    else if (c == 't' && d == 'h') k = 't';
    else if (c == 'c' && d == 'k') k = 'k';
    else {
      two = 0;
      switch (c) {
        case 'a': case 'e': case 'i': case 'o': case 'u':
          if (p == i) k = 'a'; /* initial vowel, as ا آ ع */
          else if (p == last) k = c == 'a' ? 'a' : c == 'i' ? 'i' : c == 'e' ? 0 : 'o';
          break;
        case 'y': k = p == i ? 'y' : p == last ? 'i' : 0; break;
        case 'v': k = 'v'; break;
        case 'w': /* a consonant before a vowel, like و before ا: Nawaz, Edward */
          k = (p == i || (d && strchr("aeiou", d))) ? 'v' : 0;
          break;
        case 'h': k = p + 1 == j ? 0 : 'h'; break;
        case 'c': k = (d == 'e' || d == 'i' || d == 'y') ? 's' : 'k'; break;
        case 'x': /* Xi, Xinjiang: initial x is the sound of ش */
          if (p == i) k = 'S';
          else sk_put(b, 'k', rc), k = 's';
          break;
        default: k = (c >= 'a' && c <= 'z') ? c : 0;
      }
    }
    if (k) sk_put(b, k, rc);
    if (two) p++;
  }
}

/* Vowel mark of a word's last letter cp (prev before it), or 0. */
static char final_mark(uint32_t cp, uint32_t prev) {
  switch (cp) {
    case 0x0627: case 0x0622: case 0x06C2: return 'a'; /* ا آ ۂ */
    case 0x06C1: /* کمرہ = کمرا, سمیہ; but شاہ and کوہ end in the consonant h */
      return prev && prev != 0x0627 && prev != 0x0622 && prev != 0x0648 ? 'a' : 0;
    case 0x06CC: return 'i';
    case 0x06D2: case 0x06D3: return 'e';
    case 0x0648: case 0x0624: return 'o';
    default: return 0;
  }
}

/* Skeleton of one Urdu word s[i..j) of table letters. */
static void sk_word(kh__buf *b, const char *s, size_t i, size_t j, int *rc) {
  /* the last letter that is not a hamza (ضیاء ends in ا) */
  size_t last = j, q = i;
  uint32_t cp, lastcp = 0, beforelast = 0;
  while (q < j) {
    size_t qk = dec(s, j, q, &cp);
    if (letter(cp)->cls != 5) {
      beforelast = lastcp;
      lastcp = cp;
      last = q;
    }
    q += qk;
  }
  for (size_t p = i; p < j;) {
    size_t pk = dec(s, j, p, &cp);
    const kh__roman_letter *r = letter(cp);
    const char *c = p == i ? r->sk_ini : r->sk_med;
    char mark = 0;
    if (p == i && (cp == 0x0627 || cp == 0x0622 || cp == 0x0639 || cp == 0x0623)) {
      mark = 'a'; /* initial vowel letter or ع: امینہ is not مینا */
    } else if (p == last && p != i) {
      mark = final_mark(cp, beforelast);
      if (mark || cp == 0x06C1) c = ""; /* final ہ is a vowel: امریکہ = امریکا */
    }
    /* و before ا is the consonant w: نواز keeps its v (ناز has none) */
    if (cp == 0x0648 && p > i && p + pk < j) {
      uint32_t nx;
      dec(s, j, p + pk, &nx);
      if (nx == 0x0627 || nx == 0x0622) c = "v";
    }
    for (; *c; c++) sk_put(b, *c, rc);
    if (mark) sk_put(b, mark, rc);
    p += pk;
  }
}

/* Skeleton key of a name in[0..len) (Urdu or Latin); same ownership and
** errors as kh_romanize.  An input with no letters gives "". */
int kh_skeleton(const char *in, size_t len, char **out, size_t *outlen) {
  if ((!in && len) || !out || !outlen) return KH_EINVAL;
  *out = NULL;
  *outlen = 0;
  char *s;
  size_t n;
  int rc = kh_normalize(in ? in : "", len, &s, &n, NULL);
  if (rc) return rc;
  kh__buf b = {0};
  kh__buf_reserve(&b, 0, &rc); /* an empty key is "", never NULL */
  size_t i = 0;
  while (i < n && !rc) {
    uint32_t cp;
    size_t k = dec(s, n, i, &cp);
    if (cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))) {
      size_t j = i;
      while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) j++;
      for (size_t t = i; t < j; t++)
        if (s[t] >= 'A' && s[t] <= 'Z') s[t] = (char)(s[t] - 'A' + 'a');
      sk_latin(&b, s, i, j, &rc);
      i = j;
      continue;
    }
    if (!letter(cp)) {
      i += k;
      continue;
    }
    size_t j = word_end(s, n, i);
    sk_word(&b, s, i, j, &rc);
    i = j;
  }
  kh_free(s);
  *out = kh__buf_detach(&b, outlen, &rc);
  if (rc) {
    kh__buf_free(&b);
    *out = NULL;
    *outlen = 0;
  }
  return rc;
}
