/*
** util.c — helpers for tests: data paths, files, fixture tables.
*/

#include "test.h"
#include "../src/core/core.h"

#include <ctype.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef KH_SOURCE_DIR
#define KH_SOURCE_DIR "."
#endif

const char *test_data_dir(void) {
  static char path[4096];
  struct stat st;
  const char *env = getenv("KHABAR_DATA");
  if (env && *env) {
    snprintf(path, sizeof path, "%s", env);
  } else {
    snprintf(path, sizeof path, "%s/../shared/data", KH_SOURCE_DIR);
  }
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  return path;
}

const char *test_fixture_dir(void) { return KH_SOURCE_DIR "/tests/fixtures"; }

char *test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = p;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

char *test_read_data(const char *rel, size_t *len) {
  const char *dir = test_data_dir();
  if (!dir) return NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return test_read_file(path, len);
}

int test_fixtures(const char *name, fixture_fn fn, void *ctx, int *nrecords) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", test_fixture_dir(), name);
  char *text = test_read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "  missing fixture file %s\n", path);
    return -1;
  }
  char *lines[64];
  int n = 0, failed = 0, lineno = 0, first = 0, count = 0;
  char *p = text;
  for (;;) {
    char *nl = strchr(p, '\n');
    int at_end = (nl == NULL);
    if (nl) *nl = '\0';
    lineno++;
    size_t l = strlen(p);
    if (l && p[l - 1] == '\r') p[--l] = '\0';
    int blank = (l == 0);
    if (!blank && !(n == 0 && p[0] == '#')) {
      if (n == 0) first = lineno;
      if (n < 64) lines[n++] = p;
    }
    if ((blank || at_end) && n > 0) {
      count++;
      if (fn(ctx, n, lines, first) != 0) {
        fprintf(stderr, "  ... in %s:%d\n", name, first);
        failed++;
      }
      n = 0;
    }
    if (at_end) break;
    p = nl + 1;
  }
  free(text);
  if (nrecords) *nrecords = count;
  return failed;
}

const char *test_tmpdir(void) {
  static char path[256];
  const char *base = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/khabar-test-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(path)) return NULL;
  return path;
}

void test_rmdir(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "  (could not remove %s)\n", dir);
}

char *test_unescape(const char *s, size_t *len) {
  size_t n = strlen(s), o = 0;
  char *out = malloc(n * 4 + 1);
  if (!out) return NULL;
  for (size_t i = 0; i < n;) {
    if (s[i] == '\\' && s[i + 1] == 'u' && s[i + 2] == '{') {
      char *end;
      unsigned long cp = strtoul(s + i + 3, &end, 16);
      if (*end == '}') {
        o += (size_t)kh_utf8_encode((uint32_t)cp, out + o);
        i = (size_t)(end - s) + 1;
        continue;
      }
    }
    if (s[i] == '\\' && s[i + 1] == 'x' && isxdigit((unsigned char)s[i + 2]) &&
        isxdigit((unsigned char)s[i + 3])) {
      char hex[3] = {s[i + 2], s[i + 3], 0};
      out[o++] = (char)strtoul(hex, NULL, 16);
      i += 4;
      continue;
    }
    out[o++] = s[i++];
  }
  out[o] = '\0';
  if (len) *len = o;
  return out;
}

void *test_failing_realloc(void *ud, void *p, size_t n) {
  test_failer *f = ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (++f->calls == f->fail_at) return NULL;
  return realloc(p, n);
}

int test_run_cmd(const char *cmd, char *out, size_t cap) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void test_on_error(void *ctx, const char *file, uint64_t line, const char *reason) {
  test_errs *e = ctx;
  (void)file;
  if (!e->n++) snprintf(e->first, sizeof e->first, "%s", reason), e->line = line;
}

void test_xml_escape(kh__buf *b, const char *s, int *rc) {
  for (; *s; s++) {
    if (*s == '&') kh__buf_appends(b, "&amp;", rc);
    else if (*s == '<') kh__buf_appends(b, "&lt;", rc);
    else if (*s == '>') kh__buf_appends(b, "&gt;", rc);
    else if (*s == '"') kh__buf_appends(b, "&quot;", rc);
    else kh__buf_appendc(b, *s, rc);
  }
}
