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
#define KH_TOKENIZE_MWE 0x08   /* multiword units (وزیر اعظم) as one token whose
                                  norm has one space between the words */

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

/* Owned by the analyze layer.  An analyzer holds the compiled-in lexicons
** (gazetteer, function words, tagger model), normalized once by the text
** layer when it is created; after that it is read-only, so one analyzer may
** be shared by threads.  kh_analyze is a pure function of the analyzer and
** one article: no I/O, no mutable globals.
**
**   kh_analyzer *a; kh_analysis *r;
**   kh_analyzer_new(0, &a);
**   kh_article art = {.title = t, .title_len = tl, .body = b, .body_len = bl};
**   if (kh_analyze(a, &art, 0, &r) == 0) { ... r->entities[i].name ...; kh_analysis_free(r); }
**   kh_analyzer_free(a);
*/

typedef enum kh_ent_type { KH_ENT_PER = 1, KH_ENT_LOC, KH_ENT_ORG } kh_ent_type;

/* "PER", "LOC", "ORG" ("?" otherwise). */
KH_API const char *kh_ent_type_name(int type);
/* KH_ENT_* for "PER"/"LOC"/"ORG" (any case), or 0. */
KH_API int kh_ent_type_parse(const char *s);

#define KH_FIELD_TITLE 0
#define KH_FIELD_BODY 1

/* One article: kh_article is defined in the store section below (title,
** body, published, ... as pointer + length).  kh_analyze reads title, body
** and published ("YYYY-MM-DD..."; it anchors relative dates: منگل کو -> that
** Tuesday); NULL with length 0 is an empty field. */
typedef struct kh_article kh_article;

/* How a mention was found (kh_mention.source). */
#define KH_MSRC_GAZ 1     /* a gazetteer name */
#define KH_MSRC_TAGGER 2  /* the statistical tagger */
#define KH_MSRC_VARIANT 3 /* a spelling variant (skeleton / edit distance) of a named entity */
#define KH_MSRC_ROLE 4    /* a title phrase (روسی صدر) for a holder named in the article */
#define KH_MSRC_CONTEXT 5 /* a weak or context-gated alias (شی، الیون next to Putin/China) */
#define KH_MSRC_PATTERN 6 /* a name found by a speech frame ("X نے کہا") */

typedef struct kh_mention {
  uint32_t start, end; /* byte offsets [start, end) in the field's ORIGINAL text */
  uint8_t field;       /* KH_FIELD_TITLE or KH_FIELD_BODY */
  uint8_t type;        /* kh_ent_type */
  uint8_t source;      /* KH_MSRC_* */
  int32_t entity;      /* index into kh_analysis.entities */
  int32_t sentence;    /* index into kh_analysis.sentences */
} kh_mention;

typedef struct kh_entity {
  const char *id;       /* stable id, e.g. "per:vladimir-putin"; names not in the
                           gazetteer get "per:~" + their romanized key */
  const char *name;     /* canonical Latin name */
  const char *urdu;     /* canonical Urdu form (gazetteer's, else the most frequent here) */
  const char *country;  /* ISO 3166 alpha-2 or NULL */
  uint8_t type;         /* kh_ent_type */
  uint8_t known;        /* 1 if the entity is in the gazetteer */
  uint32_t n_mentions;  /* mentions in this article */
  const char **variants; /* distinct spellings in this article (original text), n_variants */
  uint32_t n_variants;
} kh_entity;

typedef struct kh_quote {
  int32_t speaker;         /* entity index, or -1 if not resolved */
  int32_t speaker_mention; /* mention index, or -1 */
  const char *speaker_text; /* the speaker phrase as written when no entity (else NULL) */
  const char *verb;        /* normalized speech verb: "کہا", "بتایا", "کہنا" ... */
  uint8_t field;           /* KH_FIELD_* */
  uint8_t direct;          /* 1 direct (in quotation marks), 0 indirect (کہ ...) */
  uint32_t start, end;     /* the quoted text, without the marks */
  int32_t sentence;        /* sentence of the speech verb */
} kh_quote;

#define KH_EVENT_MAX_ACTORS 8
#define KH_EVT_MEET 1    /* meeting, talks */
#define KH_EVT_VISIT 2   /* visit, arrival */
#define KH_EVT_HOST 3    /* reception, hosting */

typedef struct kh_event {
  uint8_t type;        /* KH_EVT_* */
  uint16_t cameo;      /* CAMEO code: 40 consult, 42 make a visit, 43 host a visit,
                          44 meet at a third place (print as "%03u") */
  int32_t actors[KH_EVENT_MAX_ACTORS]; /* entity indices; actors[0] is the subject */
  uint32_t n_actors;
  int32_t place;       /* entity index of the place, or -1 */
  char date[11];       /* "YYYY-MM-DD" when the article date anchors it, else "" */
  const char *when;    /* the date phrase as normalized ("منگل"), or NULL */
  const char *trigger; /* normalized trigger ("ملاقات", "پہنچے"...) */
  uint8_t field;
  int32_t sentence;    /* index into kh_analysis.sentences */
} kh_event;

