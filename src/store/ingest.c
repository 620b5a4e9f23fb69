/*
** ingest.c — kh_ingest_path: pick the reader for an input (JSON Lines,
** CSV, a folder of .txt files, stdin), store every good record with
** kh_db_put_article, report bad ones with file:line and the reason, count
** stored / duplicate / rejected, and commit at the end.  Memory stays flat:
** one record at a time, writes batched KH_DB_BATCH to a transaction.
**
**   kh_ingest_stats st = {0};
**   kh_ingest_opts o = {.on_error = print_error};
**   kh_ingest_path(db, "news.jsonl", &o, &st);
*/
#include "store.h"

#include <dirent.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct ing {
  kh_db *db;
  const kh_ingest_opts *o;
  kh_ingest_stats *st;
  const char *file;           /* for messages */
  const char *default_source; /* for records without one */
} ing;

static void reject(ing *g, uint64_t line, const char *reason) {
  g->st->rejected++;
  if (g->o->on_error) g->o->on_error(g->o->ctx, g->file, line, reason);
}

static void progress(ing *g) {
  if (g->o->on_progress) g->o->on_progress(g->o->ctx, g->st);
}

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  ing *g = ctx;
  g->st->records++;
  if (!a) {
    reject(g, line, reason);
  } else {
    kh_article b = *a;
    if (!b.source_len && g->default_source) {
      b.source = g->default_source;
      b.source_len = strlen(g->default_source);
    }
    int rc = kh_db_put_article(g->db, &b, NULL);
    if (rc == 0) g->st->stored++;
    else if (rc == KH_DUPLICATE) g->st->duplicates++;
    else if (rc == KH_ETOOBIG) reject(g, line, "title or body larger than 16 MiB");
    else if (rc == KH_EINVAL) reject(g, line, "no text, or extra fields that are not a JSON object");
    else return rc; /* the database failed: stop */
  }
  if ((g->st->records & 255) == 0) progress(g);
  return 0;
}

/* "dir/geo_articles.csv" -> "geo_articles" in out. */
static void stem(const char *path, char *out, size_t cap) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && path[b - 1] != '/') b--;
  size_t e = n;
  for (size_t i = n; i > b; i--)
    if (path[i - 1] == '.') {
      e = i - 1;
      break;
    }
  if (e == b) e = n;
  snprintf(out, cap, "%.*s", (int)(e - b), path + b);
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcasecmp(s + n - k, suf);
}

void kh__txt_article(const char *text, size_t len, kh_article *a) {
  size_t i = 0;
  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) i = 3;
  while (i < len && (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t')) i++;
  size_t t = i;
  while (i < len && text[i] != '\n') i++;
  size_t te = i;
  while (te > t && (text[te - 1] == '\r' || text[te - 1] == ' ')) te--;
  while (i < len && (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t')) i++;
  size_t be = len;
  while (be > i && (text[be - 1] == '\n' || text[be - 1] == '\r' || text[be - 1] == ' ')) be--;
  a->title = text + t;
  a->title_len = te - t;
  a->body = text + i;
  a->body_len = be - i;
}

/* Read a whole small file through the allocation hook; NULL on failure. */
static char *slurp(const char *path, size_t cap, size_t *len, int *toobig) {
  FILE *f = fopen(path, "rb");
  *toobig = 0;
  if (!f) return NULL;
  kh__buf b = {0};
  b.max = cap;
  int rc = 0;
  char chunk[65536];
  size_t got;
  while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0) kh__buf_append(&b, chunk, got, &rc);
  int err = ferror(f);
  fclose(f);
  if (rc == KH_ETOOBIG) *toobig = 1;
  if (rc || err) {
    kh__buf_free(&b);
    return NULL;
  }
  return kh__buf_detach(&b, len, &rc);
}

static int one_txt(ing *g, const char *path, const char *id) {
  size_t len = 0;
  int toobig;
  g->file = path;
  char *text = slurp(path, KH_MAX_ARTICLE + 4096, &len, &toobig);
  if (!text) {
    g->st->records++;
    reject(g, 1, toobig ? "file larger than 16 MiB" : "cannot read the file");
    return 0;
  }
  g->st->bytes += len;
  size_t bad;
  int rc;
  if (!kh__utf8_valid(text, len, &bad)) {
    char why[64];
    snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", bad);
    rc = sink(g, 1, NULL, why);
  } else {
    kh_article a = {0};
    kh__txt_article(text, len, &a);
    a.id = id;
    a.id_len = strlen(id);
    rc = a.title_len + a.body_len ? sink(g, 1, &a, NULL) : sink(g, 1, NULL, "empty file");
  }
  kh_free(text);
  return rc;
}

static int is_txt(const struct dirent *d) { return d->d_name[0] != '.' && ends_with(d->d_name, ".txt"); }

static int txt_folder(ing *g, const char *dir) {
  struct dirent **list;
  int n = scandir(dir, &list, is_txt, alphasort);
  if (n < 0) return KH_EIO;
  int rc = 0;
  kh__buf path = {0};
  for (int i = 0; i < n; i++) {
    char id[256];
    path.len = 0;
    kh__buf_printf(&path, &rc, "%s/%s", dir, list[i]->d_name);
    stem(list[i]->d_name, id, sizeof id);
    if (!rc) rc = one_txt(g, path.data, id);
    free(list[i]);
  }
  free(list);
  kh__buf_free(&path);
  return rc;
}

int kh_ingest_path(kh_db *db, const char *path, const kh_ingest_opts *opts, kh_ingest_stats *st) {
  if (!db || !path || !st) return KH_EINVAL;
  kh_ingest_opts none = {0};
  const kh_ingest_opts *o = opts ? opts : &none;
  char src[256];
  ing g = {db, o, st, path, o->source};
  const char *fmt = o->format;
  int rc;
  if (!strcmp(path, "-")) {
    g.file = "<stdin>";
    rc = fmt && !strcmp(fmt, "csv") ? kh__csv_read(stdin, o->source, sink, &g, &st->bytes)
                                    : kh__jsonl_read(stdin, sink, &g, &st->bytes);
    goto done;
  }
  struct stat sb;
  if (stat(path, &sb) != 0) return KH_EIO;
  stem(path, src, sizeof src);
  if (S_ISDIR(sb.st_mode)) {
    if (!g.default_source) g.default_source = src;
    rc = txt_folder(&g, path);
    goto done;
  }
  st->total += (uint64_t)sb.st_size;
  if (!fmt) {
    if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json")) fmt = "jsonl";
    else if (ends_with(path, ".csv")) fmt = "csv";
    else if (ends_with(path, ".txt")) fmt = "txt";
  }
  if (fmt && !strcmp(fmt, "txt")) {
    rc = one_txt(&g, path, src);
    goto done;
  }
  FILE *f = fopen(path, "rb");
  if (!f) return KH_EIO;
  if (!fmt) { /* by content: JSON Lines start with '{' */
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB ||
           c == 0xBF) {
    }
    fmt = c == '{' ? "jsonl" : "csv";
    rewind(f);
  }
  if (!strcmp(fmt, "csv")) rc = kh__csv_read(f, o->source ? o->source : src, sink, &g, &st->bytes);
  else if (!strcmp(fmt, "jsonl")) rc = kh__jsonl_read(f, sink, &g, &st->bytes);
  else rc = KH_EINVAL;
  fclose(f);
done:
  if (rc == 0) rc = kh_db_commit(db);
  else kh_db_commit(db); /* keep what was good */
  progress(&g);
  return rc;
}
