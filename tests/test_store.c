/*
** test_store.c — the store layer: put/search round trips, idempotency,
** migrations, the query parser (fixtures/store_query.txt), the readers
** (JSONL, CSV, .txt), bad records, ingest of real data, the loadable
** extension in a plain sqlite3 shell, the CLI, kill -9 during an ingest,
** and failing allocations.
*/
#include "test.h"

#include "../src/store/store.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *db_path(const char *dir, const char *name) {
  static char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static kh_article art(const char *id, const char *source, const char *published, const char *title,
                      const char *body) {
  kh_article a = {0};
  a.id = id, a.id_len = id ? strlen(id) : 0;
  a.source = source, a.source_len = source ? strlen(source) : 0;
  a.published = published, a.published_len = published ? strlen(published) : 0;
  a.title = title, a.title_len = title ? strlen(title) : 0;
  a.body = body, a.body_len = body ? strlen(body) : 0;
  return a;
}

typedef struct hits {
  int n;
  char ids[64][64];
  char snippet[2048];
  double score[64];
} hits;

static int collect_hit(void *ctx, const kh_hit *h) {
  hits *r = ctx;
  if (r->n == 0) snprintf(r->snippet, sizeof r->snippet, "%s", h->snippet);
  if (r->n < 64) {
    snprintf(r->ids[r->n], sizeof r->ids[0], "%s", h->id);
    r->score[r->n] = h->score;
  }
  r->n++;
  return 0;
}

static int search(kh_db *db, const char *q, const kh_search_opts *o, hits *r) {
  memset(r, 0, sizeof *r);
  return kh_search(db, q, o, collect_hit, r);
}

static int has_id(const hits *r, const char *id) {
  for (int i = 0; i < r->n && i < 64; i++)
    if (!strcmp(r->ids[i], id)) return 1;
  return 0;
}

static const char *sql_text(kh_db *db, const char *sql) {
  static char buf[256];
  sqlite3_stmt *st;
  snprintf(buf, sizeof buf, "(error)");
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) return buf;
  if (sqlite3_step(st) == SQLITE_ROW) snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return buf;
}

/* Does the tokenizer already normalize (strip diacritics)?  The placeholder
** whitespace tokenizer does not. */
static int tok_first(void *ctx, const kh_token *t) {
  snprintf(ctx, 64, "%.*s", (int)t->norm_len, t->norm);
  return 1;
}

static int text_layer_normalizes(void) {
  char first[64] = "";
  kh_tokenize("پاکِستان", strlen("پاکِستان"), 0, tok_first, first);
  return !strcmp(first, "پاکستان");
}

/* ---- the database ---- */

static const char *B1 = "کراچی میں پیر کی صبح شروع ہونے والی موسلا دھار بارش سے کئی نشیبی علاقوں میں پانی جمع ہو گیا۔";
static const char *B2 = "لاہور میں اسموگ کی شدت بڑھنے کے بعد پنجاب حکومت نے اسکول ایک ہفتے کیلئے بند کر دیے۔";
static const char *B3 = "ملتان میں ٹیسٹ میچ کے پہلے روز قومی ٹیم نے ٹاس جیت کر بیٹنگ کا فیصلہ کیا۔";

