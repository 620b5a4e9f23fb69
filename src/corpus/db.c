/*
** db.c — the corpus layer in the store: fingerprints and LSH bands kept per
** article, stories (public API in khabar.h; the reuse lookup and the
** duplicate groups that read them: reuse_db.c).
**
**   kh_db *db; kh_db_open("khabar.db", &db);
**   kh_corpus_attach(db);            // ingest now fingerprints and clusters
**   kh_ingest_path(db, "news.jsonl", NULL, NULL);
**   kh_corpus_reuse(db, "express-12", print_hit, NULL);
**
** Each new article gets one corpus_fp row and KH_LSH_BANDS corpus_lsh rows
** (tables: schema steps 3 and 5 in src/store/schema.c).  LSH rows are keyed
** (epoch, band key, rowid) and written once per batch in key order.  An
** epoch is a run of article rowids, tiered like a log-structured merge
** tree: a new row goes to the level-0 epoch of its block of 4,096 rowids
** (epoch = rowid >> 12), so an ingest only touches the newest epoch's pages
** however large the table is; when 16 blocks are complete their rows are
** rewritten, once, into one level-1 epoch of 65,536 rowids, (1 << 48) | its
** first block (KH__LSH_FANOUT, KH__LSH_LEVELS).  Looking up the articles a
** text may share passages with costs one index probe per band and epoch,
** each band capped at KH__BUCKET_CAP rows (the most recent): at most 16
** level-0 epochs plus one level-1 epoch per 65,536 articles, i.e. 3 epochs
** at 10k articles, 8 at 100k, 16-31 at 1M (one epoch per 1,024 rowids, as
** before, gave 10, 98 and 977), and 153-168 at 10M: bounded up to the
** millions, linear (1/65,536) beyond.  A third level would bound it for
** good but rewrite 64M rows in one batch at 1M articles; not done.  The
** rewrite costs about a microsecond a row (4M rows every 65,536 articles).
** MinHash-LSH finds copies (high shingle resemblance) but misses
** rewrites, whose shingle resemblance is low (COUNTER's WD pairs: 0.75 of
** them share a band, PD 0.24), so the members of the article's story are
** candidates too.  Candidates are then scored in full by kh_reuse_compare.
*/
#include "corpus.h"
#include "../store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define KH__STR(x) #x
#define KH__STRX(x) KH__STR(x)

/* Text used for fingerprints: the body, or the title when there is none. */
void kh__fp_text(const char *title, size_t tlen, const char *body, size_t blen, const char **t,
                 size_t *n) {
  if (blen) {
    *t = body;
    *n = blen;
  } else {
    *t = title ? title : "";
    *n = title ? tlen : 0;
  }
}

/* The corpus hook's state for one connection. */
typedef struct corpus {
  kh__stories *stories;
  sqlite3_stmt *ins_fp;
  sqlite3_stmt *ins_lsh1, *ins_lshn; /* LSH rows: one, KH__LSH_ROWS a statement */
  /* rows of the open batch, written at the flush: a write statement per
  ** article would make FTS5 flush its pending terms at every statement
  ** savepoint (one tiny segment per article) */
  struct fp_row {
    int64_t rowid;
    kh_fingerprint fp;
  } *fps;
  size_t nfps, capfps;
  struct band_row {
    int64_t key, rowid;
  } *bands, *bands2; /* LSH rows of the open batch, written sorted at the flush; sort_bands' scratch */
  size_t nbands, capbands, capbands2;
  int64_t top_rowid; /* the largest rowid given LSH rows this batch */
  int timing;        /* kh__corpus_timing: add up the CPU time of the parts */
  int64_t prepared;  /* articles whose on_prepare result was used */
  double cpu[3];     /* story assignment, fingerprint + LSH rows, epoch merges */
  /* one article's tokens, taken from the store's token cache */
  kh__tv *tv;
  size_t ntv, captv;
  uint64_t *h;
  uint32_t nh, caph;
  /* stories assigned ahead by the ingest worker (on_begin .. on_end; story_write.c) */
  kh__story_log *log;  /* the open batch's changes (writer) */
  pthread_mutex_t amu; /* wstop, and the stories while the worker assigns */
  int amu_ok;
  int ahead;           /* writer: the changes come from the worker */
  int wstop;           /* the worker assigns no more (amu) */
  int64_t expect;      /* writer: number of the last article whose change was logged */
  int64_t ndocs_db;    /* writer: corpus_meta ndocs after the last flush */
  int64_t nahead;      /* articles whose change was used (KHABAR_INGEST_WAITS=1 prints it) */
  int64_t stopped_at;  /* the article number where the writer took over again (0: never) */
  /* epoch merges in slices while the worker assigns ahead (merge_slice) */
  int mpending;        /* level-0 epochs of complete groups wait for their merge */
  int64_t mtop;        /* the level-0 block that made them due (the largest so far) */
  unsigned msince;     /* articles put since the last slice */
  int64_t mslices;     /* slices run (tests) */
  int noslices;        /* KHABAR_INGEST_SLICES=0: merges and LSH rows at the flush only (A/B) */
  sqlite3_stmt *mq, *mrd[16], *mdel, *mdel_all;
} corpus;

