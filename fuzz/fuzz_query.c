/*
** fuzz_query.c — libFuzzer target for the search query parser (src/store/query.c)
** and the path into FTS5: any query text either parses into an expression
** that FTS5 accepts, or is refused with KH_EQUERY and a reason.  An SQL
** error (KH_EDB) from a query we built would be a bug, and aborts.
**
**   make fuzz && ./build/fuzz/fuzz_query fuzz/corpus/query
*/
#include "../src/store/store.h"

#include <stdlib.h>

static kh_db *db;

static int on_hit(void *ctx, const kh_hit *h) {
  (void)ctx;
  if (!h->id || !h->snippet) abort();
  return 0;
}

static void setup(void) {
  if (kh_db_open(":memory:", &db)) abort();
  static const char *const titles[] = {"کراچی میں بارش", "لاہور میں اسموگ", "ملتان ٹیسٹ"};
  static const char *const bodies[] = {
      "کراچی میں پیر کی صبح موسلا دھار بارش سے کئی علاقوں میں پانی جمع ہو گیا۔",
      "پنجاب حکومت نے اسموگ کے باعث اسکول ایک ہفتے کیلئے بند کر دیے۔ 2024",
      "پاکستان کی قومی ٹیم نے ٹاس جیت کر بیٹنگ کا فیصلہ کیا۔ title: NEAR"};
  for (int i = 0; i < 3; i++) {
    kh_article a = {0};
    a.title = titles[i];
    a.title_len = strlen(titles[i]);
    a.body = bodies[i];
    a.body_len = strlen(bodies[i]);
    if (kh_db_put_article(db, &a, NULL) < 0) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!db) setup();
  if (size > 8192) return 0;
  char *q = malloc(size + 1);
  if (!q) return 0;
  memcpy(q, data, size);
  q[size] = '\0';
  kh__query pq;
  int rc = kh__query_parse(q, size, &pq);
  if (rc == KH_EQUERY && !pq.err[0]) abort(); /* a refusal says why */
  if (rc == 0 && (!pq.fts || !*pq.fts)) abort();
  kh__query_free(&pq);
  if (!memchr(q, 0, size)) {
    kh_search_opts o = {0};
    o.limit = 3;
    rc = kh_search(db, q, &o, on_hit, NULL);
    if (rc != 0 && rc != KH_EQUERY && rc != KH_ETOOBIG) abort();
  }
  free(q);
  return 0;
}
