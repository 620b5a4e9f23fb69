/*
** store_ingest.c — ingest speed and database size of the store against plain
** SQLite FTS5 with unicode61, in one run on the same articles:
**
**   u61      article table + external-content FTS5(title, body), unicode61
**   khtok    the same tables with tokenize='khabar' (the tokenizer's cost alone)
**   khtok+s  the same with tokenize='khabar skel' (colocated name skeletons)
**   khabar   kh_db_put_article: content hash, duplicate checks, dates, khabar FTS5
**
** All write KH_DB_BATCH (2,000) articles per transaction to a WAL file with
** synchronous=NORMAL.
** Input: pk-news-2024 + COUNTER (real articles), or with a size argument in MB
** a corpus recombined from their sentences (said in the output).  Each
** configuration runs 5 times (once for a recombined corpus over 50 MB),
** alternating; the best time counts.
**
**   make bench && ./build/bench/store_ingest [../shared/data] [MB]
**   ING_RUNS=khabar ...   only u61 (the peer) and khabar; ING_REPS=n repetitions
**   ONLY_KHABAR=1 / ONLY_U61=1 ... one side alone, ING_REPS times (for a profiler)
**   ING_KEEP=1 ...        keep the last khabar file (its path is printed)
**   ING_INTERLEAVE=1 ...  u61 and khabar in turns, a batch (KH_DB_BATCH) each (fair under a
**                         changing load; one pass, CPU ratio printed every tenth)
**   ING_PIPE=1 ...        WALL time as a user sees it: khabar's own ingest (kh_ingest_path on
**                         the articles written out as JSON Lines: reading and parsing them
**                         too, a second thread preparing the next ones, as `khabar ingest`
**                         does but without the analyze and corpus hooks) against the peer
**                         inserting the same articles from memory (its parsing not timed);
**                         u61 and khabar alternate ING_REPS times (default 3; the median of
**                         the repetitions' ratios is printed too).  Wall time
**                         means what it says only on an otherwise idle machine; ING_PIPE=khabar
**                         runs khabar alone (for a profiler).
** The resident set size is sampled after every tenth of the khabar run.
** Each repetition prints its own CPU ratios and the load average, so their
** spread under a shared machine's load shows.
** Both get the same page cache (64 MB) and checkpoint interval (16384
** pages) as kh_db_open sets, and the FTS5 hashsize (16 MB) and automerge (8) of db.c.
** Each side is timed through its close (kh_db_close; sqlite3_close for the
** peers): the last connection's close copies the WAL into the file, which
** kh_db_close always paid and the peers' timing left out until stop 15.
*/
#include "khabar.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct art {
  char *id, *source, *title, *body;
} art;

static art *arts;
static size_t narts, cap_arts;
static double raw_bytes;

static void add(const char *id, const char *source, const char *title, const char *body) {
  if (narts == cap_arts) {
    cap_arts = cap_arts ? cap_arts * 2 : 4096;
    arts = realloc(arts, cap_arts * sizeof *arts);
  }
  arts[narts++] = (art){strdup(id), strdup(source ? source : ""), strdup(title), strdup(body)};
  raw_bytes += (double)(strlen(title) + strlen(body));
}

static int load(const char *dir, const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    if (!o) continue;
    const char *t = json_string_value(json_object_get(o, "title"));
    const char *b = json_string_value(json_object_get(o, "body"));
    if (t && b)
      add(json_string_value(json_object_get(o, "id")), json_string_value(json_object_get(o, "source")), t, b);
    json_decref(o);
  }
  free(line);
  fclose(f);
  return 0;
}

