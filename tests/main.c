/*
** main.c — the test runner.  Runs every registered test (or those whose
** name contains argv[1]) and ends with the line CI reads:
**   N passed, N failed, N skipped
*/
#include "test.h"

#include <stdlib.h>

#define TEST_ENTRY(name) int test_##name(void);
#include "test-list.h"
#undef TEST_ENTRY

static const struct {
  const char *name;
  int (*fn)(void);
} tests[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#include "test-list.h"
#undef TEST_ENTRY
};

int main(int argc, char **argv) {
  const char *filter = argc > 1 ? argv[1] : NULL;
  int passed = 0, failed = 0, skipped = 0;
  if (!test_data_dir())
    fprintf(stderr, "note: ../shared/data not found (set KHABAR_DATA); data tests will skip\n");
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    if (filter && !strstr(tests[i].name, filter)) continue;
    fflush(stdout);
    int rc = tests[i].fn();
    kh_set_allocator(NULL, NULL);
    if (rc == 0) {
      passed++;
      printf("ok   %s\n", tests[i].name);
    } else if (rc == TEST_SKIPPED) {
      skipped++;
      printf("skip %s\n", tests[i].name);
    } else {
      failed++;
      printf("FAIL %s\n", tests[i].name);
    }
  }
  printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
