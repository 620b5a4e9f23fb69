/*
** test_pipeline.c — the pipelined ingest (src/store/ingest.c: a worker
** thread prepares the next articles while this thread stores) gives the
** same database as the sequential one: every table the store, the analyze
** hook and the corpus hook write, row for row, on real pk-news articles
** with bad records and duplicates among them; and an allocation failure on
** either thread only fails the ingest cleanly.
*/
#include "test.h"

#include "../src/corpus/corpus.h"
#include "../src/store/store.h"

#include <stdlib.h>
#include <unistd.h>

/* The first n lines of pk-news-2024 with bad records and repeats mixed in,
** written to dir/in.jsonl; the path in out. */
static int write_input(const char *dir, int n, char *out, size_t cap) {
  size_t len;
  char *text = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!text) return -1;
  snprintf(out, cap, "%s/in.jsonl", dir);
  FILE *f = fopen(out, "w");
  if (!f) {
    free(text);
    return -1;
  }
  const char *p = text, *end = text + len, *first = NULL;
  size_t firstlen = 0;
  for (int i = 0; i < n && p < end; i++) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e) e = end;
    fwrite(p, 1, (size_t)(e - p), f);
    fputc('\n', f);
    if (!first) first = p, firstlen = (size_t)(e - p);
    if (i % 50 == 7) fputs("{\"id\": \"broken\", \"title\": \n", f);      /* bad JSON */
    if (i % 70 == 11) fputs("{\"id\": \"empty-1\", \"title\": \"\"}\n", f); /* no text */
    if (i % 90 == 13) {                                                     /* a repeat */
      fwrite(first, 1, firstlen, f);
      fputc('\n', f);
    }
    p = e + 1;
  }
  fclose(f);
  free(text);
  return 0;
}

typedef struct errs {
  char log[16384];
  size_t len;
} errs;

static void on_error(void *ctx, const char *file, uint64_t line, const char *reason) {
  errs *e = ctx;
  int k = snprintf(e->log + e->len, sizeof e->log - e->len, "%s:%llu %s\n", strrchr(file, '/') + 1,
                   (unsigned long long)line, reason);
  if (k > 0 && e->len + (size_t)k < sizeof e->log) e->len += (size_t)k;
}

/* Ingest path into a new database at dbpath with analyze and corpus hooks. */
static int ingest(const char *dbpath, const char *path, int threads, kh_ingest_stats *st, errs *e,
                  int64_t *prepared, int64_t ahead[2], uint64_t *stolen) {
  kh_db *db;
  kh_analyzer *an;
  int rc = kh_db_open(dbpath, &db);
  if (rc) return rc;
  if ((rc = kh_analyzer_new(0, &an))) {
    kh_db_close(db);
    return rc;
  }
  kh__champ_set_threshold(db, 100); /* champion lists at this size too (their dictionary) */
  kh__db_set_batch(db, 500);         /* batches of 500 (KH_DB_BATCH is larger): commits inside the input */
  if (!(rc = kh_analyze_attach(db, an)) && !(rc = kh_corpus_attach(db))) {
    kh_ingest_opts o = {0};
    o.on_error = on_error;
    o.ctx = e;
    o.threads = threads;
    rc = kh_ingest_path(db, path, &o, st);
    if (prepared) *prepared = kh__corpus_prepared(db);
    if (ahead) kh__corpus_ahead(db, ahead);
    if (stolen) *stolen = db->stolen;
  }
  kh_db_close(db);
  kh_analyzer_free(an);
  return rc;
}

/* FNV-1a of every row of a query, column by column. */
static uint64_t digest(sqlite3 *db, const char *sql, long *rows) {
  sqlite3_stmt *st;
  uint64_t h = 0xcbf29ce484222325ull;
  *rows = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    (*rows)++;
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      const unsigned char *t = sqlite3_column_text(st, i);
      int n = sqlite3_column_bytes(st, i);
      for (int k = 0; k < n; k++) h = (h ^ t[k]) * 0x100000001b3ull;
      h = (h ^ (t ? 0x1f : 0x1e)) * 0x100000001b3ull;
    }
  }
  sqlite3_finalize(st);
  return h;
}