/* ---- a bigger corpus recombined from the real sentences ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void recombine(double mb) {
  /* sentences of the loaded bodies, split after ۔ */
  char **sent = NULL;
  size_t ns = 0, cs = 0;
  size_t nreal = narts;
  for (size_t i = 0; i < nreal; i++) {
    const char *p = arts[i].body;
    while (*p) {
      const char *e = strstr(p, "۔");
      size_t n = e ? (size_t)(e - p) + strlen("۔") : strlen(p);
      if (n > 20) {
        if (ns == cs) sent = realloc(sent, (cs = cs ? cs * 2 : 65536) * sizeof *sent);
        sent[ns++] = strndup(p, n);
      }
      p += n;
      while (*p == ' ' || *p == '\n') p++;
    }
  }
  for (size_t i = 0; i < nreal; i++) {
    free(arts[i].id), free(arts[i].source), free(arts[i].title), free(arts[i].body);
  }
  narts = 0;
  raw_bytes = 0;
  static const char *const outlets[] = {"express", "geo", "jang", "samaa", "dawn", "nawaiwaqt"};
  char id[32];
  size_t bcap = 1 << 16;
  char *body = malloc(bcap);
  for (size_t k = 0; raw_bytes < mb * 1e6; k++) {
    size_t len = 0, nsent = 4 + next_rand() % 16;
    for (size_t j = 0; j < nsent; j++) {
      const char *s = sent[next_rand() % ns];
      size_t n = strlen(s);
      if (len + n + 2 > bcap) break;
      memcpy(body + len, s, n);
      len += n;
      body[len++] = ' ';
    }
    body[len] = '\0';
    char title[200];
    snprintf(title, sizeof title, "%.120s", sent[next_rand() % ns]);
    /* cut the title at a character boundary */
    size_t tl = strlen(title);
    while (tl && ((unsigned char)title[tl - 1] & 0xC0) == 0x80) tl--;
    if (tl && (unsigned char)title[tl - 1] >= 0xC0) tl--;
    title[tl] = '\0';
    snprintf(id, sizeof id, "r%zu", k);
    add(id, outlets[next_rand() % 6], title, body);
  }
  free(body);
  for (size_t i = 0; i < ns; i++) free(sent[i]);
  free(sent);
}

/* ---- the runs ---- */

/* CPU seconds of this process (user + system): the machine is shared, so
** wall time mostly measures the neighbours; CPU time is what ingest costs. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double load_avg(void) {
  double l = 0;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = 0;
    fclose(f);
  }
  return l;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size now, MB (/proc/self/statm). */
static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* RSS during the last khabar run: before it, and after each tenth of it */
static double rss_at[11];

static double file_size(const char *path) {
  struct stat st;
  char p[600];
  double n = stat(path, &st) == 0 ? (double)st.st_size : 0;
  snprintf(p, sizeof p, "%s-wal", path);
  if (stat(p, &st) == 0) n += (double)st.st_size;
  return n;
}

