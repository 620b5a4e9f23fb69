/*
** champ.c — champion lists: top-k search for queries whose words are all
** frequent, without scoring every matching row.
**
** FTS5 ranks by computing BM25 for every row that matches before it keeps
** the best ten; a word found in half of a million articles costs about a
** second.  For such words khabar keeps, in the same file, the r = CH_R
** articles with the highest BM25 term weight ("champion list", Manning,
** Raghavan & Schütze, Introduction to IR, §7.1.3; ordered by impact, §7.1.5):
**
**   search_term(term, df, state, n, floor, aref)   terms being followed:
**       state 4 = counted (df below CH_T; exact in the file but for the
**       last few batches, kept in memory), 2 = a list is wanted
**       (df reached CH_T, or the average length drifted; built after a
**       commit), 1 = the term has a list, 3 = cannot be built
**   search_champ(term, imp, doc, d, dl)            the list, by impact
**   search_fwd(rowid, dl, terms)                   per article: its length
**       and (hash32 of term, weighted tf) for every term, sorted by hash —
**       a forward index, so AND is checked without touching FTS5; every
**       article of a list has one (articles stored before counting began
**       only once a list takes them)
**   search_meta(k, v)                              docs, tokens, fwd_from,
**       scanned, min_dl, gen, fwd_all (from this rowid on every article
**       has a forward row), unseen (articles no completed window counted)
**
** The weight of a term in an article is exactly FTS5's bm25 term weight
** without the idf: d = 4·tf(title) + tf(body) (the rank's column weights)
** and imp = d·(k1+1) / (d + k1·(1 − b + b·dl/aref)), aref the average
** article length when the list was built (kept per term so that every
** entry of one list is comparable).
**
** Ingest.  Terms are counted only once the file holds t/2 articles (no
** term reaches df t before; a file whose older articles predate the lists
** never gets any): until then a put only adds the article's length.
** Counting is array work: the token caches intern every token in the
** connection's term dictionary as they are filled (terms.c; its bytes are
** hashed once, its stem and stopword flag computed once per term), and
** kh__champ_put walks the cached ids, adding d per term in the dictionary
** entry.  Per article (kh__champ_put): its (term, d) pairs go to the batch
** in memory; for a term with a list it becomes a candidate only if its
** weight beats the list's floor (kept in memory).  Per batch
** (kh__champ_flush): the df of terms with a list is added in the file and
** their candidates that still beat the floor (re-read there) go in, trimmed
** back to r; once the file holds t articles, the forward row of every
** article of the batch is written from memory (a build picking one of the
** first t articles makes its row from the stored text); counted terms (state 4) keep their df in
** memory, written every CH_PEND_BATCHES batches and at close, and move to
** "wanted" at CH_T; other terms are counted per window of CH_WINDOW
** articles, and one in 0.5% of a window is followed from then on with its
** df from FTS5 (fts5vocab row: one doclist).  After the commit
** (kh__champ_build) wanted lists are built from fts5vocab instance rows
** and FTS5's article lengths (docsize), a bounded number of posting rows
** per commit; each time the articles double, FTS5's vocabulary is scanned
** for terms of df >= CH_T that no window caught (not needed, and skipped,
** while every article was counted by a completed window: an unfollowed
** term then has df <= unseen + 0.45% of the rest).  A list is rebuilt when
** the average length moved more than CH_DRIFT since aref.  search_meta
** 'gen' changes with every write of these tables, so a connection reads
** the states again when another one wrote.
**
** Query: champ_query.c.
**
** A file from before this step has no forward rows for its old articles
** (fwd_from > 1): its searches keep the FTS5 path; new articles are
** still indexed here.
*/
#include "champ.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>

long kh__champ_stat[KH__CHAMP_NSTAT];
long kh__champ_fwd_read;
long kh__champ_fwd_budget = -1;
long kh__champ_drive_max = CH_DRIVE_MAX;
double kh__champ_drive_ratio = CH_DRIVE_RATIO;
long kh__champ_drive_read;
int kh__champ_df_memo = 1;
long kh__champ_df_stat[2];

static const char *const SQL[NSTMT] = {
    [S_FWD_INS] = "INSERT OR REPLACE INTO search_fwd(rowid, dl, terms) VALUES (?1, ?2, ?3)",
    [S_DF_ADD] = "UPDATE search_term SET df = df + ?2 WHERE term = ?1 RETURNING df, state, n, floor, aref",
    [S_WANT] = "INSERT OR IGNORE INTO search_term(term, df, state) VALUES (?1, 0, 2)",
    [S_TRACKED] = "SELECT term, df, state, n, floor, aref FROM search_term",
    [S_PEND] = "UPDATE search_term SET df = df + ?2 WHERE term = ?1 AND state = 4",
    [S_DF_SET] = "UPDATE search_term SET df = ?2 WHERE term = ?1",
    [S_SCAN] = "SELECT term FROM temp.kh_search_vocab_row WHERE doc >= ?1",
    [S_STATE] = "UPDATE search_term SET state = ?2 WHERE term = ?1",
    [S_CH_INS] = "INSERT OR REPLACE INTO search_champ(term, imp, doc, d, dl) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_CH_TRIM] = "DELETE FROM search_champ WHERE term = ?1 AND (imp, doc) IN"
                  " (SELECT imp, doc FROM search_champ WHERE term = ?1 ORDER BY imp, doc LIMIT ?2)",
    [S_FLOOR] = "SELECT imp FROM search_champ WHERE term = ?1 ORDER BY imp LIMIT 1",
    [S_TERM_UPD] = "UPDATE search_term SET state = 1, n = ?2, floor = ?3, aref = ?4 WHERE term = ?1",
    [S_META_GET] = "SELECT (SELECT v FROM search_meta WHERE k = 'docs'),"
                   " (SELECT v FROM search_meta WHERE k = 'tokens'),"
                   " (SELECT v FROM search_meta WHERE k = 'fwd_from'),"
                   " (SELECT v FROM search_meta WHERE k = 'scanned'),"
                   " (SELECT v FROM search_meta WHERE k = 'min_dl')",
    [S_META_ADD] = "UPDATE search_meta SET v = v + ?2 WHERE k = ?1",
    [S_META_MIN] = "INSERT INTO search_meta VALUES ('min_dl', ?1) ON CONFLICT(k) DO UPDATE SET v = min(v, excluded.v)",
    [S_META_KEY] = "SELECT v FROM search_meta WHERE k = ?1",
    [S_META_SET] = "INSERT INTO search_meta VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    [S_FOLLOW] = "INSERT OR IGNORE INTO search_term(term, df, state) VALUES (?1, ?2, 4)",
    [S_DF_ROW] = "SELECT doc FROM temp.kh_search_vocab_row WHERE term = ?1",
    [S_GEN] = "SELECT coalesce((SELECT v FROM search_meta WHERE k = 'gen'), 0)",
    [S_GEN_BUMP] = "INSERT INTO search_meta VALUES ('gen', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1 RETURNING v",
    [S_PENDING] = "SELECT term FROM search_term WHERE state = 2 LIMIT 64",
    [S_VOCAB] = "SELECT doc, col = 'title' FROM temp.kh_search_vocab WHERE term = ?1",
    [S_DOCSIZE] = "SELECT sz FROM article_fts_docsize WHERE id = ?1",
    [S_FWD_HAS] = "SELECT 1 FROM search_fwd WHERE rowid = ?1",
    [S_TEXT] = "SELECT title, body FROM article WHERE rowid = ?1",
    [S_CH_DEL] = "DELETE FROM search_champ WHERE term = ?1",
    [S_TERM_GET] = "SELECT df, n, floor, aref, state FROM search_term WHERE term = ?1",
    [S_CH_GET] = "SELECT doc, d, dl FROM search_champ WHERE term = ?1",
    [S_FWD_GET] = "SELECT terms FROM search_fwd WHERE rowid = ?1",
    [S_AVG] = "SELECT block FROM article_fts_data WHERE id = 1",
    [S_ART] = "SELECT source, published FROM article WHERE rowid = ?1",
    [S_VERIFY] = "SELECT 1 FROM article_fts WHERE article_fts MATCH ?1 AND rowid = ?2",
    [S_FWD_DL] = "SELECT dl, terms FROM search_fwd WHERE rowid = ?1",
    [S_CH_MAX] = "SELECT max(imp) FROM search_champ WHERE term = ?1",
    [S_DATAVER] = "PRAGMA data_version",
};

