/*
** khabar.h — the one public header of libkhabar, a news-monitoring engine
** for Urdu.
**
** Layers (see DESIGN.md): text (UTF-8, normalization, tokens, sentences,
** stems, romanization) -> analyze (entities, quotes, events) -> store
** (SQLite + FTS5) -> corpus (dedup, stories) -> query.  The CLI, the
** SQLite extension and any user program include only this header.
**
** Conventions
**   - Text is pointer + length; it need not be NUL-terminated.
**   - Functions return 0 (KH_OK) or a negative KH_E* code; functions that
**     return a size return the size or a negative code.
**   - Constructors are `int kh_x_new(..., kh_x **out)`; on failure *out is
**     NULL.  Destructors accept NULL.
**   - Memory the library hands to the caller is freed with kh_free().
**   - Every token and fact carries byte offsets [start, end) into the
**     ORIGINAL text the caller passed in.
**
** Example:
**   char *out; size_t n;
**   if (kh_normalize("پاکِستان", 16, &out, &n, NULL) == 0) { ...; kh_free(out); }
*/
#ifndef KHABAR_H
#define KHABAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KH_BUILDING) && defined(__GNUC__)
#define KH_API __attribute__((visibility("default")))
#else
#define KH_API
#endif

#define KH_VERSION "0.1.0"

/* ===================================================================== */
/* Errors: one table generates the enum, names and messages.             */
/* ===================================================================== */
#define KH_ERRNO_MAP(X)                                   \
  X(NOMEM, -1, "out of memory")                           \
  X(INVAL, -2, "invalid argument")                        \
  X(UTF8, -3, "invalid UTF-8")                            \
  X(TOOBIG, -4, "input exceeds a hard limit")             \
  X(IO, -5, "input/output error")                         \
  X(PARSE, -6, "malformed input")                         \
  X(DB, -7, "database error")                             \
  X(NOTFOUND, -8, "not found")                            \
  X(QUERY, -9, "malformed query")                         \
  X(SCHEMA, -10, "database schema is newer than this khabar")

enum {
  KH_OK = 0,
#define KH__ERRENUM(name, code, msg) KH_E##name = (code),
  KH_ERRNO_MAP(KH__ERRENUM)
#undef KH__ERRENUM
};

/* Message for an error code; never NULL ("unknown error" for unknown). */
KH_API const char *kh_strerror(int rc);
/* Symbolic name of an error code, e.g. "KH_ENOMEM"; never NULL. */
KH_API const char *kh_err_name(int rc);

/* ===================================================================== */
/* Memory: every allocation of the library goes through one hook.        */
/* ===================================================================== */

/* fn(ud, p, n): n == 0 frees p and returns NULL; otherwise behaves as
** realloc(p, n).  Passing fn == NULL restores the default (libc).
** Not thread-safe: set it before other calls. */
typedef void *(*kh_realloc_fn)(void *ud, void *p, size_t n);
KH_API void kh_set_allocator(kh_realloc_fn fn, void *ud);
/* Free memory the library returned to the caller.  Accepts NULL. */
KH_API void kh_free(void *p);

/* ===================================================================== */
/* Hard limits (STYLE 6): every growable buffer has one.                 */
/* ===================================================================== */
#define KH_MAX_TEXT (256u * 1024u * 1024u) /* one input text, bytes */
#define KH_MAX_TOKEN 256u                  /* one token's normalized form, bytes */
#define KH_MAX_ARTICLE (16u * 1024u * 1024u) /* one article body, bytes */
#define KH_MAX_LINE (64u * 1024u * 1024u)  /* one JSONL/CSV record, bytes */

/* ===================================================================== */
/* text: UTF-8                                                           */
/* ===================================================================== */

/* Decode one code point from s[0..n).  Returns the number of bytes used
** (1..4) and sets *cp; an invalid or truncated sequence sets *cp to
** U+FFFD and returns 1 (one bad byte consumed).  n must be > 0. */
KH_API int kh_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode cp into out (at least 4 bytes); returns bytes written (1..4). */
KH_API int kh_utf8_encode(uint32_t cp, char *out);

/* ===================================================================== */
/* text: normalization                                                   */
/* ===================================================================== */

typedef struct kh_norm_stats {
  size_t bad_bytes;     /* invalid UTF-8 bytes replaced by U+FFFD */
  size_t first_bad;     /* byte offset of the first bad byte (if any) */
  size_t changed;       /* code points mapped, merged or dropped */
} kh_norm_stats;

/* Normalize Urdu text for matching (rules: src/text/norm_rules.tsv):
** Arabic letters to Urdu, presentation forms to base letters, hamza and
** madda composed, diacritics/tatweel/ZWNJ/ZWJ/controls dropped, digits to
** ASCII, spaces to ' ', Latin case-folded; ی/ے, ں, ھ/ہ, ۂ kept apart.
** *out is NUL-terminated, owned by the caller (kh_free).  stats may be
** NULL.  Returns 0 or KH_ENOMEM / KH_ETOOBIG. */
KH_API int kh_normalize(const char *in, size_t len, char **out, size_t *outlen,
                        kh_norm_stats *stats);

