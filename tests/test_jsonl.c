/*
** test_jsonl.c — the JSON Lines fast path (src/store/jsonl_fast.c) against
** jansson: every line gives the same record (all seven fields, byte for
** byte, extra as json_dumps writes it) or the same reason either way, and
** the common lines really take the fast path.
*/
#include "../src/store/store.h"
#include "test.h"

#include <stdlib.h>

typedef struct got {
  int n;          /* calls */
  int bad;
  char reason[256];
  char *f[7];
  size_t len[7];  /* (size_t)-1: NULL */
} got;

static int grab(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  got *g = ctx;
  (void)line;
  g->n++;
  if (!a) {
    g->bad = 1;
    snprintf(g->reason, sizeof g->reason, "%s", reason ? reason : "");
    return 0;
  }
  const char *f[7] = {a->id, a->source, a->url, a->published, a->title, a->body, a->extra};
  size_t n[7] = {a->id_len, a->source_len, a->url_len, a->published_len, a->title_len, a->body_len, a->extra_len};
  for (int i = 0; i < 7; i++) {
    g->len[i] = f[i] ? n[i] : (size_t)-1;
    g->f[i] = f[i] ? kh__strndup(f[i], n[i]) : NULL;
    if (f[i] && f[i][n[i]] != '\0') g->len[i] = (size_t)-2; /* jansson's strings end in a NUL: so must these */
  }
  return 0;
}

static void got_free(got *g) {
  for (int i = 0; i < 7; i++) kh_free(g->f[i]);
  memset(g, 0, sizeof *g);
}

/* 0 if both paths agree on line[0..n); *fast: the fast path read it. */
static int same_both_ways(const char *line, size_t n, int *fast) {
  kh__buf b = {0};
  kh_article a;
  *fast = kh__jsonl_fast(line, n, &a, &b) == 1;
  kh__buf_free(&b);
  got x = {0}, y = {0};
  kh__jsonl_parse(line, n, 1, 1, grab, &x);
  kh__jsonl_parse(line, n, 1, 0, grab, &y);
  int same = x.n == 1 && y.n == 1 && x.bad == y.bad && !strcmp(x.reason, y.reason);
  for (int i = 0; i < 7 && same; i++)
    same = x.len[i] == y.len[i] && x.len[i] != (size_t)-2 && (!x.f[i] || !memcmp(x.f[i], y.f[i], x.len[i]));
  if (!same) {
    fprintf(stderr, "  differs: %.*s\n", (int)(n > 200 ? 200 : n), line);
    for (int i = 0; i < 7; i++)
      fprintf(stderr, "    field %d: fast [%s] jansson [%s]\n", i, x.f[i] ? x.f[i] : "(null)",
              y.f[i] ? y.f[i] : "(null)");
    fprintf(stderr, "    reasons: fast [%s] jansson [%s]\n", x.reason, y.reason);
  }
  got_free(&x);
  got_free(&y);
  return !same;
}

