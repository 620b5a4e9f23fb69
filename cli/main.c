/*
** main.c — the khabar command: dispatches to subcommands.
**
**   khabar normalize < in.txt
**   khabar tokens --json < in.txt
*/
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} commands[] = {
#define CMD(name, fn, summary) {name, fn, summary},
#include "commands.h"
#undef CMD
};

static void usage(FILE *f) {
  fprintf(f,
          "khabar %s — news monitoring for Urdu\n\n"
          "usage: khabar COMMAND [options]   (khabar COMMAND --help for more)\n\n"
          "commands:\n",
          KH_VERSION);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

char *cli_read_all(FILE *f, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  if (!buf) {
    cli_error("out of memory");
    return NULL;
  }
  for (;;) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
    if (n + 1 == cap) {
      if (cap >= KH_MAX_TEXT) {
        free(buf);
        cli_error("input larger than %u bytes", KH_MAX_TEXT);
        return NULL;
      }
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        cli_error("out of memory");
        return NULL;
      }
      buf = p;
      cap *= 2;
    }
  }
  if (ferror(f)) {
    free(buf);
    cli_error("read error");
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

int cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("khabar: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=') return argv[*i] + n + 1;
  if (!strcmp(argv[*i], name)) {
    if (*i + 1 >= argc) {
      cli_error("%s needs a value", name);
      exit(2);
    }
    return argv[++*i];
  }
  return NULL;
}

int cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
  return 0;
}

void cli_json_str(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default:
        if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
  }
  fputc('"', f);
}

void cli_json_kv(const char *k, const char *v, int comma) {
  if (comma) putchar(',');
  printf("\"%s\":", k);
  if (v) cli_json_str(stdout, v, strlen(v));
  else fputs("null", stdout);
}

const char *cli_db_path(int *argc, char **argv) {
  const char *path = NULL;
  for (int i = 1; i < *argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < *argc) {
      path = argv[i + 1];
      memmove(argv + i, argv + i + 2, sizeof(char *) * (size_t)(*argc - i - 1));
      *argc -= 2;
      break;
    }
  }
  if (!path) path = getenv("KHABAR_DB");
  if (!path || !*path) path = "khabar.db";
  return path;
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("khabar %s\n", KH_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  cli_error("unknown command '%s' (khabar --help lists them)", argv[1]);
  return 2;
}