/* Thread CPU seconds (kh__corpus_timing only). */
static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int put_fp(corpus *c, int64_t rowid, const kh_fingerprint *fp) {
  if (c->nfps == c->capfps) {
    size_t cap = c->capfps ? 2 * c->capfps : 64;
    struct fp_row *f = kh__realloc(c->fps, cap * sizeof *f);
    if (!f) return KH_ENOMEM;
    c->fps = f;
    c->capfps = cap;
  }
  c->fps[c->nfps].rowid = rowid;
  c->fps[c->nfps++].fp = *fp;
  if (!fp->ntokens) return 0; /* an empty text is nobody's copy */
  uint64_t bands[KH_LSH_BANDS];
  kh_fingerprint_bands(fp, bands);
  if (c->nbands + KH_LSH_BANDS > c->capbands) {
    size_t cap = c->capbands ? 2 * c->capbands : 64 * (size_t)KH_LSH_BANDS;
    struct band_row *b = kh__realloc(c->bands, cap * sizeof *b);
    if (!b) return KH_ENOMEM;
    c->bands = b;
    c->capbands = cap;
  }
  for (unsigned i = 0; i < KH_LSH_BANDS; i++) c->bands[c->nbands++] = (struct band_row){(int64_t)bands[i], rowid};
  if (rowid > c->top_rowid) c->top_rowid = rowid;
  return 0;
}