TEST(store_put_search_roundtrip) {
  const char *dir = test_tmpdir();
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "a.db"), &db), 0);
  ASSERT_INT_EQ(kh_db_schema_version(db), kh_db_schema_latest());
  kh_article a = art("a1", "awaz", "2024-07-15T09:30:00+05:00", "کراچی میں بارش", B1);
  kh_article b = art("b1", "shaam", "2024-11-12", "لاہور میں اسموگ", B2);
  kh_article c = art("c1", "awaz", "2024-10-15", "ملتان ٹیسٹ", B3);
  int64_t rid = 0;
  ASSERT_INT_EQ(kh_db_put_article(db, &a, &rid), 0);
  ASSERT(rid > 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &b, NULL), 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &c, NULL), 0);
  ASSERT_INT_EQ(kh_db_count(db), 3);
  hits r;
  ASSERT_INT_EQ(search(db, "بارش", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  ASSERT_STR_EQ(r.ids[0], "a1");
  /* the snippet is the original text with the match marked */
  ASSERT(strstr(r.snippet, "[بارش]") != NULL);
  ASSERT(strstr(r.snippet, "موسلا دھار") != NULL);
  /* neighbouring matches share one mark */
  ASSERT_INT_EQ(search(db, "موسلا دھار", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  ASSERT(strstr(r.snippet, "[موسلا دھار]") != NULL);
  /* published normalized to UTC */
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE id='a1' AND published='2024-07-15T04:30:00Z'"), 1);
  /* OR, source and date filters */
  ASSERT_INT_EQ(search(db, "بارش OR اسموگ OR ٹیسٹ", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 3);
  kh_search_opts o = {0};
  o.source = "awaz";
  ASSERT_INT_EQ(search(db, "بارش OR اسموگ OR ٹیسٹ", &o, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  ASSERT(!has_id(&r, "b1"));
  o.source = NULL;
  o.since = "2024-10-01";
  o.until = "2024-10-15";
  ASSERT_INT_EQ(search(db, "بارش OR اسموگ OR ٹیسٹ", &o, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  ASSERT_STR_EQ(r.ids[0], "c1");
  o.until = "not a date";
  ASSERT_INT_EQ(search(db, "بارش", &o, &r), KH_EINVAL);
  /* NOT and phrase */
  ASSERT_INT_EQ(search(db, "میں NOT بارش", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  ASSERT(!has_id(&r, "a1"));
  ASSERT_INT_EQ(search(db, "\"ٹاس جیت\"", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  ASSERT_INT_EQ(search(db, "\"جیت ٹاس\"", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 0);
  /* prefix */
  ASSERT_INT_EQ(search(db, "اسمو*", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  ASSERT_STR_EQ(r.ids[0], "b1");
  /* title above body: the article with the word in its title ranks first */
  kh_article d = art("d1", "x", NULL, "خبریں", "کراچی میں آج موسم خوشگوار رہا اور بارش نہیں ہوئی مگر شہری بارش کا انتظار کرتے رہے");
  ASSERT_INT_EQ(kh_db_put_article(db, &d, NULL), 0);
  ASSERT_INT_EQ(search(db, "بارش", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  ASSERT_STR_EQ(r.ids[0], "a1");
  ASSERT(r.score[0] > r.score[1]);
  kh_db_close(db);
  /* reopen: everything committed */
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "a.db"), &db), 0);
  ASSERT_INT_EQ(kh_db_count(db), 4);
  ASSERT_INT_EQ(test_sql_int(db, "PRAGMA journal_mode = WAL") >= -1, 1);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

TEST(store_idempotent) {
  const char *dir = test_tmpdir();
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "i.db"), &db), 0);
  kh_article a = art("a1", "awaz", NULL, "کراچی میں بارش", B1);
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  /* same id */
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), KH_DUPLICATE);
  /* same content, other id and outlet: a duplicate, remembered */
  kh_article b = art("z9", "shaam", NULL, "کراچی میں بارش", B1);
  int64_t of = 0;
  ASSERT_INT_EQ(kh_db_put_article(db, &b, &of), KH_DUPLICATE);
  ASSERT(of > 0);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM duplicate WHERE id='z9'"), 1);
  /* no id: derived from the content, so the same text twice is one article */
  kh_article c = art(NULL, NULL, NULL, "لاہور میں اسموگ", B2);
  ASSERT_INT_EQ(kh_db_put_article(db, &c, NULL), 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &c, NULL), KH_DUPLICATE);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE id LIKE 'kh-%'"), 1);
  /* different text: stored */
  kh_article d = art("d1", NULL, NULL, "ملتان", B3);
  ASSERT_INT_EQ(kh_db_put_article(db, &d, NULL), 0);
  ASSERT_INT_EQ(kh_db_count(db), 3);
  /* nothing to store */
  kh_article e = art("e1", NULL, NULL, NULL, NULL);
  ASSERT_INT_EQ(kh_db_put_article(db, &e, NULL), KH_EINVAL);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

TEST(store_content_hash_normalized) {
  /* the hash is of normalized tokens: spacing and line breaks do not matter */
  char h1[33], h2[33], h3[33];
  ASSERT_INT_EQ(kh__content_hash("کراچی", 10, "بارش  سے\nپانی", strlen("بارش  سے\nپانی"), h1), 0);
  ASSERT_INT_EQ(kh__content_hash("کراچی", 10, "بارش سے پانی", strlen("بارش سے پانی"), h2), 0);
  ASSERT_STR_EQ(h1, h2);
  ASSERT_INT_EQ(kh__content_hash("کراچی", 10, "بارش سے پانی ", strlen("بارش سے پانی") - 2, h3), 0);
  ASSERT(strcmp(h1, h3) != 0);
  /* title and body are kept apart */
  ASSERT_INT_EQ(kh__content_hash("", 0, "کراچی بارش", strlen("کراچی بارش"), h3), 0);
  ASSERT_INT_EQ(kh__content_hash("کراچی", 10, "بارش", 8, h1), 0);
  ASSERT(strcmp(h1, h3) != 0);
  return 0;
}

TEST(store_date_norm) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"2024-11-05", "2024-11-05"},
      {"2024/11/05", "2024-11-05"},
      {"2024-11-05T10:30:00Z", "2024-11-05T10:30:00Z"},
      {"2024-11-05 10:30", "2024-11-05T10:30:00Z"},
      {"2024-11-05T10:30:00+05:00", "2024-11-05T05:30:00Z"},
      {"2024-11-05T01:30:00.123+0500", "2024-11-04T20:30:00Z"},
      {"1730800000", "2024-11-05T09:46:40Z"},
      {"2024-02-30", NULL},
      {"2023-02-29", NULL},
      {"5 November 2024", NULL},
      {"Mon, 25 Nov 2024 10:00:00 +0500", "2024-11-25T05:00:00Z"},
      {"Mon,  4 Nov 2024 23:30 GMT", "2024-11-04T23:30:00Z"},
      {"25 nov 24 10:00:00 PKT", "2024-11-25T05:00:00Z"},
      {"Tue, 31 Dec 2024 22:00:00 -0300", "2025-01-01T01:00:00Z"},
      {"25 Nov 2024", "2024-11-25"},
      {"Fri, 30 Feb 2024 10:00:00 GMT", NULL},
      {"Mon, 25 Nov 2024 10:00:00 XYZ", NULL},
      {"Mon, 25 Nov 2024 10:00:00 +05", NULL},
      {"2024-11-05T25:00", NULL},
      {"", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[24];
    int n = kh__date_norm(cases[i].in, strlen(cases[i].in), out);
    if (!cases[i].out) {
      if (n >= 0) FAIL("'%s' -> '%s', expected unreadable", cases[i].in, out);
    } else {
      if (n < 0) FAIL("'%s' unreadable, expected '%s'", cases[i].in, cases[i].out);
      ASSERT_STR_EQ(out, cases[i].out);
    }
  }
  return 0;
}

TEST(store_bad_published_kept_raw) {
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
  kh_article a = art("a1", NULL, "کل شام", "کراچی میں بارش", B1);
  a.extra = "{\"category\": \"weather\"}";
  a.extra_len = strlen(a.extra);
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT published IS NULL FROM article"), 1);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT json_extract(extra, '$.published_raw') = 'کل شام' AND "
                            "json_extract(extra, '$.category') = 'weather' FROM article"),
                1);
  kh_article b = art("b1", NULL, NULL, "x", "y");
  b.extra = "[1,2]";
  b.extra_len = 5;
  ASSERT_INT_EQ(kh_db_put_article(db, &b, NULL), KH_EINVAL);
  kh_db_close(db);
  return 0;
}

/* The schema as version 1 wrote it (src/store/schema.c step 1), by hand. */
static const char *V1_SQL =
    "CREATE TABLE article(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT, url TEXT,"
    " published TEXT, title TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '',"
    " hash TEXT NOT NULL UNIQUE, ingested TEXT NOT NULL, extra TEXT);"
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article',"
    " content_rowid='rowid', tokenize='khabar');"
    "INSERT INTO article_fts(article_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');"
    "CREATE TABLE duplicate(id TEXT PRIMARY KEY, of_rowid INTEGER NOT NULL REFERENCES article(rowid),"
    " source TEXT, url TEXT, published TEXT, ingested TEXT NOT NULL);"
    "INSERT INTO article(rowid, id, source, published, title, body, hash, ingested)"
    " VALUES (1, 'old-1', 'awaz', '2024-07-15', 'کراچی میں بارش', 'شہر میں موسلا دھار بارش ہوئی', "
    " '00000000000000000000000000000001', '2024-07-15T00:00:00Z');"
    "INSERT INTO article_fts(rowid, title, body) VALUES (1, 'کراچی میں بارش', 'شہر میں موسلا دھار بارش ہوئی');"
    "PRAGMA application_id = 1802003058;"
    "PRAGMA user_version = 1;";

TEST(store_migrates_v1_file) {
  const char *dir = test_tmpdir();
  const char *path = db_path(dir, "v1.db");
  sqlite3 *raw;
  ASSERT_INT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
  ASSERT_INT_EQ(kh_fts5_register(raw), 0);
  char *err = NULL;
  if (sqlite3_exec(raw, V1_SQL, NULL, NULL, &err) != SQLITE_OK) FAIL("v1 sql: %s", err);
  sqlite3_close(raw);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT(kh_db_schema_latest() >= 2);
  ASSERT_INT_EQ(kh_db_schema_version(db), kh_db_schema_latest());
  ASSERT_INT_EQ(test_sql_int(db, "PRAGMA user_version"), kh_db_schema_latest());
  /* step 2's indexes exist */
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('article_published','article_source')"), 2);
  /* step 10 leaves a file that holds articles indexed as it was ('khabar',
  ** not 'khabar stemonly': FTS5 must tokenize its rows as they were) */
  ASSERT_INT_EQ(test_sql_int(db, "SELECT sql LIKE '%tokenize=''khabar'')%' FROM sqlite_master WHERE name = 'article_fts'"), 1);
  /* the old article is still found, and new ones go in beside it */
  hits r;
  ASSERT_INT_EQ(search(db, "موسلا", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  ASSERT_STR_EQ(r.ids[0], "old-1");
  kh_article a = art("new-1", "shaam", "2024-07-16", "کراچی میں پھر بارش", B1);
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  kh_search_opts o = {0};
  o.source = "awaz";
  ASSERT_INT_EQ(search(db, "بارش", &o, &r), 0);
  ASSERT_INT_EQ(r.n, 1);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

TEST(store_refuses_newer_and_foreign_files) {
  const char *dir = test_tmpdir();
  sqlite3 *raw;
  ASSERT_INT_EQ(sqlite3_open(db_path(dir, "new.db"), &raw), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(raw);
  kh_db *db = (kh_db *)1;
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "new.db"), &db), KH_ESCHEMA);
  ASSERT(db == NULL);
  /* someone else's database is left alone */
  ASSERT_INT_EQ(sqlite3_open(db_path(dir, "other.db"), &raw), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_exec(raw, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(raw);
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "other.db"), &db), KH_EDB);
  /* not a database at all */
  ASSERT_INT_EQ(write_file(db_path(dir, "junk.db"), "this is not an SQLite file, just some text that is long enough to fill a header................................................"), 0);
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "junk.db"), &db), KH_EDB);
  test_rmdir(dir);
  return 0;
}

/* ---- query parser ---- */

static int query_case(void *ctx, int n, char **lines, int lineno) {
  (void)ctx;
  (void)lineno;
  if (n != 2) FAIL("a record is: query line, then expected FTS5 or ERROR: reason");
  char *out = NULL, err[200];
  int rc = kh_query_to_fts5(lines[0], strlen(lines[0]), &out, err, sizeof err);
  if (!strncmp(lines[1], "ERROR", 5)) {
    if (rc != KH_EQUERY) FAIL("'%s' -> %s, expected an error", lines[0], out ? out : "?");
    const char *want = lines[1][5] == ':' ? lines[1] + 7 : "";
    if (*want && !strstr(err, want)) FAIL("'%s': error '%s', expected '%s'", lines[0], err, want);
    return 0;
  }
  if (rc) FAIL("'%s' -> error %s", lines[0], err);
  int ok = !strcmp(out, lines[1]);
  if (!ok) fprintf(stderr, "  '%s' -> %s\n  expected  %s\n", lines[0], out, lines[1]);
  kh_free(out);
  return ok ? 0 : 1;
}

TEST(store_query_parser) {
  int n = 0;
  int failed = test_fixtures("store_query.txt", query_case, NULL, &n);
  ASSERT_INT_EQ(failed, 0);
  ASSERT(n >= 20);
  return 0;
}

TEST(store_query_malformed_never_sql_error) {
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
  kh_article a = art("a1", NULL, NULL, "کراچی", B1);
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  static const char *bad[] = {"", "   ", "AND", "بارش AND", "OR بارش", "NOT بارش", "(بارش",
                              "بارش)", "\"بارش", "()", "* *", "((((((((((((((((((((((((((((((((((بارش))))))))))))))))))))))))))))))))))"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    hits r;
    int rc = search(db, bad[i], NULL, &r);
    if (rc != KH_EQUERY) FAIL("'%s' -> %d, expected KH_EQUERY", bad[i], rc);
  }
  /* FTS5 syntax typed by a user is only text */
  static const char *odd[] = {"title:بارش", "NEAR(بارش پانی)", "بارش^", "{title} : x", "a\"\"b"};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    hits r;
    int rc = search(db, odd[i], NULL, &r);
    if (rc != 0) FAIL("'%s' -> %d (%s)", odd[i], rc, kh_db_errmsg(db));
  }
  kh_db_close(db);
  return 0;
}

/* ---- readers ---- */

typedef struct recs {
  int good, bad;
  char last_reason[200];
  uint64_t bad_lines[16];
  char title[256], body[256], id[64], source[64], extra[256];
} recs;

static int rec_sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  recs *r = ctx;
  if (!a) {
    if (r->bad < 16) r->bad_lines[r->bad] = line;
    r->bad++;
    snprintf(r->last_reason, sizeof r->last_reason, "%s", reason);
    return 0;
  }
  if (r->good++ == 0) {
    snprintf(r->title, sizeof r->title, "%.*s", (int)a->title_len, a->title ? a->title : "");
    snprintf(r->body, sizeof r->body, "%.*s", (int)a->body_len, a->body ? a->body : "");
    snprintf(r->id, sizeof r->id, "%.*s", (int)a->id_len, a->id ? a->id : "");
    snprintf(r->source, sizeof r->source, "%.*s", (int)a->source_len, a->source ? a->source : "");
    snprintf(r->extra, sizeof r->extra, "%.*s", (int)a->extra_len, a->extra ? a->extra : "");
  }
  return 0;
}

static int read_mem(int csv, const char *text, recs *r) {
  memset(r, 0, sizeof *r);
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  if (!f) return -1;
  int rc = csv ? kh__csv_read(f, "geo", rec_sink, r, NULL) : kh__jsonl_read(f, rec_sink, r, NULL);
  fclose(f);
  return rc;
}

TEST(store_jsonl_reader) {
  recs r;
  const char *in =
      "{\"id\": \"g-1\", \"source\": \"geo\", \"title\": \"کراچی\", \"body\": \"بارش\", \"category\": \"weather\"}\n"
      "\n"
      "{\"id\": 7, \"text\": \"صرف متن\"}\r\n"
      "{\"id\": \"x\", \"title\": 5}\n"
      "not json\n"
      "[1, 2]\n"
      "{\"id\": \"y\", \"url\": \"http://a\"}\n"
      "{\"content\": \"آخری\", \"published\": null}";
  ASSERT_INT_EQ(read_mem(0, in, &r), 0);
  ASSERT_INT_EQ(r.good, 3);
  ASSERT_INT_EQ(r.bad, 4);
  ASSERT_INT_EQ(r.bad_lines[0], 4);
  ASSERT_INT_EQ(r.bad_lines[1], 5);
  ASSERT_INT_EQ(r.bad_lines[2], 6);
  ASSERT_INT_EQ(r.bad_lines[3], 7);
  ASSERT(strstr(r.last_reason, "no text") != NULL);
  ASSERT_STR_EQ(r.title, "کراچی");
  ASSERT_STR_EQ(r.body, "بارش");
  ASSERT_STR_EQ(r.extra, "{\"category\":\"weather\"}");
  return 0;
}

TEST(store_csv_reader) {
  recs r;
  const char *in =
      "\xEF\xBB\xBF\"ID\",\"Title\",\"Link\",\"Content\",\"Gold Label\"\r\n"
      "\"0\",\"کراچی، بارش\",\"https://a\",\"پہلی سطر\nدوسری سطر \"\"اقتباس\"\"\",\"sports\"\r\n"
      "1,لاہور,,اسموگ,health\n"
      "\"2\",\"x\" y,,z,w\n"
      "3,only,three\n"
      "4,\"ملتان\",,ٹیسٹ,sports\n"
      "\"5\",\"never closed,,x,y\n";
  ASSERT_INT_EQ(read_mem(1, in, &r), 0);
  ASSERT_INT_EQ(r.good, 3);
  ASSERT_INT_EQ(r.bad, 3);
  ASSERT_INT_EQ(r.bad_lines[0], 5); /* record 2 starts on line 5 (line 3 holds a newline) */
  ASSERT_INT_EQ(r.bad_lines[1], 6);
  ASSERT_INT_EQ(r.bad_lines[2], 8);
  ASSERT(strstr(r.last_reason, "never closed") != NULL);
  ASSERT_STR_EQ(r.title, "کراچی، بارش");
  ASSERT_STR_EQ(r.body, "پہلی سطر\nدوسری سطر \"اقتباس\"");
  ASSERT_STR_EQ(r.id, "geo-0");
  ASSERT_STR_EQ(r.source, "geo");
  ASSERT_STR_EQ(r.extra, "{\"Gold Label\":\"sports\"}");
  return 0;
}

TEST(store_txt_article) {
  kh_article a = {0};
  const char *t = "\n\n  کراچی میں بارش\r\n\nپہلا پیراگراف۔\nدوسرا۔\n\n";
  kh__txt_article(t, strlen(t), &a);
  char title[64], body[64];
  snprintf(title, sizeof title, "%.*s", (int)a.title_len, a.title);
  snprintf(body, sizeof body, "%.*s", (int)a.body_len, a.body);
  ASSERT_STR_EQ(title, "کراچی میں بارش");
  ASSERT_STR_EQ(body, "پہلا پیراگراف۔\nدوسرا۔");
  return 0;
}

/* ---- ingest ---- */

typedef struct errs {
  int n;
  char first[256];
} errs;

static void on_err(void *ctx, const char *file, uint64_t line, const char *reason) {
  errs *e = ctx;
  if (!e->n++) snprintf(e->first, sizeof e->first, "%s:%llu: %s", file, (unsigned long long)line, reason);
}

TEST(store_ingest_formats_and_bad_records) {
  const char *dir = test_tmpdir();
  char p[512], folder[512];
  snprintf(p, sizeof p, "%s/in.jsonl", dir);
  ASSERT_INT_EQ(write_file(p, "{\"id\":\"a\",\"title\":\"کراچی میں بارش\",\"body\":\"شہر میں پانی\"}\n"
                              "{\"id\":\"b\",\"title\":\n"
                              "{\"id\":\"c\",\"title\":\"لاہور\",\"body\":\"اسموگ\"}\n"),
                0);
  snprintf(folder, sizeof folder, "%s/texts", dir);
  ASSERT_INT_EQ(mkdir(folder, 0700), 0);
  snprintf(p, sizeof p, "%s/texts/multan-1.txt", dir);
  ASSERT_INT_EQ(write_file(p, "ملتان ٹیسٹ\nقومی ٹیم نے ٹاس جیت لیا۔\n"), 0);
  snprintf(p, sizeof p, "%s/texts/bad.txt", dir);
  ASSERT_INT_EQ(write_file(p, "\xff\xfe broken"), 0);
  snprintf(p, sizeof p, "%s/news.csv", dir);
  ASSERT_INT_EQ(write_file(p, "id,title,body\n1,پشاور,پولیو مہم\n2,\"x\"y,z\n"), 0);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "k.db"), &db), 0);
  errs e = {0};
  kh_ingest_opts o = {0};
  o.on_error = on_err;
  o.ctx = &e;
  kh_ingest_stats st = {0};
  snprintf(p, sizeof p, "%s/in.jsonl", dir);
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st), 0);
  ASSERT_INT_EQ(st.stored, 2);
  ASSERT_INT_EQ(st.rejected, 1);
  ASSERT(strstr(e.first, "in.jsonl:2: invalid JSON") != NULL);
  ASSERT_INT_EQ(kh_ingest_path(db, folder, &o, &st), 0);
  ASSERT_INT_EQ(st.stored, 3);
  ASSERT_INT_EQ(st.rejected, 2);
  snprintf(p, sizeof p, "%s/news.csv", dir);
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st), 0);
  ASSERT_INT_EQ(st.stored, 4);
  ASSERT_INT_EQ(st.rejected, 3);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE id='multan-1' AND source='texts'"), 1);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE id='news-1' AND source='news'"), 1);
  /* again: all duplicates */
  kh_ingest_stats st2 = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st2), 0);
  snprintf(p, sizeof p, "%s/in.jsonl", dir);
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st2), 0);
  ASSERT_INT_EQ(st2.stored, 0);
  ASSERT_INT_EQ(st2.duplicates, 3);
  ASSERT_INT_EQ(kh_ingest_path(db, "/nonexistent/file.jsonl", &o, &st2), KH_EIO);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Search every n-th article by its own title words: it must come back. */