static const char *const TABLES[] = {
    "SELECT rowid, id, source, url, published, title, body, hash, extra FROM article ORDER BY rowid",
    "SELECT id, of_rowid, source, url, published FROM duplicate ORDER BY 1, 2",
    "SELECT rowid, title, body FROM article_fts WHERE article_fts MATCH 'پاکستان' ORDER BY rowid",
    "SELECT term, doc, col, offset FROM article_fts_v ORDER BY 1, 2, 3, 4",
    "SELECT * FROM entity ORDER BY id",
    "SELECT * FROM entity_variant ORDER BY 1, 2",
    "SELECT rowid, * FROM mention ORDER BY rowid",
    "SELECT * FROM quote ORDER BY id",
    "SELECT * FROM event ORDER BY id",
    "SELECT * FROM event_actor ORDER BY 1, 2",
    "SELECT * FROM analyzed ORDER BY 1",
    "SELECT * FROM corpus_fp ORDER BY rowid",
    "SELECT * FROM corpus_lshp ORDER BY 1",
    "SELECT * FROM story ORDER BY id",
    "SELECT * FROM story_member ORDER BY 1",
    "SELECT * FROM search_fwd ORDER BY 1",
    "SELECT * FROM search_term ORDER BY 1",
    "SELECT * FROM search_champ ORDER BY 1, 2, 3",
    "SELECT * FROM search_meta ORDER BY 1",
};

/* Every table of the databases at pa and pb has the same rows. */
static int same_tables(const char *pa, const char *pb) {
  sqlite3 *a, *b;
  ASSERT_INT_EQ(sqlite3_open(pa, &a), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_open(pb, &b), SQLITE_OK);
  ASSERT_INT_EQ(kh_fts5_register(a), 0);
  ASSERT_INT_EQ(kh_fts5_register(b), 0);
  sqlite3_exec(a, "CREATE VIRTUAL TABLE temp.article_fts_v USING fts5vocab(main, article_fts, instance)", 0, 0, 0);
  sqlite3_exec(b, "CREATE VIRTUAL TABLE temp.article_fts_v USING fts5vocab(main, article_fts, instance)", 0, 0, 0);
  long total = 0;
  for (size_t i = 0; i < sizeof TABLES / sizeof *TABLES; i++) {
    long ra, rb;
    uint64_t ha = digest(a, TABLES[i], &ra), hb = digest(b, TABLES[i], &rb);
    if (ra != rb || ha != hb) FAIL("differs: %s (%ld vs %ld rows)", TABLES[i], ra, rb);
    total += ra;
    if (getenv("PIPE_VERBOSE")) fprintf(stderr, "  %ld rows: %s\n", ra, TABLES[i]);
  }
  long n;
  digest(a, "SELECT * FROM mention", &n);
  ASSERT(n > 1000); /* the analysis really ran */
  digest(a, "SELECT * FROM story", &n);
  ASSERT(n > 50);
  digest(a, "SELECT * FROM search_fwd", &n);
  ASSERT(n > 300); /* the champion lists' forward rows were written (term dictionary on) */
  ASSERT(total > 100000); /* the FTS5 index's instances among them */
  sqlite3_close(a);
  sqlite3_close(b);
  return 0;
}

