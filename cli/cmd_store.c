/*
** cmd_store.c — store subcommands: ingest and search, thin layers over
** kh_ingest_path and kh_search.
**
**   khabar ingest examples/articles.jsonl news.csv texts/ -
**   khabar search 'عمران خان' --since 2024-11-01 --limit 5 --json
*/
#include "cli.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Option with a value: --name VALUE or --name=VALUE; removes nothing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name) {
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

/* ---- ingest ---- */

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

int cmd_ingest(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar ingest [--db PATH] [--format jsonl|csv|txt|feed|html] [--source S] [--window DAYS]\n"
         "                     [--threads 1|2] [--quiet] FILE... | -\n\n"
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
         "--quiet     no progress bar and no summary");
    return 0;
  }
  const char *db_path = cli_db_path(&argc, argv);
  kh_ingest_opts o = {0};
  kh_story_opts so = {0};
  const char *wenv = getenv("KHABAR_STORY_WINDOW");
  if (wenv && *wenv) so.window_days = atoi(wenv);
  int quiet = 0, ninputs = 0;
  char **inputs = calloc((size_t)argc, sizeof *inputs);
  if (!inputs) return cli_error("out of memory");
  for (int i = 1; i < argc; i++) {
    const char *v;
    if ((v = opt_value(argc, argv, &i, "--format"))) {
      if (strcmp(v, "jsonl") && strcmp(v, "csv") && strcmp(v, "txt") && strcmp(v, "feed") && strcmp(v, "html")) {
        free(inputs);
        cli_error("ingest: unknown format '%s' (jsonl, csv, txt, feed or html)", v);
        return 2;
      }
      o.format = v;
    } else if ((v = opt_value(argc, argv, &i, "--source"))) {
      o.source = v;
    } else if ((v = opt_value(argc, argv, &i, "--window"))) {
      char *end;
      long d = strtol(v, &end, 10);
      if (*end || d < 1 || d > 3650) {
        free(inputs);
        cli_error("ingest: --window takes a number of days (1 to 3650), not '%s'", v);
        return 2;
      }
      so.window_days = (int)d;
    } else if ((v = opt_value(argc, argv, &i, "--threads"))) {
      if (strcmp(v, "1") && strcmp(v, "2")) {
        free(inputs);
        cli_error("ingest: --threads takes 1 or 2, not '%s'", v);
        return 2;
      }
      o.threads = atoi(v);
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      free(inputs);
      cli_error("ingest: unknown option '%s' (try --help)", argv[i]);
      return 2;
    } else {
      inputs[ninputs++] = argv[i];
    }
  }
  if (!ninputs) {
    free(inputs);
    cli_error("ingest: no input (files, folders, or - for stdin; try --help)");
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
    free(inputs);
    return cli_error("cannot open database %s: %s", db_path, kh_strerror(rc));
  }
  cli_tokenizer_check(db, db_path);
  /* analyze layer: entities, quotes and events of each new article (first:
  ** the corpus hook reads the article's entities for its story) */
  kh_analyzer *analyzer = NULL;
  if ((rc = kh_analyzer_new(0, &analyzer)) || (rc = kh_analyze_attach(db, analyzer))) {
    kh_analyzer_free(analyzer);
    kh_db_close(db);
    free(inputs);
    return cli_error("ingest: %s", kh_strerror(rc));
  }
  /* corpus layer: fingerprints, LSH and stories for each new article */
  if ((rc = kh_corpus_attach_opts(db, &so))) {
    kh_db_close(db);
    kh_analyzer_free(analyzer);
    free(inputs);
    return cli_error("ingest: %s", kh_strerror(rc));
  }
  ing_ui ui = {!quiet && isatty(2), now_s(), 0, 0};
  o.on_error = on_error;
  o.on_progress = on_progress;
  o.ctx = &ui;
  kh_ingest_stats st = {0};
  int failed = 0;
  for (int i = 0; i < ninputs; i++) {
    rc = kh_ingest_path(db, inputs[i], &o, &st);
    if (rc == KH_EIO) {
      if (ui.tty) fputs("\r\033[K", stderr);
      cli_error("cannot read %s", inputs[i]);
      failed = 1;
    } else if (rc) {
      if (ui.tty) fputs("\r\033[K", stderr);
      cli_error("%s: %s (%s)", inputs[i], kh_strerror(rc), kh_db_errmsg(db));
      failed = 1;
      break;
    }
  }
  kh_db_close(db);
  kh_analyzer_free(analyzer);
  free(inputs);
  if (ui.tty) fputs("\r\033[K", stderr);
  if (!quiet) {
    double el = now_s() - ui.t0;
    fprintf(stderr,
            "%llu stored, %llu duplicates skipped, %llu rejected  (%llu records, %.1f s, %.0f "
            "articles/s, %.1f MB/s)\n",
            (unsigned long long)st.stored, (unsigned long long)st.duplicates,
            (unsigned long long)st.rejected, (unsigned long long)st.records, el,
            el > 0 ? (double)st.records / el : 0.0, el > 0 ? (double)st.bytes / 1e6 / el : 0.0);
    /* a bulk load leaves the full-text index in many segments and the
    ** block-max doclists behind: say once what makes searches fast again */
    if (st.stored >= OPTIMIZE_HINT)
      fprintf(stderr, "hint: after a large ingest, `khabar optimize --db %s` merges the full-text index and "
                      "builds its skipping lists (searches of 2-3 frequent words several times faster)\n",
              db_path);
  }
  return failed;
}

