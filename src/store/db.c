/*
** db.c — the database connection: open (WAL, tokenizer, migrations), the
** batched write transaction, and kh_db_put_article with its idempotency
** rules (same id, or same content hash: not stored again).
**
**   kh_db *db; kh_db_open("khabar.db", &db);
**   int rc = kh_db_put_article(db, &a, &rowid);  // 0 or KH_DUPLICATE
**   kh_db_close(db);                             // commits
**
** Durability: WAL with synchronous=NORMAL; a write batch is one
** transaction, so a kill at any moment keeps every committed batch and
** leaves a consistent file (the open batch is rolled back on next open).
** A failure while storing an article (out of memory, a hook's error)
** rolls back the open batch, so the file never holds half an article.
*/
#include "store.h"

#include <time.h>

static const char *const SQL_FIND_ID = "SELECT rowid FROM article WHERE id = ?1";
static const char *const SQL_FIND_HASH = "SELECT rowid FROM article WHERE hash = ?1";
static const char *const SQL_INS =
    "INSERT OR IGNORE INTO article(id, source, url, published, title, body, hash, ingested, extra)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char *const SQL_INS_FTS =
    "INSERT INTO article_fts(rowid, title, body) VALUES (?1, ?2, ?3)";
static const char *const SQL_INS_DUP =
    "INSERT OR IGNORE INTO duplicate(id, of_rowid, source, url, published, ingested)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int kh__db_exec(kh_db *db, const char *sql) {
  int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
}

static void finalize_all(kh_db *db) {
  sqlite3_finalize(db->st_find_id);
  sqlite3_finalize(db->st_find_hash);
  sqlite3_finalize(db->st_ins);
  sqlite3_finalize(db->st_ins_fts);
  sqlite3_finalize(db->st_ins_dup);
}

int kh_db_open(const char *path, kh_db **out) {
  if (!out) return KH_EINVAL;
  *out = NULL;
  if (!path) return KH_EINVAL;
  kh_db *db = kh__calloc(1, sizeof *db);
  if (!db) return KH_ENOMEM;
  db->batch_max = KH_DB_BATCH;
  int rc = KH_EDB;
  /* NOMUTEX: a kh_db is used from one thread at a time (khabar.h), so the
  ** connection's mutexes only cost (a lock per API call on the writer) */
  /* the VFS gathers the WAL's frame writes into large ones (vfs.c) */
  int src = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            kh__vfs_name());
  if (src == SQLITE_NOMEM) rc = KH_ENOMEM;
  if (src != SQLITE_OK) goto fail;
  sqlite3_busy_timeout(db->sql, 10000);
  if ((rc = kh_fts5_register(db->sql))) goto fail;
  if ((rc = kh__db_exec(db, "PRAGMA journal_mode = WAL")) ||
      (rc = kh__db_exec(db, "PRAGMA synchronous = NORMAL")) ||
      /* checkpoint every 64 MB of WAL instead of 4 MB: the pages an ingest
      ** rewrites in every batch (FTS5 structure, b-tree interior pages,
      ** story and LSH rows) are copied to the file once per checkpoint, and
      ** 16x fewer checkpoints fsync the file (writer CPU -5% at 20k) */
      (rc = kh__db_exec(db, "PRAGMA wal_autocheckpoint = 16384")))
    goto fail;
  /* a 64 MB page cache (SQLite's default is 2 MB): FTS5's segments, the
  ** article indexes and the champion-list tables are read back at every
  ** batch (bench/store_ingest.c gives its peer the same) */
  if ((rc = kh__db_exec(db, "PRAGMA cache_size = -65536"))) goto fail;
  if ((rc = kh__schema_migrate(db->sql, &db->version))) goto fail;
  if ((rc = kh__tokver_open(db))) goto fail;
  if ((rc = kh__champ_open(db))) goto fail;
  rc = KH_EDB;
  if (sqlite3_prepare_v3(db->sql, SQL_FIND_ID, -1, SQLITE_PREPARE_PERSISTENT, &db->st_find_id, NULL) ||
      sqlite3_prepare_v3(db->sql, SQL_FIND_HASH, -1, SQLITE_PREPARE_PERSISTENT, &db->st_find_hash, NULL) ||
      sqlite3_prepare_v3(db->sql, SQL_INS, -1, SQLITE_PREPARE_PERSISTENT, &db->st_ins, NULL) ||
      sqlite3_prepare_v3(db->sql, SQL_INS_FTS, -1, SQLITE_PREPARE_PERSISTENT, &db->st_ins_fts, NULL) ||
      sqlite3_prepare_v3(db->sql, SQL_INS_DUP, -1, SQLITE_PREPARE_PERSISTENT, &db->st_ins_dup, NULL)) {
    if (sqlite3_errcode(db->sql) == SQLITE_NOMEM) rc = KH_ENOMEM;
    goto fail;
  }
  if ((rc = kh__tier_open(db))) goto fail; /* last: its hook owns its state from here */
  *out = db;
  return 0;
