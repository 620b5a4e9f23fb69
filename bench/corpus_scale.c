/*
** corpus_scale.c — cost of adding one article (fingerprint, LSH bands,
** story assignment, with the store's own insert and FTS5 indexing) as the
** corpus grows.  The corpus is RECOMBINED from real sentences: each
** synthetic article takes a random pk-news-2024 article's title and 6-14
** sentences drawn from that article and two others of the same category,
** published 400 articles a day.  Prints articles/s for each block of
** articles, with the corpus hook on and, as the peer in the same run, a
** second database without it (store only), so the ratio shows what the
** corpus layer adds and whether that grows with the corpus.  Each block
** is timed in wall clock and in process CPU time (the machine is shared),
** with the resident set size after it; a total line closes the run.
**
**   make bench && ./build/bench/corpus_scale [N (default 40000)] [--data DIR] [--only 0|1]
**   ./build/bench/corpus_scale N --jsonl FILE   (the same N articles as JSON Lines, for khabar ingest)
**   ./build/bench/corpus_scale --u61 FILE DB    (the peer of `khabar ingest FILE`: plain SQLite,
**        article table + external-content FTS5 unicode61, batches of KH_DB_BATCH, the page
**        cache, checkpoint interval and FTS5 hashsize kh_db_open and db.c set,
**        JSON parsed by jansson; prints CPU and wall seconds)
*/
#include "khabar.h"

#include <jansson.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXA 3000
static char *title[MAXA], *cat[MAXA];
static size_t sst[MAXA][64], sen[MAXA][64];
static int nsent[MAXA];
static char *body[MAXA];
static int na;

static int on_sent(void *ctx, size_t s, size_t e) {
  int i = *(int *)ctx;
  if (nsent[i] < 64) {
    sst[i][nsent[i]] = s;
    sen[i][nsent[i]++] = e;
  }
  return 0;
}

static uint64_t rs = 0x12345678;
static uint32_t rnd(void) {
  rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rs >> 33);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident set size now, MB (/proc/self/statm). */
static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return res * (double)sysconf(_SC_PAGESIZE) / 1e6;
}

/* Build synthetic article k into buf; returns its title index. */
static int make(int k, char *buf, size_t cap, size_t *len, char *date) {
  int a = (int)(rnd() % na), b, c;
  do b = (int)(rnd() % na); while (strcmp(cat[b], cat[a]));
  do c = (int)(rnd() % na); while (strcmp(cat[c], cat[a]));
  int picks[3] = {a, b, c}, m = 6 + (int)(rnd() % 9);
  size_t n = 0;
  for (int j = 0; j < m; j++) {
    int src = picks[j < m / 2 ? 0 : 1 + (int)(rnd() % 2)];
    if (!nsent[src]) continue;
    int s = (int)(rnd() % nsent[src]);
    size_t l = sen[src][s] - sst[src][s];
    if (n + l + 2 >= cap) break;
    memcpy(buf + n, body[src] + sst[src][s], l);
    n += l;
    buf[n++] = ' ';
  }
  *len = n;
  int day = k / 400;
  snprintf(date, 16, "2024-%02d-%02d", 1 + (day / 28) % 12, 1 + day % 28);
  return a;
}

static int count_hit(void *ctx, const kh_reuse_hit *h) {
  (void)h;
  (*(long *)ctx)++;
  return 0;
}

