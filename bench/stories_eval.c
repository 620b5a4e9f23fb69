/*
** stories_eval.c — story clustering against the cross-outlet gold groups of
** tests/fixtures/stories_gold.tsv: ingest all of pk-news-2024 (file order,
** the corpus hook on) into a fresh database, then compare the stories of
** the gold articles with the gold groups: pairwise precision, recall, F1
** and the adjusted Rand index, for the shipped join threshold and a sweep.
** Peer in the same run: every gold article its own story (ARI 0) is
** implicit; the sweep shows how the figure moves with the threshold.
**
**   make bench && ./build/bench/stories_eval [--data DIR] [--sweep]
*/
#include "khabar.h"
#include "../src/corpus/corpus.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXG 1000
static char *gid[MAXG];
static int ggrp[MAXG], ng;

static int load_gold(void) {
  FILE *f = fopen(KH_SOURCE_DIR "/tests/fixtures/stories_gold.tsv", "r");
  if (!f) return -1;
  char line[4096];
  while (fgets(line, sizeof line, f) && ng < MAXG) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *t1 = strchr(line, '\t');
    if (!t1) continue;
    char *t2 = strchr(t1 + 1, '\t');
    if (t2) *t2 = 0;
    ggrp[ng] = atoi(line);
    gid[ng++] = strdup(t1 + 1);
  }
  fclose(f);
  return 0;
}

static double c2(double n) { return n * (n - 1) / 2; }

/* Pairwise P/R and ARI of clustering sys[] against gold ggrp[] over the
** gold articles whose group number has parity `half` (0, 1; 2 = all). */
static void score_half(const int64_t *sys, int half, double *p, double *r, double *ari) {
  double tp = 0, sp = 0, gp = 0, n = 0;
  for (int i = 0; i < ng; i++) n += half == 2 || ggrp[i] % 2 == half;
  for (int i = 0; i < ng; i++)
    for (int j = i + 1; j < ng; j++) {
      if (half != 2 && (ggrp[i] % 2 != half || ggrp[j] % 2 != half)) continue;
      int s = sys[i] == sys[j], g = ggrp[i] == ggrp[j];
      tp += s && g;
      sp += s;
      gp += g;
    }
  *p = sp ? tp / sp : 0;
  *r = gp ? tp / gp : 0;
  double expct = sp * gp / c2(n), maxi = (sp + gp) / 2;
  *ari = maxi - expct ? (tp - expct) / (maxi - expct) : 0;
}

static void score(const int64_t *sys, double *p, double *r, double *ari) {
  score_half(sys, 2, p, r, ari);
}

static double run(const char *data, double join, double ew, int64_t *sys, double *secs) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/khabar-stories-eval-%d.db", (int)getpid());
  unlink(path);
  char wal[300];
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(wal);
  kh_db *db;
  kh_story_opts so = {0};
  so.join = join;
  so.entity_weight = ew;
  static kh_analyzer *an;
  if (!an && kh_analyzer_new(0, &an)) return -1;
  /* analyze first: the corpus hook reads the article's entities */
  if (kh_db_open(path, &db) || kh_analyze_attach(db, an) || kh_corpus_attach_opts(db, &so)) return -1;
  char in[4096];
  snprintf(in, sizeof in, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  kh_ingest_stats st = {0};
  clock_t t0 = clock();
  if (kh_ingest_path(db, in, NULL, &st) || kh_db_commit(db)) return -1;
  *secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  for (int i = 0; i < ng; i++) {
    sys[i] = kh_story_of(db, gid[i]);
    if (sys[i] < 0) sys[i] = -1000 - i; /* not stored: its own cluster */
  }
  kh_db_close(db);
  unlink(path);
  unlink(wal);
  return (double)st.stored;
}

int main(int argc, char **argv) {
  const char *data = KH_SOURCE_DIR "/../shared/data";
  int sweep = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(argv[i], "--sweep")) sweep = 1;
  }
  if (load_gold()) {
    fprintf(stderr, "stories_eval: no tests/fixtures/stories_gold.tsv\n");
    return 1;
  }
  int groups = 0;
  for (int i = 0; i < ng; i++)
    if (ggrp[i] > groups) groups = ggrp[i];
  printf("gold: %d articles in %d cross-outlet groups (tests/fixtures/stories_gold.tsv)\n", ng, groups);
  static int64_t sys[MAXG];
  /* entity weight: -1 = text only */
  double joins[] = {KH_STORY_JOIN, 0.30, 0.35, 0.40, 0.45, 0.50};
  double ews[] = {KH_STORY_ENTITY_WEIGHT, -1, 0.2, 0.4, 0.6};
  int nj = sweep ? 6 : 1, ne = sweep ? 5 : 1;
  double ari_half[6][5][2];
  for (int e = 0; e < ne; e++)
    for (int k = 0; k < nj; k++) {
      if (sweep && (k == 0) != (e == 0)) { /* the shipped pair once, then the grid */
        ari_half[k][e][0] = ari_half[k][e][1] = -1;
        continue;
      }
      double secs, p, r, ari;
      double stored = run(data, joins[k], ews[e], sys, &secs);
      if (stored < 0) {
        fprintf(stderr, "stories_eval: ingest failed\n");
        return 1;
      }
      score(sys, &p, &r, &ari);
      double p2, r2;
      score_half(sys, 0, &p2, &r2, &ari_half[k][e][0]);
      score_half(sys, 1, &p2, &r2, &ari_half[k][e][1]);
      printf("join >= %.2f entity weight %4.1f%s: pairwise P %.3f  R %.3f  F1 %.3f  ARI %.3f  "
             "(even %.3f odd %.3f)  (%.0f articles ingested with entities+stories in %.1f s CPU)\n",
             joins[k], ews[e] < 0 ? 0.0 : ews[e], k == 0 && e == 0 ? " (shipped)" : "", p, r,
             p + r ? 2 * p * r / (p + r) : 0, ari, ari_half[k][e][0], ari_half[k][e][1], stored, secs);
      fflush(stdout);
    }
  if (sweep) {
    /* honest choice: pick (join, weight) on one half of the gold groups, score the other */
    for (int h = 0; h < 2; h++) {
      int bk = 1, be = 1;
      for (int e = 1; e < ne; e++)
        for (int k = 1; k < nj; k++)
          if (ari_half[k][e][h] > ari_half[bk][be][h]) bk = k, be = e;
      printf("chosen on %s groups: join %.2f entity weight %.1f (ARI there %.3f) -> ARI on %s groups %.3f\n",
             h ? "odd" : "even", joins[bk], ews[be] < 0 ? 0.0 : ews[be], ari_half[bk][be][h],
             h ? "even" : "odd", ari_half[bk][be][1 - h]);
    }
  }
  return 0;
}
