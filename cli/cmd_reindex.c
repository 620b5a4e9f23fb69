/*
** cmd_reindex.c — khabar export (the stored articles as JSON Lines) and
** khabar reindex (rebuild a file with this khabar's tokenizer and layers).
**
** reindex streams the export of the old file through a pipe into an
** ordinary ingest of a new file beside it (PATH.reindex: every layer's
** hooks, two threads), gives the articles their original ingest times, and
** renames the new file over the old one.  Until that rename the old file is
** untouched and locked against other writers; a kill at any moment leaves
** either the old file or the new one at PATH, each whole.
*/
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void kv(FILE *f, const char *k, const char *v, int *n) {
  if (!v) return;
  fprintf(f, "%s\"%s\":", (*n)++ ? "," : "", k);
  cli_json_str(f, v, strlen(v));
}

/* One record a line: the fields a user gave, extra fields at top level (so
** `khabar ingest` of the export keeps them as extra again). */
static int write_rec(void *ctx, const kh_export_rec *r) {
  FILE *f = ctx;
  int n = 0;
  putc('{', f);
  kv(f, "id", r->id, &n);
  kv(f, "source", r->source, &n);
  kv(f, "url", r->url, &n);
  kv(f, "published", r->published, &n);
  kv(f, "title", r->title, &n);
  kv(f, "body", r->body, &n);
  if (r->extra) { /* a JSON object as ingest stored it: its members */
    const char *a = strchr(r->extra, '{'), *b = strrchr(r->extra, '}');
    if (a && b && b > a + 1) {
      const char *p = a + 1;
      while (p < b && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
      if (p < b) fprintf(f, ",%.*s", (int)(b - p), p);
    }
  }
  fputs("}\n", f);
  return ferror(f) ? KH_EIO : 0;
}

int cmd_export(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar export [--db PATH] [> FILE.jsonl]\n\n"
         "Writes every stored article as JSON Lines (id, source, url, published,\n"
         "title, body and the extra fields it came with), in the order they were\n"
         "stored, then every copy (the same text that came again under another id)\n"
         "with the text it copies.  `khabar ingest` of the output into a new file\n"
         "gives the same articles, copies and stories.");
    return 0;
  }
  const char *path = cli_db_path(&argc, argv);
  if (argc > 1) return cli_error("export: unknown argument '%s' (try --help)", argv[1]), 2;
  if (access(path, F_OK)) return cli_error("export: no database at %s", path);
  kh_db *db;
  int rc = kh_db_open(path, &db);
  if (rc) return cli_error("cannot open database %s: %s", path, kh_strerror(rc));
  rc = kh_db_export(db, write_rec, stdout);
  if (!rc && fflush(stdout)) rc = KH_EIO;
  if (rc) cli_error("export: %s%s%s", kh_strerror(rc), rc == KH_EDB ? ": " : "",
                    rc == KH_EDB ? kh_db_errmsg(db) : "");
  kh_db_close(db);
  return rc != 0;
}

typedef struct feeder {
  kh_db *db;
  FILE *out; /* the pipe's write end */
  int rc;
  uint64_t n;
} feeder;

static int feed_rec(void *ctx, const kh_export_rec *r) {
  feeder *fd = ctx;
  fd->n++;
  return write_rec(fd->out, r);
}

static void *feed(void *arg) {
  feeder *fd = arg;
  fd->rc = kh_db_export(fd->db, feed_rec, fd);
  if (fclose(fd->out) && !fd->rc) fd->rc = KH_EIO;
  return NULL;
}

static void bad_record(void *ctx, const char *file, uint64_t line, const char *reason) {
  uint64_t *n = ctx;
  (*n)++;
  cli_error("reindex: record %llu of the export: %s", (unsigned long long)line, reason);
  (void)file;
}

#define PATH_CAP 4000 /* longest database path reindex takes */

/* p + suffix into b (PATH_CAP + 16 bytes; p is at most PATH_CAP) */
static char *with(char *b, const char *p, const char *suffix) {
  size_t n = strnlen(p, PATH_CAP);
  memcpy(b, p, n);
  strcpy(b + n, suffix);
  return b;
}

static void unlink_db(const char *p) {
  char b[PATH_CAP + 16];
  unlink(p);
  unlink(with(b, p, "-wal"));
  unlink(with(b, p, "-shm"));
}

/* The ingest into tmp (every layer attached, as `khabar ingest` does). */
static int ingest_export(const char *tmp, int window, kh_ingest_stats *st, uint64_t *bad) {
  kh_db *db;
  int rc = kh_db_open(tmp, &db);
  if (rc) return cli_error("reindex: cannot create %s: %s", tmp, kh_strerror(rc));
  kh_analyzer *an = NULL;
  kh_story_opts so = {0};
  so.window_days = window;
  if ((rc = kh_analyzer_new(0, &an)) || (rc = kh_analyze_attach(db, an)) ||
      (rc = kh_corpus_attach_opts(db, &so))) {
    kh_db_close(db);
    kh_analyzer_free(an);
    return cli_error("reindex: %s", kh_strerror(rc));
  }
  kh_ingest_opts o = {0};
  o.format = "jsonl";
  o.on_error = bad_record;
  o.ctx = bad;
  rc = kh_ingest_path(db, "-", &o, st);
  if (rc) cli_error("reindex: %s (%s)", kh_strerror(rc), kh_db_errmsg(db));
  kh_db_close(db);
  kh_analyzer_free(an);
  return rc != 0;
}