typedef struct kh_sentence {
  uint32_t start, end; /* byte offsets in the field's original text */
  uint8_t field;
} kh_sentence;

/* The result of kh_analyze; free with kh_analysis_free.  Strings point into
** the result or into the analyzer: keep the analyzer alive while using it. */
typedef struct kh_analysis {
  kh_entity *entities;
  size_t n_entities;
  kh_mention *mentions;
  size_t n_mentions;
  kh_quote *quotes;
  size_t n_quotes;
  kh_event *events;
  size_t n_events;
  kh_sentence *sentences;
  size_t n_sentences;
  void *priv_; /* owned storage */
} kh_analysis;

typedef struct kh_analyzer kh_analyzer;

/* Analyzer flags */
#define KH_ANALYZE_NO_TAGGER 0x01 /* gazetteer and rules only (the baseline) */

/* Create an analyzer from the compiled-in lexicons and model.  flags: KH_ANALYZE_*
** defaults for kh_analyze.  Returns 0 or KH_ENOMEM; *out is NULL on failure. */
KH_API int kh_analyzer_new(unsigned flags, kh_analyzer **out);
/* Free an analyzer (NULL is fine). */
KH_API void kh_analyzer_free(kh_analyzer *a);

/* Analyze one article: entities (with spelling variants merged), quotes and
** meeting/visit events.  flags are ORed with the analyzer's.  *out is owned by
** the caller (kh_analysis_free).  Returns 0, KH_ENOMEM, KH_ETOOBIG (a field
** over KH_MAX_ARTICLE) or KH_EINVAL. */
KH_API int kh_analyze(const kh_analyzer *a, const kh_article *art, unsigned flags,
                      kh_analysis **out);
/* The same with a cache of what the tagger reads of each word form, kept by the caller across articles (one thread at a time; same results, less CPU). */
typedef struct kh_analyze_cache kh_analyze_cache;
KH_API int kh_analyze_cache_new(size_t forms, kh_analyze_cache **out); /* forms: slots, rounded up to a power of two (0: 16384) */
KH_API void kh_analyze_cache_free(kh_analyze_cache *c);
KH_API int kh_analyze_cached(const kh_analyzer *a, kh_analyze_cache *c, const kh_article *art, unsigned flags, kh_analysis **out);
/* Free a result (NULL is fine). */
KH_API void kh_analysis_free(kh_analysis *r);

/* The result as three JSON members, without braces:
**   "entities":[...],"quotes":[...],"events":[...]
** so a caller can splice them into an article object.  *out NUL-terminated,
** owned by the caller (kh_free). */
KH_API int kh_analysis_json(const kh_analysis *r, const kh_article *art, char **out,
                            size_t *outlen);

/* Look a name up in the gazetteer, any spelling (Urdu or Latin, canonical or
** variant).  On success fills what is non-NULL: canonical id, Latin name, Urdu
** name, type (strings owned by the analyzer) and returns 0; KH_ENOTFOUND if
** unknown. */
KH_API int kh_analyzer_lookup(const kh_analyzer *a, const char *name, size_t len,
                              const char **id, const char **latin, const char **urdu,
                              int *type);

/* ---- analyze + store: entities, quotes and events kept in the database ----
** (src/analyze/db.c; tables from schema step "analyze: entities, mentions,
** quotes, events").  Entities are merged across articles by their id: a
** gazetteer entity by its canonical id, any other name by its romanized key,
** so one unknown name seen in several articles and outlets is one entity. */

typedef struct kh_db kh_db; /* defined in the store section */

/* Analyze every article kh_db_put_article stores from now on (a put hook).
** a must stay alive until db is closed.  0, KH_EINVAL or KH_ETOOBIG. */
KH_API int kh_analyze_attach(kh_db *db, const kh_analyzer *a);
/* Analyze the stored articles that were not analyzed yet (stored without
** kh_analyze_attach).  *added (may be NULL) gets their number. */
KH_API int kh_analyze_update(kh_db *db, const kh_analyzer *a, int64_t *added);

typedef struct kh_entity_row {
  int64_t rowid;         /* entity row id */
  const char *id;        /* "per:vladimir-putin" */
  const char *name;      /* Latin */
  const char *urdu;      /* canonical Urdu */
  int type;              /* KH_ENT_* */
  const char *country;   /* or NULL */
  int known;             /* in the gazetteer */
  int64_t mentions;      /* in all articles */
  int64_t articles;      /* articles mentioning it (kh_entity_related: shared articles) */
  const char *variants;  /* spellings seen, most frequent first, joined by " | " */
} kh_entity_row;
/* Pointers are valid during the callback only; non-zero return stops. */
typedef int (*kh_entity_cb)(void *ctx, const kh_entity_row *e);