int kh__champ_open(kh_db *db) {
  db->champ = kh__calloc(1, sizeof *db->champ);
  if (!db->champ) return KH_ENOMEM;
  kh__champ *c = db->champ;
  c->pending = 1; /* a file may hold wanted lists from before */
  c->gen = -1;
  c->fwd_all = c->unseen = -1;
  c->t = CH_T;
  c->batchseq = 1;
  /* the store's token caches intern their tokens here (terms.c) */
  db->cache[0].dict = db->cache[1].dict = &c->dict;
  c->text[0].dict = c->text[1].dict = &c->dict;
  return 0;
}

void kh__champ_set_threshold(kh_db *db, int64_t t) {
  if (db && db->champ && t > 0) db->champ->t = t;
}

static void batch_clear(kh__champ *c) {
  c->nbterms = c->npool = c->ndocs = c->nent = 0;
  c->bdocs = c->btokens = 0;
  if (++c->batchseq == 0) { /* wrapped: no mark may equal a future batch */
    for (size_t i = 0; i < c->dict.n; i++) c->dict.v[i].batch_mark = 0;
    c->batchseq = 1;
  }
}

void kh__champ_reset(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c) return;
  batch_clear(c);
  /* what the rolled-back batch wrote is gone: read the states again, and
  ** forget the counts not written (they may hold the batch's) */
  for (size_t i = 0; i < c->npend; i++) c->dict.v[c->pend[i] - 1].pend = 0;
  c->npend = 0;
  c->gen = -1;
  c->fwd_all = c->unseen = -1;
  c->ndl = c->dl_kept; /* the batch's rowids will be used again */
  for (size_t i = 0; i < c->dict.n; i++) c->dict.v[i].wdf = 0; /* the window may hold the batch's */
  c->nwterms = 0;
  c->wdocs = 0;
}

/* The prepared statement i, reset, or NULL. */
sqlite3_stmt *kh__champ_stmt(kh_db *db, int i) {
  kh__champ *c = db->champ;
  if (!c->st[i] &&
      sqlite3_prepare_v3(db->sql, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) != SQLITE_OK)
    return NULL;
  sqlite3_reset(c->st[i]);
  sqlite3_clear_bindings(c->st[i]);
  return c->st[i];
}

/* Step a statement that returns no row. */
static int run(kh_db *db, sqlite3_stmt *st) {
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE || src == SQLITE_ROW ? 0 : sql_rc(db->sql);
}

static const char *term_text(const kh__champ *c, uint32_t id) { return c->dict.arena.data + c->dict.v[id - 1].off; }

/* Grow a vector to hold n more items; 0 or KH_ENOMEM. */
static int vgrow(void **v, size_t *cap, size_t len, size_t more, size_t size) {
  if (len + more <= *cap && *cap) return 0; /* (allocated even for none: p + 0 needs a pointer) */
  size_t c = *cap ? *cap : 1024;
  while (c < len + more) c *= 2;
  void *x = kh__realloc(*v, c * size);
  if (!x) return KH_ENOMEM;
  *v = x;
  *cap = c;
  return 0;
}

/* ---- the state of every followed term, in memory ---- */

/* Write the df counted in memory for counted terms (state 4); inside a
** write transaction. */
static int write_pending(kh_db *db) {
  kh__champ *c = db->champ;
  int rc = 0;
  for (size_t i = 0; i < c->npend && !rc; i++) {
    kh__term *t = &c->dict.v[c->pend[i] - 1];
    if (!t->pend) continue;
    sqlite3_stmt *st = kh__champ_stmt(db, S_PEND);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term_text(c, c->pend[i]), (int)t->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t->pend);
    if (!(rc = run(db, st))) t->pend = 0;
  }
  if (!rc) c->npend = 0;
  c->flushes = 0;
  return rc;
}

/* Read every search_term row into the dictionary (state, df, list). */
static int load_states(kh_db *db) {
  kh__champ *c = db->champ;
  for (size_t i = 0; i < c->dict.n; i++) {
    kh__term *t = &c->dict.v[i];
    t->state = 0;
    t->cached = 0;
    t->pend = 0;
  }
  c->npend = 0;
  sqlite3_stmt *st = kh__champ_stmt(db, S_TRACKED);
  if (!st) return sql_rc(db->sql);
  int rc = 0, src;
  while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
    uint32_t id = kh__terms_intern(&c->dict, (const char *)sqlite3_column_text(st, 0),
                                   (size_t)sqlite3_column_bytes(st, 0), &rc);
    if (rc) break;
    kh__term *t = &c->dict.v[id - 1];
    t->df = (uint32_t)sqlite3_column_int64(st, 1);
    t->state = (uint8_t)sqlite3_column_int(st, 2);
    t->n = (uint32_t)sqlite3_column_int64(st, 3);
    c->dict.lst[id - 1] = (kh__term_list){sqlite3_column_double(st, 4), sqlite3_column_double(st, 5)};
    t->cached = t->state == 1;
  }
  sqlite3_reset(st);
  if (!rc && src != SQLITE_DONE) rc = sql_rc(db->sql);
  return rc;
}

/* Inside a write transaction: make the states in memory those of the file
** (another connection may have written since this one last did). */
static int sync_states(kh_db *db) {
  kh__champ *c = db->champ;
  /* No term reaches df t in a file of fewer than t articles, and a file
  ** whose older articles were stored before the lists never gets any: terms
  ** are counted (and the token caches intern their tokens) from t/2
  ** articles on, so that frequent terms are followed before they reach t. */
  int64_t docs, fwd_from;
  int rc = kh__champ_meta(db, &docs, NULL, &fwd_from, NULL);
  if (rc) return rc;
  c->active = fwd_from <= 1 && docs + db->batch_max >= c->t / 2;
  db->cache[0].dict = db->cache[1].dict = c->active ? &c->dict : NULL;
  if (!c->active) return 0;
  sqlite3_stmt *st = kh__champ_stmt(db, S_GEN);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  int64_t gen = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return sql_rc(db->sql);
  if (gen == c->gen) return 0;
  rc = c->gen >= 0 ? write_pending(db) : 0; /* ours, before reading theirs */
  if (!rc) rc = load_states(db);
  if (!rc) c->gen = gen;
  return rc;
}

