/*
** story_write.c — the stories' state written into the open batch (the
** story, story_member and corpus_df rows of kh__stories_flush), and the
** assignment made ahead of the writer on the ingest worker with the log of
** its changes that the writer replays (kh__story_ahead, kh__story_log_*).
** The design is in story.c.
*/
#include "story_int.h"

#include <stdlib.h>

/* ---- writing the state into the open batch ---- */

#define KH__SQL_STORY                                                                                  \
  "INSERT INTO story(id, size, first, last, seq, thread, centroid, ents) "                             \
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO UPDATE SET "                             \
  "size = ?2, first = ?3, last = ?4, seq = ?5, thread = ?6, centroid = ?7, "                           \
  "ents = ?8"

/* One story row with st (KH__SQL_STORY).  0 or KH_EDB. */
static int write_story(sqlite3_stmt *st, int64_t id, int64_t size, const char *first, const char *last, int64_t seq,
                       int64_t thread, const kh__tv *c, uint32_t nc, const sent *e, uint32_t ne) {
  unsigned char cb[KH__CENTROID_TERMS * 12 + 12], eb[KH__STORY_ENTS * 12 + 12];
  kh__story_vec_blob(c, nc, cb);
  kh__story_ents_blob(e, ne, eb);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, size);
  if (first[0]) sqlite3_bind_text(st, 3, first, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, 3);
  if (last[0]) sqlite3_bind_text(st, 4, last, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, 4);
  sqlite3_bind_int64(st, 5, seq);
  sqlite3_bind_int64(st, 6, thread);
  sqlite3_bind_blob(st, 7, cb, (int)(nc * 12), SQLITE_STATIC);
  if (ne) sqlite3_bind_blob(st, 8, eb, (int)(ne * 12), SQLITE_STATIC);
  else sqlite3_bind_null(st, 8);
  int rc = sqlite3_step(st) != SQLITE_DONE ? KH_EDB : 0;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

static int flush_stories(kh__stories *s, kh_db *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, KH__SQL_STORY, -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  int rc = 0;
  for (uint32_t k = 0; k < s->ns && !rc; k++) {
    smem *m = &s->s[k];
    if (!m->dirty) continue;
    rc = write_story(st, m->id, m->size, m->first, m->last, m->seq, m->thread, m->c, m->nc, m->e, m->ne);
  }
  sqlite3_finalize(st);
  return rc;
}

static int flush_members(kh__stories *s, kh_db *db) {
  if (!s->nmem) return 0;
  if (!s->q_member &&
      sqlite3_prepare_v3(db->sql,
                         "INSERT OR REPLACE INTO story_member(rowid, story, sim, vec) VALUES (?, ?, ?, ?)",
                         -1, SQLITE_PREPARE_PERSISTENT, &s->q_member, NULL) != SQLITE_OK)
    return KH_EDB;
  int rc = 0;
  unsigned char blob[KH__VEC_TERMS * 12];
  for (uint32_t i = 0; i < s->nmem && !rc; i++) {
    struct member *mb = &s->mem[i];
    kh__story_vec_blob(mb->v, mb->n, blob);
    sqlite3_bind_int64(s->q_member, 1, mb->rowid);
    sqlite3_bind_int64(s->q_member, 2, mb->story);
    sqlite3_bind_double(s->q_member, 3, mb->sim);
    sqlite3_bind_blob(s->q_member, 4, blob, (int)(mb->n * 12), SQLITE_STATIC);
    rc = sqlite3_step(s->q_member) == SQLITE_DONE ? 0 : KH_EDB;
    sqlite3_reset(s->q_member);
  }
  s->nmem = 0;
  return rc;
}

static int flush_df(kh__stories *s, kh_db *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO corpus_df(term, df) VALUES (?, ?)", -1, &st,
                         NULL) != SQLITE_OK)
    return KH_EDB;
  int rc = 0;
  for (uint32_t i = 0; i < s->ndirty && !rc; i++) {
    dfent *d = &s->df[s->dfdirty[i]];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)d->term);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)d->df + d->delta);
    if (sqlite3_step(st) != SQLITE_DONE) rc = KH_EDB;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  if (sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO corpus_meta(k, v) VALUES ('ndocs', ?)", -1, &st,
                         NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(st, 1, s->ndocs);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(st);
  return rc;
}

