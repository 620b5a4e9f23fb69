/*
** ner_eval.c — exact-span NER evaluation of kh_analyze's entity mentions
** (PER, LOC, ORG), per type and micro, on held-out data:
**   IL-NER dev (the model is trained on IL-NER train, not dev), and
**   UNER test documents (every 5th document of each folder; the model is
**   trained on the other 4 of 5), see tools/ner_data.h.
** Three systems in the same run: the shipped system (gazetteer + rules +
** tagger), the gazetteer and rules alone (KH_ANALYZE_NO_TAGGER), and the raw
** gazetteer with every lexicon-list word counted.  A predicted mention counts
** when its byte span and type equal a gold one (nd_score_unit in
** tools/ner_data.h).  Role phrases (روسی صدر) are not names and are left out.
**
**   make bench && ./build/bench/ner_eval [../shared/data] [--errors]
** --errors prints the shipped system's false positives and negatives
** (FP/FN TYPE [span] in: sentence) on stderr.
*/
#include "../src/analyze/analyze.h"
#include "../tools/ner_data.h"

static void evaluate(const kh_analyzer *a, const char *name, const nd_set *set, FILE *errors) {
  static const struct {
    const char *name;
    unsigned flags;
  } systems[] = {{"khabar (gazetteer+tagger)", 0},
                 {"gazetteer+rules only", KH_ANALYZE_NO_TAGGER},
                 {"raw gazetteer incl. lists", KH_ANALYZE_NO_TAGGER | KH__ANALYZE_ALL_LEX}};
  for (size_t k = 0; k < 3; k++) nd_evaluate(a, name, systems[k].name, set, systems[k].flags, k ? NULL : errors);
}

int main(int argc, char **argv) {
  const char *data = "../shared/data";
  FILE *errors = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--errors")) errors = stderr;
    else data = argv[i];
  }
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
  evaluate(a, "IL-NER dev", &dev, errors);
  evaluate(a, "UNER test", &un, errors);
  nd_free(&dev);
  nd_free(&un);
  kh_analyzer_free(a);
  return 0;
}
