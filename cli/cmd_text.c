/*
** cmd_text.c — text-layer subcommands: normalize, tokens, sentences,
** romanize, stem.  Each reads stdin and writes stdout.
**
**   echo 'پاکِستان کیلئے' | khabar tokens --json
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int has_flag(int argc, char **argv, const char *flag) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], flag)) return 1;
  return 0;
}

/* Reject options we do not know, so typos are not silently ignored. */
static int check_flags(int argc, char **argv, const char *const *known) {
  for (int i = 1; i < argc; i++) {
    int ok = 0;
    for (const char *const *k = known; *k; k++)
      if (!strcmp(argv[i], *k)) ok = 1;
    if (!ok) return cli_error("%s: unknown option '%s' (try --help)", argv[0], argv[i]);
  }
  return 0;
}

int cmd_normalize(int argc, char **argv) {
  static const char *const known[] = {"--help", "-h", "--stats", NULL};
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar normalize [--stats] < text\n\n"
         "Writes the text normalized for matching: Arabic letters to Urdu, hamza/madda\n"
         "composed, diacritics and tatweel removed, digits to ASCII, Latin case-folded.\n"
         "--stats  report invalid UTF-8 bytes and changes on stderr");
    return 0;
  }
  if (check_flags(argc, argv, known)) return 2;
  size_t len;
  char *in = cli_read_all(stdin, &len);
  if (!in) return 1;
  char *out;
  size_t outlen;
  kh_norm_stats st;
  int rc = kh_normalize(in, len, &out, &outlen, &st);
  free(in);
  if (rc) return cli_error("normalize: %s", kh_strerror(rc));
  fwrite(out, 1, outlen, stdout);
  kh_free(out);
  if (st.bad_bytes)
    fprintf(stderr, "khabar: warning: %zu invalid UTF-8 byte(s), first at byte %zu, replaced by U+FFFD\n",
            st.bad_bytes, st.first_bad);
  if (has_flag(argc, argv, "--stats"))
    fprintf(stderr, "bytes_in=%zu bytes_out=%zu changed=%zu bad_bytes=%zu\n", len, outlen,
            st.changed, st.bad_bytes);
  return 0;
}

typedef struct tok_out {
  int json;
  const char *text;
} tok_out;

static int print_token(void *ctx, const kh_token *t) {
  tok_out *o = ctx;
  if (!o->json) {
    fwrite(t->norm, 1, t->norm_len, stdout);
    putchar('\n');
    return 0;
  }
  fputs("{\"token\":", stdout);
  cli_json_str(stdout, t->norm, t->norm_len);
  printf(",\"kind\":\"%s\",\"start\":%u,\"end\":%u,\"text\":", kh_tok_kind_name(t->kind), t->start,
         t->end);
  cli_json_str(stdout, o->text + t->start, t->end - t->start);
  if (t->flags & KH_TOKF_SPLIT) fputs(",\"split\":true", stdout);
  if (t->flags & KH_TOKF_COLOC) fputs(",\"colocated\":true", stdout);
  if (t->flags & KH_TOKF_STOP) fputs(",\"stopword\":true", stdout);
  fputs("}\n", stdout);
  return 0;
}

int cmd_tokens(int argc, char **argv) {
  static const char *const known[] = {"--help", "-h", "--json", "--punct", "--no-split", "--stem",
                                      "--mwe", NULL};
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar tokens [--json] [--punct] [--no-split] [--stem] [--mwe] < text\n\n"
         "One token a line (its normalized form).  With --json one object a line:\n"
         "  {\"token\":..., \"kind\":..., \"start\":N, \"end\":N, \"text\":...}\n"
         "start/end are byte offsets [start, end) in the original input.\n"
         "--punct     also emit punctuation\n"
         "--no-split  keep fused words (کیلئے) as one token\n"
         "--stem      emit light stems\n"
         "--mwe       multiword units (وزیر اعظم) as one token");
    return 0;
  }
  if (check_flags(argc, argv, known)) return 2;
  unsigned flags = 0;
  if (has_flag(argc, argv, "--punct")) flags |= KH_TOKENIZE_PUNCT;
  if (has_flag(argc, argv, "--no-split")) flags |= KH_TOKENIZE_NOSPLIT;
  if (has_flag(argc, argv, "--stem")) flags |= KH_TOKENIZE_STEM;
  if (has_flag(argc, argv, "--mwe")) flags |= KH_TOKENIZE_MWE;
  size_t len;
  char *in = cli_read_all(stdin, &len);
  if (!in) return 1;
  tok_out o = {has_flag(argc, argv, "--json"), in};
  int rc = kh_tokenize(in, len, flags, print_token, &o);
  free(in);
  if (rc) return cli_error("tokens: %s", kh_strerror(rc));
  return 0;
}

