/*
** store_counter.c — known-item search on COUNTER (../shared/data/counter):
** index the 600 agency source texts (title + body), query with each
** newspaper (derived) text's headline words longer than one letter joined by
** OR, and find the rank of its true source.  Prints MRR@10 and R@1 for
** SQLite FTS5's unicode61 tokenizer and for khabar's tokenizer (with and
** without colocated stems, without fused-word splitting), all in one run on
** the same documents and the same query words.
**
**   make bench && ./build/bench/store_counter [../shared/data]
*/
#include "khabar.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPAIR 600

typedef struct doc {
  char *title, *body;
} doc;

static doc src[NPAIR + 1], der[NPAIR + 1];

static int load(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s/counter/counter.jsonl", dir);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    if (!o) continue;
    int pair = atoi(json_string_value(json_object_get(o, "counter_pair")));
    const char *role = json_string_value(json_object_get(o, "counter_role"));
    doc *d = !strcmp(role, "source") ? &src[pair] : &der[pair];
    if (pair >= 1 && pair <= NPAIR) {
      d->title = strdup(json_string_value(json_object_get(o, "title")));
      d->body = strdup(json_string_value(json_object_get(o, "body")));
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  return 0;
}

static size_t utf8_len(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}

/* The headline's whitespace-separated words longer than one letter, each a
** quoted FTS5 string, joined by OR. */
static char *or_query(const char *title) {
  size_t cap = strlen(title) * 3 + 16, k = 0;
  char *q = malloc(cap);
  const char *p = title;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    const char *w = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
    size_t n = (size_t)(p - w);
    if (n == 0 || utf8_len(w, n) < 2) continue;
    if (k) k += (size_t)snprintf(q + k, cap - k, " OR ");
    q[k++] = '"';
    for (size_t i = 0; i < n; i++) {
      if (w[i] == '"') q[k++] = '"';
      q[k++] = w[i];
    }
    q[k++] = '"';
  }
  q[k] = '\0';
  return q;
}

typedef struct result {
  double mrr, r1, index_s, query_s;
  int failed;
} result;

/* Build one FTS5 table over the sources; returns seconds of CPU it took. */
static double build(sqlite3 *db, const char *name, const char *tokenize, int title_col) {
  char sql[512];
  snprintf(sql, sizeof sql,
           title_col ? "CREATE VIRTUAL TABLE %s USING fts5(title, body, tokenize=\"%s\")"
                     : "CREATE VIRTUAL TABLE %s USING fts5(text, tokenize=\"%s\")",
           name, tokenize);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL)) {
    fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    exit(1);
  }
  sqlite3_stmt *ins;
  snprintf(sql, sizeof sql,
           title_col ? "INSERT INTO %s(rowid, title, body) VALUES (?1, ?2, ?3)"
                     : "INSERT INTO %s(rowid, text) VALUES (?1, ?2 || char(10) || ?3)",
           name);
  sqlite3_prepare_v2(db, sql, -1, &ins, NULL);
  clock_t t0 = clock();
  sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
  for (int i = 1; i <= NPAIR; i++) {
    sqlite3_reset(ins);
    sqlite3_bind_int(ins, 1, i);
    sqlite3_bind_text(ins, 2, src[i].title, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, src[i].body, -1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
  }
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_finalize(ins);
  return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

/* Rank every derived headline's OR query against table name, ordered by order. */
static result eval(sqlite3 *db, const char *name, const char *order) {
  result r = {0};
  char sql[512];
  sqlite3_stmt *q;
  snprintf(sql, sizeof sql, "SELECT rowid FROM %s WHERE %s MATCH ?1 ORDER BY %s LIMIT 10", name, name,
           order);
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL)) {
    fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    exit(1);
  }
  clock_t t0 = clock();
  for (int i = 1; i <= NPAIR; i++) {
    char *m = or_query(der[i].title);
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, m, -1, SQLITE_TRANSIENT);
    int rank = 0, found = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      rank++;
      if (sqlite3_column_int(q, 0) == i) {
        found = rank;
        break;
      }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) r.failed++;
    if (found) r.mrr += 1.0 / found;
    if (found == 1) r.r1 += 1;
    if (getenv("MISSES") && !strcmp(getenv("MISSES"), name) && found != 1)
      printf("miss %d rank %d\n  q: %s\n  s: %s\n", i, found, der[i].title, src[i].title);
    free(m);
  }
  r.query_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
  sqlite3_finalize(q);
  r.mrr /= NPAIR;
  r.r1 /= NPAIR;
  return r;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../shared/data";
  if (load(dir)) {
    fprintf(stderr, "cannot read %s/counter/counter.jsonl\n", dir);
    return 1;
  }
  for (int i = 1; i <= NPAIR; i++)
    if (!src[i].title || !der[i].title) {
      fprintf(stderr, "pair %d incomplete\n", i);
      return 1;
    }
  sqlite3 *db;
  sqlite3_open(":memory:", &db);
  if (kh_fts5_register(db)) return 1;
  static const struct {
    const char *name, *tok;
    int title_col;
  } cfg[] = {
      {"u61", "unicode61", 0},
      {"u61_rd", "unicode61 remove_diacritics 2", 0},
      {"kh", "khabar", 0},
      {"kh_nostem", "khabar nostem", 0},
      {"kh_nosplit", "khabar nosplit", 0},
      {"kh_nostem_nosplit", "khabar nostem nosplit", 0},
      {"kh_skel", "khabar skel", 0},
      {"kh_nostem_skel", "khabar nostem skel", 0},
  };
  printf("COUNTER known-item search: %d agency sources indexed (title + body, one column);\n"
         "query = the derived text's headline words longer than one letter, each quoted, joined\n"
         "by OR; rank of the true source among the top 10.\n\n",
         NPAIR);
  printf("%-18s %-30s %-26s %7s %6s %8s %8s\n", "table", "tokenize", "rank", "MRR@10", "R@1",
         "index s", "query s");
  for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
    double ix = build(db, cfg[i].name, cfg[i].tok, cfg[i].title_col);
    result r = eval(db, cfg[i].name, "rank");
    printf("%-18s %-30s %-26s %7.3f %6.3f %8.3f %8.3f%s\n", cfg[i].name, cfg[i].tok, "bm25 (k1 1.2, b 0.75)",
           r.mrr, r.r1, ix, r.query_s, r.failed ? "  (query errors)" : "");
  }
  printf("(GRID=1 also tries khabar_bm25 over k1 x b; MISSES=TABLE lists the misses of one table)\n");
  if (getenv("GRID")) { /* k1 x b on the khabar and unicode61 tables */
    static const char *const tabs[] = {"u61", "kh", "kh_skel"};
    static const double k1s[] = {0.5, 0.8, 1.2, 1.6, 2.0, 3.0}, bs[] = {0.3, 0.5, 0.75, 0.9, 1.0};
    for (int t = 0; t < 3; t++)
      for (int a = 0; a < 6; a++)
        for (int c = 0; c < 5; c++) {
          char order[128];
          snprintf(order, sizeof order, "khabar_bm25(%s, %.2f, %.2f)", tabs[t], k1s[a], bs[c]);
          result r = eval(db, tabs[t], order);
          printf("grid %-8s k1 %.2f b %.2f  MRR@10 %.3f R@1 %.3f\n", tabs[t], k1s[a], bs[c], r.mrr, r.r1);
        }
  }
  sqlite3_close(db);
  return 0;
}
