/*
** cmd_corpus.c — corpus subcommands: reuse, dups, stories, story.  Each
** first fingerprints and clusters any stored article not yet seen
** (kh_corpus_update), then asks one library call.
**
**   khabar reuse express-12 --json
**   printf 'counter-0001\tcounter-0001p\n' | khabar reuse --pairs -
**   khabar dups
**   khabar stories --json ; khabar story 17
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *nz(const char *s) { return s ? s : ""; }

static int open_db(int *argc, char **argv, kh_db **db) {
  const char *path = cli_db_path(argc, argv);
  int rc = kh_db_open(path, db);
  if (rc) return cli_error("%s: %s", path, kh_strerror(rc));
  rc = kh_corpus_update(*db, NULL);
  if (rc) {
    kh_db_close(*db);
    return cli_error("corpus update: %s", kh_strerror(rc));
  }
  return 0;
}

static void print_scores(const kh_reuse *r) {
  printf("\"label\":\"%s\",\"label_rev\":\"%s\",\"p_derived\":%.3f,\"resemblance\":%.4f,"
         "\"containment_ab\":%.4f,\"containment_ba\":%.4f,\"unigram_ab\":%.4f,\"unigram_ba\":%.4f,"
         "\"coverage_a\":%.4f,\"coverage_b\":%.4f,\"longest\":%u,\"words_ab\":%.4f,"
         "\"words_ba\":%.4f,\"order_ab\":%.4f,\"order_ba\":%.4f,\"clause_new_ab\":%.4f,"
         "\"clause_new_ba\":%.4f",
         kh_reuse_label_name(r->label), kh_reuse_label_name(r->label_rev), 1.0 - r->prob[KH_REUSE_ND],
         r->resemblance, r->containment_ab, r->containment_ba, r->contain_ab[0], r->contain_ba[0],
         r->coverage_a, r->coverage_b, r->longest, r->words_ab, r->words_ba, r->order_ab, r->order_ba,
         r->clause_new_ab, r->clause_new_ba);
}

static void print_passages(const kh_reuse *r) {
  fputs(",\"passages\":[", stdout);
  for (size_t k = 0; k < r->npassages; k++) {
    const kh_passage *p = &r->passages[k];
    printf("%s{\"a_start\":%u,\"a_end\":%u,\"b_start\":%u,\"b_end\":%u,\"tokens\":%u}", k ? "," : "",
           p->a_start, p->a_end, p->b_start, p->b_end, p->ntokens);
  }
  fputs("]", stdout);
}

typedef struct reuse_out {
  int json;
  int n;
} reuse_out;

static int print_hit(void *ctx, const kh_reuse_hit *h) {
  reuse_out *o = ctx;
  const kh_reuse *r = h->r;
  o->n++;
  if (o->json) {
    putchar('{');
    cli_json_kv("id", h->id, 0);
    cli_json_kv("source", h->source, 1);
    cli_json_kv("published", h->published, 1);
    cli_json_kv("title", h->title, 1);
    fputs(",", stdout);
    print_scores(r);
    print_passages(r);
    fputs("}\n", stdout);
  } else {
    printf("%s\t%s (this from it) / %s (it from this)\tresemblance %.2f  contained %.2f / %.2f  "
           "passages %zu\t%s  %s\n",
           h->id, kh_reuse_label_name(r->label), kh_reuse_label_name(r->label_rev), r->resemblance,
           r->contain_ba[0], r->contain_ab[0], r->npassages, nz(h->source), nz(h->title));
  }
  return 0;
}

/* TSV "id_a TAB id_b" lines -> one JSON object a line. */
static int reuse_pairs(kh_db *db, const char *file) {
  FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
  if (!f) return cli_error("%s: cannot open", file);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int lineno = 0, bad = 0;
  while ((n = getline(&line, &cap, f)) > 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (!n || line[0] == '#') continue;
    char *tab = strchr(line, '\t');
    if (!tab) {
      fprintf(stderr, "%s:%d: expected id_a TAB id_b\n", file, lineno);
      bad++;
      continue;
    }
    *tab = 0;
    kh_reuse r;
    int rc = kh_corpus_reuse_pair(db, line, tab + 1, &r);
    if (rc) {
      fprintf(stderr, "%s:%d: %s\n", file, lineno, kh_strerror(rc));
      bad++;
      continue;
    }
    putchar('{');
    cli_json_kv("a", line, 0);
    cli_json_kv("b", tab + 1, 1);
    fputs(",", stdout);
    print_scores(&r);
    print_passages(&r);
    fputs("}\n", stdout);
    kh_reuse_clear(&r);
  }
  free(line);
  if (f != stdin) fclose(f);
  return bad ? 1 : 0;
}

