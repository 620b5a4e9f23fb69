/*
** analyze_speed.c — speed of entity + quote + event extraction (kh_analyze)
** on real news: the bodies of ../shared/data/pk-news-2024 (2,541 articles),
** in sentences per CPU-second (one core), next to kh_tokenize + kh_sentences
** alone on the same bytes in the same run (the floor every analysis pays);
** kh_analyze_cached with one kh_analyze_cache for all articles and rounds
** (as the ingest worker keeps one).  "found:" counts that last run.
**
**   make bench && ./build/bench/analyze_speed [../shared/data] [rounds]
*/
#include "khabar.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this process: "per core" even when other programs share the
** machine (wall-clock figures on a loaded 2-core box swing by 30%) */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int count_sent(void *ctx, size_t s, size_t e) {
  (void)s, (void)e;
  (*(size_t *)ctx)++;
  return 0;
}

static int count_tok(void *ctx, const kh_token *t) {
  (void)t;
  (*(size_t *)ctx)++;
  return 0;
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : "../shared/data";
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  char path[4096];
  snprintf(path, sizeof path, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "analyze_speed: %s missing\n", path);
    return 1;
  }
  char **bodies = NULL;
  size_t *lens = NULL, n = 0, cap = 0, bytes = 0;
  char *line = NULL;
  size_t lcap = 0;
  while (getline(&line, &lcap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    json_t *b = o ? json_object_get(o, "body") : NULL;
    if (json_is_string(b)) {
      if (n == cap) {
        cap = cap ? cap * 2 : 1024;
        bodies = realloc(bodies, cap * sizeof *bodies);
        lens = realloc(lens, cap * sizeof *lens);
      }
      lens[n] = json_string_length(b);
      bodies[n] = malloc(lens[n] + 1);
      memcpy(bodies[n], json_string_value(b), lens[n] + 1);
      bytes += lens[n];
      n++;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  kh_analyzer *a;
  double t0 = now();
  if (kh_analyzer_new(0, &a)) return 1;
  double t_new = now() - t0;
  size_t sents = 0, toks = 0, marks = 0;
  for (size_t i = 0; i < n; i++) kh_sentences(bodies[i], lens[i], count_sent, &sents);
  /* a splitter-independent count: runs of sentence marks (۔ ؟ ! ?) */
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < lens[i]; k++) {
      const unsigned char *p = (const unsigned char *)bodies[i] + k;
      int mark = (p[0] == 0xDB && k + 1 < lens[i] && p[1] == 0x94) || (p[0] == 0xD8 && k + 1 < lens[i] && p[1] == 0x9F) ||
                 p[0] == '!' || p[0] == '?';
      if (mark) {
        marks++;
        while (k + 2 < lens[i] && ((p[2] == 0xDB && p[3] == 0x94) || p[2] == '!' || p[2] == '?')) k += 2, p += 2;
      }
    }
  printf("pk-news-2024: %zu articles, %.1f MB, %zu sentences by kh_sentences, %zu by sentence marks; "
         "analyzer created in %.1f ms\n", n, bytes / 1e6, sents, marks, t_new * 1e3);
  if (marks > sents) sents = marks; /* rates below use the larger count */
  double best_floor = 1e9, best_full = 1e9, best_gaz = 1e9, wall_full = 1e9, best_cached = 1e9;
  kh_analyze_cache *cache; /* kept across articles and rounds, as the ingest worker keeps one */
  if (kh_analyze_cache_new(0, &cache)) return 1;
  size_t ents = 0, quotes = 0, events = 0;
  for (int r = 0; r < rounds; r++) {
    t0 = now();
    size_t s2 = 0;
    toks = 0;
    for (size_t i = 0; i < n; i++) {
      kh_tokenize(bodies[i], lens[i], KH_TOKENIZE_PUNCT, count_tok, &toks);
      kh_sentences(bodies[i], lens[i], count_sent, &s2);
    }
    double t = now() - t0;
    if (t < best_floor) best_floor = t;
    for (int mode = 0; mode < 3; mode++) {
      double w0 = wall();
      t0 = now();
      ents = quotes = events = 0;
      for (size_t i = 0; i < n; i++) {
        kh_article art = {.body = bodies[i], .body_len = lens[i]};
        kh_analysis *res;
        if (mode == 2 ? kh_analyze_cached(a, cache, &art, 0, &res)
                      : kh_analyze(a, &art, mode ? KH_ANALYZE_NO_TAGGER : 0, &res))
          return 1;
        ents += res->n_entities, quotes += res->n_quotes, events += res->n_events;
        kh_analysis_free(res);
      }
      t = now() - t0;
      if (mode == 0 && t < best_full) best_full = t;
      if (mode == 0 && wall() - w0 < wall_full) wall_full = wall() - w0;
      if (mode == 1 && t < best_gaz) best_gaz = t;
      if (mode == 2 && t < best_cached) best_cached = t;
    }
  }
  printf("tokenize+sentences (floor):       %9.0f sentences/s  %6.2f MB/s\n", sents / best_floor,
         bytes / 1e6 / best_floor);
  printf("kh_analyze, gazetteer+rules:      %9.0f sentences/s  %6.2f MB/s  (%.2fx the floor's time)\n",
         sents / best_gaz, bytes / 1e6 / best_gaz, best_gaz / best_floor);
  printf("kh_analyze, gazetteer+tagger:     %9.0f sentences/s  %6.2f MB/s  (%.2fx the floor's time)\n",
         sents / best_full, bytes / 1e6 / best_full, best_full / best_floor);
  printf("kh_analyze_cached, gazetteer+tagger: %6.0f sentences/s  %6.2f MB/s  (%.2fx the floor's time)\n",
         sents / best_cached, bytes / 1e6 / best_cached, best_cached / best_floor);
  printf("kh_analyze, gazetteer+tagger, wall clock on this shared machine: %.0f sentences/s\n",
         sents / wall_full);
  printf("found: %zu entities, %zu quotes, %zu events in %zu articles (best of %d rounds, CPU time of one core)\n", ents,
         quotes, events, n, rounds);
  for (size_t i = 0; i < n; i++) free(bodies[i]);
  free(bodies);
  free(lens);
  kh_analyze_cache_free(cache);
  kh_analyzer_free(a);
  return 0;
}
