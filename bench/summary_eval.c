/*
** summary_eval.c — extractive summaries (kh_summarize) against the human
** summaries of USCorpus (../shared/data/uscorpus-summary/articles: X.txt and
** Xsum.txt), next to the lead baseline (the first sentences) in the same
** run: ROUGE-1 and ROUGE-2 recall, precision and F1, averaged over the
** articles.  ROUGE here is our own implementation on khabar's normalized
** tokens (punctuation dropped), clipped n-gram counts (Lin 2004), no
** stemming, no stopword removal.
**
** Two budgets: 3 sentences (the first-3 baseline), and as many
** sentences as the human summary has (lead-N baseline).
**
**   make bench && ./build/bench/summary_eval [--data DIR]
*/
#include "khabar.h"
#include "../src/corpus/corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seq {
  uint64_t *h;
  size_t n, cap;
} seq;

static int on_tok(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl) {
  seq *s = ctx;
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 256;
    s->h = realloc(s->h, s->cap * sizeof *s->h);
  }
  s->h[s->n++] = h;
  return 0;
}

static int cmp64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

/* Sorted n-gram multiset of a token sequence. */
static size_t grams(const seq *s, unsigned n, uint64_t **out) {
  size_t m = s->n >= n ? s->n - n + 1 : 0;
  uint64_t *v = malloc((m + 1) * sizeof *v);
  for (size_t i = 0; i < m; i++) v[i] = kh__ngram_hash(s->h + i, n);
  qsort(v, m, sizeof *v, cmp64);
  *out = v;
  return m;
}

/* ROUGE-n of candidate c against reference r: recall, precision, F1. */
static void rouge(const seq *c, const seq *r, unsigned n, double out[3]) {
  uint64_t *a, *b;
  size_t na = grams(c, n, &a), nb = grams(r, n, &b), i = 0, j = 0, hit = 0;
  while (i < na && j < nb) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else {
      hit++;
      i++;
      j++;
    }
  }
  out[0] = nb ? (double)hit / nb : 0;
  out[1] = na ? (double)hit / na : 0;
  out[2] = out[0] + out[1] > 0 ? 2 * out[0] * out[1] / (out[0] + out[1]) : 0;
  free(a);
  free(b);
}

typedef struct spans {
  size_t s[4096], e[4096];
  int n;
} spans;

static int on_sent(void *ctx, size_t start, size_t end) {
  spans *p = ctx;
  if (p->n < 4096) {
    p->s[p->n] = start;
    p->e[p->n++] = end;
  }
  return 0;
}

typedef struct cat {
  const char *text;
  seq *out;
} cat;

static int on_sum(void *ctx, size_t start, size_t end) {
  cat *c = ctx;
  kh__tokens(c->text + start, end - start, 0, on_tok, c->out);
  return 0;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  *len = fread(b, 1, (size_t)n, f);
  b[*len] = 0;
  fclose(f);
  /* skip a UTF-8 BOM */
  if (*len >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3)) {
    memmove(b, b + 3, *len - 3 + 1);
    *len -= 3;
  }
  return b;
}

int main(int argc, char **argv) {
  const char *data = KH_SOURCE_DIR "/../shared/data";
  if (argc == 3 && !strcmp(argv[1], "--data")) data = argv[2];
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/uscorpus-summary/articles", data);
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "summary_eval: cannot open %s\n", dir);
    return 1;
  }
  /* sums[budget][system][rouge-n][r/p/f] */
  double sums[2][2][2][3] = {{{{0}}}};
  int narts = 0;
  double ref_sents = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t nl = strlen(de->d_name);
    if (nl < 5 || strcmp(de->d_name + nl - 4, ".txt") || (nl > 7 && !strcmp(de->d_name + nl - 7, "sum.txt")))
      continue;
    char ap[8192], sp[8192];
    snprintf(ap, sizeof ap, "%s/%s", dir, de->d_name);
    snprintf(sp, sizeof sp, "%s/%.*ssum.txt", dir, (int)(nl - 4), de->d_name);
    size_t alen, slen;
    char *art = slurp(ap, &alen), *sum = slurp(sp, &slen);
    if (!art || !sum) {
      free(art);
      free(sum);
      continue;
    }
    seq ref = {0};
    kh__tokens(sum, slen, 0, on_tok, &ref);
    spans rs = {.n = 0}, as = {.n = 0};
    kh_sentences(sum, slen, on_sent, &rs);
    kh_sentences(art, alen, on_sent, &as);
    ref_sents += rs.n;
    int budgets[2] = {3, rs.n > 0 ? rs.n : 1};
    for (int b = 0; b < 2; b++) {
      seq ours = {0}, lead = {0};
      cat c = {art, &ours};
      kh_summarize(art, alen, budgets[b], on_sum, &c);
      for (int k = 0; k < as.n && k < budgets[b]; k++)
        kh__tokens(art + as.s[k], as.e[k] - as.s[k], 0, on_tok, &lead);
      for (unsigned n = 1; n <= 2; n++) {
        double o[3], l[3];
        rouge(&ours, &ref, n, o);
        rouge(&lead, &ref, n, l);
        for (int m = 0; m < 3; m++) {
          sums[b][0][n - 1][m] += o[m];
          sums[b][1][n - 1][m] += l[m];
        }
      }
      free(ours.h);
      free(lead.h);
    }
    free(ref.h);
    free(art);
    free(sum);
    narts++;
  }
  closedir(d);
  printf("USCorpus: %d articles with human summaries (mean %.1f sentences a summary)\n", narts,
         ref_sents / narts);
  const char *bname[2] = {"3 sentences", "as many sentences as the human summary"};
  const char *sname[2] = {"khabar kh_summarize", "lead baseline (first sentences)"};
  for (int b = 0; b < 2; b++) {
    printf("budget: %s\n", bname[b]);
    for (int s = 0; s < 2; s++)
      printf("  %-34s ROUGE-1 R %.3f P %.3f F %.3f   ROUGE-2 R %.3f P %.3f F %.3f\n", sname[s],
             sums[b][s][0][0] / narts, sums[b][s][0][1] / narts, sums[b][s][0][2] / narts,
             sums[b][s][1][0] / narts, sums[b][s][1][1] / narts, sums[b][s][1][2] / narts);
  }
  return 0;
}
