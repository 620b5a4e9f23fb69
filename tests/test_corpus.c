/*
** test_corpus.c — the corpus layer on real Urdu: fingerprints (exact key,
** MinHash, LSH bands), reuse scores and passages, the COUNTER classifier,
** and failure of every allocation.
*/
#include "test.h"

#include "../src/corpus/corpus.h"
#include "../src/store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

/* ---- COUNTER pairs from ../shared/data ---- */

typedef struct cpair {
  char *src, *der;
  int cls;
} cpair;

static cpair CP[600];
static int CN = -1;

/* Load COUNTER once; returns the number of pairs (0 if the data is absent). */
static int counter_load(void) {
  if (CN >= 0) return CN;
  CN = 0;
  size_t len;
  char *all = test_read_data("counter/counter.jsonl", &len);
  if (!all) return 0;
  char *line = all;
  while (line && *line) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    json_t *o = json_loads(line, 0, NULL);
    if (o) {
      int id = atoi(json_string_value(json_object_get(o, "counter_pair")));
      const char *role = json_string_value(json_object_get(o, "counter_role"));
      const char *body = json_string_value(json_object_get(o, "body"));
      const char *cl = json_string_value(json_object_get(o, "counter_class"));
      if (id >= 1 && id <= 600 && role && body && cl) {
        cpair *p = &CP[id - 1];
        if (!strcmp(role, "source")) p->src = strdup(body);
        else p->der = strdup(body);
        p->cls = !strcmp(cl, "WD") ? KH_REUSE_WD : !strcmp(cl, "PD") ? KH_REUSE_PD : KH_REUSE_ND;
        if (id > CN) CN = id;
      }
      json_decref(o);
    }
    line = nl ? nl + 1 : NULL;
  }
  free(all);
  return CN;
}

static int compare_texts(const char *a, size_t na, const char *b, size_t nb, kh_reuse *r) {
  kh_reuse_text *ta = NULL, *tb = NULL;
  int rc = kh_reuse_text_new(a, na, &ta);
  if (!rc) rc = kh_reuse_text_new(b, nb, &tb);
  if (!rc) rc = kh_reuse_compare(ta, tb, r);
  kh_reuse_text_free(ta);
  kh_reuse_text_free(tb);
  return rc;
}

/* ---- fingerprints ---- */

TEST(corpus_exact_key) {
  /* the same words, glued to punctuation differently (ہے۔ہم vs ہے ۔ ہم) */
  const char *a = "وزیر اعظم نے کہا ہے۔ہم ملک کو آگے لے جائیں گے";
  const char *b = "وزیر اعظم نے کہا ہے ۔ ہم ملک کو آگے لے جائیں گے۔";
  const char *c = "وزیر اعظم نے کہا ہے ۔ ہم ملک کو پیچھے لے جائیں گے";
  kh_fingerprint fa, fb, fc, fe;
  ASSERT_INT_EQ(kh_fingerprint_text(a, strlen(a), &fa), 0);
  ASSERT_INT_EQ(kh_fingerprint_text(b, strlen(b), &fb), 0);
  ASSERT_INT_EQ(kh_fingerprint_text(c, strlen(c), &fc), 0);
  ASSERT_INT_EQ(fa.ntokens, 12);
  ASSERT(fa.exact != 0);
  ASSERT(fa.exact == fb.exact);
  ASSERT(fa.exact != fc.exact);
  ASSERT(kh_fingerprint_similarity(&fa, &fb) == 1.0);
  /* one word changed: 3 of the 10 shingles differ */
  double s = kh_fingerprint_similarity(&fa, &fc);
  ASSERT(s > 0.3 && s < 0.95);
  ASSERT_INT_EQ(kh_fingerprint_text("", 0, &fe), 0);
  ASSERT_INT_EQ(fe.exact, 0);
  ASSERT_INT_EQ(fe.ntokens, 0);
  ASSERT(kh_fingerprint_similarity(&fe, &fe) == 0.0);
  ASSERT_INT_EQ(kh_fingerprint_text(NULL, 3, &fe), KH_EINVAL);
  return 0;
}

/* Jaccard of two texts' trigram sets from kh_reuse_compare (exact). */
static double exact_jaccard(const char *a, size_t na, const char *b, size_t nb) {
  kh_reuse r;
  if (compare_texts(a, na, b, nb, &r)) return -1;
  double j = r.resemblance;
  kh_reuse_clear(&r);
  return j;
}

TEST(corpus_minhash_estimates_jaccard) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  /* MinHash with K=128 has standard error <= 0.045; allow 4 sigma */
  int checked = 0;
  for (int i = 0; i < CN; i += 7) {
    const char *a = CP[i].src, *b = CP[i].der;
    kh_fingerprint fa, fb;
    ASSERT_INT_EQ(kh_fingerprint_text(a, strlen(a), &fa), 0);
    ASSERT_INT_EQ(kh_fingerprint_text(b, strlen(b), &fb), 0);
    double j = exact_jaccard(a, strlen(a), b, strlen(b));
    double est = kh_fingerprint_similarity(&fa, &fb);
    if (fabs(est - j) > 0.18) FAIL("pair %d: minhash %.3f vs jaccard %.3f", i + 1, est, j);
    checked++;
  }
  ASSERT(checked > 80);
  return 0;
}

TEST(corpus_lsh_bands) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  /* a copy with its first sentence dropped shares a band with the original;
  ** two different agency stories share none */
  const char *a = CP[0].src, *other = CP[300].src;
  const char *cut = strstr(a, "۔");
  ASSERT(cut);
  cut += strlen("۔");
  kh_fingerprint fa, fc, fo;
  ASSERT_INT_EQ(kh_fingerprint_text(a, strlen(a), &fa), 0);
  ASSERT_INT_EQ(kh_fingerprint_text(cut, strlen(cut), &fc), 0);
  ASSERT_INT_EQ(kh_fingerprint_text(other, strlen(other), &fo), 0);
  uint64_t ba[KH_LSH_BANDS], bc[KH_LSH_BANDS], bo[KH_LSH_BANDS];
  kh_fingerprint_bands(&fa, ba);
  kh_fingerprint_bands(&fc, bc);
  kh_fingerprint_bands(&fo, bo);
  int shared_c = 0, shared_o = 0;
  for (int i = 0; i < KH_LSH_BANDS; i++) {
    shared_c += ba[i] == bc[i];
    shared_o += ba[i] == bo[i];
  }
  ASSERT(shared_c >= 5);
  ASSERT_INT_EQ(shared_o, 0);
  return 0;
}

/* ---- reuse ---- */