fail:
  kh__champ_close(db);
  finalize_all(db);
  sqlite3_close(db->sql);
  kh_free(db);
  return rc;
}

void kh__db_rollback(kh_db *db) {
  if (!db->in_txn) return;
  kh__db_exec(db, "ROLLBACK");
  db->in_txn = 0;
  db->batch = 0;
  kh__champ_reset(db);
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].ops && db->hooks[i].ops->discard) db->hooks[i].ops->discard(db->hooks[i].ctx);
}

int kh_db_commit(kh_db *db) {
  if (!db || !db->in_txn) return 0;
  /* hooks that keep state in memory write it into this same batch */
  for (int i = 0; i < db->nhooks; i++) {
    if (!db->hooks[i].ops || !db->hooks[i].ops->flush) continue;
    int rc = db->hooks[i].ops->flush(db->hooks[i].ctx, db);
    if (rc) {
      kh__db_rollback(db);
      return rc;
    }
  }
  int rc = kh__champ_flush(db);
  if (rc) { /* the batch's champion-list state is gone: so is the batch */
    kh__db_rollback(db);
    return rc;
  }
  if (kh__db_exec(db, "COMMIT")) return KH_EDB;
  db->in_txn = 0;
  db->batch = 0;
  /* lists wanted since: built now, bounded work; a failure leaves them wanted */
  kh__champ_build(db);
  return 0;
}

void kh_db_close(kh_db *db) {
  if (!db) return;
  if (kh_db_commit(db)) kh__db_rollback(db);
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].ops && db->hooks[i].ops->release) db->hooks[i].ops->release(db->hooks[i].ctx);
  kh__champ_close(db);
  finalize_all(db);
  sqlite3_close(db->sql);
  kh__tokcache_free(&db->cache[0]);
  kh__tokcache_free(&db->cache[1]);
  kh__prep_free(db, db->seq);
  kh_free(db->seq);
  kh_free(db);
}

/* FTS5 writes its pending terms out as a new segment whenever they pass
** 'hashsize' bytes (1 MB by default: a segment every ~200 articles), and
** merges segments 4 at a time level by level.  With 16 MB the segments
** start 16x larger, so every posting is merged into a bigger segment
** about two times less; the writer thread's CPU at 20k fell ~7% (the
** index holds the same rows; search reads fewer segments).
** 'automerge' 8 (FTS5's default 4): a level's segments are merged once 8
** of them are there, so a posting is rewritten log8 rather than log4 times
** of the segment count (at 1M articles, ~500 batch segments: 3 merges
** instead of 4.5); kh_db_put_article's CPU at 100k -13% (the same
** articles into two files in turns), at the price of more segments for a
** query to read (16 against 9 at 100k; docs/store.md).  The values are
** kept in article_fts_config; set by the first batch of a connection. */
static const struct {
  const char *key;
  int64_t value;
} fts_settings[] = {{"hashsize", 16777216}, {"automerge", 8}};

static int fts_config(kh_db *db) {
  db->fts_hash_set = 1;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT v FROM article_fts_config WHERE k = ?1", -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof fts_settings / sizeof *fts_settings; i++) {
    sqlite3_bind_text(st, 1, fts_settings[i].key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    int64_t v = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) rc = KH_EDB;
    if (rc || v == fts_settings[i].value) continue;
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO article_fts(article_fts, rank) VALUES ('%s', %lld)", fts_settings[i].key,
             (long long)fts_settings[i].value);
    rc = kh__db_exec(db, sql);
  }
  sqlite3_finalize(st);
  return rc;
}

