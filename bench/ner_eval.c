/*
** ner_eval.c — exact-span NER evaluation of kh_analyze's entity mentions
** (PER, LOC, ORG), per type and micro, on held-out data:
**   IL-NER dev (the model is trained on IL-NER train, not dev), and
**   UNER test documents (every 5th document of each folder; the model is
**   trained on the other 4 of 5), see tools/ner_data.h.
** Three systems in the same run: the shipped system (gazetteer + rules +
** tagger), the gazetteer and rules alone (KH_ANALYZE_NO_TAGGER), and the raw
** gazetteer with every lexicon-list word counted.  A predicted mention counts
** when its byte span and type equal a gold one.  Role phrases (روسی صدر) are
** not names and are left out.
**
**   make bench && ./build/bench/ner_eval [../shared/data]
*/
#include "../src/analyze/analyze.h"
#include "../tools/ner_data.h"

typedef struct counts {
  long tp[4], fp[4], fn[4];
} counts;

static void score_unit(const kh_analyzer *a, const nd_unit *u, unsigned flags, counts *c) {
  kh_article art = {.body = u->text, .body_len = u->len};
  kh_analysis *r;
  if (kh_analyze(a, &art, flags, &r)) nd_die("kh_analyze failed");
  char *matched = calloc(u->nspans + 1, 1);
  for (size_t i = 0; i < r->n_mentions; i++) {
    const kh_mention *m = &r->mentions[i];
    if (m->source == KH_MSRC_ROLE || m->field != KH_FIELD_BODY) continue;
    int hit = 0;
    for (size_t s = 0; s < u->nspans && !hit; s++)
      if (!matched[s] && u->spans[s].start == m->start && u->spans[s].end == m->end &&
          (int)u->spans[s].type == m->type)
        matched[s] = 1, hit = 1;
    if (hit) c->tp[m->type]++;
    else c->fp[m->type]++;
  }
  for (size_t s = 0; s < u->nspans; s++)
    if (!matched[s]) c->fn[u->spans[s].type]++;
  free(matched);
  kh_analysis_free(r);
}

static double f1(long tp, long fp, long fn, double *p, double *r) {
  *p = tp + fp ? (double)tp / (double)(tp + fp) : 0;
  *r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
  return *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

static void report(const char *set, const char *sys, const counts *c) {
  static const char *const names[] = {"", "PER", "LOC", "ORG"};
  long tp = 0, fp = 0, fn = 0;
  printf("%-10s %-28s", set, sys);
  for (int t = 1; t <= 3; t++) {
    double p, r, f = f1(c->tp[t], c->fp[t], c->fn[t], &p, &r);
    printf("  %s P %.3f R %.3f F1 %.3f", names[t], p, r, f);
    tp += c->tp[t], fp += c->fp[t], fn += c->fn[t];
  }
  double p, r, f = f1(tp, fp, fn, &p, &r);
  printf("  | micro P %.3f R %.3f F1 %.3f (gold %ld)\n", p, r, f, tp + fn);
}

static void evaluate(const kh_analyzer *a, const char *name, const nd_set *set) {
  static const struct {
    const char *name;
    unsigned flags;
  } systems[] = {{"khabar (gazetteer+tagger)", 0},
                 {"gazetteer+rules only", KH_ANALYZE_NO_TAGGER},
                 {"raw gazetteer incl. lists", KH_ANALYZE_NO_TAGGER | KH__ANALYZE_ALL_LEX}};
  for (size_t k = 0; k < 3; k++) {
    counts c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < set->n; i++) score_unit(a, &set->u[i], systems[k].flags, &c);
    report(name, systems[k].name, &c);
  }
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : "../shared/data";
  kh_analyzer *a;
  if (kh_analyzer_new(0, &a)) nd_die("kh_analyzer_new failed");
  char path[4096];
  nd_set dev = {0}, un = {0};
  snprintf(path, sizeof path, "%s/ner/il-ner/Urdu-dev.txt", data);
  if (nd_read_conll(path, &dev)) nd_die("IL-NER dev missing (give the data folder)");
  snprintf(path, sizeof path, "%s/ner/uner", data);
  if (nd_read_uner(path, 1, &un)) nd_die("UNER missing");
  printf("NER exact-span evaluation: IL-NER dev %zu sentences; UNER test split %zu lines (every 5th document)\n",
         dev.n, un.n);
  evaluate(a, "IL-NER dev", &dev);
  evaluate(a, "UNER test", &un);
  nd_free(&dev);
  nd_free(&un);
  kh_analyzer_free(a);
  return 0;
}
