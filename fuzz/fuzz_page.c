/*
** fuzz_page.c — libFuzzer target for the web page reader (src/store/page.c):
** any bytes give one article or one bad-record reason, never a crash, a
** leak or a hang.  The article's text is valid UTF-8 without NUL, its
** body not empty.
**
**   make fuzz && ./build/fuzz/fuzz_page fuzz/corpus/page
*/
#include "fuzz_article.h"

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  int *calls = ctx;
  if (++*calls > 1 || line != 1) abort(); /* one record, line 1 */
  if (!a) {
    if (!reason || !*reason) abort();
    return 0;
  }
  if (!a->body_len) abort();
  fuzz_check_article(a);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fmemopen((void *)data, size ? size : 1, "r");
  if (!f) return 0;
  int calls = 0;
  kh__page_read(f, size ? NULL : "https://x.example/", NULL, "fuzz", sink, &calls, NULL);
  fclose(f);
  if (calls != 1) abort();
  return 0;
}