static int flush_fps(corpus *c, kh_db *db) {
  if (!c->nfps) return 0;
  if (!c->ins_fp && sqlite3_prepare_v3(db->sql,
                                       "INSERT OR REPLACE INTO corpus_fp(rowid, exact, ntokens, minhash) "
                                       "VALUES (?, ?, ?, ?)",
                                       -1, SQLITE_PREPARE_PERSISTENT, &c->ins_fp, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_stmt *st = c->ins_fp;
  int rc = 0;
  for (size_t i = 0; i < c->nfps && !rc; i++) {
    const kh_fingerprint *fp = &c->fps[i].fp;
    unsigned char blob[KH_MINHASH_K * 4];
    for (unsigned k = 0; k < KH_MINHASH_K; k++)
      for (unsigned b = 0; b < 4; b++) blob[4 * k + b] = (unsigned char)(fp->minhash[k] >> (8 * b));
    sqlite3_bind_int64(st, 1, c->fps[i].rowid);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)fp->exact);
    sqlite3_bind_int64(st, 3, fp->ntokens);
    sqlite3_bind_blob(st, 4, blob, sizeof blob, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
    sqlite3_reset(st);
  }
  c->nfps = 0;
  return rc;
}

static int cmp_band(const void *x, const void *y) {
  const struct band_row *a = x, *b = y;
  int64_t ea = a->rowid >> KH__LSH_EPOCH_SHIFT, eb = b->rowid >> KH__LSH_EPOCH_SHIFT;
  if (ea != eb) return ea < eb ? -1 : 1;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->rowid < b->rowid ? -1 : a->rowid > b->rowid;
}

/* Sort the batch's LSH rows as cmp_band does.  An ingest adds them in
** rowid order: then a stable radix sort (LSD: the key's 8 bytes, then the
** epoch's) gives that order without comparisons (qsort was 1.6% of the
** writer thread at 100k, perf); otherwise, or without memory, qsort. */
static void sort_bands(corpus *c) {
  size_t n = c->nbands;
  struct band_row *a = c->bands;
  int ordered = n >= 1024;
  for (size_t i = 1; ordered && i < n; i++) ordered = a[i - 1].rowid <= a[i].rowid;
  int64_t e0 = a[0].rowid >> KH__LSH_EPOCH_SHIFT, span = ordered ? (a[n - 1].rowid >> KH__LSH_EPOCH_SHIFT) - e0 : 0;
  if (ordered && span < 65536 && n > c->capbands2) {
    struct band_row *b = kh__realloc(c->bands2, c->capbands * sizeof *b);
    if (b) {
      c->bands2 = b;
      c->capbands2 = c->capbands;
    }
  }
  if (!ordered || span >= 65536 || n > c->capbands2) {
    qsort(a, n, sizeof *a, cmp_band);
    return;
  }
  struct band_row *b = c->bands2;
  int passes = 8 + (span > 0) + (span > 255);
  for (int p = 0; p < passes; p++) {
    size_t cnt[256] = {0};
#define KH__BAND_BYTE(r) \
  (p < 8 ? (unsigned)(((uint64_t)(r).key ^ UINT64_C(0x8000000000000000)) >> (8 * p)) & 255u \
         : (unsigned)((uint64_t)(((r).rowid >> KH__LSH_EPOCH_SHIFT) - e0) >> (8 * (p - 8))) & 255u)
    for (size_t i = 0; i < n; i++) cnt[KH__BAND_BYTE(a[i])]++;
    size_t at = 0;
    for (int k = 0; k < 256; k++) {
      size_t m = cnt[k];
      cnt[k] = at;
      at += m;
    }
    for (size_t i = 0; i < n; i++) b[cnt[KH__BAND_BYTE(a[i])]++] = a[i];
#undef KH__BAND_BYTE
    struct band_row *t = a;
    a = b;
    b = t;
  }
  if (a != c->bands) { /* an odd number of passes: the result is in the scratch */
    c->bands2 = c->bands;
    c->bands = a;
    size_t cap = c->capbands2;
    c->capbands2 = c->capbands;
    c->capbands = cap;
  }
}

#define KH__LSH_ROWS 64 /* rows per INSERT statement of flush_bands and the merge */

/* An INSERT of rows (epoch, key, rowid) tuples; NULL on failure. */
static sqlite3_stmt *lsh_insert(kh_db *db, unsigned rows) {
  kh__buf sql = {0};
  int rc = 0;
  kh__buf_appends(&sql, "INSERT OR IGNORE INTO corpus_lsh(epoch, key, rowid) VALUES (?, ?, ?)", &rc);
  for (unsigned i = 1; i < rows; i++) kh__buf_appends(&sql, ", (?, ?, ?)", &rc);
  sqlite3_stmt *st = NULL;
  if (!rc && sqlite3_prepare_v3(db->sql, sql.data, (int)sql.len, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    st = NULL;
  kh__buf_free(&sql);
  return st;
}

/* Write n LSH rows in their order, KH__LSH_ROWS a statement and the rest
** one each: into epoch `epoch`, or (epoch < 0) each row's own epoch. */
static int put_lsh(corpus *c, kh_db *db, const struct band_row *rows, size_t n, int64_t epoch) {
  if (!c->ins_lsh1 && !(c->ins_lsh1 = lsh_insert(db, 1))) return KH_EDB;
  if (!c->ins_lshn && !(c->ins_lshn = lsh_insert(db, KH__LSH_ROWS))) return KH_EDB;
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    unsigned m = n - i >= KH__LSH_ROWS ? KH__LSH_ROWS : 1;
    sqlite3_stmt *st = m > 1 ? c->ins_lshn : c->ins_lsh1;
    for (unsigned r = 0; r < m; r++, i++) {
      sqlite3_bind_int64(st, 3 * (int)r + 1, epoch >= 0 ? epoch : rows[i].rowid >> KH__LSH_EPOCH_SHIFT);
      sqlite3_bind_int64(st, 3 * (int)r + 2, rows[i].key);
      sqlite3_bind_int64(st, 3 * (int)r + 3, rows[i].rowid);
    }
    if (sqlite3_step(st) != SQLITE_DONE) rc = KH_EDB;
    sqlite3_reset(st);
  }
  return rc;
}

/* Rewrite the rows of the epochs in [from, to) into epoch target, in
** (key, rowid) order: each epoch's rows are read in that order (its
** primary key's) and merged here, 64 rows an INSERT (target lies past
** the range, so the reads never meet the new rows).  What one INSERT ...
** SELECT ... ORDER BY key, rowid did, without SQLite's sorter: 1.15 against
** 1.82 s CPU for 2.2M rows (the sorter was also the ingest's peak of
** memory).  1: more than KH__LSH_FANOUT epochs in the range (the caller
** falls back to the SQL); 0, or KH_EDB. */
static int merge_into(corpus *c, kh_db *db, sqlite3_stmt *q, int64_t from, int64_t to, int64_t target) {
  sqlite3_stmt *rd[KH__LSH_FANOUT] = {NULL};
  int64_t key[KH__LSH_FANOUT], rid[KH__LSH_FANOUT];
  int n = 0, rc = 0;
  for (int64_t at = from; !rc;) { /* the epochs present, one index seek each */
    sqlite3_bind_int64(q, 1, at);
    sqlite3_bind_int64(q, 2, to);
    int r = sqlite3_step(q);
    int none = r != SQLITE_ROW || sqlite3_column_type(q, 0) == SQLITE_NULL;
    int64_t e = none ? 0 : sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (r != SQLITE_ROW) rc = KH_EDB;
    else if (none) break;
    else if (n == KH__LSH_FANOUT) rc = 1;
    else if (sqlite3_prepare_v2(db->sql, "SELECT key, rowid FROM corpus_lsh WHERE epoch = ?1", -1, &rd[n], NULL) !=
             SQLITE_OK)
      rc = KH_EDB;
    else {
      sqlite3_bind_int64(rd[n], 1, e);
      r = sqlite3_step(rd[n]);
      if (r == SQLITE_ROW) {
        key[n] = sqlite3_column_int64(rd[n], 0);
        rid[n] = sqlite3_column_int64(rd[n], 1);
        n++;
      } else {
        sqlite3_finalize(rd[n]);
        rd[n] = NULL;
        if (r != SQLITE_DONE) rc = KH_EDB;
      }
      at = e + 1;
    }
  }
  struct band_row bb[KH__LSH_ROWS];
  unsigned nb = 0;
  while (!rc && n) {
    int b = 0; /* the smallest (key, rowid) of the live epochs */
    for (int i = 1; i < n; i++)
      if (key[i] < key[b] || (key[i] == key[b] && rid[i] < rid[b])) b = i;
    bb[nb].key = key[b];
    bb[nb++].rowid = rid[b];
    int r = sqlite3_step(rd[b]);
    if (r == SQLITE_ROW) {
      key[b] = sqlite3_column_int64(rd[b], 0);
      rid[b] = sqlite3_column_int64(rd[b], 1);
    } else {
      if (r != SQLITE_DONE) rc = KH_EDB;
      sqlite3_finalize(rd[b]);
      rd[b] = rd[--n];
      key[b] = key[n];
      rid[b] = rid[n];
      rd[n] = NULL;
    }
    if (rc || (nb < KH__LSH_ROWS && n)) continue;
    rc = put_lsh(c, db, bb, nb, target); /* the rows so far */
    nb = 0;
  }
  for (int i = 0; i < KH__LSH_FANOUT; i++) sqlite3_finalize(rd[i]);
  return rc;
}

/* Merge the complete epochs of each level below the last into the next
** level's epochs: level L's epochs whose level-(L+1) group lies wholly
** before the current block's group.  Data-driven (it looks for such
** epochs), so rows of an old block written late (kh_corpus_update after a
** catch-up) are merged too, and a crash between batches loses nothing. */
static int merge_epochs(corpus *c, kh_db *db, int64_t top_block) {
  sqlite3_stmt *q = NULL, *ins = NULL, *del = NULL;
  int rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql, "SELECT min(epoch) FROM corpus_lsh WHERE epoch >= ? AND epoch < ?", -1, &q,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql, "DELETE FROM corpus_lsh WHERE epoch >= ? AND epoch < ?", -1, &del, NULL) !=
          SQLITE_OK)
    goto out;
  int64_t span = 1; /* blocks in a level-L epoch */
  for (int l = 0; l + 1 < KH__LSH_LEVELS; l++, span *= KH__LSH_FANOUT) {
    int64_t group = span * KH__LSH_FANOUT; /* blocks in a level-(L+1) epoch */
    int64_t base = (int64_t)l << KH__LSH_LEVEL_SHIFT, next = (int64_t)(l + 1) << KH__LSH_LEVEL_SHIFT;
    int64_t end = base + top_block / group * group; /* complete groups end here */
    for (int64_t from = base;;) {
      sqlite3_bind_int64(q, 1, from);
      sqlite3_bind_int64(q, 2, end);
      int r = sqlite3_step(q);
      int none = r != SQLITE_ROW || sqlite3_column_type(q, 0) == SQLITE_NULL;
      int64_t e = none ? 0 : sqlite3_column_int64(q, 0);
      sqlite3_reset(q);
      if (r != SQLITE_ROW) goto out;
      if (none) break;
      int64_t g0 = (e - base) / group * group; /* first block of its group */
      int m = merge_into(c, db, q, base + g0, base + g0 + group, next | g0);
      if (m == 1) { /* more epochs than a group holds (not written by this code): the SQL */
        if (!ins && sqlite3_prepare_v2(db->sql,
                                       "INSERT OR IGNORE INTO corpus_lsh(epoch, key, rowid) SELECT ?1, key, rowid "
                                       "FROM corpus_lsh WHERE epoch >= ?2 AND epoch < ?3 ORDER BY key, rowid",
                                       -1, &ins, NULL) != SQLITE_OK)
          goto out;
        sqlite3_bind_int64(ins, 1, next | g0);
        sqlite3_bind_int64(ins, 2, base + g0);
        sqlite3_bind_int64(ins, 3, base + g0 + group);
        r = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (r != SQLITE_DONE) goto out;
      } else if (m) {
        goto out;
      }
      sqlite3_bind_int64(del, 1, base + g0);
      sqlite3_bind_int64(del, 2, base + g0 + group);
      r = sqlite3_step(del);
      sqlite3_reset(del);
      if (r != SQLITE_DONE) goto out;
      from = base + g0 + group;
    }
  }
  rc = 0;
out:
  sqlite3_finalize(q);
  sqlite3_finalize(ins);
  sqlite3_finalize(del);
  return rc;
}