/* ===================================================================== */
/* text: tokens                                                          */
/* ===================================================================== */

typedef enum kh_tok_kind {
  KH_TOK_WORD = 1,  /* Urdu/Arabic-script word */
  KH_TOK_LATIN,     /* Latin-script word */
  KH_TOK_NUMBER,    /* 2024, ۲۰۲۴, 1,234.5, 15% */
  KH_TOK_URL,
  KH_TOK_EMAIL,
  KH_TOK_HASHTAG,   /* #tag (also @mention) */
  KH_TOK_PUNCT      /* punctuation (only with KH_TOKENIZE_PUNCT) */
} kh_tok_kind;

/* Token flags */
#define KH_TOKF_SPLIT 0x01    /* one part of a fused word that was split */
#define KH_TOKF_COLOC 0x02    /* alternative form at the same position as the previous token */
#define KH_TOKF_STOP 0x04     /* normalized form is a stopword */

typedef struct kh_token {
  const char *norm;  /* normalized form; valid only during the callback */
  uint32_t norm_len; /* bytes in norm (<= KH_MAX_TOKEN) */
  uint32_t start;    /* byte offset of the span in the ORIGINAL text */
  uint32_t end;      /* one past the span's last byte */
  uint8_t kind;      /* kh_tok_kind */
  uint8_t flags;     /* KH_TOKF_* */
} kh_token;

/* Tokenizer options */
#define KH_TOKENIZE_PUNCT 0x01 /* also emit punctuation tokens */
#define KH_TOKENIZE_NOSPLIT 0x02 /* do not split fused words */
#define KH_TOKENIZE_STEM 0x04  /* emit stems (light stemmer) as norm */

/* Called once per token, in text order.  Return 0 to go on; any other
** value stops tokenization and is returned by kh_tokenize. */
typedef int (*kh_token_cb)(void *ctx, const kh_token *tok);

/* Tokenize text[0..len): words (fused forms split, e.g. کیلئے -> کے + لئے),
** numbers, Latin words, URLs, emails, hashtags, and with KH_TOKENIZE_PUNCT
** punctuation.  Broken UTF-8 never crashes it.  Returns 0, the callback's
** non-zero value, or a negative code. */
KH_API int kh_tokenize(const char *text, size_t len, unsigned flags,
                       kh_token_cb cb, void *ctx);

/* Name of a token kind ("word", "latin", "number", "url", "email",
** "hashtag", "punct"). */
KH_API const char *kh_tok_kind_name(int kind);

/* ===================================================================== */
/* text: sentences                                                       */
/* ===================================================================== */

/* Called once per sentence with its span [start, end) in the original
** text, trimmed of surrounding space.  Return non-zero to stop. */
typedef int (*kh_span_cb)(void *ctx, size_t start, size_t end);

/* Split text into sentences on ۔ ؟ ! . ? and line structure, keeping
** decimals, abbreviations, closing quotes, bylines and ellipses right. */
KH_API int kh_sentences(const char *text, size_t len, kh_span_cb cb, void *ctx);

/* ===================================================================== */
/* text: stopwords, stems, lemmas                                        */
/* ===================================================================== */

/* 1 if the NORMALIZED word is an Urdu stopword, else 0. */
KH_API int kh_is_stopword(const char *norm, size_t len);

/* Light stemmer for search on a NORMALIZED word: strips plural and oblique
** endings.  Writes the stem to out (cap bytes, NUL-terminated) and returns
** its length, or a negative code. */
KH_API int kh_stem(const char *norm, size_t len, char *out, size_t cap);

/* Lemma of a NORMALIZED word (e.g. لڑکوں -> لڑکا); same contract as kh_stem. */
KH_API int kh_lemma(const char *norm, size_t len, char *out, size_t cap);

/* ===================================================================== */
/* text: romanization                                                    */
/* ===================================================================== */

/* Urdu -> readable Latin, deterministic (e.g. پاکستان -> pakistan).
** *out NUL-terminated, owned by the caller (kh_free). */
KH_API int kh_romanize(const char *in, size_t len, char **out, size_t *outlen);

/* Consonant-skeleton key of a name, so spelling variants share one key
** (پیوٹن، پوٹن، پوتن -> same key).  Same ownership as kh_romanize. */
KH_API int kh_skeleton(const char *in, size_t len, char **out, size_t *outlen);

/* ===================================================================== */
/* analyze: entities, quotes, events (src/analyze)                       */
/* ===================================================================== */

/* (analyze API: section owned by the analyze layer) */

/* ===================================================================== */
/* store: SQLite database, ingest, full-text search (src/store)          */
/* ===================================================================== */

/* (store API: section owned by the store layer) */

/* ===================================================================== */
/* corpus: fingerprints, reuse, duplicates, stories (src/corpus)         */
/* ===================================================================== */

/* (corpus API: section owned by the corpus layer) */

#ifdef __cplusplus
}
#endif
#endif /* KHABAR_H */