TEST(pipeline_equals_sequential) {
  char dir[512], in[600], pa[600], pb[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir());
  /* 1,100 records: two batches committed while the pipeline runs (the checkpointer) */
  if (write_input(dir, 1100, in, sizeof in)) SKIP("pk-news-2024 not found");
  snprintf(pa, sizeof pa, "%s/seq.db", dir);
  kh_ingest_stats sa = {0};
  errs ea = {{0}, 0};
  int64_t prep_a = -1;
  ASSERT_INT_EQ(ingest(pa, in, 1, &sa, &ea, &prep_a, NULL, NULL), 0);
  ASSERT_INT_EQ(prep_a, 0); /* sequential: the corpus hook did its own work */
  ASSERT(sa.stored >= 390);
  ASSERT(sa.duplicates >= 5 && sa.rejected >= 10);
  /* threaded: the stories assigned on the worker, duplicates foreseen
  ** there; then with every article guessed stored (KHABAR_INGEST_FORESEE=0),
  ** so the writer takes the stories over at the first duplicate */
  for (int v = 0; v < 2; v++) {
    kh_ingest_stats sb = {0};
    errs eb = {{0}, 0};
    int64_t prep_b = -1, ahead[2] = {-1, -1};
    snprintf(pb, sizeof pb, "%s/pipe%d.db", dir, v);
    setenv("KHABAR_INGEST_CK_PAGES", "1024", 1); /* the checkpointer thread runs every 1,024 WAL pages */
    if (v) setenv("KHABAR_INGEST_FORESEE", "0", 1);
    uint64_t stolen = 0;
    int rc = ingest(pb, in, 2, &sb, &eb, &prep_b, ahead, &stolen);
    unsetenv("KHABAR_INGEST_CK_PAGES");
    unsetenv("KHABAR_INGEST_FORESEE");
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(prep_b, (int64_t)sb.stored); /* threaded: every fingerprint came from the worker */
    /* the writer prepared records itself while the worker was behind (the
    ** ring holds fewer than the input), the worker still gave each its story */
    ASSERT(stolen > 0);
    if (!v) {
      ASSERT_INT_EQ(ahead[0], (int64_t)sb.stored); /* every story assignment too */
      ASSERT_INT_EQ(ahead[1], 0);
    } else {
      ASSERT(ahead[0] > 0 && ahead[1] == ahead[0] + 1 && ahead[0] < (int64_t)sb.stored);
    }
    ASSERT_INT_EQ(sb.records, sa.records);
    ASSERT_INT_EQ(sb.stored, sa.stored);
    ASSERT_INT_EQ(sb.duplicates, sa.duplicates);
    ASSERT_INT_EQ(sb.rejected, sa.rejected);
    ASSERT_STR_EQ(eb.log, ea.log); /* the same messages in the same order */
    if (same_tables(pa, pb)) return 1;
  }
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0);
  return 0;
}

/* A failing allocator safe to call from two threads. */
typedef struct afailer {
  long fail_at;
  long calls;
} afailer;

static void *afail_realloc(void *ud, void *p, size_t n) {
  afailer *f = ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (__atomic_add_fetch(&f->calls, 1, __ATOMIC_RELAXED) == f->fail_at) return NULL;
  return realloc(p, n);
}

/* An allocation failure anywhere (reader, worker, writer, hooks) fails the
** pipelined ingest with KH_ENOMEM or not at all; the file stays consistent. */
TEST(pipeline_fail_nth_allocation) {
  char dir[512], in[600], path[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir());
  if (write_input(dir, 12, in, sizeof in)) SKIP("pk-news-2024 not found");
  kh_analyzer *an;
  ASSERT_INT_EQ(kh_analyzer_new(0, &an), 0);
  int completed = 0;
  long runs = 0;
  for (long k = 1; !completed && k < 2000000; k += 1 + k / 8, runs++) {
    snprintf(path, sizeof path, "%s/f%ld.db", dir, k);
    afailer f = {k, 0};
    kh_db *db = NULL;
    kh_set_allocator(afail_realloc, &f);
    int rc = kh_db_open(path, &db);
    if (!rc) rc = kh_analyze_attach(db, an);
    if (!rc) rc = kh_corpus_attach(db);
    kh_ingest_stats st = {0};
    if (!rc) {
      kh_ingest_opts o = {0};
      o.threads = 2;
      rc = kh_ingest_path(db, in, &o, &st);
    }
    kh_db_close(db);
    kh_set_allocator(NULL, NULL);
    if (rc != 0 && rc != KH_ENOMEM) FAIL("ingest at %ld: %d", k, rc);
    completed = !rc && __atomic_load_n(&f.calls, __ATOMIC_RELAXED) < k;
    /* whatever happened, the file is consistent and holds whole batches */
    sqlite3 *s;
    if (sqlite3_open(path, &s) == SQLITE_OK) {
      sqlite3_stmt *q;
      if (sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) ASSERT_STR_EQ((const char *)sqlite3_column_text(q, 0), "ok");
        sqlite3_finalize(q);
      }
      sqlite3_close(s);
    }
    if (completed) ASSERT(st.stored >= 10);
    unlink(path);
  }
  kh_analyzer_free(an);
  ASSERT(completed);
  ASSERT(runs > 20);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0);
  return 0;
}