static corpus *attached(kh_db *db);

/* Epoch merges in slices.  While the ingest worker assigns stories ahead
** (c->ahead) the writer does not merge the due groups at the flush, where
** the worker would sleep through it once the ring is full (~5 s every
** 65,536 articles at 1M: most of its waiting): it moves KH__MERGE_SLICE rows
** every KH__MERGE_EVERY articles instead, between the puts, while the worker
** prepares.  A slice reads the epochs of the lowest complete group in key
** order from their first rows, merges them as merge_into does, writes them
** 64 an INSERT OR IGNORE into the level-1 epoch and deletes what it moved
** from each epoch (a prefix of its key order), in the open batch; neither
** statement opens a statement journal, so FTS5 keeps its pending terms.
** Each row is in exactly one epoch at every commit, and the merge is
** data-driven: a crash or a rollback between slices loses nothing, and the
** next flush that is not ahead (the ingest's end: on_end opens a batch for
** it) merges what is left at once, so an ingest leaves the rows of the
** merge at the flush. */
#define KH__MERGE_EVERY 128
#define KH__MERGE_SLICE 32768
static size_t merge_slice_rows = KH__MERGE_SLICE; /* kh__corpus_merge_slice (tests) */
_Static_assert(KH__LSH_FANOUT == sizeof ((corpus *)0)->mrd / sizeof ((corpus *)0)->mrd[0], "mrd");

static int prep_persistent(kh_db *db, const char *sql, sqlite3_stmt **st) {
  if (*st) return 0;
  return sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK ? 0 : KH_EDB;
}

/* The lowest level-0 epoch in [from, to) into *e (-1: none). */
static int min_epoch(corpus *c, kh_db *db, int64_t from, int64_t to, int64_t *e) {
  if (prep_persistent(db, "SELECT min(epoch) FROM corpus_lsh WHERE epoch >= ? AND epoch < ?", &c->mq)) return KH_EDB;
  sqlite3_bind_int64(c->mq, 1, from);
  sqlite3_bind_int64(c->mq, 2, to);
  int r = sqlite3_step(c->mq);
  *e = r == SQLITE_ROW && sqlite3_column_type(c->mq, 0) != SQLITE_NULL ? sqlite3_column_int64(c->mq, 0) : -1;
  sqlite3_reset(c->mq);
  return r == SQLITE_ROW ? 0 : KH_EDB;
}