/* Mark the states as changed by this connection (other connections read
** them again). */
static int bump_gen(kh_db *db) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = kh__champ_stmt(db, S_GEN_BUMP);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  int64_t gen = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  if (src == SQLITE_ROW) src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return sql_rc(db->sql);
  c->gen = gen;
  return 0;
}

static int set_state(kh_db *db, const char *term, size_t n, int state) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_STATE);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)n, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, state);
  int rc = run(db, st);
  if (!rc) {
    kh__champ *c = db->champ;
    uint32_t id = kh__terms_intern(&c->dict, term, n, &rc);
    if (id) {
      c->dict.v[id - 1].state = (uint8_t)state;
      c->dict.v[id - 1].cached = 0;
    }
  }
  return rc;
}

/* ---- ingest: one article ---- */

static int add_term(kh__champ *c, uint32_t id, uint32_t w) {
  kh__term *t = &c->dict.v[id - 1];
  if (t->stop) return 0;
  if (t->doc_mark != c->docseq) {
    if (c->ndterms >= CH_MAX_DOC_TERMS) {
      c->dterms_cut = 1;
      return 0;
    }
    if (c->ndterms == c->cdterms && vgrow((void **)&c->dterms, &c->cdterms, c->ndterms, 1, sizeof *c->dterms))
      return KH_ENOMEM;
    t->doc_mark = c->docseq;
    t->d = 0;
    c->dterms[c->ndterms++] = id;
  }
  t->d += w;
  return 0;
}

/* Count the terms FTS5 indexes for one column (fts5.c emit(), default
** options) that a query can ask for: every cached token that is its own
** light stem, and each word's light stem when it differs and is its own;
** *dl += the tokens that are not colocated (FTS5's column size). */
static int count_column(kh__champ *c, const kh__tokcache *tc, uint32_t w, uint32_t *dl) {
  int rc = 0;
  for (size_t k = 0; k < tc->n && !rc; k++) {
    const kh__tokrec *r = &tc->v[k];
    if (!(r->flags & KH_TOKF_COLOC) || k == 0) (*dl)++;
    uint32_t id = r->term;
    if (!id || tc->dict != &c->dict) { /* filled without the dictionary */
      id = kh__terms_intern(&c->dict, tc->norms.data + r->off, r->len, &rc);
      if (rc) break;
    }
    /* only query keys (terms that are their own stem) are counted: a word
    ** whose stem differs counts for its stem; the form itself is never a
    ** key (key_of) */
    uint32_t s = kh__terms_stem(&c->dict, id, &rc);
    if (rc) break;
    if (!s) rc = add_term(c, id, w);
    else if (r->kind == KH_TOK_WORD && !kh__terms_stem(&c->dict, s, &rc) && !rc)
      rc = add_term(c, s, w);
  }
  return rc;
}

/* The terms of one article (title and body caches) into c->dterms, each
** term's d in its dictionary entry; its length in *dl. */
static int count_article(kh__champ *c, const kh__tokcache *title, const kh__tokcache *body, uint32_t *dl) {
  c->ndterms = 0;
  c->dterms_doc = 0;
  c->dterms_cut = 0;
  if (++c->docseq == 0) { /* wrapped */
    for (size_t i = 0; i < c->dict.n; i++) c->dict.v[i].doc_mark = 0;
    c->docseq = 1;
  }
  *dl = 0;
  int rc = count_column(c, title, (uint32_t)W_TITLE, dl);
  if (!rc) rc = count_column(c, body, (uint32_t)W_BODY, dl);
  return rc;
}

/* Write the forward row of doc from its (term, d) pairs, sorted by hash
** (LSD radix sort, 8 bits a pass), packed (fwdrow.c) when no two terms of
** the row share the low 24 bits of hash32, else wide (byte 2, then per pair
** hash32 and d, 4 bytes each, little endian, sorted by hash32). */
static int write_fwd(kh_db *db, int64_t doc, uint32_t dl, const tpair *p, size_t n) {
  kh__champ *c = db->champ;
  int rc = 0;
  c->fwd.len = 0;
  kh__buf_reserve(&c->fwd, n * 16 + 16 + kh__fwd_pack_max(n), &rc);
  if (rc) return rc;
  /* two arrays of n (hash, d) pairs in the buffer, 8-byte aligned; the row after them */
  uint32_t *a = (uint32_t *)(void *)(c->fwd.data + ((8 - ((uintptr_t)c->fwd.data & 7)) & 7)), *b = a + 2 * n;
  unsigned char *row = (unsigned char *)(b + 2 * n);
  int wide = 0;
  for (size_t i = 0; i < n; i++) a[2 * i] = h32(c->dict.v[p[i].term - 1].h), a[2 * i + 1] = p[i].d;
  for (int sh = 0; sh < 32; sh += 8) {
    if (sh == 24) { /* sorted by the low 24 bits: packed unless two share them */
      for (size_t i = 1; i < n && !wide; i++) wide = ((a[2 * i] ^ a[2 * i - 2]) & 0xFFFFFF) == 0;
      if (!wide) break;
    }
    size_t cnt[257] = {0};
    for (size_t i = 0; i < n; i++) cnt[((a[2 * i] >> sh) & 255) + 1]++;
    for (int k = 0; k < 256; k++) cnt[k + 1] += cnt[k];
    for (size_t i = 0; i < n; i++) {
      size_t j = cnt[(a[2 * i] >> sh) & 255]++;
      b[2 * j] = a[2 * i], b[2 * j + 1] = a[2 * i + 1];
    }
    uint32_t *x = a;
    a = b, b = x;
  }
  size_t len = 1;
  if (!wide) len = kh__fwd_pack(row, a, n);
  else {
    row[0] = 2;
    for (size_t i = 0; i < n; i++)
      for (int j = 0; j < 8; j++) row[len++] = (unsigned char)(a[2 * i + j / 4] >> (8 * (j % 4)));
  }
  sqlite3_stmt *st = kh__champ_stmt(db, S_FWD_INS);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  sqlite3_bind_int64(st, 2, dl);
  sqlite3_bind_blob(st, 3, row, (int)len, SQLITE_STATIC);
  return run(db, st);
}

int kh__champ_flush(kh_db *db);

#define CH_DL_MAX (1u << 24) /* article lengths kept in memory (64 MB at most) */
#define CH_DL_GAP 65536      /* rowids skipped (another writer's) before the lengths start afresh */