static int print_sentence(void *ctx, size_t start, size_t end) {
  const char *text = ctx;
  /* one sentence a line: inner newlines become spaces */
  for (size_t i = start; i < end; i++) putchar(text[i] == '\n' || text[i] == '\r' ? ' ' : text[i]);
  putchar('\n');
  return 0;
}

typedef struct sent_json {
  const char *text;
  int n;
} sent_json;

static int print_sentence_json(void *ctx, size_t start, size_t end) {
  sent_json *s = ctx;
  printf("{\"n\":%d,\"start\":%zu,\"end\":%zu,\"text\":", s->n++, start, end);
  cli_json_str(stdout, s->text + start, end - start);
  fputs("}\n", stdout);
  return 0;
}

int cmd_sentences(int argc, char **argv) {
  static const char *const known[] = {"--help", "-h", "--json", NULL};
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar sentences [--json] < text\n\n"
         "One sentence a line.  With --json one object a line with n, start, end\n"
         "(byte offsets in the input) and text.");
    return 0;
  }
  if (check_flags(argc, argv, known)) return 2;
  size_t len;
  char *in = cli_read_all(stdin, &len);
  if (!in) return 1;
  int rc;
  if (has_flag(argc, argv, "--json")) {
    sent_json s = {in, 0};
    rc = kh_sentences(in, len, print_sentence_json, &s);
  } else {
    rc = kh_sentences(in, len, print_sentence, in);
  }
  free(in);
  if (rc) return cli_error("sentences: %s", kh_strerror(rc));
  return 0;
}

/* Apply fn line by line, so one name a line gives one result a line. */
static int per_line(int (*fn)(const char *, size_t, char **, size_t *)) {
  size_t len;
  char *in = cli_read_all(stdin, &len);
  if (!in) return 1;
  size_t i = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && in[j] != '\n') j++;
    char *out;
    size_t n;
    int rc = fn(in + i, j - i, &out, &n);
    if (rc) {
      free(in);
      return cli_error("%s", kh_strerror(rc));
    }
    fwrite(out, 1, n, stdout);
    kh_free(out);
    if (j < len) putchar('\n');
    i = j + 1;
  }
  free(in);
  return 0;
}

int cmd_romanize(int argc, char **argv) {
  static const char *const known[] = {"--help", "-h", "--skeleton", NULL};
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar romanize [--skeleton] < text\n\n"
         "Urdu to readable Latin, line by line.  --skeleton prints the consonant\n"
         "key used to match spelling variants of names (پیوٹن، پوٹن، پوتن share one).");
    return 0;
  }
  if (check_flags(argc, argv, known)) return 2;
  return per_line(has_flag(argc, argv, "--skeleton") ? kh_skeleton : kh_romanize);
}

int cmd_stem(int argc, char **argv) {
  static const char *const known[] = {"--help", "-h", "--lemma", NULL};
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar stem [--lemma] < words\n\n"
         "For each token of the input prints token TAB stem (or lemma), one a line.");
    return 0;
  }
  if (check_flags(argc, argv, known)) return 2;
  int lemma = has_flag(argc, argv, "--lemma");
  size_t len;
  char *in = cli_read_all(stdin, &len);
  if (!in) return 1;
  char *norm;
  size_t n;
  int rc = kh_normalize(in, len, &norm, &n, NULL);
  free(in);
  if (rc) return cli_error("stem: %s", kh_strerror(rc));
  size_t i = 0;
  while (i < n) {
    while (i < n && (norm[i] == ' ' || norm[i] == '\n' || norm[i] == '\t')) i++;
    size_t j = i;
    while (j < n && norm[j] != ' ' && norm[j] != '\n' && norm[j] != '\t') j++;
    if (j > i) {
      char out[KH_MAX_TOKEN + 1];
      int m = lemma ? kh_lemma(norm + i, j - i, out, sizeof out)
                    : kh_stem(norm + i, j - i, out, sizeof out);
      if (m < 0) {
        kh_free(norm);
        return cli_error("stem: %s", kh_strerror(m));
      }
      printf("%.*s\t%.*s\n", (int)(j - i), norm + i, m, out);
    }
    i = j;
  }
  kh_free(norm);
  return 0;
}
