/*
** terms.c — the store's term dictionary: every index term seen by this
** connection gets a small integer id, once.  kh_db_put_article tokenizes an
** article into the token cache (article.c); with a dictionary attached, each
** token's normalized form is looked up here as it is cached (its bytes are
** hashed once), and the entry remembers what would otherwise be computed
** again for every occurrence: whether it is a stopword, and its light stem
** (kh_stem runs once per distinct word).  The FTS5 tokenizer replays the
** cached tokens with their stems (fts5.c), and the champion lists count an
** article's terms by id with no hashing at all (champ.c).
**
**   kh__terms d = {0}; int rc = 0;
**   uint32_t id = kh__terms_intern(&d, "کتابیں", 12, &rc);
**   uint32_t s = kh__terms_stem(&d, id, &rc);  // id + 1 of "کتاب", 0 none
**   kh__terms_free(&d);
**
** Memory is bounded by its owner: champ.c empties the dictionary between
** batches once it holds more than KH__TERMS_MAX entries.
*/
#include "store.h"

/* 64-bit FNV-1a: the hash the forward rows store (h32 of it, champ.c). */
uint64_t kh__term_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

#define FRONT 4096 /* entries of the front cache (below) */

/* A front entry holds the bytes of a term up to FRONT_KEY long (most Urdu
** words: 8-12 bytes), so a hit reads this one line and not the arena. */
#define FRONT_KEY 16
_Static_assert(FRONT_KEY == 16, "the key is compared as two words");
struct kh__term_front {
  uint64_t ph;
  uint32_t id, len;
  uint64_t key[FRONT_KEY / 8]; /* the bytes, zero-padded (compared as words) */
};

void kh__terms_clear(kh__terms *d) {
  d->epoch++;
  d->n = 0;
  d->arena.len = 0;
  if (d->idx) memset(d->idx, 0, d->icap * sizeof *d->idx);
  if (d->front) memset(d->front, 0, FRONT * sizeof *d->front);
}

void kh__terms_free(kh__terms *d) {
  kh_free(d->front);
  kh_free(d->vraw);
  kh_free(d->lst);
  kh_free(d->idx);
  kh__buf_free(&d->arena);
  memset(d, 0, sizeof *d);
}

/* The probe hash: 8 bytes at a time (the FNV-1a above costs a dependent
** multiply per byte, and every token of every article is looked up); the
** stored kh__term.h stays FNV-1a, computed once per new term. */
static uint64_t probe_hash_k(const char *s, size_t n, uint64_t key[FRONT_KEY / 8]);
static uint64_t probe_hash(const char *s, size_t n) {
  uint64_t key[FRONT_KEY / 8];
  return probe_hash_k(s, n, key);
}

/* The probe hash, and in key the first FRONT_KEY bytes zero-padded (the
** words it hashes). */
static uint64_t probe_hash_k(const char *s, size_t n, uint64_t key[FRONT_KEY / 8]) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
  size_t k = 0;
  key[0] = key[1] = 0;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    if (k < FRONT_KEY / 8) key[k++] = w;
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    s += 8, n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    memcpy(&w, s, n);
    if (k < FRONT_KEY / 8) key[k] = w;
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
  }
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 32);
}

/* The table's slots hold ids; the entries keep the probe hash (ph).  In
** front of it a direct-mapped cache of FRONT recent lookups (probe hash,
** id, bytes): frequent words, most of the tokens, are found there without
** touching the large table, whose slots are spread over megabytes. */
static int grow_index(kh__terms *d) {
  size_t cap = d->icap ? d->icap * 2 : 4096;
  uint32_t *idx = kh__calloc(cap, sizeof *idx);
  if (!idx) return KH_ENOMEM;
  for (size_t i = 0; i < d->n; i++) {
    size_t j = d->v[i].ph & (cap - 1);
    while (idx[j]) j = (j + 1) & (cap - 1);
    idx[j] = (uint32_t)(i + 1);
  }
  kh_free(d->idx);
  d->idx = idx;
  d->icap = cap;
  return 0;
}

/* The id of s[0..n) (probe hash ph), or 0 with *at its empty slot. */
static uint32_t probe(const kh__terms *d, const char *s, size_t n, uint64_t ph, size_t *at) {
  size_t j = ph & (d->icap - 1);
  for (; d->idx[j]; j = (j + 1) & (d->icap - 1)) {
    const kh__term *t = &d->v[d->idx[j] - 1];
    if (t->ph == ph && t->len == n && !memcmp(d->arena.data + t->off, s, n)) return d->idx[j];
  }
  *at = j;
  return 0;
}

_Static_assert(sizeof(kh__term) == 64, "a term entry is one cache line");