/* A ring slot does not keep the buffers a large record needed once that
** record is stored: each slot used to keep its largest record's buffers
** for the rest of the ingest, so the ring's memory grew with the corpus
** (the largest of more and more records per slot).  300 pk-news articles
** with one of about 2 MB (a real body repeated) among them. */
TEST(pipeline_slots_keep_little) {
  char dir[512], in[600], path[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir());
  if (write_input(dir, 300, in, sizeof in)) SKIP("pk-news-2024 not found");
  size_t len;
  char *text = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  ASSERT(text != NULL);
  /* the body of the first article, repeated into one large article */
  const char *b = strstr(text, "\"body\": \""), *e = b ? strstr(b + 9, "\", \"") : NULL;
  if (!b) b = strstr(text, "\"body\":\""), e = b ? strstr(b + 8, "\",\"") : NULL;
  ASSERT(b && e && e - b > 200);
  b = strchr(b + 6, '"') + 1;
  FILE *f = fopen(in, "a");
  ASSERT(f != NULL);
  fputs("{\"id\": \"large\", \"title\": \"large\", \"body\": \"", f);
  size_t big = 0;
  while (big < (2u << 20)) {
    fwrite(b, 1, (size_t)(e - b), f);
    fputs("\\n", f);
    big += (size_t)(e - b) + 2;
  }
  fputs("\"}\n", f);
  /* and records after it: the writer's token caches, swapped into the
  ** slots at each put, pass through the slots again */
  const char *p = text;
  for (int i = 0; i < 50 && p; i++) {
    const char *nl = strchr(p, '\n');
    if (!nl) break;
    fwrite(p, 1, (size_t)(nl + 1 - p), f);
    p = nl + 1;
  }
  fclose(f);
  free(text);
  snprintf(path, sizeof path, "%s/slots.db", dir);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  kh_ingest_stats st = {0};
  kh_ingest_opts o = {0};
  o.threads = 2;
  int rc = kh_ingest_path(db, in, &o, &st);
  size_t kept = db->slot_kept;
  int64_t rowid = 0;
  sqlite3_stmt *q;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT rowid FROM article WHERE id = 'large' AND length(CAST(body AS BLOB)) > 2000000",
                                   -1, &q, NULL),
                SQLITE_OK);
  if (sqlite3_step(q) == SQLITE_ROW) rowid = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  kh_db_close(db);
  ASSERT_INT_EQ(rc, 0);
  ASSERT(rowid > 0);     /* the large article was stored, through a slot */
  ASSERT(st.stored >= 300);
  ASSERT(kept > 0);
  ASSERT(kept < big / 8); /* its buffers (over 2 MB each for the line, the fields, the norms) were let go */
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0);
  return 0;
}

typedef struct putctx {
  kh_db *db;
  int rc;
} putctx;

static int put_rec(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  putctx *c = ctx;
  (void)line, (void)reason;
  if (a && !c->rc) {
    int rc = kh_db_put_article(c->db, a, NULL);
    if (rc && rc != KH_DUPLICATE && rc != KH_EINVAL) c->rc = rc;
  }
  return 0;
}

static int noop_put(void *ctx, kh_db *db, int64_t rowid, const kh_article *a) {
  (void)ctx, (void)db, (void)rowid, (void)a;
  return 0;
}