static void rm_db(const char *path) {
  char p[600];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

/* Plain SQLite: article table + FTS5 with the given tokenizer. */
static double last_wall;

/* The FTS5 pending-terms size and automerge kh__db_begin sets on article_fts
** (db.c), so the peers' segments are as large and merged as khabar's. */
static void peer_hashsize(sqlite3 *db) {
  sqlite3_exec(db, "INSERT INTO article_fts(article_fts, rank) VALUES ('hashsize', 16777216);"
               "INSERT INTO article_fts(article_fts, rank) VALUES ('automerge', 8)", NULL, NULL, NULL);
}

static double run_plain(const char *path, const char *tokenize, double *size) {
  rm_db(path);
  sqlite3 *db;
  sqlite3_open(path, &db);
  kh_fts5_register(db);
  char sql[512];
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
  /* kh_db_open's page cache and checkpoint interval */
  sqlite3_exec(db, "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384", NULL, NULL, NULL);
  snprintf(sql, sizeof sql,
           "CREATE TABLE article(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, source TEXT, title TEXT, body TEXT);"
           "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article', content_rowid='rowid', tokenize=\"%s\");",
           tokenize);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL)) {
    fprintf(stderr, "%s\n", sqlite3_errmsg(db));
    exit(1);
  }
  peer_hashsize(db);
  sqlite3_stmt *a, *f;
  sqlite3_prepare_v2(db, "INSERT INTO article(id, source, title, body) VALUES (?1, ?2, ?3, ?4)", -1, &a, NULL);
  sqlite3_prepare_v2(db, "INSERT INTO article_fts(rowid, title, body) VALUES (?1, ?2, ?3)", -1, &f, NULL);
  double t0 = now(), w0 = wall();
  for (size_t i = 0; i < narts; i++) {
    if (i % KH_DB_BATCH == 0) sqlite3_exec(db, i ? "COMMIT; BEGIN" : "BEGIN", NULL, NULL, NULL);
    sqlite3_bind_text(a, 1, arts[i].id, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 2, arts[i].source, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 3, arts[i].title, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 4, arts[i].body, -1, SQLITE_STATIC);
    if (sqlite3_step(a) != SQLITE_DONE) fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
    sqlite3_reset(a);
    sqlite3_bind_int64(f, 1, sqlite3_last_insert_rowid(db));
    sqlite3_bind_text(f, 2, arts[i].title, -1, SQLITE_STATIC);
    sqlite3_bind_text(f, 3, arts[i].body, -1, SQLITE_STATIC);
    if (sqlite3_step(f) != SQLITE_DONE) fprintf(stderr, "fts: %s\n", sqlite3_errmsg(db));
    sqlite3_reset(f);
  }
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_finalize(a);
  sqlite3_finalize(f);
  /* timed through the close, as kh_db_close is on the khabar side: the last
  ** connection's close copies the WAL into the file (a checkpoint) */
  sqlite3_close(db);
  double t = now() - t0;
  last_wall = wall() - w0;
  *size = file_size(path);
  return t;
}

static double run_khabar(const char *path, double *size, size_t *stored) {
  rm_db(path);
  kh_db *db;
  if (kh_db_open(path, &db)) exit(1);
  rss_at[0] = rss_mb();
  double t0 = now(), w0 = wall();
  *stored = 0;
  for (size_t i = 0; i < narts; i++) {
    if (i && i % (narts / 10 + 1) == 0) rss_at[i / (narts / 10 + 1)] = rss_mb();
    kh_article a = {0};
    a.id = arts[i].id, a.id_len = strlen(a.id);
    a.source = arts[i].source, a.source_len = strlen(a.source);
    a.title = arts[i].title, a.title_len = strlen(a.title);
    a.body = arts[i].body, a.body_len = strlen(a.body);
    int rc = kh_db_put_article(db, &a, NULL);
    if (rc < 0) {
      fprintf(stderr, "put: %s\n", kh_strerror(rc));
      exit(1);
    }
    *stored += rc == 0;
  }
  kh_db_close(db);
  double t = now() - t0;
  rss_at[10] = rss_mb();
  last_wall = wall() - w0;
  sqlite3 *s;
  sqlite3_open(path, &s);
  sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  sqlite3_close(s);
  *size = file_size(path);
  return t;
}

/* ING_PIPE: the articles as JSON Lines (what kh_ingest_path reads). */
static int write_jsonl(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  for (size_t i = 0; i < narts; i++) {
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", arts[i].id, "source", arts[i].source, "title",
                          arts[i].title, "body", arts[i].body);
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (!line || fputs(line, f) < 0 || fputc('\n', f) < 0) {
      free(line);
      json_decref(o);
      fclose(f);
      return -1;
    }
    free(line);
    json_decref(o);
  }
  return fclose(f);
}

