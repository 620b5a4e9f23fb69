/*
** test_reindex.c — the tokenizer version a file records, khabar export and
** khabar reindex (src/store/reindex.c, cli/cmd_reindex.c).
*/
#include "test.h"

#include "../src/store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- the tokenizer's output, digested ---- */

/* FNV-1a over every index term instance (term, document, column, position)
** that FTS5 with tokenize='khabar' stores for the title and body of each
** record of a JSON Lines text: fused splits and colocated stems included,
** i.e. exactly what a file's index holds. */
static int index_digest(const char *jsonl, uint64_t *out, int *ndocs) {
  sqlite3 *s;
  if (sqlite3_open(":memory:", &s) || kh_fts5_register(s) ||
      sqlite3_exec(s, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='khabar');"
                      "CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');", NULL, NULL, NULL))
    return -1;
  sqlite3_stmt *ins, *q;
  sqlite3_prepare_v2(s, "INSERT INTO t(title, body) VALUES (?1, ?2)", -1, &ins, NULL);
  *ndocs = 0;
  for (const char *l = jsonl; *l;) {
    const char *nl = strchr(l, '\n');
    size_t n = nl ? (size_t)(nl - l) : strlen(l);
    json_t *o = json_loadb(l, n, 0, NULL);
    if (o) {
      const char *t = json_string_value(json_object_get(o, "title"));
      const char *b = json_string_value(json_object_get(o, "body"));
      sqlite3_bind_text(ins, 1, t ? t : "", -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 2, b ? b : "", -1, SQLITE_TRANSIENT);
      if (sqlite3_step(ins) != SQLITE_DONE) return -1;
      sqlite3_reset(ins);
      json_decref(o);
      (*ndocs)++;
    }
    l += n + (nl != NULL);
  }
  sqlite3_finalize(ins);
  sqlite3_prepare_v2(s, "SELECT term, doc, col, offset FROM v ORDER BY term, doc, col, offset", -1, &q, NULL);
  uint64_t h = 1469598103934665603ull;
  while (sqlite3_step(q) == SQLITE_ROW) {
    for (int c = 0; c < 4; c++) {
      const unsigned char *p = sqlite3_column_text(q, c);
      for (; p && *p; p++) h = (h ^ *p) * 1099511628211ull;
      h = (h ^ 0xff) * 1099511628211ull;
    }
  }
  sqlite3_finalize(q);
  sqlite3_close(s);
  *out = h;
  return 0;
}

/* What each tokenizer version gives, recorded when the version was set.  A
** change to normalization, fused-word splits or stems that alters any index
** term fails here: then bump KH_TOKENIZER_VERSION (src/text/text.h), so
** files built before say they need `khabar reindex`, and record the new
** digests printed below. */
static const struct {
  int version;
  uint64_t examples, counter;
} recorded[] = {
    {1, 0x79db57bb9cb4c231ull, 0xb482374fc142bc46ull},
    {2, 0x79db57bb9cb4c231ull, 0x484b531fe95eb79bull}, /* one-word names kept whole (tools/gen_fused.py) */
};

static int check_digest(const char *what, const char *text, int counter) {
  uint64_t h;
  int n;
  ASSERT_INT_EQ(index_digest(text, &h, &n), 0);
  ASSERT(n >= 10);
  for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++) {
    if (recorded[i].version != kh_tokenizer_version()) continue;
    uint64_t want = counter ? recorded[i].counter : recorded[i].examples;
    if (h != want)
      FAIL("the index terms of %s changed (digest 0x%016llxull over %d articles, recorded "
           "0x%016llxull for tokenizer version %d): bump KH_TOKENIZER_VERSION and record it",
           what, (unsigned long long)h, n, (unsigned long long)want, kh_tokenizer_version());
    return 0;
  }
  FAIL("tokenizer version %d has no recorded digests (%s: 0x%016llxull)", kh_tokenizer_version(), what,
       (unsigned long long)h);
}

TEST(tokenizer_version_records_its_output) {
  char path[4096];
  snprintf(path, sizeof path, "%s/examples/articles.jsonl", KH_SOURCE_DIR);
  size_t len;
  char *text = test_read_file(path, &len);
  ASSERT(text != NULL);
  int r = check_digest("examples/articles.jsonl", text, 0);
  free(text);
  return r;
}

TEST(tokenizer_version_records_its_output_counter) {
  size_t len;
  char *text = test_read_data("counter/counter.jsonl", &len);
  if (!text) SKIP("../shared/data/counter absent");
  int r = check_digest("counter/counter.jsonl", text, 1);
  free(text);
  return r;
}

/* ---- export and reindex through the CLI ---- */

