/*
** analyze.h — internals of the analyze layer (entities, quotes, events).
** One section per file, SQLite fts5Int.h style.
**
** The flow of kh_analyze (analyze.c) over one article:
**   doc.c       tokens (normalized, with word classes) and sentences of title and body
**   entities.c  gazetteer matches, weak/role/context aliases, tagger spans,
**               spelling variants, unknown names -> mentions and entities
**   quotes.c    direct and indirect quotes with their speakers
**   events.c    meetings, talks, visits with actors, place, date, CAMEO code
**   analyze.c   the public result and its JSON
** gazetteer.c, words.c and ner.c hold the read-only tables of the analyzer.
*/
#ifndef KH_ANALYZE_H
#define KH_ANALYZE_H

#include "../core/core.h"

/* internal kh_analyze flag (benchmarks): keep every lexicon-only match */
#define KH__ANALYZE_ALL_LEX 0x100
#define KH__ANALYZE_KEEP_GAZ 0x200 /* (evaluation) keep gazetteer places/organisations the tagger does not see */

/* ---- hard limits ---- */
#define KH__MAX_ALIAS_TOKENS 8     /* longest gazetteer name, tokens */
#define KH__MAX_TOKENS (1u << 22)  /* tokens in one article */
#define KH__MAX_MENTIONS (1u << 20)

/* ===================================================================== */
/* Interface to code in map.c: a read-mostly hash map uint64 -> int32.    */
/* ===================================================================== */

typedef struct kh__map {
  uint64_t *keys; /* 0 = empty slot */
  int32_t *vals;
  size_t cap;     /* power of two */
  size_t n;
} kh__map;

/* FNV-1a 64 of s[0..n), never 0. */
uint64_t kh__hash(const char *s, size_t n);
/* Hash of a token sequence: fold the next token's hash into prev (start
** with KH__SEQ0). */
#define KH__SEQ0 0x84222325cbf29ce4ULL
uint64_t kh__seq(uint64_t prev, uint64_t tok);
/* Insert or overwrite key -> val (key != 0).  Sets *rc on failure. */
void kh__map_put(kh__map *m, uint64_t key, int32_t val, int *rc);
/* Value for key, or -1 if absent. */
int32_t kh__map_get(const kh__map *m, uint64_t key);
void kh__map_free(kh__map *m);

/* ===================================================================== */
/* Interface to code in words.c: function words and cue words.           */
/* ===================================================================== */

enum {
  KH__W_NE = 1u << 0,       /* نے (ergative: the subject of a past transitive verb) */
  KH__W_KO = 1u << 1,       /* کو */
  KH__W_SE = 1u << 2,       /* سے */
  KH__W_GEN = 1u << 3,      /* کا کی کے */
  KH__W_LOCPOST = 1u << 4,  /* میں پر تک */
  KH__W_AND = 1u << 5,      /* اور */
  KH__W_KI = 1u << 6,       /* کہ (complementizer) */
  KH__W_SAY = 1u << 7,      /* speech verb: کہا بتایا کہنا ... */
  KH__W_PRON = 1u << 8,     /* انہوں انھوں اس ان وہ (pronoun subjects) */
  KH__W_TITLE = 1u << 9,    /* صدر وزیر ترجمان جنرل ماہر ... (skipped before names) */
  KH__W_DEMONYM = 1u << 10, /* روسی چینی ترک ... */
  KH__W_FUNC = 1u << 11,    /* other function words */
  KH__W_MEET = 1u << 12,    /* ملاقات مذاکرات چیت گفتگو */
  KH__W_VISIT = 1u << 13,   /* دورہ پہنچے */
  KH__W_HOST = 1u << 14,    /* استقبال میزبانی */
  KH__W_WEEKDAY = 1u << 15, /* پیر ... اتوار (value 0..6, Monday = 0) */
  KH__W_FUT = 1u << 16,     /* گے گی والے: future */
  KH__W_SIDELINE = 1u << 17,/* موقع سائیڈ: "on the sidelines of" */
  KH__W_WITH = 1u << 18,    /* ساتھ ہمراہ (کے ساتھ) */
  KH__W_BETWEEN = 1u << 19, /* درمیان */
  KH__W_AUX = 1u << 20,     /* ہے ہیں تھا تھے تھی گیا (after a verb, before کہ) */
  KH__W_REL = 1u << 21,     /* جس جن جو (relative clause) */
  KH__W_TODAY = 1u << 22,   /* آج */
  KH__W_YESTERDAY = 1u << 23, /* روز in گزشتہ روز */
  KH__W_ALSO = 1u << 24,    /* بھی، مزید: skipped */
  KH__W_MODIFIER = 1u << 25,/* اہم دوطرفہ باضابطہ: adjectives before a trigger */
  KH__W_KAHNA = 1u << 26,   /* کہنا (X کا کہنا تھا کہ) */
};

