/*
** cmd_ingest.c — khabar ingest: a thin layer over kh_ingest_path, with a
** progress bar on a terminal, one summary line, --list (inputs named in a
** file) and --every (the inputs again every few minutes: following feeds).
**
**   khabar ingest examples/articles.jsonl news.csv texts/ feed.xml -
**   khabar ingest --list outlets.txt --every 15
*/
#include "cli.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct ing_ui {
  int tty;
  double t0, last;
  uint64_t errors_shown;
} ing_ui;

#define MAX_ERRORS_SHOWN 1000

static void on_error(void *ctx, const char *file, uint64_t line, const char *reason) {
  ing_ui *u = ctx;
  if (u->errors_shown++ < MAX_ERRORS_SHOWN) {
    if (u->tty) fputs("\r\033[K", stderr);
    if (line) fprintf(stderr, "%s:%llu: %s\n", file, (unsigned long long)line, reason);
    else fprintf(stderr, "%s: %s\n", file, reason); /* the input as a whole (a URL not fetched) */
  } else if (u->errors_shown == MAX_ERRORS_SHOWN + 1) {
    fprintf(stderr, "khabar: more bad records; only the first %d are shown\n", MAX_ERRORS_SHOWN);
  }
}

static void on_progress(void *ctx, const kh_ingest_stats *st) {
  ing_ui *u = ctx;
  double t = now_s();
  if (!u->tty || t - u->last < 0.2) return;
  u->last = t;
  double el = t - u->t0 > 1e-6 ? t - u->t0 : 1e-6;
  double mbs = (double)st->bytes / 1e6 / el, aps = (double)st->records / el;
  fprintf(stderr, "\r\033[K%llu articles  %.0f articles/s  %.1f MB/s",
          (unsigned long long)st->records, aps, mbs);
  if (st->total && st->bytes <= st->total) {
    double frac = (double)st->bytes / (double)st->total;
    int w = 24, fill = (int)(frac * w);
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    fputs("  [", stderr);
    for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3.0f%%  ETA %d:%02d", frac * 100, (int)eta / 60, (int)eta % 60);
  }
  fflush(stderr);
}

/* articles stored by one `khabar ingest` above which it suggests `khabar optimize` */
#define OPTIMIZE_HINT 20000

/* The inputs of one ingest: argv's and --list's, owned. */
typedef struct inputs {
  char **v;
  int n;
} inputs;

static int inputs_add(inputs *in, const char *s, size_t len) {
  char **v = realloc(in->v, (size_t)(in->n + 1) * sizeof *v);
  if (!v) return -1;
  in->v = v;
  if (!(v[in->n] = strndup(s, len))) return -1;
  in->n++;
  return 0;
}

static void inputs_free(inputs *in) {
  for (int i = 0; i < in->n; i++) free(in->v[i]);
  free(in->v);
}

/* --list FILE: one input a line; blank lines and '#' comments skipped. */
static int inputs_read(inputs *in, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return cli_error("ingest: cannot read the list %s", path);
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rc = 0;
  while (!rc && (len = getline(&line, &cap, f)) >= 0) {
    char *b = line, *h = strchr(line, '#');
    size_t n = h ? (size_t)(h - line) : (size_t)len;
    while (n && (*b == ' ' || *b == '\t')) b++, n--;
    while (n && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ' || b[n - 1] == '\t')) n--;
    if (n && inputs_add(in, b, n)) rc = cli_error("out of memory");
  }
  free(line);
  fclose(f);
  return rc;
}

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig) {
  (void)sig;
  stop_asked = 1;
}

/* One pass over the inputs into st; 1 if one failed (reported), -1 if a
** database error stops the ingest. */
static int ingest_round(kh_db *db, const inputs *in, const kh_ingest_opts *o, ing_ui *ui, kh_ingest_stats *st,
                        int *failed_inputs) {
  int failed = 0;
  for (int i = 0; i < in->n && !stop_asked; i++) {
    int rc = kh_ingest_path(db, in->v[i], o, st);
    if (rc == KH_EIO) {
      if (ui->tty) fputs("\r\033[K", stderr);
      cli_error("cannot read %s", in->v[i]);
      failed = 1;
      ++*failed_inputs;
    } else if (rc) {
      if (ui->tty) fputs("\r\033[K", stderr);
      cli_error("%s: %s (%s)", in->v[i], kh_strerror(rc), kh_db_errmsg(db));
      return -1;
    }
  }
  return failed;
}