/* A flush that fails while *ctx > 0 (the commit then rolls the batch back). */
static int failing_flush(void *ctx, kh_db *db) {
  int *n = ctx;
  (void)db;
  return (*n)-- > 0 ? KH_EDB : 0;
}

static const kh__hook_ops failing_ops = {.flush = failing_flush};

/* The analyze hook counts an entity met again in a later batch on its row
** (the id it keeps by key), and forgets the ids of a batch rolled back: the
** entities' mention counts equal their mention rows after batches of 40,
** a batch whose rows were written and then rolled back (a later hook's
** flush failed), and the same articles stored again. */
TEST(pipeline_entity_counts_across_batches) {
  char dir[512], in[600], b[600], path[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir());
  if (write_input(dir, 160, in, sizeof in)) SKIP("pk-news-2024 not found");
  /* in.jsonl: its first 110 lines stay; the rest go to b.jsonl */
  snprintf(b, sizeof b, "%s/b.jsonl", dir);
  snprintf(path, sizeof path, "%s/ents.db", dir);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "tail -n +111 '%s' > '%s' && head -n 110 '%s' > '%s.a' && mv '%s.a' '%s'", in, b, in, in,
           in, in);
  ASSERT_INT_EQ(system(cmd), 0);
  kh_db *db;
  kh_analyzer *an;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_analyzer_new(0, &an), 0);
  ASSERT_INT_EQ(kh_analyze_attach(db, an), 0);
  int fails = 0;
  ASSERT_INT_EQ(kh__db_on_put_ops(db, noop_put, &failing_ops, &fails), 0); /* after the analyze hook */
  kh__db_set_batch(db, 40);
  kh_ingest_stats st = {0};
  kh_ingest_opts o = {0};
  o.threads = 1;
  ASSERT_INT_EQ(kh_ingest_path(db, in, &o, &st), 0);
  ASSERT(st.stored >= 90);
  /* b's articles into one open batch (new entities among them), rolled back */
  kh__db_set_batch(db, 100000);
  FILE *f = fopen(b, "rb");
  ASSERT(f != NULL);
  putctx pc = {db, 0};
  uint64_t bytes = 0;
  kh__jsonl_read(f, put_rec, &pc, &bytes);
  fclose(f);
  ASSERT_INT_EQ(pc.rc, 0);
  ASSERT(db->in_txn);
  fails = 1;
  ASSERT(kh_db_commit(db) != 0); /* the analyze rows were written, then rolled back */
  ASSERT(!db->in_txn);
  /* and stored again, in batches of 40 */
  kh__db_set_batch(db, 40);
  kh_ingest_stats sb = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, b, &o, &sb), 0);
  ASSERT(sb.stored >= 40);
  kh_db_close(db);
  kh_analyzer_free(an);
  sqlite3 *s;
  ASSERT_INT_EQ(sqlite3_open(path, &s), SQLITE_OK);
  sqlite3_stmt *q;
  ASSERT_INT_EQ(sqlite3_prepare_v2(s,
                                   "SELECT count(*), sum(mentions = (SELECT count(*) FROM mention m WHERE m.entity = e.id)),"
                                   " sum(articles >= (SELECT count(DISTINCT article) FROM mention m WHERE m.entity = e.id)"
                                   " AND articles > 0), sum(articles > 1) FROM entity e",
                                   -1, &q, NULL),
                SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(q), SQLITE_ROW);
  int n = sqlite3_column_int(q, 0), same = sqlite3_column_int(q, 1), art = sqlite3_column_int(q, 2),
      again = sqlite3_column_int(q, 3);
  sqlite3_finalize(q);
  sqlite3_close(s);
  ASSERT(n > 100);
  ASSERT(again > 20); /* entities met in more than one article (most in several batches) */
  ASSERT_INT_EQ(same, n);
  ASSERT_INT_EQ(art, n);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0);
  return 0;
}

