/*
** variants_eval.c — precision and recall of merging name spellings into one
** entity, on the gold groups of tests/fixtures/variants_gold.tsv (how they
** were built is written at its top).
**
** For every pair of spellings (s1, s2) one small article is analyzed:
**   "صدر S1 نے کہا کہ حالات بہتر ہیں۔ بعد ازاں صدر S2 نے صحافیوں کو بتایا کہ مذاکرات جاری رہیں گے۔"
** and the pair counts as merged when both mentions are found and belong to
** one entity.  Gold: same group = one person.  Pairwise precision / recall,
** next to two peers in the same run: identical spellings only (exact), and
** equal consonant skeletons word by word (kh_skeleton alone).
**
**   make bench && ./build/bench/variants_eval
*/
#include "khabar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KH_SOURCE_DIR
#define KH_SOURCE_DIR "."
#endif

typedef struct entry {
  char group[64];
  char spelling[256];
} entry;

static int mention_entity(const kh_analysis *r, size_t start) {
  for (size_t i = 0; i < r->n_mentions; i++)
    if (r->mentions[i].start <= start && r->mentions[i].end > start) return r->mentions[i].entity;
  return -1;
}

static int same_skeleton(const char *a, const char *b) {
  char *ka, *kb;
  size_t la, lb;
  if (kh_skeleton(a, strlen(a), &ka, &lb)) return 0;
  if (kh_skeleton(b, strlen(b), &kb, &la)) {
    kh_free(ka);
    return 0;
  }
  int same = la == lb && !memcmp(ka, kb, la);
  kh_free(ka);
  kh_free(kb);
  return same;
}

static int same_norm(const char *a, const char *b) {
  char *na, *nb;
  size_t la, lb;
  if (kh_normalize(a, strlen(a), &na, &la, NULL)) return 0;
  if (kh_normalize(b, strlen(b), &nb, &lb, NULL)) {
    kh_free(na);
    return 0;
  }
  int same = la == lb && !memcmp(na, nb, la);
  kh_free(na);
  kh_free(nb);
  return same;
}

typedef struct pr {
  long tp, fp, fn;
} pr;

static void add(pr *p, int gold, int pred) {
  if (pred && gold) p->tp++;
  else if (pred) p->fp++;
  else if (gold) p->fn++;
}

static void show(const char *name, const pr *p) {
  double P = p->tp + p->fp ? (double)p->tp / (double)(p->tp + p->fp) : 0;
  double R = p->tp + p->fn ? (double)p->tp / (double)(p->tp + p->fn) : 0;
  printf("%-34s precision %.3f  recall %.3f  (merged %ld correct, %ld wrong; %ld gold pairs missed)\n", name, P, R,
         p->tp, p->fp, p->fn);
}

int main(int argc, char **argv) {
  char path[4096];
  snprintf(path, sizeof path, "%s", argc > 1 ? argv[1] : KH_SOURCE_DIR "/tests/fixtures/variants_gold.tsv");
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "variants_eval: %s missing\n", path);
    return 1;
  }
  entry *e = NULL;
  size_t n = 0, cap = 0;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *t1 = strchr(line, '\t');
    if (!t1) continue;
    *t1 = 0;
    char *sp = t1 + 1, *t2 = strchr(sp, '\t');
    if (t2) *t2 = 0;
    sp[strcspn(sp, "\r\n")] = 0;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      e = realloc(e, cap * sizeof *e);
    }
    if (strlen(line) >= sizeof e[n].group || strlen(sp) >= sizeof e[n].spelling) continue;
    memcpy(e[n].group, line, strlen(line) + 1);
    memcpy(e[n].spelling, sp, strlen(sp) + 1);
    n++;
  }
  fclose(f);
  kh_analyzer *a;
  if (kh_analyzer_new(0, &a)) return 1;
  pr khabar = {0}, exact = {0}, skel = {0};
  long pairs = 0, detected = 0, groups_pairs = 0;
  const char *pre = "صدر ", *mid = " نے کہا کہ حالات بہتر ہیں۔ بعد ازاں صدر ",
             *post = " نے صحافیوں کو بتایا کہ مذاکرات جاری رہیں گے۔";
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      int gold = !strcmp(e[i].group, e[j].group);
      char body[2048];
      int l1 = snprintf(body, sizeof body, "%s%s", pre, e[i].spelling);
      int l2 = snprintf(body + l1, sizeof body - (size_t)l1, "%s", mid);
      snprintf(body + l1 + l2, sizeof body - (size_t)(l1 + l2), "%s%s", e[j].spelling, post);
      kh_article art = {.body = body, .body_len = strlen(body)};
      kh_analysis *r;
      if (kh_analyze(a, &art, 0, &r)) return 1;
      int m1 = mention_entity(r, strlen(pre)), m2 = mention_entity(r, (size_t)(l1 + l2));
      kh_analysis_free(r);
      pairs++;
      groups_pairs += gold;
      detected += m1 >= 0 && m2 >= 0;
      add(&khabar, gold, m1 >= 0 && m1 == m2);
      if (getenv("VERBOSE") && gold != (m1 >= 0 && m1 == m2))
        fprintf(stderr, "%s: %s / %s\n", gold ? "missed" : "wrong", e[i].spelling, e[j].spelling);
      add(&exact, gold, same_norm(e[i].spelling, e[j].spelling));
      add(&skel, gold, same_skeleton(e[i].spelling, e[j].spelling));
    }
  printf("variants: %zu spellings, %ld pairs (%ld same-entity); both mentions found in %ld pairs\n", n, pairs,
         groups_pairs, detected);
  show("khabar (kh_analyze merging)", &khabar);
  show("exact normalized spelling", &exact);
  show("same consonant skeleton", &skel);
  free(e);
  kh_analyzer_free(a);
  return 0;
}
