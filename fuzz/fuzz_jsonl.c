/*
** fuzz_jsonl.c — libFuzzer target for the JSON Lines reader (src/store/jsonl.c):
** any bytes, read as a file, must give records or bad-record reasons, never a
** crash, a leak or a hang.  Each good record's content hash and published time
** are computed too.
**
**   make fuzz && ./build/fuzz/fuzz_jsonl fuzz/corpus/jsonl
*/
#include "../src/store/store.h"

#include <stdlib.h>

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  (void)ctx;
  if (line == 0) abort(); /* lines are 1-based */
  if (!a) {
    if (!reason || !*reason) abort();
    return 0;
  }
  char h[33], d[24];
  if (kh__content_hash(a->title, a->title_len, a->body, a->body_len, h) == 0 && strlen(h) != 32) abort();
  if (a->published) kh__date_norm(a->published, a->published_len, d);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  uint64_t bytes = 0;
  kh__jsonl_read(f, sink, NULL, &bytes);
  fclose(f);
  if (bytes > size) abort();
  return 0;
}