/* After a successful flush: the written values become the stored ones;
** stories that left the active window are dropped and the index rebuilt. */
static int settle(kh__stories *s) {
  for (uint32_t i = 0; i < s->ndirty; i++) {
    dfent *d = &s->df[s->dfdirty[i]];
    d->df += d->delta;
    d->delta = 0;
  }
  s->ndirty = 0;
  s->ndocs_db = s->ndocs;
  if (s->ndf > KH__DF_CACHE) { /* bounded: start the cache afresh */
    map_clear(&s->dfmap);
    s->ndf = 0;
  }
  /* stories that left the active window die in place (their index entries
  ** stay, and are skipped by the window test); the index is rebuilt without
  ** them once they are a quarter of the stories */
  for (uint32_t k = 0; k < s->ns; k++) {
    smem *m = &s->s[k];
    m->dirty = 0;
    if (!m->dead && m->seq <= s->ndocs - s->o.active) {
      kh__story_smem_free(m);
      m->c = NULL;
      m->e = NULL;
      m->nc = m->ne = 0;
      m->dead = 1;
      s->ndead++;
    }
  }
  size_t extra = 0;
  for (uint32_t p = 0; p < s->npl; p++) extra += s->pl[p].nx;
  if (s->ndead * 4 <= s->ns && extra * 4 < s->nbase + 4096) return 0;
  uint32_t w = 0;
  for (uint32_t k = 0; k < s->ns; k++)
    if (!s->s[k].dead) {
      s->nrm[w] = s->nrm[k];
      s->s[w++] = s->s[k];
    }
  s->ns = w;
  s->ndead = 0;
  return kh__story_index_rebuild(s);
}

int kh__stories_flush(kh__stories *s, kh_db *db) {
  if (!s || !s->in_batch) return 0;
  int rc = flush_df(s, db);
  if (!rc) rc = flush_stories(s, db);
  if (!rc) rc = flush_members(s, db);
  if (!rc) rc = settle(s);
  if (rc) {
    kh__story_state_clear(s);
    return rc;
  }
  s->in_batch = 0;
  return 0;
}

/* ---- assignment ahead of the writer ---- */

int64_t kh__stories_stored_ndocs(kh_db *db, int *rc) { return kh__story_meta_get(db, "ndocs", rc); }