TEST(corpus_reuse_copy_and_passages) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  /* pair 3 (WD): the derived text against itself and against its source */
  const char *a = CP[2].src, *b = CP[2].der;
  kh_reuse r;
  ASSERT_INT_EQ(compare_texts(b, strlen(b), b, strlen(b), &r), 0);
  ASSERT(r.resemblance == 1.0 && r.containment_ab == 1.0 && r.containment_ba == 1.0);
  ASSERT(r.coverage_a == 1.0 && r.coverage_b == 1.0);
  ASSERT_INT_EQ(r.npassages, 1);
  ASSERT_INT_EQ(r.passages[0].a_start, r.passages[0].b_start);
  ASSERT_INT_EQ(r.label, KH_REUSE_WD);
  kh_reuse_clear(&r);

  ASSERT_INT_EQ(compare_texts(a, strlen(a), b, strlen(b), &r), 0);
  ASSERT(r.npassages > 0);
  /* every passage: the two byte spans read the same words */
  for (size_t k = 0; k < r.npassages; k++) {
    kh_passage *p = &r.passages[k];
    ASSERT(p->a_end > p->a_start && p->a_end <= strlen(a));
    ASSERT(p->b_end > p->b_start && p->b_end <= strlen(b));
    ASSERT(p->ntokens >= KH_PASSAGE_MIN);
    kh_fingerprint fa, fb;
    ASSERT_INT_EQ(kh_fingerprint_text(a + p->a_start, p->a_end - p->a_start, &fa), 0);
    ASSERT_INT_EQ(kh_fingerprint_text(b + p->b_start, p->b_end - p->b_start, &fb), 0);
    if (fa.exact != fb.exact)
      FAIL("passage %zu differs: '%.*s' vs '%.*s'", k, (int)(p->a_end - p->a_start), a + p->a_start,
           (int)(p->b_end - p->b_start), b + p->b_start);
    ASSERT_INT_EQ(fa.ntokens, p->ntokens);
  }
  /* passages are disjoint and in a's order */
  for (size_t k = 1; k < r.npassages; k++) ASSERT(r.passages[k].a_start >= r.passages[k - 1].a_end);
  kh_reuse r2;
  ASSERT_INT_EQ(compare_texts(b, strlen(b), a, strlen(a), &r2), 0);
  ASSERT(r2.containment_ab == r.containment_ba && r2.contain_ba[0] == r.contain_ab[0]);
  ASSERT_INT_EQ(r2.label_rev, r.label);
  ASSERT_INT_EQ(r2.label, r.label_rev);
  kh_reuse_clear(&r);
  kh_reuse_clear(&r2);
  return 0;
}

TEST(corpus_reuse_content_features) {
  /* A wire lead (COUNTER pair 56's source, shortened), a rewrite that keeps
  ** its facts in its order and adds a clause from elsewhere, and the same
  ** two sentences in the other order. */
  const char *wire = "راولپنڈی (اے پی پی) وزیر زراعت پنجاب ڈاکٹر فرخ جاوید نے کہا ہے کہ حکومت نے زراعت "
                     "کی بحالی کے لئے 32 ارب روپے کا پیکج دیا ہے۔ کسانوں کو ٹیوب ویل کی بجلی پر 22 ارب "
                     "روپے کی سبسڈی دی جائے گی۔";
  const char *rewrite = "راولپنڈی (نمائندہ خصوصی) وزیر زراعت پنجاب فرخ جاوید نے کہا ہے کہ زراعت کی بحالی "
                        "کے لئے حکومت نے 32 ارب روپے کا پیکج دیا ہے، ٹیوب ویل کی بجلی پر کسانوں کو 22 "
                        "ارب روپے سبسڈی ملے گی، دریں اثنا شہر میں موسلا دھار بارش سے نشیبی علاقے زیر آب آ گئے۔";
  const char *swapped = "کسانوں کو ٹیوب ویل کی بجلی پر 22 ارب روپے کی سبسڈی دی جائے گی۔ راولپنڈی (اے پی "
                        "پی) وزیر زراعت پنجاب ڈاکٹر فرخ جاوید نے کہا ہے کہ حکومت نے زراعت کی بحالی کے لئے "
                        "32 ارب روپے کا پیکج دیا ہے۔";
  kh_reuse r, q;
  ASSERT_INT_EQ(compare_texts(wire, strlen(wire), wire, strlen(wire), &r), 0);
  ASSERT(r.words_ab == 1.0 && r.words_ba == 1.0 && r.numbers_ab == 1.0 && r.order_ab == 1.0);
  ASSERT(r.clause_ab == 1.0 && r.clause_high_ab == 1.0 && r.clause_new_ab == 0.0);
  kh_reuse_clear(&r);

  ASSERT_INT_EQ(compare_texts(wire, strlen(wire), rewrite, strlen(rewrite), &r), 0);
  ASSERT(r.numbers_ba == 1.0);                      /* 32 and 22 are both in the wire */
  ASSERT(r.words_ab > 0.7 && r.words_ba < r.words_ab); /* the rain clause is new */
  ASSERT(r.clause_new_ba > 0.2 && r.clause_new_ba < 0.6); /* ... and found nowhere in the wire */
  ASSERT(r.clause_high_ba > 0.4);                   /* the rewritten clauses are */
  ASSERT(r.clause_new_ab == 0.0);                   /* every wire clause is in the rewrite */
  /* the other way round, the roles swap exactly */
  ASSERT_INT_EQ(compare_texts(rewrite, strlen(rewrite), wire, strlen(wire), &q), 0);
  ASSERT(q.words_ab == r.words_ba && q.order_ab == r.order_ba && q.numbers_ab == r.numbers_ba);
  ASSERT(q.clause_new_ab == r.clause_new_ba && q.clause_ba == r.clause_ab);
  kh_reuse_clear(&q);
  kh_reuse_clear(&r);

  /* same words, other order: containment stays whole, the LCS does not */
  ASSERT_INT_EQ(compare_texts(wire, strlen(wire), swapped, strlen(swapped), &r), 0);
  ASSERT(r.words_ab == 1.0 && r.words_ba == 1.0);
  ASSERT(r.order_ab < 0.75 && r.order_ab > 0.25);
  kh_reuse_clear(&r);
  return 0;
}

/* Macro-F1 over ncls classes of pred against gold (n pairs). */
static double counter_macro_f1(const int *gold, const int *pred, int n, int ncls) {
  double sum = 0;
  for (int c = 0; c < ncls; c++) {
    int tp = 0, fp = 0, fn = 0;
    for (int i = 0; i < n; i++) {
      if (pred[i] == c && gold[i] == c) tp++;
      else if (pred[i] == c) fp++;
      else if (gold[i] == c) fn++;
    }
    sum += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
  }
  return sum / ncls;
}