/* Remember the length of the article rowid stored by this connection. */
static void dl_note(kh__champ *c, int64_t rowid, uint32_t dl) {
  if (c->ndl && (rowid < c->dl_base || rowid - c->dl_base > (int64_t)c->ndl + CH_DL_GAP))
    c->ndl = c->dl_kept = 0; /* far from the kept ones: start afresh */
  if (!c->ndl) c->dl_base = rowid;
  size_t i = (size_t)(rowid - c->dl_base);
  if (i >= CH_DL_MAX) return;
  if (i >= c->cdl) {
    size_t cap = c->cdl ? c->cdl : 4096;
    while (cap <= i) cap *= 2;
    uint32_t *x = kh__realloc(c->dl, cap * sizeof *x);
    if (!x) return; /* only a cache: builds then read FTS5's lengths */
    c->dl = x;
    c->cdl = cap;
  }
  while (c->ndl < i) c->dl[c->ndl++] = 0; /* rowids this connection did not store */
  c->dl[i] = dl;
  if (i >= c->ndl) c->ndl = i + 1;
}

static int doc_dl(kh_db *db, int64_t doc, uint32_t *dl);

/* The length of article doc as FTS5 counts it: from memory when this
** connection stored it, else from its docsize row. */
static int doc_dl_mem(kh_db *db, int64_t doc, uint32_t *dl) {
  kh__champ *c = db->champ;
  if (doc >= c->dl_base && doc - c->dl_base < (int64_t)c->ndl && c->dl[doc - c->dl_base]) {
    *dl = c->dl[doc - c->dl_base];
    return 0;
  }
  return doc_dl(db, doc, dl);
}

int kh__champ_put(kh_db *db, int64_t rowid) {
  kh__champ *c = db->champ;
  if (!c) return 0;
  int rc;
  if (!c->bdocs && (rc = sync_states(db))) return rc; /* first article of a batch */
  uint32_t dl = 0;
  if (!c->active) { /* only the batch's length figures */
    for (int f = 0; f < 2; f++)
      for (size_t k = 0; k < db->cache[f].n; k++) dl += !(db->cache[f].v[k].flags & KH_TOKF_COLOC) || k == 0;
    if (!c->bdocs || dl < c->bmin_dl) c->bmin_dl = dl;
    c->bdocs++;
    c->btokens += dl;
    c->bmax_doc = rowid;
    dl_note(c, rowid, dl);
    return 0;
  }
  if ((rc = count_article(c, &db->cache[0], &db->cache[1], &dl))) return rc;
  c->dterms_doc = rowid;
  c->dterms_dl = dl;
  dl_note(c, rowid, dl);
  /* a very large batch is added early */
  if (c->npool + c->ndterms > CH_MAX_BATCH_ENTS && (rc = kh__champ_flush(db))) return rc;
  if ((rc = vgrow((void **)&c->pool, &c->cpool, c->npool, c->ndterms, sizeof *c->pool)) ||
      (rc = vgrow((void **)&c->docs, &c->cdocs, c->ndocs, 1, sizeof *c->docs)) ||
      (rc = vgrow((void **)&c->bterms, &c->cbterms, c->nbterms, c->ndterms, sizeof *c->bterms)))
    return rc;
  uint32_t bd = (uint32_t)c->ndocs;
  c->docs[c->ndocs++] = (bdoc){rowid, dl, (uint32_t)c->npool, (uint32_t)c->ndterms, 0};
  for (size_t i = 0; i < c->ndterms; i++) {
    uint32_t id = c->dterms[i];
    kh__term *t = &c->dict.v[id - 1];
    c->pool[c->npool++] = (tpair){id, t->d};
    if (t->batch_mark != c->batchseq) {
      t->batch_mark = c->batchseq;
      t->bdf = 0;
      c->bterms[c->nbterms++] = id;
    }
    t->bdf++;
    /* a term with a list: the article is a candidate if it beats the floor
    ** (checked again against the file's values at the flush) */
    if (t->state == 1 &&
        (!t->cached || t->n < CH_R || weight(t->d, dl, c->dict.lst[id - 1].aref) > c->dict.lst[id - 1].floor)) {
      if (c->nent == c->cent && vgrow((void **)&c->ent, &c->cent, c->nent, 1, sizeof *c->ent)) return KH_ENOMEM;
      c->ent[c->nent++] = (bent){id, t->d, dl, bd, rowid};
    }
  }
  if (!c->bdocs || dl < c->bmin_dl) c->bmin_dl = dl;
  c->bdocs++;
  c->btokens += dl;
  c->bmax_doc = rowid;
  return 0;
}

int kh__champ_doc_terms(kh_db *db, int64_t rowid, const uint32_t **ids, size_t *n, uint32_t *dl,
                        const kh__terms **dict) {
  kh__champ *c = db->champ;
  if (!c || !c->active || c->dterms_doc != rowid || !rowid || c->dterms_cut) return 0;
  *ids = c->dterms;
  *n = c->ndterms;
  *dl = c->dterms_dl;
  *dict = &c->dict;
  return 1;
}

int kh__champ_doc_len(kh_db *db, int64_t doc, uint32_t *dl) { return doc_dl_mem(db, doc, dl); }

/* ---- ingest: one batch, at its commit ---- */

static int cmp_ent(const void *a, const void *b) {
  const bent *x = a, *y = b;
  if (x->term != y->term) return x->term < y->term ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* byte order of terms (qsort has no context argument) */
static _Thread_local const kh__terms *g_sort_dict;

static int cmp_term(const void *a, const void *b) {
  const kh__term *x = &g_sort_dict->v[*(const uint32_t *)a - 1], *y = &g_sort_dict->v[*(const uint32_t *)b - 1];
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(g_sort_dict->arena.data + x->off, g_sort_dict->arena.data + y->off, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

typedef struct scored {
  double imp;
  int64_t doc;
  uint32_t d, dl;
  uint32_t bdoc; /* index + 1 in the open batch's articles, 0: an older article */
} scored;

/* descending impact, then ascending doc */
static int cmp_scored(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->imp != y->imp) return x->imp > y->imp ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}


int kh__champ_meta(kh_db *db, int64_t *docs, int64_t *tokens, int64_t *fwd_from, int64_t *scanned) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_META_GET);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  if (src != SQLITE_ROW) {
    sqlite3_reset(st);
    return sql_rc(db->sql);
  }
  if (docs) *docs = sqlite3_column_int64(st, 0);
  if (tokens) *tokens = sqlite3_column_int64(st, 1);
  if (fwd_from) *fwd_from = sqlite3_column_int64(st, 2);
  if (scanned) *scanned = sqlite3_column_int64(st, 3);
  db->champ->min_dl = sqlite3_column_int64(st, 4); /* 0: not kept yet (then 1 is the bound) */
  sqlite3_reset(st);
  return 0;
}

/* search_meta value of k, or dflt when absent. */
int kh__champ_meta_get(kh_db *db, const char *k, int64_t dflt, int64_t *v) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_META_KEY);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  *v = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : dflt;
  sqlite3_reset(st);
  return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : sql_rc(db->sql);
}

int kh__champ_meta_set(kh_db *db, const char *k, int64_t v) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_META_SET);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  return run(db, st);
}

static int meta_add(kh_db *db, const char *k, int64_t v) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_META_ADD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  return run(db, st);
}