typedef struct kh__word {
  const char *form;  /* Urdu, normalized at analyzer creation */
  uint32_t cls;      /* KH__W_* */
  int32_t val;       /* weekday number; 0 otherwise */
} kh__word;

extern const kh__word kh__words[];
extern const size_t kh__n_words;

/* ===================================================================== */
/* Interface to code in gazetteer.c and analyzer.c: the analyzer.        */
/* ===================================================================== */

/* Alias flags (generated tables use them as KH__AL_*). */
enum { KH__AL_STRONG = 1, KH__AL_WEAK, KH__AL_ROLE, KH__AL_CTX, KH__AL_LEX };

typedef struct kh__gaz_entity { /* one row of gaz_tab.h */
  uint8_t type;
  const char *canon;   /* canonical English, or NULL (lexicon entry) */
  const char *country;
  const char *urdu;
} kh__gaz_entity;

typedef struct kh__gaz_alias { /* one row of gaz_tab.h */
  const char *surface;
  int32_t entity;
  uint8_t flag;
  const char *ctx;     /* ','-separated canonical names or words, or NULL */
} kh__gaz_alias;

typedef struct kh__ent {  /* an analyzer entity */
  const char *id;       /* "per:vladimir-putin" */
  const char *name;     /* Latin */
  const char *urdu;
  const char *country;
  uint8_t type;
  uint8_t known;        /* 1 core/iso/CLDR, 0 lexicon-only */
} kh__ent;

typedef struct kh__alias { /* an analyzer alias, normalized */
  int32_t entity;
  int32_t next;         /* next alias with the same key, -1 */
  uint8_t flag;         /* KH__AL_* */
  uint8_t ntok;         /* tokens */
  const char *norm;     /* normalized tokens joined by ' ' */
  uint32_t norm_len;
  uint32_t ncp;         /* code points of norm */
  uint64_t skel;        /* hash of the skeleton key (0 if none) */
  int32_t *ctx_ents;    /* context entities, -1 terminated (or NULL) */
  uint64_t *ctx_words;  /* context word hashes, 0 terminated (or NULL) */
} kh__alias;

typedef struct kh__ner_model kh__ner_model;

struct kh_analyzer {
  unsigned flags;
  kh__ent *ents;
  size_t n_ents;
  kh__alias *aliases;
  size_t n_aliases;
  kh__map gaz;          /* sequence hash -> first alias */
  kh__map prefix;       /* sequence hash of every alias prefix -> 1 */
  kh__map words;        /* token hash -> index into word_cls/word_val/word_form */
  uint32_t *word_cls;
  int32_t *word_val;
  const char **word_form;
  size_t n_words;
  kh__map canon;        /* hash of lowercased canonical name / id / urdu -> entity */
  kh__buf strs;         /* all strings the analyzer owns (offsets fixed at the end) */
  char *pool;           /* detached strs */
  kh__ner_model *ner;   /* NULL if none */
  kh__map ner_cls;      /* token hash -> row of ner_clusters.h */
  kh__map ner_part;     /* token hash -> KH__PART_* bits: a word of gazetteer names */
  int32_t *per_single;  /* strong one-word aliases of persons (4+ letters), for variants */
  size_t n_per_single;
  uint32_t ner_gen;     /* bumped by every kh__ner_load_table (a form cache of an older model is stale) */
};

/* Load the gazetteer into a (ents, aliases, gaz, prefix, canon maps). */
int kh__gaz_load(kh_analyzer *a);
/* Normalize text and split it into normalized tokens joined by ' ' into
** out (a buffer); returns the token count or a negative code. */
int kh__norm_tokens(const char *s, size_t n, kh__buf *out, uint64_t *seq);
/* Code points in s[0..n). */
size_t kh__ncp(const char *s, size_t n);

/* ===================================================================== */
/* Interface to code in doc.c: one article being analyzed.               */
/* ===================================================================== */

enum { KH__P_NONE = 0, KH__P_STOP, KH__P_COMMA, KH__P_QUOTE, KH__P_OPEN, KH__P_CLOSE,
       KH__P_COLON, KH__P_OTHER };

