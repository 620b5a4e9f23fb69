/*
** test_normalize.c — kh_normalize against tests/fixtures/normalize.txt,
** NFD = NFC, broken UTF-8 accounting, failing allocations, and real text
** from ../shared/data.
*/
#include "test.h"

#include <stdlib.h>

static int norm_case(void *ctx, int n, char **lines, int lineno) {
  (void)ctx;
  (void)lineno;
  if (n != 2) FAIL("record needs 2 lines (input, expected), has %d", n);
  size_t inlen, explen, outlen;
  char *in = test_unescape(lines[0], &inlen);
  char *exp = test_unescape(lines[1], &explen);
  char *out = NULL;
  int rc = kh_normalize(in, inlen, &out, &outlen, NULL);
  int bad = rc != 0 || outlen != explen || memcmp(out, exp, explen) != 0;
  if (bad) fprintf(stderr, "  normalize(%s) = \"%s\", expected \"%s\"\n", lines[0], out ? out : "", exp);
  free(in);
  free(exp);
  kh_free(out);
  return bad;
}

TEST(normalize_fixtures) {
  int nrec = 0;
  int failed = test_fixtures("normalize.txt", norm_case, NULL, &nrec);
  ASSERT_INT_EQ(failed, 0);
  ASSERT(nrec >= 20);
  return 0;
}

TEST(normalize_bad_utf8_counted) {
  char *out;
  size_t n;
  kh_norm_stats st;
  const char in[] = "ab\xC0\xAF" "c\xE2\x80";
  ASSERT_INT_EQ(kh_normalize(in, sizeof in - 1, &out, &n, &st), 0);
  ASSERT_INT_EQ(st.bad_bytes, 4);
  ASSERT_INT_EQ(st.first_bad, 2);
  ASSERT_STR_EQ(out, "ab\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD");
  kh_free(out);
  return 0;
}

/* Fail the Nth allocation: every failure is KH_ENOMEM, no leak (ASan). */
static int fail_at;

TEST(normalize_fail_nth_alloc) {
  const char *in = "پاکِستان ﷺ ۲۰۲۴";
  for (fail_at = 1;; fail_at++) {
    test_failer f = {fail_at, 0};
    kh_set_allocator(test_failing_realloc, &f);
    char *out = NULL;
    size_t n;
    int rc = kh_normalize(in, strlen(in), &out, &n, NULL);
    kh_set_allocator(NULL, NULL);
    if (rc == 0) {
      kh_free(out);
      break;
    }
    ASSERT_INT_EQ(rc, KH_ENOMEM);
    ASSERT(out == NULL);
    ASSERT(fail_at < 100);
  }
  ASSERT(fail_at > 1);
  return 0;
}

/* On the real articles: normalizing twice changes nothing (idempotent), no
** diacritic, Arabic yeh/kaf or Urdu digit survives, and ے ں ھ are kept. */
TEST(normalize_real_articles_idempotent) {
  size_t len;
  char *text = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!text) SKIP("../shared/data/pk-news-2024 not found");
  if (len > (8u << 20)) len = 8u << 20;
  char *a, *b;
  size_t na, nb;
  ASSERT_INT_EQ(kh_normalize(text, len, &a, &na, NULL), 0);
  ASSERT_INT_EQ(kh_normalize(a, na, &b, &nb, NULL), 0);
  ASSERT_INT_EQ(na, nb);
  ASSERT(memcmp(a, b, na) == 0);
  ASSERT(strstr(a, "\xD9\x8A") == NULL);  /* U+064A ARABIC YEH */
  ASSERT(strstr(a, "\xD9\x83") == NULL);  /* U+0643 ARABIC KAF */
  ASSERT(strstr(a, "\xD9\x90") == NULL);  /* U+0650 zer */
  ASSERT(strstr(a, "\xDB\xB2") == NULL);  /* U+06F2 Urdu digit two */
  ASSERT(strstr(a, "\xDB\x92") != NULL);  /* ے kept */
  ASSERT(strstr(a, "\xDA\xBA") != NULL);  /* ں kept */
  ASSERT(strstr(a, "\xDA\xBE") != NULL);  /* ھ kept */
  kh_free(a);
  kh_free(b);
  free(text);
  return 0;
}