/* Move up to `budget` rows of the lowest complete level-0 group (its
** blocks end before c->mtop's group) into its level-1 epoch; when none is
** left, c->mpending = 0. */
static int merge_slice(corpus *c, kh_db *db, size_t budget) {
  int64_t end = c->mtop / KH__LSH_FANOUT * KH__LSH_FANOUT, e0;
  int rc = min_epoch(c, db, 0, end, &e0);
  if (rc) return rc;
  if (e0 < 0) {
    c->mpending = 0;
    return 0;
  }
  c->mslices++;
  int64_t g0 = e0 / KH__LSH_FANOUT * KH__LSH_FANOUT, target = (INT64_C(1) << KH__LSH_LEVEL_SHIFT) | g0;
  int64_t ep[KH__LSH_FANOUT], key[KH__LSH_FANOUT], rid[KH__LSH_FANOUT], lk[KH__LSH_FANOUT], lr[KH__LSH_FANOUT];
  int live[KH__LSH_FANOUT], moved[KH__LSH_FANOUT], n = 0;
  for (int64_t at = e0; !rc && at >= 0 && at < g0 + KH__LSH_FANOUT;) { /* the epochs present, one seek each */
    sqlite3_stmt **rd = &c->mrd[n];
    if ((rc = prep_persistent(db, "SELECT key, rowid FROM corpus_lsh WHERE epoch = ?1", rd))) break;
    sqlite3_bind_int64(*rd, 1, at);
    int r = sqlite3_step(*rd);
    ep[n] = at;
    live[n] = r == SQLITE_ROW;
    moved[n] = 0;
    if (r == SQLITE_ROW) {
      key[n] = sqlite3_column_int64(*rd, 0);
      rid[n] = sqlite3_column_int64(*rd, 1);
    } else if (r != SQLITE_DONE) {
      rc = KH_EDB;
    }
    n++;
    if (!rc) rc = min_epoch(c, db, at + 1, g0 + KH__LSH_FANOUT, &at);
  }
  struct band_row bb[KH__LSH_ROWS];
  unsigned nb = 0;
  size_t left = budget;
  for (;;) {
    int b = -1; /* the smallest (key, rowid) of the live epochs */
    for (int i = 0; !rc && i < n; i++)
      if (live[i] && (b < 0 || key[i] < key[b] || (key[i] == key[b] && rid[i] < rid[b]))) b = i;
    if (b >= 0 && left) {
      bb[nb].key = lk[b] = key[b];
      bb[nb++].rowid = lr[b] = rid[b];
      moved[b] = 1;
      left--;
      int r = sqlite3_step(c->mrd[b]);
      if (r == SQLITE_ROW) {
        key[b] = sqlite3_column_int64(c->mrd[b], 0);
        rid[b] = sqlite3_column_int64(c->mrd[b], 1);
      } else {
        live[b] = 0;
        if (r != SQLITE_DONE) rc = KH_EDB;
      }
    }
    if (!rc && nb && (nb == KH__LSH_ROWS || b < 0 || !left)) {
      rc = put_lsh(c, db, bb, nb, target);
      nb = 0;
    }
    if (rc || b < 0 || !left) break;
  }
  for (int i = 0; i < n; i++) sqlite3_reset(c->mrd[i]);
  /* what was moved leaves its epoch: all of it, or the prefix up to the last row moved */
  if (!rc && (prep_persistent(db, "DELETE FROM corpus_lsh WHERE epoch = ?1", &c->mdel_all) ||
              prep_persistent(db,
                              "DELETE FROM corpus_lsh WHERE epoch = ?1 AND key <= ?2 AND (key < ?2 OR rowid <= ?3)",
                              &c->mdel)))
    rc = KH_EDB;
  for (int i = 0; !rc && i < n; i++) {
    if (!moved[i] && live[i]) continue;
    sqlite3_stmt *st = live[i] ? c->mdel : c->mdel_all;
    sqlite3_bind_int64(st, 1, ep[i]);
    if (live[i]) {
      sqlite3_bind_int64(st, 2, lk[i]);
      sqlite3_bind_int64(st, 3, lr[i]);
    }
    if (sqlite3_step(st) != SQLITE_DONE) rc = KH_EDB;
    sqlite3_reset(st);
  }
  return rc;
}

/* Every KH__MERGE_EVERY articles while the worker assigns ahead: the LSH
** rows buffered so far (sorted as the flush sorts the batch's: the table
** gets the same rows, its pages are written a little more often), then a
** merge slice if one is due.  Work taken out of the flush, which the
** worker sleeps through once its ring is prepared. */
static int write_ahead(corpus *c, kh_db *db) {
  int rc = 0;
  double t0 = c->timing ? thread_cpu() : 0;
  if (c->nbands) {
    sort_bands(c);
    rc = put_lsh(c, db, c->bands, c->nbands, -1);
    c->nbands = 0;
  }
  double t1 = c->timing ? thread_cpu() : 0;
  if (!rc && c->mpending) rc = merge_slice(c, db, merge_slice_rows);
  if (c->timing) {
    c->cpu[1] += t1 - t0;
    c->cpu[2] += thread_cpu() - t1;
  }
  return rc;
}

int kh__corpus_merge_slice(kh_db *db, size_t rows, int64_t *slices) {
  corpus *c = db ? attached(db) : NULL;
  if (!c) return KH_EINVAL;
  if (rows) merge_slice_rows = rows;
  if (slices) *slices = c->mslices;
  return 0;
}

/* Write the batch's LSH rows in key order (few pages touched), then merge
** the epochs that became complete (ahead: mark them due for merge_slice).
** KH__LSH_ROWS rows a statement: the same rows in the same order as one a
** statement, with a 64th of the statement overhead (64 rows an article). */
static int flush_bands(corpus *c, kh_db *db) {
  int rc = 0;
  int64_t top = c->top_rowid ? c->top_rowid >> KH__LSH_EPOCH_SHIFT : -1; /* rows this batch (some maybe written) */
  if (c->nbands) {
    sort_bands(c);
    rc = put_lsh(c, db, c->bands, c->nbands, -1);
    c->nbands = 0;
  }
  c->top_rowid = 0;
  double t0 = c->timing ? thread_cpu() : 0;
  if (!rc && c->ahead && !c->noslices && top >= KH__LSH_FANOUT) { /* due groups: merged in slices */
    int64_t e;
    rc = min_epoch(c, db, 0, top / KH__LSH_FANOUT * KH__LSH_FANOUT, &e);
    if (!rc && e >= 0) {
      c->mpending = 1;
      if (top > c->mtop) c->mtop = top;
    }
  } else {
    if (!rc && top >= 0) rc = merge_epochs(c, db, top);
    if (!rc && c->mpending) rc = merge_epochs(c, db, c->mtop); /* what slices left */
    if (!rc) c->mpending = 0;
  }
  if (c->timing) c->cpu[2] += thread_cpu() - t0;
  return rc;
}

