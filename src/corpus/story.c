/*
** story.c — online story clustering.  Each new article gets a term vector
** (TF-IDF of its content words: title words weigh title_weight (6) body
** words, (1 + log tf) * idf^2 with the IDF from the articles stored before
** it, top KH__VEC_TERMS terms, unit length) and
** joins the most similar story whose time span is within the window, or
** starts one.  Similarity is the cosine to the story's centroid; with the
** entity_weight option ew > 0 it is scaled by (1 - ew + ew * E), E the
** cosine of the article's canonical entities (people, places,
** organisations: the analyze layer's mention rows) with the story's, when
** both have some.  Off by default: on the gold it did not help (docs/corpus.md).  A new story that is similar to an earlier one at a lower
** level (>= thread threshold, within the thread window) joins its thread.
**
**   kh__stories *s; kh__stories_new(&opts, &s);
**   kh__story_add(s, db, rowid, article);   // in the put hook, per article
**   kh__stories_flush(s, db);               // just before each COMMIT
**   kh__stories_discard(s);                 // after a ROLLBACK
**
** The state an assignment reads is kept in memory: the active stories
** (updated within the last `active` articles: centroid, span, entities), an
** inverted index term -> stories over their centroid terms, and a cache of
** document frequencies with this batch's increments.  It is written to the
** story / corpus_df / corpus_meta tables in the same transaction as the
** articles (flush), so a kill loses nothing committed, and it is rebuilt
** from those tables when a connection starts writing (or when another
** writer changed them meanwhile).  A rollback drops it.  Memory is bounded
** by `active` stories and KH__DF_CACHE terms.
**
** Scoring is exact over the active stories: the article's terms walk the
** inverted index and accumulate dot products, so no probe cap decides the
** outcome.  Everything an assignment reads was written by earlier articles
** and the tie-break is by story id, so the stories depend only on the order
** of the articles (and the options): one batch or many sessions give the
** same stories.
*/
#include "story_int.h"

#include <math.h>
#include <stdlib.h>

/* ---- sparse vectors: (term, weight) sorted by term ---- */

static int cmp_term(const void *x, const void *y) {
  uint64_t a = ((const kh__tv *)x)->term, b = ((const kh__tv *)y)->term;
  return a < b ? -1 : a > b;
}

static int cmp_weight(const void *x, const void *y) {
  float a = ((const kh__tv *)x)->w, b = ((const kh__tv *)y)->w;
  if (a != b) return a > b ? -1 : 1;
  return cmp_term(x, y);
}

/* Keep the top k terms by weight, then sort by term. */
static size_t top_k(kh__tv *v, size_t n, size_t k) {
  if (n > k) {
    qsort(v, n, sizeof *v, cmp_weight);
    n = k;
  }
  qsort(v, n, sizeof *v, cmp_term);
  return n;
}

double kh__tv_dot(const kh__tv *a, size_t na, const kh__tv *b, size_t nb) {
  size_t i = 0, j = 0;
  double s = 0;
  while (i < na && j < nb) {
    if (a[i].term < b[j].term) i++;
    else if (a[i].term > b[j].term) j++;
    else s += (double)a[i++].w * b[j++].w;
  }
  return s;
}

static double norm2(const kh__tv *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)v[i].w * v[i].w;
  return sqrt(s);
}

void kh__story_vec_blob(const kh__tv *v, size_t n, unsigned char *out) {
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, &v[i].w, 4);
    for (unsigned b = 0; b < 8; b++) out[12 * i + b] = (unsigned char)(v[i].term >> (8 * b));
    for (unsigned b = 0; b < 4; b++) out[12 * i + 8 + b] = (unsigned char)(w >> (8 * b));
  }
}

size_t kh__tv_from_blob(const void *blob, size_t bytes, kh__tv *out, size_t cap) {
  const unsigned char *p = blob;
  size_t n = bytes / 12;
  if (n > cap) n = cap;
  for (size_t i = 0; i < n; i++) {
    uint64_t t = 0;
    uint32_t w = 0;
    for (unsigned b = 0; b < 8; b++) t |= (uint64_t)p[12 * i + b] << (8 * b);
    for (unsigned b = 0; b < 4; b++) w |= (uint32_t)p[12 * i + 8 + b] << (8 * b);
    out[i].term = t;
    memcpy(&out[i].w, &w, 4);
  }
  return n;
}

/* ---- term counts of one article ---- */

typedef struct tf_ctx {
  kh__tv *v; /* w holds the count while counting */
  size_t n, cap;
  float weight; /* 2 for the title, 1 for the body */
} tf_ctx;

