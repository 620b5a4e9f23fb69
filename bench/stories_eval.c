/*
** stories_eval.c — story clustering against the cross-outlet gold groups of
** tests/fixtures/stories_gold.tsv: ingest all of pk-news-2024 (file order,
** the corpus hook on) into a fresh database, then compare the stories of
** the gold articles with the gold groups: pairwise precision, recall, F1
** and the adjusted Rand index.
**
** Honest figure: --sweep runs a grid of settings (one ingest each) and
** then does K-fold cross-validation over the gold GROUPS: for each fold the
** setting with the best ARI on the other folds' articles is chosen and
** scored on the fold's articles (pairs within the fold).  This is repeated
** over R random assignments of groups to folds; it prints the mean and sd
** of the held-out ARI, the pooled held-out pairwise P/R, and how often
** each setting was chosen.  The whole-gold figure of the shipped setting
** is printed too, labelled as seen (the shipped setting was picked by
** looking at it).  --errors lists the gold pairs the shipped setting
** splits and the gold articles it merges.  Peer in the same run: every
** gold article its own story (ARI 0) is implicit; the grid shows how the
** figure moves with the settings.
**
**   make bench && ./build/bench/stories_eval [--data DIR] [--sweep] [--errors] [--join J] [--gold FILE]
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

#define MAXG 2000
static char *gid[MAXG], *gtitle[MAXG];
static int ggrp[MAXG], ng, ngroups;

static int load_gold(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  while (fgets(line, sizeof line, f) && ng < MAXG) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *t1 = strchr(line, '\t');
    if (!t1) continue;
    char *t2 = strchr(t1 + 1, '\t');
    if (t2) *t2 = 0;
    char *nl = t2 ? strchr(t2 + 1, '\n') : NULL;
    if (nl) *nl = 0;
    ggrp[ng] = atoi(line);
    if (ggrp[ng] > ngroups) ngroups = ggrp[ng];
    gtitle[ng] = strdup(t2 ? t2 + 1 : "");
    gid[ng++] = strdup(t1 + 1);
  }
  fclose(f);
  return 0;
}

/* Pair counts over a set of pairs of gold articles: pairs in one system
** story (sp), in one gold group (gp), both (tp); n pairs in the set. */
typedef struct counts {
  double tp, sp, gp, n;
} counts;

static counts count(const int64_t *sys, const unsigned char *sel) {
  counts c = {0, 0, 0, 0};
  for (int i = 0; i < ng; i++)
    for (int j = i + 1; j < ng; j++) {
      /* sel: 1 in the set; pairs in the set: both (mode 0 on a 0/1 mask),
      ** or at least one article with sel == 2 (a held-out fold) */
      if (!(sel[i] && sel[j]) && sel[i] != 2 && sel[j] != 2) continue;
      /* a pair between a held-out fold and another fold weighs 1/2 here
      ** (the other half in the other fold's count): pooled over the folds
      ** every pair counts once */
      double w = (sel[i] == 2) != (sel[j] == 2) ? 0.5 : 1;
      int s = sys[i] == sys[j], g = ggrp[i] == ggrp[j];
      c.tp += w * (s && g);
      c.sp += w * s;
      c.gp += w * g;
      c.n += w;
    }
  return c;
}

/* ARI in its pair-counting form (Hubert and Arabie): over all pairs of a
** set of articles this is the usual ARI; over another set of pairs (the
** pairs touching a held-out fold) it is the same formula on those pairs. */
static double ari_of(counts c) {
  double expct = c.n ? c.sp * c.gp / c.n : 0, maxi = (c.sp + c.gp) / 2;
  return maxi - expct ? (c.tp - expct) / (maxi - expct) : 0;
}

/* One setting of the grid. */
typedef struct setting {
  double join, title, idf, ew; /* 0: the default */
} setting;

