/*
** bench_util.h — small helpers shared by the benchmark programs (header
** only: each bench is one program).  Reading the data, a clock, and
** SQLite's unicode61 tokenizer as the peer every tokenizer figure is
** compared with.
*/
#ifndef KH_BENCH_UTIL_H
#define KH_BENCH_UTIL_H

#include "khabar.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: on a shared, loaded machine it counts only the
** time the benchmark actually ran, so MB per CPU-second stays comparable. */
static inline double bench_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline const char *bench_data_dir(void) {
  const char *e = getenv("KHABAR_DATA");
  return e && *e ? e : KH_SOURCE_DIR "/../shared/data";
}

static inline char *bench_read(const char *rel, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", bench_data_dir(), rel);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  if (len) *len = (size_t)n;
  return buf;
}

/* Append the title and body of every JSON Lines record of rel to *out
** (separated by newlines).  Returns the number of records, -1 if absent. */
static inline long bench_jsonl_text(const char *rel, char **out, size_t *outlen) {
  size_t len;
  char *text = bench_read(rel, &len);
  if (!text) return -1;
  long n = 0;
  for (char *line = text; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    const char *fields[] = {"title", "body"};
    for (int k = 0; o && k < 2; k++) {
      const char *v = json_string_value(json_object_get(o, fields[k]));
      if (!v) continue;
      size_t vl = strlen(v);
      *out = realloc(*out, *outlen + vl + 2);
      memcpy(*out + *outlen, v, vl);
      *outlen += vl;
      (*out)[(*outlen)++] = '\n';
      (*out)[*outlen] = 0;
    }
    if (o) n++;
    json_decref(o);
    line = nl ? nl + 1 : NULL;
  }
  free(text);
  return n;
}

/* ---- SQLite FTS5 tokenizers as peers ---- */

typedef struct bench_fts5 {
  sqlite3 *db;
  fts5_api *api;
  fts5_tokenizer tk;
  Fts5Tokenizer *inst;
} bench_fts5;

/* Open the FTS5 tokenizer `name` (e.g. "unicode61") with its arguments. */
static inline int bench_fts5_open(bench_fts5 *b, const char *name, const char **argv, int argc) {
  memset(b, 0, sizeof *b);
  if (sqlite3_open(":memory:", &b->db) != SQLITE_OK) return -1;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(b->db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_pointer(st, 1, (void *)&b->api, "fts5_api_ptr", NULL);
  sqlite3_step(st);
  sqlite3_finalize(st);
  if (!b->api) return -1;
  void *ud = NULL;
  if (b->api->xFindTokenizer(b->api, name, &ud, &b->tk) != SQLITE_OK) return -1;
  return b->tk.xCreate(ud, argv, argc, &b->inst) == SQLITE_OK ? 0 : -1;
}

static inline int bench_fts5_tokenize(bench_fts5 *b, const char *s, size_t n, void *ctx,
                                      int (*cb)(void *, int, const char *, int, int, int)) {
  return b->tk.xTokenize(b->inst, ctx, FTS5_TOKENIZE_DOCUMENT, s, (int)n, cb);
}

static inline void bench_fts5_close(bench_fts5 *b) {
  if (b->inst) b->tk.xDelete(b->inst);
  if (b->db) sqlite3_close(b->db);
}

#endif