int cmd_reuse(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar reuse ID [--json] [--db PATH]\n"
         "       khabar reuse --pairs FILE|- [--db PATH]\n\n"
         "Lists the stored articles that share text with article ID: label in COUNTER's\n"
         "scheme (WD wholly / PD partially / ND not derived) for ID derived from it and\n"
         "the other way, resemblance, containment both ways, shared passages (--json:\n"
         "byte offsets; a = the listed article, b = ID).\n"
         "--pairs FILE  label given pairs (TSV: id_a TAB id_b), one JSON object a line\n"
         "              with a, b, label (b derived from a), label_rev and scores.");
    return 0;
  }
  kh_db *db;
  if (open_db(&argc, argv, &db)) return 1;
  const char *pairs = NULL, *id = NULL;
  int json = 0, rc = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) rc = cli_error("reuse: unknown option '%s'", argv[i]);
    else id = argv[i];
  }
  if (!rc && pairs) {
    rc = reuse_pairs(db, pairs);
  } else if (!rc && id) {
    reuse_out o = {json, 0};
    int e = kh_corpus_reuse(db, id, print_hit, &o);
    if (e) rc = cli_error("reuse %s: %s", id, kh_strerror(e));
    else if (!json && !o.n) puts("(no article shares text with it)");
  } else if (!rc) {
    rc = cli_error("reuse: give an article ID or --pairs FILE (try --help)");
  }
  kh_db_close(db);
  return rc ? (rc == 2 ? 2 : 1) : 0;
}

typedef struct dup_out {
  kh_db *db;
  int json;
  int groups;
  int64_t *shown; /* rowids of the groups printed (ascending within a group) */
  size_t nshown, cap;
  int ncopies;    /* of the article being printed */
} dup_out;

/* One stored article of a group, or one of its copies (kh_db_copies). */
static int print_ref(void *ctx, const kh_copy *c, int copy) {
  dup_out *o = ctx;
  if (o->json) {
    if (copy) printf("%s{", o->ncopies++ ? "," : "");
    cli_json_kv("id", c->id, 0);
    cli_json_kv("source", c->source, 1);
    cli_json_kv("published", c->published, 1);
    cli_json_kv("url", c->url, 1);
    if (copy) putchar('}');
    return 0;
  }
  printf(copy ? "      copy %s" : " %s", c->id);
  if (c->source) printf(" | %s", c->source);
  if (c->published) printf(" | %s", c->published);
  if (copy) fputs("  (the same text, not stored again)", stdout);
  putchar('\n');
  return 0;
}
static int print_stored(void *ctx, const kh_copy *c) { return print_ref(ctx, c, 0); }
static int print_copy(void *ctx, const kh_copy *c) { return print_ref(ctx, c, 1); }

static int count_copy(void *ctx, const kh_copy *c) {
  (void)c;
  ++*(int *)ctx;
  return 0;
}

/* A group: its stored articles, each with its copies. */
static int print_group(dup_out *o, size_t n, const int64_t *rowids) {
  int copies = 0, rc;
  for (size_t i = 0; i < n; i++)
    if ((rc = kh_db_copies(o->db, rowids[i], count_copy, &copies))) return rc;
  o->groups++;
  if (o->json) {
    printf("{\"group\":%d,\"rowids\":[", o->groups);
    for (size_t i = 0; i < n; i++) printf("%s%lld", i ? "," : "", (long long)rowids[i]);
    fputs("],\"articles\":[", stdout);
  } else {
    printf("group %d (%zu stored article%s", o->groups, n, n == 1 ? "" : "s");
    if (copies) printf(", %d cop%s not stored again", copies, copies == 1 ? "y" : "ies");
    puts("):");
  }
  for (size_t i = 0; i < n; i++) {
    if (o->json) printf("%s{\"rowid\":%lld,", i ? "," : "", (long long)rowids[i]);
    else printf("  %lld:", (long long)rowids[i]);
    if ((rc = kh_db_article_ref(o->db, rowids[i], print_stored, o))) return rc;
    if (o->json) fputs(",\"copies\":[", stdout);
    o->ncopies = 0;
    if ((rc = kh_db_copies(o->db, rowids[i], print_copy, o))) return rc;
    if (o->json) fputs("]}", stdout);
  }
  if (o->json) puts("]}");
  return 0;
}

static int print_dups(void *ctx, size_t n, const int64_t *rowids) {
  dup_out *o = ctx;
  if (o->nshown + n > o->cap) {
    size_t cap = (o->nshown + n) * 2;
    int64_t *p = realloc(o->shown, cap * sizeof *p);
    if (!p) return KH_ENOMEM;
    o->shown = p, o->cap = cap;
  }
  memcpy(o->shown + o->nshown, rowids, n * sizeof *rowids);
  o->nshown += n;
  return print_group(o, n, rowids);
}