int kh__grow_buf(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 256;
  while (c < need) c *= 2;
  void *q = kh__realloc(*p, c * elem);
  if (!q) return KH_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

/* The tokens the store cached for text t[0..n), if it holds that text. */
static const kh__tokcache *cached(kh_db *db, int i, const char *t, size_t n) {
  const kh__tokcache *c = &db->cache[i];
  return c->len == n && (n == 0 || c->text == t) ? c : NULL;
}

/* Token hashes of the body (or the title without one) into h, and the term
** counts of title (each word weighing title_weight) and body into tv
** (merged: sorted by term), from the store's token caches: the tokens are
** the ones kh__tokens would give (kh_tokenize, flags 0, colocated
** alternatives skipped), so nothing is tokenized again.  h and tv hold
** title->n + body->n entries.  Pure: also run on the ingest worker. */
static void tokens_to(double title_weight, const kh__tokcache *title, const kh__tokcache *body, uint64_t *h,
                      uint32_t *nh, kh__tv *tv, size_t *ntv) {
  size_t n = 0;
  uint32_t k = 0;
  const kh__tokcache *fpc = body->len ? body : title; /* as fp_text */
  for (int f = 0; f < 2; f++) {
    const kh__tokcache *tc = f ? body : title;
    float w = f ? 1.0f : (float)title_weight;
    for (size_t i = 0; i < tc->n; i++) {
      const kh__tokrec *r = &tc->v[i];
      if (r->flags & KH_TOKF_COLOC) continue;
      const char *norm = tc->norms.data + r->off;
      uint64_t hv = kh__hash_bytes(norm, r->len);
      if (tc == fpc) h[k++] = hv;
      /* a word's stopword flag is the tokenizer's (kh_is_stopword of this form) */
      if (r->len > 2 && !(r->kind == KH_TOK_WORD ? r->flags & KH_TOKF_STOP : kh_is_stopword(norm, r->len)))
        tv[n++] = (kh__tv){hv, w};
    }
  }
  *nh = k;
  *ntv = kh__tv_merge(tv, n);
}

static int from_cache(corpus *c, const kh__tokcache *title, const kh__tokcache *body) {
  size_t need = title->n + body->n + 1;
  size_t caph = c->caph;
  if (kh__grow_buf((void **)&c->tv, &c->captv, need, sizeof *c->tv) ||
      kh__grow_buf((void **)&c->h, &caph, need, sizeof *c->h))
    return KH_ENOMEM;
  c->caph = (uint32_t)caph;
  tokens_to(kh__stories_title_weight(c->stories), title, body, c->h, &c->nh, c->tv, &c->ntv);
  return 0;
}

/* What the ingest worker computes for one article (on_prepare): its
** fingerprint and its merged term counts, tv[0..ntv) after the struct. */
typedef struct prepared {
  kh_fingerprint fp;
  kh__story_change *ch; /* the story assignment made on the worker (on_ordered) */
  size_t ntv;
  kh__tv tv[];
} prepared;

/* The hook's pure per-article work, on the ingest worker thread: the same
** fingerprint and term counts on_put computes from the store's token
** caches (NULL when on_put must do it itself: too many tokens, or no
** memory).  Reads only the stories' options, set at attach time. */
static void *on_prepare(void *ctx, const kh_article *a, const kh__tokcache *tc) {
  corpus *c = ctx;
  (void)a;
  size_t need = tc[0].n + tc[1].n + 1;
  if (tc[0].n + tc[1].n >= KH__CORPUS_MAX_TOKENS) return NULL;
  prepared *p = kh__malloc(sizeof *p + need * sizeof(kh__tv));
  uint64_t *h = kh__malloc(need * sizeof *h);
  if (!p || !h) {
    kh__free(p);
    kh__free(h);
    return NULL;
  }
  p->ch = NULL;
  kh__tokseq seq = {0};
  seq.h = h;
  tokens_to(kh__stories_title_weight(c->stories), &tc[0], &tc[1], h, &seq.n, p->tv, &p->ntv);
  kh__fingerprint_seq(&seq, &p->fp);
  kh__free(h);
  return p;
}

static void on_drop(void *ctx, void *prep) {
  (void)ctx;
  if (prep) kh__story_change_free(((prepared *)prep)->ch);
  kh__free(prep);
}

/* ---- stories assigned ahead (story_write.c: kh__story_ahead) ---- */

/* Writer: the worker assigns no more; the log's changes go into the open
** batch (write) or are dropped (rollback), and the stories are read again
** from the database by the next kh__story_add. */
static int ahead_stop(corpus *c, kh_db *db, int write) {
  pthread_mutex_lock(&c->amu);
  c->wstop = 1;
  pthread_mutex_unlock(&c->amu);
  int rc = write ? kh__story_log_flush(c->log, db) : 0;
  kh__story_log_clear(c->log);
  kh__stories_ahead_end(c->stories);
  c->ahead = 0;
  c->stopped_at = c->expect + 1;
  return rc;
}

/* Writer: log the worker's change for article rowid when it is the next
** article's (*used = 1); otherwise stop assigning ahead. */
static int take_change(corpus *c, kh_db *db, int64_t rowid, prepared *p, int *used) {
  int rc = 0;
  *used = 0;
  if (db->batch == 0) { /* a batch starts: did another writer change the stories meanwhile? */
    int64_t stored = kh__stories_stored_ndocs(db, &rc);
    if (rc) return rc;
    if (stored != c->ndocs_db) return ahead_stop(c, db, 1);
  }
  if (!p->ch || kh__story_change_seq(p->ch) != c->expect + 1) return ahead_stop(c, db, 1);
  rc = kh__story_log_add(c->log, rowid, p->ch);
  p->ch = NULL;
  if (rc) return rc;
  c->expect++;
  c->nahead++;
  *used = 1;
  return 0;
}

/* Writer: before assigning here, no change may wait in the log (ahead mode
** over, or the ingest's last batch). */
static int sync_ready(corpus *c, kh_db *db) {
  if (c->ahead) return ahead_stop(c, db, 1);
  return kh__story_log_flush(c->log, db);
}

/* Writer, before the ingest worker starts: assign ahead if the stories allow. */
static int on_begin(void *ctx, kh_db *db) {
  corpus *c = ctx;
  if (!c->amu_ok || c->ahead) return KH_EINVAL;
  if (!c->log && kh__story_log_new(&c->log)) return KH_ENOMEM;
  int64_t nd;
  if (kh__story_log_flush(c->log, db) || kh__stories_ahead_begin(c->stories, db, &nd)) return KH_EINVAL;
  c->expect = c->ndocs_db = nd;
  c->wstop = 0;
  c->ahead = 1;
  c->nahead = c->stopped_at = 0;
  return 0;
}

/* Worker, in input order: assign the article; its change rides in prep. */
static void on_ordered(void *ctx, void *prep, const kh_article *a) {
  corpus *c = ctx;
  prepared *p = prep;
  pthread_mutex_lock(&c->amu);
  if (!c->wstop && kh__story_ahead(c->stories, a, p->tv, p->ntv, &p->ch)) c->wstop = 1;
  pthread_mutex_unlock(&c->amu);
}

/* Writer, once the worker stopped: the log keeps the open batch's changes
** for its flush. */
static void on_end(void *ctx, kh_db *db) {
  corpus *c = ctx;
  (void)db;
  const char *w = getenv("KHABAR_INGEST_WAITS");
  if (w && *w == '1') {
    if (c->stopped_at)
      fprintf(stderr, "ingest stories: %lld articles assigned on the worker, then on the writer from article %lld\n",
              (long long)c->nahead, (long long)c->stopped_at);
    else
      fprintf(stderr, "ingest stories: %lld articles assigned on the worker\n", (long long)c->nahead);
  }
  if (c->ahead) {
    c->wstop = 1;
    kh__stories_ahead_end(c->stories);
    c->ahead = 0;
  }
  /* what slices left is merged by the ingest's last commit (flush_bands) */
  if (c->mpending) kh__db_begin(db);
}

static int story_add(corpus *c, kh_db *db, int64_t rowid, const kh_article *a, kh__tv *tv, size_t ntv) {
  if (!c->timing) return kh__story_add(c->stories, db, rowid, a, tv, ntv);
  double t0 = thread_cpu();
  int rc = kh__story_add(c->stories, db, rowid, a, tv, ntv);
  c->cpu[0] += thread_cpu() - t0;
  return rc;
}

/* The put hook: fingerprint, bands, story. */
static int on_put(void *ctx, kh_db *db, int64_t rowid, const kh_article *a) {
  corpus *c = ctx;
  kh_fingerprint fp;
  int rc;
  double t0 = c->timing ? thread_cpu() : 0;
  prepared *p = kh__db_take_prepared(db);
  if (p) { /* the worker did the pure part (on_prepare), and maybe the story (on_ordered) */
    c->prepared++;
    rc = put_fp(c, rowid, &p->fp);
    if (c->timing) c->cpu[1] += thread_cpu() - t0;
    int used = 0;
    if (!rc && c->ahead) rc = take_change(c, db, rowid, p, &used);
    if (!rc && !used) rc = sync_ready(c, db);
    if (!rc && !used) rc = story_add(c, db, rowid, a, p->tv, p->ntv);
    on_drop(c, p);
    if (!rc && c->ahead && !c->noslices && ++c->msince >= KH__MERGE_EVERY) {
      c->msince = 0;
      rc = write_ahead(c, db);
    }
    return rc;
  }
  if ((rc = sync_ready(c, db))) return rc;
  const kh__tokcache *tt = cached(db, 0, a->title, a->title_len), *tb = cached(db, 1, a->body, a->body_len);
  if (tt && tb && (tt->n + tb->n) < KH__CORPUS_MAX_TOKENS) {
    if ((rc = from_cache(c, tt, tb))) return rc;
    kh__tokseq seq = {0};
    seq.h = c->h;
    seq.n = c->nh;
    kh__fingerprint_seq(&seq, &fp);
    if ((rc = put_fp(c, rowid, &fp))) return rc;
    if (c->timing) c->cpu[1] += thread_cpu() - t0;
    return story_add(c, db, rowid, a, c->tv, c->ntv);
  }
  const char *t;
  size_t n;
  kh__fp_text(a->title, a->title_len, a->body, a->body_len, &t, &n);
  rc = kh_fingerprint_text(t, n, &fp);
  if (!rc) rc = put_fp(c, rowid, &fp);
  if (c->timing) c->cpu[1] += thread_cpu() - t0;
  if (!rc) rc = story_add(c, db, rowid, a, NULL, 0);
  return rc;
}

static int on_flush(void *ctx, kh_db *db) {
  corpus *c = ctx;
  double t0 = c->timing ? thread_cpu() : 0;
  int rc = flush_fps(c, db);
  int rb = flush_bands(c, db);
  double t1 = c->timing ? thread_cpu() : 0;
  int rl = kh__story_log_flush(c->log, db);
  if (!rl && c->ahead) c->ndocs_db = c->expect;
  int rs = c->ahead ? 0 : kh__stories_flush(c->stories, db); /* the worker's while ahead */
  if (rl) rs = rl;
  if (c->timing) {
    c->cpu[1] += t1 - t0;
    c->cpu[0] += thread_cpu() - t1;
  }
  return rc ? rc : rb ? rb : rs;
}

static void on_discard(void *ctx) {
  corpus *c = ctx;
  c->nbands = c->nfps = 0;
  c->top_rowid = 0;
  if (c->ahead) ahead_stop(c, NULL, 0);
  kh__story_log_clear(c->log);
  kh__stories_discard(c->stories);
}

static void on_release(void *ctx) {
  corpus *c = ctx;
  sqlite3_finalize(c->ins_fp);
  sqlite3_finalize(c->ins_lsh1);
  sqlite3_finalize(c->ins_lshn);
  sqlite3_finalize(c->mq);
  sqlite3_finalize(c->mdel);
  sqlite3_finalize(c->mdel_all);
  for (int i = 0; i < KH__LSH_FANOUT; i++) sqlite3_finalize(c->mrd[i]);
  kh__stories_free(c->stories);
  kh__story_log_free(c->log);
  if (c->amu_ok) pthread_mutex_destroy(&c->amu);
  kh__free(c->bands);
  kh__free(c->bands2);
  kh__free(c->fps);
  kh__free(c->tv);
  kh__free(c->h);
  kh__free(c);
}

/* KHABAR_INGEST_MEM: the sizes of the hook's memory (writer thread; the
** stories under amu, the worker may be assigning). */
static void on_mem(void *ctx, FILE *f) {
  corpus *c = ctx;
  fprintf(f, " corpus: fps %.1f bands %.1f tv %.1f", c->capfps * sizeof *c->fps / 1e6,
          (c->capbands + c->capbands2) * sizeof *c->bands / 1e6, (c->captv * sizeof *c->tv + c->caph * sizeof *c->h) / 1e6);
  kh__story_log_mem(c->log, f);
  if (c->amu_ok) pthread_mutex_lock(&c->amu);
  kh__stories_mem(c->stories, f);
  if (c->amu_ok) pthread_mutex_unlock(&c->amu);
}

static const kh__hook_ops corpus_ops = {on_flush, on_discard, on_release, on_prepare, on_drop, on_mem};
static const kh__hook_order corpus_order = {on_begin, on_ordered, on_end};

int kh_corpus_attach_opts(kh_db *db, const kh_story_opts *o) {
  if (!db) return KH_EINVAL;
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == on_put) return 0;
  /* the corpus tables are written at random places once a batch (df,
  ** story rows, LSH keys): a page cache of at least 32 MB keeps their pages
  ** (the working state itself is in memory, story.c); kh_db_open's larger
  ** one is kept (it was lowered to 32 MB here before) */
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA cache_size", -1, &q, NULL) != SQLITE_OK) return KH_EDB;
  int64_t cs = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sqlite3_finalize(q);
  if ((cs >= 0 ? cs * 4 : -cs) < 32768 && kh__db_exec(db, "PRAGMA cache_size = -32768")) return KH_EDB;
  corpus *c = kh__calloc(1, sizeof *c);
  if (!c) return KH_ENOMEM;
  int rc = kh__stories_new(o, &c->stories);
  const char *sl = getenv("KHABAR_INGEST_SLICES");
  c->noslices = sl && *sl == '0';
  c->amu_ok = pthread_mutex_init(&c->amu, NULL) == 0;
  if (!rc) rc = kh__db_on_put_ops(db, on_put, &corpus_ops, c);
  if (!rc) rc = kh__db_hook_order(db, on_put, &corpus_order);
  if (rc) {
    kh__stories_free(c->stories);
    if (c->amu_ok) pthread_mutex_destroy(&c->amu);
    kh__free(c);
  }
  return rc;
}