typedef struct kh__tok {
  uint32_t start, end;  /* in the field's original text */
  uint32_t norm;        /* offset into doc->norm */
  uint32_t nlen;
  uint64_t h;           /* hash of the normalized form */
  uint32_t wcls;        /* KH__W_* */
  int32_t wval;
  int32_t widx;         /* index into the analyzer's word table, -1 */
  int32_t sent;         /* sentence index */
  int32_t ment;         /* mention covering the token, -1 */
  uint8_t kind;         /* kh_tok_kind */
  uint8_t field;
  uint8_t punct;        /* KH__P_* */
  uint8_t ner;          /* tagger label (ner.c), 0 = O */
  uint8_t gaz;          /* gazetteer tag for tagger features (ner.c), 0 = none */
  uint16_t cls1, cls2;  /* word classes (ner.c, coarse and fine), class + 1; 0 = none */
  uint16_t crow;        /* the word's row in ner_clusters.h + 1 (ner.c), 0 = none */
  uint8_t part;         /* KH__PART_* bits of the word (ner.c) */
  uint8_t letter;       /* 1: an Urdu-spelled Latin letter, ڈی، بی (ner.c) */
  uint32_t form;        /* its kh__form (ner.c, kh__ner_forms): a cache slot, or KH__FORM_SPILL | index into doc->spill */
} kh__tok;

typedef struct kh__ment {
  int32_t t0, t1;       /* tokens [t0, t1) */
  int32_t alias;        /* first gazetteer alias with this key, -1 */
  int32_t gent;         /* analyzer entity, -1 if unknown */
  int32_t ent;          /* result entity (set by kh__entities_finish) */
  uint8_t type;         /* kh_ent_type */
  uint8_t source;       /* KH_MSRC_* */
  uint8_t flag;         /* KH__AL_* of the alias used */
  uint8_t dead;         /* rejected */
} kh__ment;

typedef struct kh__quote {
  int32_t spk_ment;     /* mention, -1 */
  int32_t spk_t0, spk_t1; /* speaker phrase tokens when no mention (-1) */
  int32_t verb_tok;
  uint8_t field, direct;
  uint32_t start, end;
  int32_t sent;
  int32_t kitok;        /* token of کہ for indirect quotes, -1 */
} kh__quote;

typedef struct kh__event {
  uint8_t type;
  uint16_t cameo;
  int32_t actors[KH_EVENT_MAX_ACTORS]; /* mentions */
  uint32_t n_actors;
  int32_t place;        /* mention, -1 */
  int32_t trig;         /* trigger token */
  int32_t when_tok;     /* weekday/آج token, -1 */
  int32_t days;         /* absolute day number, INT32_MIN if unknown */
  int32_t sent;
} kh__event;

typedef struct kh__sent {
  uint32_t start, end;
  int32_t t0, t1;       /* tokens */
  uint8_t field;
} kh__sent;

typedef struct kh__doc {
  const kh_analyzer *a;
  unsigned flags;
  const char *text[2];
  size_t len[2];
  int32_t pub_days;     /* published date as days since 1970-01-01, INT32_MIN if unknown */
  kh__tok *toks;
  size_t ntok, captok;
  kh__buf norm;         /* normalized token forms */
  kh__sent *sents;
  size_t nsent, capsent;
  kh__ment *ments;
  size_t nment, capment;
  kh__quote *quotes;
  size_t nquote, capquote;
  kh__event *events;
  size_t nevent, capevent;
  uint8_t *present;     /* per analyzer entity: 1 named strongly in the article */
  kh_analyze_cache *fc; /* the caller's form cache (kh_analyze_cached), or NULL */
  struct kh__form *spill; /* forms not in the cache (ner.c) */
  int has_forms;        /* toks[].form is set (kh__ner_forms) */
  size_t nspill, capspill;
  int rc;               /* sticky error */
} kh__doc;

/* Tokenize both fields, classify words, split sentences. */
int kh__doc_build(kh__doc *d, const kh_article *art);
void kh__doc_free(kh__doc *d);
/* Normalized form of token i. */
#define KH__TOKNORM(d, i) ((d)->norm.data + (d)->toks[i].norm)
/* 1 if token i is a word (Urdu or Latin). */
int kh__is_word(const kh__doc *d, size_t i);
/* Append a mention; returns its index or -1 (rc set). */
int32_t kh__add_ment(kh__doc *d, int32_t t0, int32_t t1, int type, int source, int32_t gent,
                     int32_t alias, int flag);