static double cpu_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Plain FTS5 + unicode61 ingest of a JSON Lines file (the peer). */
static int u61_ingest(const char *in, const char *path) {
  FILE *f = fopen(in, "r");
  sqlite3 *db;
  if (!f || sqlite3_open(path, &db) != SQLITE_OK) return 1;
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  double c0 = cpu_now();
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
               "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384;"
               "CREATE TABLE article(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, source TEXT, published TEXT,"
               " title TEXT, body TEXT);"
               "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article',"
               " content_rowid='rowid', tokenize='unicode61');"
               "INSERT INTO article_fts(article_fts, rank) VALUES ('hashsize', 16777216);"
               "INSERT INTO article_fts(article_fts, rank) VALUES ('automerge', 8);",
               NULL, NULL, NULL);
  sqlite3_stmt *a, *x;
  if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO article(id, source, published, title, body) VALUES (?,?,?,?,?)",
                         -1, &a, NULL) ||
      sqlite3_prepare_v2(db, "INSERT INTO article_fts(rowid, title, body) VALUES (?1, ?2, ?3)", -1, &x, NULL))
    return 1;
  char *line = NULL;
  size_t cap = 0;
  long n = 0;
  while (getline(&line, &cap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    if (!o) continue;
    if (n % KH_DB_BATCH == 0) sqlite3_exec(db, n ? "COMMIT; BEGIN" : "BEGIN", NULL, NULL, NULL);
    const char *k[5] = {"id", "source", "published", "title", "body"};
    for (int i = 0; i < 5; i++) sqlite3_bind_text(a, i + 1, json_string_value(json_object_get(o, k[i])), -1, SQLITE_STATIC);
    int rc = sqlite3_step(a);
    sqlite3_reset(a);
    if (rc == SQLITE_DONE && sqlite3_changes(db)) {
      sqlite3_bind_int64(x, 1, sqlite3_last_insert_rowid(db));
      sqlite3_bind_text(x, 2, json_string_value(json_object_get(o, "title")), -1, SQLITE_STATIC);
      sqlite3_bind_text(x, 3, json_string_value(json_object_get(o, "body")), -1, SQLITE_STATIC);
      sqlite3_step(x);
      sqlite3_reset(x);
      n++;
    }
    json_decref(o);
  }
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_finalize(a);
  sqlite3_finalize(x);
  sqlite3_close(db);
  free(line);
  fclose(f);
  clock_gettime(CLOCK_MONOTONIC, &w1);
  printf("u61 ingest of %s: %ld articles, %.1f s CPU, %.1f s wall\n", in, n, cpu_now() - c0,
         (w1.tv_sec - w0.tv_sec) + 1e-9 * (w1.tv_nsec - w0.tv_nsec));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "--u61")) return u61_ingest(argv[2], argv[3]);
  const char *data = KH_SOURCE_DIR "/../shared/data";
  int N = 40000, only = -1; /* --only 0|1: one side (for profiling) */
  const char *jsonl = NULL;   /* --jsonl FILE: write the N articles as JSON Lines and stop */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(argv[i], "--jsonl") && i + 1 < argc) jsonl = argv[++i];
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = atoi(argv[++i]);
    else N = atoi(argv[i]);
  }
  char p[4096];
  snprintf(p, sizeof p, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  FILE *f = fopen(p, "r");
  if (!f) return 1;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0 && na < MAXA) {
    json_t *o = json_loads(line, 0, NULL);
    const char *t = json_string_value(json_object_get(o, "title")), *bd = json_string_value(json_object_get(o, "body")),
               *c = json_string_value(json_object_get(o, "category"));
    if (t && bd && c) {
      title[na] = strdup(t);
      body[na] = strdup(bd);
      cat[na] = strdup(c);
      kh_sentences(body[na], strlen(body[na]), on_sent, &na);
      na++;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  static char buf[64 * 1024];
  if (jsonl) { /* the same articles for `khabar ingest` */
    FILE *out = fopen(jsonl, "w");
    if (!out) return 1;
    for (int k = 0; k < N; k++) {
      size_t len;
      char date[16], id[32];
      int a = make(k, buf, sizeof buf, &len, date);
      snprintf(id, sizeof id, "s%d", k);
      json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s%}", "id", id, "source", "synthetic", "published", date,
                            "title", title[a], "body", buf, len);
      char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
      if (!js) return 1;
      fprintf(out, "%s\n", js);
      free(js);
      json_decref(o);
    }
    fclose(out);
    printf("wrote %d recombined articles to %s\n", N, jsonl);
    return 0;
  }
  char path[2][256];
  kh_db *db[2];
  for (int w = 0; w < 2; w++) {
    snprintf(path[w], sizeof path[w], "/tmp/khabar-scale-%d-%d.db", (int)getpid(), w);
    if (kh_db_open(path[w], &db[w])) return 1;
  }
  kh_corpus_attach(db[0]);
  printf("recombined corpus from %d pk-news-2024 articles' sentences; %d articles, 400 a day\n", na, N);
  printf("%-18s %13s %13s %7s | %13s %13s %7s | %8s\n", "articles", "corpus/s", "store/s", "ratio",
         "corpus/CPU-s", "store/CPU-s", "ratio", "RSS MB");
  int block = N >= 1000000 ? 100000 : N >= 40000 ? 10000 : N / 4 > 0 ? N / 4 : 1;
  double t[2] = {0, 0}, c[2] = {0, 0}, tt[2] = {0, 0}, ct[2] = {0, 0};
  uint64_t seed_state = rs;
  for (int k0 = 0; k0 < N; k0 += block) {
    for (int w = 0; w < 2; w++) {
      if (only >= 0 && w != only) {
        t[w] = c[w] = 1e-9;
        continue;
      }
      rs = seed_state; /* same articles in both databases */
      double t0 = now(), c0 = cpu();
      for (int k = k0; k < k0 + block && k < N; k++) {
        size_t len;
        char date[16], id[32];
        int a = make(k, buf, sizeof buf, &len, date);
        snprintf(id, sizeof id, "s%d", k);
        kh_article art = {0};
        art.id = id;
        art.id_len = strlen(id);
        art.title = title[a];
        art.title_len = strlen(title[a]);
        art.body = buf;
        art.body_len = len;
        art.published = date;
        art.published_len = strlen(date);
        art.source = "synthetic";
        art.source_len = 9;
        if (kh_db_put_article(db[w], &art, NULL) < 0) return 1;
      }
      kh_db_commit(db[w]);
      t[w] = now() - t0;
      c[w] = cpu() - c0;
      tt[w] += t[w];
      ct[w] += c[w];
    }
    seed_state = rs;
    int nb = k0 + block <= N ? block : N - k0;
    printf("%7d - %-8d %13.0f %13.0f %7.2f | %13.0f %13.0f %7.2f | %8.0f\n", k0, k0 + nb, nb / t[0],
           nb / t[1], t[0] / t[1], nb / c[0], nb / c[1], c[0] / c[1], rss_mb());
    fflush(stdout);
  }
  printf("total %d articles: with corpus %.1f s wall %.1f s CPU (%.0f/s wall); store only %.1f s wall "
         "%.1f s CPU (%.0f/s wall); ratio wall %.2f CPU %.2f\n",
         N, tt[0], ct[0], N / tt[0], tt[1], ct[1], N / tt[1], tt[0] / tt[1], ct[0] / ct[1]);
  /* the LSH lookup at this size: kh_corpus_reuse for 20 articles spread over the corpus */
  if (only != 1) {
    double t0 = now(), c0 = cpu();
    long hits = 0;
    for (int i = 0; i < 20; i++) {
      char id[32];
      snprintf(id, sizeof id, "s%d", (int)((long)N * i / 20 + N / 40));
      if (kh_corpus_reuse(db[0], id, count_hit, &hits) < 0) return 1;
    }
    printf("kh_corpus_reuse at %d articles: %.1f ms wall %.1f ms CPU a lookup (20 lookups, %ld articles "
           "listed)\n",
           N, (now() - t0) * 50, (cpu() - c0) * 50, hits);
  }
  for (int w = 0; w < 2; w++) {
    kh_db_close(db[w]);
    char x[600];
    unlink(path[w]);
    snprintf(x, sizeof x, "%s-wal", path[w]);
    unlink(x);
    snprintf(x, sizeof x, "%s-shm", path[w]);
    unlink(x);
  }
  return 0;
}