static int64_t sql_int(const char *db, const char *sql) {
  kh_db *d;
  if (kh_db_open(db, &d)) return -2;
  int64_t v = test_sql_int(d, sql);
  kh_db_close(d);
  return v;
}

/* A digest of what sql returns (every column of every row). */
static uint64_t sql_digest(const char *db, const char *sql) {
  kh_db *d;
  if (kh_db_open(db, &d)) return 0;
  sqlite3_stmt *st;
  uint64_t h = 1469598103934665603ull;
  if (sqlite3_prepare_v2(d->sql, sql, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(st); c++) {
        const unsigned char *p = sqlite3_column_text(st, c);
        for (; p && *p; p++) h = (h ^ *p) * 1099511628211ull;
        h = (h ^ (p ? 0xfe : 0xff)) * 1099511628211ull;
      }
    sqlite3_finalize(st);
  }
  kh_db_close(d);
  return h;
}

/* The project's example articles, two of them again under other ids (copies)
** and one with an extra field.  A file whose index a different tokenizer
** built (simulated: version 99 recorded, one article's index terms deleted)
** warns on search and misses that article; `khabar reindex` rebuilds it
** from its own articles: the article is found again, the warning is gone,
** ids, copies, extra fields, ingest times and stories are kept, and
** `khabar export` of the result gives the same records as before. */
TEST(reindex_rebuilds_a_file_indexed_by_another_tokenizer) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  const char *dir = test_tmpdir();
  char db[1024], more[1024], cmd[8192];
  static char out[1 << 20], out2[1 << 20];
  snprintf(db, sizeof db, "%s/r.db", dir);
  snprintf(more, sizeof more, "%s/more.jsonl", dir);
  FILE *f = fopen(more, "w");
  ASSERT(f);
  /* the exact title and body of two example articles, new ids and outlets */
  char ex[1024];
  snprintf(ex, sizeof ex, "%s/examples/articles.jsonl", KH_SOURCE_DIR);
  size_t len;
  char *text = test_read_file(ex, &len);
  ASSERT(text);
  int k = 0;
  for (char *l = text; *l && k < 2; k++) {
    char *nl = strchr(l, '\n');
    json_t *o = json_loadb(l, (size_t)(nl - l), 0, NULL);
    ASSERT(o);
    json_t *c = json_pack("{s:s, s:s, s:O, s:O}", "id", k ? "copy-2" : "copy-1", "source", "wire-copy", "title",
                          json_object_get(o, "title"), "body", json_object_get(o, "body"));
    char *s = json_dumps(c, JSON_COMPACT);
    fprintf(f, "%s\n", s);
    free(s);
    json_decref(c);
    json_decref(o);
    l = nl + 1;
  }
  fputs("{\"id\":\"own-1\",\"source\":\"local\",\"desk\":\"شہر\",\"title\":\"لاہور میں جوان کی بہادری\","
        "\"body\":\"لاہور میں ایک نوجوان نے آگ میں پھنسے بچوں کو بچا لیا۔ فائر بریگیڈ کے مطابق جوان کی بہادری سے کئی جانیں بچ گئیں۔\"}\n",
        f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "%s ingest -q --db %s %s %s 2>&1", bin, db, ex, more);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  int64_t narticles = sql_int(db, "SELECT count(*) FROM article");
  ASSERT(narticles >= 15);
  ASSERT_INT_EQ(sql_int(db, "SELECT count(*) FROM duplicate"), 2);
  ASSERT_INT_EQ(sql_int(db, "SELECT v FROM search_meta WHERE k = 'tokenizer'"), kh_tokenizer_version());
  int64_t nstories = sql_int(db, "SELECT count(*) FROM story");
  ASSERT(nstories >= 6);
  int64_t nmentions = sql_int(db, "SELECT count(*) FROM mention");
  ASSERT(nmentions > 0);
  const char *keep = "SELECT id, source, url, published, title, body, extra, ingested FROM article ORDER BY id";
  const char *keepd = "SELECT d.id, d.source, d.ingested, a.id FROM duplicate d JOIN article a ON a.rowid = d.of_rowid ORDER BY d.id";
  const char *keeps = "SELECT s.size, s.first, s.last, group_concat(a.id) FROM story s JOIN story_member m ON m.story = s.id"
                      " JOIN article a ON a.rowid = m.rowid GROUP BY s.id ORDER BY 4";
  snprintf(cmd, sizeof cmd, "%s export --db %s", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out2, sizeof out2), 0);
  int nlines = 0;
  for (char *p = out2; (p = strchr(p, '\n')); p++) nlines++;
  ASSERT_INT_EQ(nlines, narticles + 2); /* the articles, then the two copies */
  ASSERT(strstr(out2, "\"desk\":\"شہر\"") != NULL);
  ASSERT(strstr(out2, "\"id\":\"copy-2\",\"source\":\"wire-copy\"") != NULL);

  /* another tokenizer's file: its version, one article missing from the index */
  kh_db *d;
  ASSERT_INT_EQ(kh_db_open(db, &d), 0);
  ASSERT_INT_EQ(kh__db_exec(d, "UPDATE search_meta SET v = 99 WHERE k = 'tokenizer';"
                               "UPDATE article SET ingested = '2020-01-02T03:04:05Z' WHERE id = 'own-1';"
                               "INSERT INTO article_fts(article_fts, rowid, title, body) SELECT 'delete', rowid, "
                               "title, body FROM article WHERE id = 'own-1';"),
                0);
  kh_db_close(d);
  uint64_t h_art = sql_digest(db, keep), h_dup = sql_digest(db, keepd), h_sto = sql_digest(db, keeps);
  snprintf(cmd, sizeof cmd, "%s search --db %s --json 'فائر بریگیڈ' 2>&1", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, "tokenizer version 99") != NULL);
  ASSERT(strstr(out, "khabar reindex") != NULL);
  ASSERT(strstr(out, "\"own-1\"") == NULL);

  snprintf(cmd, sizeof cmd, "%s reindex --db %s 2>&1", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, "was 99") != NULL);
  snprintf(cmd, sizeof cmd, "%s search --db %s --json 'فائر بریگیڈ' 2>&1", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, "warning") == NULL);
  ASSERT(strstr(out, "\"own-1\"") != NULL);
  ASSERT_INT_EQ(sql_int(db, "SELECT v FROM search_meta WHERE k = 'tokenizer'"), kh_tokenizer_version());
  ASSERT_INT_EQ(sql_int(db, "SELECT count(*) FROM article"), narticles);
  ASSERT_INT_EQ(sql_int(db, "SELECT count(*) FROM story"), nstories);
  ASSERT(sql_digest(db, keep) == h_art);   /* ids, texts, extra fields, ingest times */
  ASSERT(sql_digest(db, keepd) == h_dup);  /* copies, of the same articles */
  ASSERT(sql_digest(db, keeps) == h_sto);  /* the same stories */
  ASSERT_INT_EQ(sql_int(db, "SELECT count(*) FROM mention"), nmentions); /* the analyze layer ran */
  snprintf(more, sizeof more, "%s/r.db.reindex", dir);
  ASSERT(access(more, F_OK) != 0);
  snprintf(cmd, sizeof cmd, "%s export --db %s", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  ASSERT_STR_EQ(out, out2); /* the same records, in the same order, as before */
  free(text);
  test_rmdir(dir);
  return 0;
}