static int tf_sink(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl) {
  tf_ctx *c = ctx;
  (void)start;
  (void)end;
  if (fl & KH__TOK_STOP) return 0;
  if (c->n == c->cap) {
    if (c->cap >= KH__CORPUS_MAX_TOKENS) return KH_ETOOBIG;
    size_t cap = c->cap ? 2 * c->cap : 256;
    kh__tv *v = kh__realloc(c->v, cap * sizeof *v);
    if (!v) return KH_ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  c->v[c->n++] = (kh__tv){h, c->weight};
  return 0;
}

size_t kh__tv_merge(kh__tv *v, size_t n) {
  /* up to 2,048 entries (an article's words): the repeats are merged first
  ** through a small hash table, a term's weights added in input order as
  ** after the stable sort below, and only the distinct terms are sorted */
  if (n > 1 && n <= 2048) {
    uint16_t at[4096]; /* 1 + index in v of a term kept, 0 empty */
    unsigned bits = 1;
    while (((size_t)1 << bits) < 2 * n) bits++;
    size_t mask = ((size_t)1 << bits) - 1, m = 0;
    memset(at, 0, (mask + 1) * sizeof *at);
    for (size_t i = 0; i < n; i++) {
      size_t h = (size_t)((v[i].term * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
      while (at[h] && v[at[h] - 1].term != v[i].term) h = (h + 1) & mask;
      if (at[h]) {
        v[at[h] - 1].w += v[i].w;
      } else {
        at[h] = (uint16_t)(m + 1);
        v[m++] = v[i];
      }
    }
    qsort(v, m, sizeof *v, cmp_term);
    return m;
  }
  qsort(v, n, sizeof *v, cmp_term);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (m && v[m - 1].term == v[i].term) v[m - 1].w += v[i].w;
    else v[m++] = v[i];
  }
  return m;
}

/* Raw term counts (a title word weighs tw) of an article, sorted by term, merged. */
static int term_counts(const kh_article *a, double tw, kh__tv **out, size_t *n) {
  tf_ctx c = {0};
  c.weight = (float)tw;
  int rc = a->title_len ? kh__tokens(a->title, a->title_len, KH__TOK_WANTSTOP, tf_sink, &c) : 0;
  c.weight = 1;
  if (!rc && a->body_len) rc = kh__tokens(a->body, a->body_len, KH__TOK_WANTSTOP, tf_sink, &c);
  if (rc) {
    kh__free(c.v);
    return rc;
  }
  *out = c.v;
  *n = kh__tv_merge(c.v, c.n);
  return 0;
}

/* Days since 1970-01-01 of "YYYY-MM-DD...", or INT64_MIN if undated. */
static int64_t day_of(const char *s, size_t n) {
  if (!s || n < 10 || s[4] != '-' || s[7] != '-') return INT64_MIN;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  if (m < 1 || m > 12 || d < 1 || d > 31) return INT64_MIN;
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* ---- the state (its types: story_int.h) ---- */

int kh__story_grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return 0;
  uint32_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = kh__realloc(*p, (size_t)c * elem);
  if (!q) return KH_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

/* Room for one more story in s->s (and s->nrm). */
static int grow_stories(kh__stories *s) {
  uint32_t cap = s->caps;
  if (kh__story_grow((void **)&s->s, &s->caps, s->ns + 1, sizeof *s->s)) return KH_ENOMEM;
  if (s->caps != cap || !s->nrm) {
    double *n = kh__realloc(s->nrm, (size_t)s->caps * sizeof *n);
    if (!n) return KH_ENOMEM;
    s->nrm = n;
  }
  return 0;
}

void kh__story_smem_free(smem *m) {
  kh__free(m->c);
  kh__free(m->e);
}

static void index_free(kh__stories *s) {
  for (uint32_t i = 0; i < s->npl; i++) kh__free(s->pl[i].x);
  s->npl = 0;
  map_clear(&s->terms);
  kh__free(s->base);
  s->base = NULL;
  s->nbase = 0;
}

/* Forget everything (it is read again from the database when needed). */
void kh__story_state_clear(kh__stories *s) {
  for (uint32_t i = 0; i < s->ns; i++) kh__story_smem_free(&s->s[i]);
  s->ns = s->ndead = 0;
  index_free(s);
  map_clear(&s->dfmap);
  s->ndf = s->ndirty = s->nmem = 0;
  s->loaded = s->in_batch = 0;
}

static void finalize(kh__stories *s) {
  sqlite3_finalize(s->q_df);
  sqlite3_finalize(s->q_member);
  sqlite3_finalize(s->q_ents);
  s->q_df = s->q_member = s->q_ents = NULL;
}

int kh__stories_new(const kh_story_opts *o, kh__stories **out) {
  kh__stories *s = kh__calloc(1, sizeof *s);
  if (!s) return KH_ENOMEM;
  if (o) s->o = *o;
  if (s->o.window_days <= 0) s->o.window_days = KH_STORY_WINDOW_DAYS;
  if (s->o.thread_days <= 0) s->o.thread_days = KH_THREAD_WINDOW_DAYS;
  if (s->o.join <= 0) s->o.join = KH_STORY_JOIN;
  if (s->o.thread <= 0) s->o.thread = KH_STORY_THREAD;
  if (s->o.entity_weight == 0) s->o.entity_weight = KH_STORY_ENTITY_WEIGHT;
  if (s->o.entity_weight < 0 || s->o.entity_weight >= 1) s->o.entity_weight = 0;
  if (s->o.active <= 0) s->o.active = KH_STORY_ACTIVE;
  if (s->o.title_weight <= 0) s->o.title_weight = KH_STORY_TITLE_WEIGHT;
  if (s->o.idf_power <= 0) s->o.idf_power = KH_STORY_IDF_POWER;
  *out = s;
  return 0;
}

double kh__stories_title_weight(const kh__stories *s) { return s->o.title_weight; }

void kh__stories_free(kh__stories *s) {
  if (!s) return;
  kh__story_state_clear(s);
  finalize(s);
  kh__free(s->s);
  map_free(&s->terms);
  kh__free(s->pl);
  map_free(&s->dfmap);
  kh__free(s->df);
  kh__free(s->dfdirty);
  kh__free(s->mem);
  kh__free(s->acc);
  kh__free(s->touched);
  kh__free(s->scratch);
  kh__free(s->nrm);
  kh__free(s);
}

void kh__stories_mem(const kh__stories *s, FILE *f) {
  if (!s) return;
  size_t cen = 0, pl = 0;
  for (uint32_t k = 0; k < s->ns; k++)
    cen += (s->s[k].c ? s->s[k].nc * sizeof(kh__tv) : 0) + (s->s[k].e ? s->s[k].ne * sizeof(sent) : 0);
  for (uint32_t i = 0; i < s->npl; i++) pl += s->pl[i].capx * sizeof(post);
  fprintf(f, " stories %u(%u dead) %.1f+%.1f cen", s->ns, s->ndead, s->caps * (sizeof(smem) + sizeof(double)) / 1e6,
          cen / 1e6);
  fprintf(f, " terms %zu %.1f pl %.1f+%.1f base %.1f", s->terms.n, s->terms.cap * 12 / 1e6,
          s->cappl * sizeof(plist) / 1e6, pl / 1e6, s->nbase * sizeof(post) / 1e6);
  fprintf(f, " df %u %.1f+%.1f mem %.1f acc %.1f", s->ndf, s->dfmap.cap * 12 / 1e6, s->capdf * sizeof(dfent) / 1e6,
          s->capmem * sizeof *s->mem / 1e6, s->cap_scratch * 12 / 1e6);
}

void kh__stories_discard(kh__stories *s) {
  if (s) kh__story_state_clear(s);
}

/* ---- the inverted index over centroid terms ---- */

/* The entry of story k under term t, or NULL. */
static post *index_find(kh__stories *s, uint64_t t, uint32_t k, uint32_t *p_out) {
  uint32_t p = map_get(&s->terms, t);
  *p_out = p;
  if (p == UINT32_MAX) return NULL;
  plist *l = &s->pl[p];
  post *b = s->base + l->off;
  for (uint32_t j = 0; j < l->n; j++)
    if (b[j].k == k) return &b[j];
  for (uint32_t j = 0; j < l->nx; j++)
    if (l->x[j].k == k) return &l->x[j];
  return NULL;
}

/* Set story k's weight under term t (listing it if it is not yet; fresh:
** k is a new story, listed nowhere yet). */
static int index_set(kh__stories *s, uint64_t t, uint32_t k, float w, int fresh) {
  uint32_t p;
  post *e = NULL;
  if (fresh) p = map_get(&s->terms, t);
  else e = index_find(s, t, k, &p);
  if (e) {
    e->w = w;
    return 0;
  }
  if (w == 0) return 0;
  if (p == UINT32_MAX) {
    if (kh__story_grow((void **)&s->pl, &s->cappl, s->npl + 1, sizeof *s->pl)) return KH_ENOMEM;
    p = s->npl;
    if (map_put(&s->terms, t, p)) return KH_ENOMEM;
    s->pl[s->npl++] = (plist){0, 0, NULL, 0, 0};
  }
  plist *l = &s->pl[p];
  if (kh__story_grow((void **)&l->x, &l->capx, l->nx + 1, sizeof *l->x)) return KH_ENOMEM;
  l->x[l->nx++] = (post){k, w};
  return 0;
}

/* Bring story k's entries in line with its centroid after it changed from
** old[0..nold) (sorted by term) to m->c. */
static int index_update(kh__stories *s, uint32_t k, const kh__tv *old, uint32_t nold, int fresh) {
  const smem *m = &s->s[k];
  uint32_t i = 0, j = 0;
  while (i < nold || j < m->nc) {
    int rc = 0;
    if (j == m->nc || (i < nold && old[i].term < m->c[j].term)) {
      rc = index_set(s, old[i++].term, k, 0, 0); /* left the centroid */
    } else if (i == nold || m->c[j].term < old[i].term) {
      rc = index_set(s, m->c[j].term, k, m->c[j].w, fresh); /* entered it */
      j++;
    } else {
      if (old[i].w != m->c[j].w) rc = index_set(s, m->c[j].term, k, m->c[j].w, 0);
      i++, j++;
    }
    if (rc) return rc;
  }
  return 0;
}

/* Rebuild the index from the centroids of the active stories. */
int kh__story_index_rebuild(kh__stories *s) {
  index_free(s);
  size_t total = 0;
  for (uint32_t k = 0; k < s->ns; k++) {
    smem *m = &s->s[k];
    for (uint32_t i = 0; i < m->nc; i++) {
      uint32_t p = map_get(&s->terms, m->c[i].term);
      if (p == UINT32_MAX) {
        if (kh__story_grow((void **)&s->pl, &s->cappl, s->npl + 1, sizeof *s->pl)) return KH_ENOMEM;
        p = s->npl;
        if (map_put(&s->terms, m->c[i].term, p)) return KH_ENOMEM;
        s->pl[s->npl++] = (plist){0, 0, NULL, 0, 0};
      }
      s->pl[p].n++;
    }
    total += m->nc;
  }
  s->base = kh__malloc((total ? total : 1) * sizeof *s->base);
  if (!s->base) return KH_ENOMEM;
  uint32_t off = 0;
  for (uint32_t p = 0; p < s->npl; p++) {
    s->pl[p].off = off;
    off += s->pl[p].n;
    s->pl[p].n = 0;
  }
  for (uint32_t k = 0; k < s->ns; k++)
    for (uint32_t i = 0; i < s->s[k].nc; i++) {
      plist *l = &s->pl[map_get(&s->terms, s->s[k].c[i].term)];
      s->base[l->off + l->n++] = (post){k, s->s[k].c[i].w};
    }
  s->nbase = total;
  return 0;
}

/* ---- entities ---- */

static double ent_norm(const sent *e, uint32_t n) {
  double q = 0;
  for (uint32_t i = 0; i < n; i++) q += (double)e[i].w * e[i].w;
  return sqrt(q);
}

void kh__story_ents_blob(const sent *e, uint32_t n, unsigned char *out) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, &e[i].w, 4);
    for (unsigned b = 0; b < 8; b++) out[12 * i + b] = (unsigned char)((uint64_t)e[i].id >> (8 * b));
    for (unsigned b = 0; b < 4; b++) out[12 * i + 8 + b] = (unsigned char)(w >> (8 * b));
  }
}

