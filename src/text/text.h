/*
** text.h — internals shared by the files of the text layer (normalize.c,
** tokenize.c, fused.c and the rest).  Sections are named after the file
** they describe.  Nothing here is public: the public API is khabar.h.
*/
#ifndef KH_TEXT_H
#define KH_TEXT_H

#include "../core/core.h"
#include "norm_tab.h"

/* The tokenizer's version (kh_tokenizer_version; src/store/reindex.c): bump
** it with any change that alters the index terms of some text (a rule, a
** regenerated table).  A database records the version that built it; the
** test tokenizer_version_records_its_output fails until the version and the
** digests it records are updated together. */
#define KH_TOKENIZER_VERSION 2

/* ---- Interface to code in normalize.c ---- */

/* What the normalizer knows about one code point (after the rule tables). */
typedef struct kh__cinfo {
  uint8_t op;            /* KH__OP_* */
  uint8_t cls;           /* KH__CL_* */
  uint16_t a, b;         /* targets (see norm_tab.h) */
  const uint16_t *exp;   /* presentation form: its expansion, else NULL */
  uint8_t nexp;          /* code points in exp */
} kh__cinfo;

/* Look up cp.  Never fails; unknown code points are KEEP with a class. */
void kh__cinfo_get(uint32_t cp, kh__cinfo *ci);

/* Class of cp as the tokenizer sees it (a presentation form takes the class
** of the first code point of its expansion; Latin letters are OTHER). */
int kh__cp_class(uint32_t cp);

/* Where normalized output goes: a growing kh__buf (buf != NULL) or a fixed
** array (p, cap).  offs, if not NULL, receives for every output byte the
** source offset of the code point that produced it (fixed arrays only). */
typedef struct kh__sink {
  kh__buf *buf;          /* growing output, or NULL */
  char *p;               /* fixed output when buf == NULL */
  size_t len, cap;       /* bytes used / capacity of p */
  uint32_t *offs;        /* per-byte source offsets, or NULL */
  int overflow;          /* set when a fixed sink ran out of room */
  int rc;                /* sticky error of a growing sink */
} kh__sink;

/* Normalize s[0..n) into sink, following norm_rules.tsv.  base is added to
** the source offsets written to sink->offs.  Statistics are added to st
** (may be NULL). */
void kh__norm_span(const char *s, size_t n, kh__sink *sink, uint32_t base,
                   kh_norm_stats *st);

/* ---- Interface to code in fused.c ---- */

/* A fused (space-omitted) form and its parts, all normalized.  kind: 0 a
** space omitted after a word ending in a non-joining letter or after کے/سے
** written with a medial ی (کیلئے = کے + لئے); 1 a multiword unit written
** fused (وزیراعظم = وزیر + اعظم); 2 a light-verb compound split only in
** context (بلالی = بلا + لی before punctuation or an auxiliary).  The parts'
** byte lengths add up to the form's, so part k starts at the sum of the
** lengths before it. */
typedef struct kh__fused_row {
  const char *form;
  int kind;
  const char *part[4]; /* NULL-padded */
} kh__fused_row;

/* The split of a normalized word, or NULL if it is not a known fused form. */
const kh__fused_row *kh__fused_find(const char *norm, size_t len);
/* The same with h = kh__hash64(norm, len) already computed. */
const kh__fused_row *kh__fused_find_h(const char *norm, size_t len, uint64_t h);

/* 1 if "w1 w2 ..." (normalized, one space between words) is a multiword
** unit, like "وزیر اعظم".  Used by KH_TOKENIZE_MWE. */
int kh__mwe_find(const char *norm, size_t len);
/* 1 if norm is the first word of some multiword unit. */
int kh__mwe_first(const char *norm, size_t len);

/* ---- Interface to code in stem.c ---- */

/* The i-th entry of the stopword table (normalized, sorted by bytes), or
** NULL past the last: kh_db_optimize gives frequent stopword keys block-max
** lists (src/store/blockmax.c). */
const char *kh__stopword(size_t i);

/* 64-bit FNV-1a hash, used by the generated tables. */
static inline uint64_t kh__hash64(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

#endif