static void summary(FILE *f, const kh_ingest_stats *st, double el) {
  fprintf(f,
          "%llu stored, %llu duplicates skipped, %llu rejected  (%llu records, %.1f s, %.0f "
          "articles/s, %.1f MB/s)",
          (unsigned long long)st->stored, (unsigned long long)st->duplicates, (unsigned long long)st->rejected,
          (unsigned long long)st->records, el, el > 0 ? (double)st->records / el : 0.0,
          el > 0 ? (double)st->bytes / 1e6 / el : 0.0);
  if (st->unchanged) fprintf(f, "; %llu URL(s) unchanged since the last fetch", (unsigned long long)st->unchanged);
  fputc('\n', f);
}

int cmd_ingest(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar ingest [--db PATH] [--format jsonl|csv|txt|feed|html] [--source S] [--window DAYS]\n"
         "                     [--threads 1|2] [--quiet] [--list FILE] [--every MIN] [--refetch]\n"
         "                     FILE... | URL... | -\n\n"
         "Stores articles in the database (default ./khabar.db, or $KHABAR_DB) and\n"
         "indexes them for search.  Inputs:\n"
         "  FILE.jsonl  JSON Lines: id?, source?, url?, published?, title?, body|text|content;\n"
         "              other fields are kept as extra JSON\n"
         "  FILE.csv    CSV with a header row naming the same columns (link = url,\n"
         "              date = published, headline = title)\n"
         "  FOLDER      .txt files, first line the title, file name the id\n"
         "  FILE.xml    an RSS 2.0, RSS 1.0 or Atom feed (also .rss, .atom, or a\n"
         "              file starting with '<'): one article an item, its HTML as\n"
         "              text; source = the channel's site (www.express.pk -> express.pk)\n"
         "  FILE.html   one news article's web page (also .htm): title, date and text\n"
         "              from its JSON-LD, <meta> tags and main paragraphs\n"
         "  URL         http:// or https://: fetched (redirects followed; at most 64 MiB,\n"
         "              $KHABAR_FETCH_MAX; stalled after 60 s, $KHABAR_FETCH_TIMEOUT),\n"
         "              then read as a file: a feed, a web page, JSON Lines or CSV\n"
         "  -           JSON Lines on stdin (CSV with --format csv, a feed with --format feed)\n"
         "An article already stored (same id, or same normalized text) is skipped.\n"
         "Bad records are reported as FILE:LINE: reason and skipped.\n"
         "--source S  source for records that have none (default: the file name)\n"
         "--window D  a story takes articles published within D days of its span\n"
         "            (default 3, or $KHABAR_STORY_WINDOW); keep it the same for every\n"
         "            ingest into one database\n"
         "--threads N 1: one thread; 2 (default): a second thread analyzes the next\n"
         "            articles while this one stores (same database either way;\n"
         "            also $KHABAR_INGEST_THREADS)\n"
         "--quiet     no progress bar and no summary\n"
         "--list F    also the inputs named in F, one a line (# starts a comment): e.g.\n"
         "            the feeds of the outlets to follow\n"
         "--every M   go through the inputs again every M minutes, a summary line a\n"
         "            round, until Ctrl-C or SIGTERM (what is stored stays stored)\n"
         "--refetch   fetch URLs whole even when the server says they have not changed\n"
         "            since the last fetch into this database (ETag, Last-Modified)");
    return 0;
  }
  const char *db_path = cli_db_path(&argc, argv);
  kh_ingest_opts o = {0};
  kh_story_opts so = {0};
  const char *wenv = getenv("KHABAR_STORY_WINDOW");
  if (wenv && *wenv) so.window_days = atoi(wenv);
  int quiet = 0;
  double every = 0;
  inputs in = {NULL, 0};
  for (int i = 1; i < argc; i++) {
    const char *v;
    int bad = 0;
    if ((v = cli_opt_value(argc, argv, &i, "--format"))) {
      if (strcmp(v, "jsonl") && strcmp(v, "csv") && strcmp(v, "txt") && strcmp(v, "feed") && strcmp(v, "html"))
        bad = cli_error("ingest: unknown format '%s' (jsonl, csv, txt, feed or html)", v);
      o.format = v;
    } else if ((v = cli_opt_value(argc, argv, &i, "--source"))) {
      o.source = v;
    } else if ((v = cli_opt_value(argc, argv, &i, "--window"))) {
      char *end;
      long d = strtol(v, &end, 10);
      if (*end || d < 1 || d > 3650) bad = cli_error("ingest: --window takes a number of days (1 to 3650), not '%s'", v);
      so.window_days = (int)d;
    } else if ((v = cli_opt_value(argc, argv, &i, "--threads"))) {
      if (strcmp(v, "1") && strcmp(v, "2")) bad = cli_error("ingest: --threads takes 1 or 2, not '%s'", v);
      o.threads = atoi(v);
    } else if ((v = cli_opt_value(argc, argv, &i, "--every"))) {
      char *end;
      every = strtod(v, &end);
      if (*end || !(every > 0 && every <= 10080))
        bad = cli_error("ingest: --every takes minutes (above 0, at most 10080), not '%s'", v);
    } else if ((v = cli_opt_value(argc, argv, &i, "--list"))) {
      bad = inputs_read(&in, v);
    } else if (!strcmp(argv[i], "--refetch")) {
      o.refetch = 1;
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      bad = cli_error("ingest: unknown option '%s' (try --help)", argv[i]);
    } else if (inputs_add(&in, argv[i], strlen(argv[i]))) {
      bad = cli_error("out of memory");
    }
    if (bad) {
      inputs_free(&in);
      return 2;
    }
  }
  if (!in.n) {
    inputs_free(&in);
    cli_error("ingest: no input (files, folders, URLs, or - for stdin; try --help)");
    return 2;
  }
  /* Each connection of this process is used by one thread (the ingest's
  ** writer, its checkpointer): no per-connection mutexes, and no memory
  ** statistics, a global lock on every SQLite allocation (~3% of the
  ** writer thread in perf with the mutexes).  Before the first open; a
  ** no-op if SQLite is already initialized. */
  sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
  const char *memn = getenv("KHABAR_INGEST_MEM"); /* its lines show SQLite's memory too */
  if (!memn || atoi(memn) <= 0) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  kh_db *db;
  int rc = kh_db_open(db_path, &db);
  if (rc) {
    inputs_free(&in);
    return cli_error("cannot open database %s: %s", db_path, kh_strerror(rc));
  }
  cli_tokenizer_check(db, db_path);
  /* analyze layer: entities, quotes and events of each new article (first:
  ** the corpus hook reads the article's entities for its story) */
  kh_analyzer *analyzer = NULL;
  if ((rc = kh_analyzer_new(0, &analyzer)) || (rc = kh_analyze_attach(db, analyzer)) ||
      /* corpus layer: fingerprints, LSH and stories for each new article */
      (rc = kh_corpus_attach_opts(db, &so))) {
    kh_db_close(db);
    kh_analyzer_free(analyzer);
    inputs_free(&in);
    return cli_error("ingest: %s", kh_strerror(rc));
  }
  ing_ui ui = {!quiet && !every && isatty(2), now_s(), 0, 0};
  o.on_error = on_error;
  o.on_progress = on_progress;
  o.ctx = &ui;
  kh_ingest_stats st = {0};
  int failed = 0;
  if (every) { /* stop between inputs, or while waiting */
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
  }
  for (int round = 1;; round++) {
    kh_ingest_stats rs = {0};
    int nf = 0;
    double t0 = now_s();
    int r = ingest_round(db, &in, &o, &ui, every ? &rs : &st, &nf);
    if (r) failed = 1;
    if (every && !quiet) {
      char when[32];
      time_t now = time(NULL);
      strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
      fprintf(stderr, "%s round %d: ", when, round);
      summary(stderr, &rs, now_s() - t0);
      if (nf) fprintf(stderr, "  %d input(s) could not be read\n", nf);
    }
    if (every) {
      st.records += rs.records, st.stored += rs.stored, st.duplicates += rs.duplicates;
      st.rejected += rs.rejected, st.bytes += rs.bytes, st.unchanged += rs.unchanged;
    }
    if (!every || r < 0 || stop_asked) break;
    for (double until = now_s() + every * 60; !stop_asked && now_s() < until;) {
      struct timespec ts = {0, 200 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    if (stop_asked) break;
  }
  kh_db_close(db);
  kh_analyzer_free(analyzer);
  inputs_free(&in);
  if (ui.tty) fputs("\r\033[K", stderr);
  if (!quiet) {
    if (every) fputs("in all: ", stderr);
    summary(stderr, &st, now_s() - ui.t0);
    /* a bulk load leaves the full-text index in many segments and the
    ** block-max doclists behind: say once what makes searches fast again */
    if (st.stored >= OPTIMIZE_HINT)
      fprintf(stderr, "hint: after a large ingest, `khabar optimize --db %s` merges the full-text index and "
                      "builds its skipping lists (searches of 2-3 frequent words several times faster)\n",
              db_path);
  }
  return failed;
}