static double run(const char *data, const setting *st, int64_t *sys, double *secs) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/khabar-stories-eval-%d.db", (int)getpid());
  unlink(path);
  char wal[300];
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(wal);
  kh_db *db;
  kh_story_opts so = {0};
  so.join = st->join;
  so.title_weight = st->title;
  so.idf_power = st->idf;
  so.entity_weight = st->ew;
  static kh_analyzer *an;
  if (!an && kh_analyzer_new(0, &an)) return -1;
  if (kh_db_open(path, &db)) return -1;
  /* analyze first: the corpus hook reads the article's entities */
  if (st->ew > 0 && kh_analyze_attach(db, an)) return -1;
  if (kh_corpus_attach_opts(db, &so)) return -1;
  char in[4096];
  snprintf(in, sizeof in, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  kh_ingest_stats sts = {0};
  clock_t t0 = clock();
  if (kh_ingest_path(db, in, NULL, &sts) || kh_db_commit(db)) return -1;
  *secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  for (int i = 0; i < ng; i++) {
    sys[i] = kh_story_of(db, gid[i]);
    if (sys[i] < 0) sys[i] = -1000 - i; /* not stored: its own cluster */
  }
  kh_db_close(db);
  unlink(path);
  unlink(wal);
  return (double)sts.stored;
}

static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void) {
  rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rs >> 33);
}

#define MAXS 96
#define K 5
#define R 20

/* The gold pairs the system splits, and the gold articles it puts in one story although their groups differ. */
static void errors(const int64_t *sys) {
  printf("\nsplit gold pairs (same gold group, different stories):\n");
  for (int i = 0; i < ng; i++)
    for (int j = i + 1; j < ng; j++)
      if (ggrp[i] == ggrp[j] && sys[i] != sys[j])
        printf("  g%d  %s [%lld] %s\n      %s [%lld] %s\n", ggrp[i], gid[i], (long long)sys[i], gtitle[i], gid[j],
               (long long)sys[j], gtitle[j]);
  printf("\nmerged gold articles (different gold groups, one story):\n");
  for (int i = 0; i < ng; i++)
    for (int j = i + 1; j < ng; j++)
      if (ggrp[i] != ggrp[j] && sys[i] == sys[j])
        printf("  story %lld: g%d %s %s\n      g%d %s %s\n", (long long)sys[i], ggrp[i], gid[i], gtitle[i], ggrp[j],
               gid[j], gtitle[j]);
}