static int title_roundtrip(kh_db *db, const char *data_rel, int step, int *checked) {
  size_t len;
  char *text = test_read_data(data_rel, &len);
  if (!text) return -1;
  int lineno = 0, missing = 0;
  *checked = 0;
  for (char *line = text; line && *line; lineno++) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    if (lineno % step == 0) {
      json_error_t err;
      json_t *o = json_loads(line, 0, &err);
      const char *id = json_string_value(json_object_get(o, "id"));
      const char *title = json_string_value(json_object_get(o, "title"));
      if (id && title && *title && !strchr(title, '"')) {
        /* the title's words as a phrase */
        char q[2048];
        size_t k = 0;
        q[k++] = '"';
        for (const char *c = title; *c && k < sizeof q - 3; c++) q[k++] = *c;
        q[k++] = '"';
        q[k] = '\0';
        hits r;
        kh_search_opts so = {0};
        so.limit = 50;
        int rc = search(db, q, &so, &r);
        (*checked)++;
        if (rc == KH_EQUERY) (*checked)--;
        else if (rc != 0 || !has_id(&r, id)) {
          /* a duplicate of another stored article is found under that id */
          char sql[256];
          snprintf(sql, sizeof sql, "SELECT count(*) FROM duplicate WHERE id='%s'", id);
          if (test_sql_int(db, sql) == 0 && r.n == 0) {
            if (missing++ < 3) fprintf(stderr, "  not found by its title: %s (%d hits)\n", id, r.n);
          }
        }
      }
      json_decref(o);
    }
    line = nl ? nl + 1 : NULL;
  }
  free(text);
  return missing;
}