/* An article's length in tokens as FTS5 counts it (its docsize row). */
static int doc_dl(kh_db *db, int64_t doc, uint32_t *dl) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_DOCSIZE);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st), len = 0;
  if (src == SQLITE_ROW && kh__topk_len_sum(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), &len) != SQLITE_OK)
    src = SQLITE_CORRUPT; /* not FTS5's record */
  *dl = (uint32_t)len;
  sqlite3_reset(st);
  return src == SQLITE_ROW ? 0 : src == SQLITE_DONE ? KH_ENOTFOUND : src == SQLITE_CORRUPT ? KH_EDB : sql_rc(db->sql);
}

/* The shortest article of the file from FTS5's lengths (once per file that
** does not keep min_dl yet). */
static int init_min_dl(kh_db *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT sz FROM article_fts_docsize", -1, &st, NULL) != SQLITE_OK)
    return sql_rc(db->sql);
  int64_t m = 0;
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    int dl = 0;
    if (kh__topk_len_sum(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), &dl) != SQLITE_OK) {
      sqlite3_finalize(st);
      return KH_EDB; /* not FTS5's record */
    }
    if (!m || dl < m) m = dl;
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return sql_rc(db->sql);
  if (!m) return 0;
  sqlite3_stmt *mm = kh__champ_stmt(db, S_META_MIN);
  if (!mm) return sql_rc(db->sql);
  sqlite3_bind_int64(mm, 1, m);
  return run(db, mm);
}

/* The forward row of an article stored before this batch, from its stored
** text (same tokens as FTS5 indexed), unless it has one.  *cost += its
** length (the build budget). */
static int fwd_from_text(kh_db *db, int64_t doc, long *cost) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = kh__champ_stmt(db, S_FWD_HAS);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src == SQLITE_ROW) return 0;
  if (src != SQLITE_DONE) return sql_rc(db->sql);
  if (!(st = kh__champ_stmt(db, S_TEXT))) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  if ((src = sqlite3_step(st)) != SQLITE_ROW) {
    sqlite3_reset(st);
    return src == SQLITE_DONE ? KH_ENOTFOUND : sql_rc(db->sql);
  }
  int rc = kh__tokcache_fill(&c->text[0], (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  if (!rc)
    rc = kh__tokcache_fill(&c->text[1], (const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
  uint32_t dl = 0;
  if (!rc) rc = count_article(c, &c->text[0], &c->text[1], &dl);
  sqlite3_reset(st); /* the texts are not read after this */
  c->text[0].text = c->text[1].text = NULL;
  if (rc) return rc;
  tpair *p = kh__malloc((c->ndterms ? c->ndterms : 1) * sizeof *p);
  if (!p) return KH_ENOMEM;
  for (size_t i = 0; i < c->ndterms; i++) p[i] = (tpair){c->dterms[i], c->dict.v[c->dterms[i] - 1].d};
  rc = write_fwd(db, doc, dl, p, c->ndterms);
  kh_free(p);
  if (cost) *cost += dl;
  return rc;
}

/* Every article entering a list has a forward row (kh__champ_topk reads
** them): an article of the open batch from its counts in memory, an older
** one from its stored text. */
static int ensure_fwd(kh_db *db, const scored *e, long *cost) {
  kh__champ *c = db->champ;
  if (!e->bdoc) return c->fwd_all > 0 && e->doc >= c->fwd_all ? 0 : fwd_from_text(db, e->doc, cost);
  bdoc *b = &c->docs[e->bdoc - 1];
  if (b->fwd) return 0;
  int rc = write_fwd(db, b->doc, b->dl, c->pool + b->start, b->n);
  if (!rc) b->fwd = 1;
  return rc;
}

/* Write entries e[0..k) into the list of term (its aref), trim to CH_R and
** store n and floor. */
static int list_add(kh_db *db, const char *term, size_t tn, const scored *e, size_t k, int64_t n,
                    double aref, long *cost) {
  int rc = 0;
  for (size_t i = 0; i < k && !rc; i++) {
    if ((rc = ensure_fwd(db, &e[i], cost))) return rc;
    sqlite3_stmt *st = kh__champ_stmt(db, S_CH_INS);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, e[i].imp);
    sqlite3_bind_int64(st, 3, e[i].doc);
    sqlite3_bind_int64(st, 4, e[i].d);
    sqlite3_bind_int64(st, 5, e[i].dl);
    rc = run(db, st);
  }
  if (rc) return rc;
  n += (int64_t)k;
  double floor = 0;
  if (n > CH_R) {
    sqlite3_stmt *st = kh__champ_stmt(db, S_CH_TRIM);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, n - CH_R);
    if ((rc = run(db, st))) return rc;
    n = CH_R;
  }
  if (n >= CH_R) { /* full: the weight below which articles were left out */
    sqlite3_stmt *st = kh__champ_stmt(db, S_FLOOR);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) floor = sqlite3_column_double(st, 0);
    sqlite3_reset(st);
  }
  sqlite3_stmt *st = kh__champ_stmt(db, S_TERM_UPD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, n);
  sqlite3_bind_double(st, 3, floor);
  sqlite3_bind_double(st, 4, aref);
  if ((rc = run(db, st))) return rc;
  kh__champ *c = db->champ;
  uint32_t id = kh__terms_intern(&c->dict, term, tn, &rc);
  if (id) { /* the values the next batch's articles are compared with */
    kh__term *t = &c->dict.v[id - 1];
    t->state = 1;
    t->n = (uint32_t)n;
    c->dict.lst[id - 1] = (kh__term_list){floor, aref};
    t->cached = 1;
  }
  return rc;
}

/* Ask for a list of term (built after the commit). */
static int want(kh_db *db, const char *term, size_t n) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = kh__champ_stmt(db, S_WANT);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)n, SQLITE_STATIC);
  int rc = run(db, st);
  if (!rc && sqlite3_changes(db->sql) > 0) {
    uint32_t id = kh__terms_intern(&c->dict, term, n, &rc);
    if (id) {
      c->dict.v[id - 1].state = 2;
      c->dict.v[id - 1].cached = 0;
    }
    c->pending = 1;
  }
  return rc;
}

/* One batch term with a list: df, and its entries into its list. */
static int flush_term(kh_db *db, uint32_t id, bent *e, size_t ne, double avgdl, scored *buf) {
  kh__champ *c = db->champ;
  kh__term *t = &c->dict.v[id - 1];
  const char *term = term_text(c, id);
  size_t tn = t->len;
  sqlite3_stmt *st = kh__champ_stmt(db, S_DF_ADD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, t->bdf);
  int src = sqlite3_step(st);
  if (src != SQLITE_ROW) {
    sqlite3_reset(st);
    return src == SQLITE_DONE ? 0 : sql_rc(db->sql);
  }
  int64_t df = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 2);
  int state = sqlite3_column_int(st, 1);
  double floor = sqlite3_column_double(st, 3), aref = sqlite3_column_double(st, 4);
  sqlite3_step(st); /* RETURNING: run to completion */
  sqlite3_reset(st);
  if (state != 1) return 0;
  /* the batch's entries were chosen against the values in memory: if the
  ** file holds others, some may be missing, so the list is built again */
  int stale = t->cached && (n != (int64_t)t->n || floor != c->dict.lst[id - 1].floor || aref != c->dict.lst[id - 1].aref);
  if (stale || aref <= 0 || fabs(avgdl / aref - 1) > CH_DRIFT) {
    c->pending = 1;
    return set_state(db, term, tn, 2);
  }
  (void)df;
  size_t k = 0;
  for (size_t i = 0; i < ne; i++) {
    double imp = weight(e[i].d, e[i].dl, aref);
    if (n + (int64_t)k < CH_R || imp > floor) buf[k++] = (scored){imp, e[i].doc, e[i].d, e[i].dl, e[i].bdoc + 1};
  }
  if (!k) return 0;
  qsort(buf, k, sizeof *buf, cmp_scored);
  if (k > CH_R) k = CH_R;
  return list_add(db, term, tn, buf, k, n, aref, NULL);
}