int kh__stories_ahead_begin(kh__stories *s, kh_db *db, int64_t *ndocs) {
  if (!s || s->ahead || s->in_batch || s->o.entity_weight > 0) return KH_EINVAL;
  int rc = 0;
  int64_t stored = kh__story_meta_get(db, "ndocs", &rc);
  if (rc) return rc;
  if (!s->loaded || stored != s->ndocs_db)
    if ((rc = kh__story_state_load(s, db))) return rc;
  /* every stored document frequency into the cache (the worker cannot read
  ** the database): a term missing there then has none */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM corpus_df", -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  if (n < 0) return KH_EDB;
  if ((uint64_t)n + s->ndf > KH__DF_CACHE / 2) return KH_ETOOBIG;
  if (sqlite3_prepare_v2(db->sql, "SELECT term, df FROM corpus_df", -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  int r;
  while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t t = (uint64_t)sqlite3_column_int64(st, 0);
    if (map_get(&s->dfmap, t) != UINT32_MAX) continue; /* cached already (the same value) */
    if (kh__story_grow((void **)&s->df, &s->capdf, s->ndf + 1, sizeof *s->df) || map_put(&s->dfmap, t, s->ndf)) {
      rc = KH_ENOMEM;
      break;
    }
    s->df[s->ndf++] = (dfent){t, (uint32_t)sqlite3_column_int64(st, 1), 0};
  }
  if (!rc && r != SQLITE_DONE) rc = KH_EDB;
  sqlite3_finalize(st);
  if (rc) {
    kh__story_state_clear(s);
    return rc;
  }
  s->ahead = 1;
  s->nahead = 0;
  *ndocs = s->ndocs;
  return 0;
}

void kh__stories_ahead_end(kh__stories *s) {
  if (!s) return;
  s->ahead = 0;
  kh__story_state_clear(s); /* read again: the stored state is the truth */
}

int kh__story_ahead(kh__stories *s, const kh_article *a, const kh__tv *counts, size_t ncounts,
                    kh__story_change **out) {
  *out = NULL;
  if (!s->ahead) return KH_EINVAL;
  if (ncounts > s->capscratch) {
    kh__tv *v = kh__realloc(s->scratch, ncounts * sizeof *v);
    if (!v) return KH_ENOMEM;
    s->scratch = v;
    s->capscratch = ncounts;
  }
  kh__story_change *ch = kh__malloc(sizeof *ch + ncounts * sizeof ch->df[0]);
  if (!ch) return KH_ENOMEM;
  if (ncounts) memcpy(s->scratch, counts, ncounts * sizeof *counts);
  size_t n = ncounts;
  ch->ndf = 0;
  int64_t story;
  uint32_t k;
  double sim;
  int rc = kh__story_assign(s, NULL, 0, a, s->scratch, &n, &story, &k, &sim, ch);
  if (rc) {
    kh__free(ch);
    return rc;
  }
  const smem *m = &s->s[k];
  ch->seq = s->ndocs;
  ch->story = story;
  ch->sim = sim;
  ch->n = (uint32_t)n;
  memcpy(ch->v, s->scratch, n * sizeof *ch->v);
  ch->size = m->size;
  ch->sseq = m->seq;
  ch->thread = m->thread;
  memcpy(ch->first, m->first, sizeof ch->first);
  memcpy(ch->last, m->last, sizeof ch->last);
  ch->nc = m->nc;
  memcpy(ch->c, m->c, m->nc * sizeof *ch->c);
  ch->ne = m->ne;
  if (m->ne) memcpy(ch->e, m->e, m->ne * sizeof *ch->e);
  /* what the flush would do after a batch: drop stories that left the
  ** window, rebuild the index (no effect on the outcome, only on memory) */
  if (++s->nahead >= KH_DB_BATCH) {
    s->nahead = 0;
    if ((rc = settle(s))) {
      kh__free(ch);
      return rc;
    }
  }
  *out = ch;
  return 0;
}

int64_t kh__story_change_seq(const kh__story_change *ch) { return ch->seq; }
void kh__story_change_free(kh__story_change *ch) { kh__free(ch); }

struct kh__story_log {
  struct lrec {
    int64_t rowid;
    kh__story_change *ch;
  } *r;
  uint32_t n, cap;
  map64 m; /* flush scratch: term or story id -> index */
  struct dfv *d;
  uint32_t capd;
  struct lsto {
    int64_t story;
    uint32_t i; /* its latest change */
  } *st;
  uint32_t capst;
};

void kh__story_log_mem(const kh__story_log *l, FILE *f) {
  if (!l) return;
  size_t ch = 0;
  for (uint32_t i = 0; i < l->n; i++) ch += sizeof *l->r[i].ch + l->r[i].ch->ndf * sizeof(struct dfv);
  fprintf(f, " log %u %.1f+%.1f", l->n, (l->cap * sizeof *l->r + l->m.cap * 12 + l->capd * sizeof(struct dfv) +
                                            l->capst * sizeof(struct lsto)) / 1e6, ch / 1e6);
}

int kh__story_log_new(kh__story_log **out) {
  *out = kh__calloc(1, sizeof **out);
  return *out ? 0 : KH_ENOMEM;
}

void kh__story_log_clear(kh__story_log *l) {
  if (!l) return;
  for (uint32_t i = 0; i < l->n; i++) kh__free(l->r[i].ch);
  l->n = 0;
}

void kh__story_log_free(kh__story_log *l) {
  if (!l) return;
  kh__story_log_clear(l);
  kh__free(l->r);
  map_free(&l->m);
  kh__free(l->d);
  kh__free(l->st);
  kh__free(l);
}

int kh__story_log_add(kh__story_log *l, int64_t rowid, kh__story_change *ch) {
  if (kh__story_grow((void **)&l->r, &l->cap, l->n + 1, sizeof *l->r)) {
    kh__free(ch);
    return KH_ENOMEM;
  }
  l->r[l->n++] = (struct lrec){rowid, ch};
  return 0;
}

static int cmp_lsto(const void *x, const void *y) {
  int64_t a = ((const struct lsto *)x)->story, b = ((const struct lsto *)y)->story;
  return a < b ? -1 : a > b;
}

/* The rows kh__stories_flush writes for the same articles: corpus_df of
** the batch's terms (in order of first use, their last value), ndocs, the
** changed stories (by id, their last row), the member rows. */
int kh__story_log_flush(kh__story_log *l, kh_db *db) {
  if (!l || !l->n) return 0;
  int rc = 0;
  sqlite3_stmt *st = NULL;
  uint32_t nd = 0, ns = 0;
  map_clear(&l->m);
  for (uint32_t i = 0; i < l->n && !rc; i++) {
    const kh__story_change *ch = l->r[i].ch;
    for (uint32_t j = 0; j < ch->ndf; j++) {
      uint32_t x = map_get(&l->m, ch->df[j].term);
      if (x != UINT32_MAX) {
        l->d[x].df = ch->df[j].df;
        continue;
      }
      if (kh__story_grow((void **)&l->d, &l->capd, nd + 1, sizeof *l->d) || map_put(&l->m, ch->df[j].term, nd)) {
        rc = KH_ENOMEM;
        break;
      }
      l->d[nd++] = ch->df[j];
    }
  }
  if (!rc && sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO corpus_df(term, df) VALUES (?, ?)", -1, &st,
                                NULL) != SQLITE_OK)
    rc = KH_EDB;
  for (uint32_t i = 0; !rc && i < nd; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)l->d[i].term);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)l->d[i].df);
    if (sqlite3_step(st) != SQLITE_DONE) rc = KH_EDB;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (!rc && sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO corpus_meta(k, v) VALUES ('ndocs', ?)", -1, &st,
                                NULL) != SQLITE_OK)
    rc = KH_EDB;
  if (!rc) {
    sqlite3_bind_int64(st, 1, l->r[l->n - 1].ch->seq);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  }
  sqlite3_finalize(st);
  st = NULL;
  /* stories: the last change of each, in id order (kh__stories_flush's order) */
  map_clear(&l->m);
  for (uint32_t i = 0; i < l->n && !rc; i++) {
    uint64_t id = (uint64_t)l->r[i].ch->story;
    uint32_t x = map_get(&l->m, id);
    if (x != UINT32_MAX) {
      l->st[x].i = i;
      continue;
    }
    if (kh__story_grow((void **)&l->st, &l->capst, ns + 1, sizeof *l->st) || map_put(&l->m, id, ns)) {
      rc = KH_ENOMEM;
      break;
    }
    l->st[ns++] = (struct lsto){l->r[i].ch->story, i};
  }
  if (!rc) qsort(l->st, ns, sizeof *l->st, cmp_lsto);
  if (!rc && sqlite3_prepare_v2(db->sql, KH__SQL_STORY, -1, &st, NULL) != SQLITE_OK) rc = KH_EDB;
  for (uint32_t k = 0; !rc && k < ns; k++) {
    const kh__story_change *ch = l->r[l->st[k].i].ch;
    rc = write_story(st, ch->story, ch->size, ch->first, ch->last, ch->sseq, ch->thread, ch->c, ch->nc, ch->e,
                     ch->ne);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (!rc && sqlite3_prepare_v2(db->sql,
                                "INSERT OR REPLACE INTO story_member(rowid, story, sim, vec) VALUES (?, ?, ?, ?)",
                                -1, &st, NULL) != SQLITE_OK)
    rc = KH_EDB;
  unsigned char blob[KH__VEC_TERMS * 12];
  for (uint32_t i = 0; !rc && i < l->n; i++) {
    const kh__story_change *ch = l->r[i].ch;
    kh__story_vec_blob(ch->v, ch->n, blob);
    sqlite3_bind_int64(st, 1, l->r[i].rowid);
    sqlite3_bind_int64(st, 2, ch->story);
    sqlite3_bind_double(st, 3, ch->sim);
    sqlite3_bind_blob(st, 4, blob, (int)(ch->n * 12), SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  kh__story_log_clear(l);
  return rc;
}