/* khabar's ingest of a JSON Lines file, pipelined (threads: 0 = the default,
** a worker thread; 1 = sequential).  Returns process CPU seconds; wall in
** last_wall. */
static double run_pipe(const char *path, const char *jsonl, int threads, double *size, size_t *stored) {
  rm_db(path);
  kh_db *db;
  if (kh_db_open(path, &db)) exit(1);
  double t0 = now(), w0 = wall();
  kh_ingest_opts o = {0};
  o.threads = threads;
  kh_ingest_stats st = {0};
  int rc = kh_ingest_path(db, jsonl, &o, &st);
  if (rc) {
    fprintf(stderr, "ingest: %s (%s)\n", kh_strerror(rc), kh_db_errmsg(db));
    exit(1);
  }
  kh_db_close(db);
  double t = now() - t0;
  last_wall = wall() - w0;
  *stored = (size_t)st.stored;
  *size = file_size(path);
  return t;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int run_pipe_bench(const char *tmp, int reps) {
  char path[512], jl[512];
  snprintf(path, sizeof path, "%s/khabar-bench-ingest-%d.db", tmp, (int)getpid());
  snprintf(jl, sizeof jl, "%s/khabar-bench-ingest-%d.jsonl", tmp, (int)getpid());
  if (write_jsonl(jl)) {
    fprintf(stderr, "cannot write %s\n", jl);
    return 1;
  }
  const char *names[] = {"u61", "khabar 2 threads", "khabar 1 thread"};
  double bc[3] = {1e30, 1e30, 1e30}, bw[3] = {1e30, 1e30, 1e30}, size[3] = {0};
  size_t stored = 0;
  int seq = getenv("ING_PIPE_SEQ") != NULL; /* also the sequential ingest path */
  double *ratio = calloc((size_t)reps, sizeof *ratio); /* each repetition's wall ratio */
  int nratio = 0;
  printf("ING_PIPE: wall seconds (and process CPU seconds), u61 from memory, khabar from %s\n", jl);
  for (int r = 0; r < reps; r++) {
    double c[3] = {0}, w[3] = {0};
    if (strcmp(getenv("ING_PIPE"), "khabar")) /* ING_PIPE=khabar: khabar alone (a profiler) */
      c[0] = run_plain(path, "unicode61", &size[0]), w[0] = last_wall;
    c[1] = run_pipe(path, jl, 0, &size[1], &stored), w[1] = last_wall;
    if (seq) c[2] = run_pipe(path, jl, 1, &size[2], &stored), w[2] = last_wall;
    printf("rep %d: u61 wall %.2f s (CPU %.2f); khabar 2 threads wall %.2f s (CPU %.2f): %.2fx u61 wall", r + 1, w[0],
           c[0], w[1], c[1], w[0] / w[1]);
    if (seq) printf("; 1 thread wall %.2f s (CPU %.2f): %.2fx", w[2], c[2], w[0] / w[2]);
    printf("  (load %.1f)\n", load_avg());
    fflush(stdout);
    if (ratio && w[0] > 0 && w[1] > 0) ratio[nratio++] = w[0] / w[1];
    for (int i = 0; i < 3; i++) {
      if (c[i] < bc[i]) bc[i] = c[i];
      if (w[i] < bw[i]) bw[i] = w[i];
    }
  }
  rm_db(path);
  unlink(jl);
  printf("%-17s %8s %7s %12s %8s %8s %7s %12s\n", "run", "wall s", "x u61", "articles/s", "MB/s", "CPU s", "x u61",
         "db/raw text");
  for (int i = 0; i < 2 + seq; i++)
    printf("%-17s %8.2f %7.2f %12.0f %8.2f %8.2f %7.2f %12.2f\n", names[i], bw[i], bw[0] / bw[i],
           (double)narts / bw[i], raw_bytes / 1e6 / bw[i], bc[i], bc[0] / bc[i], size[i] / raw_bytes);
  printf("(articles/s and MB/s per WALL second; best of %d runs each; khabar stored %zu of %zu)\n", reps,
         stored, narts);
  if (nratio > 1) { /* this machine's wall times move +-20% between runs: the spread says how much */
    qsort(ratio, (size_t)nratio, sizeof *ratio, cmp_double);
    double med = nratio % 2 ? ratio[nratio / 2] : (ratio[nratio / 2 - 1] + ratio[nratio / 2]) / 2;
    printf("khabar 2 threads / u61 wall, per repetition: median %.2fx, min %.2fx, max %.2fx (%d repetitions)\n", med,
           ratio[0], ratio[nratio - 1], nratio);
  }
  free(ratio);
  return 0;
}

/* u61 and khabar in turns, one batch (KH_DB_BATCH articles) each, into two files:
** the load of other processes then falls on both alike (on a shared machine
** CPU seconds grow with it).  Prints the CPU ratio after every tenth. */
static int run_interleaved(const char *dir_tmp) {
  char pu[512], pk[512];
  snprintf(pu, sizeof pu, "%s/khabar-bench-ingest-u61-%d.db", dir_tmp, (int)getpid());
  snprintf(pk, sizeof pk, "%s/khabar-bench-ingest-kh-%d.db", dir_tmp, (int)getpid());
  rm_db(pu);
  rm_db(pk);
  sqlite3 *u;
  sqlite3_open(pu, &u);
  sqlite3_exec(u, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size = -65536;"
                  "PRAGMA wal_autocheckpoint = 16384;"
                  "CREATE TABLE article(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, source TEXT, title TEXT, body TEXT);"
                  "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article', content_rowid='rowid',"
                  " tokenize='unicode61');",
               NULL, NULL, NULL);
  peer_hashsize(u);
  sqlite3_stmt *a, *f;
  sqlite3_prepare_v2(u, "INSERT INTO article(id, source, title, body) VALUES (?1, ?2, ?3, ?4)", -1, &a, NULL);
  sqlite3_prepare_v2(u, "INSERT INTO article_fts(rowid, title, body) VALUES (?1, ?2, ?3)", -1, &f, NULL);
  kh_db *k;
  if (kh_db_open(pk, &k)) return 1;
  double cu = 0, ck = 0, wu = 0, wk = 0, rss0 = rss_mb(), rss_max = 0;
  size_t stored = 0, tenth = narts / 10 + 1;
  printf("interleaved, batches of %d (CPU s so far: u61, khabar, ratio; RSS MB)\n", KH_DB_BATCH);
  for (size_t b = 0; b < narts; b += KH_DB_BATCH) {
    size_t e = b + KH_DB_BATCH < narts ? b + KH_DB_BATCH : narts;
    double t0 = now(), w0 = wall();
    sqlite3_exec(u, "BEGIN", NULL, NULL, NULL);
    for (size_t i = b; i < e; i++) {
      sqlite3_bind_text(a, 1, arts[i].id, -1, SQLITE_STATIC);
      sqlite3_bind_text(a, 2, arts[i].source, -1, SQLITE_STATIC);
      sqlite3_bind_text(a, 3, arts[i].title, -1, SQLITE_STATIC);
      sqlite3_bind_text(a, 4, arts[i].body, -1, SQLITE_STATIC);
      if (sqlite3_step(a) != SQLITE_DONE) fprintf(stderr, "insert: %s\n", sqlite3_errmsg(u));
      sqlite3_reset(a);
      sqlite3_bind_int64(f, 1, sqlite3_last_insert_rowid(u));
      sqlite3_bind_text(f, 2, arts[i].title, -1, SQLITE_STATIC);
      sqlite3_bind_text(f, 3, arts[i].body, -1, SQLITE_STATIC);
      if (sqlite3_step(f) != SQLITE_DONE) fprintf(stderr, "fts: %s\n", sqlite3_errmsg(u));
      sqlite3_reset(f);
    }
    sqlite3_exec(u, "COMMIT", NULL, NULL, NULL);
    cu += now() - t0, wu += wall() - w0;
    t0 = now(), w0 = wall();
    for (size_t i = b; i < e; i++) {
      kh_article x = {0};
      x.id = arts[i].id, x.id_len = strlen(x.id);
      x.source = arts[i].source, x.source_len = strlen(x.source);
      x.title = arts[i].title, x.title_len = strlen(x.title);
      x.body = arts[i].body, x.body_len = strlen(x.body);
      int rc = kh_db_put_article(k, &x, NULL);
      if (rc < 0) {
        fprintf(stderr, "put: %s\n", kh_strerror(rc));
        return 1;
      }
      stored += rc == 0;
    }
    if (e == narts) kh_db_close(k); /* commits and builds */
    ck += now() - t0, wk += wall() - w0;
    double r = rss_mb();
    if (r > rss_max) rss_max = r;
    if (e / tenth != b / tenth || e == narts) {
      printf("  %8zu articles: %8.2f %8.2f  %.2fx   RSS %.0f  (load %.1f)\n", e, cu, ck, cu / ck, r, load_avg());
      fflush(stdout);
    }
  }
  sqlite3_finalize(a);
  sqlite3_finalize(f);
  /* the peer's close (its WAL copied into the file) is timed, as kh_db_close
  ** is in the last khabar batch */
  double t0 = now(), w0 = wall();
  sqlite3_close(u);
  cu += now() - t0, wu += wall() - w0;
  sqlite3 *s;
  sqlite3_open(pk, &s);
  sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  sqlite3_close(s);
  double su = file_size(pu), sk = file_size(pk);
  printf("%-9s %8s %12s %8s %7s %8s %7s %12s\n", "run", "CPU s", "articles/s", "MB/s", "x u61", "wall s", "x u61",
         "db/raw text");
  printf("%-9s %8.2f %12.0f %8.2f %7.2f %8.2f %7.2f %12.2f\n", "u61", cu, (double)narts / cu, raw_bytes / 1e6 / cu, 1.0,
         wu, 1.0, su / raw_bytes);
  printf("%-9s %8.2f %12.0f %8.2f %7.2f %8.2f %7.2f %12.2f\n", "khabar", ck, (double)narts / ck, raw_bytes / 1e6 / ck,
         cu / ck, wk, wu / wk, sk / raw_bytes);
  printf("khabar stored %zu of %zu; RSS before %.0f MB, at most %.0f MB during the run (the articles are in it)\n",
         stored, narts, rss0, rss_max);
  if (getenv("ING_KEEP")) printf("kept %s and %s\n", pu, pk);
  else rm_db(pu), rm_db(pk);
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../shared/data";
  double mb = argc > 2 ? atof(argv[2]) : 0;
  if (load(dir, "pk-news-2024/pk-news-2024.jsonl") || load(dir, "counter/counter.jsonl")) {
    fprintf(stderr, "cannot read %s\n", dir);
    return 1;
  }
  if (mb > 0) {
    recombine(mb);
    printf("corpus: %zu articles, %.1f MB of title+body text, RECOMBINED from the sentences of\n"
           "pk-news-2024 + COUNTER (random 4-19 sentences each, seeded)\n\n",
           narts, raw_bytes / 1e6);
  } else {
    printf("corpus: pk-news-2024 + COUNTER, %zu real articles, %.1f MB of title+body text\n\n", narts,
           raw_bytes / 1e6);
  }
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char path[512];
  snprintf(path, sizeof path, "%s/khabar-bench-ingest-%d.db", tmp, (int)getpid());
  const char *names[] = {"u61", "khtok", "khtok+s", "khabar"};
  double best[4] = {1e30, 1e30, 1e30, 1e30}, bwall[4] = {1e30, 1e30, 1e30, 1e30}, size[4] = {0};
  size_t stored = 0;
  int reps = getenv("ING_REPS") ? atoi(getenv("ING_REPS")) : mb > 50 ? 1 : 5;
  if (reps < 1) reps = 1;
  if (getenv("ING_INTERLEAVE")) return run_interleaved(tmp);
  if (getenv("ING_PIPE")) return run_pipe_bench(tmp, getenv("ING_REPS") ? reps : 3);
  if (getenv("ONLY_KHABAR")) { /* for a profiler: the store put alone, reps times */
    for (int r = 0; r < reps; r++) run_khabar(path, &size[3], &stored);
    rm_db(path);
    return 0;
  }
  if (getenv("ONLY_U61")) { /* the same for the peer */
    for (int r = 0; r < reps; r++) run_plain(path, "unicode61", &size[0]);
    rm_db(path);
    return 0;
  }
  /* ING_RUNS=u61,khabar: only these (u61 always runs: it is the peer) */
  const char *only = getenv("ING_RUNS");
  int on[4];
  for (int i = 0; i < 4; i++) {
    on[i] = !only || i == 0;
    for (const char *p = only; p && *p;) { /* comma-separated names, exact */
      size_t n = strcspn(p, ",");
      if (n == strlen(names[i]) && !strncmp(p, names[i], n)) on[i] = 1;
      p += n + (p[n] == ',');
    }
  }
  for (int r = 0; r < reps; r++) {
    double t[4] = {1e30, 1e30, 1e30, 1e30};
    t[0] = run_plain(path, "unicode61", &size[0]);
    if (last_wall < bwall[0]) bwall[0] = last_wall;
    if (on[1]) {
      t[1] = run_plain(path, "khabar", &size[1]);
      if (last_wall < bwall[1]) bwall[1] = last_wall;
    }
    if (on[2]) {
      t[2] = run_plain(path, "khabar skel", &size[2]);
      if (last_wall < bwall[2]) bwall[2] = last_wall;
    }
    if (on[3]) {
      t[3] = run_khabar(path, &size[3], &stored);
      if (last_wall < bwall[3]) bwall[3] = last_wall;
    }
    /* this repetition's ratios (the spread of CPU seconds under load) */
    printf("rep %d:", r + 1);
    for (int i = 1; i < 4; i++)
      if (on[i])
        printf("  %s %.2fx u61 CPU (%.2f s vs %.2f s)", names[i], t[0] / t[i], t[i], t[0]);
    printf("  (load %.1f)\n", load_avg());
    fflush(stdout);
    for (int i = 0; i < 4; i++)
      if (t[i] < best[i]) best[i] = t[i];
  }
  if (getenv("ING_KEEP") && on[3]) /* the last khabar file, for dbstat */
    printf("kept %s\n", path);
  else
    rm_db(path);
  printf("%-9s %8s %12s %8s %7s %8s %7s %12s\n", "run", "CPU s", "articles/s", "MB/s", "x u61",
         "wall s", "x u61", "db/raw text");
  for (int i = 0; i < 4; i++)
    if (on[i])
      printf("%-9s %8.2f %12.0f %8.2f %7.2f %8.2f %7.2f %12.2f\n", names[i], best[i], (double)narts / best[i],
             raw_bytes / 1e6 / best[i], best[0] / best[i], bwall[i], bwall[0] / bwall[i], size[i] / raw_bytes);
  printf("(articles/s and MB/s per CPU second; best of %d runs each)\n", reps);
  printf("\nkhabar stored %zu of %zu (the rest: same content)\n", stored, narts);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("peak RSS of this process: %.0f MB (the articles are held in memory by the bench)\n",
         (double)ru.ru_maxrss / 1024);
  if (on[3]) {
    printf("RSS during the last khabar run (MB; the bench's copy of the articles is in all of them):\n"
           "  before");
    for (int i = 0; i <= 10; i++) printf(i ? " %.0f" : " %.0f, after each tenth:", rss_at[i]);
    printf("\n  growth over the run: %.0f MB; from the first tenth on: %.0f MB\n", rss_at[10] - rss_at[0],
           rss_at[10] - rss_at[1]);
  }
  return 0;
}