/* Terms without a row are counted per window of CH_WINDOW articles; one
** found in CH_WINDOW_MIN of them is followed (frequent-term detection in
** bounded memory: the counts are forgotten after each check). */
static int window_check(kh_db *db, int64_t docs) {
  kh__champ *c = db->champ;
  if (c->wdocs < CH_WINDOW) return 0;
  int rc = 0;
  for (size_t w = 0; w < c->nwterms && !rc; w++) { /* the terms the window counted */
    size_t i = c->wterms[w] - 1;
    kh__term *t = &c->dict.v[i];
    if (t->wdf >= CH_WINDOW_MIN && !t->state) {
      /* counted from now on, from its df in FTS5 (one term's doclist) */
      int64_t est = 0;
      if (!c->vocab_row) {
        if ((rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab_row"
                                  " USING fts5vocab(main, article_fts, row)")))
          break;
        c->vocab_row = 1;
      }
      sqlite3_stmt *q = kh__champ_stmt(db, S_DF_ROW);
      if (!q) return sql_rc(db->sql);
      sqlite3_bind_text(q, 1, c->dict.arena.data + t->off, (int)t->len, SQLITE_STATIC);
      int src = sqlite3_step(q);
      if (src == SQLITE_ROW) est = sqlite3_column_int64(q, 0);
      sqlite3_reset(q);
      if (src != SQLITE_ROW && src != SQLITE_DONE) return sql_rc(db->sql);
      t = &c->dict.v[i];
      if (est >= c->t) {
        rc = want(db, c->dict.arena.data + t->off, t->len);
      } else {
        sqlite3_stmt *st = kh__champ_stmt(db, S_FOLLOW);
        if (!st) return sql_rc(db->sql);
        sqlite3_bind_text(st, 1, c->dict.arena.data + t->off, (int)t->len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, est);
        if (!(rc = run(db, st)) && sqlite3_changes(db->sql) > 0) {
          t = &c->dict.v[i];
          t->state = 4;
          t->df = (uint32_t)est;
          t->pend = 0;
        }
      }
    }
    t = &c->dict.v[i];
    t->wdf = 0;
  }
  c->nwterms = 0;
  c->unseen -= c->wdocs; /* counted by a completed window */
  if (c->unseen < 0) c->unseen = 0;
  c->wdocs = 0;
  return rc;
}

#define CH_PEND_BATCHES 8 /* counted dfs are written every this many batches */

int kh__champ_flush(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c || !c->bdocs) return 0;
  int rc;
  int64_t docs, tokens;
  if ((rc = kh__champ_meta(db, NULL, NULL, NULL, NULL))) return rc;
  if (!c->min_dl && (rc = init_min_dl(db))) return rc; /* not kept yet: the shortest article stored so far */
  sqlite3_stmt *mm = kh__champ_stmt(db, S_META_MIN);
  if (!mm) return sql_rc(db->sql);
  sqlite3_bind_int64(mm, 1, c->bmin_dl);
  if ((rc = run(db, mm)) || (rc = meta_add(db, "docs", c->bdocs)) || (rc = meta_add(db, "tokens", c->btokens)) ||
      (rc = kh__champ_meta(db, &docs, &tokens, NULL, NULL)))
    return rc;
  double avgdl = docs > 0 ? (double)tokens / (double)docs : 1.0;
  /* counted terms in memory, others into the window; terms with a list
  ** in byte order (the B-tree's), their entries grouped */
  uint32_t *lists = kh__malloc((c->nbterms ? c->nbterms : 1) * sizeof *lists);
  scored *buf = kh__malloc((c->nent ? c->nent : 1) * sizeof *buf);
  size_t nl = 0;
  if (!lists || !buf) rc = KH_ENOMEM;
  for (size_t i = 0; i < c->nbterms && !rc; i++) {
    uint32_t id = c->bterms[i];
    kh__term *t = &c->dict.v[id - 1];
    switch (t->state) {
    case 0:
      if (!t->wdf) {
        if ((rc = vgrow((void **)&c->wterms, &c->cwterms, c->nwterms, 1, sizeof *c->wterms))) break;
        c->wterms[c->nwterms++] = id;
      }
      t->wdf += t->bdf;
      break;
    case 1:
      lists[nl++] = id;
      break;
    case 4:
      if (!t->pend) {
        if ((rc = vgrow((void **)&c->pend, &c->cpend, c->npend, 1, sizeof *c->pend))) break;
        c->pend[c->npend++] = id;
      }
      t->pend += t->bdf;
      t->df += t->bdf;
      if ((int64_t)t->df >= c->t) { /* counted up to the threshold: a list now (the build counts df again) */
        t->pend = 0;
        c->pending = 1;
        rc = set_state(db, c->dict.arena.data + t->off, t->len, 2);
      }
      break;
    default: /* wanted (the build reads every article) or not buildable */
      break;
    }
  }
  if (!rc) {
    g_sort_dict = &c->dict;
    qsort(lists, nl, sizeof *lists, cmp_term);
    if (c->nent) qsort(c->ent, c->nent, sizeof *c->ent, cmp_ent);
  }
  for (size_t k = 0; k < nl && !rc; k++) {
    /* the entries of lists[k]: binary search in the sorted entries */
    size_t lo = 0, hi = c->nent;
    while (lo < hi) {
      size_t m = (lo + hi) / 2;
      if (c->ent[m].term < lists[k]) lo = m + 1;
      else hi = m;
    }
    size_t e = lo;
    while (e < c->nent && c->ent[e].term == lists[k]) e++;
    rc = flush_term(db, lists[k], c->ent + lo, e - lo, avgdl, buf);
  }
  kh_free(buf);
  kh_free(lists);
  /* the forward rows of the batch's other articles, from memory: most
  ** articles enter some list sooner or later (71% of 100k recombined ones
  ** did), and a row made now costs a fraction of one made from the text.
  ** Before the file holds t articles no list exists; those (at most t)
  ** articles get their rows from the text if a list takes them. */
  int rows = c->active && docs >= c->t;
  for (size_t i = 0; rows && i < c->ndocs && !rc; i++) {
    bdoc *b = &c->docs[i];
    if (!b->fwd && !(rc = write_fwd(db, b->doc, b->dl, c->pool + b->start, b->n))) b->fwd = 1;
  }
  if (!rc && ++c->flushes >= CH_PEND_BATCHES) rc = write_pending(db);
  /* every article from fwd_all on has a forward row (builds need not look) */
  if (!rc && c->fwd_all < 0) rc = kh__champ_meta_get(db, "fwd_all", 0, &c->fwd_all);
  if (!rc && rows && !c->fwd_all && c->ndocs) {
    c->fwd_all = c->docs[0].doc;
    rc = kh__champ_meta_set(db, "fwd_all", c->fwd_all);
  } else if (!rc && !rows && c->fwd_all > 0) {
    c->fwd_all = c->bmax_doc + 1;
    rc = kh__champ_meta_set(db, "fwd_all", c->fwd_all);
  }
  /* articles not yet in a completed window (a file without the key: all) */
  if (!rc && c->unseen < 0) rc = kh__champ_meta_get(db, "unseen", docs - c->bdocs, &c->unseen);
  if (!rc) c->unseen += c->bdocs;
  if (!rc && c->active) {
    c->wdocs += c->bdocs;
    rc = window_check(db, docs);
  }
  if (!rc) rc = kh__champ_meta_set(db, "unseen", c->unseen);
  c->last_docs = c->bdocs;
  if (!rc && c->active) rc = bump_gen(db);
  if (!rc) batch_clear(c);
  return rc;
}

