/*
** cmd_optimize.c — khabar optimize: merge the file's full-text indexes into
** one segment each (kh_db_optimize), for faster searches on large files.
**
**   khabar optimize --db news.db
**
** Ctrl-C (or SIGTERM) stops after the step under way; a kill loses at most
** that step.  Either way the file stays whole, every search gives the same
** pages, and running the command again goes on where it stopped.
*/
#include "cli.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_asked;

static void on_signal(int sig) {
  (void)sig;
  stop_asked = 1;
}

typedef struct opt_ui {
  int quiet;
  double t0;
  const char *table;
  int segs0;
} opt_ui;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int progress(void *ctx, const char *table, int steps, int segments) {
  opt_ui *u = ctx;
  if (!u->table || strcmp(u->table, table)) {
    u->table = table;
    u->segs0 = segments;
    u->t0 = now_s();
  }
  if (u->quiet || !(steps % 10 == 0 || segments <= 1) || (!steps && !strcmp(table, "search_bm"))) return stop_asked != 0;
  if (!strcmp(table, "search_bm")) /* the block-max lists: segments = terms still to build */
    fprintf(stderr, "%s: block-max lists of %d terms%s, %d step%s, %.1f s\n", table, u->segs0 - segments,
            segments ? " so far" : " built", steps, steps == 1 ? "" : "s", now_s() - u->t0);
  else
    fprintf(stderr, "%s: %d segment%s (was %d), %d step%s, %.1f s\n", table, segments, segments == 1 ? "" : "s", u->segs0,
            steps, steps == 1 ? "" : "s", now_s() - u->t0);
  return stop_asked != 0;
}

int cmd_optimize(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar optimize [--db PATH] [--quiet]\n\n"
         "Merges the full-text index (and the impact tiers' index) into one\n"
         "segment each, then builds block-max doclists of the frequent words\n"
         "(skipping lists for searches of 2-3 frequent words).  After a large\n"
         "ingest FTS5 keeps its index as a dozen or more segments, and every word\n"
         "a search reads is merged from all of them (1M articles: 1-2 minutes).\n"
         "Searches give the same pages before and after.  The work goes in steps\n"
         "of one transaction: Ctrl-C stops after the step under way, a kill loses\n"
         "at most that step, and running it again goes on from there.");
    return 0;
  }
  const char *path = cli_db_path(&argc, argv);
  opt_ui u = {0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quiet")) u.quiet = 1;
    else return cli_error("optimize: unknown argument '%s' (try --help)", argv[i]), 2;
  }
  if (access(path, F_OK)) return cli_error("optimize: no database at %s", path);
  kh_db *db;
  int rc = kh_db_open(path, &db);
  if (rc) return cli_error("cannot open database %s: %s", path, kh_strerror(rc));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  rc = kh_db_optimize(db, progress, &u);
  if (rc == 1) {
    fprintf(stderr, "khabar: optimize stopped (the file is whole; run it again to go on)\n");
  } else if (rc) {
    cli_error("optimize: %s%s%s", kh_strerror(rc), rc == KH_EDB ? ": " : "", rc == KH_EDB ? kh_db_errmsg(db) : "");
  }
  kh_db_close(db);
  return rc != 0;
}
