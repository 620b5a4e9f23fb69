/*
** lsh.c — the corpus's LSH rows, packed (schema step 11, table corpus_lshp).
**
** Each article has KH_LSH_BANDS band keys (minhash.c).  They are kept by
** epoch, as before (db.c's header: a level-0 epoch is a block of 4,096
** rowids, a level-1 epoch the 16 blocks of a group), and within an epoch
** by part, the key's top KH__LSH_PART_BITS bits: one row per (epoch,
** part), id = epoch << 12 | part, whose data are the entries of that
** epoch and part sorted by (key as unsigned, rowid), KH__LSH_ENT bytes
** each: the key's 8 bytes, then the rowid's offset from the epoch's first
** rowid in 4 bytes, little-endian.
**
** Why packed: a row per key (corpus_lsh, steps 5-10) made 64 b-tree
** inserts an article and, once 16 blocks were complete, 4M rows read,
** inserted and deleted again; a profile of a 200k ingest put a third of
** the writer thread's time there.  A batch now rewrites the parts of the
** blocks it touched (a batch of 2,000 articles: the 4,096 parts of its
** block, about 30 entries each), and a merge rewrites each part once.
**
**   kh__lsh_put(sql, rows, n);          rows sorted by kh__lsh_cmp
**   kh__lsh_merge(sql, top_block);      complete groups before top's
**   kh__lsh_epochs(sql, &ep, &nep);     then kh__lsh_probe per band/epoch
*/
#include "corpus.h"
#include "../store/store.h"

#include <stdlib.h>
#include <string.h>

#define NPART (1u << KH__LSH_PART_BITS)
#define ENT KH__LSH_ENT

/* The first rowid of an epoch (level 0 or 1). */
static int64_t epoch_base(int64_t epoch) { return (epoch & KH__LSH_BLOCK_MASK) << KH__LSH_EPOCH_SHIFT; }
static int64_t part_id(int64_t epoch, unsigned part) { return epoch << KH__LSH_PART_BITS | (int64_t)part; }
static unsigned part_of(uint64_t key) { return (unsigned)(key >> (64 - KH__LSH_PART_BITS)); }

