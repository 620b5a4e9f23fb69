/*
** cmd_store.c — khabar search, a thin layer over kh_search (khabar ingest
** is in cmd_ingest.c).
**
**   khabar search 'عمران خان' --since 2024-11-01 --limit 5 --json
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    if ((v = cli_opt_value(argc, argv, &i, "--limit"))) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n <= 0 || n > 10000) {
        free(query);
        cli_error("search: --limit wants a number from 1 to 10000");
        return 2;
      }
      o.limit = (int)n;
    } else if ((v = cli_opt_value(argc, argv, &i, "--source"))) {
      o.source = v;
    } else if ((v = cli_opt_value(argc, argv, &i, "--since"))) {
      o.since = v;
    } else if ((v = cli_opt_value(argc, argv, &i, "--until"))) {
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

/* ---- sources ---- */

static int print_source(void *ctx, const kh_source *s) {
  if (*(int *)ctx) {
    putchar('{');
    cli_json_kv("source", s->source, 0);
    printf(",\"articles\":%lld", (long long)s->articles);
    cli_json_kv("first", s->first, 1);
    cli_json_kv("last", s->last, 1);
    cli_json_kv("last_ingested", s->last_ingested, 1);
    puts("}");
  } else {
    printf("%8lld  %-28s %-10.10s .. %-10.10s  stored last %s\n", (long long)s->articles,
           s->source ? s->source : "(none)", s->first ? s->first : "?", s->last ? s->last : "?",
           s->last_ingested ? s->last_ingested : "?");
  }
  return 0;
}

static int print_fetch(void *ctx, const kh_fetch *f) {
  if (*(int *)ctx) {
    putchar('{');
    cli_json_kv("url", f->url, 0);
    cli_json_kv("fetched", f->fetched, 1);
    cli_json_kv("etag", f->etag, 1);
    cli_json_kv("modified", f->modified, 1);
    printf(",\"bytes\":%lld}\n", (long long)f->bytes);
  } else {
    printf("%s  %10lld bytes  %s%s%s\n", f->fetched ? f->fetched : "?", (long long)f->bytes, f->url,
           f->etag || f->modified ? "  (conditional next time: " : "",
           f->etag ? "ETag)" : f->modified ? "Last-Modified)" : "");
  }
  return 0;
}

int cmd_sources(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar sources [--urls] [--json] [--db PATH]\n\n"
         "The sources in the database, most articles first: articles, the first and\n"
         "last published date, when one was last stored.\n"
         "--urls  the URL inputs instead: when each was last fetched, its size, and\n"
         "        whether the next fetch can be conditional (ETag / Last-Modified)\n"
         "--json  one object a line: source, articles, first, last, last_ingested\n"
         "        (--urls: url, fetched, etag, modified, bytes)");
    return 0;
  }
  const char *db_path = cli_db_path(&argc, argv);
  int json = 0, urls = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--urls")) urls = 1;
    else {
      cli_error("sources: unknown argument '%s' (try --help)", argv[i]);
      return 2;
    }
  }
  struct stat sb;
  if (strcmp(db_path, ":memory:") && stat(db_path, &sb) != 0)
    return cli_error("no database at %s (khabar ingest FILE creates it)", db_path);
  kh_db *db;
  int rc = kh_db_open(db_path, &db);
  if (rc) return cli_error("cannot open database %s: %s", db_path, kh_strerror(rc));
  rc = urls ? kh_db_fetches(db, print_fetch, &json) : kh_db_sources(db, print_source, &json);
  kh_db_close(db);
  return rc ? cli_error("sources: %s", kh_strerror(rc)) : 0;
}