/* Room for twice the entries: v on a 64-byte boundary of a new block (the
** allocator's realloc keeps only its own alignment), lst beside it. */
static int grow_entries(kh__terms *d) {
  size_t cap = d->vcap ? d->vcap * 2 : 2048;
  kh__term_list *l = kh__realloc(d->lst, cap * sizeof *l);
  if (!l) return KH_ENOMEM;
  d->lst = l;
  void *raw = kh__malloc(cap * sizeof(kh__term) + 63);
  if (!raw) return KH_ENOMEM;
  kh__term *v = (kh__term *)(void *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
  if (d->n) memcpy(v, d->v, d->n * sizeof *v);
  kh_free(d->vraw);
  d->vraw = raw;
  d->v = v;
  d->vcap = cap;
  return 0;
}

uint32_t kh__terms_find(const kh__terms *d, const char *s, size_t n) {
  if (!d->icap) return 0;
  size_t at;
  return probe(d, s, n, probe_hash(s, n), &at);
}

static uint32_t intern_ph(kh__terms *d, const char *s, size_t n, uint64_t ph, const uint64_t *key, int *rc);

uint32_t kh__terms_intern(kh__terms *d, const char *s, size_t n, int *rc) {
  if (*rc) return 0;
  uint64_t key[FRONT_KEY / 8];
  uint64_t ph = probe_hash_k(s, n, key);
  return intern_ph(d, s, n, ph, key, rc);
}

/* Every token of a cache: r->term, and the stem of each word's term (as
** kh__terms_intern and kh__terms_stem one by one).  The lookups are
** pipelined: a token's front slot and table slot are prefetched PF_A
** tokens ahead, its entry (found by the front slot or the table's first
** slot) PF_B ahead, so an article's misses overlap instead of each
** waiting on memory (the entries of a large dictionary are out of cache
** after the SQLite work of the previous article). */
#define PF_A 8
#define PF_B 4
int kh__terms_intern_cache(kh__terms *d, kh__tokcache *c) {
  int rc = 0;
  if (!c->n) return 0;
  if (!d->front && !(d->front = kh__calloc(FRONT, sizeof *d->front))) return KH_ENOMEM;
  uint64_t ring[PF_A + 1], keys[PF_A + 1][FRONT_KEY / 8];
  const char *norms = c->norms.data;
  for (size_t i = 0; i < c->n + PF_A && !rc; i++) {
    if (i < c->n) { /* stage A: hash, prefetch the slots */
      const kh__tokrec *r = &c->v[i];
      uint64_t ph = probe_hash_k(norms + r->off, r->len, keys[i % (PF_A + 1)]);
      ring[i % (PF_A + 1)] = ph;
      __builtin_prefetch(&d->front[ph & (FRONT - 1)]);
      if (d->icap) __builtin_prefetch(&d->idx[ph & (d->icap - 1)]);
    }
    if (i >= PF_B && i - PF_B < c->n) { /* stage B: prefetch the entry */
      const kh__tokrec *r = &c->v[i - PF_B];
      uint64_t ph = ring[(i - PF_B) % (PF_A + 1)];
      const struct kh__term_front *f = &d->front[ph & (FRONT - 1)];
      uint32_t id = f->ph == ph && f->len == r->len ? f->id : d->icap ? d->idx[ph & (d->icap - 1)] : 0;
      if (id && id <= d->n) __builtin_prefetch(&d->v[id - 1]);
    }
    if (i >= PF_A) { /* stage C: the lookup */
      kh__tokrec *r = &c->v[i - PF_A];
      r->term = intern_ph(d, norms + r->off, r->len, ring[(i - PF_A) % (PF_A + 1)], keys[(i - PF_A) % (PF_A + 1)], &rc);
      if (r->kind == KH_TOK_WORD) kh__terms_stem(d, r->term, &rc);
    }
  }
  return rc;
}

static uint32_t intern_ph(kh__terms *d, const char *s, size_t n, uint64_t ph, const uint64_t *key, int *rc) {
  struct kh__term_front *f = d->front ? &d->front[ph & (FRONT - 1)] : NULL;
  if (f && f->ph == ph && f->id && f->len == n &&
      (n <= FRONT_KEY ? f->key[0] == key[0] && f->key[1] == key[1] : !memcmp(d->arena.data + d->v[f->id - 1].off, s, n)))
    return f->id;
  if (!d->front && !(d->front = kh__calloc(FRONT, sizeof *d->front))) {
    *rc = KH_ENOMEM;
    return 0;
  }
  f = &d->front[ph & (FRONT - 1)];
  if ((d->n + 1) * 2 > d->icap && (*rc = grow_index(d))) return 0;
  size_t j;
  uint32_t id = probe(d, s, n, ph, &j);
  if (!id) {
    if (d->n == d->vcap && (*rc = grow_entries(d))) return 0;
    size_t off = d->arena.len;
    kh__buf_append(&d->arena, s, n, rc);
    if (*rc) return 0;
    kh__term *t = &d->v[d->n];
    memset(t, 0, sizeof *t);
    d->lst[d->n] = (kh__term_list){0, 0};
    t->h = kh__term_hash(s, n);
    t->ph = ph;
    t->off = (uint32_t)off;
    t->len = (uint32_t)n;
    t->stop = (uint8_t)(kh_is_stopword(s, n) != 0);
    d->idx[j] = id = (uint32_t)++d->n;
  }
  f->ph = ph;
  f->id = id;
  f->len = (uint32_t)n;
  f->key[0] = key[0];
  f->key[1] = key[1];
  return id;
}

uint32_t kh__terms_stem(kh__terms *d, uint32_t id, int *rc) {
  if (*rc || !id) return 0;
  kh__term *t = &d->v[id - 1];
  if (t->stemmed) return t->stem;
  char w[KH_MAX_TOKEN + 1], s[KH_MAX_TOKEN + 1];
  size_t wl = t->len <= KH_MAX_TOKEN ? t->len : KH_MAX_TOKEN;
  memcpy(w, d->arena.data + t->off, wl); /* the arena may move while the stem is added */
  int n = kh_stem(w, wl, s, sizeof s);
  uint32_t sid = 0;
  if (n > 0 && ((size_t)n != wl || memcmp(s, w, wl))) {
    sid = kh__terms_intern(d, s, (size_t)n, rc);
    if (*rc) return 0;
  }
  t = &d->v[id - 1];
  t->stem = sid;
  t->stemmed = 1;
  return sid;
}