/* On COUNTER (1,200 records, 33 of them copies): every table the layers
** fill is the same after a reindex as after the ingest. */
TEST(reindex_of_counter_gives_the_same_tables) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  const char *data = test_data_dir();
  if (!data) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  char db[2048], cmd[8192];
  static char out[65536];
  snprintf(db, sizeof db, "%s/c.db", dir);
  snprintf(cmd, sizeof cmd, "%s ingest -q --db %s %s/counter/counter.jsonl 2>&1", bin, db, data);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  static const char *const tables[] = {
      "SELECT * FROM article ORDER BY rowid", "SELECT * FROM duplicate ORDER BY rowid",
      "SELECT * FROM story ORDER BY id", "SELECT * FROM story_member ORDER BY rowid",
      "SELECT * FROM mention ORDER BY rowid", "SELECT * FROM entity ORDER BY id",
      "SELECT * FROM quote ORDER BY id", "SELECT * FROM event ORDER BY id",
      "SELECT * FROM corpus_fp ORDER BY rowid", "SELECT * FROM search_fwd ORDER BY rowid"};
  enum { NT = sizeof tables / sizeof tables[0] };
  uint64_t h[NT];
  for (int i = 0; i < NT; i++) h[i] = sql_digest(db, tables[i]);
  ASSERT_INT_EQ(sql_int(db, "SELECT count(*) FROM duplicate"), 33);
  char said[128];
  snprintf(said, sizeof said, "%lld stored, 33 copies", (long long)sql_int(db, "SELECT count(*) FROM article"));
  snprintf(cmd, sizeof cmd, "%s reindex --db %s 2>&1", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, said) != NULL);
  for (int i = 0; i < NT; i++)
    if (sql_digest(db, tables[i]) != h[i]) FAIL("%s differs after the reindex", tables[i]);
  kh_db *d;
  ASSERT_INT_EQ(kh_db_open(db, &d), 0);
  ASSERT_INT_EQ(kh__db_exec(d, "INSERT INTO article_fts(article_fts, rank) VALUES ('integrity-check', 1)"), 0);
  kh_db_close(d);
  test_rmdir(dir);
  return 0;
}
