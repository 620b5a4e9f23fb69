/*
** test_romanize.c — kh_romanize and kh_skeleton (src/text/romanize.c):
** fixtures tests/fixtures/romanize.txt and skeleton.txt, edge cases, and
** failing the Nth allocation.
*/
#include "test.h"

#include <stdlib.h>

static int roman_case(void *ctx, int n, char **lines, int lineno) {
  (void)ctx;
  (void)lineno;
  for (int i = 0; i < n; i++) {
    char *tab = strchr(lines[i], '\t');
    if (!tab) FAIL("malformed line '%s'", lines[i]);
    *tab = '\0';
    char *out;
    size_t on;
    ASSERT_INT_EQ(kh_romanize(lines[i], strlen(lines[i]), &out, &on), 0);
    ASSERT_INT_EQ(on, strlen(out));
    if (strcmp(out, tab + 1)) {
      fprintf(stderr, "  kh_romanize(%s) = \"%s\", expected \"%s\"\n", lines[i], out, tab + 1);
      kh_free(out);
      return 1;
    }
    kh_free(out);
  }
  return 0;
}

TEST(romanize_fixtures) {
  int n = 0;
  ASSERT_INT_EQ(test_fixtures("romanize.txt", roman_case, NULL, &n), 0);
  ASSERT(n >= 3);
  return 0;
}

static int skel_case(void *ctx, int n, char **lines, int lineno) {
  (void)ctx;
  (void)lineno;
  char key[256] = "";
  int have = 0;
  for (int i = 0; i < n; i++) {
    const char *l = lines[i];
    if (l[0] == '=' && l[1] == ' ') {
      snprintf(key, sizeof key, "%s", l + 2);
      have = 1;
      continue;
    }
    int neg = l[0] == '!' && l[1] == ' ';
    if (neg) l += 2;
    char *out;
    size_t on;
    ASSERT_INT_EQ(kh_skeleton(l, strlen(l), &out, &on), 0);
    ASSERT_INT_EQ(on, strlen(out));
    int bad = 0;
    if (!have && !neg) {
      snprintf(key, sizeof key, "%s", out);
      have = 1;
    } else if (neg ? !strcmp(out, key) : strcmp(out, key) != 0) {
      fprintf(stderr, "  kh_skeleton(%s) = \"%s\", %s \"%s\"\n", l, out,
              neg ? "must differ from" : "expected", key);
      bad = 1;
    }
    kh_free(out);
    if (bad) return 1;
  }
  return 0;
}

TEST(romanize_skeleton_fixtures) {
  int n = 0;
  ASSERT_INT_EQ(test_fixtures("skeleton.txt", skel_case, NULL, &n), 0);
  ASSERT(n >= 3);
  return 0;
}

TEST(romanize_edge_cases) {
  char *out;
  size_t on;
  ASSERT_INT_EQ(kh_romanize("", 0, &out, &on), 0);
  ASSERT_STR_EQ(out, "");
  ASSERT_INT_EQ(on, 0);
  kh_free(out);
  ASSERT_INT_EQ(kh_skeleton("", 0, &out, &on), 0);
  ASSERT_STR_EQ(out, "");
  kh_free(out);
  ASSERT_INT_EQ(kh_romanize(NULL, 2, &out, &on), KH_EINVAL);
  ASSERT_INT_EQ(kh_skeleton("x", 1, NULL, &on), KH_EINVAL);
  /* pointer + length: only the first word of the buffer */
  ASSERT_INT_EQ(kh_romanize("خبر اور", 6, &out, &on), 0);
  ASSERT_STR_EQ(out, "khabr");
  kh_free(out);
  /* Latin, digits and broken UTF-8 pass through without a crash */
  ASSERT_INT_EQ(kh_romanize("APP 2024 \xff", 10, &out, &on), 0);
  ASSERT(strncmp(out, "app 2024", 8) == 0 || strncmp(out, "APP 2024", 8) == 0);
  kh_free(out);
  /* deterministic */
  char *a, *b;
  size_t an, bn;
  const char *s = "ولادیمیر پیوٹن نے آستانہ میں کہا";
  ASSERT_INT_EQ(kh_romanize(s, strlen(s), &a, &an), 0);
  ASSERT_INT_EQ(kh_romanize(s, strlen(s), &b, &bn), 0);
  ASSERT_STR_EQ(a, b);
  kh_free(a);
  kh_free(b);
  return 0;
}

static int fail_loop(int (*fn)(const char *, size_t, char **, size_t *), const char *s) {
  for (long nth = 1; nth < 10000; nth++) {
    test_failer f = {nth, 0};
    char *out = (char *)1;
    size_t on = 7;
    kh_set_allocator(test_failing_realloc, &f);
    int rc = fn(s, strlen(s), &out, &on);
    kh_set_allocator(NULL, NULL);
    if (rc == 0) {
      ASSERT(out != NULL);
      kh_free(out);
      ASSERT(nth > 1); /* at least one allocation was failed on the way */
      return 0;
    }
    if (rc != KH_ENOMEM) FAIL("allocation %ld failed: rc %d, expected KH_ENOMEM", nth, rc);
    ASSERT(out == NULL);
  }
  FAIL("never succeeded");
}

TEST(romanize_alloc_fail) {
  /* long enough that the output buffer grows more than once */
  const char *s =
      "ولادیمیر پیوٹن نے اسلام آباد میں کہا کہ پاکستان اور روس کے تعلقات بہت اہم ہیں۔ "
      "وزیر اعظم شہباز شریف نے شی جن پنگ سے ملاقات کی اور دونوں رہنماؤں نے بات چیت کی۔";
  if (fail_loop(kh_romanize, s)) return 1;
  if (fail_loop(kh_skeleton, s)) return 1;
  return 0;
}
