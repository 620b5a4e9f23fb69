/*
** fuzz_feed.c — libFuzzer target for the RSS / Atom reader (src/store/feed.c)
** and the HTML-to-text walk (src/store/html.c): any bytes give articles or
** bad-record reasons with a line, never a crash, a leak or a hang.  Every
** article's text is valid UTF-8 with no NUL inside it, as the store needs.
**
**   make fuzz && ./build/fuzz/fuzz_feed fuzz/corpus/feed
*/
#include "fuzz_article.h"

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  uint64_t *lines = ctx;
  if (line == 0 || line > *lines) abort(); /* a line that exists */
  if (!a) {
    if (!reason || !*reason) abort();
    return 0;
  }
  if (a->title_len + a->body_len == 0) abort(); /* no text is a bad record */
  fuzz_check_article(a);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  uint64_t lines = 1;
  for (size_t i = 0; i < size; i++) lines += data[i] == '\n' || data[i] == '\r';
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  kh__feed_read(f, NULL, "fuzz", sink, &lines, NULL);
  fclose(f);
  kh__buf b = {0};
  kh__html_text((const char *)data, size, &b); /* the same bytes as HTML */
  kh__buf_free(&b);
  return 0;
}