static void ent_put(unsigned char *p, uint64_t key, uint32_t off) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(key >> (8 * i));
  for (int i = 0; i < 4; i++) p[8 + i] = (unsigned char)(off >> (8 * i));
}
static uint64_t ent_key(const unsigned char *p) {
  uint64_t k = 0;
  for (int i = 7; i >= 0; i--) k = k << 8 | p[i];
  return k;
}
static uint32_t ent_off(const unsigned char *p) {
  return (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
}

int kh__lsh_cmp(const void *x, const void *y) {
  const kh__band_row *a = x, *b = y;
  int64_t ea = a->rowid >> KH__LSH_EPOCH_SHIFT, eb = b->rowid >> KH__LSH_EPOCH_SHIFT;
  if (ea != eb) return ea < eb ? -1 : 1;
  if (a->key != b->key) return (uint64_t)a->key < (uint64_t)b->key ? -1 : 1;
  return a->rowid < b->rowid ? -1 : a->rowid > b->rowid;
}

/* One entry unpacked: `at` is its offset in the epoch (merges) or its
** rowid (buckets). */
typedef struct ent {
  uint64_t key;
  int64_t at;
} ent;

static int cmp_ent(const void *x, const void *y) {
  const ent *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->at < b->at ? -1 : a->at > b->at;
}

typedef struct lsh_io {
  sqlite3 *sql;
  sqlite3_stmt *get, *set;
  unsigned char *buf; /* the part being written */
  size_t cap;
} lsh_io;

static int io_open(lsh_io *io, sqlite3 *sql) {
  memset(io, 0, sizeof *io);
  io->sql = sql;
  if (sqlite3_prepare_v2(sql, "SELECT data FROM corpus_lshp WHERE id = ?1", -1, &io->get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(sql, "INSERT OR REPLACE INTO corpus_lshp(id, data) VALUES (?1, ?2)", -1, &io->set,
                         NULL) != SQLITE_OK)
    return sqlite3_errcode(sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  return 0;
}

static void io_close(lsh_io *io) {
  sqlite3_finalize(io->get);
  sqlite3_finalize(io->set);
  kh__free(io->buf);
}

/* The data of part id (NULL, *n = 0 when there is none), valid until
** io->get is reset; KH_EDB on a read error. */
static int io_get(lsh_io *io, int64_t id, const unsigned char **d, size_t *n) {
  sqlite3_reset(io->get);
  sqlite3_bind_int64(io->get, 1, id);
  int r = sqlite3_step(io->get);
  *d = NULL;
  *n = 0;
  if (r == SQLITE_DONE) return 0;
  if (r != SQLITE_ROW) return KH_EDB;
  *d = sqlite3_column_blob(io->get, 0);
  *n = (size_t)sqlite3_column_bytes(io->get, 0) / ENT;
  return 0;
}

static int io_set(lsh_io *io, int64_t id, const unsigned char *d, size_t n) {
  sqlite3_reset(io->get);
  sqlite3_bind_int64(io->set, 1, id);
  sqlite3_bind_blob(io->set, 2, d, (int)(n * ENT), SQLITE_STATIC);
  int r = sqlite3_step(io->set);
  sqlite3_reset(io->set);
  return r == SQLITE_DONE ? 0 : KH_EDB;
}

/* Part `part` of epoch `epoch` gets rows[0..n) (sorted, in the epoch):
** the stored entries and the new ones merged in order, a row already
** there kept once. */
static int part_add(lsh_io *io, int64_t epoch, unsigned part, const kh__band_row *rows, size_t n) {
  const unsigned char *old;
  size_t nold;
  int64_t id = part_id(epoch, part), base = epoch_base(epoch);
  int rc = io_get(io, id, &old, &nold);
  if (!rc) rc = kh__grow_buf((void **)&io->buf, &io->cap, (nold + n) * ENT, 1);
  if (rc) return rc;
  unsigned char *out = io->buf;
  size_t i = 0, j = 0, m = 0;
  ent last = {0};
  while (i < nold || j < n) {
    ent a = {0}, b = {0};
    if (i < nold) a = (ent){ent_key(old + i * ENT), ent_off(old + i * ENT)};
    if (j < n) b = (ent){(uint64_t)rows[j].key, rows[j].rowid - base};
    int take_old = j >= n || (i < nold && cmp_ent(&a, &b) <= 0);
    ent e = take_old ? a : b;
    if (take_old) i++;
    else j++;
    if (m && !cmp_ent(&last, &e)) continue; /* there already */
    ent_put(out + m++ * ENT, e.key, (uint32_t)e.at);
    last = e;
  }
  return io_set(io, id, out, m);
}

int kh__lsh_put(sqlite3 *sql, const kh__band_row *rows, size_t n) {
  if (!n) return 0;
  lsh_io io;
  int rc = io_open(&io, sql);
  for (size_t i = 0; i < n && !rc;) {
    int64_t block = rows[i].rowid >> KH__LSH_EPOCH_SHIFT;
    unsigned part = part_of((uint64_t)rows[i].key);
    size_t j = i + 1;
    while (j < n && rows[j].rowid >> KH__LSH_EPOCH_SHIFT == block && part_of((uint64_t)rows[j].key) == part) j++;
    rc = part_add(&io, block, part, rows + i, j - i);
    i = j;
  }
  io_close(&io);
  return rc;
}

/* Move the level-0 epochs of group g0 (blocks g0 .. g0 + 15) into its
** level-1 epoch, part by part, merged with what that epoch holds already
** (rows of an old block written late). */
static int merge_group(lsh_io *io, int64_t g0) {
  int64_t target = (INT64_C(1) << KH__LSH_LEVEL_SHIFT) | g0;
  ent *v = NULL;
  size_t cap = 0;
  int rc = 0;
  for (unsigned p = 0; p < NPART && !rc; p++) {
    size_t m = 0, n;
    const unsigned char *d;
    int moved = 0;
    for (int64_t b = -1; b < KH__LSH_FANOUT && !rc; b++) { /* -1: the level-1 epoch itself */
      int64_t epoch = b < 0 ? target : g0 + b;
      int64_t shift = b < 0 ? 0 : b << KH__LSH_EPOCH_SHIFT;
      if ((rc = io_get(io, part_id(epoch, p), &d, &n)) || !n) continue;
      moved |= b >= 0;
      if ((rc = kh__grow_buf((void **)&v, &cap, m + n, sizeof *v))) break;
      for (size_t i = 0; i < n; i++) v[m++] = (ent){ent_key(d + i * ENT), ent_off(d + i * ENT) + shift};
    }
    if (rc || !moved) continue;
    qsort(v, m, sizeof *v, cmp_ent);
    if ((rc = kh__grow_buf((void **)&io->buf, &io->cap, m * ENT, 1))) break;
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
      if (i == 0 || cmp_ent(&v[i - 1], &v[i])) ent_put(io->buf + k++ * ENT, v[i].key, (uint32_t)v[i].at);
    rc = io_set(io, part_id(target, p), io->buf, k);
  }
  kh__free(v);
  if (rc) return rc;
  sqlite3_stmt *del;
  if (sqlite3_prepare_v2(io->sql, "DELETE FROM corpus_lshp WHERE id >= ?1 AND id < ?2", -1, &del, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(del, 1, part_id(g0, 0));
  sqlite3_bind_int64(del, 2, part_id(g0 + KH__LSH_FANOUT, 0));
  rc = sqlite3_step(del) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(del);
  return rc;
}

/* The smallest id in [from, to) into *id (-1: none). */
static int min_id(sqlite3 *sql, sqlite3_stmt **q, int64_t from, int64_t to, int64_t *id) {
  if (!*q && sqlite3_prepare_v2(sql, "SELECT min(id) FROM corpus_lshp WHERE id >= ?1 AND id < ?2", -1, q, NULL) !=
                 SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(*q, 1, from);
  sqlite3_bind_int64(*q, 2, to);
  int r = sqlite3_step(*q);
  *id = r == SQLITE_ROW && sqlite3_column_type(*q, 0) != SQLITE_NULL ? sqlite3_column_int64(*q, 0) : -1;
  sqlite3_reset(*q);
  return r == SQLITE_ROW ? 0 : KH_EDB;
}

int kh__lsh_merge(sqlite3 *sql, int64_t top_block, int64_t *groups) {
  int64_t end = top_block / KH__LSH_FANOUT * KH__LSH_FANOUT, id;
  sqlite3_stmt *q = NULL;
  lsh_io io;
  int rc = io_open(&io, sql);
  /* data-driven: any level-0 part of a complete group, however it got there */
  while (!rc && !(rc = min_id(sql, &q, 0, part_id(end, 0), &id)) && id >= 0) {
    int64_t g0 = (id >> KH__LSH_PART_BITS) / KH__LSH_FANOUT * KH__LSH_FANOUT;
    rc = merge_group(&io, g0);
    if (!rc && groups) ++*groups;
  }
  sqlite3_finalize(q);
  io_close(&io);
  return rc;
}

/* Epoch values newest first: by first block, then the finer level first. */
static int cmp_epoch_newest(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  int64_t ba = a & KH__LSH_BLOCK_MASK, bb = b & KH__LSH_BLOCK_MASK;
  if (ba != bb) return ba > bb ? -1 : 1;
  return a < b ? -1 : a > b;
}

int kh__lsh_epochs(sqlite3 *sql, int64_t **out, size_t *n) {
  int64_t *ep = NULL, id;
  size_t nep = 0, cap = 0;
  sqlite3_stmt *q = NULL;
  int rc = 0;
  for (int64_t from = 0; !(rc = min_id(sql, &q, from, INT64_MAX, &id)) && id >= 0;) {
    int64_t e = id >> KH__LSH_PART_BITS;
    if ((rc = kh__grow_buf((void **)&ep, &cap, nep + 1, sizeof *ep))) break;
    ep[nep++] = e;
    if (e >= INT64_MAX >> KH__LSH_PART_BITS) break;
    from = part_id(e + 1, 0);
  }
  sqlite3_finalize(q);
  if (rc) {
    kh__free(ep);
    return rc;
  }
  qsort(ep, nep, sizeof *ep, cmp_epoch_newest);
  *out = ep;
  *n = nep;
  return 0;
}

int kh__lsh_probe(sqlite3_stmt *get, int64_t epoch, uint64_t key, int64_t self, size_t cap, int64_t *out,
                  size_t *n) {
  *n = 0;
  sqlite3_bind_int64(get, 1, part_id(epoch, part_of(key)));
  int r = sqlite3_step(get);
  if (r == SQLITE_DONE) {
    sqlite3_reset(get);
    return 0;
  }
  if (r != SQLITE_ROW) {
    sqlite3_reset(get);
    return KH_EDB;
  }
  const unsigned char *d = sqlite3_column_blob(get, 0);
  size_t m = (size_t)sqlite3_column_bytes(get, 0) / ENT, lo = 0, hi = m;
  while (lo < hi) { /* the first entry past key */
    size_t mid = lo + (hi - lo) / 2;
    if (ent_key(d + mid * ENT) <= key) lo = mid + 1;
    else hi = mid;
  }
  int64_t base = epoch_base(epoch);
  /* the most recent first, as ORDER BY rowid DESC */
  for (size_t i = lo; i > 0 && *n < cap && ent_key(d + (i - 1) * ENT) == key; i--) {
    int64_t rowid = base + ent_off(d + (i - 1) * ENT);
    if (rowid != self) out[(*n)++] = rowid;
  }
  sqlite3_reset(get);
  return 0;
}

int kh__lsh_buckets(sqlite3 *sql, int (*cb)(void *ctx, const int64_t *rowids, size_t n), void *ctx) {
  int64_t *ep = NULL;
  size_t nep = 0;
  int rc = kh__lsh_epochs(sql, &ep, &nep);
  if (rc) return rc;
  lsh_io io;
  ent *v = NULL;
  size_t cap = 0;
  int64_t ids[KH__BUCKET_CAP];
  if (!(rc = io_open(&io, sql)))
    for (unsigned p = 0; p < NPART && !rc; p++) {
      size_t m = 0, n;
      const unsigned char *d;
      for (size_t e = 0; e < nep && !rc; e++) {
        if ((rc = io_get(&io, part_id(ep[e], p), &d, &n)) || !n) continue;
        if ((rc = kh__grow_buf((void **)&v, &cap, m + n, sizeof *v))) break;
        int64_t base = epoch_base(ep[e]);
        for (size_t i = 0; i < n; i++) v[m++] = (ent){ent_key(d + i * ENT), base + ent_off(d + i * ENT)};
      }
      if (rc || m < 2) continue;
      qsort(v, m, sizeof *v, cmp_ent);
      for (size_t i = 0; i < m && !rc;) {
        size_t j = i, k = 0;
        for (; j < m && v[j].key == v[i].key; j++)
          if (k < KH__BUCKET_CAP && (k == 0 || ids[k - 1] != v[j].at)) ids[k++] = v[j].at;
        if (k > 1) rc = cb(ctx, ids, k);
        i = j;
      }
    }
  io_close(&io);
  kh__free(v);
  kh__free(ep);
  return rc;
}

int kh__lsh_pack_old(sqlite3 *sql) {
  sqlite3_stmt *q = NULL, *rd = NULL;
  kh__band_row *v = NULL;
  size_t cap = 0;
  int64_t top = -1;
  int rc = KH_EDB;
  /* a file made "older" by a test may have no corpus_lsh */
  if (sqlite3_prepare_v2(sql, "SELECT 1 FROM sqlite_master WHERE name = 'corpus_lsh'", -1, &q, NULL) != SQLITE_OK)
    return KH_EDB;
  int r0 = sqlite3_step(q);
  sqlite3_finalize(q);
  q = NULL;
  if (r0 == SQLITE_DONE) return 0;
  if (r0 != SQLITE_ROW) return KH_EDB;
  if (sqlite3_prepare_v2(sql, "SELECT min(epoch) FROM corpus_lsh WHERE epoch > ?1", -1, &q, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(sql, "SELECT key, rowid FROM corpus_lsh WHERE epoch = ?1", -1, &rd, NULL) != SQLITE_OK)
    goto out;
  rc = 0;
  for (int64_t after = INT64_MIN; !rc;) { /* one old epoch at a time, into level-0 blocks */
    sqlite3_bind_int64(q, 1, after);
    int r = sqlite3_step(q);
    int none = r != SQLITE_ROW || sqlite3_column_type(q, 0) == SQLITE_NULL;
    if (!none) after = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (r != SQLITE_ROW) rc = KH_EDB;
    if (rc || none) break;
    size_t m = 0;
    sqlite3_bind_int64(rd, 1, after);
    while ((r = sqlite3_step(rd)) == SQLITE_ROW && !rc) {
      int64_t rowid = sqlite3_column_int64(rd, 1);
      if (rowid <= 0 || rowid > KH__LSH_BLOCK_MASK) continue; /* not an article's */
      if ((rc = kh__grow_buf((void **)&v, &cap, m + 1, sizeof *v))) break;
      v[m].key = sqlite3_column_int64(rd, 0);
      v[m++].rowid = rowid;
      if (rowid >> KH__LSH_EPOCH_SHIFT > top) top = rowid >> KH__LSH_EPOCH_SHIFT;
    }
    if (!rc && r != SQLITE_DONE) rc = KH_EDB;
    sqlite3_reset(rd);
    if (rc) break;
    qsort(v, m, sizeof *v, kh__lsh_cmp);
    rc = kh__lsh_put(sql, v, m);
  }
  if (!rc && top >= 0) rc = kh__lsh_merge(sql, top, NULL);
  if (!rc && sqlite3_exec(sql, "DROP TABLE corpus_lsh", NULL, NULL, NULL) != SQLITE_OK) rc = KH_EDB;
out:
  sqlite3_finalize(q);
  sqlite3_finalize(rd);
  kh__free(v);
  return rc;
}

int kh__lsh_rows_table(sqlite3 *sql) {
  sqlite3_stmt *rd = NULL, *ins = NULL;
  int rc = KH_EDB;
  if (sqlite3_exec(sql,
                   "CREATE TEMP TABLE IF NOT EXISTS lsh_rows(epoch INTEGER, key INTEGER, rowid INTEGER);"
                   "DELETE FROM lsh_rows;",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(sql, "SELECT id, data FROM corpus_lshp ORDER BY id", -1, &rd, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(sql, "INSERT INTO lsh_rows VALUES (?1, ?2, ?3)", -1, &ins, NULL) != SQLITE_OK)
    goto out;
  int r;
  rc = 0;
  while (!rc && (r = sqlite3_step(rd)) == SQLITE_ROW) {
    int64_t epoch = sqlite3_column_int64(rd, 0) >> KH__LSH_PART_BITS, base = epoch_base(epoch);
    const unsigned char *d = sqlite3_column_blob(rd, 1);
    size_t n = (size_t)sqlite3_column_bytes(rd, 1) / ENT;
    for (size_t i = 0; i < n && !rc; i++) {
      sqlite3_bind_int64(ins, 1, epoch);
      sqlite3_bind_int64(ins, 2, (int64_t)ent_key(d + i * ENT));
      sqlite3_bind_int64(ins, 3, base + ent_off(d + i * ENT));
      rc = sqlite3_step(ins) == SQLITE_DONE ? 0 : KH_EDB;
      sqlite3_reset(ins);
    }
  }
  if (!rc && r != SQLITE_DONE) rc = KH_EDB;
out:
  sqlite3_finalize(rd);
  sqlite3_finalize(ins);
  return rc;
}