static uint32_t ents_from_blob(const void *blob, size_t bytes, sent *out, uint32_t cap) {
  kh__tv tmp[KH__STORY_ENTS];
  size_t n = kh__tv_from_blob(blob, bytes, tmp, cap < KH__STORY_ENTS ? cap : KH__STORY_ENTS);
  for (size_t i = 0; i < n; i++) out[i] = (sent){(int64_t)tmp[i].term, tmp[i].w};
  return (uint32_t)n;
}

static int cmp_sent_id(const void *x, const void *y) {
  int64_t a = ((const sent *)x)->id, b = ((const sent *)y)->id;
  return a < b ? -1 : a > b;
}

static int cmp_sent_w(const void *x, const void *y) {
  float a = ((const sent *)x)->w, b = ((const sent *)y)->w;
  if (a != b) return a > b ? -1 : 1;
  return cmp_sent_id(x, y);
}

/* Distinct entities the analyze layer found in article rowid (sorted ids).
** None when the analyze hook did not run first, or its tables are absent. */
static uint32_t article_ents(kh__stories *s, kh_db *db, int64_t rowid, int64_t *out) {
  if (db->pending_ents) { /* the analyze hook still holds this batch's rows */
    uint32_t n = db->pending_ents(db->pending_ctx, db, rowid, out, KH__ART_ENTS);
    if (n != UINT32_MAX) return n;
  }
  if (!s->q_ents && sqlite3_prepare_v3(db->sql,
                                       "SELECT DISTINCT entity FROM mention WHERE article = ? "
                                       "ORDER BY entity LIMIT 32",
                                       -1, SQLITE_PREPARE_PERSISTENT, &s->q_ents, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_int64(s->q_ents, 1, rowid);
  uint32_t n = 0;
  while (n < KH__ART_ENTS && sqlite3_step(s->q_ents) == SQLITE_ROW)
    out[n++] = sqlite3_column_int64(s->q_ents, 0);
  sqlite3_reset(s->q_ents);
  return n;
}

/* Cosine of the article's entity set (weight 1 each) with a story's. */
static double ent_sim(const int64_t *ae, uint32_t na, const smem *m) {
  if (!na || !m->ne || m->enorm <= 0) return 0;
  double dot = 0;
  uint32_t i = 0, j = 0;
  while (i < na && j < m->ne) {
    if (ae[i] < m->e[j].id) i++;
    else if (ae[i] > m->e[j].id) j++;
    else dot += m->e[j++].w, i++;
  }
  return dot / (sqrt((double)na) * m->enorm);
}

/* ---- loading from the database ---- */

int64_t kh__story_meta_get(kh_db *db, const char *k, int *rc) {
  sqlite3_stmt *st;
  int64_t v = 0;
  if (sqlite3_prepare_v2(db->sql, "SELECT v FROM corpus_meta WHERE k = ?", -1, &st, NULL) != SQLITE_OK) {
    *rc = KH_EDB;
    return 0;
  }
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void copy_date(char out[24], const unsigned char *t, int n) {
  if (!t || n <= 0 || n >= 24) {
    out[0] = 0;
    return;
  }
  memcpy(out, t, (size_t)n);
  out[n] = 0;
}

/* Read the active stories, the article count and the next story id. */
int kh__story_state_load(kh__stories *s, kh_db *db) {
  kh__story_state_clear(s);
  int rc = 0;
  s->ndocs = s->ndocs_db = kh__story_meta_get(db, "ndocs", &rc);
  if (rc) return rc;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT coalesce(max(id), 0) FROM story", -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  s->next_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) + 1 : 1;
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT id, size, first, last, seq, thread, centroid, ents FROM story "
                         "WHERE seq > ? ORDER BY id",
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(st, 1, s->ndocs - s->o.active);
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    if ((rc = grow_stories(s))) break;
    smem *m = &s->s[s->ns];
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    m->size = sqlite3_column_int64(st, 1);
    copy_date(m->first, sqlite3_column_text(st, 2), sqlite3_column_bytes(st, 2));
    copy_date(m->last, sqlite3_column_text(st, 3), sqlite3_column_bytes(st, 3));
    m->d0 = day_of(m->first, strlen(m->first));
    m->d1 = day_of(m->last, strlen(m->last));
    m->seq = sqlite3_column_int64(st, 4);
    m->thread = sqlite3_column_int64(st, 5);
    if (!m->thread) m->thread = m->id;
    size_t cb = (size_t)sqlite3_column_bytes(st, 6), eb = (size_t)sqlite3_column_bytes(st, 7);
    m->c = kh__malloc((cb / 12 + 1) * sizeof *m->c);
    m->e = kh__malloc((eb / 12 + 1) * sizeof *m->e);
    s->ns++;
    if (!m->c || !m->e) {
      rc = KH_ENOMEM;
      break;
    }
    m->nc = (uint32_t)kh__tv_from_blob(sqlite3_column_blob(st, 6), cb, m->c, KH__CENTROID_TERMS);
    m->norm = s->nrm[s->ns - 1] = norm2(m->c, m->nc);
    m->ne = ents_from_blob(sqlite3_column_blob(st, 7), eb, m->e, KH__STORY_ENTS);
    m->enorm = ent_norm(m->e, m->ne);
  }
  sqlite3_finalize(st);
  if (!rc) rc = kh__story_index_rebuild(s);
  if (rc) {
    kh__story_state_clear(s);
    return rc;
  }
  s->loaded = 1;
  return 0;
}

/* ---- document frequencies ---- */

/* Cached entry of term t, read from corpus_df on a miss. */
static int df_entry(kh__stories *s, kh_db *db, uint64_t t, uint32_t *out) {
  uint32_t i = map_get(&s->dfmap, t);
  if (i != UINT32_MAX) {
    *out = i;
    return 0;
  }
  if (!db) { /* ahead: every stored df is cached, so the term has none */
    if (s->ndf >= KH__DF_CACHE) return KH_ETOOBIG; /* the cache cannot be cleared here */
    if (kh__story_grow((void **)&s->df, &s->capdf, s->ndf + 1, sizeof *s->df)) return KH_ENOMEM;
    if (map_put(&s->dfmap, t, s->ndf)) return KH_ENOMEM;
    s->df[s->ndf] = (dfent){t, 0, 0};
    *out = s->ndf++;
    return 0;
  }
  if (!s->q_df && sqlite3_prepare_v3(db->sql, "SELECT df FROM corpus_df WHERE term = ?", -1,
                                     SQLITE_PREPARE_PERSISTENT, &s->q_df, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(s->q_df, 1, (sqlite3_int64)t);
  int64_t df = 0;
  int r = sqlite3_step(s->q_df);
  if (r == SQLITE_ROW) df = sqlite3_column_int64(s->q_df, 0);
  sqlite3_reset(s->q_df);
  if (r != SQLITE_ROW && r != SQLITE_DONE) return KH_EDB;
  if (kh__story_grow((void **)&s->df, &s->capdf, s->ndf + 1, sizeof *s->df)) return KH_ENOMEM;
  if (map_put(&s->dfmap, t, s->ndf)) return KH_ENOMEM;
  s->df[s->ndf] = (dfent){t, (uint32_t)df, 0};
  *out = s->ndf++;
  return 0;
}

/* TF-IDF weights with the document frequencies so far; then count this
** article into them. */
static int weigh(kh__stories *s, kh_db *db, kh__tv *v, size_t n, kh__story_change *ch) {
  for (size_t i = 0; i < n; i++) {
    uint32_t k;
    int rc = df_entry(s, db, v[i].term, &k);
    if (rc) return rc;
    dfent *d = &s->df[k];
    double df = (double)d->df + d->delta;
    /* In a new database the first articles would weigh every word they
    ** do not share with the few before them up to 2.9 times (idf^2 with
    ** 1 article stored) the words they share, so two reports of one event
    ** among the first dozen articles never reach the join threshold: the
    ** IDF counts at least KH_STORY_IDF_MIN_DOCS articles (no change
    ** beyond them). */
    double nd = s->ndocs < KH_STORY_IDF_MIN_DOCS ? (double)KH_STORY_IDF_MIN_DOCS : (double)s->ndocs;
    double idf = log((nd + 1.0) / (df + 1.0)) + 1.0;
    /* idf^2 (idf_power): the words shared by the articles of one story are
    ** rarer than the words shared by two stories of a kind (a match, a
    ** price report), so rare words should count for more than plain
    ** TF-IDF gives them; and a title word weighs 6 body words (the
    ** counts): stories_eval --sweep, docs/corpus.md */
    if (s->o.idf_power != 1) idf = pow(idf, s->o.idf_power);
    /* counts below 1 (a title word with title_weight < 1) stay positive */
    v[i].w = (float)((v[i].w >= 1 ? 1.0 + log(v[i].w) : v[i].w) * idf);
    if (!d->delta) {
      if (kh__story_grow((void **)&s->dfdirty, &s->capdirty, s->ndirty + 1, sizeof *s->dfdirty))
        return KH_ENOMEM;
      s->dfdirty[s->ndirty++] = k;
    }
    d->delta++;
    if (ch) ch->df[ch->ndf++] = (struct dfv){d->term, d->df + d->delta};
  }
  s->ndocs++;
  return 0;
}

/* ---- assignment ---- */

typedef struct cand {
  int64_t id;
  uint32_t k; /* index in s->s */
  double sim;
} cand;

static int better(double sim, int64_t id, const cand *c) {
  return sim > c->sim || (sim == c->sim && c->sim > 0 && id < c->id);
}

/* Best story to join and best story to thread with, over the active stories. */
static int best_story(kh__stories *s, const kh__tv *v, size_t n, const int64_t *ae, uint32_t na,
                      int64_t day, int64_t seq, cand *best, cand *best_thread) {
  *best = *best_thread = (cand){0, UINT32_MAX, 0};
  if (s->cap_scratch < s->ns) {
    uint32_t cap = s->ns + 1024;
    double *acc = kh__realloc(s->acc, cap * sizeof *acc);
    if (!acc) return KH_ENOMEM;
    s->acc = acc;
    uint32_t *t = kh__realloc(s->touched, cap * sizeof *t);
    if (!t) return KH_ENOMEM;
    s->touched = t;
    for (uint32_t i = s->cap_scratch; i < cap; i++) s->acc[i] = -1;
    s->cap_scratch = cap;
  }
  uint32_t nt = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t p = map_get(&s->terms, v[i].term);
    if (p == UINT32_MAX) continue;
    const plist *l = &s->pl[p];
    const post *b = s->base + l->off;
    float w = v[i].w;
    for (uint32_t j = 0; j < l->n + l->nx; j++) {
      const post *e = j < l->n ? &b[j] : &l->x[j - l->n];
      if (e->w == 0) continue; /* the term left that centroid */
      uint32_t k = e->k;
      if (s->acc[k] < 0) {
        s->acc[k] = 0;
        s->touched[nt++] = k;
      }
      s->acc[k] += (double)w * e->w;
    }
  }
  double ew = na ? s->o.entity_weight : 0;
  /* below both thresholds a story decides nothing (no join, no thread:
  ** the best one below them is as good as none), and with ew == 0 the
  ** similarity is the cosine: skip those without reading the story */
  double floor = s->o.join < s->o.thread ? s->o.join : s->o.thread;
  for (uint32_t i = 0; i < nt; i++) {
    uint32_t k = s->touched[i];
    double nk = s->nrm[k];
    double cos = nk > 0 ? s->acc[k] / nk : 0;
    s->acc[k] = -1;
    if (ew == 0 && cos < floor) continue;
    const smem *m = &s->s[k];
    if (seq - m->seq > s->o.active) continue; /* left memory (maybe not evicted yet) */
    /* entities: when both sides name some, the share they have in common
    ** scales the text similarity (none in common: (1 - ew) of it) */
    double sim = ew > 0 && m->ne ? cos * (1 - ew + ew * ent_sim(ae, na, m)) : cos;
    int in_window, in_thread_window;
    if (day != INT64_MIN && m->d0 != INT64_MIN) {
      in_window = day >= m->d0 - s->o.window_days && day <= m->d1 + s->o.window_days;
      in_thread_window = day >= m->d0 - s->o.thread_days && day <= m->d1 + s->o.thread_days;
    } else { /* undated: a window of recent articles instead */
      in_window = seq - m->seq <= KH__UNDATED_WINDOW;
      in_thread_window = 1;
    }
    if (in_window && better(sim, m->id, best)) *best = (cand){m->id, k, sim};
    if (in_thread_window && better(sim, m->id, best_thread)) *best_thread = (cand){m->thread, k, sim};
  }
  return 0;
}

static void set_span(smem *m, const char *pub, size_t publen) {
  if (!pub || !publen || publen >= 24) return;
  char d[24];
  memcpy(d, pub, publen);
  d[publen] = 0;
  if (!m->first[0] || strcmp(d, m->first) < 0) memcpy(m->first, d, publen + 1);
  if (!m->last[0] || strcmp(d, m->last) > 0) memcpy(m->last, d, publen + 1);
  m->d0 = day_of(m->first, strlen(m->first));
  m->d1 = day_of(m->last, strlen(m->last));
}

/* Add the article's entities (weight 1 each) to the story's, top kept. */
static int add_ents(smem *m, const int64_t *ae, uint32_t na) {
  if (!na) return 0;
  sent *e = kh__malloc((m->ne + na) * sizeof *e);
  if (!e) return KH_ENOMEM;
  uint32_t n = 0, i = 0, j = 0;
  while (i < m->ne || j < na) {
    if (j == na || (i < m->ne && m->e[i].id < ae[j])) e[n++] = m->e[i++];
    else if (i == m->ne || ae[j] < m->e[i].id) e[n++] = (sent){ae[j++], 1.0f};
    else {
      e[n] = m->e[i++];
      e[n++].w += 1.0f;
      j++;
    }
  }
  if (n > KH__STORY_ENTS) {
    qsort(e, n, sizeof *e, cmp_sent_w);
    n = KH__STORY_ENTS;
    qsort(e, n, sizeof *e, cmp_sent_id);
  }
  kh__free(m->e);
  m->e = e;
  m->ne = n;
  m->enorm = ent_norm(e, n);
  return 0;
}

/* Add v to story k's centroid (sum of member vectors, top terms kept). */
static int join_story(kh__stories *s, uint32_t k, const kh__tv *v, size_t n, const int64_t *ae,
                      uint32_t na, const char *pub, size_t publen, int64_t seq) {
  smem *m = &s->s[k];
  kh__tv *cv = kh__malloc((m->nc + n) * sizeof *cv);
  if (!cv) return KH_ENOMEM;
  memcpy(cv, m->c, m->nc * sizeof *cv);
  size_t nc = m->nc, mm = nc;
  for (size_t i = 0; i < n; i++) {
    kh__tv *hit = bsearch(&v[i], cv, nc, sizeof *cv, cmp_term);
    if (hit) hit->w += v[i].w;
    else cv[mm++] = v[i];
  }
  mm = top_k(cv, mm, KH__CENTROID_TERMS);
  kh__tv *old = m->c;
  uint32_t nold = m->nc;
  m->c = cv;
  m->nc = (uint32_t)mm;
  m->norm = s->nrm[k] = norm2(cv, mm);
  m->size++;
  m->seq = seq;
  m->dirty = 1;
  set_span(m, pub, publen);
  int rc = add_ents(m, ae, na);
  if (!rc) rc = index_update(s, k, old, nold, 0);
  kh__free(old);
  return rc;
}

static int new_story(kh__stories *s, const kh__tv *v, size_t n, const int64_t *ae, uint32_t na,
                     const char *pub, size_t publen, int64_t seq, int64_t thread, int64_t *id) {
  if (grow_stories(s)) return KH_ENOMEM;
  smem *m = &s->s[s->ns];
  memset(m, 0, sizeof *m);
  m->c = kh__malloc((n ? n : 1) * sizeof *m->c);
  if (!m->c) return KH_ENOMEM;
  memcpy(m->c, v, n * sizeof *m->c);
  s->ns++;
  m->nc = (uint32_t)n;
  m->norm = s->nrm[s->ns - 1] = norm2(v, n);
  m->id = s->next_id++;
  m->thread = thread ? thread : m->id;
  m->size = 1;
  m->seq = seq;
  m->d0 = m->d1 = INT64_MIN;
  m->dirty = 1;
  set_span(m, pub, publen);
  *id = m->id;
  int rc = add_ents(m, ae, na);
  return rc ? rc : index_update(s, s->ns - 1, NULL, 0, 1);
}

/* The assignment of one article whose raw term counts are v[0..*pn): v is
** weighed, cut to the vector and normalized in place (*pn its length then);
** the story joined or started, its index in s->s and the similarity out.
** With ch (ahead: db NULL) the terms' document frequencies go into ch. */
int kh__story_assign(kh__stories *s, kh_db *db, int64_t rowid, const kh_article *a, kh__tv *v, size_t *pn,
                     int64_t *story_out, uint32_t *k_out, double *sim_out, kh__story_change *ch) {
  size_t n = *pn;
  int rc;
  if ((rc = weigh(s, db, v, n, ch))) return rc;
  n = top_k(v, n, KH__VEC_TERMS);
  double len = norm2(v, n);
  for (size_t i = 0; i < n && len > 0; i++) v[i].w = (float)(v[i].w / len);
  int64_t seq = s->ndocs; /* this article's number (1-based) */
  int64_t day = day_of(a->published, a->published_len);
  int64_t ae[KH__ART_ENTS];
  uint32_t na = db && s->o.entity_weight > 0 ? article_ents(s, db, rowid, ae) : 0;
  cand best, thread;
  if ((rc = best_story(s, v, n, ae, na, day, seq, &best, &thread))) return rc;
  int64_t story = best.id;
  double sim = best.sim;
  uint32_t k = best.k;
  if (story && best.sim >= s->o.join) {
    rc = join_story(s, best.k, v, n, ae, na, a->published, a->published_len, seq);
  } else {
    rc = new_story(s, v, n, ae, na, a->published, a->published_len, seq,
                   thread.sim >= s->o.thread ? thread.id : 0, &story);
    sim = 1.0;
    k = s->ns - 1;
  }
  if (rc) return rc;
  *pn = n;
  *story_out = story;
  *k_out = k;
  *sim_out = sim;
  return 0;
}

int kh__story_add(kh__stories *s, kh_db *db, int64_t rowid, const kh_article *a, kh__tv *counts,
                  size_t ncounts) {
  int rc;
  if (s->ahead) return KH_EINVAL; /* the worker's until kh__stories_ahead_end */
  if (!s->in_batch) {
    /* a batch starts: (re)load unless the stored state is still ours */
    int64_t stored = kh__story_meta_get(db, "ndocs", &(int){0});
    if (!s->loaded || stored != s->ndocs_db)
      if ((rc = kh__story_state_load(s, db))) return rc;
    s->in_batch = 1;
  }
  kh__tv *v = counts;
  size_t n = ncounts;
  if (!v && (rc = term_counts(a, s->o.title_weight, &v, &n))) return rc;
  int64_t story;
  uint32_t k;
  double sim;
  if ((rc = kh__story_assign(s, db, rowid, a, v, &n, &story, &k, &sim, NULL))) goto out;
  /* the member row is written with the batch (see db.c: no write
  ** statement per article while FTS5 holds pending terms) */
  if ((rc = kh__story_grow((void **)&s->mem, &s->capmem, s->nmem + 1, sizeof *s->mem))) goto out;
  struct member *mb = &s->mem[s->nmem++];
  mb->rowid = rowid;
  mb->story = story;
  mb->sim = sim;
  mb->n = (uint32_t)n;
  memcpy(mb->v, v, n * sizeof *v);
out:
  if (v != counts) kh__free(v);
  return rc;
}
