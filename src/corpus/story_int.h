/*
** story_int.h — what story.c (term vectors, the state in memory, the
** assignment) and story_write.c (the state written into the open batch;
** the assignment ahead of the writer) share.  Private to those two files;
** the design is in story.c.
*/
#ifndef KH_STORY_INT_H
#define KH_STORY_INT_H

#include "corpus.h"
#include "../store/store.h"

#include <string.h>

/* ---- a hash map from 64-bit keys to 32-bit values (open addressing) ---- */

typedef struct map64 {
  uint64_t *k; /* 0 = empty slot */
  uint32_t *v;
  size_t cap, n; /* cap a power of two */
} map64;

static inline uint64_t mkey(uint64_t k) { return k ? k : 0x9E3779B97F4A7C15ULL; }

static inline void map_free(map64 *m) {
  kh__free(m->k);
  kh__free(m->v);
  memset(m, 0, sizeof *m);
}

static inline void map_clear(map64 *m) {
  if (m->k) memset(m->k, 0, m->cap * sizeof *m->k);
  m->n = 0;
}

/* Index of key k's slot (occupied by k, or the empty slot where it goes). */
static inline size_t map_slot(const map64 *m, uint64_t k) {
  size_t i = (size_t)kh__mix64(k) & (m->cap - 1);
  while (m->k[i] && m->k[i] != k) i = (i + 1) & (m->cap - 1);
  return i;
}

/* Value of k, or UINT32_MAX. */
static inline uint32_t map_get(const map64 *m, uint64_t k) {
  if (!m->n) return UINT32_MAX;
  k = mkey(k);
  size_t i = map_slot(m, k);
  return m->k[i] ? m->v[i] : UINT32_MAX;
}

static inline int map_grow(map64 *m) {
  size_t cap = m->cap ? 2 * m->cap : 1024;
  uint64_t *k = kh__calloc(cap, sizeof *k);
  uint32_t *v = kh__malloc(cap * sizeof *v);
  if (!k || !v) {
    kh__free(k);
    kh__free(v);
    return KH_ENOMEM;
  }
  map64 old = *m;
  m->k = k;
  m->v = v;
  m->cap = cap;
  for (size_t i = 0; i < old.cap; i++)
    if (old.k[i]) {
      size_t j = map_slot(m, old.k[i]);
      m->k[j] = old.k[i];
      m->v[j] = old.v[i];
    }
  kh__free(old.k);
  kh__free(old.v);
  return 0;
}

/* Set k -> v (insert or replace).  0 or KH_ENOMEM. */
static inline int map_put(map64 *m, uint64_t k, uint32_t v) {
  if (2 * (m->n + 1) > m->cap && map_grow(m)) return KH_ENOMEM;
  k = mkey(k);
  size_t i = map_slot(m, k);
  if (!m->k[i]) {
    m->k[i] = k;
    m->n++;
  }
  m->v[i] = v;
  return 0;
}

/* ---- the state ---- */

/* An entity of a story with its weight (members mentioning it). */
typedef struct sent {
  int64_t id;
  float w;
} sent;

/* One active story. */
typedef struct smem {
  int64_t id, thread, size, seq;
  int64_t d0, d1;           /* first / last day, INT64_MIN if undated */
  char first[24], last[24]; /* published range as stored ("" = NULL) */
  kh__tv *c;                /* centroid, sorted by term */
  uint32_t nc;
  double norm;              /* |centroid| */
  sent *e;                  /* entities, sorted by id */
  uint32_t ne;
  double enorm;             /* |entity weights| */
  int dirty;
  int dead;                 /* left the active window (centroid freed) */
} smem;

/* A story listed under a term, with the term's weight in its centroid
** (0 once the term left the centroid). */
typedef struct post {
  uint32_t k; /* index in s->s */
  float w;
} post;

/* Stories listed under one term: a run of the rebuilt index plus the
** stories added since. */
typedef struct plist {
  uint32_t off, n; /* in the base array */
  post *x;         /* added since the rebuild */
  uint32_t nx, capx;
} plist;

/* One cached document frequency: the stored value and this batch's increment. */
typedef struct dfent {
  uint64_t term;
  uint32_t df;    /* in corpus_df */
  uint32_t delta; /* articles of the open batch with the term */
} dfent;

