/*
** lemma_eval.c — lemma accuracy of kh_lemma on UD Urdu UDTB, and how well
** kh_stem conflates the inflected forms of one lemma, each next to the
** identity baseline (lemma = form, stem = form) in the same run.
**
**   ./build/bench/lemma_eval [DATA_DIR]      (default ../shared/data)
**
** Gold: ud-urdu-udtb/ur_udtb-ud-{dev,test}.conllu, column 2 FORM against
** column 3 LEMMA, both normalized with kh_normalize; multiword-token lines
** (1-2) and empty nodes are skipped.  The DEV split was used to build
** src/text/lemma_tab.h (tools/gen_lemma.py); TEST is held out.
**
** Stem conflation: over the distinct (form, lemma) pairs of nouns, proper
** nouns and adjectives, two different forms "should" share a stem when they
** share a lemma.  Precision = pairs sharing a stem that share a lemma /
** pairs sharing a stem; recall = pairs sharing a lemma that share a stem.
*/
#include "khabar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXW 200000

typedef struct row {
  char *form, *lemma, *stem, *klem; /* klem: kh_lemma(form) */
  char upos[8];
} row;

static char *norm_dup(const char *s, size_t n) {
  char *out;
  size_t on;
  if (kh_normalize(s, n, &out, &on, NULL)) return NULL;
  char *r = malloc(on + 1);
  if (r) memcpy(r, out, on + 1);
  kh_free(out);
  return r;
}

static int cmp_stem(const void *a, const void *b) {
  const row *x = a, *y = b;
  int c = strcmp(x->stem, y->stem);
  return c ? c : strcmp(x->form, y->form);
}

/* Per-category counters. */
typedef struct acc {
  long n, ok, id;
} acc;

static void pr(const char *name, acc a) {
  printf("  %-6s tokens %6ld  kh_lemma %.4f (%ld)  identity %.4f (%ld)\n", name, a.n,
         a.n ? (double)a.ok / a.n : 0, a.ok, a.n ? (double)a.id / a.n : 0, a.id);
}

static int eval(const char *path, const char *label) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "lemma_eval: cannot open %s\n", path);
    return 1;
  }
  static const char *cats[] = {"NOUN", "VERB", "AUX", "ADP", "PRON", "ADJ", "PROPN"};
  acc all = {0}, cat[7] = {{0}};
  row *rows = calloc(MAXW, sizeof *rows);
  size_t nrows = 0;
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *col[4];
    char *p = line;
    int k = 0;
    for (; k < 4; k++) {
      col[k] = p;
      char *t = strchr(p, '\t');
      if (!t) break;
      *t = 0;
      p = t + 1;
    }
    if (k < 4 || strchr(col[0], '-') || strchr(col[0], '.')) continue;
    char *form = norm_dup(col[1], strlen(col[1]));
    char *lemma = norm_dup(col[2], strlen(col[2]));
    if (!form || !lemma) return 1;
    char out[1100];
    int m = kh_lemma(form, strlen(form), out, sizeof out);
    int ok = m >= 0 && strcmp(out, lemma) == 0;
    int id = strcmp(form, lemma) == 0;
    all.n++, all.ok += ok, all.id += id;
    for (int c = 0; c < 7; c++)
      if (!strcmp(col[3], cats[c])) cat[c].n++, cat[c].ok += ok, cat[c].id += id;
    if ((!strcmp(col[3], "NOUN") || !strcmp(col[3], "PROPN") || !strcmp(col[3], "ADJ")) &&
        nrows < MAXW) {
      char st[1100];
      int sm = kh_stem(form, strlen(form), st, sizeof st);
      row *r = &rows[nrows++];
      r->form = form;
      r->lemma = lemma;
      r->stem = strdup(sm >= 0 ? st : form);
      r->klem = strdup(ok || m >= 0 ? out : form);
      snprintf(r->upos, sizeof r->upos, "%s", col[3]);
      continue;
    }
    free(form);
    free(lemma);
  }
  fclose(f);
  printf("%s (%s)\n", label, path);
  pr("all", all);
  for (int c = 0; c < 7; c++) pr(cats[c], cat[c]);

  /* stem conflation over distinct (form, lemma) pairs */
  qsort(rows, nrows, sizeof *rows, cmp_stem);
  size_t u = 0;
  for (size_t i = 0; i < nrows; i++) {
    if (u && !strcmp(rows[u - 1].form, rows[i].form) && !strcmp(rows[u - 1].stem, rows[i].stem) &&
        !strcmp(rows[u - 1].lemma, rows[i].lemma)) {
      free(rows[i].form), free(rows[i].lemma), free(rows[i].stem), free(rows[i].klem);
      continue;
    }
    rows[u++] = rows[i];
  }
  long share_stem = 0, share_both = 0, share_lemma = 0, share_kl = 0, share_kl_both = 0;
  for (size_t i = 0; i < u; i++)
    for (size_t j = i + 1; j < u; j++) {
      if (!strcmp(rows[i].form, rows[j].form)) continue;
      int same = !strcmp(rows[i].lemma, rows[j].lemma);
      share_lemma += same;
      if (!strcmp(rows[i].stem, rows[j].stem)) share_stem++, share_both += same;
      if (!strcmp(rows[i].klem, rows[j].klem)) share_kl++, share_kl_both += same;
    }
  printf("  conflation of distinct NOUN/PROPN/ADJ (form, lemma) pairs (%zu): pairs sharing a gold lemma %ld\n",
         u, share_lemma);
  printf("    kh_stem  key: pairs sharing it %4ld, same lemma %4ld -> precision %.4f recall %.4f\n",
         share_stem, share_both, share_stem ? (double)share_both / share_stem : 1.0,
         share_lemma ? (double)share_both / share_lemma : 0.0);
  printf("    kh_lemma key: pairs sharing it %4ld, same lemma %4ld -> precision %.4f recall %.4f\n",
         share_kl, share_kl_both, share_kl ? (double)share_kl_both / share_kl : 1.0,
         share_lemma ? (double)share_kl_both / share_lemma : 0.0);
  printf("    identity key: precision 1 (no pairs), recall 0.0000\n");
  for (size_t i = 0; i < u; i++) free(rows[i].form), free(rows[i].lemma), free(rows[i].stem), free(rows[i].klem);
  free(rows);
  return 0;
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : getenv("KHABAR_DATA");
  if (!data || !*data) data = "../shared/data";
  char path[4096];
  snprintf(path, sizeof path, "%s/ud-urdu-udtb/ur_udtb-ud-test.conllu", data);
  if (eval(path, "UD Urdu UDTB test (held out)")) return 1;
  snprintf(path, sizeof path, "%s/ud-urdu-udtb/ur_udtb-ud-dev.conllu", data);
  if (eval(path, "UD Urdu UDTB dev (USED to build lemma_tab.h: not a held-out figure)")) return 1;
  return 0;
}