/* Entities by mentions, most first; type 0 = all; limit 0 = 50. */
KH_API int kh_entities(kh_db *db, int type, int limit, kh_entity_cb cb, void *ctx);
/* The entity a name refers to, any spelling: its id, Latin name (any case),
** a spelling seen in the articles, or (a non-NULL) any gazetteer spelling.
** Calls cb once.  0, KH_ENOTFOUND or KH_EDB. */
KH_API int kh_entity_find(kh_db *db, const kh_analyzer *a, const char *name, size_t len,
                          kh_entity_cb cb, void *ctx);
/* Entities sharing articles with entity (row.articles = shared articles). */
KH_API int kh_entity_related(kh_db *db, int64_t entity, int limit, kh_entity_cb cb, void *ctx);

typedef struct kh_article_ref {
  const char *id;        /* article id */
  const char *title;
  const char *published; /* or NULL */
  int64_t mentions;      /* mentions of the entity in it */
  int64_t story;         /* story id (corpus layer), or -1 */
} kh_article_ref;
typedef int (*kh_article_ref_cb)(void *ctx, const kh_article_ref *r);
/* Articles mentioning entity, newest first. */
KH_API int kh_entity_articles(kh_db *db, int64_t entity, int limit, kh_article_ref_cb cb, void *ctx);

typedef struct kh_quote_row {
  const char *article;      /* article id */
  const char *published;    /* or NULL */
  const char *speaker_id;   /* entity id, or NULL */
  const char *speaker;      /* Latin name, or NULL */
  const char *speaker_urdu; /* or NULL */
  const char *speaker_text; /* the phrase as written when no entity, or NULL */
  const char *verb;
  int direct;
  int field;                /* KH_FIELD_* */
  uint32_t start, end;      /* offsets of the quoted text in that field */
  const char *text;
} kh_quote_row;
typedef int (*kh_quote_cb)(void *ctx, const kh_quote_row *q);
/* Quotes, newest article first; entity 0 = everyone. */
KH_API int kh_quotes(kh_db *db, int64_t entity, int limit, kh_quote_cb cb, void *ctx);

typedef struct kh_event_row {
  const char *article;   /* article id */
  const char *published; /* or NULL */
  const char *type;      /* "meet", "visit", "host" */
  const char *cameo;     /* "040" ... */
  const char *trigger;
  const char *actors;    /* Latin names joined by " | " */
  const char *actor_ids; /* ids joined by " | " */
  const char *place;     /* Latin name, or NULL */
  const char *date;      /* "YYYY-MM-DD" or NULL */
  const char *when;      /* the date phrase, or NULL */
  const char *sentence;  /* the sentence it came from */
} kh_event_row;
typedef int (*kh_event_cb)(void *ctx, const kh_event_row *e);
/* Events, newest article first; entity 0 = all. */
KH_API int kh_events(kh_db *db, int64_t entity, int limit, kh_event_cb cb, void *ctx);

/* ===================================================================== */
/* store: SQLite database, ingest, full-text search (src/store)          */
/* ===================================================================== */

/* Owned by the store layer (src/store, docs/store.md).  One SQLite file in
** WAL mode; articles plus an FTS5 index (title, body) using khabar's own
** tokenizer.  A kh_db is one connection: use it from one thread at a time.
**
**   kh_db *db;
**   if (kh_db_open("khabar.db", &db) == 0) {
**     kh_article a = {0};
**     a.title = "..."; a.title_len = ...; a.body = "..."; a.body_len = ...;
**     kh_db_put_article(db, &a, NULL);   // 0 stored, KH_DUPLICATE if already there
**     kh_search(db, "پاکستان", NULL, print_hit, NULL);
**     kh_db_close(db);                   // commits the open batch
**   }
*/

typedef struct kh_db kh_db;

/* Open (creating if absent) the database at path (":memory:" works), switch
** it to WAL, and migrate an older schema to the current one.  Returns 0,
** KH_EDB (cannot open / not a database), KH_ESCHEMA (the file was written by
** a newer khabar) or KH_ENOMEM; *out is NULL on failure. */
KH_API int kh_db_open(const char *path, kh_db **out);
/* Commit the open batch and close.  Accepts NULL. */
KH_API void kh_db_close(kh_db *db);
/* Commit the open batch of writes now (put_article batches KH_DB_BATCH
** articles per transaction).  Returns 0 or KH_EDB. */
KH_API int kh_db_commit(kh_db *db);
/* Schema version of the open file (PRAGMA user_version) and the version this
** khabar writes. */
KH_API int kh_db_schema_version(kh_db *db);
KH_API int kh_db_schema_latest(void);
/* Number of stored articles, or a negative code. */
KH_API int64_t kh_db_count(kh_db *db);
/* The last SQLite error message of this connection (never NULL). */
KH_API const char *kh_db_errmsg(kh_db *db);

#define KH_DB_BATCH 2000 /* articles per write transaction */

