/*
** fuzz_article.h — what every reader's article must be, for the fuzz
** targets of the feed and page readers: its text fields valid UTF-8 with
** no NUL inside (what the store and the tokenizer take), abort otherwise.
*/
#ifndef KH_FUZZ_ARTICLE_H
#define KH_FUZZ_ARTICLE_H

#include "../src/store/store.h"

#include <stdlib.h>

static void fuzz_check_text(const char *s, size_t n) {
  size_t bad;
  if (n && !s) abort();
  if (n && (memchr(s, '\0', n) || !kh__utf8_valid(s, n, &bad))) abort();
}

static void fuzz_check_article(const kh_article *a) {
  fuzz_check_text(a->id, a->id_len);
  fuzz_check_text(a->source, a->source_len);
  fuzz_check_text(a->url, a->url_len);
  fuzz_check_text(a->published, a->published_len);
  fuzz_check_text(a->title, a->title_len);
  fuzz_check_text(a->body, a->body_len);
}

#endif