int main(int argc, char **argv) {
  const char *data = KH_SOURCE_DIR "/../shared/data";
  const char *gold = KH_SOURCE_DIR "/tests/fixtures/stories_gold.tsv";
  int sweep = 0, errs = 0;
  double join0 = 0; /* --join: the first run's threshold (0: shipped) */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(argv[i], "--gold") && i + 1 < argc) gold = argv[++i];
    else if (!strcmp(argv[i], "--sweep")) sweep = 1;
    else if (!strcmp(argv[i], "--errors")) errs = 1;
    else if (!strcmp(argv[i], "--join") && i + 1 < argc) join0 = atof(argv[++i]);
  }
  if (load_gold(gold)) {
    fprintf(stderr, "stories_eval: no %s\n", gold);
    return 1;
  }
  printf("gold: %d articles in %d cross-outlet groups (%s)\n", ng, ngroups, gold);
  static setting set[MAXS];
  int ns = 0;
  set[ns++] = (setting){join0, 0, 0, 0}; /* shipped defaults, or --join */
  if (sweep) { /* the grid the cross-validation chooses from */
    static const double titles[] = {2, 4, 6, 8}, idfs[] = {1, 2};
    for (int t = 0; t < 4; t++)
      for (int d = 0; d < 2; d++)
        for (int j = 0; j <= 10; j++) set[ns++] = (setting){0.25 + 0.025 * j, titles[t], idfs[d], 0};
  }
  static int64_t sys[MAXS][MAXG];
  static unsigned char all[MAXG];
  memset(all, 1, sizeof all);
  for (int s = 0; s < ns; s++) {
    double secs;
    double stored = run(data, &set[s], sys[s], &secs);
    if (stored < 0) {
      fprintf(stderr, "stories_eval: ingest failed\n");
      return 1;
    }
    counts c = count(sys[s], all);
    double p = c.sp ? c.tp / c.sp : 0, r = c.gp ? c.tp / c.gp : 0;
    printf("%-8s join %.3f title %.0f idf^%.0f: pairwise P %.3f  R %.3f  F1 %.3f  ARI %.3f  (%.0f articles, "
           "%.1f s CPU)\n",
           s ? "grid" : "shipped", set[s].join ? set[s].join : KH_STORY_JOIN,
           set[s].title ? set[s].title : KH_STORY_TITLE_WEIGHT, set[s].idf ? set[s].idf : KH_STORY_IDF_POWER, p, r,
           p + r ? 2 * p * r / (p + r) : 0, ari_of(c), stored, secs);
    fflush(stdout);
  }
  printf("(whole-gold figures: the shipped setting was chosen by looking at them: NOT held out)\n");
  if (errs) errors(sys[0]);
  if (!sweep) return 0;
  int bw = 1;
  double bwa = -2;
  for (int s = 1; s < ns; s++) {
    double a = ari_of(count(sys[s], all));
    if (a > bwa) bwa = a, bw = s;
  }
  printf("best of the grid on the whole gold (seen): join %.3f title %.0f idf^%.0f ARI %.3f\n", set[bw].join,
         set[bw].title, set[bw].idf, bwa);
  /* K-fold CV over gold groups, R random fold assignments */
  static int fold[MAXG + 1], chosen[MAXS];
  double sum = 0, sum2 = 0;
  counts pooled = {0, 0, 0, 0};
  static unsigned char in_f[MAXG], out_f[MAXG];
  for (int rep = 0; rep < R; rep++) {
    /* groups to folds: a random permutation dealt round robin (balanced) */
    static int perm[MAXG + 1];
    for (int g = 1; g <= ngroups; g++) perm[g - 1] = g;
    for (int g = ngroups - 1; g > 0; g--) {
      int k = (int)(rnd() % (uint32_t)(g + 1)), t = perm[g];
      perm[g] = perm[k];
      perm[k] = t;
    }
    for (int g = 0; g < ngroups; g++) fold[perm[g]] = g % K;
    double rep_ari = 0;
    for (int f = 0; f < K; f++) {
      /* training pairs: neither article in fold f; held-out pairs: at
      ** least one in fold f (so merges with other folds' articles count) */
      for (int i = 0; i < ng; i++) {
        in_f[i] = fold[ggrp[i]] == f ? 2 : 0;
        out_f[i] = fold[ggrp[i]] != f;
      }
      int best = 1;
      double ba = -2;
      for (int s = 1; s < ns; s++) {
        double a = ari_of(count(sys[s], out_f));
        if (a > ba) ba = a, best = s;
      }
      chosen[best]++;
      counts c = count(sys[best], in_f);
      rep_ari += ari_of(c) / K;
      pooled.tp += c.tp;
      pooled.sp += c.sp;
      pooled.gp += c.gp;
      pooled.n += c.n;
    }
    sum += rep_ari;
    sum2 += rep_ari * rep_ari;
  }
  double mean = sum / R, sd = sqrt(fmax(0, sum2 / R - mean * mean));
  printf("\n%d-fold CV over gold groups, %d random fold assignments, setting chosen on the other folds:\n", K, R);
  printf("  held-out ARI %.3f +- %.3f (mean over repetitions of the mean over folds; pairs touching the fold)\n",
         mean, sd);
  printf("  held-out pairwise P %.3f  R %.3f  ARI %.3f (pair counts pooled over folds and repetitions)\n",
         pooled.sp ? pooled.tp / pooled.sp : 0, pooled.gp ? pooled.tp / pooled.gp : 0, ari_of(pooled));
  printf("  chosen:");
  for (int s = 1; s < ns; s++)
    if (chosen[s]) printf(" (join %.3f title %.0f idf^%.0f) x%d;", set[s].join, set[s].title, set[s].idf, chosen[s]);
  printf("\n");
  return 0;
}
