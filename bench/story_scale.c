/*
** story_scale.c — does story assignment per new article stay flat as the
** corpus grows, and does the LSH lookup stay bounded?  The corpus is
** RECOMBINED from real sentences (as bench/corpus_scale.c: each synthetic
** article takes a random pk-news-2024 article's title and 6-14 sentences
** drawn from that article and two others of the same category, published
** 400 articles a day).  One database with the corpus hook; for each block
** of articles it prints, per article, the process CPU of the whole put
** (the store's insert, FTS5 and champion lists, the corpus hook) and the
** corpus hook's parts measured inside it (kh__corpus_timing: story
** assignment = kh__story_add + the story flush; fingerprint + LSH rows;
** the epoch merges alone, amortized), the resident set size, and the LSH
** candidate lookup (kh__corpus_lookup, the candidate step of
** kh_corpus_reuse: 20 articles spread over the corpus) with the number of
** LSH epochs it probes.  The peer in the same run is the rest of the put
** (store side): the story share should not grow with it.
**
**   make bench && nice ./build/bench/story_scale [N (100000)] [--block B] [--data DIR] [--keep FILE]
*/
#include "khabar.h"
#include "../src/corpus/corpus.h"

#include <jansson.h>
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

static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return res * (double)sysconf(_SC_PAGESIZE) / 1e6;
}

/* Synthetic article k into buf (the generator of corpus_scale.c). */
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
  snprintf(date, 16, "%04d-%02d-%02d", 2024 + day / 336, 1 + (day / 28) % 12, 1 + day % 28);
  return a;
}

int main(int argc, char **argv) {
  const char *data = KH_SOURCE_DIR "/../shared/data", *keep = NULL;
  int N = 100000, block = 10000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(argv[i], "--block") && i + 1 < argc) block = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--keep") && i + 1 < argc) keep = argv[++i];
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
  char path[256];
  if (keep) snprintf(path, sizeof path, "%s", keep);
  else snprintf(path, sizeof path, "/tmp/khabar-story-scale-%d.db", (int)getpid());
  kh_db *db;
  if (kh_db_open(path, &db) || kh_corpus_attach(db) || kh__corpus_timing(db, 1, NULL)) return 1;
  printf("recombined corpus from %d pk-news-2024 articles' sentences; %d articles, 400 a day; blocks of %d\n", na,
         N, block);
  printf("per article, CPU us: put = the whole kh_db_put_article + commit share; story = assignment (add + "
         "flush);\n  fp+lsh = fingerprint and LSH rows (with merges); merge = epoch merges alone (amortized); "
         "rest = put - story - fp+lsh\n");
  printf("%-17s %8s %8s %8s %8s %8s %7s %6s | %9s %9s %7s %6s\n", "articles", "put", "story", "fp+lsh", "merge",
         "rest", "story%", "RSS", "lookup ms", "wall ms", "epochs", "cands");
  double prev[3] = {0, 0, 0}, tc0 = cpu(), tw0 = now();
  for (int k0 = 0; k0 < N; k0 += block) {
    double c0 = cpu();
    int nb = k0 + block <= N ? block : N - k0;
    for (int k = k0; k < k0 + nb; k++) {
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
      if (kh_db_put_article(db, &art, NULL) < 0) return 1;
    }
    if (kh_db_commit(db)) return 1;
    double put = cpu() - c0, t[3];
    kh__corpus_timing(db, 1, t);
    double st = t[0] - prev[0], fl = t[1] - prev[1], mg = t[2] - prev[2];
    memcpy(prev, t, sizeof t);
    /* the candidate lookup of 20 stored articles spread over the corpus */
    double l0 = cpu(), w0 = now();
    size_t ne = 0, ncs = 0;
    int n = k0 + nb;
    for (int i = 0; i < 20; i++) {
      size_t nc = 0;
      int64_t rowid = 1 + (int64_t)n * i / 20 + n / 40;
      if (kh__corpus_lookup(db, rowid, &nc, &ne)) return 1;
      ncs += nc;
    }
    double lk = (cpu() - l0) * 50, lw = (now() - w0) * 50;
    printf("%7d - %-7d %8.1f %8.1f %8.1f %8.1f %8.1f %6.1f%% %6.0f | %9.2f %9.2f %7zu %6.1f\n", k0, n, put / nb * 1e6,
           st / nb * 1e6, fl / nb * 1e6, mg / nb * 1e6, (put - st - fl) / nb * 1e6, 100 * st / put, rss_mb(), lk, lw, ne,
           ncs / 20.0);
    fflush(stdout);
  }
  printf("total %d articles: %.1f s CPU, %.1f s wall (lookups included)\n", N, cpu() - tc0, now() - tw0);
  kh_db_close(db);
  if (!keep) {
    char x[600];
    unlink(path);
    snprintf(x, sizeof x, "%s-wal", path);
    unlink(x);
    snprintf(x, sizeof x, "%s-shm", path);
    unlink(x);
  }
  return 0;
}