/* One article.  Every field is pointer + length; NULL/0 means absent.  The
** pointers are only read during kh_db_put_article. */
typedef struct kh_article {
  const char *id;        size_t id_len;        /* unique id; absent: "kh-" + content hash */
  const char *source;    size_t source_len;    /* outlet, e.g. "express" */
  const char *url;       size_t url_len;
  const char *published; size_t published_len;/* ISO 8601 date or date-time, "2024-11-05",
                                                  "2024-11-05T10:30:00+05:00", or unix seconds */
  const char *title;     size_t title_len;
  const char *body;      size_t body_len;      /* <= KH_MAX_ARTICLE */
  const char *extra;     size_t extra_len;     /* JSON object of further fields, or absent */
} kh_article;

#define KH_DUPLICATE 1 /* kh_db_put_article: already stored (same id or same content) */

/* Store one article, indexing title and body.  Idempotent: an article whose
** id, or whose content hash (of the normalized token stream of title and
** body), is already stored is not stored again and KH_DUPLICATE is returned.
** The published time is normalized to "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ"
** (UTC); one that cannot be read is stored NULL with the raw text kept in
** extra as "published_raw".  Writes are batched: they are durable after
** KH_DB_BATCH articles, kh_db_commit or kh_db_close; an error while
** storing (KH_ENOMEM, KH_EDB, a hook's code) rolls back the whole open
** batch (ingest again to fill it in: it is idempotent).  *rowid (may be NULL)
** gets the article's row id (of the stored copy for a duplicate).  Returns 0,
** KH_DUPLICATE, KH_EINVAL (no title and no body; extra not a JSON object),
** KH_ETOOBIG, KH_ENOMEM or KH_EDB. */
KH_API int kh_db_put_article(kh_db *db, const kh_article *a, int64_t *rowid);

/* An article as stored, or a copy of it: the same normalized content that
** arrived later under another id.  Ingest does not store a copy again (it
** counts as a duplicate) but keeps its id, source, url and times, so who else
** ran the text is not lost.  Strings valid only during the callback; any but
** id may be NULL. */
typedef struct kh_copy {
  const char *id, *source, *url, *published, *ingested;
} kh_copy;
typedef int (*kh_copy_cb)(void *ctx, const kh_copy *c);
/* The copies of the stored article `rowid`, in order of arrival.  Returns 0,
** the callback's non-zero value, KH_EINVAL, KH_ENOMEM or KH_EDB. */
KH_API int kh_db_copies(kh_db *db, int64_t rowid, kh_copy_cb cb, void *ctx);
/* The stored article `rowid` itself (no call if there is none). */
KH_API int kh_db_article_ref(kh_db *db, int64_t rowid, kh_copy_cb cb, void *ctx);
/* The row ids of the stored articles that have copies, ascending. */
KH_API int kh_db_copied(kh_db *db, int (*cb)(void *ctx, int64_t rowid), void *ctx);

/* The sources in the store (src/store/sources.c): each with its number of
** articles, the first and last published date (NULL when none has one)
** and the last time one was stored; most articles first. */
typedef struct kh_source {
  const char *source; /* NULL: articles without a source */
  int64_t articles;
  const char *first, *last, *last_ingested;
} kh_source;
typedef int (*kh_source_cb)(void *ctx, const kh_source *s);
KH_API int kh_db_sources(kh_db *db, kh_source_cb cb, void *ctx);
/* The URL inputs fetched into this file, latest first: when the server
** last answered (a 304 too), the validators of its last whole answer
** (NULL when none) and that body's size. */
typedef struct kh_fetch {
  const char *url, *fetched, *etag, *modified;
  int64_t bytes;
} kh_fetch;
typedef int (*kh_fetch_cb)(void *ctx, const kh_fetch *f);
KH_API int kh_db_fetches(kh_db *db, kh_fetch_cb cb, void *ctx);

/* ---- the tokenizer's version; export; reindex (src/store/reindex.c) ---- */

/* The version of khabar's tokenizer (normalization, fused-word splits,
** stems): it changes whenever the index terms of some text change.  A file
** records the version that built its index when it is created. */
KH_API int kh_tokenizer_version(void);
/* The tokenizer version that built db's index into *version: 0 when unknown
** (a file from before versions were recorded).  When it is neither 0 nor
** kh_tokenizer_version(), searches can miss articles until `khabar
** reindex`.  Returns 0, KH_EINVAL, KH_ENOMEM or KH_EDB. */
KH_API int kh_db_tokenizer_version(kh_db *db, int *version);

