/*
** serve_latency.c — what `khabar serve` costs a search: each API call runs
** `khabar search --json` as a child process, so a call pays a process start,
** the opening of the database and the JSON round trip on top of the search.
** Three ways to the same searches, in turns, on the same file:
**
**   lib    kh_search in this process, the database opened once (the peer)
**   cli    `khabar search --json --limit 10 QUERY`, a process per search
**   api    GET /api/search?q=QUERY&limit=10 on `khabar serve` (libcurl, one
**          connection a call, as a browser's fetch)
**
** Input: the 2,541 pk-news-2024 articles, stored into a temporary file;
** 200 queries of 1-2 words from their titles.  Wall time per search, p50 /
** p99 / mean in ms, and each way's mean over lib's.
**
**   make && make bench && ./build/bench/serve_latency [../shared/data] [build/khabar]
*/
#include "../src/store/store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NQ 200

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int hit(void *ctx, const kh_hit *h) {
  (void)h;
  ++*(int *)ctx;
  return 0;
}

static size_t sink(char *p, size_t size, size_t n, void *ctx) {
  (void)p;
  *(size_t *)ctx += size * n;
  return size * n;
}

/* Run argv with stdout and stderr to /dev/null; its exit code. */
static int run(char **argv) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1), dup2(null, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : "../shared/data";
  const char *bin = argc > 2 ? argv[2] : "build/khabar";
  if (access(bin, X_OK)) {
    fprintf(stderr, "serve_latency: %s is not the khabar program (make first)\n", bin);
    return 1;
  }
  char dir[] = "/tmp/khabar-serve-lat-XXXXXX", db_path[256], in[1024];
  if (!mkdtemp(dir)) return 1;
  snprintf(db_path, sizeof db_path, "%s/lat.db", dir);
  snprintf(in, sizeof in, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  kh_db *db;
  kh_ingest_stats st = {0};
  if (kh_db_open(db_path, &db) || kh_ingest_path(db, in, NULL, &st)) {
    fprintf(stderr, "serve_latency: cannot store %s (../shared/data absent?)\n", in);
    return 1;
  }
  /* queries: 1 or 2 words of every 12th title */
  char *queries[NQ];
  int nq = 0;
  FILE *f = fopen(in, "r");
  char *line = NULL;
  size_t cap = 0;
  for (int k = 0; nq < NQ && getline(&line, &cap, f) > 0; k++) {
    if (k % 12) continue;
    json_t *o = json_loads(line, 0, NULL);
    const char *t = json_string_value(json_object_get(o, "title"));
    char q[256] = "";
    if (t) {
      const char *sp = strchr(t, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
      size_t n = nq % 2 ? (sp2 ? (size_t)(sp2 - t) : strlen(t)) : (sp ? (size_t)(sp - t) : strlen(t));
      if (n < sizeof q && !memchr(t, '"', n)) snprintf(q, sizeof q, "%.*s", (int)n, t);
    }
    if (*q) queries[nq++] = strdup(q);
    json_decref(o);
  }
  free(line);
  fclose(f);
  /* the server */
  int pfd[2];
  if (pipe(pfd)) return 1;
  pid_t srv = fork();
  if (srv == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(pfd[1], 1);
    close(pfd[0]);
    execl(bin, bin, "serve", "--db", db_path, "--port", "0", (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  FILE *sf = fdopen(pfd[0], "r");
  char first[512] = "";
  if (!fgets(first, sizeof first, sf) || !strstr(first, "127.0.0.1:")) {
    fprintf(stderr, "serve_latency: the server did not start\n");
    return 1;
  }
  int port = atoi(strstr(first, "127.0.0.1:") + 10);
  static double t[3][NQ];
  long hits = 0;
  size_t bytes = 0;
  CURL *c = curl_easy_init();
  for (int i = 0; i < nq; i++) {
    /* lib */
    kh_search_opts so = {0};
    so.limit = 10;
    int n = 0;
    double t0 = wall();
    kh_search(db, queries[i], &so, hit, &n);
    t[0][i] = wall() - t0;
    hits += n;
    /* cli */
    char *args[] = {(char *)bin, "search", "--json", "--limit", "10", "--db", db_path, queries[i], NULL};
    t0 = wall();
    run(args);
    t[1][i] = wall() - t0;
    /* api */
    char *esc = curl_easy_escape(c, queries[i], 0), url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/search?limit=10&q=%s", port, esc);
    curl_free(esc);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bytes);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    t0 = wall();
    curl_easy_perform(c);
    t[2][i] = wall() - t0;
  }
  curl_easy_cleanup(c);
  kill(srv, SIGTERM);
  waitpid(srv, NULL, 0);
  fclose(sf);
  kh_db_close(db);
  printf("serve_latency: %llu pk-news-2024 articles stored, %d queries of 1-2 title words, %ld hits in-process, "
         "%zu bytes of API answers\n",
         (unsigned long long)st.stored, nq, hits, bytes);
  printf("%-4s %9s %9s %9s %10s\n", "way", "p50 ms", "p99 ms", "mean ms", "vs lib");
  const char *names[3] = {"lib", "cli", "api"};
  double mean0 = 0;
  for (int w = 0; w < 3; w++) {
    double mean = 0;
    for (int i = 0; i < nq; i++) mean += t[w][i] / nq;
    if (!w) mean0 = mean;
    qsort(t[w], (size_t)nq, sizeof(double), cmp);
    printf("%-4s %9.2f %9.2f %9.2f %9.1fx\n", names[w], t[w][nq / 2], t[w][nq * 99 / 100], mean, mean / mean0);
  }
  for (int i = 0; i < nq; i++) free(queries[i]);
  char rm[512];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  return system(rm) != 0;
}
