/*
** store_variants.c — the forms a user may type for the same word: with
** diacritics, with Arabic instead of Urdu letters, fused or spaced, Urdu or
** Arabic-Indic digits.  pk-news-2024 + COUNTER are indexed twice, with
** khabar's tokenizer and with FTS5 unicode61 (remove_diacritics 2, its most
** forgiving setting); for each variant the number of articles it finds is
** printed next to what the plain form finds.  Same run, same articles.
**
**   make bench && ./build/bench/store_variants [../shared/data]
*/
#include "khabar.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load(sqlite3 *db, const char *dir, const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  sqlite3_stmt *k, *u;
  sqlite3_prepare_v2(db, "INSERT INTO k(title, body) VALUES (?1, ?2)", -1, &k, NULL);
  sqlite3_prepare_v2(db, "INSERT INTO u(title, body) VALUES (?1, ?2)", -1, &u, NULL);
  char *line = NULL;
  size_t cap = 0;
  sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
  while (getline(&line, &cap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    if (!o) continue;
    for (int t = 0; t < 2; t++) {
      sqlite3_stmt *s = t ? u : k;
      sqlite3_bind_text(s, 1, json_string_value(json_object_get(o, "title")), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s, 2, json_string_value(json_object_get(o, "body")), -1, SQLITE_TRANSIENT);
      sqlite3_step(s);
      sqlite3_reset(s);
    }
    json_decref(o);
  }
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_finalize(k);
  sqlite3_finalize(u);
  free(line);
  fclose(f);
}

static int count(sqlite3 *db, const char *table, const char *q) {
  char sql[128], m[512];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s MATCH ?1", table, table);
  snprintf(m, sizeof m, "\"%s\"", q);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
  int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  return n;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../shared/data";
  sqlite3 *db;
  sqlite3_open(":memory:", &db);
  kh_fts5_register(db);
  sqlite3_exec(db,
               "CREATE VIRTUAL TABLE k USING fts5(title, body, tokenize='khabar');"
               "CREATE VIRTUAL TABLE u USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');",
               NULL, NULL, NULL);
  load(db, dir, "pk-news-2024/pk-news-2024.jsonl");
  load(db, dir, "counter/counter.jsonl");
  static const struct {
    const char *kind, *plain, *variant;
  } v[] = {
      {"diacritic (zer)", "پاکستان", "پاکِستان"},
      {"diacritics", "حکومت", "حُکُومت"},
      {"shadda", "محمد", "محمّد"},
      {"Arabic kaf", "کراچی", "كراچی"},
      {"Arabic yeh", "پاکستانی", "پاكستاني"},
      {"Arabic heh", "کہا", "كها"},
      {"Arabic yeh", "وزیر", "وزير"},
      {"tatweel", "عمران", "عمـــران"},
      {"ZWNJ inside", "وزیراعظم", "وزیر\xE2\x80\x8Cاعظم"},
      {"spaced multiword", "وزیراعظم", "وزیر اعظم"},
      {"fused", "کے لئے", "کیلئے"},
      {"fused", "کے خلاف", "کیخلاف"},
      {"Urdu digits", "2024", "۲۰۲۴"},
      {"Arabic-Indic digits", "2024", "٢٠٢٤"},
      {"Urdu digits", "100", "۱۰۰"},
  };
  printf("articles: pk-news-2024 + COUNTER (3,741). Count of articles matching each form\n"
         "(FTS5 phrase query); khabar = tokenize='khabar', u61 = unicode61 remove_diacritics 2.\n\n");
  printf("%-20s %-14s %-16s %8s %8s %8s %8s\n", "variant", "plain", "typed", "kh plain", "kh typed",
         "u61 plain", "u61 typed");
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    printf("%-20s %-14s %-16s %8d %8d %8d %8d\n", v[i].kind, v[i].plain, v[i].variant, count(db, "k", v[i].plain),
           count(db, "k", v[i].variant), count(db, "u", v[i].plain), count(db, "u", v[i].variant));
  }
  sqlite3_close(db);
  return 0;
}