/* An ingest into dbpath (corpus hook, batches of 100) of in after the
** first `first` records of in0 and an article row at rowid 70000 (block
** 17: blocks 0-15 are then a complete group, due for the epoch merge). */
static int ingest_after_gap(const char *dbpath, const char *in0, const char *in, int threads, int64_t *lsh0) {
  kh_db *db;
  int rc = kh_db_open(dbpath, &db);
  if (rc) return rc;
  kh__db_set_batch(db, 100);
  kh_ingest_opts o = {0};
  o.threads = 1;
  kh_ingest_stats st = {0};
  if (!(rc = kh_corpus_attach(db)) && !(rc = kh_ingest_path(db, in0, &o, &st)) &&
      !(rc = kh__db_exec(db, "INSERT INTO article(rowid, id, hash, ingested) VALUES (70000, 'gap', 'g', 'x')"))) {
    *lsh0 = -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->sql, "SELECT sum(length(data)) / 12 FROM corpus_lshp WHERE id < 16 << 12", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
      *lsh0 = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    kh_ingest_stats sb = {0};
    o.threads = threads;
    rc = kh_ingest_path(db, in, &o, &sb);
  }
  kh_db_close(db);
  return rc;
}

/* The epoch merge that falls due during a pipelined ingest (at a batch's
** flush, src/corpus/lsh.c) leaves the file the sequential ingest leaves:
** every row of blocks 0-15 in the level-1 epoch and none left at level 0;
** stories and fingerprints alike. */
TEST(pipeline_merges_epochs) {
  char dir[512], in[600], in0[600], pa[600], pb[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir());
  if (write_input(dir, 700, in, sizeof in)) SKIP("pk-news-2024 not found");
  /* the first 40 lines go to in0 (block 0), the rest stay in in */
  snprintf(in0, sizeof in0, "%s/in0.jsonl", dir);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "head -n 40 '%s' > '%s' && tail -n +41 '%s' > '%s.b' && mv '%s.b' '%s'", in, in0, in, in,
           in, in);
  ASSERT_INT_EQ(system(cmd), 0);
  snprintf(pa, sizeof pa, "%s/seq.db", dir);
  snprintf(pb, sizeof pb, "%s/pipe.db", dir);
  int64_t la = -1, lb = -1;
  ASSERT_INT_EQ(ingest_after_gap(pa, in0, in, 1, &la), 0);
  ASSERT_INT_EQ(ingest_after_gap(pb, in0, in, 2, &lb), 0);
  ASSERT(la > 1500);
  ASSERT_INT_EQ(lb, la);
  static const char *const Q[] = {"SELECT * FROM corpus_lshp ORDER BY 1", "SELECT * FROM corpus_fp ORDER BY rowid",
                                  "SELECT * FROM story ORDER BY id", "SELECT * FROM story_member ORDER BY 1",
                                  "SELECT rowid, id, hash FROM article ORDER BY rowid"};
  sqlite3 *a, *b;
  ASSERT_INT_EQ(sqlite3_open(pa, &a), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_open(pb, &b), SQLITE_OK);
  for (size_t i = 0; i < sizeof Q / sizeof *Q; i++) {
    long ra, rb;
    uint64_t ha = digest(a, Q[i], &ra), hb = digest(b, Q[i], &rb);
    if (ra != rb || ha != hb) FAIL("differs: %s (%ld vs %ld rows)", Q[i], ra, rb);
  }
  long n0, n1;
  digest(b, "SELECT 1 FROM corpus_lshp WHERE id < 16 << 12", &n0);
  ASSERT_INT_EQ(n0, 0);
  sqlite3_stmt *q;
  ASSERT_INT_EQ(sqlite3_prepare_v2(b, "SELECT sum(length(data)) / 12 FROM corpus_lshp WHERE id >> 12 = 1 << 48", -1, &q,
                                   NULL),
                SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(q), SQLITE_ROW);
  n1 = (long)sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  ASSERT_INT_EQ(n1, la);
  digest(b, "SELECT 1 FROM story_member", &n0);
  ASSERT(n0 > 500);
  sqlite3_close(a);
  sqlite3_close(b);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0);
  return 0;
}
