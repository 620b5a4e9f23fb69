/*
** stem_speed.c — cost of the stemmer and lemmatizer inside tokenization, on
** the bodies of ../shared/data/pk-news-2024/pk-news-2024.jsonl (the whole
** file's bytes are tokenized; JSON escapes are few and left in).  Peers in
** the same run: kh_tokenize without stems, kh_tokenize with
** KH_TOKENIZE_STEM, and kh_stem / kh_lemma / kh_romanize alone over the same
** word tokens.
**
**   ./build/bench/stem_speed [DATA_DIR]
*/
#include "khabar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct words {
  char **w;
  uint32_t *n;
  size_t len, cap;
} words;

static int collect(void *ctx, const kh_token *t) {
  words *ws = ctx;
  if (t->kind != KH_TOK_WORD) return 0;
  if (ws->len == ws->cap) {
    ws->cap = ws->cap ? ws->cap * 2 : 1 << 16;
    ws->w = realloc(ws->w, ws->cap * sizeof *ws->w);
    ws->n = realloc(ws->n, ws->cap * sizeof *ws->n);
    if (!ws->w || !ws->n) return 1;
  }
  ws->w[ws->len] = malloc(t->norm_len + 1);
  memcpy(ws->w[ws->len], t->norm, t->norm_len);
  ws->n[ws->len++] = t->norm_len;
  return 0;
}

static int count(void *ctx, const kh_token *t) {
  (*(size_t *)ctx) += t->norm_len;
  return 0;
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : getenv("KHABAR_DATA");
  if (!data || !*data) data = "../shared/data";
  char path[4096];
  snprintf(path, sizeof path, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "stem_speed: cannot open %s\n", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)sz);
  if (!text || fread(text, 1, (size_t)sz, f) != (size_t)sz) return 1;
  fclose(f);
  double mb = (double)sz / 1e6;
  size_t sink = 0;
  double best_plain = 1e9, best_stem = 1e9;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = now();
    kh_tokenize(text, (size_t)sz, 0, count, &sink);
    double t1 = now();
    kh_tokenize(text, (size_t)sz, KH_TOKENIZE_STEM, count, &sink);
    double t2 = now();
    if (t1 - t0 < best_plain) best_plain = t1 - t0;
    if (t2 - t1 < best_stem) best_stem = t2 - t1;
  }
  printf("pk-news-2024.jsonl %.1f MB (best of 3)\n", mb);
  printf("  kh_tokenize               %7.1f MB/s\n", mb / best_plain);
  printf("  kh_tokenize + STEM        %7.1f MB/s  (%.2fx the time of plain)\n", mb / best_stem,
         best_stem / best_plain);
  words ws = {0};
  kh_tokenize(text, (size_t)sz, 0, collect, &ws);
  char out[4096];
  double ts = 1e9, tl = 1e9, tw = 1e9, tr = 1e9;
  size_t nr = ws.len < 200000 ? ws.len : 200000;
  for (int rep = 0; rep < 3; rep++) { /* best of 3: the machine is shared */
    double t0 = now();
    for (size_t i = 0; i < ws.len; i++) sink += (size_t)kh_stem(ws.w[i], ws.n[i], out, sizeof out);
    double t1 = now();
    for (size_t i = 0; i < ws.len; i++) sink += (size_t)kh_lemma(ws.w[i], ws.n[i], out, sizeof out);
    double t2 = now();
    for (size_t i = 0; i < ws.len; i++) sink += (size_t)kh_is_stopword(ws.w[i], ws.n[i]);
    double t3 = now();
    for (size_t i = 0; i < nr; i++) {
      char *r;
      size_t rn;
      if (kh_romanize(ws.w[i], ws.n[i], &r, &rn) == 0) sink += rn, kh_free(r);
    }
    double t4 = now();
    if (t1 - t0 < ts) ts = t1 - t0;
    if (t2 - t1 < tl) tl = t2 - t1;
    if (t3 - t2 < tw) tw = t3 - t2;
    if (t4 - t3 < tr) tr = t4 - t3;
  }
  printf("  %zu word tokens (best of 3):\n", ws.len);
  printf("  kh_stem          %6.2f M words/s\n", (double)ws.len / ts / 1e6);
  printf("  kh_lemma         %6.2f M words/s\n", (double)ws.len / tl / 1e6);
  printf("  kh_is_stopword   %6.2f M words/s\n", (double)ws.len / tw / 1e6);
  printf("  kh_romanize      %6.2f M words/s (first %zu words, one call each, with its kh_normalize)\n",
         (double)nr / tr / 1e6, nr);
  for (size_t i = 0; i < ws.len; i++) free(ws.w[i]);
  free(ws.w);
  free(ws.n);
  free(text);
  return sink == 42 ? 2 : 0;
}