int kh_corpus_attach(kh_db *db) { return kh_corpus_attach_opts(db, NULL); }

int kh__corpus_timing(kh_db *db, int on, double cpu[3]) {
  corpus *c = db ? attached(db) : NULL;
  if (!c) return KH_EINVAL;
  c->timing = on;
  if (cpu) memcpy(cpu, c->cpu, sizeof c->cpu);
  return 0;
}

void kh__corpus_ahead(kh_db *db, int64_t out[2]) {
  corpus *c = db ? attached(db) : NULL;
  out[0] = c ? c->nahead : -1;
  out[1] = c ? c->stopped_at : -1;
}

int64_t kh__corpus_prepared(kh_db *db) {
  corpus *c = db ? attached(db) : NULL;
  return c ? c->prepared : -1;
}

const char *kh__col_text(sqlite3_stmt *st, int i, size_t *n) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  *n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
  return s;
}

static corpus *attached(kh_db *db) {
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == on_put) return db->hooks[i].ctx;
  return NULL;
}

int kh_corpus_update(kh_db *db, int64_t *added) {
  if (added) *added = 0;
  if (!db) return KH_EINVAL;
  if (!attached(db)) { /* the hook stays attached (its state is needed) */
    int ra = kh_corpus_attach(db);
    if (ra) return ra;
  }
  corpus *c = attached(db);
  int rc = 0;
  int64_t after = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT rowid, id, source, published, title, body FROM article "
                         "WHERE rowid > ? AND rowid NOT IN (SELECT rowid FROM corpus_fp) "
                         "ORDER BY rowid LIMIT " KH__STRX(KH_DB_BATCH),
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  /* one batch at a time, so the batch state stays small */
  for (int more = 1; more && !rc;) {
    more = 0;
    if ((rc = kh__db_begin(db))) break;
    sqlite3_bind_int64(st, 1, after);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
      kh_article a = {0};
      int64_t rowid = sqlite3_column_int64(st, 0);
      a.id = kh__col_text(st, 1, &a.id_len);
      a.source = kh__col_text(st, 2, &a.source_len);
      a.published = kh__col_text(st, 3, &a.published_len);
      a.title = kh__col_text(st, 4, &a.title_len);
      a.body = kh__col_text(st, 5, &a.body_len);
      rc = on_put(c, db, rowid, &a);
      if (!rc && added) (*added)++;
      after = rowid;
      more = 1;
    }
    sqlite3_reset(st);
    if (rc) kh__db_rollback(db);
    else rc = kh_db_commit(db);
  }
  sqlite3_finalize(st);
  return rc;
}