/* An article as a user gave it, for export.  copy_of: NULL for a stored
** article; for a copy (same text, another id) the id of the article whose
** title and body it carries.  Strings valid only during the callback; any
** but id, title and body may be NULL. */
typedef struct kh_export_rec {
  const char *id, *source, *url, *published, *title, *body;
  const char *extra;    /* JSON object of further input fields, or NULL */
  const char *ingested; /* when it was ingested, UTC */
  const char *copy_of;
} kh_export_rec;
/* Every stored article in the order it was stored, then every copy in the
** order it came: ingesting them again in this order gives the same articles,
** copies and stories.  Returns 0, the callback's non-zero value, KH_EINVAL,
** KH_ENOMEM or KH_EDB. */
KH_API int kh_db_export(kh_db *db, int (*cb)(void *ctx, const kh_export_rec *r), void *ctx);
/* Keep other writers out of db until kh_db_close or kh_db_commit (a
** reindex reads the file whole).  Returns 0 or KH_EDB (another writer kept
** it busy past the busy timeout). */
KH_API int kh_db_lock(kh_db *db);
/* Merge the full-text indexes into one segment each, then build the block-max doclists of the listed
** terms (faster searches at 1M+; steps of one transaction each, a kill loses one step); progress may
** stop it (returns 1; table "search_bm": segments = terms still to build). 0, 1, KH_EDB. */
KH_API int kh_db_optimize(kh_db *db, int (*progress)(void *ctx, const char *table, int steps, int segments), void *ctx);
/* Give db's articles and copies the ingest times they have in the file at
** path `from`, matched by id (after a reindex: the ingest re-stamps them).
** Returns 0, KH_EINVAL, KH_ENOMEM or KH_EDB. */
KH_API int kh_db_restore_times(kh_db *db, const char *from);

/* ---- search ---- */

typedef struct kh_search_opts {
  int limit;              /* results; 0 = 10; capped at 10000 */
  const char *source;     /* only this source (NUL-terminated), or NULL */
  const char *since;      /* "YYYY-MM-DD[...]": published >= since, or NULL */
  const char *until;      /* "YYYY-MM-DD[...]": published on or before until, or NULL */
  const char *hl_open;    /* highlight markers around matched words; NULL = "[" */
  const char *hl_close;   /* NULL = "]" */
  int snippet_tokens;     /* words of context in a snippet; 0 = 24 */
  int no_rerank;          /* 1: plain BM25 order, without the proximity re-ranking
                             of the best 30 candidates (docs/store.md) */
} kh_search_opts;

/* One search result; every pointer is valid only during the callback. */
typedef struct kh_hit {
  int64_t rowid;
  const char *id;        /* article id */
  double score;          /* BM25 (title weighted 4x body) plus the proximity bonus;
                            higher is better */
  const char *title;     /* original text */
  const char *source;    /* may be NULL */
  const char *url;       /* may be NULL */
  const char *published; /* may be NULL */
  const char *snippet;   /* a window of the ORIGINAL body (or title) with the
                            matched words between hl_open/hl_close */
} kh_hit;

/* Return 0 to go on, non-zero to stop (that value is returned by kh_search). */
typedef int (*kh_hit_cb)(void *ctx, const kh_hit *hit);

/* Search the articles.  Query syntax (docs/store.md): words (implicitly
** ANDed), "phrases", AND, OR, NOT, prefix*, parentheses.  Every word goes
** through kh_tokenize (the same function that indexed the articles), so
** diacritics, Arabic letters, fused words and Urdu digits find the same
** articles.  opts may be NULL.  Results best first.  Returns 0, the
** callback's value, KH_EQUERY (malformed query; kh_query_error explains),
** KH_EINVAL (bad since/until), KH_ENOMEM or KH_EDB. */
KH_API int kh_search(kh_db *db, const char *query, const kh_search_opts *opts, kh_hit_cb cb,
                     void *ctx);
/* Translate a user query into the FTS5 expression kh_search would run.
** *out NUL-terminated, owned by the caller (kh_free).  On KH_EQUERY, err
** (errcap bytes, may be NULL) gets a plain-language reason. */
KH_API int kh_query_to_fts5(const char *query, size_t len, char **out, char *err, size_t errcap);

/* ---- ingest ---- */

typedef struct kh_ingest_stats {
  uint64_t records;    /* records read */
  uint64_t stored;     /* new articles */
  uint64_t duplicates; /* already stored (same id or content) */
  uint64_t rejected;   /* bad records, reported through on_error */
  uint64_t bytes;      /* input bytes consumed so far */
  uint64_t total;      /* input bytes in all, 0 if unknown (a pipe) */
  uint64_t unchanged;  /* URLs the server said were not modified since the last fetch */
} kh_ingest_stats;