TEST(corpus_counter_labels) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  /* The shipped classifier on all 600 pairs.  TRAINING DATA: the model in
  ** reuse_model.h was fitted on these same pairs, so these figures are
  ** optimistic (binary 0.804, 3-class 0.764 macro-F1 when generated); its
  ** honest estimate is the nested CV in the header (0.793 / 0.751).  The
  ** floors catch a stale or broken model (a stale one labels all ND) and
  ** feature code drifting from what the model was fitted on.  Clear cases:
  ** a wholly derived text is (almost) never called ND and an independent
  ** report (almost) never WD. */
  static int gold[600], pred[600], gbin[600], pbin[600];
  int wd_as_nd = 0, nd_as_wd = 0;
  for (int i = 0; i < CN; i++) {
    kh_reuse r;
    ASSERT_INT_EQ(compare_texts(CP[i].src, strlen(CP[i].src), CP[i].der, strlen(CP[i].der), &r), 0);
    gold[i] = CP[i].cls;
    pred[i] = r.label;
    gbin[i] = gold[i] != KH_REUSE_ND;
    pbin[i] = pred[i] != KH_REUSE_ND;
    wd_as_nd += gold[i] == KH_REUSE_WD && pred[i] == KH_REUSE_ND;
    nd_as_wd += gold[i] == KH_REUSE_ND && pred[i] == KH_REUSE_WD;
    /* the reverse direction is labelled too, with probabilities that sum to 1 */
    ASSERT(r.label_rev >= KH_REUSE_ND && r.label_rev <= KH_REUSE_WD);
    ASSERT(fabs(r.prob[0] + r.prob[1] + r.prob[2] - 1.0) < 1e-9);
    kh_reuse_clear(&r);
  }
  double f3 = counter_macro_f1(gold, pred, CN, 3), f2 = counter_macro_f1(gbin, pbin, CN, 2);
  if (f2 < 0.78) FAIL("binary macro-F1 %.3f on the training pairs (generated: 0.804)", f2);
  if (f3 < 0.74) FAIL("3-class macro-F1 %.3f on the training pairs (generated: 0.764)", f3);
  ASSERT(wd_as_nd <= 2);
  ASSERT(nd_as_wd <= 2);
  return 0;
}

/* khabar reuse --pairs labels stored articles with the shipped model: the
** same label as kh_reuse_compare on the two bodies, for COUNTER pairs 1-10. */
TEST(corpus_cli_reuse_pairs_uses_the_model) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  if (counter_load() == 0) SKIP("COUNTER data absent");
  const char *dir = test_tmpdir();
  ASSERT(dir);
  char pairs[300], db[300], cmd[8192];
  snprintf(pairs, sizeof pairs, "%s/pairs.tsv", dir);
  snprintf(db, sizeof db, "%s/r.db", dir);
  FILE *f = fopen(pairs, "w");
  ASSERT(f);
  for (int i = 1; i <= 10; i++) fprintf(f, "counter-%04d\tcounter-%04dp\n", i, i);
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "head -20 '%s/counter/counter.jsonl' | %s ingest -q --db %s - >/dev/null 2>&1 && "
           "%s reuse --db %s --pairs %s",
           test_data_dir(), bin, db, bin, db, pairs);
  FILE *p = popen(cmd, "r");
  ASSERT(p);
  static char out[1 << 20];
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  ASSERT_INT_EQ(pclose(p), 0);
  char *line = out;
  for (int i = 1; i <= 10; i++) {
    char want[64], lab[64];
    snprintf(want, sizeof want, "{\"a\":\"counter-%04d\"", i);
    ASSERT(line && strncmp(line, want, strlen(want)) == 0);
    const cpair *c = &CP[i - 1];
    kh_reuse r;
    ASSERT_INT_EQ(compare_texts(c->src, strlen(c->src), c->der, strlen(c->der), &r), 0);
    snprintf(lab, sizeof lab, "\"label\":\"%s\",\"label_rev\":\"%s\"",
             kh_reuse_label_name(r.label), kh_reuse_label_name(r.label_rev));
    kh_reuse_clear(&r);
    char *nl = strchr(line, '\n');
    ASSERT(nl);
    *nl = 0;
    if (!strstr(line, lab)) FAIL("pair %d: CLI line %.120s lacks %s", i, line, lab);
    line = nl + 1;
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0);
  return 0;
}

/* ---- allocation failures ---- */

static int fail_at;

TEST(corpus_alloc_failures) {
  const char *a = "اسلام آباد (اے پی پی) وزیر اعظم نے کہا ہے کہ ملک ترقی کرے گا۔ انہوں نے یہ بات آج کہی۔";
  const char *b = "وزیر اعظم نے کہا ہے کہ ملک ترقی کرے گا۔ یہ بات انہوں نے اسلام آباد میں کہی۔";
  int ok = 0;
  for (fail_at = 1; fail_at < 500 && !ok; fail_at++) {
    test_failer f = {fail_at, 0};
    kh_set_allocator(test_failing_realloc, &f);
    kh_reuse r;
    int rc = compare_texts(a, strlen(a), b, strlen(b), &r);
    kh_set_allocator(NULL, NULL);
    if (rc == 0) {
      ASSERT(r.npassages >= 1);
      kh_reuse_clear(&r);
      ok = 1;
    } else {
      ASSERT_INT_EQ(rc, KH_ENOMEM);
    }
  }
  ASSERT(ok);
  ASSERT(fail_at > 5); /* several allocations were failed on the way */
  return 0;
}

/* ---- with the store ---- */