struct kh__stories {
  kh_story_opts o;     /* resolved options */
  int loaded;          /* state read from the database */
  int in_batch;        /* an add happened since the last flush / discard */
  int64_t ndocs;       /* articles counted (including the open batch) */
  int64_t ndocs_db;    /* ... as stored at the last load / flush */
  int64_t next_id;     /* next story id */
  smem *s;             /* active stories */
  uint32_t ns, caps;
  double *nrm;         /* their centroids' norms (s[k].norm), caps long: scoring reads
                       ** them without touching s[k] */
  uint32_t ndead;      /* ... of which dead, awaiting the next rebuild */
  map64 terms;         /* term -> index in pl */
  plist *pl;
  uint32_t npl, cappl;
  post *base;          /* the rebuilt index: runs of stories by term */
  size_t nbase;
  map64 dfmap;         /* term -> index in df */
  dfent *df;
  uint32_t ndf, capdf;
  uint32_t *dfdirty;   /* indexes in df with delta > 0 */
  uint32_t ndirty, capdirty;
  struct member {      /* story_member rows of the open batch */
    int64_t rowid, story;
    double sim;
    uint32_t n;
    kh__tv v[KH__VEC_TERMS];
  } *mem;
  uint32_t nmem, capmem;
  double *acc;         /* scoring scratch, one per story */
  uint32_t *touched;
  uint32_t cap_scratch;
  sqlite3_stmt *q_df, *q_member, *q_ents;
  int ahead;           /* kh__story_ahead's mode: no database, every df cached */
  uint32_t nahead;     /* articles assigned ahead since the last settle */
  kh__tv *scratch;     /* kh__story_ahead's copy of the counts */
  size_t capscratch;
};

#define KH__DF_CACHE (1u << 20) /* document frequencies cached */
#define KH__STORY_ENTS 32       /* entities kept per story */
#define KH__ART_ENTS 32         /* entities read per article (the LIMIT in article_ents) */

/* One article's assignment made ahead of the writer (corpus.h). */
struct kh__story_change {
  int64_t seq;   /* the article's number (ndocs after it) */
  int64_t story; /* joined or started */
  double sim;
  uint32_t n;    /* the member vector */
  kh__tv v[KH__VEC_TERMS];
  /* the story's row after the article */
  int64_t size, sseq, thread;
  char first[24], last[24];
  uint32_t nc, ne;
  kh__tv c[KH__CENTROID_TERMS];
  sent e[KH__STORY_ENTS];
  /* the document frequencies of the article's terms after it */
  uint32_t ndf;
  struct dfv {
    uint64_t term;
    uint32_t df;
  } df[];
};

/* ---- Interface to code in story.c ---- */

/* A vector as its blob: (term u64, weight f32) little-endian, 12 bytes each. */
void kh__story_vec_blob(const kh__tv *v, size_t n, unsigned char *out);
/* Grow *p (cap elements of elem bytes) to hold need; 0 or KH_ENOMEM. */
int kh__story_grow(void **p, uint32_t *cap, uint32_t need, size_t elem);
/* Free an active story's centroid and entities. */
void kh__story_smem_free(smem *m);
/* Forget the state in memory (loaded again before its next use). */
void kh__story_state_clear(kh__stories *s);
/* Rebuild the inverted index over the live stories' centroids. */
int kh__story_index_rebuild(kh__stories *s);
/* Entities as their blob: (id i64, count f32) little-endian, 12 bytes each. */
void kh__story_ents_blob(const sent *e, uint32_t n, unsigned char *out);
/* corpus_meta value of k (*rc set on an error). */
int64_t kh__story_meta_get(kh_db *db, const char *k, int *rc);
/* Load the state from the database (active stories, counts). */
int kh__story_state_load(kh__stories *s, kh_db *db);
/* Weigh and assign one article (its term counts v[0..*pn)); see story.c. */
int kh__story_assign(kh__stories *s, kh_db *db, int64_t rowid, const kh_article *a, kh__tv *v, size_t *pn,
                     int64_t *story_out, uint32_t *k_out, double *sim_out, kh__story_change *ch);

#endif