typedef struct kh_ingest_opts {
  const char *format;  /* "jsonl", "csv", "txt" (folder or file), "feed" (RSS/Atom), "html" (one article's
                          web page), NULL = by name/content */
  const char *source;  /* source for records without one, or NULL (file name stem) */
  /* A bad record: where (file name, 1-based line) and why.  May be NULL. */
  void (*on_error)(void *ctx, const char *file, uint64_t line, const char *reason);
  /* Called every few hundred records and at the end.  May be NULL. */
  void (*on_progress)(void *ctx, const kh_ingest_stats *st);
  void *ctx;
  /* 1: one thread (sequential); 0: the default, a worker thread prepares
  ** the next articles (tokens, analysis) while this one stores, unless the
  ** environment says KHABAR_INGEST_THREADS=1.  The database is the same
  ** either way.  With a worker, an allocator set by kh_set_allocator must
  ** be thread-safe.  on_error and on_progress run on the calling thread. */
  int threads;
  /* URLs: 0 asks the server for the body only if it changed since the
  ** last fetch into this database (its ETag / Last-Modified, kept in the
  ** table fetch_state); 1 fetches it whatever it says. */
  int refetch;
} kh_ingest_opts;

/* Ingest one input into db: a JSON Lines file (fields id, source, url,
** published, title, body|text|content; other fields kept as extra JSON), a
** CSV file with a header row (same column names, case-insensitive; "link"
** = url, "date" = published, "headline" = title), a folder of .txt files
** (first line the title; id = file name), an RSS 2.0 / RSS 1.0 / Atom feed
** (.xml, .rss, .atom, or a file starting with '<'; one article an item), an
** http:// or https:// URL (fetched, then read by its content as a feed,
** JSON Lines or CSV; a failed fetch is reported through on_error with line
** 0 and returns KH_EIO), or "-" for JSON Lines on stdin.
** Bad records are reported and skipped; st accumulates (it may hold the
** counts of earlier inputs).  Returns 0 when the input could be read to the
** end (even with rejected records), KH_EIO if it could not be opened or
** read, KH_ENOMEM or KH_EDB. */
KH_API int kh_ingest_path(kh_db *db, const char *path, const kh_ingest_opts *opts,
                          kh_ingest_stats *st);

/* ---- the FTS5 tokenizer ---- */

/* Register the "khabar" FTS5 tokenizer with an SQLite connection (a
** sqlite3 *, passed as void * so this header needs no sqlite3.h).  Then
** `CREATE VIRTUAL TABLE t USING fts5(x, tokenize='khabar')` works; options
** after the name: 'khabar nostem', 'khabar nosplit'.  kh_db_open does this
** itself; ext/khabar_fts5.c does it for `.load`.  Returns 0 or KH_EDB. */
KH_API int kh_fts5_register(void *sqlite3_db);

/* ===================================================================== */
/* corpus: fingerprints, reuse, duplicates, stories (src/corpus)         */
/* ===================================================================== */

/* Owned by the corpus layer; see docs/corpus.md.  Everything here works on
** the text layer's normalized tokens (punctuation dropped, fused words
** split), so spelling noise (Arabic vs Urdu letters, diacritics, fused
** words, digits) does not hide a copy.
**
**   kh_fingerprint fa, fb;
**   kh_fingerprint_text(a, alen, &fa); kh_fingerprint_text(b, blen, &fb);
**   double j = kh_fingerprint_similarity(&fa, &fb);   // ~ Jaccard of shingles
**
**   kh_reuse_text *ta, *tb; kh_reuse r;
**   kh_reuse_text_new(a, alen, &ta); kh_reuse_text_new(b, blen, &tb);
**   if (kh_reuse_compare(ta, tb, &r) == 0) { ... r.label ...; kh_reuse_clear(&r); }
**   kh_reuse_text_free(ta); kh_reuse_text_free(tb);
*/

/* Fingerprint parameters (chosen by measurement, docs/corpus.md).  Stored
** fingerprints depend on them: changing one needs a store migration. */
#define KH_MINHASH_K 128 /* MinHash signature length (hash functions) */
#define KH_SHINGLE_W 3   /* words per shingle */
#define KH_LSH_BANDS 64  /* LSH bands ... */
#define KH_LSH_ROWS 2    /* ... of this many signature values each */

typedef struct kh_fingerprint {
  uint64_t exact;                  /* hash of the normalized token stream; 0 iff no tokens */
  uint32_t ntokens;                /* tokens in the stream */
  uint32_t minhash[KH_MINHASH_K];  /* min over shingles of hash k; all ones if no tokens */
} kh_fingerprint;

/* Fingerprint text[0..len): exact key, token count and MinHash over
** KH_SHINGLE_W-word shingles (a text shorter than that is one shingle).
** No allocation escapes.  Returns 0, KH_ENOMEM or KH_ETOOBIG. */
KH_API int kh_fingerprint_text(const char *text, size_t len, kh_fingerprint *fp);

/* Estimated Jaccard resemblance of two texts' shingle sets: the share of
** equal MinHash values (0 when either text is empty). */
KH_API double kh_fingerprint_similarity(const kh_fingerprint *a, const kh_fingerprint *b);

/* The LSH band keys of a fingerprint: band i hashes values
** [i*KH_LSH_ROWS, (i+1)*KH_LSH_ROWS) together with i.  Two texts are
** candidates when they share a band key; with resemblance s that happens
** with probability 1-(1-s^ROWS)^BANDS. */
KH_API void kh_fingerprint_bands(const kh_fingerprint *fp, uint64_t bands[KH_LSH_BANDS]);