TEST(store_ingest_real_data_roundtrip) {
  const char *data = test_data_dir();
  if (!data) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "real.db"), &db), 0);
  char p[1024];
  kh_ingest_stats st = {0};
  errs e = {0};
  kh_ingest_opts o = {0};
  o.on_error = on_err;
  o.ctx = &e;
  snprintf(p, sizeof p, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st), 0);
  snprintf(p, sizeof p, "%s/counter/counter.jsonl", data);
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st), 0);
  ASSERT_INT_EQ(st.records, 2541 + 1200);
  ASSERT_INT_EQ(st.rejected, 0);
  ASSERT_INT_EQ(st.stored + st.duplicates, st.records);
  ASSERT(st.stored > 3600);
  ASSERT_INT_EQ(kh_db_count(db), (int64_t)st.stored);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE source='geo'") > 250, 1);
  /* every 25th article is found by its title */
  int checked = 0;
  int missing = title_roundtrip(db, "pk-news-2024/pk-news-2024.jsonl", 25, &checked);
  ASSERT(checked > 90);
  ASSERT_INT_EQ(missing, 0);
  missing = title_roundtrip(db, "counter/counter.jsonl", 20, &checked);
  ASSERT(checked > 50);
  ASSERT_INT_EQ(missing, 0);
  /* the CSV articles, under the CSV's own ids, are content duplicates of the JSONL copies */
  kh_ingest_stats st2 = {0};
  snprintf(p, sizeof p, "%s/pk-news-2024/geo_articles.csv", data);
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st2), 0);
  ASSERT_INT_EQ(st2.records, 300);
  ASSERT_INT_EQ(st2.rejected, 0);
  /* the JSONL was made from these CSVs: every one is a duplicate */
  ASSERT_INT_EQ(st2.duplicates, st2.records);
  /* source and date filters on real data */
  hits r;
  kh_search_opts so = {0};
  so.source = "APP";
  so.limit = 50;
  ASSERT_INT_EQ(search(db, "پاکستان", &so, &r), 0);
  ASSERT(r.n == 50);
  so.source = NULL;
  so.since = "2014-12-01";
  so.until = "2014-12-31";
  ASSERT_INT_EQ(search(db, "پاکستان", &so, &r), 0);
  ASSERT(r.n > 0);
  ASSERT_STR_EQ(sql_text(db, "PRAGMA integrity_check"), "ok");
  /* the index built from replayed tokens equals one built by tokenizing the
     stored text afresh */
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "INSERT INTO article_fts(article_fts) VALUES ('integrity-check')",
                             NULL, NULL, NULL),
                SQLITE_OK);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Search forms that must find the same articles once the text layer
** normalizes (diacritics, Arabic letters, Urdu digits, fused words). */
/* ---- copies: the same text again under another id ---- */

static int run_capture(const char *cmd, char *out, size_t cap);

typedef struct copies_seen {
  int n;
  char id[8][64], source[8][64], published[8][32];
} copies_seen;

static int on_copy(void *ctx, const kh_copy *c) {
  copies_seen *x = ctx;
  if (x->n < 8) {
    snprintf(x->id[x->n], sizeof x->id[0], "%s", c->id);
    snprintf(x->source[x->n], sizeof x->source[0], "%s", c->source ? c->source : "");
    snprintf(x->published[x->n], sizeof x->published[0], "%s", c->published ? c->published : "");
  }
  x->n++;
  return 0;
}

static int on_copied(void *ctx, int64_t rowid) {
  (void)rowid;
  ++*(int *)ctx;
  return 0;
}

/* COUNTER holds agency texts that arrived more than once under other ids
** (pairs 14, 15 and 16 are one APP text): ingest stores each text once and
** keeps every later arrival as a copy of it, listed in arrival order with
** its own id, source and date; a second ingest adds none. */
TEST(store_copies_of_identical_texts) {
  size_t len;
  char *text = test_read_data("counter/counter.jsonl", &len);
  if (!text) SKIP("../shared/data/counter absent");
  /* the expectation, from the input alone: records whose title and body are
  ** byte-identical to an earlier record's */
  enum { MAXREC = 1300 };
  static char *key[MAXREC], *rid[MAXREC], *rsrc[MAXREC], *rpub[MAXREC];
  int nrec = 0, first_dup = -1, first_of = -1, ncopies = 0;
  for (char *l = text; *l && nrec < MAXREC;) {
    char *nl = strchr(l, '\n');
    json_t *o = json_loadb(l, nl ? (size_t)(nl - l) : strlen(l), 0, NULL);
    ASSERT(o != NULL);
    const char *t = json_string_value(json_object_get(o, "title")), *b = json_string_value(json_object_get(o, "body"));
    const char *src = json_string_value(json_object_get(o, "source"));
    const char *pub = json_string_value(json_object_get(o, "published"));
    key[nrec] = malloc(strlen(t) + strlen(b) + 2);
    sprintf(key[nrec], "%s\n%s", t, b);
    rid[nrec] = strdup(json_string_value(json_object_get(o, "id")));
    rsrc[nrec] = strdup(src ? src : "");
    rpub[nrec] = strdup(pub ? pub : "");
    for (int j = 0; j < nrec; j++)
      if (!strcmp(key[j], key[nrec])) {
        ncopies++;
        if (first_dup < 0) first_dup = nrec, first_of = j;
        break;
      }
    nrec++;
    json_decref(o);
    l = nl ? nl + 1 : l + strlen(l);
  }
  free(text);
  ASSERT_INT_EQ(nrec, 1200);
  ASSERT(ncopies >= 20 && first_dup > 0);
  const char *data = test_data_dir();
  const char *dir = test_tmpdir();
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(db_path(dir, "copies.db"), &db), 0);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'duplicate_of'"), 1);
  char p[1024];
  snprintf(p, sizeof p, "%s/counter/counter.jsonl", data);
  kh_ingest_stats st = {0};
  kh_ingest_opts o = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st), 0);
  /* every byte-identical record is a copy (the content hash may join more:
  ** texts that differ only in diacritics or spacing) */
  ASSERT(st.duplicates >= (uint64_t)ncopies);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM duplicate"), (int64_t)st.duplicates);
  /* the first text with copies: its stored article and all its copies in order */
  hits r = {0};
  kh_search_opts so = {0};
  so.limit = 5;
  char q[1024];
  snprintf(q, sizeof q, "%.*s", (int)(strchr(key[first_of], '\n') - key[first_of]), key[first_of]);
  for (char *c = q; *c; c++) /* the title's words: no query syntax, nothing a shell reads */
    if ((unsigned char)*c < 0x80 && strchr("\"'():*-", *c)) *c = ' ';
  ASSERT_INT_EQ(kh_search(db, q, &so, collect_hit, &r), 0);
  int at = -1;
  for (int i = 0; i < r.n && i < 5; i++)
    if (!strcmp(r.ids[i], rid[first_of])) at = i;
  ASSERT(at >= 0);
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT rowid FROM article WHERE id = '%s'", rid[first_of]);
  int64_t row = test_sql_int(db, sql);
  ASSERT(row > 0);
  copies_seen cs = {0};
  ASSERT_INT_EQ(kh_db_copies(db, row, on_copy, &cs), 0);
  int want = 0;
  for (int j = first_of + 1; j < nrec; j++)
    if (!strcmp(key[j], key[first_of])) {
      ASSERT(want < cs.n);
      ASSERT_STR_EQ(cs.id[want], rid[j]);
      ASSERT_STR_EQ(cs.source[want], rsrc[j]);
      ASSERT_STR_EQ(cs.published[want], rpub[j]);
      want++;
    }
  ASSERT_INT_EQ(cs.n, want);
  copies_seen self = {0};
  ASSERT_INT_EQ(kh_db_article_ref(db, row, on_copy, &self), 0);
  ASSERT_INT_EQ(self.n, 1);
  ASSERT_STR_EQ(self.id[0], rid[first_of]);
  int copied = 0;
  ASSERT_INT_EQ(kh_db_copied(db, on_copied, &copied), 0);
  ASSERT_INT_EQ(copied, test_sql_int(db, "SELECT count(DISTINCT of_rowid) FROM duplicate"));
  ASSERT(copied > 0 && copied <= (int)st.duplicates);
  /* again: every record a duplicate, no copy added */
  kh_ingest_stats st2 = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st2), 0);
  ASSERT_INT_EQ(st2.duplicates, 1200);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM duplicate"), (int64_t)st.duplicates);
  kh_db_close(db);
  /* the command line: search --json lists the copies; dups shows the group */
  const char *bin = getenv("KHABAR_BIN");
  if (bin) {
    char cmd[4096];
    static char out[1 << 16];
    snprintf(cmd, sizeof cmd, "%s search --db %s/copies.db '%s' --json --limit 5 | grep -F '\"id\":\"%s\"'", bin,
             dir, q, rid[first_of]);
    ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
    json_t *o1 = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    ASSERT(o1 != NULL);
    json_t *arr = json_object_get(o1, "copies");
    ASSERT(json_is_array(arr));
    ASSERT_INT_EQ((int)json_array_size(arr), want);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(arr, 0), "id")), cs.id[0]);
    json_decref(o1);
    snprintf(cmd, sizeof cmd, "%s dups --db %s/copies.db --json | grep -F '\"%s\"'", bin, dir, cs.id[0]);
    ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
    ASSERT(strstr(out, rid[first_of]) != NULL);
  }
  for (int i = 0; i < nrec; i++) free(key[i]), free(rid[i]), free(rsrc[i]), free(rpub[i]);
  test_rmdir(dir);
  return 0;
}

