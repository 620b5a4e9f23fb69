/*
** test_tokenize.c — kh_tokenize against tests/fixtures/tokenize.txt, and
** properties on real text: offsets point at the original bytes, split
** parts tile their word, the tokenizer never fails on any input.
*/
#include "test.h"

#include <stdlib.h>

typedef struct collect {
  char out[8192];
  size_t len;
  int count;
} collect;

static int collect_cb(void *ctx, const kh_token *t) {
  collect *c = ctx;
  static const char kinds[] = "?wlnuehp";
  char norm[KH_MAX_TOKEN + 1];
  memcpy(norm, t->norm, t->norm_len);
  norm[t->norm_len] = 0;
  for (char *p = norm; *p; p++)
    if (*p == ' ') *p = '_';
  int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%s/%c", c->count ? " " : "", norm,
                   kinds[t->kind < 8 ? t->kind : 0]);
  if (n > 0 && (size_t)n < sizeof c->out - c->len) c->len += (size_t)n;
  c->count++;
  return 0;
}

static int tok_case(void *ctx, int n, char **lines, int lineno) {
  (void)ctx;
  (void)lineno;
  unsigned flags = 0;
  int at = 0;
  if (n == 3 && lines[0][0] == '@') {
    if (strstr(lines[0], "@punct")) flags |= KH_TOKENIZE_PUNCT;
    if (strstr(lines[0], "@nosplit")) flags |= KH_TOKENIZE_NOSPLIT;
    if (strstr(lines[0], "@mwe")) flags |= KH_TOKENIZE_MWE;
    if (strstr(lines[0], "@stem")) flags |= KH_TOKENIZE_STEM;
    at = 1;
  } else if (n != 2) {
    FAIL("record needs input and expected lines, has %d", n);
  }
  size_t len;
  char *in = test_unescape(lines[at], &len);
  collect c = {.len = 0, .count = 0};
  c.out[0] = 0;
  int rc = kh_tokenize(in, len, flags, collect_cb, &c);
  free(in);
  if (rc) FAIL("kh_tokenize returned %d", rc);
  if (strcmp(c.out, lines[at + 1]) != 0) {
    fprintf(stderr, "  tokens(%s)\n    got      %s\n    expected %s\n", lines[at], c.out, lines[at + 1]);
    return 1;
  }
  return 0;
}

TEST(tokenize_fixtures) {
  int nrec = 0;
  ASSERT_INT_EQ(test_fixtures("tokenize.txt", tok_case, NULL, &nrec), 0);
  ASSERT(nrec >= 15);
  return 0;
}

typedef struct span_check {
  const char *text;
  size_t len;
  size_t last_start, last_end;
  long tokens, split, bad;
} span_check;

static int span_cb(void *ctx, const kh_token *t) {
  span_check *c = ctx;
  if (t->start >= t->end || t->end > c->len || t->norm_len == 0 || t->norm_len > KH_MAX_TOKEN) {
    c->bad++;
    return 0;
  }
  /* tokens come in text order and never overlap, but for the words of one
  ** multiword presentation form (ﷺ), which share its span */
  if (t->start < c->last_end && !(t->start == c->last_start && t->end == c->last_end)) c->bad++;
  c->last_start = t->start;
  c->last_end = t->end;
  c->tokens++;
  if (t->flags & KH_TOKF_SPLIT) {
    c->split++;
    return 0;
  }
  /* an unsplit token's norm is the normalization of its original span */
  if (t->kind == KH_TOK_WORD || t->kind == KH_TOK_NUMBER) {
    char *n;
    size_t nl;
    if (kh_normalize(c->text + t->start, t->end - t->start, &n, &nl, NULL) != 0) {
      c->bad++;
      return 0;
    }
    if (nl != t->norm_len || memcmp(n, t->norm, nl) != 0) {
      if (c->bad < 5)
        fprintf(stderr, "  span %.*s -> %.*s, token %.*s\n", (int)(t->end - t->start),
                c->text + t->start, (int)nl, n, (int)t->norm_len, t->norm);
      c->bad++;
    }
    kh_free(n);
  }
  return 0;
}

TEST(tokenize_real_offsets) {
  size_t len;
  char *text = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!text) SKIP("../shared/data/pk-news-2024 not found");
  if (len > (4u << 20)) len = 4u << 20;
  span_check c = {text, len, 0, 0, 0, 0, 0};
  ASSERT_INT_EQ(kh_tokenize(text, len, KH_TOKENIZE_PUNCT, span_cb, &c), 0);
  ASSERT_INT_EQ(c.bad, 0);
  ASSERT(c.tokens > 500000);
  ASSERT(c.split > 100); /* real news has fused words */
  free(text);
  return 0;
}

static int count_cb(void *ctx, const kh_token *t) {
  (void)t;
  (*(long *)ctx)++;
  return 0;
}

static int stop_cb(void *ctx, const kh_token *t) {
  (void)t;
  return ++*(int *)ctx == 3 ? 42 : 0;
}

TEST(tokenize_callback_stops_and_hostile_input) {
  const char *s = "ایک دو تین چار پانچ";
  int seen = 0;
  ASSERT_INT_EQ(kh_tokenize(s, strlen(s), 0, stop_cb, &seen), 42);
  ASSERT_INT_EQ(seen, 3);
  /* hostile bytes: every byte value, long runs of marks and joiners */
  char buf[4096];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(i * 37 + 11);
  long n = 0;
  for (unsigned f = 0; f < 16; f++) ASSERT_INT_EQ(kh_tokenize(buf, sizeof buf, f, count_cb, &n), 0);
  char marks[3000];
  for (size_t i = 0; i + 2 <= sizeof marks; i += 2) memcpy(marks + i, "\xD9\x90", 2); /* zer */
  ASSERT_INT_EQ(kh_tokenize(marks, sizeof marks, 0, count_cb, &n), 0);
  char longw[6000];
  for (size_t i = 0; i + 2 <= sizeof longw; i += 2) memcpy(longw + i, "\xD8\xA8", 2); /* ب */
  long one = 0;
  ASSERT_INT_EQ(kh_tokenize(longw, sizeof longw, 0, count_cb, &one), 0);
  ASSERT_INT_EQ(one, 1); /* one (truncated) token for one long word */
  return 0;
}

static int fail_at;

/* The tokenizer allocates only in multiword mode; a failed allocation is
** KH_ENOMEM before any token is emitted. */
TEST(tokenize_fail_nth_alloc) {
  const char *s = "وزیر اعظم شہباز شریف نے اسلام آباد میں کہا";
  long n = 0;
  for (fail_at = 1;; fail_at++) {
    test_failer f = {fail_at, 0};
    n = 0;
    kh_set_allocator(test_failing_realloc, &f);
    int rc = kh_tokenize(s, strlen(s), KH_TOKENIZE_MWE, count_cb, &n);
    kh_set_allocator(NULL, NULL);
    if (rc == 0) break;
    ASSERT_INT_EQ(rc, KH_ENOMEM);
    ASSERT_INT_EQ(n, 0);
    ASSERT(fail_at < 10);
  }
  ASSERT_INT_EQ(fail_at, 2); /* exactly one allocation */
  ASSERT_INT_EQ(n, 6);       /* وزیر_اعظم شہباز_شریف نے اسلام_آباد میں کہا */
  return 0;
}