TEST(jsonl_fast_equals_jansson) {
  static const struct {
    const char *line;
    int fast; /* 1: read by the fast path; 0: left to jansson */
  } cases[] = {
      {"{\"id\":\"geo-1\",\"source\":\"geo\",\"title\":\"کراچی میں بارش\",\"body\":\"شہر میں تیز بارش ہوئی۔\"}", 1},
      /* escapes: \u for Urdu letters (Python's ensure_ascii), a surrogate pair, the short ones */
      {"{\"id\": 12, \"title\": \"\\u06a9\\u0631\\u0627\\u0686\\u06cc\", \"body\": \"\\ud83d\\ude00 \\\"q\\\" \\\\ \\/ "
       "\\b\\f\\n\\r\\t end\", \"cat\": \"a\\u0001\\u001fb\\\"c\\\\d/e\\u007f\\u2028\"}",
       1},
      /* body null: text takes its place; content then goes to extra */
      {"{\"id\": -5, \"published\": 1700000000, \"title\": \"لاہور\", \"body\": null, \"text\": \"متن\", "
       "\"content\": \"دوسرا\"}",
       1},
      {"{\"body\":\"خبر\",\"text\":\"y\",\"n\":null,\"t\":true,\"f\":false,\"i\":-12,\"z\":0,\"\":\"خالی\"}", 1},
      {"{ \"body\" : \"خبر\" , \"k\" : \"v\" }  ", 1},
      {"{\"published\":\"2024-01-01T10:00:00Z\",\"body\":\"x\",\"source\":\"ڈان\",\"url\":\"https://a/b\"}", 1},
      {"{\"body\":\"x\\u00e9\\u0fff\\uFFFF\\uFFFE\"}", 1},
      {"{\"body\":\"ok \xf0\x9f\x98\x80 \xe2\x80\xa8 \xd8\xa7\"}", 1},
      /* left to jansson: its record or its reason */
      {"{\"id\":\"a\",\"id\":\"b\",\"body\":\"x\"}", 0},      /* repeated key */
      {"{\"body\":\"x\",\"k\":\"v\",\"k\":\"w\"}", 0},
      {"{\"body\":\"x\",\"extra\":{\"a\":[1,2]}}", 0},       /* nested */
      {"{\"body\":\"x\",\"r\":1.5}", 0},                     /* real */
      {"{\"body\":\"x\",\"r\":1e5}", 0},
      {"{\"body\":\"x\",\"i\":-0}", 0},
      {"{\"body\":\"x\",\"i\":007}", 0},
      {"{\"body\":\"x\",\"i\":1234567890123456789}", 0},
      {"{\"body\":\"\\u0000\"}", 0},
      {"{\"body\":\"\\ud800\"}", 0},                         /* unpaired surrogates */
      {"{\"body\":\"\\udc00x\"}", 0},
      {"{\"body\":\"\\ud800\\u0041\"}", 0},
      {"{\"body\":\"a\\x\"}", 0},
      {"{\"body\":\"abc\"} x", 0},
      {"{\"title\":5,\"body\":\"x\"}", 0},                   /* a known field of the wrong type */
      {"{\"url\":true,\"body\":\"x\"}", 0},
      {"{\"id\":12.0,\"body\":\"x\"}", 0},
      {"{\"id\":\"x\"}", 0},                                 /* no text */
      {"{\"title\":\"\",\"body\":\"\"}", 0},
      {"{}", 0},
      {"[]", 0},
      {"\"str\"", 0},
      {"{\"b\\u006fdy\":\"x\"}", 0},                         /* an escape in a key */
      {"{\"body\":\"x\",\"nul\":nul}", 0},
      {"{\"body\":\"x\",\"nn\":nullx}", 0},
      {"{\"body\":\"bad \xff utf8\"}", 0},
      {"{\"body\":\"overlong \xc0\xaf\"}", 0},
      {"{\"body\":\"surrogate \xed\xa0\x80\"}", 0},
      {"{\"body\":\"control \x01\"}", 0},
      {"{\"body\":\"tab\there\"}", 0},
      {"{\"k\xff\":\"v\",\"body\":\"x\"}", 0},
      {"{\"body\":\"unterminated", 0},
      {"{\"body\":\"x\",", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int fast;
    if (same_both_ways(cases[i].line, strlen(cases[i].line), &fast)) FAIL("case %zu", i);
    if (fast != cases[i].fast) FAIL("case %zu: fast path %s it", i, fast ? "read" : "declined");
  }
  /* what the fast path wrote, spelled out for two lines */
  kh__buf b = {0};
  kh_article a;
  const char *l2 = cases[1].line;
  ASSERT_INT_EQ(kh__jsonl_fast(l2, strlen(l2), &a, &b), 1);
  ASSERT_STR_EQ(a.title, "کراچی");
  ASSERT_STR_EQ(a.body, "\xf0\x9f\x98\x80 \"q\" \\ / \b\f\n\r\t end");
  ASSERT_STR_EQ(a.id, "12");
  ASSERT_STR_EQ(a.extra, "{\"cat\":\"a\\u0001\\u001Fb\\\"c\\\\d/e\x7f\xe2\x80\xa8\"}");
  const char *l3 = cases[2].line;
  ASSERT_INT_EQ(kh__jsonl_fast(l3, strlen(l3), &a, &b), 1);
  ASSERT_STR_EQ(a.body, "متن");
  ASSERT_STR_EQ(a.published, "1700000000");
  ASSERT_STR_EQ(a.extra, "{\"content\":\"دوسرا\"}");
  kh__buf_free(&b);
  return 0;
}

/* Every line of the real files: the same both ways, and all of them read
** by the fast path (they are flat objects of strings and nulls). */
TEST(jsonl_fast_real_data) {
  static const char *files[] = {"pk-news-2024/pk-news-2024.jsonl", "counter/counter.jsonl"};
  if (!test_data_dir()) SKIP("../shared/data absent (set KHABAR_DATA)");
  for (size_t k = 0; k < 2; k++) {
    size_t len;
    char *all = test_read_data(files[k], &len);
    if (!all) SKIP("%s absent", files[k]);
    size_t lines = 0, fast = 0;
    for (char *p = all, *e = all + len; p < e;) {
      char *nl = memchr(p, '\n', (size_t)(e - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
      if (n) {
        int f;
        lines++;
        if (same_both_ways(p, n, &f)) {
          free(all);
          FAIL("%s line %zu", files[k], lines);
        }
        fast += (size_t)f;
      }
      p += n + 1;
    }
    free(all);
    ASSERT(lines >= 1000);
    ASSERT_INT_EQ(fast, lines);
  }
  return 0;
}