/* The clause of token t: [*lo, *hi) within its sentence, cut at stops (۔ ؟ !)
** so that a sentence splitter that missed a stop does not merge clauses. */
void kh__clause(const kh__doc *d, int32_t t, int32_t *lo, int32_t *hi);
/* Days since 1970-01-01 for y-m-d (proleptic Gregorian). */
int32_t kh__days(int y, int m, int d);
/* Parse "YYYY-MM-DD..." into days, or INT32_MIN. */
int32_t kh__parse_date(const char *s, size_t n);

/* ===================================================================== */
/* Interface to code in entities.c                                       */
/* ===================================================================== */

/* Gazetteer matching, alias gating, tagger spans, spelling variants. */
int kh__entities_find(kh__doc *d);
/* A person name ending at token t1 (exclusive) found by a speech frame:
** up to 3 name-like tokens; returns a new PATTERN mention or -1. */
int32_t kh__name_before(kh__doc *d, int32_t t1, int32_t lo);
/* A name starting at token t0 up to a comma/نے (apposition); -1 if none. */
int32_t kh__name_after(kh__doc *d, int32_t t0, int32_t hi);
/* 1 if code point strings a and b are one transliteration edit apart (ن/ں،
** ت/ٹ، ی/ے, a vowel letter in or out) or equal. */
int kh__variant_close(const uint32_t *a, int na, const uint32_t *b, int nb);
/* Decode s[0..n) into at most cap code points; returns the count. */
int kh__decode_cps(const char *s, size_t n, uint32_t *out, int cap);
/* The live mention covering token t, or -1. */
int32_t kh__ment_at(const kh__doc *d, int32_t t);

/* ===================================================================== */
/* Interface to code in quotes.c and events.c                            */
/* ===================================================================== */

int kh__quotes_find(kh__doc *d);
int kh__events_find(kh__doc *d);
/* 1 if token t's normalized form is one of the NULL-terminated list (cue
** words that must not enter the tagger's word table, see events.c). */
int kh__tok_in(const kh__doc *d, int32_t t, const char *const *list);
/* 1 if token t lies in a "مزید پڑھیں: HEADLINE" link to another article:
** from پڑھیں to the first auxiliary/future verb ending the headline. */
int kh__in_readmore(const kh__doc *d, int32_t t);
/* Cue lists (events.c). */
extern const char *const kh__kin_words[];   /* اہل خانہ، والد ... (not names) */

/* ===================================================================== */
/* Interface to code in ner.c: the averaged-perceptron BIO tagger.       */
/* ===================================================================== */

/* Labels: 0 O, then B/I for PER, LOC, ORG. */
enum { KH__NER_O = 0, KH__NER_B_PER, KH__NER_I_PER, KH__NER_B_LOC, KH__NER_I_LOC,
       KH__NER_B_ORG, KH__NER_I_ORG, KH__NER_NLABELS };

#define KH__NER_MAXF 56 /* features per token */
#define KH__NER_NPREV 3 /* of them conditioned on the previous label */

typedef struct kh__ner_slot {
  uint32_t key;         /* feature key; 0 = empty */
  int16_t w[KH__NER_NLABELS]; /* its weights (one cache line holds slot and weights) */
} kh__ner_slot;

struct kh__ner_model {
  kh__ner_slot *slots;  /* open addressing on the feature key */
  size_t mask;          /* slots - 1 */
  int32_t bias;         /* added to the score of every B- label (recall/precision balance) */
  /* the weights of the features conditioned on the previous label p that
  ** do not depend on the word (ner.c, kh__ner_feats_prev): p alone, and the
  ** token's gazetteer tag g with p, read once at load instead of per token */
  int16_t wprev[KH__NER_NLABELS][KH__NER_NLABELS];
  int16_t wgaz[256][KH__NER_NLABELS][KH__NER_NLABELS];
  /* read at load as well: the gazetteer tag of the token, of the word
  ** before and after (fkey 13, 14, 15), and the sums a neighbour outside
  ** the sentence gives (kh__form l1, r1, l2, r2) */
  int16_t g13[256][KH__NER_NLABELS], g14[256][KH__NER_NLABELS], g15[256][KH__NER_NLABELS];
  int32_t l1none[KH__NER_NLABELS], r1none[KH__NER_NLABELS], l2none[KH__NER_NLABELS], r2none[KH__NER_NLABELS];
};

/* A word occurs in a gazetteer name (any alias, lexicon lists included) of
** a person / place / organisation, first / last in a name of 2+ words. */
enum { KH__PART_PER = 1, KH__PART_LOC = 2, KH__PART_ORG = 4, KH__PART_FIRST = 8, KH__PART_LAST = 16,
       KH__PART_ONLY = 32 };

