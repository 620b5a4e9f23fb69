/*
** test.h — khabar's tiny test framework (libuv test-list.h style).
**
**   TEST(normalize_arabic_yeh) {
**     ASSERT_STR_EQ(got, "پاکستان");
**     return 0;
**   }
**
** Tests are found by the Makefile, which greps TEST(name) in the tests/ sources and
** generates the registry.  A test returns 0 (pass), or calls SKIP("why")
** when it needs ../shared/data that is absent.  ASSERT_* print file:line
** and fail the test.
*/
#ifndef KH_TEST_H
#define KH_TEST_H

#include "khabar.h"
#include <stdio.h>
#include <string.h>

#define TEST_SKIPPED 77
#define TEST(name) int test_##name(void)

#define FAIL(...)                                            \
  do {                                                       \
    fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);        \
    fprintf(stderr, __VA_ARGS__);                            \
    fputc('\n', stderr);                                     \
    return 1;                                                \
  } while (0)

#define SKIP(...)                                            \
  do {                                                       \
    fprintf(stderr, "  skip: ");                             \
    fprintf(stderr, __VA_ARGS__);                            \
    fputc('\n', stderr);                                     \
    return TEST_SKIPPED;                                     \
  } while (0)

#define ASSERT(c)                                            \
  do {                                                       \
    if (!(c)) FAIL("assertion failed: %s", #c);              \
  } while (0)

#define ASSERT_INT_EQ(a, b)                                  \
  do {                                                       \
    long long a_ = (long long)(a), b_ = (long long)(b);      \
    if (a_ != b_) FAIL("%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                  \
  do {                                                       \
    const char *a_ = (a), *b_ = (b);                         \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                   \
      FAIL("%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
  } while (0)

/* ---- helpers in tests/util.c ---- */

/* Path of ../shared/data (env KHABAR_DATA overrides); NULL if absent. */
const char *test_data_dir(void);
/* Read a whole file into a NUL-terminated malloc'd buffer; NULL on error. */
char *test_read_file(const char *path, size_t *len);
/* Read "<data_dir>/<rel>"; NULL (and no message) if absent. */
char *test_read_data(const char *rel, size_t *len);
/* Directory of the fixture files (tests/fixtures). */
const char *test_fixture_dir(void);

/* Table-driven fixtures: a file of records separated by blank lines; each
** record's lines are handed to fn (lines without their '\n').  Lines
** starting with '#' outside a record are comments.  fn returns 0 or a
** failure; the runner reports the record's line number on failure.
** Returns the number of failed records, or -1 if the file is missing. */
typedef int (*fixture_fn)(void *ctx, int nlines, char **lines, int lineno);
int test_fixtures(const char *name, fixture_fn fn, void *ctx, int *nrecords);

/* Decode \u{XXXX} and \xHH escapes of a fixture line into a malloc'd
** buffer (NUL-terminated; *len gets its length). */
char *test_unescape(const char *s, size_t *len);

/* An allocator for kh_set_allocator that fails the fail_at-th allocation
** (counting in calls); frees pass through.  ud is a test_failer:
**   test_failer f = {n, 0}; kh_set_allocator(test_failing_realloc, &f); */
typedef struct test_failer {
  long fail_at; /* which allocation fails (1-based) */
  long calls;   /* allocations seen so far */
} test_failer;
void *test_failing_realloc(void *ud, void *p, size_t n);

/* Run a shell command; its stdout into out (cap bytes, NUL-terminated).
** Returns its exit code, or -1 if it could not run or did not exit. */
int test_run_cmd(const char *cmd, char *out, size_t cap);
/* Temporary directory for one test (created, unique); caller removes. */
const char *test_tmpdir(void);
/* Remove a test directory and everything in it (a message if it cannot). */
void test_rmdir(const char *dir);
/* The first column of the first row of sql on db's connection, or -1
** (tests/search_util.c). */
int64_t test_sql_int(kh_db *db, const char *sql);

/* Bad records an ingest reported (kh_ingest_opts.on_error = test_on_error,
** .ctx = &errs): how many, and the first one's line and reason. */
typedef struct test_errs {
  int n;
  uint64_t line;
  char first[300];
} test_errs;
void test_on_error(void *ctx, const char *file, uint64_t line, const char *reason);

/* Append s to b with & < > " escaped for XML or HTML text (b a kh__buf;
** *rc as its append functions set it). */
struct kh__buf;
void test_xml_escape(struct kh__buf *b, const char *s, int *rc);

#endif