int kh__db_begin(kh_db *db) {
  if (db->in_txn) return 0;
  if (kh__db_exec(db, "BEGIN IMMEDIATE")) return KH_EDB;
  db->in_txn = 1;
  if (!db->fts_hash_set && fts_config(db)) {
    kh__db_rollback(db);
    return KH_EDB;
  }
  return 0;
}

void kh__db_set_batch(kh_db *db, int n) { db->batch_max = n > 0 ? n : KH_DB_BATCH; }

int kh__db_on_put_ops(kh_db *db, kh__put_hook fn, const kh__hook_ops *ops, void *ctx) {
  if (db->nhooks >= KH__MAX_HOOKS) return KH_ETOOBIG;
  db->hooks[db->nhooks].fn = fn;
  db->hooks[db->nhooks].ctx = ctx;
  db->hooks[db->nhooks].ops = ops;
  db->hooks[db->nhooks].ord = NULL;
  db->nhooks++;
  return 0;
}

int kh__db_on_put(kh_db *db, kh__put_hook fn, void *ctx) { return kh__db_on_put_ops(db, fn, NULL, ctx); }

int kh__db_hook_order(kh_db *db, kh__put_hook fn, const kh__hook_order *ord) {
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == fn) {
      db->hooks[i].ord = ord;
      return 0;
    }
  return KH_EINVAL;
}

int kh_db_schema_version(kh_db *db) { return db ? db->version : KH_EINVAL; }
int kh_db_schema_latest(void) { return kh__schema_latest(); }
const char *kh_db_errmsg(kh_db *db) { return db ? sqlite3_errmsg(db->sql) : "no database"; }

int64_t kh_db_count(kh_db *db) {
  if (!db) return KH_EINVAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM article", -1, &st, NULL)) return KH_EDB;
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : KH_EDB;
  sqlite3_finalize(st);
  return n;
}

/* Bind pointer + length text, NULL when absent. */
static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t n) {
  if (!s || !n) return sqlite3_bind_null(st, i);
  return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}

/* Look a key up with a one-column SELECT; 1 found (*rowid set), 0 not, <0 error. */
static int lookup(sqlite3_stmt *st, const char *key, size_t n, int64_t *rowid) {
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, key, (int)n, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *rowid = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : KH_EDB;
}

static int step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
}

static int valid_extra(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  return n >= 2 && s[0] == '{' && s[n - 1] == '}';
}

/* extra with "published_raw" added (the unreadable published text). */
static void extra_with_raw(const kh_article *a, kh__buf *b, int *rc) {
  if (a->extra && a->extra_len && valid_extra(a->extra, a->extra_len)) {
    size_t n = a->extra_len;
    while (a->extra[n - 1] != '}') n--;
    size_t j = n - 1;
    while (j > 0 && (a->extra[j - 1] == ' ' || a->extra[j - 1] == '\n')) j--;
    kh__buf_append(b, a->extra, n - 1, rc);
    if (a->extra[j - 1] != '{') kh__buf_appendc(b, ',', rc);
  } else {
    kh__buf_appendc(b, '{', rc);
  }
  kh__buf_appends(b, "\"published_raw\":", rc);
  kh__buf_json_str(b, a->published, a->published_len, rc);
  kh__buf_appendc(b, '}', rc);
}