TEST(store_query_variants_find_same_articles) {
  if (!text_layer_normalizes()) SKIP("the tokenizer does not normalize yet (placeholder)");
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
  kh_article a = art("a", NULL, NULL, "پاکِستان میں پولیو مہم", "حکومت نے ۲۰۲۴ میں بچوں کیلئے نئی مہم شروع کی۔");
  kh_article b = art("b", NULL, NULL, "كراچی ميں بارش", "شہر میں 2024 کی سب سے زیادہ بارش ہوئی");
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &b, NULL), 0);
  static const struct {
    const char *q, *id;
  } cases[] = {
      {"پاکستان", "a"}, {"پاکِستان", "a"}, {"کراچی", "b"}, {"كراچی", "b"},
      {"\"کے لئے\"", "a"}, {"کیلئے", "a"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hits r;
    ASSERT_INT_EQ(search(db, cases[i].q, NULL, &r), 0);
    if (r.n != 1 || strcmp(r.ids[0], cases[i].id))
      FAIL("'%s' -> %d hits (%s), expected %s", cases[i].q, r.n, r.n ? r.ids[0] : "-", cases[i].id);
  }
  hits r;
  /* punctuation alone is nothing to search for */
  ASSERT_INT_EQ(search(db, "، ۔", NULL, &r), KH_EQUERY);
  ASSERT_INT_EQ(search(db, "۲۰۲۴", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  ASSERT_INT_EQ(search(db, "2024", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  kh_db_close(db);
  return 0;
}

/* ---- the extension and the command ---- */

/* Run a shell command, capture its stdout (and stderr with 2>&1 in cmd). */
static int run_capture(const char *cmd, char *out, size_t cap) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The sqlite3 shell command; an extension built with ASan needs its
** runtime preloaded into the (uninstrumented) shell. */
static const char *sqlite3_shell(const char *ext) {
  static char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "LD_PRELOAD=\"$(ldd '%s.so' | awk '/lib(asan|ubsan)/{print $3}' | tr '\\n' ' ')\" "
           "ASAN_OPTIONS=detect_leaks=0 sqlite3",
           ext);
  return cmd;
}

TEST(store_extension_in_sqlite3_shell) {
  const char *ext = getenv("KHABAR_EXT");
  if (!ext) SKIP("KHABAR_EXT not set (make test sets it)");
  if (system("command -v sqlite3 >/dev/null 2>&1") != 0) SKIP("no sqlite3 shell");
  char cmd[4096], out[4096];
  const char *sh = sqlite3_shell(ext);
  /* a plain sqlite3 shell: .load, create, insert, match, highlight with offsets */
  snprintf(cmd, sizeof cmd,
           "%s :memory: '.load %s' "
           "\"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='khabar')\" "
           "\"INSERT INTO t VALUES ('کراچی میں موسلا دھار بارش'), ('لاہور میں اسموگ')\" "
           "\"SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'بارش'\" "
           "\"SELECT count(*) FROM t WHERE t MATCH 'میں'\" 2>&1",
           sh, ext);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
  ASSERT_STR_EQ(out, "کراچی میں موسلا دھار [بارش]\n2\n");
  /* options; an unknown option is refused */
  snprintf(cmd, sizeof cmd,
           "%s :memory: '.load %s' \"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='khabar nostem')\" "
           "\"INSERT INTO t VALUES ('لاہور میں اسموگ')\" \"SELECT rowid FROM t WHERE t MATCH 'اسموگ'\" 2>&1",
           sh, ext);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
  ASSERT_STR_EQ(out, "1\n");
  snprintf(cmd, sizeof cmd,
           "%s :memory: '.load %s' \"CREATE VIRTUAL TABLE u USING fts5(x, tokenize='khabar bogus')\" 2>&1",
           sh, ext);
  ASSERT(run_capture(cmd, out, sizeof out) != 0);
  ASSERT(strstr(out, "tokenize") != NULL);
  return 0;
}

TEST(store_cli_ingest_search) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  const char *dir = test_tmpdir();
  char cmd[4096], out[16384];
  /* the examples: several outlets, the same events */
  snprintf(cmd, sizeof cmd, "%s ingest --db %s/c.db %s/examples/articles.jsonl 2>&1", bin, dir, KH_SOURCE_DIR);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, " stored, 0 duplicates skipped, 0 rejected") != NULL);
  snprintf(cmd, sizeof cmd, "%s ingest --db %s/c.db %s/examples/articles.jsonl 2>&1", bin, dir, KH_SOURCE_DIR);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, "0 stored, ") != NULL);
  /* --json: one object a line with the fields */
  snprintf(cmd, sizeof cmd, "%s search --db %s/c.db اسموگ --json --limit 2", bin, dir);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
  int lines = 0;
  for (char *l = out; *l; lines++) {
    json_error_t err;
    char *nl = strchr(l, '\n');
    ASSERT(nl != NULL);
    json_t *o = json_loadb(l, (size_t)(nl - l), 0, &err);
    ASSERT(o != NULL);
    ASSERT(json_is_string(json_object_get(o, "id")));
    ASSERT(json_is_real(json_object_get(o, "score")));
    ASSERT(json_is_string(json_object_get(o, "title")));
    ASSERT(json_object_get(o, "source") != NULL && json_object_get(o, "published") != NULL);
    ASSERT(strstr(json_string_value(json_object_get(o, "snippet")), "[اسموگ]") != NULL);
    ASSERT(json_is_array(json_object_get(o, "copies"))); /* the examples have none: [] */
    ASSERT_INT_EQ((int)json_array_size(json_object_get(o, "copies")), 0);
    json_decref(o);
    l = nl + 1;
  }
  ASSERT_INT_EQ(lines, 2);
  /* --source and --since */
  snprintf(cmd, sizeof cmd, "%s search --db %s/c.db 'پولیو OR بارش' --source shaam-times --since 2024-10-01 --json", bin, dir);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 0);
  ASSERT(strstr(out, "shaam-2024-1028-05") != NULL);
  ASSERT(strstr(out, "awaz-") == NULL && strstr(out, "shaam-2024-0715") == NULL);
  /* a malformed query: a plain message and a non-zero exit, never SQL */
  snprintf(cmd, sizeof cmd, "%s search --db %s/c.db '(پولیو OR' 2>&1", bin, dir);
  ASSERT_INT_EQ(run_capture(cmd, out, sizeof out), 2);
  ASSERT(strstr(out, "khabar: search: ") != NULL);
  ASSERT(strstr(out, "SQL") == NULL && strstr(out, "fts5") == NULL && strstr(out, "syntax") == NULL);
  /* no database: a message, not an empty new file */
  snprintf(cmd, sizeof cmd, "%s search --db %s/none.db x 2>&1", bin, dir);
  ASSERT(run_capture(cmd, out, sizeof out) != 0);
  ASSERT(strstr(out, "no database") != NULL);
  test_rmdir(dir);
  return 0;
}

/* ---- kill -9 during an ingest ---- */

static int64_t count_raw(const char *path) {
  sqlite3 *db;
  int64_t n = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM article", -1, &st, NULL) == SQLITE_OK) {
      if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(db);
  return n;
}

TEST(store_kill9_during_ingest) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  size_t len;
  char *src = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!src) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  char big[512], path[512];
  snprintf(big, sizeof big, "%s/big.jsonl", dir);
  snprintf(path, sizeof path, "%s/kill.db", dir);
  /* 4 copies of pk-news-2024, each article's id and title made unique */
  FILE *f = fopen(big, "wb");
  ASSERT(f != NULL);
  int total = 0;
  for (int copy = 0; copy < 4; copy++) {
    for (char *line = src; *line;) {
      char *nl = strchr(line, '\n');
      size_t n = nl ? (size_t)(nl - line) : strlen(line);
      json_t *o = json_loadb(line, n, 0, NULL);
      if (o) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s-c%d", json_string_value(json_object_get(o, "id")), copy);
        json_object_set_new(o, "id", json_string(buf));
        const char *title = json_string_value(json_object_get(o, "title"));
        char *t = malloc(strlen(title) + 16);
        ASSERT(t != NULL);
        snprintf(t, strlen(title) + 16, "%s (%d)", title, copy);
        json_object_set_new(o, "title", json_string(t));
        free(t);
        json_dumpf(o, f, JSON_COMPACT);
        fputc('\n', f);
        json_decref(o);
        total++;
      }
      line = nl ? nl + 1 : line + n;
    }
  }
  fclose(f);
  free(src);
  pid_t pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stderr)) _exit(126);
    execl(bin, bin, "ingest", "--quiet", "--db", path, big, (char *)NULL);
    _exit(127);
  }
  /* wait until a few batches are committed, then kill -9 mid-batch */
  int64_t seen = 0;
  for (int i = 0; i < 600 && seen < 1000; i++) {
    usleep(50000);
    seen = count_raw(path);
  }
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
  ASSERT(WIFSIGNALED(st));
  int64_t before = count_raw(path);
  ASSERT(before >= 1000);
  ASSERT(before < total);
  /* committed work is whole batches, and the file is consistent */
  ASSERT_INT_EQ(before % KH_DB_BATCH, 0);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_STR_EQ(sql_text(db, "PRAGMA integrity_check"), "ok");
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article_fts WHERE article_fts MATCH 'پاکستان'") > 0, 1);
  /* the FTS5 index agrees with the articles */
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "INSERT INTO article_fts(article_fts) VALUES ('integrity-check')",
                             NULL, NULL, NULL),
                SQLITE_OK);
  /* ingest again: the rest goes in, what was there is a duplicate */
  kh_ingest_stats s = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, big, NULL, &s), 0);
  ASSERT_INT_EQ(s.records, total);
  ASSERT_INT_EQ(s.rejected, 0);
  ASSERT(s.duplicates >= (uint64_t)before);
  ASSERT_INT_EQ(kh_db_count(db), before + (int64_t)s.stored);
  ASSERT_INT_EQ(kh_db_count(db), total - 4 * 8); /* pk-news-2024 has 8 same-content pairs per copy */
  ASSERT_STR_EQ(sql_text(db, "PRAGMA integrity_check"), "ok");
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* ---- the WAL write buffer (vfs.c) ---- */