static int cmp_rowid(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* A stored article with copies that no near-identical group showed: a group
** of its own (its copies are its identical texts). */
static int print_copied(void *ctx, int64_t rowid) {
  dup_out *o = ctx;
  if (o->nshown && bsearch(&rowid, o->shown, o->nshown, sizeof rowid, cmp_rowid)) return 0;
  return print_group(o, 1, &rowid);
}

int cmd_dups(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar dups [--json] [--min SIM] [--db PATH]\n\n"
         "Groups of near-identical articles: the same normalized text, or estimated\n"
         "resemblance of word-trigram shingles >= SIM (default 0.8).  Each stored article\n"
         "(rowid, id, source, published) is listed with its copies: the same text that\n"
         "arrived again under another id, which ingest did not store twice.\n"
         "--json: one group a line: group, rowids, articles [{rowid, id, source,\n"
         "published, url, copies [{id, source, published, url}]}].");
    return 0;
  }
  kh_db *db;
  if (open_db(&argc, argv, &db)) return 1;
  dup_out o = {db, 0, 0, NULL, 0, 0, 0};
  double min = 0.8;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) o.json = 1;
    else if (!strcmp(argv[i], "--min") && i + 1 < argc) min = atof(argv[++i]);
    else {
      kh_db_close(db);
      return cli_error("dups: unknown option '%s'", argv[i]) + 1;
    }
  }
  int rc = kh_corpus_dups(db, min, print_dups, &o);
  if (!rc && o.nshown) qsort(o.shown, o.nshown, sizeof *o.shown, cmp_rowid);
  if (!rc) rc = kh_db_copied(db, print_copied, &o);
  free(o.shown);
  kh_db_close(db);
  if (rc) return cli_error("dups: %s", kh_strerror(rc));
  if (!o.json) printf("%d group(s)\n", o.groups);
  return 0;
}

typedef struct story_out {
  int json;
} story_out;

static int print_story(void *ctx, const kh_story *s) {
  story_out *o = ctx;
  if (o->json) {
    printf("{\"id\":%lld,\"size\":%lld,\"thread\":%lld", (long long)s->id, (long long)s->size,
           (long long)s->thread);
    cli_json_kv("label", s->label, 1);
    cli_json_kv("label_id", s->label_id, 1);
    cli_json_kv("first", s->first, 1);
    cli_json_kv("last", s->last, 1);
    fputs(",\"sources\":[", stdout);
    const char *p = s->sources;
    int k = 0;
    while (p && *p) {
      const char *q = strchr(p, ',');
      size_t n = q ? (size_t)(q - p) : strlen(p);
      if (k++) putchar(',');
      cli_json_str(stdout, p, n);
      p = q ? q + 1 : p + n;
    }
    fputs("]", stdout);
    if (s->summary) cli_json_kv("summary", s->summary, 1);
    fputs("}\n", stdout);
  } else {
    printf("story %lld  %lld article(s)  thread %lld  [%s]  %s .. %s\n  %s\n", (long long)s->id,
           (long long)s->size, (long long)s->thread, nz(s->sources), s->first ? s->first : "?",
           s->last ? s->last : "?", nz(s->label));
    if (s->summary) printf("  summary: %s\n", s->summary);
  }
  return 0;
}

static int print_member(void *ctx, const kh_hit *h) {
  story_out *o = ctx;
  if (o->json) {
    putchar('{');
    cli_json_kv("member", h->id, 0);
    printf(",\"similarity\":%.3f", h->score);
    cli_json_kv("source", h->source, 1);
    cli_json_kv("published", h->published, 1);
    cli_json_kv("title", h->title, 1);
    fputs("}\n", stdout);
  } else {
    printf("    %-16s %-10s %s\n", nz(h->id), nz(h->source), nz(h->title));
  }
  return 0;
}

int cmd_stories(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar stories [--since DATE] [--min N] [--json] [--db PATH]\n\n"
         "Stories (online clusters of articles about one event), most articles first:\n"
         "id, size, thread, sources, first and last time, label (headline of the most\n"
         "central article).  --min N: only stories of at least N articles (default 2).");
    return 0;
  }
  kh_db *db;
  if (open_db(&argc, argv, &db)) return 1;
  story_out o = {0};
  const char *since = NULL;
  int min = 2;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) o.json = 1;
    else if (!strcmp(argv[i], "--since") && i + 1 < argc) since = argv[++i];
    else if (!strcmp(argv[i], "--min") && i + 1 < argc) min = atoi(argv[++i]);
    else {
      kh_db_close(db);
      return cli_error("stories: unknown option '%s'", argv[i]) + 1;
    }
  }
  int rc = kh_stories(db, since, min, print_story, &o);
  kh_db_close(db);
  if (rc) return cli_error("stories: %s", kh_strerror(rc));
  return 0;
}

int cmd_story(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar story ID [--json] [--db PATH]\n\n"
         "One story: label, sources, time span, extractive summary, then its articles.");
    return 0;
  }
  kh_db *db;
  if (open_db(&argc, argv, &db)) return 1;
  story_out o = {0};
  long long id = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) o.json = 1;
    else id = atoll(argv[i]);
  }
  int rc = id > 0 ? kh_story_get(db, id, print_story, print_member, &o) : KH_EINVAL;
  kh_db_close(db);
  if (rc) return cli_error("story: %s", kh_strerror(rc));
  return 0;
}