int cmd_reindex(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar reindex [--db PATH] [--window DAYS]\n\n"
         "Rebuilds the database with this khabar's tokenizer: its full-text index,\n"
         "search lists, fingerprints, stories, entities, quotes and events, from the\n"
         "articles it holds (ids, sources, urls, dates, texts, extra fields, copies\n"
         "and ingest times are kept).  Needed when a newer khabar tokenizes\n"
         "differently (`khabar search` then says so).  Builds PATH.reindex beside\n"
         "the file and renames it over PATH at the end; other writers wait.\n"
         "--window D  the story window in days (default 3, or $KHABAR_STORY_WINDOW)");
    return 0;
  }
  const char *path = cli_db_path(&argc, argv);
  int window = 0;
  const char *wenv = getenv("KHABAR_STORY_WINDOW");
  if (wenv && *wenv) window = atoi(wenv);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--window") && i + 1 < argc) {
      char *end;
      long d = strtol(argv[++i], &end, 10);
      if (*end || d < 1 || d > 3650)
        return cli_error("reindex: --window takes a number of days (1 to 3650), not '%s'", argv[i]), 2;
      window = (int)d;
    } else {
      return cli_error("reindex: unknown argument '%s' (try --help)", argv[i]), 2;
    }
  }
  if (access(path, F_OK)) return cli_error("reindex: no database at %s", path);
  if (strlen(path) > PATH_CAP) return cli_error("reindex: path too long");
  char tmp[PATH_CAP + 16];
  with(tmp, path, ".reindex");
  unlink_db(tmp); /* left by a reindex that was killed */

  kh_db *old;
  int rc = kh_db_open(path, &old);
  if (rc) return cli_error("cannot open database %s: %s", path, kh_strerror(rc));
  int was = 0;
  kh_db_tokenizer_version(old, &was);
  if ((rc = kh_db_lock(old))) {
    kh_db_close(old);
    return cli_error("reindex: %s is busy (another khabar is writing to it)", path);
  }
  int pfd[2];
  if (pipe(pfd)) {
    kh_db_close(old);
    return cli_error("reindex: pipe: %s", strerror(errno));
  }
  feeder fd = {old, fdopen(pfd[1], "w"), 0, 0};
  pthread_t th;
  signal(SIGPIPE, SIG_IGN); /* an ingest that stops early closes the pipe */
  int saved_in = dup(0);
  if (!fd.out || saved_in < 0 || dup2(pfd[0], 0) < 0 || pthread_create(&th, NULL, feed, &fd)) {
    kh_db_close(old);
    return cli_error("reindex: cannot start: %s", strerror(errno));
  }
  close(pfd[0]);
  kh_ingest_stats st = {0};
  uint64_t bad = 0;
  int failed = ingest_export(tmp, window, &st, &bad);
  /* an ingest that stopped early leaves the feeder blocked on the pipe */
  fclose(stdin);
  pthread_join(th, NULL);
  dup2(saved_in, 0);
  close(saved_in);
  if (fd.rc && fd.rc != KH_EIO) failed = cli_error("reindex: reading %s: %s (%s)", path, kh_strerror(fd.rc), kh_db_errmsg(old));
  if (!failed && bad) failed = cli_error("reindex: %llu records of the export were rejected", (unsigned long long)bad);
  if (!failed && st.records != fd.n) failed = cli_error("reindex: %llu records exported, %llu ingested",
                                                        (unsigned long long)fd.n, (unsigned long long)st.records);
  kh_db *nw = NULL;
  if (!failed && (rc = kh_db_open(tmp, &nw)) == 0) rc = kh_db_restore_times(nw, path);
  if (!failed && rc) failed = cli_error("reindex: ingest times: %s", kh_strerror(rc));
  int64_t before = kh_db_count(old);
  kh_db_close(old); /* the old file's WAL goes into it: no -wal left unless another process has it open */
  kh_db_close(nw);
  char wal[PATH_CAP + 16];
  with(wal, path, "-wal");
  struct stat sb;
  int keep = 0;
  if (!failed && !stat(wal, &sb) && sb.st_size > 0) {
    failed = cli_error("reindex: %s is open in another process; the new file is %s", path, tmp);
    keep = 1;
  }
  if (failed) {
    if (!keep) unlink_db(tmp);
    return 1;
  }
  unlink(wal); /* empty, or absent */
  char shm[PATH_CAP + 16];
  unlink(with(shm, path, "-shm"));
  if (rename(tmp, path)) return cli_error("reindex: rename %s to %s: %s", tmp, path, strerror(errno));
  fprintf(stderr,
          "reindexed %s with tokenizer version %d (was %s%.0d): %llu articles before, %llu stored, "
          "%llu copies\n",
          path, kh_tokenizer_version(), was ? "" : "unknown", was, (unsigned long long)before,
          (unsigned long long)st.stored, (unsigned long long)st.duplicates);
  return 0;
}

void cli_tokenizer_check(kh_db *db, const char *path) {
  int v = 0;
  if (kh_db_tokenizer_version(db, &v) || !v || v == kh_tokenizer_version()) return;
  fprintf(stderr,
          "khabar: warning: %s was indexed by tokenizer version %d, this khabar has %d: searches can\n"
          "  miss articles until `khabar reindex --db %s`\n",
          path, v, kh_tokenizer_version(), path);
}