/* A text prepared for reuse scoring: its token hashes and byte spans and
** its sorted word 1-, 2- and 3-gram sets.  Opaque; immutable once built,
** so it may be compared from several threads. */
typedef struct kh_reuse_text kh_reuse_text;

/* Prepare text[0..len) (it need not outlive the object: offsets are kept,
** not the bytes).  *out owned by the caller (kh_reuse_text_free).
** Returns 0, KH_ENOMEM or KH_ETOOBIG; on failure *out is NULL. */
KH_API int kh_reuse_text_new(const char *text, size_t len, kh_reuse_text **out);
/* Free a prepared text.  Accepts NULL. */
KH_API void kh_reuse_text_free(kh_reuse_text *t);
/* Tokens of a prepared text. */
KH_API size_t kh_reuse_text_ntokens(const kh_reuse_text *t);

/* COUNTER's labels: how much of a text is derived from another. */
enum {
  KH_REUSE_ND = 0, /* not derived */
  KH_REUSE_PD = 1, /* partially derived */
  KH_REUSE_WD = 2  /* wholly derived */
};
/* "ND", "PD", "WD" (or "?"). */
KH_API const char *kh_reuse_label_name(int label);

/* A passage the two texts share: byte spans in each ORIGINAL text. */
typedef struct kh_passage {
  uint32_t a_start, a_end; /* [start, end) in text a */
  uint32_t b_start, b_end; /* [start, end) in text b */
  uint32_t ntokens;        /* tokens in the passage */
} kh_passage;

/* Minimum passage length in tokens (greedy string tiling). */
#define KH_PASSAGE_MIN 5

typedef struct kh_reuse {
  uint32_t a_tokens, b_tokens; /* tokens of each text */
  double resemblance;          /* Jaccard of the word-trigram sets */
  double containment_ab;       /* share of a's word trigrams found in b */
  double containment_ba;       /* share of b's word trigrams found in a */
  double jaccard[3];           /* Jaccard of word n-gram sets, n = 1, 2, 3 */
  double contain_ab[3];        /* share of a's n-grams found in b, n = 1, 2, 3 */
  double contain_ba[3];        /* share of b's n-grams found in a, n = 1, 2, 3 */
  double coverage_a;           /* share of a's tokens inside shared passages */
  double coverage_b;           /* share of b's tokens inside shared passages */
  uint32_t longest;            /* tokens in the longest shared passage */
  double sent_ab;              /* mean over a's sentences of the best share of its
                               ** words found in one sentence of b (token-weighted) */
  double sent_ba;              /* the same from b's side */
  double sent_high_ab;         /* share of a's tokens in sentences at least half found
                               ** in one sentence of b */
  double sent_high_ba;         /* the same from b's side */
  double words_ab, words_ba;   /* share of a's (b's) distinct content words (stopwords
                               ** out, numbers in) found in the other text */
  double numbers_ab, numbers_ba; /* the same for distinct numbers (0 when none) */
  double order_ab, order_ba;   /* longest common subsequence of the content words
                               ** over a's (b's) content words: facts in the same order */
  double clause_ab, clause_ba; /* as sent_ab on content words, for a's clauses (split
                               ** also at ، ؛ , ; :) against b's sentences */
  double clause_high_ab, clause_high_ba; /* share of content tokens in clauses >= 0.5 found */
  double clause_new_ab, clause_new_ba;   /* ... in clauses < 0.3 found (material from elsewhere) */
  int label;                   /* KH_REUSE_*: how much of b is derived from a */
  double prob[3];              /* classifier probability of ND, PD, WD for it */
  int label_rev;               /* KH_REUSE_*: how much of a is derived from b */
  double prob_rev[3];          /* ... and its probabilities */
  kh_passage *passages;        /* shared passages in a's order; owned (kh_reuse_clear) */
  size_t npassages;
} kh_reuse;

/* Score the reuse between two prepared texts and label the pair in
** COUNTER's scheme: r->label says how much of b is derived from a (a = the
** possible source, e.g. the wire or the earlier article), r->label_rev the
** other way round.  The direction matters: an independent report is often
** longer than the wire and holds most of its words.  On success
** r->passages is owned by r (kh_reuse_clear).  Returns 0 or KH_ENOMEM. */
KH_API int kh_reuse_compare(const kh_reuse_text *a, const kh_reuse_text *b, kh_reuse *r);
/* Free what kh_reuse_compare allocated in r and zero it.  Accepts NULL. */
KH_API void kh_reuse_clear(kh_reuse *r);

/* ---- with the store (src/corpus/db.c, story.c) ---- */