/* ---- search ---- */

typedef struct search_ui {
  int json, n;
  kh_db *db;
  int ncopies; /* of the hit being printed */
} search_ui;

/* A copy of a hit: the same text that arrived again under another id. */
static int print_copy(void *ctx, const kh_copy *c) {
  search_ui *u = ctx;
  if (u->json) {
    printf("%s{", u->ncopies++ ? "," : "");
    cli_json_kv("id", c->id, 0);
    cli_json_kv("source", c->source, 1);
    cli_json_kv("published", c->published, 1);
    cli_json_kv("url", c->url, 1);
    putchar('}');
    return 0;
  }
  printf("   also %s", c->id);
  if (c->source) printf(" | %s", c->source);
  if (c->published) printf(" | %s", c->published);
  puts("  (the same text)");
  return 0;
}

static int print_hit(void *ctx, const kh_hit *h) {
  search_ui *u = ctx;
  u->n++;
  if (u->json) {
    fputs("{\"id\":", stdout);
    cli_json_str(stdout, h->id, strlen(h->id));
    printf(",\"score\":%.4f,\"title\":", h->score);
    cli_json_str(stdout, h->title, strlen(h->title));
    fputs(",\"source\":", stdout);
    if (h->source) cli_json_str(stdout, h->source, strlen(h->source));
    else fputs("null", stdout);
    fputs(",\"published\":", stdout);
    if (h->published) cli_json_str(stdout, h->published, strlen(h->published));
    else fputs("null", stdout);
    fputs(",\"url\":", stdout);
    if (h->url) cli_json_str(stdout, h->url, strlen(h->url));
    else fputs("null", stdout);
    fputs(",\"snippet\":", stdout);
    cli_json_str(stdout, h->snippet, strlen(h->snippet));
    fputs(",\"copies\":[", stdout);
    u->ncopies = 0;
    int rc = kh_db_copies(u->db, h->rowid, print_copy, u);
    fputs("]}\n", stdout);
    return rc;
  }
  printf("%d. %s\n   %s", u->n, h->title, h->id);
  if (h->source) printf(" | %s", h->source);
  if (h->published) printf(" | %s", h->published);
  printf(" | score %.2f\n", h->score);
  int rc = kh_db_copies(u->db, h->rowid, print_copy, u);
  if (rc) return rc;
  if (*h->snippet) printf("   %s\n", h->snippet);
  putchar('\n');
  return 0;
}