/* Put the first n records of a JSONL data file into db. */
static int put_jsonl(kh_db *db, const char *rel, int from, int to) {
  size_t len;
  char *all = test_read_data(rel, &len);
  if (!all) return -1;
  int k = 0, rc = 0;
  for (char *line = all; line && *line && !rc;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    if (k >= from && k < to) {
      json_t *o = json_loads(line, 0, NULL);
      if (o) {
        kh_article a = {0};
        const char *v;
#define F(name)                                                  \
  if ((v = json_string_value(json_object_get(o, #name)))) {      \
    a.name = v;                                                  \
    a.name##_len = strlen(v);                                    \
  }
        F(id) F(source) F(published) F(title) F(body)
#undef F
        int r = kh_db_put_article(db, &a, NULL);
        if (r < 0) rc = r;
        json_decref(o);
      }
    }
    k++;
    line = nl ? nl + 1 : NULL;
  }
  free(all);
  return rc;
}

typedef struct reuse_find {
  const char *want;
  int found;
} reuse_find;

static int on_reuse_hit(void *ctx, const kh_reuse_hit *h) {
  reuse_find *f = ctx;
  if (h->id && !strcmp(h->id, f->want)) f->found = 1;
  return 0;
}

typedef struct dup_find {
  int64_t a, b;
  int found, groups;
} dup_find;

static int on_dup_group(void *ctx, size_t n, const int64_t *rowids) {
  dup_find *f = ctx;
  f->groups++;
  int ha = 0, hb = 0;
  for (size_t i = 0; i < n; i++) {
    if (i && rowids[i] <= rowids[i - 1]) return 1; /* ascending */
    ha |= rowids[i] == f->a;
    hb |= rowids[i] == f->b;
  }
  f->found += ha && hb;
  return 0;
}

TEST(corpus_store_reuse_and_dups) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  char path[4096];
  snprintf(path, sizeof path, "%s/reuse.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 0, 80), 0); /* pairs 1..40 */
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  /* pair 3 is WD: its derived text is found from its source and labelled */
  kh_reuse r;
  ASSERT_INT_EQ(kh_corpus_reuse_pair(db, "counter-0003", "counter-0003p", &r), 0);
  ASSERT(r.label != KH_REUSE_ND);
  ASSERT(r.npassages > 0);
  kh_reuse_clear(&r);
  ASSERT_INT_EQ(kh_corpus_reuse_pair(db, "counter-0003", "nope", &r), KH_ENOTFOUND);
  /* a near copy (the source without its last sentence) under another id:
  ** one duplicate group holding both */
  const char *src = CP[0].src;
  const char *cut = src + strlen(src);
  /* back to the last ۔, then to the one before it (not past the middle) */
  while (cut > src && strncmp(cut, "۔", strlen("۔"))) cut--;
  while (cut > src && strncmp(cut - strlen("۔"), "۔", strlen("۔")) && cut - src > (long)strlen(src) / 2) cut--;
  kh_article c = {0};
  c.id = "near-copy";
  c.id_len = 9;
  c.body = src;
  c.body_len = (size_t)(cut - src);
  int64_t copy_row = 0, src_row = 0;
  ASSERT_INT_EQ(kh_db_put_article(db, &c, &copy_row), 0);
  kh_article again = {0};
  again.id = "counter-0001";
  again.id_len = 12;
  again.body = src;
  again.body_len = strlen(src);
  ASSERT_INT_EQ(kh_db_put_article(db, &again, &src_row), KH_DUPLICATE);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  dup_find f = {src_row, copy_row, 0, 0};
  ASSERT_INT_EQ(kh_corpus_dups(db, 0.8, on_dup_group, &f), 0);
  ASSERT(f.groups >= 1);
  ASSERT_INT_EQ(f.found, 1);
  kh_db_close(db);
  return 0;
}

static int count_stories(void *ctx, const kh_story *s) {
  (void)s;
  (*(int64_t *)ctx)++;
  return 0;
}

static int count_story(void *ctx, const kh_story *s) {
  (*(int64_t *)ctx) += s->size;
  return 0;
}

TEST(corpus_stories_incremental_equals_batch) {
  if (!test_data_dir()) SKIP("data absent");
  char p1[4096], p2[4096];
  snprintf(p1, sizeof p1, "%s/batch.db", test_tmpdir());
  snprintf(p2, sizeof p2, "%s/incr.db", test_tmpdir());
  kh_db *a, *b;
  ASSERT_INT_EQ(kh_db_open(p1, &a), 0);
  ASSERT_INT_EQ(kh_corpus_attach(a), 0);
  ASSERT_INT_EQ(put_jsonl(a, "pk-news-2024/pk-news-2024.jsonl", 0, 400), 0);
  ASSERT_INT_EQ(kh_db_commit(a), 0);
  /* incremental: three sessions, the last without the hook (catch-up) */
  ASSERT_INT_EQ(kh_db_open(p2, &b), 0);
  ASSERT_INT_EQ(kh_corpus_attach(b), 0);
  ASSERT_INT_EQ(put_jsonl(b, "pk-news-2024/pk-news-2024.jsonl", 0, 150), 0);
  kh_db_close(b);
  ASSERT_INT_EQ(kh_db_open(p2, &b), 0);
  ASSERT_INT_EQ(kh_corpus_attach(b), 0);
  ASSERT_INT_EQ(put_jsonl(b, "pk-news-2024/pk-news-2024.jsonl", 150, 300), 0);
  kh_db_close(b);
  ASSERT_INT_EQ(kh_db_open(p2, &b), 0);
  ASSERT_INT_EQ(put_jsonl(b, "pk-news-2024/pk-news-2024.jsonl", 300, 400), 0);
  int64_t added = 0;
  ASSERT_INT_EQ(kh_corpus_update(b, &added), 0);
  ASSERT(added == 100);
  /* every article: same story id in both */
  int64_t na = 0, nb = 0;
  ASSERT_INT_EQ(kh_stories(a, NULL, 1, count_story, &na), 0);
  ASSERT_INT_EQ(kh_stories(b, NULL, 1, count_story, &nb), 0);
  ASSERT(na == nb && na > 350);
  size_t len;
  char *all = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  ASSERT(all);
  int k = 0;
  for (char *line = all; line && *line && k < 400; k++) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    json_t *o = json_loads(line, 0, NULL);
    const char *id = o ? json_string_value(json_object_get(o, "id")) : NULL;
    if (id) {
      int64_t sa = kh_story_of(a, id), sb = kh_story_of(b, id);
      if (sa != sb) FAIL("%s: story %lld in batch, %lld incremental", id, (long long)sa, (long long)sb);
      if (sa <= 0 && sa != KH_ENOTFOUND) FAIL("%s: %lld", id, (long long)sa); /* duplicates: none */
    }
    json_decref(o);
    line = nl ? nl + 1 : NULL;
  }
  free(all);
  /* stories of several articles formed: fewer stories than articles */
  int64_t nstories = 0;
  ASSERT_INT_EQ(kh_stories(a, NULL, 2, count_stories, &nstories), 0);
  ASSERT(nstories >= 20);
  kh_db_close(a);
  kh_db_close(b);
  return 0;
}

/* Gold cross-outlet groups (tests/fixtures/stories_gold.tsv): the gold
** articles alone, ingested in file order, cluster as the gold says. */
TEST(corpus_stories_gold_groups) {
  if (!test_data_dir()) SKIP("data absent");
  char gpath[4096];
  snprintf(gpath, sizeof gpath, "%s/stories_gold.tsv", test_fixture_dir());
  size_t glen;
  char *gold = test_read_file(gpath, &glen);
  ASSERT(gold);
  static char ids[1000][64];
  static int grp[1000];
  int n = 0;
  for (char *line = gold; line && *line && n < 1000;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    if (line[0] != '#' && line[0]) {
      char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
      if (t1 && t2 && t2 - t1 - 1 < 64) {
        grp[n] = atoi(line);
        memcpy(ids[n], t1 + 1, (size_t)(t2 - t1 - 1));
        ids[n][t2 - t1 - 1] = 0;
        n++;
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  free(gold);
  ASSERT(n >= 150);
  char path[4096];
  snprintf(path, sizeof path, "%s/gold.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  size_t len;
  char *all = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  ASSERT(all);
  for (char *line = all; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    json_t *o = json_loads(line, 0, NULL);
    const char *id = o ? json_string_value(json_object_get(o, "id")) : NULL;
    int in_gold = 0;
    for (int i = 0; id && i < n && !in_gold; i++) in_gold = !strcmp(ids[i], id);
    if (in_gold) {
      kh_article a = {0};
      a.id = id;
      a.id_len = strlen(id);
      a.source = json_string_value(json_object_get(o, "source"));
      a.source_len = a.source ? strlen(a.source) : 0;
      a.title = json_string_value(json_object_get(o, "title"));
      a.title_len = a.title ? strlen(a.title) : 0;
      a.body = json_string_value(json_object_get(o, "body"));
      a.body_len = a.body ? strlen(a.body) : 0;
      ASSERT(kh_db_put_article(db, &a, NULL) >= 0);
    }
    json_decref(o);
    line = nl ? nl + 1 : NULL;
  }
  free(all);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  double tp = 0, sp = 0, gp = 0;
  static int64_t st[1000];
  for (int i = 0; i < n; i++) st[i] = kh_story_of(db, ids[i]);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      int s = st[i] > 0 && st[i] == st[j], g = grp[i] == grp[j];
      tp += s && g;
      sp += s;
      gp += g;
    }
  kh_db_close(db);
  double p = sp ? tp / sp : 0, r = gp ? tp / gp : 0;
  /* measured 0.804 / 0.832 on gold v2 (408 articles; IDF from them only) */
  if (p < 0.75 || r < 0.78) FAIL("pairwise precision %.3f recall %.3f on %d gold articles", p, r, n);
  return 0;
}

static int story_thread(void *ctx, const kh_story *s) {
  *(int64_t *)ctx = s->thread;
  return 0;
}

/* The two seed summits (Putin and Xi in Beijing; in Astana) after the
** pk-news-2024 articles: two stories, one thread. */
TEST(corpus_seed_summits_two_stories_one_thread) {
  if (!test_data_dir()) SKIP("data absent");
  char path[4096];
  snprintf(path, sizeof path, "%s/seeds.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  ASSERT_INT_EQ(put_jsonl(db, "pk-news-2024/pk-news-2024.jsonl", 0, 100000), 0);
  const char *seeds[2] = {"seeds/000_399a794aa97989a1.txt", "seeds/003_6ecd3cc72cecb00a.txt"};
  for (int i = 0; i < 2; i++) {
    size_t len;
    char *t = test_read_data(seeds[i], &len);
    ASSERT(t);
    char *nl = strchr(t, '\n');
    kh_article a = {0};
    a.id = seeds[i];
    a.id_len = strlen(seeds[i]);
    a.title = t;
    a.title_len = nl ? (size_t)(nl - t) : len;
    a.body = nl ? nl + 1 : t + len;
    a.body_len = nl ? len - (size_t)(nl + 1 - t) : 0;
    ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
    free(t);
  }
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  int64_t s0 = kh_story_of(db, seeds[0]), s1 = kh_story_of(db, seeds[1]);
  ASSERT(s0 > 0 && s1 > 0 && s0 != s1);
  int64_t th[2] = {0, 0};
  for (int i = 0; i < 2; i++) {
    int64_t sid = i ? s1 : s0;
    ASSERT_INT_EQ(kh_story_get(db, sid, story_thread, NULL, &th[i]), 0);
  }
  ASSERT(th[0] > 0 && th[0] == th[1]);
  kh_db_close(db);
  return 0;
}

/* ---- story state kept in memory, options, migration ---- */

static int64_t q_int(kh_db *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return -1000;
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1001;
  sqlite3_finalize(st);
  return v;
}

/* Stories written with each batch agree with the articles: every article
** with a fingerprint is a member of exactly one story, and the story sizes
** add up to the members. */
static int stories_consistent(kh_db *db) {
  int64_t fp = q_int(db, "SELECT count(*) FROM corpus_fp");
  int64_t mem = q_int(db, "SELECT count(*) FROM story_member");
  int64_t size = q_int(db, "SELECT coalesce(sum(size), 0) FROM story");
  int64_t nd = q_int(db, "SELECT coalesce((SELECT v FROM corpus_meta WHERE k = 'ndocs'), 0)");
  int64_t orphans = q_int(db, "SELECT count(*) FROM story_member WHERE story NOT IN (SELECT id FROM story)");
  return fp == mem && mem == size && size == nd && orphans == 0;
}

/* A batch rolled back takes the in-memory story state with it: putting the
** same articles again gives the stories of an ingest that never failed. */
TEST(corpus_stories_rollback_forgets_state) {
  if (!test_data_dir()) SKIP("data absent");
  char p1[4096], p2[4096];
  snprintf(p1, sizeof p1, "%s/rb1.db", test_tmpdir());
  snprintf(p2, sizeof p2, "%s/rb2.db", test_tmpdir());
  kh_db *a, *b;
  ASSERT_INT_EQ(kh_db_open(p1, &a), 0);
  ASSERT_INT_EQ(kh_corpus_attach(a), 0);
  ASSERT_INT_EQ(put_jsonl(a, "pk-news-2024/pk-news-2024.jsonl", 0, 250), 0);
  ASSERT_INT_EQ(kh_db_commit(a), 0);
  ASSERT_INT_EQ(kh_db_open(p2, &b), 0);
  ASSERT_INT_EQ(kh_corpus_attach(b), 0);
  ASSERT_INT_EQ(put_jsonl(b, "pk-news-2024/pk-news-2024.jsonl", 0, 150), 0);
  ASSERT_INT_EQ(kh_db_commit(b), 0);
  ASSERT_INT_EQ(put_jsonl(b, "pk-news-2024/pk-news-2024.jsonl", 150, 200), 0);
  kh__db_rollback(b); /* those 50 are gone, and so is what they did to the stories */
  ASSERT_INT_EQ(kh_db_count(b), q_int(b, "SELECT count(*) FROM corpus_fp"));
  ASSERT_INT_EQ(put_jsonl(b, "pk-news-2024/pk-news-2024.jsonl", 150, 250), 0);
  ASSERT_INT_EQ(kh_db_commit(b), 0);
  ASSERT(stories_consistent(a) && stories_consistent(b));
  ASSERT_INT_EQ(q_int(a, "SELECT count(*) FROM story"), q_int(b, "SELECT count(*) FROM story"));
  sqlite3_stmt *st;
  ASSERT_INT_EQ(sqlite3_prepare_v2(a->sql, "SELECT a.id, m.story FROM story_member m JOIN article a "
                                           "ON a.rowid = m.rowid ORDER BY a.id",
                                   -1, &st, NULL),
                SQLITE_OK);
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(st, 0);
    if (kh_story_of(b, id) != sqlite3_column_int64(st, 1)) FAIL("%s: story differs after the rollback", id);
    n++;
  }
  sqlite3_finalize(st);
  ASSERT(n >= 240);
  kh_db_close(a);
  kh_db_close(b);
  return 0;
}

/* Every allocation of a put with the corpus hook fails in turn: the put
** (or the commit that flushes the batch) returns KH_ENOMEM or succeeds,
** and the stored stories always agree with the stored articles. */
TEST(corpus_stories_fail_nth_allocation) {
  if (!test_data_dir()) SKIP("data absent");
  size_t len;
  char *all = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  ASSERT(all);
  static kh_article arts[40];
  static json_t *objs[40];
  int na = 0;
  for (char *line = all; line && *line && na < 40;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    json_t *o = json_loads(line, 0, NULL);
    if (o) {
      kh_article *a = &arts[na];
      memset(a, 0, sizeof *a);
      a->id = json_string_value(json_object_get(o, "id"));
      a->title = json_string_value(json_object_get(o, "title"));
      a->body = json_string_value(json_object_get(o, "body"));
      a->source = json_string_value(json_object_get(o, "source"));
      if (a->id && a->title && a->body && a->source) {
        a->id_len = strlen(a->id);
        a->title_len = strlen(a->title);
        a->body_len = strlen(a->body);
        a->source_len = strlen(a->source);
        objs[na++] = o;
      } else {
        json_decref(o);
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/failnth.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  for (int i = 0; i < 10; i++) ASSERT(kh_db_put_article(db, &arts[i], NULL) >= 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  int failed = 0;
  for (long k = 1; k < 400; k++) {
    kh_article *a = &arts[10 + k % 30];
    test_failer f = {k, 0};
    kh_set_allocator(test_failing_realloc, &f);
    int r1 = kh_db_put_article(db, a, NULL);
    int r2 = kh_db_commit(db);
    kh_set_allocator(NULL, NULL);
    if (r1 != 0 && r1 != KH_DUPLICATE && r1 != KH_ENOMEM) FAIL("put at %ld: %d", k, r1);
    if (r2 != 0 && r2 != KH_ENOMEM && r2 != KH_EDB) FAIL("commit at %ld: %d", k, r2);
    if (r2) kh__db_rollback(db);
    failed += r1 == KH_ENOMEM || r2 != 0;
  }
  ASSERT(failed > 0);
  for (int i = 10; i < na; i++) ASSERT(kh_db_put_article(db, &arts[i], NULL) >= 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT(stories_consistent(db));
  ASSERT_INT_EQ(kh_db_count(db), na);
  kh_db_close(db);
  for (int i = 0; i < na; i++) json_decref(objs[i]);
  free(all);
  return 0;
}

/* The first pk-news-2024 article (NULL if unreadable); *cut is the byte
** offset of the space after its body's first quarter, so body + cut is
** the same report shortened.  Title and body live as long as the object. */
static json_t *first_pk_article(const char **title, const char **body, size_t *cut) {
  size_t len;
  char *all = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  char *nl = all ? strchr(all, '\n') : NULL;
  if (nl) *nl = 0;
  json_t *o = nl ? json_loads(all, 0, NULL) : NULL;
  free(all);
  *title = o ? json_string_value(json_object_get(o, "title")) : NULL;
  *body = o ? json_string_value(json_object_get(o, "body")) : NULL;
  if (!*title || !*body) {
    json_decref(o);
    return NULL;
  }
  size_t bl = strlen(*body);
  *cut = bl / 4;
  while (*cut < bl && (*body)[*cut] != ' ') (*cut)++;
  return o;
}

/* The story window is an option: the same report five days later joins the
** story with a 7-day window, and with the default 3 days starts a new story
** in the same thread. */
TEST(corpus_story_window_option) {
  if (!test_data_dir()) SKIP("data absent");
  const char *title, *body;
  size_t cut; /* the later one: the body without its first quarter */
  json_t *o = first_pk_article(&title, &body, &cut);
  ASSERT(o);
  size_t bl = strlen(body);
  int64_t st[2][2], th[2][2];
  for (int w = 0; w < 2; w++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/window%d.db", test_tmpdir(), w);
    kh_db *db;
    ASSERT_INT_EQ(kh_db_open(path, &db), 0);
    kh_story_opts so = {0};
    so.window_days = w ? 7 : 0;
    ASSERT_INT_EQ(kh_corpus_attach_opts(db, &so), 0);
    kh_article a = {0};
    a.id = "day1";
    a.id_len = 4;
    a.title = title;
    a.title_len = strlen(title);
    a.body = body;
    a.body_len = bl;
    a.published = "2024-03-01";
    a.published_len = 10;
    ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
    a.id = "day6";
    a.body = body + cut;
    a.body_len = bl - cut;
    a.published = "2024-03-06";
    ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
    ASSERT_INT_EQ(kh_db_commit(db), 0);
    for (int i = 0; i < 2; i++) {
      st[w][i] = kh_story_of(db, i ? "day6" : "day1");
      ASSERT(st[w][i] > 0);
      ASSERT_INT_EQ(kh_story_get(db, st[w][i], story_thread, NULL, &th[w][i]), 0);
    }
    kh_db_close(db);
  }
  ASSERT(st[0][0] != st[0][1]); /* 3 days: two stories ... */
  ASSERT(th[0][0] == th[0][1]); /* ... one thread */
  ASSERT(st[1][0] == st[1][1]); /* 7 days: one story */
  json_decref(o);
  return 0;
}

/* A file written before schema step 5 (LSH rows in corpus_band, the story
** index in story_term, no story entities) opens: its LSH rows move to
** corpus_lsh, reuse lookup still finds a copy through them, and new
** articles still join the stories made before. */
TEST(corpus_migration_from_step4) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  char path[4096];
  snprintf(path, sizeof path, "%s/old4.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 0, 60), 0);
  kh_article c = {0};
  c.id = "copy-of-1";
  c.id_len = 9;
  c.body = CP[0].src;
  c.body_len = strlen(CP[0].src) * 3 / 4;
  while (c.body_len && c.body[c.body_len] != ' ') c.body_len--;
  ASSERT_INT_EQ(kh_db_put_article(db, &c, NULL), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  int64_t bands = q_int(db, "SELECT count(*) FROM lsh_rows");
  int64_t story1 = kh_story_of(db, "counter-0001");
  ASSERT(bands > 60 * 32 && story1 > 0);
  /* turn it into the step-4 layout, as the previous release wrote it */
  ASSERT_INT_EQ(kh__db_exec(db,
                            "BEGIN;"
                            "CREATE TABLE corpus_band(key INTEGER NOT NULL, rowid INTEGER NOT NULL,"
                            "  PRIMARY KEY(key, rowid)) WITHOUT ROWID;"
                            "INSERT INTO corpus_band SELECT key, rowid FROM lsh_rows;"
                            "DROP TABLE corpus_lshp;"
                            "CREATE TABLE story_term(term INTEGER NOT NULL, story INTEGER NOT NULL,"
                            "  PRIMARY KEY(term, story)) WITHOUT ROWID;"
                            "ALTER TABLE story DROP COLUMN ents;"
                            "PRAGMA user_version = 4;"
                            "COMMIT;"),
                0);
  kh_db_close(db);
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_db_schema_version(db), kh_db_schema_latest());
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('corpus_band', 'story_term', "
                          "'corpus_lsh')"),
                0);
  /* steps 5 and 11: corpus_band -> corpus_lsh -> packed, every row kept, in block 0 */
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows"), bands);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch <> rowid >> 12"), 0);
  /* the copy and its source share a migrated LSH key, and reuse lookup lists the source */
  ASSERT(q_int(db, "SELECT count(*) FROM lsh_rows x JOIN lsh_rows y ON x.key = y.key "
                   "WHERE x.rowid = (SELECT rowid FROM article WHERE id = 'copy-of-1') "
                   "AND y.rowid = (SELECT rowid FROM article WHERE id = 'counter-0001')") > 0);
  reuse_find rf = {"counter-0001", 0};
  ASSERT_INT_EQ(kh_corpus_reuse(db, "copy-of-1", on_reuse_hit, &rf), 0);
  ASSERT_INT_EQ(rf.found, 1);
  /* new articles cluster with the old stories: the source again under
  ** another id and with a changed last word joins story1 */
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  kh_article again = {0};
  again.id = "again-1";
  again.id_len = 7;
  again.body = c.body;
  again.body_len = c.body_len * 9 / 10;
  while (again.body_len && c.body[again.body_len] != ' ') again.body_len--;
  ASSERT_INT_EQ(kh_db_put_article(db, &again, NULL), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh_story_of(db, "again-1"), kh_story_of(db, "copy-of-1"));
  ASSERT(stories_consistent(db));
  kh_db_close(db);
  return 0;
}

/* LSH epochs are tiered: once 16 blocks of 4,096 rowids are complete their
** rows move into one level-1 epoch; no row is lost and reuse lookup still
** finds a copy through the merged rows.  (Gaps in the rowids stand for the
** articles between.) */
TEST(corpus_lsh_epochs_merge) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  char path[4096];
  snprintf(path, sizeof path, "%s/epochs.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 0, 20), 0);
  kh_article c = {0};
  c.id = "copy-of-1";
  c.id_len = 9;
  c.body = CP[0].src;
  c.body_len = strlen(CP[0].src) * 3 / 4;
  while (c.body_len && c.body[c.body_len] != ' ') c.body_len--;
  ASSERT_INT_EQ(kh_db_put_article(db, &c, NULL), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  int64_t rows0 = q_int(db, "SELECT count(*) FROM lsh_rows");
  ASSERT(rows0 > 20 * 32);
  ASSERT_INT_EQ(q_int(db, "SELECT count(DISTINCT epoch) FROM lsh_rows"), 1); /* block 0 */
  /* the next article lands in block 17: blocks 0-15 are complete */
  ASSERT_INT_EQ(kh__db_exec(db, "INSERT INTO article(rowid, id, hash, ingested) VALUES (70000, 'gap-1', 'g1', 'x')"),
                0);
  ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 20, 21), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(q_int(db, "SELECT max(rowid) FROM corpus_fp"), 70001);
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch = 1 << 48"), rows0);
  int64_t rows1 = q_int(db, "SELECT count(*) FROM lsh_rows WHERE rowid = 70001");
  ASSERT(rows1 > 32);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch = 70001 >> 12"), rows1);
  reuse_find rf = {"counter-0001", 0};
  ASSERT_INT_EQ(kh_corpus_reuse(db, "copy-of-1", on_reuse_hit, &rf), 0);
  ASSERT_INT_EQ(rf.found, 1);
  /* block 34: blocks 16-31 are complete too */
  ASSERT_INT_EQ(kh__db_exec(db, "INSERT INTO article(rowid, id, hash, ingested) VALUES (140000, 'gap-2', 'g2', 'x')"),
                0);
  ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 21, 22), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch = (1 << 48) | 16"), rows1);
  ASSERT_INT_EQ(q_int(db, "SELECT count(DISTINCT epoch) FROM lsh_rows"), 3);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows x JOIN article a ON a.rowid = x.rowid"),
                q_int(db, "SELECT count(*) FROM lsh_rows"));
  rf.found = 0;
  ASSERT_INT_EQ(kh_corpus_reuse(db, "copy-of-1", on_reuse_hit, &rf), 0);
  ASSERT_INT_EQ(rf.found, 1);
  ASSERT(stories_consistent(db));
  kh_db_close(db);
  return 0;
}

/* A merge of several level-0 epochs (lsh.c, merge_group: part by part):
** every row of the blocks 0-15 lands in the level-1 epoch, none is lost or
** added, and the rows of block 17 stay level 0. */
TEST(corpus_lsh_merge_many_epochs) {
  if (counter_load() == 0) SKIP("COUNTER data absent");
  char path[4096];
  snprintf(path, sizeof path, "%s/epochs-many.db", test_tmpdir());
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_corpus_attach(db), 0);
  /* articles in blocks 0, 1, 5 and 15 (gaps stand for the articles between) */
  static const int gap[] = {0, 5000, 22000, 63000};
  for (int i = 0; i < 4; i++) {
    char sql[160];
    if (gap[i]) {
      snprintf(sql, sizeof sql, "INSERT INTO article(rowid, id, hash, ingested) VALUES (%d, 'gap-%d', 'g%d', 'x')",
               gap[i], i, i);
      ASSERT_INT_EQ(kh__db_exec(db, sql), 0);
    }
    ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 6 * i, 6 * i + 6), 0);
    ASSERT_INT_EQ(kh_db_commit(db), 0);
  }
  /* and two rows more, the largest key and one of a part of its own (kh__lsh_put
  ** keeps a row it has once) */
  kh__band_row extra[3] = {{-7, 5000}, {-1, 5000}, {-1, 5000}};
  qsort(extra, 3, sizeof *extra, kh__lsh_cmp);
  ASSERT_INT_EQ(kh__db_begin(db), 0);
  ASSERT_INT_EQ(kh__lsh_put(db->sql, extra, 3), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(DISTINCT epoch) FROM lsh_rows"), 4);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE rowid = 5000 AND key IN (-7, -1)"), 2);
  int64_t rows0 = q_int(db, "SELECT count(*) FROM lsh_rows");
  ASSERT(rows0 > 24 * 32);
  ASSERT_INT_EQ(kh__db_exec(db, "CREATE TEMP TABLE before AS SELECT key, rowid FROM lsh_rows"), 0);
  /* the next article lands in block 17: blocks 0-15 are complete */
  ASSERT_INT_EQ(kh__db_exec(db, "INSERT INTO article(rowid, id, hash, ingested) VALUES (70000, 'gap-9', 'g9', 'x')"),
                0);
  ASSERT_INT_EQ(put_jsonl(db, "counter/counter.jsonl", 24, 25), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__lsh_rows_table(db->sql), 0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch = 1 << 48"), rows0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM before b JOIN lsh_rows x ON x.epoch = 1 << 48 AND x.key = b.key "
                          "AND x.rowid = b.rowid"),
                rows0);
  ASSERT_INT_EQ(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch <> 1 << 48 AND epoch <> 70001 >> 12"), 0);
  ASSERT(q_int(db, "SELECT count(*) FROM lsh_rows WHERE epoch = 70001 >> 12") > 32);
  kh_db_close(db);
  return 0;
}

/* khabar ingest --window DAYS (and KHABAR_STORY_WINDOW) reach the story
** options: the same report five days later joins with 7 days, not with 3. */
TEST(corpus_cli_ingest_window) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  if (!test_data_dir()) SKIP("data absent");
  const char *title, *body;
  size_t cut;
  json_t *o = first_pk_article(&title, &body, &cut);
  ASSERT(o);
  size_t bl = strlen(body);
  char in[2048];
  snprintf(in, sizeof in, "%s/window.jsonl", test_tmpdir());
  FILE *f = fopen(in, "w");
  ASSERT(f);
  for (int i = 0; i < 2; i++) {
    json_t *r = json_pack("{s:s, s:s, s:s, s:s%}", "id", i ? "day6" : "day1", "published",
                          i ? "2024-03-06" : "2024-03-01", "title", title, "body", body + (i ? cut : 0),
                          i ? bl - cut : bl);
    char *js = json_dumps(r, JSON_COMPACT);
    fprintf(f, "%s\n", js);
    free(js);
    json_decref(r);
  }
  fclose(f);
  const char *how[3] = {"", "--window 7", "env"};
  int same[3];
  char cmd[16384], out[4096];
  for (int k = 0; k < 3; k++) {
    char db[2048];
    snprintf(db, sizeof db, "%s/cliwin%d.db", test_tmpdir(), k);
    snprintf(cmd, sizeof cmd, "%s%s ingest -q --db %s %s %s 2>&1", k == 2 ? "KHABAR_STORY_WINDOW=7 " : "", bin,
             db, k == 1 ? how[1] : "", in);
    ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
    kh_db *d;
    ASSERT_INT_EQ(kh_db_open(db, &d), 0);
    int64_t s1 = kh_story_of(d, "day1"), s6 = kh_story_of(d, "day6");
    ASSERT(s1 > 0 && s6 > 0);
    same[k] = s1 == s6;
    kh_db_close(d);
  }
  ASSERT(!same[0] && same[1] && same[2]);
  snprintf(cmd, sizeof cmd, "%s ingest --db %s/cliwin9.db --window 0 %s 2>&1", bin, test_tmpdir(), in);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 2);
  ASSERT(strstr(out, "--window") != NULL);
  json_decref(o);
  return 0;
}

