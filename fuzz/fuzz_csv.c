/*
** fuzz_csv.c — libFuzzer target for the RFC 4180 CSV reader (src/store/csv.c):
** any bytes give records (mapped through the header onto articles) or
** bad-record reasons with a line number, never a crash, a leak or a hang.
**
**   make fuzz && ./build/fuzz/fuzz_csv fuzz/corpus/csv
*/
#include "../src/store/store.h"

#include <stdlib.h>

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  uint64_t *lines = ctx;
  if (line == 0 || line > *lines) abort(); /* a line that exists */
  if (!a && (!reason || !*reason)) abort();
  if (a && a->title_len + a->body_len == 0) abort(); /* no text is a bad record */
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  uint64_t lines = 1;
  for (size_t i = 0; i < size; i++) lines += data[i] == '\n' || data[i] == '\r';
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  kh__csv_read(f, "fuzz", sink, &lines, NULL);
  fclose(f);
  return 0;
}
