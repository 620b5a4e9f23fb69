/*
** tokenize_speed.c — throughput of khabar's normalize + tokenize against
** SQLite FTS5's unicode61 tokenizer (remove_diacritics 2, the usual choice
** for Arabic-script text) on the same bytes in the same run.
**
**   make bench && ./build/bench/tokenize_speed [rounds [only-run-number]]
**
** Text: titles and bodies of ../shared/data/pk-news-2024 and counter (JSON
** Lines), concatenated.  Each tokenizer runs `rounds` times (default 5);
** the best round is reported.  Time is this process's CPU time
** (CLOCK_PROCESS_CPUTIME_ID), so MB/s is per CPU-second of one core and
** other load on a shared machine counts less; wall-clock MB/s of the same
** best round is printed beside it.  Single-threaded.
*/
#include "bench_util.h"

static long ntok;

static int kh_cb(void *ctx, const kh_token *t) {
  (void)ctx;
  (void)t;
  ntok++;
  return 0;
}

static int u61_cb(void *ctx, int flags, const char *tok, int n, int s, int e) {
  (void)ctx; (void)flags; (void)tok; (void)n; (void)s; (void)e;
  ntok++;
  return SQLITE_OK;
}

typedef struct norm_tok { size_t bytes; } norm_tok;

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  if (rounds < 1) rounds = 1;
  char *text = NULL;
  size_t len = 0;
  long a = bench_jsonl_text("pk-news-2024/pk-news-2024.jsonl", &text, &len);
  long b = bench_jsonl_text("counter/counter.jsonl", &text, &len);
  if (a < 0 || b < 0) {
    fprintf(stderr, "tokenize_speed: ../shared/data not found (set KHABAR_DATA)\n");
    return 1;
  }
  printf("text: %ld + %ld articles (pk-news-2024 + counter), %.1f MB, %d rounds, best round\n", a, b,
         len / 1e6, rounds);

  bench_fts5 u61;
  const char *args[] = {"remove_diacritics", "2"};
  if (bench_fts5_open(&u61, "unicode61", args, 2) != 0) {
    fprintf(stderr, "tokenize_speed: cannot open FTS5 unicode61\n");
    return 1;
  }
  struct {
    const char *name;
    int which;
    unsigned flags;
  } runs[] = {
      {"unicode61 (FTS5, remove_diacritics 2)", 0, 0},
      {"khabar kh_tokenize (normalize + split)", 1, 0},
      {"khabar kh_tokenize + stopword flags + stems", 1, KH_TOKENIZE_STEM},
      {"khabar kh_normalize alone", 2, 0},
  };
  double mbs[4] = {1, 1, 1, 1};
  const char *only = argc > 2 ? argv[2] : NULL; /* profile one run: 0..3 */
  for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
    if (only && (size_t)atoi(only) != r) continue;
    double best = 1e9, bestwall = 1e9;
    long toks = 0;
    for (int k = 0; k < rounds; k++) {
      ntok = 0;
      double t0 = bench_cpu(), w0 = bench_now();
      if (runs[r].which == 0) {
        bench_fts5_tokenize(&u61, text, len, NULL, u61_cb);
      } else if (runs[r].which == 1) {
        kh_tokenize(text, len, runs[r].flags, kh_cb, NULL);
      } else {
        char *out;
        size_t n;
        kh_normalize(text, len, &out, &n, NULL);
        kh_free(out);
      }
      double dt = bench_cpu() - t0, wt = bench_now() - w0;
      if (dt < best) best = dt;
      if (wt < bestwall) bestwall = wt;
      toks = ntok;
    }
    mbs[r] = len / 1e6 / best;
    printf("  %-46s %8.1f MB/s (wall %6.1f)  %9ld tokens  %6.1f M tokens/s\n", runs[r].name, mbs[r],
           len / 1e6 / bestwall, toks, toks / 1e6 / best);
  }
  printf("ratio khabar tokenize / unicode61: %.2fx   (with stems: %.2fx)\n", mbs[1] / mbs[0],
         mbs[2] / mbs[0]);
  bench_fts5_close(&u61);
  free(text);
  return 0;
}