/* Make kh_db_put_article (and so ingest) fingerprint each new article, put
** it in the LSH table and assign it to a story.  Call after kh_db_open
** (and after kh_analyze_attach when stories should use shared entities:
** hooks run in the order attached).  The stories' working state is kept
** in memory and written with each batch (kh_db_commit / kh_db_close). */
KH_API int kh_corpus_attach(kh_db *db);

/* Story clustering options; a zero field means the default (docs/corpus.md). */
typedef struct kh_story_opts {
  int window_days;      /* a story takes articles published within this many
                        ** days of its span (default 3) */
  int thread_days;      /* a new story is linked into a thread this far (60) */
  double join;          /* similarity to a story's centroid to join it (0.35) */
  double thread;        /* ... to link a new story into its thread (0.15) */
  double entity_weight; /* share of the similarity from shared canonical
                        ** entities, in [0, 1); negative: text only */
  int active;           /* stories updated within the last N articles are
                        ** candidates and kept in memory (10000) */
  double title_weight;  /* a title word counts as this many body words (6) */
  double idf_power;     /* term weight (1 + log tf) * idf^p, idf =
                        ** 1 + log((N + 1) / (df + 1)) (p = 2) */
} kh_story_opts;

/* kh_corpus_attach with story options (o may be NULL).  The stories depend
** on the options: keep them the same for every ingest into one database
** (e.g. the same --window) or earlier and later articles are clustered
** under different rules.  0, KH_EINVAL or KH_ENOMEM. */
KH_API int kh_corpus_attach_opts(kh_db *db, const kh_story_opts *o);
/* Fingerprint and cluster the stored articles that are not yet (articles
** stored without kh_corpus_attach), in rowid order.  *added may be NULL. */
KH_API int kh_corpus_update(kh_db *db, int64_t *added);

/* One article that shares text with the queried one.  Valid only during
** the callback.  r compares a = this article with b = the queried one:
** r->label says how much of the queried article is derived from this one,
** r->label_rev the other way. */
typedef struct kh_reuse_hit {
  int64_t rowid;
  const char *id, *title, *source, *published; /* source/published may be NULL */
  const kh_reuse *r;
} kh_reuse_hit;
typedef int (*kh_reuse_cb)(void *ctx, const kh_reuse_hit *hit);

/* The articles article `id` shares text with: LSH candidates (and equal
** exact keys) scored in full; reported when either label is not ND or the
** trigram resemblance is >= 0.1.  KH_ENOTFOUND if no such article. */
KH_API int kh_corpus_reuse(kh_db *db, const char *id, kh_reuse_cb cb, void *ctx);
/* Score two stored articles (a = id_a, b = id_b).  r as kh_reuse_compare. */
KH_API int kh_corpus_reuse_pair(kh_db *db, const char *id_a, const char *id_b, kh_reuse *r);

/* One group of near-identical articles (rowids ascending; valid only
** during the callback).  Return non-zero to stop. */
typedef int (*kh_dup_cb)(void *ctx, size_t n, const int64_t *rowids);
/* Groups of near-identical articles: same exact key, or MinHash resemblance
** >= min_sim (0 = 0.8) between LSH candidates, joined transitively. */
KH_API int kh_corpus_dups(kh_db *db, double min_sim, kh_dup_cb cb, void *ctx);

/* ---- stories (src/corpus/story.c, stories.c) ---- */

#define KH_SUMMARY_SENTENCES 3 /* sentences in a story summary */

/* One story; every pointer is valid only during the callback. */
typedef struct kh_story {
  int64_t id;
  int64_t size;          /* articles */
  int64_t thread;        /* id of the first story of its thread (== id if it heads one) */
  const char *label;     /* title of its most central article */
  const char *label_id;  /* that article's id */
  const char *first;     /* earliest published time of its articles, or NULL */
  const char *last;      /* latest, or NULL */
  const char *sources;   /* distinct sources, comma-separated, in order of arrival */
  const char *summary;   /* extractive summary (kh_story_get only; else NULL) */
} kh_story;
typedef int (*kh_story_cb)(void *ctx, const kh_story *s);

/* Stories with at least min_size articles (0 = 1) whose last article is
** published on or after since (NULL = all), most articles first. */
KH_API int kh_stories(kh_db *db, const char *since, int min_size, kh_story_cb cb, void *ctx);
/* One story (with its summary), then each member article through
** member_cb (score = its similarity to the story when it joined; may be
** NULL).  KH_ENOTFOUND if there is no such story. */
KH_API int kh_story_get(kh_db *db, int64_t id, kh_story_cb cb, kh_hit_cb member_cb, void *ctx);
/* Story id of a stored article, or KH_ENOTFOUND. */
KH_API int64_t kh_story_of(kh_db *db, const char *article_id);

/* Extractive summary of one text: up to nsent sentences (spans in text,
** in text order) whose content words are the text's most frequent, with a
** small bonus for the first sentence.  Pure; no database. */
KH_API int kh_summarize(const char *text, size_t len, int nsent, kh_span_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* KHABAR_H */