/* The examples of the README's run command: the same-day reports of one event
** by awaz-news and shaam-times share a few sentences and become one story, the
** first event in the file too (story.c's IDF floor); the next day's
** sahil-digital report on rain, polio, petrol and smog is a story of its own.  `stories --json`
** prints one object a line with the fields a reader of the API expects. */
TEST(corpus_cli_examples_stories) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  char db[2048], cmd[8192], out[16384];
  snprintf(db, sizeof db, "%s/examples.db", test_tmpdir());
  snprintf(cmd, sizeof cmd, "%s ingest -q --db %s %s/examples/articles.jsonl 2>&1", bin, db, KH_SOURCE_DIR);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  snprintf(cmd, sizeof cmd, "%s stories --json --db %s", bin, db);
  ASSERT_INT_EQ(test_run_cmd(cmd, out, sizeof out), 0);
  int lines = 0;
  for (char *l = out; *l; lines++) {
    char *nl = strchr(l, '\n');
    ASSERT(nl != NULL);
    json_error_t err;
    json_t *o = json_loadb(l, (size_t)(nl - l), 0, &err);
    ASSERT(o != NULL);
    json_int_t size = json_integer_value(json_object_get(o, "size"));
    ASSERT(size == 2 || size == 3);
    ASSERT(json_is_string(json_object_get(o, "label")) && json_is_string(json_object_get(o, "first")));
    ASSERT_INT_EQ((int)json_array_size(json_object_get(o, "sources")), (int)size);
    json_decref(o);
    l = nl + 1;
  }
  ASSERT(lines >= 6);
  kh_db *d;
  ASSERT_INT_EQ(kh_db_open(db, &d), 0);
  static const char *pairs[][3] = {
      {"awaz-2024-1028-09", "shaam-2024-1028-05", "sahil-2024-1029-06"},   /* polio */
      {"awaz-2024-1101-02", "shaam-2024-1101-01", "sahil-2024-1101-08"},   /* petrol */
      {"awaz-2024-0715-01", "shaam-2024-0715-07", "sahil-2024-0716-03"},   /* rain, first in the file */
      {"awaz-2024-1112-04", "shaam-2024-1112-11", "sahil-2024-1113-02"},   /* smog */
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    int64_t a = kh_story_of(d, pairs[i][0]), b = kh_story_of(d, pairs[i][1]), c = kh_story_of(d, pairs[i][2]);
    ASSERT(a > 0 && c > 0);
    ASSERT(a == b);
    ASSERT(a != c);
  }
  static const char *same[][2] = {{"awaz-2024-1015-12", "shaam-2024-1015-03"},  /* the Test match */
                                  {"awaz-2024-1105-06", "shaam-2024-1105-09"}}; /* the stock exchange */
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    int64_t a = kh_story_of(d, same[i][0]);
    ASSERT(a > 0 && a == kh_story_of(d, same[i][1]));
  }
  kh_db_close(d);
  return 0;
}