int cmd_search(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar search QUERY [--db PATH] [--limit N] [--source S] [--since DATE]\n"
         "                     [--until DATE] [--json]\n\n"
         "Best matches first (BM25, title above body), each with a snippet of the\n"
         "article with the matched words highlighted.  Query language:\n"
         "  words            پاکستان معیشت        all of them\n"
         "  \"phrase\"         \"وزیر اعظم\"          these words in this order\n"
         "  OR, AND, NOT     کراچی OR لاہور       (upper case; NOT binds tightest)\n"
         "  prefix*          پاکس*\n"
         "  ( )              (کراچی OR لاہور) بارش\n"
         "Diacritics, Arabic letters, fused words and Urdu digits do not matter.\n"
         "--limit N   results (default 10)\n"
         "--source S  only this source\n"
         "--since D, --until D   published between (YYYY-MM-DD, inclusive)\n"
         "--json      one object a line: id, score, title, source, published, url, snippet,\n"
         "            copies (the same text that arrived again under other ids:\n"
         "            [{id, source, published, url}])\n"
         "--entity NAME  only articles mentioning this entity, any spelling (پوتن = Putin);\n"
         "               without QUERY: all of them, newest first");
    return 0;
  }
  for (int i = 1; i < argc; i++) /* --entity: the analyze layer filters (cli/cmd_analyze.c) */
    if (!strcmp(argv[i], "--entity")) return cmd_search_entity(argc, argv);
  const char *db_path = cli_db_path(&argc, argv);
  kh_search_opts o = {0};
  search_ui ui = {0, 0, NULL, 0};
  size_t qcap = 1;
  for (int i = 1; i < argc; i++) qcap += strlen(argv[i]) + 1;
  char *query = calloc(1, qcap);
  size_t qlen = 0;
  if (!query) return cli_error("out of memory");
  for (int i = 1; i < argc; i++) {
    const char *v;
    if ((v = opt_value(argc, argv, &i, "--limit"))) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n <= 0 || n > 10000) {
        free(query);
        cli_error("search: --limit wants a number from 1 to 10000");
        return 2;
      }
      o.limit = (int)n;
    } else if ((v = opt_value(argc, argv, &i, "--source"))) {
      o.source = v;
    } else if ((v = opt_value(argc, argv, &i, "--since"))) {
      o.since = v;
    } else if ((v = opt_value(argc, argv, &i, "--until"))) {
      o.until = v;
    } else if (!strcmp(argv[i], "--json")) {
      ui.json = 1;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      free(query);
      cli_error("search: unknown option '%s' (try --help)", argv[i]);
      return 2;
    } else {
      size_t n = strlen(argv[i]);
      if (qlen) query[qlen++] = ' ';
      memcpy(query + qlen, argv[i], n + 1);
      qlen += n;
    }
  }
  if (!*query) {
    free(query);
    cli_error("search: no query (try --help)");
    return 2;
  }
  struct stat sb;
  if (strcmp(db_path, ":memory:") && stat(db_path, &sb) != 0) {
    free(query);
    return cli_error("no database at %s (khabar ingest FILE creates it)", db_path);
  }
  if (!ui.json && isatty(1)) {
    o.hl_open = "\033[1;31m";
    o.hl_close = "\033[0m";
  }
  kh_db *db;
  int rc = kh_db_open(db_path, &db);
  if (rc) {
    free(query);
    return cli_error("cannot open database %s: %s", db_path, kh_strerror(rc));
  }
  cli_tokenizer_check(db, db_path);
  char *fts = NULL;
  char why[200];
  rc = kh_query_to_fts5(query, strlen(query), &fts, why, sizeof why);
  kh_free(fts);
  if (rc == KH_EQUERY) {
    kh_db_close(db);
    free(query);
    cli_error("search: %s", why);
    return 2;
  }
  ui.db = db;
  rc = kh_search(db, query, &o, print_hit, &ui);
  kh_db_close(db);
  free(query);
  if (rc == KH_EINVAL) {
    cli_error("search: --since/--until want a date such as 2024-11-05");
    return 2;
  }
  if (rc) return cli_error("search: %s", kh_strerror(rc));
  if (!ui.n && !ui.json) fprintf(stderr, "no articles match\n");
  return 0;
}