static int insert(kh_db *db, const kh_article *a, const char *id, size_t idlen, const char *date,
                  int dlen, const char *hash, const char *now, const char *extra, size_t extralen,
                  int64_t *rowid) {
  sqlite3_stmt *st = db->st_ins;
  sqlite3_reset(st);
  bind_text(st, 1, id, idlen);
  bind_text(st, 2, a->source, a->source_len);
  bind_text(st, 3, a->url, a->url_len);
  bind_text(st, 4, date, dlen > 0 ? (size_t)dlen : 0);
  sqlite3_bind_text(st, 5, a->title ? a->title : "", (int)(a->title ? a->title_len : 0), SQLITE_STATIC);
  sqlite3_bind_text(st, 6, a->body ? a->body : "", (int)(a->body ? a->body_len : 0), SQLITE_STATIC);
  sqlite3_bind_text(st, 7, hash, 32, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
  bind_text(st, 9, extra, extralen);
  int rc = step_done(st);
  sqlite3_clear_bindings(st);
  if (rc) return rc;
  if (sqlite3_changes(db->sql) == 0) return 1; /* OR IGNORE: id or hash already stored */
  *rowid = sqlite3_last_insert_rowid(db->sql);
  st = db->st_ins_fts;
  sqlite3_bind_int64(st, 1, *rowid);
  sqlite3_bind_text(st, 2, a->title ? a->title : "", (int)(a->title ? a->title_len : 0), SQLITE_STATIC);
  sqlite3_bind_text(st, 3, a->body ? a->body : "", (int)(a->body ? a->body_len : 0), SQLITE_STATIC);
  rc = step_done(st);
  sqlite3_clear_bindings(st);
  return rc;
}

static int note_duplicate(kh_db *db, const kh_article *a, const char *id, size_t idlen,
                          int64_t of, const char *date, int dlen, const char *now) {
  sqlite3_stmt *st = db->st_ins_dup;
  bind_text(st, 1, id, idlen);
  sqlite3_bind_int64(st, 2, of);
  bind_text(st, 3, a->source, a->source_len);
  bind_text(st, 4, a->url, a->url_len);
  bind_text(st, 5, date, dlen > 0 ? (size_t)dlen : 0);
  sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
  int rc = step_done(st);
  sqlite3_clear_bindings(st);
  return rc;
}

void kh__prep_clear(const kh_db *db, kh__prep *p) {
  for (int i = 0; i < KH__MAX_HOOKS; i++) {
    if (!p->hook[i]) continue;
    if (i < db->nhooks && db->hooks[i].ops && db->hooks[i].ops->drop)
      db->hooks[i].ops->drop(db->hooks[i].ctx, p->hook[i]);
    p->hook[i] = NULL;
  }
}

void kh__prep_free(const kh_db *db, kh__prep *p) {
  if (!p) return;
  kh__prep_clear(db, p);
  kh__tokcache_free(&p->cache[0]);
  kh__tokcache_free(&p->cache[1]);
}

void *kh__db_take_prepared(kh_db *db) {
  void *r = db->cur_prep;
  db->cur_prep = NULL;
  return r;
}

void kh__db_prepare(const kh_db *db, const kh_article *a, kh__prep *p, int hooks) {
  p->rc = 0;
  for (int i = 0; i < KH__MAX_HOOKS; i++) p->hook[i] = NULL;
  size_t tlen = a->title ? a->title_len : 0, blen = a->body ? a->body_len : 0;
  if (tlen + blen == 0) p->rc = KH_EINVAL;
  else if (tlen > KH_MAX_ARTICLE || blen > KH_MAX_ARTICLE) p->rc = KH_ETOOBIG;
  else if (a->extra && a->extra_len && !valid_extra(a->extra, a->extra_len)) p->rc = KH_EINVAL;
  /* tokenize once: the hash reads the tokens, the FTS5 insert replays them */
  if (!p->rc) p->rc = kh__tokcache_fill(&p->cache[0], a->title, tlen);
  if (!p->rc) p->rc = kh__tokcache_fill(&p->cache[1], a->body, blen);
  if (p->rc) return;
  kh__content_hash_cached(&p->cache[0], &p->cache[1], p->hash);
  p->dlen = a->published && a->published_len ? kh__date_norm(a->published, a->published_len, p->date) : 0;
  kh_article *st = &p->stored;
  *st = *a;
  p->raw_pub = a->published;
  p->raw_pub_len = a->published_len;
  if (!a->id || !a->id_len) {
    snprintf(p->idbuf, sizeof p->idbuf, "kh-%.16s", p->hash);
    st->id = p->idbuf;
    st->id_len = strlen(p->idbuf);
  }
  st->published = p->dlen > 0 ? p->date : NULL;
  st->published_len = p->dlen > 0 ? (size_t)p->dlen : 0;
  for (int i = 0; hooks && i < db->nhooks; i++)
    if (db->hooks[i].ops && db->hooks[i].ops->prepare)
      p->hook[i] = db->hooks[i].ops->prepare(db->hooks[i].ctx, st, p->cache);
}

int kh_db_put_article(kh_db *db, const kh_article *a, int64_t *rowid) {
  if (!db || !a) return KH_EINVAL;
  if (!db->seq && !(db->seq = kh__calloc(1, sizeof *db->seq))) return KH_ENOMEM;
  kh__db_prepare(db, a, db->seq, 0);
  return kh__db_put_prepared(db, db->seq, rowid);
}

int kh__db_put_prepared(kh_db *db, kh__prep *p, int64_t *rowid) {
  int64_t rid = 0;
  int rc = p->rc;
  if (rc) return rc;
  /* the tokens go where the FTS5 tokenizer, champ.c and the hooks read them */
  for (int i = 0; i < 2; i++) {
    kh__tokcache tmp = db->cache[i];
    kh__terms *dict = db->cache[i].dict; /* the writer's (champ.c), not the worker's */
    db->cache[i] = p->cache[i];
    db->cache[i].dict = dict;
    p->cache[i] = tmp;
    p->cache[i].dict = NULL;
    /* the worker cached the tokens without the dictionary: intern them here */
    if (!rc && dict) rc = kh__tokcache_intern(&db->cache[i]);
  }
  if (rc) goto out;
  const kh_article *a = &p->stored; /* id and published as stored */
  const char *hash = p->hash, *date = p->date;
  int dlen = p->dlen;
  time_t t = time(NULL);
  if (t != db->now_t) { /* the ingest time changes once a second */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(db->now, sizeof db->now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    db->now_t = t;
  }
  const char *now = db->now;
  const char *id = a->id;
  size_t idlen = a->id_len;
  if ((rc = kh__db_begin(db))) goto out;
  kh__buf extra = {0};
  int brc = 0;
  if (dlen < 0) {
    kh_article raw = *a;
    raw.published = p->raw_pub;
    raw.published_len = p->raw_pub_len;
    extra_with_raw(&raw, &extra, &brc);
  }
  if (brc) {
    kh__buf_free(&extra);
    rc = brc;
    goto out;
  }
  /* No savepoint per article: its statement journal doubled the cost of a
  ** put (bench/store_ingest.c).  A failure below instead rolls back the
  ** whole open batch (documented in khabar.h).  The insert skips a row whose
  ** id or hash is already stored (OR IGNORE: one index search each instead
  ** of a lookup and then the insert's own search); only then is it looked up. */
  kh__fts5_use_cache(db->cache, 2);
  rc = insert(db, a, id, idlen, date, dlen, hash, now, dlen < 0 ? extra.data : a->extra,
              dlen < 0 ? extra.len : (a->extra ? a->extra_len : 0), &rid);
  kh__fts5_use_cache(NULL, 0);
  if (rc == 1) { /* not inserted: the same id, or the same content under another id */
    kh__buf_free(&extra);
    kh__prep_clear(db, p);
    if ((rc = lookup(db->st_find_id, id, idlen, &rid)) != 0) goto done_dup;
    if ((rc = lookup(db->st_find_hash, hash, 32, &rid)) != 0) {
      if (rc == 1 && a->id != p->idbuf)
        rc = note_duplicate(db, a, id, idlen, rid, date, dlen, now) ? KH_EDB : 1;
      goto done_dup;
    }
    return KH_EDB; /* ignored, yet neither key is there */
  }
  if (!rc) rc = kh__champ_put(db, rid);
  for (int i = 0; !rc && i < db->nhooks; i++) {
    db->cur_prep = p->hook[i];
    p->hook[i] = NULL;
    rc = db->hooks[i].fn(db->hooks[i].ctx, db, rid, a);
    if (db->cur_prep && db->hooks[i].ops && db->hooks[i].ops->drop)
      db->hooks[i].ops->drop(db->hooks[i].ctx, db->cur_prep);
    db->cur_prep = NULL;
  }
  if (rc) kh__db_rollback(db);
  kh__buf_free(&extra);
  kh__prep_clear(db, p);
  if (rc) return rc;
  if (rowid) *rowid = rid;
  if (++db->batch >= db->batch_max) return kh_db_commit(db);
  return 0;
done_dup:
  if (rc < 0) return rc;
  if (rowid) *rowid = rid;
  return KH_DUPLICATE;
out:
  kh__prep_clear(db, p);
  return rc;
}