void kh__champ_close(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c) return;
  if (c->npend && !db->in_txn && db->sql && !kh__db_exec(db, "BEGIN IMMEDIATE")) {
    /* the counted dfs not written yet */
    if (!write_pending(db) && !bump_gen(db)) kh__db_exec(db, "COMMIT");
    else kh__db_exec(db, "ROLLBACK");
  }
  for (int i = 0; i < NSTMT; i++) sqlite3_finalize(c->st[i]);
  kh__terms_free(&c->dict);
  kh_free(c->dterms);
  kh_free(c->bterms);
  kh_free(c->pool);
  kh_free(c->docs);
  kh_free(c->ent);
  kh_free(c->pend);
  kh_free(c->wterms);
  kh__buf_free(&c->fwd);
  sqlite3_blob_close(c->fblob);
  kh__buf_free(&c->frow);
  kh_free(c->dl);
  kh__bm_free(c->bm);
  kh__tokcache_free(&c->text[0]);
  kh__tokcache_free(&c->text[1]);
  db->cache[0].dict = db->cache[1].dict = NULL;
  kh_free(c);
  db->champ = NULL;
}

/* ---- building lists (after a commit) ---- */

/* Keep the CH_R best in a min-heap on (imp, -doc). */
static int worse(const scored *a, const scored *b) {
  return a->imp < b->imp || (a->imp == b->imp && a->doc > b->doc);
}

static void heap_push(scored *h, size_t *n, scored x) {
  if (*n < CH_R) { /* sift up */
    size_t i = (*n)++;
    while (i && worse(&x, &h[(i - 1) / 2])) {
      h[i] = h[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    h[i] = x;
    return;
  }
  if (!worse(&h[0], &x)) return; /* no better than the worst kept */
  size_t i = 0;                  /* x replaces the root: sift down */
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const scored *least = &x;
    if (l < *n && worse(&h[l], least)) m = l, least = &h[l];
    if (r < *n && worse(&h[r], least)) m = r;
    if (m == i) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = x;
}

typedef struct dd {
  int64_t doc;
  uint32_t d;
} dd;

static int cmp_dd(const void *a, const void *b) {
  const dd *x = a, *y = b;
  if (x->d != y->d) return x->d > y->d ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* v (in ascending doc order, as FTS5's doclist) into cmp_dd's order: a
** stable counting sort by d, descending (most d are small), else qsort. */
static void sort_dd(dd *v, size_t nv) {
  uint32_t maxd = 0;
  for (size_t i = 0; i < nv; i++)
    if (v[i].d > maxd) maxd = v[i].d;
  dd *out = maxd <= 65536 && nv > 1 ? kh__malloc(nv * sizeof *out) : NULL;
  size_t *at = out ? kh__calloc((size_t)maxd + 2, sizeof *at) : NULL;
  for (size_t i = 1; at && i < nv; i++)
    if (v[i].doc <= v[i - 1].doc) { /* not in doc order: sort */
      kh_free(at);
      at = NULL;
    }
  if (!at) {
    kh_free(out);
    qsort(v, nv, sizeof *v, cmp_dd);
    return;
  }
  for (size_t i = 0; i < nv; i++) at[v[i].d]++;
  size_t pos = 0;
  for (size_t d = (size_t)maxd + 1; d-- > 0;) { /* start of each d, largest first */
    size_t k = at[d];
    at[d] = pos;
    pos += k;
  }
  for (size_t i = 0; i < nv; i++) out[at[v[i].d]++] = v[i];
  memcpy(v, out, nv * sizeof *v);
  kh_free(at);
  kh_free(out);
}

/* Build the list of one term from the FTS5 index, and set its df; a term
** below CH_T is only counted from now on (state 4).  *rows += posting rows
** read (and the lengths of articles whose forward rows were made from their
** text).  Articles are weighed by d first: the weight of an article is at
** most weight(d, shortest length), so once that bound is below the 256th
** best no article of smaller d is looked at (most have d = 1). */
static int build_term(kh_db *db, const char *term, size_t tn, double avgdl, double min_dl, scored *heap,
                      long *rows) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_VOCAB);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_TRANSIENT);
  dd *v = NULL;
  size_t nv = 0, cv = 0;
  int rc = 0, src;
  /* one row per occurrence, ordered by doc: (doc, is title) */
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t doc = sqlite3_column_int64(st, 0);
    uint32_t w = sqlite3_column_int(st, 1) ? (uint32_t)W_TITLE : (uint32_t)W_BODY;
    (*rows)++;
    if (nv && v[nv - 1].doc == doc) {
      v[nv - 1].d += w;
      continue;
    }
    if (nv == cv) {
      size_t cap = cv ? cv * 2 : 1024;
      dd *x = kh__realloc(v, cap * sizeof *x);
      if (!x) {
        rc = KH_ENOMEM;
        break;
      }
      v = x;
      cv = cap;
    }
    v[nv++] = (dd){doc, w};
  }
  sqlite3_reset(st);
  if (!rc && src != SQLITE_DONE && src != SQLITE_ROW) rc = sql_rc(db->sql);
  sqlite3_stmt *up = rc ? NULL : kh__champ_stmt(db, S_DF_SET);
  if (!rc && !up) rc = sql_rc(db->sql);
  if (!rc) {
    sqlite3_bind_text(up, 1, term, (int)tn, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, (int64_t)nv);
    rc = run(db, up);
  }
  if (!rc && nv < (size_t)db->champ->t) {
    rc = set_state(db, term, tn, 4);
    kh__champ *c = db->champ;
    uint32_t id = rc ? 0 : kh__terms_intern(&c->dict, term, tn, &rc);
    if (id) { /* counted in memory from here on */
      c->dict.v[id - 1].df = (uint32_t)nv;
      c->dict.v[id - 1].pend = 0;
    }
  }
  if (rc || nv < (size_t)db->champ->t) {
    kh_free(v);
    return rc;
  }
  sort_dd(v, nv);
  size_t n = 0;
  for (size_t i = 0; i < nv && !rc; i++) {
    if (n == CH_R && weight(v[i].d, min_dl, avgdl) < heap[0].imp) break;
    uint32_t dl;
    if (!(rc = doc_dl_mem(db, v[i].doc, &dl)))
      heap_push(heap, &n, (scored){weight(v[i].d, dl, avgdl), v[i].doc, v[i].d, dl, 0});
  }
  kh_free(v);
  if (rc) return rc;
  sqlite3_stmt *del = kh__champ_stmt(db, S_CH_DEL);
  if (!del) return sql_rc(db->sql);
  sqlite3_bind_text(del, 1, term, (int)tn, SQLITE_STATIC);
  if ((rc = run(db, del))) return rc;
  return list_add(db, term, tn, heap, n, 0, avgdl, rows);
}

