/* PLACEHOLDER: being replaced by the tokenizer work (issue 2). */
#include "../core/core.h"
const char *kh_tok_kind_name(int kind) {
  static const char *names[] = {"?", "word", "latin", "number", "url", "email", "hashtag", "punct"};
  return kind >= 1 && kind <= 7 ? names[kind] : "?";
}
int kh_tokenize(const char *text, size_t len, unsigned flags, kh_token_cb cb, void *ctx) {
  (void)flags;
  size_t i = 0;
  while (i < len) {
    while (i < len && (text[i] == ' ' || text[i] == '\n')) i++;
    size_t j = i;
    while (j < len && text[j] != ' ' && text[j] != '\n') j++;
    if (j > i && j - i <= KH_MAX_TOKEN) {
      kh_token t = {text + i, (uint32_t)(j - i), (uint32_t)i, (uint32_t)j, KH_TOK_WORD, 0};
      int rc = cb(ctx, &t);
      if (rc) return rc;
    }
    i = j;
  }
  return 0;
}