/* kh_db_open's connection writes the WAL through the khabar-wal VFS, which
** holds frames back until they fill its buffer or the WAL index is touched.
** A connection of the default VFS (as the checkpointer and the ingest
** worker open) must see every batch as soon as it is committed, with every
** page of it readable, and the files must stay consistent. */
TEST(store_wal_buffer_commits_visible) {
  size_t len;
  char *src = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!src) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  char path[512];
  snprintf(path, sizeof path, "%s/walbuf.db", dir);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  sqlite3_vfs *vfs = NULL;
  ASSERT_INT_EQ(sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
  ASSERT(vfs != NULL);
  ASSERT_STR_EQ(vfs->zName, "khabar-wal");
  kh__db_set_batch(db, 40); /* a batch's frames (< 128 KB for some) stay in the buffer until the commit */
  sqlite3 *rd;
  ASSERT_INT_EQ(sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  ASSERT_INT_EQ(kh_fts5_register(rd), 0);
  int64_t stored = 0, checks = 0;
  for (char *line = src; *line && stored < 600;) {
    char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    json_t *o = json_loadb(line, n, 0, NULL);
    line = nl ? nl + 1 : line + n;
    if (!o) continue;
    kh_article a = {0};
    a.id = json_string_value(json_object_get(o, "id"));
    a.id_len = a.id ? strlen(a.id) : 0;
    a.title = json_string_value(json_object_get(o, "title"));
    a.title_len = a.title ? strlen(a.title) : 0;
    a.body = json_string_value(json_object_get(o, "body"));
    a.body_len = a.body ? strlen(a.body) : 0;
    int rc = kh_db_put_article(db, &a, NULL);
    json_decref(o);
    ASSERT(rc == 0 || rc == KH_DUPLICATE);
    stored += rc == 0;
    if (rc || db->in_txn) continue;
    /* a batch was just committed: all of it, at once, for the other connection */
    int64_t seen = -1, nhit = -1;
    sqlite3_stmt *st;
    ASSERT_INT_EQ(sqlite3_prepare_v2(rd, "SELECT (SELECT count(*) FROM article), (SELECT count(*) FROM"
                                         " article_fts WHERE article_fts MATCH 'پاکستان')",
                                     -1, &st, NULL),
                  SQLITE_OK);
    ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
    seen = sqlite3_column_int64(st, 0);
    nhit = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    ASSERT_INT_EQ(seen, stored);
    ASSERT(nhit > 0);
    checks++;
  }
  free(src);
  ASSERT(checks >= 10);
  /* the reader's view of the whole file, FTS5's index included */
  sqlite3_stmt *st;
  ASSERT_INT_EQ(sqlite3_prepare_v2(rd, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_STR_EQ((const char *)sqlite3_column_text(st, 0), "ok");
  sqlite3_finalize(st);
  ASSERT_INT_EQ(sqlite3_exec(rd, "INSERT INTO article_fts(article_fts) VALUES ('integrity-check')", NULL, NULL, NULL),
                SQLITE_READONLY);
  sqlite3_close(rd);
  kh_db_close(db);
  ASSERT_INT_EQ(count_raw(path), stored);
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_STR_EQ(sql_text(db, "PRAGMA integrity_check"), "ok");
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "INSERT INTO article_fts(article_fts) VALUES ('integrity-check')", NULL, NULL,
                             NULL),
                SQLITE_OK);
  kh_db_close(db);
  /* KHABAR_WAL_BUFFER=0: the default VFS */
  setenv("KHABAR_WAL_BUFFER", "0", 1);
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  unsetenv("KHABAR_WAL_BUFFER");
  vfs = NULL;
  ASSERT_INT_EQ(sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
  ASSERT(vfs != NULL && strcmp(vfs->zName, "khabar-wal") != 0);
  ASSERT_INT_EQ(kh_db_count(db), stored);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* ---- failing allocations ---- */

/* Every allocation of put, search, query parsing and ingest fails in turn:
** each call returns KH_ENOMEM (or succeeds), never crashes or leaks (ASan). */
TEST(store_fail_nth_allocation) {
  const char *dir = test_tmpdir();
  char in[512];
  snprintf(in, sizeof in, "%s/in.csv", dir);
  ASSERT_INT_EQ(write_file(in, "id,title,body,category\n1,کراچی میں بارش,\"شہر میں, پانی\",weather\n"), 0);
  int completed = 0;
  for (long k = 1; k < 2000 && !completed; k++) {
    test_failer f = {k, 0};
    kh_db *db = NULL;
    kh_set_allocator(test_failing_realloc, &f);
    int rc = kh_db_open(":memory:", &db);
    if (rc) {
      kh_set_allocator(NULL, NULL);
      ASSERT_INT_EQ(rc, KH_ENOMEM);
      continue;
    }
    kh_article a = art("a1", "awaz", "کل", "کراچی میں بارش", B1);
    int r1 = kh_db_put_article(db, &a, NULL);
    hits r;
    int r2 = search(db, "(بارش OR پانی) کراچی", NULL, &r);
    kh_ingest_stats st = {0};
    int r3 = kh_ingest_path(db, in, NULL, &st);
    char *fts = NULL;
    int r4 = kh_query_to_fts5("کراچی OR \"موسلا دھار\"", strlen("کراچی OR \"موسلا دھار\""), &fts, NULL, 0);
    kh_free(fts);
    kh_db_close(db);
    kh_set_allocator(NULL, NULL);
    if (r1 != 0 && r1 != KH_ENOMEM) FAIL("put at %ld: %d", k, r1);
    if (r2 != 0 && r2 != KH_ENOMEM) FAIL("search at %ld: %d", k, r2);
    if (r3 != 0 && r3 != KH_ENOMEM) FAIL("ingest at %ld: %d", k, r3);
    if (r4 != 0 && r4 != KH_ENOMEM) FAIL("query at %ld: %d", k, r4);
    completed = !r1 && !r2 && !r3 && !r4 && f.calls < k;
    if (completed) ASSERT_INT_EQ(r.n, 1);
  }
  ASSERT(completed);
  test_rmdir(dir);
  return 0;
}

/* Options of the tokenizer and the khabar_bm25 rank function, from SQL. */
TEST(store_tokenizer_options_and_rank) {
  sqlite3 *db;
  ASSERT_INT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_INT_EQ(kh_fts5_register(db), 0);
  ASSERT_INT_EQ(sqlite3_exec(db,
                             "CREATE VIRTUAL TABLE s USING fts5(x, tokenize='khabar skel');"
                             "CREATE VIRTUAL TABLE p USING fts5(x, tokenize='khabar');"
                             "INSERT INTO s VALUES ('روسی صدر پوٹن نے کہا'), ('چین کے صدر شی جن پنگ');"
                             "INSERT INTO p SELECT x FROM s;",
                             NULL, NULL, NULL),
                SQLITE_OK);
  sqlite3_stmt *st;
  /* another spelling of the same name: found through its consonant skeleton */
  ASSERT_INT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM s WHERE s MATCH 'پیوٹن'", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM p WHERE p MATCH 'پیوٹن'", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int(st, 0), 0);
  sqlite3_finalize(st);
  /* khabar_bm25(k1, b): the row with more of the query ranks first */
  ASSERT_INT_EQ(sqlite3_prepare_v2(db,
                                   "SELECT rowid, khabar_bm25(p, 1.2, 0.75) FROM p WHERE p MATCH 'صدر OR چین' "
                                   "ORDER BY khabar_bm25(p, 1.2, 0.75)",
                                   -1, &st, NULL),
                SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int(st, 0), 2);
  ASSERT(sqlite3_column_double(st, 1) < 0);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return 0;
}

/* ---- proximity re-ranking (rerank.c) ---- */

/* MRR@10 that re-ranked known-item search on COUNTER reached when its
** parameters were chosen (docs/store.md), less a margin for rounding. */
#define RERANK_FLOOR 0.868

/* The query's words side by side in one article, scattered in another whose
** BM25 is higher (it is shorter): plain BM25 puts the scattered one first,
** the re-ranked search the one with the words together. */
TEST(store_rerank_phrase_before_scattered) {
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
  kh_article s = art("scattered", "awaz", "2024-11-02", "شہر کی خبریں",
                     "سیلاب کا پانی کئی دنوں کے بعد آخرکار اتر گیا اور لوگ گھروں کو لوٹ آئے۔ شہر کے "
                     "بہت سے متاثرین نے حکومت سے شکایت کی کہ ان تک کوئی مدد نہیں پہنچی۔ دوسری جانب "
                     "امدادی ٹیمیں دیہات میں مصروف رہیں۔");
  kh_article p = art("phrase", "awaz", "2024-11-02", "صوبے کی خبریں",
                     "صوبائی حکومت نے اعلان کیا ہے کہ سیلاب متاثرین میں امدادی سامان کی تقسیم کل سے "
                     "شروع ہو گی۔ وزیر اعلیٰ نے کہا کہ تمام اضلاع میں کیمپ قائم کیے جائیں گے اور ہر "
                     "ضلع کو فنڈز بروقت جاری کیے جائیں گے تاکہ کسی کو شکایت کا موقع نہ ملے اور کام "
                     "شفاف طریقے سے مکمل ہو۔");
  ASSERT_INT_EQ(kh_db_put_article(db, &s, NULL), 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &p, NULL), 0);
  /* a few unrelated articles, so the query words are not in every row */
  kh_article o1 = art("o1", "awaz", NULL, "کراچی میں بارش", B1);
  kh_article o2 = art("o2", "awaz", NULL, "لاہور میں اسموگ", B2);
  kh_article o3 = art("o3", "awaz", NULL, "ملتان ٹیسٹ", B3);
  ASSERT_INT_EQ(kh_db_put_article(db, &o1, NULL), 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &o2, NULL), 0);
  ASSERT_INT_EQ(kh_db_put_article(db, &o3, NULL), 0);
  hits r;
  kh_search_opts plain = {.no_rerank = 1};
  ASSERT_INT_EQ(search(db, "سیلاب متاثرین امدادی", &plain, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  ASSERT_STR_EQ(r.ids[0], "scattered"); /* BM25 alone */
  double bm25_phrase = r.score[1];
  ASSERT_INT_EQ(search(db, "سیلاب متاثرین امدادی", NULL, &r), 0);
  ASSERT_INT_EQ(r.n, 2);
  ASSERT_STR_EQ(r.ids[0], "phrase");
  ASSERT(r.score[0] > bm25_phrase); /* its bonus, on top of its BM25 */
  ASSERT(r.score[0] >= r.score[1]);
  /* the same with the words in an OR query, as a headline is searched */
  ASSERT_INT_EQ(search(db, "سیلاب OR متاثرین OR امدادی", NULL, &r), 0);
  ASSERT_STR_EQ(r.ids[0], "phrase");
  kh_db_close(db);
  return 0;
}

/* A re-ranking case: the query, the article plain BM25 puts first, and the
** one the re-ranked search puts first. */
typedef struct {
  const char *query, *bm25_first, *first;
} rr_case;

/* Stores the articles and three unrelated ones (B1-B3) in a new database and
** checks every case both ways: the re-ranking changes what BM25 found only
** where the case says so. */
static int rerank_cases(kh_article **arts, size_t narts, const rr_case *cases, size_t ncases) {
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
  kh_article fill[] = {art("o1", "awaz", NULL, "کراچی میں بارش", B1), art("o2", "awaz", NULL, "لاہور میں اسموگ", B2),
                       art("o3", "awaz", NULL, "ملتان ٹیسٹ", B3)};
  for (size_t i = 0; i < narts; i++) ASSERT_INT_EQ(kh_db_put_article(db, arts[i], NULL), 0);
  for (size_t i = 0; i < sizeof fill / sizeof *fill; i++) ASSERT_INT_EQ(kh_db_put_article(db, &fill[i], NULL), 0);
  for (size_t i = 0; i < ncases; i++) {
    hits r;
    kh_search_opts plain = {.no_rerank = 1};
    ASSERT_INT_EQ(search(db, cases[i].query, &plain, &r), 0);
    ASSERT(r.n >= 2);
    ASSERT_STR_EQ(r.ids[0], cases[i].bm25_first);
    ASSERT_INT_EQ(search(db, cases[i].query, NULL, &r), 0);
    ASSERT_STR_EQ(r.ids[0], cases[i].first);
  }
  kh_db_close(db);
  return 0;
}

/* A name spelled differently in the query than in the article (پیوٹن for
** پوٹن, انجیلو for اینجلو): plain BM25 cannot match it and puts the article
** that has only the other word first; the re-ranking finds the name under
** its consonant skeleton and puts the article about the name first. */
TEST(store_rerank_name_spelling_variant) {
  kh_article putin = art("putin", "awaz", NULL, "روسی صدر پوٹن کا بیان",
                         "روسی صدر پوٹن نے ماسکو میں کہا کہ یوکرین کے ساتھ بات چیت جاری رہے گی۔");
  kh_article war = art("war", "awaz", NULL, "یوکرین میں لڑائی جاری",
                       "یوکرین کے مشرقی علاقوں میں لڑائی جاری ہے اور یوکرین کی فوج نے نئے مورچے بنائے۔");
  kh_article angelo = art("angelo", "awaz", NULL, "اینجلو کی سنچری",
                          "سری لنکا کے کپتان اینجلو نے گال میں شاندار سنچری بنائی۔");
  kh_article lanka = art("lanka", "awaz", NULL, "سری لنکا کا دورہ",
                         "سری لنکا کی ٹیم اگلے ماہ دورے پر آئے گی، سری لنکا بورڈ نے ٹیم کا اعلان کیا۔");
  kh_article *all[] = {&putin, &war, &angelo, &lanka};
  static const rr_case cases[] = {
      {"پیوٹن OR یوکرین", "war", "putin"},
      {"انجیلو OR لنکا", "lanka", "angelo"}, /* two edits apart: only the skeleton (anjlo) */
  };
  return rerank_cases(all, sizeof all / sizeof *all, cases, sizeof cases / sizeof *cases);
}

/* Two reports of one event a day apart differ in their figures: the
** headline's numbers (68, written out آٹھ for 8) pick the report they come
** from, wherever in its body they are, where BM25 gives a number little
** weight (and a number word none: آٹھ is a stopword). */
TEST(store_rerank_headline_numbers) {
  kh_article first = art("first", "app", "2014-08-02", "چین کی فیکٹری میں دھماکہ، متعدد افراد ہلاک",
                         "چین کے مشرقی صوبے جیانگسو میں کاروں کے پرزے بنانے والی فیکٹری میں دھماکہ ہوا۔ "
                         "فیکٹری میں دھماکے کے نتیجے میں 65 افراد ہلاک اور 120 زخمی ہو گئے۔ امدادی "
                         "کارروائیاں جاری ہیں۔");
  kh_article later = art("later", "app", "2014-08-03", "چین: فیکٹری دھماکے کے مزید زخمی دم توڑ گئے",
                         "چین کے صوبے جیانگسو کی فیکٹری میں ہونے والے دھماکے کے زخمیوں میں سے مزید تین "
                         "ہسپتال میں دم توڑ گئے۔ حکام کے مطابق امدادی کارروائیاں مکمل ہو گئی ہیں اور "
                         "تحقیقات شروع کر دی گئی ہیں۔ مرنے والوں کی تعداد 68 ہو گئی ہے۔");
  kh_article hockey1 = art("oman", "app", "2014-09-27", "ایشین گیمز ہاکی: پاکستان نے اومان کو ہرا دیا",
                           "ایشین گیمز ہاکی کے لیگ میچ میں پاکستان نے اومان کو 8-0 سے شکست دے دی۔ "
                           "عمران، عرفان اور عبدالحسیم خان نے دو دو گول کیے۔");
  kh_article hockey2 = art("india", "app", "2014-09-25", "ایشین گیمز ہاکی: پاکستان نے بھارت کو ہرا دیا",
                           "ایشین گیمز ہاکی میں پاکستان نے روایتی حریف بھارت کو 2-1 سے ہرا کر سیمی فائنل "
                           "میں جگہ بنا لی۔ پاکستان کی ٹیم لیگ میں ناقابل شکست رہی۔");
  kh_article *all[] = {&first, &later, &hockey1, &hockey2};
  static const rr_case cases[] = {
      {"چین OR فیکٹری OR دھماکہ OR 68 OR افراد OR ہلاک", "first", "later"},
      {"ہاکی OR پاکستان OR اومان OR آٹھ OR بھارت OR سیمی OR فائنل", "india", "oman"},
  };
  return rerank_cases(all, sizeof all / sizeof *all, cases, sizeof cases / sizeof *cases);
}

/* Known-item search on COUNTER (bench/store_counter.c, fewer details): the
** 600 agency sources stored, each derived headline's words searched with
** OR.  Re-ranking must lift MRR@10 above plain BM25 and above a floor. */
static int counter_item(void *ctx, const kh_hit *h) {
  int *ids = ctx;
  for (int k = 0; k < 10; k++)
    if (!ids[k]) {
      ids[k] = atoi(h->id);
      break;
    }
  return 0;
}

TEST(store_rerank_counter_known_item) {
  size_t len;
  char *text = test_read_data("counter/counter.jsonl", &len);
  if (!text) SKIP("../shared/data/counter absent");
  static char *title[601], *body[601], *head[601];
  int n = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    json_t *o = json_loads(line, 0, NULL);
    if (!o) continue;
    int pair = atoi(json_string_value(json_object_get(o, "counter_pair")));
    const char *role = json_string_value(json_object_get(o, "counter_role"));
    if (pair >= 1 && pair <= 600 && role) {
      if (!strcmp(role, "source")) {
        title[pair] = strdup(json_string_value(json_object_get(o, "title")));
        body[pair] = strdup(json_string_value(json_object_get(o, "body")));
        n++;
      } else {
        head[pair] = strdup(json_string_value(json_object_get(o, "title")));
      }
    }
    json_decref(o);
  }
  free(text);
  ASSERT_INT_EQ(n, 600);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
  static int stored_as[601], row_pair[2000];
  for (int i = 1; i <= 600; i++) {
    char id[16];
    snprintf(id, sizeof id, "%d", i);
    kh_article a = art(id, "counter", NULL, title[i], body[i]);
    int64_t row = 0;
    int rc = kh_db_put_article(db, &a, &row);
    ASSERT(rc == 0 || rc == KH_DUPLICATE);
    ASSERT(row > 0 && row < 2000);
    if (rc == 0) row_pair[row] = i;
    stored_as[i] = row_pair[row];
  }
  double mrr[2] = {0, 0};
  for (int mode = 0; mode < 2; mode++) {
    kh_search_opts o = {.limit = 10, .no_rerank = !mode};
    for (int i = 1; i <= 600; i++) {
      /* the headline's words of 2+ letters, quote marks dropped, joined by OR */
      char q[4096];
      size_t k = 0;
      for (char *w = head[i]; *w && k < sizeof q - 64;) {
        while (*w == ' ') w++;
        char *e = w;
        while (*e && *e != ' ') e++;
        size_t cps = 0;
        for (char *c = w; c < e; c++) cps += ((unsigned char)*c & 0xC0) != 0x80;
        if (cps >= 2) {
          size_t mark = k;
          k += (size_t)snprintf(q + k, sizeof q - k, "%s\"", k ? " OR " : "");
          size_t inner = k;
          for (char *c = w; c < e && k < sizeof q - 8; c++) {
            if (*c == '"') continue;
            if ((unsigned char)c[0] == 0xE2 && (unsigned char)c[1] == 0x80 &&
                ((unsigned char)c[2] == 0x9C || (unsigned char)c[2] == 0x9D)) {
              c += 2;
              continue;
            }
            q[k++] = *c;
          }
          if (k == inner) k = mark;
          else q[k++] = '"';
        }
        w = e;
      }
      q[k] = '\0';
      int ids[10] = {0};
      ASSERT_INT_EQ(kh_search(db, q, &o, counter_item, ids), 0);
      /* identical sources are stored once: they follow their stored copy */
      int rank = 0, pos = 0;
      for (int h = 0; h < 10 && ids[h] && !rank; h++)
        for (int j = ids[h]; j <= 600 && pos < 10 && !rank; j++)
          if (j == ids[h] || stored_as[j] == ids[h]) {
            pos++;
            if (j == i) rank = pos;
          }
      if (rank) mrr[mode] += 1.0 / rank;
    }
    mrr[mode] /= 600;
  }
  fprintf(stderr, "  COUNTER MRR@10: BM25 %.3f, re-ranked %.3f\n", mrr[0], mrr[1]);
  ASSERT(mrr[0] > 0.80);            /* the first stage works */
  ASSERT(mrr[1] > mrr[0] + 0.005);  /* re-ranking helps */
  ASSERT(mrr[1] >= RERANK_FLOOR);   /* and reaches the measured level */
  kh_db_close(db);
  for (int i = 1; i <= 600; i++) free(title[i]), free(body[i]), free(head[i]);
  return 0;
}

/* Failing allocations inside the re-ranking: the search fails cleanly. */
TEST(store_rerank_fail_nth_allocation) {
  int completed = 0;
  for (long k = 1; k < 3000 && !completed; k++) {
    kh_db *db = NULL;
    ASSERT_INT_EQ(kh_db_open(":memory:", &db), 0);
    kh_article a = art("a1", "awaz", NULL, "کراچی میں بارش", B1);
    kh_article b = art("a2", "awaz", NULL, "کراچی میں بارش کے بعد", "کراچی کے نشیبی علاقوں میں بارش کا پانی جمع ہو گیا اور بارش جاری رہی۔");
    ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
    ASSERT_INT_EQ(kh_db_put_article(db, &b, NULL), 0);
    test_failer f = {k, 0};
    kh_set_allocator(test_failing_realloc, &f);
    hits r;
    int rc = search(db, "کراچی بارش OR پانی", NULL, &r);
    kh_set_allocator(NULL, NULL);
    kh_db_close(db);
    if (rc != 0 && rc != KH_ENOMEM) FAIL("search at %ld: %d", k, rc);
    completed = rc == 0 && f.calls < k;
    if (completed) ASSERT_INT_EQ(r.n, 2);
  }
  ASSERT(completed);
  return 0;
}

/* A headline's figure in other units than its source's (5 ملین = 50 لاکھ,
** 1 کروڑ = 10 ملین): two reports of one appeal, the headline's figure is
** the right one's only as a value.  BM25 puts the other report first; the
** re-ranking (the number share with unit words, KH__RR_FNUMU) the right one. */
TEST(store_rerank_headline_units) {
  kh_article pledge = art("pledge", "app", "2014-09-10", "سعودی عرب کا پاکستان کے سیلاب زدگان کے لیے امداد کا اعلان",
                          "سعودی عرب نے پاکستان میں سیلاب سے متاثرہ افراد کی مدد کے لیے ایک کروڑ ڈالر دینے کا "
                          "اعلان کیا ہے۔ سعودی سفیر نے بتایا کہ امداد کی رقم 1 کروڑ ڈالر ہوگی جو متاثرین کی "
                          "بحالی پر خرچ ہوگی۔");
  kh_article first = art("first", "app", "2014-09-05", "سعودی عرب کی سیلاب زدگان کے لیے امداد، ڈالر کی پہلی قسط",
                         "سعودی عرب نے سیلاب زدگان کی امداد کے لیے پہلی قسط کے طور پر 50 لاکھ ڈالر جاری کر "
                         "دیے۔ سعودی عرب کی امداد سے خیمے اور خوراک خریدی جائے گی۔ ڈالر کی یہ رقم امدادی "
                         "اداروں کو دی گئی۔");
  kh_article *all[] = {&pledge, &first};
  static const rr_case cases[] = {
      {"سعودی OR عرب OR سیلاب OR زدگان OR 10 OR ملین OR ڈالر OR امداد", "first", "pledge"},
      {"سعودی OR عرب OR سیلاب OR زدگان OR 5 OR ملین OR ڈالر OR امداد", "first", "first"},
  };
  return rerank_cases(all, sizeof all / sizeof *all, cases, sizeof cases / sizeof *cases);
}

/* A headline rounds its source's figures: the stock exchange report of one
** day says the index fell 268.36 points, the newspaper's headline "268
** پوائنٹس"; the dollar closed at 102.95, the headline "103".  In the number
** share (KH__RR_FNUMU) a candidate's number with a fraction also stands for
** its integer part and for itself rounded (from 10 on), so the re-ranked
** search finds the day's report that BM25 puts second. */
TEST(store_rerank_headline_rounded) {
  kh_article tue = art("tue", "app", "2015-04-28", "کے ایس ای 100 انڈیکس 268.36 پوائنٹس کی کمی سے 33575.94 پوائنٹس پر بند",
                       "کراچی اسٹاک ایکسچینج میں منگل کو کاروبار کے دوران کے ایس ای 100 انڈیکس 268.36 "
                       "پوائنٹس کی کمی سے 33575.94 پوائنٹس پر بند ہوا۔ کے ایس ای 30 انڈیکس بھی 209.59 "
                       "پوائنٹس کم ہوا۔");
  kh_article wed = art("wed", "app", "2015-04-29", "کراچی اسٹاک ایکسچینج میں مندی کا رجحان، انڈیکس 47.97 پوائنٹس کم",
                       "کراچی اسٹاک ایکسچینج میں بدھ کو بھی مندی کا رجحان رہا اور کے ایس ای 100 انڈیکس "
                       "47.97 پوائنٹس کی کمی سے 33527.97 پوائنٹس پر بند ہوا۔ کراچی اسٹاک ایکسچینج میں "
                       "مندی کے باعث سرمایہ کاروں کے اربوں روپے ڈوب گئے۔");
  kh_article up = art("up", "app", "2014-09-16", "امریکی ڈالر اور برطانوی پاؤنڈ کی قدر میں اضافہ",
                      "اوپن مارکیٹ میں امریکی ڈالر کی قدر میں 45 پیسے کا اضافہ ہوا اور ڈالر 102.95 روپے "
                      "میں فروخت ہوا۔ برطانوی پاؤنڈ کی قدر بھی بڑھ گئی۔");
  kh_article down = art("down", "app", "2014-09-17", "اوپن مارکیٹ میں امریکی ڈالر کی قدر میں کمی",
                        "اوپن مارکیٹ میں امریکی ڈالر کی قدر میں کمی ہوئی اور ڈالر 102.40 روپے پر آ گیا۔ "
                        "انٹر بینک میں ڈالر کی قدر 102.20 روپے رہی۔ اوپن مارکیٹ میں کاروبار محدود رہا۔");
  kh_article *all[] = {&tue, &wed, &up, &down};
  static const rr_case cases[] = {
      {"کراچی OR سٹاک OR انڈیکس OR میں OR 268 OR پوائنٹس OR کی OR مندی", "wed", "tue"},
      {"اوپن OR مارکیٹ OR میں OR ڈالر OR کی OR قدر OR 103 OR روپے", "down", "up"},
  };
  return rerank_cases(all, sizeof all / sizeof *all, cases, sizeof cases / sizeof *cases);
}