/* Every time the articles double: terms of df >= CH_T from FTS5's own
** vocabulary that have no row yet (found by no window, e.g. when each run
** stores fewer than CH_WINDOW articles) are wanted too. */
static int scan_vocab(kh_db *db, int64_t docs) {
  int rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab_row"
                           " USING fts5vocab(main, article_fts, row)");
  if (rc) return rc;
  sqlite3_stmt *st = kh__champ_stmt(db, S_SCAN);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, db->champ->t);
  char *terms = NULL; /* NUL-separated: no writes while the scan runs */
  kh__buf b = {0};
  int src;
  const kh__terms *d = &db->champ->dict;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    uint32_t id = n ? kh__terms_find(d, t, n) : 0;
    if (n && !kh_is_stopword(t, n) && (!id || !d->v[id - 1].state) && n <= KH_MAX_TOKEN && is_key(t, n)) {
      kh__buf_append(&b, t, n, &rc);
      kh__buf_appendc(&b, '\0', &rc);
    }
  }
  sqlite3_reset(st);
  if (!rc && src != SQLITE_DONE) rc = sql_rc(db->sql);
  terms = b.data;
  for (size_t i = 0; !rc && i < b.len; i += strlen(terms + i) + 1) rc = want(db, terms + i, strlen(terms + i));
  kh__buf_free(&b);
  if (!rc) {
    sqlite3_stmt *m = kh__champ_stmt(db, S_META_ADD);
    if (!m) return sql_rc(db->sql);
    sqlite3_bind_text(m, 1, "scanned", -1, SQLITE_STATIC);
    sqlite3_bind_int64(m, 2, docs - db->champ->scanned);
    rc = run(db, m);
  }
  return rc;
}

static int build(kh_db *db, long budget) {
  kh__champ *c = db->champ;
  if (!c || !c->pending || db->in_txn) return 0;
  int rc;
  int64_t docs, tokens, fwd_from;
  if ((rc = kh__champ_meta(db, &docs, &tokens, &fwd_from, &c->scanned))) return rc;
  int64_t min_dl = c->min_dl;
  c->pending = 0;
  if (fwd_from > 1 || docs <= 0) return 0; /* old articles lack forward rows: no lists */
  double avgdl = (double)tokens / (double)docs;
  scored *heap = kh__malloc(CH_R * sizeof *heap);
  char(*terms)[KH_MAX_TOKEN + 1] = kh__malloc(64 * sizeof *terms);
  size_t tlen[64], nt = 0;
  if (!heap || !terms) rc = KH_ENOMEM;
  if (!rc && !c->vocab) {
    rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab"
                         " USING fts5vocab(main, article_fts, instance)");
    c->vocab = !rc;
  }
  if (!rc) rc = kh__db_exec(db, "BEGIN IMMEDIATE");
  if (!rc) rc = sync_states(db);
  /* Before the first scan a term not followed had fewer than
  ** CH_WINDOW_MIN articles in every completed window, so its df is at most
  ** unseen + (CH_WINDOW_MIN - 1) per CH_WINDOW counted: no scan while that
  ** is below t. */
  int64_t unseen = docs;
  if (!rc && !c->scanned) rc = kh__champ_meta_get(db, "unseen", docs, &unseen);
  if (!rc && docs >= 2 * c->scanned && docs >= CH_WINDOW && docs >= c->t &&
      (c->scanned > 0 || unseen + (docs - unseen) * (CH_WINDOW_MIN - 1) / CH_WINDOW >= c->t))
    rc = scan_vocab(db, docs);
  if (!rc && c->fwd_all < 0) rc = kh__champ_meta_get(db, "fwd_all", 0, &c->fwd_all);
  sqlite3_stmt *st = rc ? NULL : kh__champ_stmt(db, S_PENDING);
  if (!rc && !st) rc = sql_rc(db->sql);
  int src;
  while (!rc && nt < 64 && (src = sqlite3_step(st)) == SQLITE_ROW) {
    int n = sqlite3_column_bytes(st, 0);
    if (n > (int)KH_MAX_TOKEN) continue;
    memcpy(terms[nt], sqlite3_column_text(st, 0), (size_t)n);
    tlen[nt++] = (size_t)n;
  }
  if (st) sqlite3_reset(st);
  long rows = 0;
  for (size_t i = 0; !rc && i < nt; i++) {
    if (rows >= budget) {
      c->pending = 1; /* the rest after a later commit */
      break;
    }
    rc = build_term(db, terms[i], tlen[i], avgdl, (double)(min_dl > 0 ? min_dl : 1), heap, &rows);
    /* an article without a length or a text (stored around
    ** kh_db_put_article): this term keeps the FTS5 path (state 3) */
    if (rc == KH_ENOTFOUND) rc = set_state(db, terms[i], tlen[i], 3);
  }
  if (!rc && nt == 64) c->pending = 1;
  if (!rc) rc = bump_gen(db);
  if (!rc) rc = kh__db_exec(db, "COMMIT");
  else if (sqlite3_get_autocommit(db->sql) == 0) kh__db_exec(db, "ROLLBACK");
  if (rc) {
    c->pending = 1;
    c->gen = -1; /* states changed by want() and builds were rolled back */
  }
  kh_free(heap);
  kh_free(terms);
  return rc;
}

/* Between batches: a dictionary grown past KH__TERMS_MAX is emptied (its
** counted dfs written first; the states are read again at the next batch). */
static int bound_dict(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c || db->in_txn || c->dict.n <= KH__TERMS_MAX) return 0;
  int rc = 0;
  if (c->npend) {
    if ((rc = kh__db_exec(db, "BEGIN IMMEDIATE"))) return rc;
    rc = write_pending(db);
    if (!rc) rc = bump_gen(db);
    if (!rc) rc = kh__db_exec(db, "COMMIT");
    else kh__db_exec(db, "ROLLBACK");
  }
  kh__terms_clear(&c->dict);
  c->nwterms = 0; /* the window's counts were in the entries */
  c->npend = 0;
  c->gen = -1;
  return rc;
}

int kh__champ_build(kh_db *db) {
  kh__champ *c = db->champ;
  if (c && !db->in_txn) c->dl_kept = c->ndl; /* committed */
  int rc = build(db, c ? CH_BUILD_ROWS_PER_DOC * (long)(c->last_docs > 0 ? c->last_docs : 1) : 0);
  int rc2 = bound_dict(db);
  return rc ? rc : rc2;
}

int kh__champ_build_all(kh_db *db) {
  int rc = 0;
  while (!rc && db->champ && db->champ->pending) rc = build(db, LONG_MAX);
  return rc;
}