/* What the tagger reads of a word form (its normalized bytes and token
** kind), computed once per form and kept in a kh_analyze_cache across
** articles: the word's classes, and the summed weights of the features that
** depend on the form alone, as the token itself (self) and as the word one
** or two to the left or right of the token scored (l1, r1, l2, r2), and the
** form's row of the word x previous label features (fkey 20).  Integer
** sums: the scores are those of one lookup after another. */
#define KH__FORM_MAX 36 /* longer forms are never cached (spilled per document) */
#define KH__FORM_SPILL 0x80000000u
#define KH__FORM_SELF 1u /* self and pf */
#define KH__FORM_NB 2u   /* l1, r1, l2, r2 */
typedef struct kh__form {
  uint64_t h;           /* hash of the form (token h); 0 = empty slot */
  uint32_t stamp;       /* the last document that used it (no eviction within one) */
  uint8_t kind, nlen;
  uint8_t part, letter;
  uint16_t cls1, cls2, crow;
  uint8_t pre1;         /* the form alone starts a gazetteer alias of 2+ words */
  uint8_t wdone;        /* KH__FORM_SELF | KH__FORM_NB: the weights computed so far */
  uint32_t wcls;
  int32_t gaz1;         /* the first alias of the form alone, -1 */
  char s[KH__FORM_MAX];
  int32_t self[KH__NER_NLABELS], l1[KH__NER_NLABELS], r1[KH__NER_NLABELS], l2[KH__NER_NLABELS],
      r2[KH__NER_NLABELS];
  int16_t pf[KH__NER_NLABELS][KH__NER_NLABELS];
} kh__form;

struct kh_analyze_cache {
  const kh_analyzer *a; /* the analyzer and model generation its forms were computed with */
  const kh__ner_model *m;
  uint32_t gen;
  uint32_t stamp;       /* documents analyzed with it */
  size_t mask;          /* slots - 1 (direct-mapped on the form hash) */
  kh__form *v;
};

/* Load the compiled-in model (src/analyze/ner_model.h); a->ner stays NULL
** when the table is empty. */
int kh__ner_load(kh_analyzer *a);
void kh__ner_free(kh_analyzer *a);
/* kh__ner_free and the word-class map (kh_analyzer_free). */
void kh__ner_free_all(kh_analyzer *a);
/* Replace the analyzer's model by a table of n rows (keys and weights are
** copied; tools/train_ner.c evaluates a model it has just trained this way). */
int kh__ner_load_table(kh_analyzer *a, const uint32_t *keys, const int16_t (*w)[KH__NER_NLABELS], size_t n);
/* Gazetteer tags and word classes of every token (all aliases, lexicon
** lists included): sets toks[i].gaz, cls1, cls2.  Called once per
** document before tagging. */
void kh__ner_gaztags(kh__doc *d);
/* Feature keys of token i in sentence [t0, t1) given the previous label;
** returns their number (<= KH__NER_MAXF). */
int kh__ner_feats(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, int prev, uint32_t *out);
/* The same features without the three that depend on the previous label,
** and those three (out[0..2]). */
int kh__ner_feats_static(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, uint32_t *out);
void kh__ner_feats_prev(const kh__doc *d, int32_t i, int prev, uint32_t *out);
/* 1 if label l may follow label prev (BIO). */
int kh__ner_allowed(int prev, int l);
/* 1 if token i is labelled O without scoring: not a word, or a postposition,
** auxiliary or speech verb (half of Urdu news tokens; the trainer does the same). */
int kh__ner_skip(const kh__doc *d, int32_t i);
/* Every token's kh__form (toks[].form; its cls1, cls2, crow, part and
** letter as kh__ner_gaztags sets them), from d->fc or computed; sets d->rc
** on failure.  Before kh__ner_gaztags and kh__ner_tag. */
void kh__ner_forms(kh__doc *d);
/* The gazetteer's first alias for the word at token i alone (-1 if none),
** *seq its sequence hash, *more 1 if an alias of more words starts with it;
** from the token's form when there is one. */
int32_t kh__gaz_first(const kh__doc *d, size_t i, uint64_t *seq, int *more);
/* The static scores of token i in sentence [t0, t1) (the sums of the
** weights of kh__ner_feats_static's keys, bias not included), from the
** forms. */
void kh__ner_static_scores(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, int32_t *st);
/* Tag tokens [t0, t1) of d (one sentence): Viterbi under BIO constraints.
** Returns 0 or KH_ENOMEM (a sentence over 64 tokens needs a buffer). */
int kh__ner_tag(const kh__doc *d, int32_t t0, int32_t t1, uint8_t *labels);

#endif
