/*
** search_util.h — helpers shared by the search tests (test_champ.c,
** test_topk.c): collect the first 100 hits of a search, run a search as
** shipped or as FTS5's own ORDER BY rank, and build the real-data file.
*/
#ifndef KHABAR_TEST_SEARCH_UTIL_H
#define KHABAR_TEST_SEARCH_UTIL_H

#include "khabar.h"

#include <stdint.h>

/* The first 100 hits of one search; n counts every hit delivered. */
typedef struct hits {
  int n;
  int64_t rowid[100];
  double score[100];
} hits;

/* kh_search as shipped (exact = 0) or FTS5's ORDER BY rank (exact = 1,
** KHABAR_NO_CHAMP set for the call) into *r.  Returns kh_search's code. */
int test_search(kh_db *db, const char *q, const kh_search_opts *o, int exact, hits *r);

/* pk-news-2024 + COUNTER (3,741 articles) ingested into dir/real.db with
** champion lists for terms in `threshold` articles (the default 5000 is for
** large files; the code path is the same), all lists built.  NULL when the
** data is absent or a step fails. */
kh_db *test_real_db(const char *dir, int64_t threshold);

#endif
