/*
** cmd_analyze.c — analyze-layer subcommands.
**
**   khabar analyze < articles.jsonl > analyzed.jsonl
**       each JSON object (title, body|text|content, published) comes back
**       with "entities", "quotes" and "events" added; no database.
**   khabar analyze --text < article.txt
**       plain text in (first line the title), one object out.
*/
#include "cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *jget(json_t *o, const char *k, size_t *n) {
  json_t *v = json_object_get(o, k);
  if (!json_is_string(v)) return NULL;
  *n = json_string_length(v);
  return json_string_value(v);
}

/* Analyze one article object in place; returns 0 or a KH_E* code. c: the word-form cache kept
   across the input's articles (NULL: none; the same results either way). */
static int analyze_object(const kh_analyzer *a, kh_analyze_cache *c, json_t *obj) {
  kh_article art;
  memset(&art, 0, sizeof art);
  art.title = jget(obj, "title", &art.title_len);
  static const char *const body_keys[] = {"body", "text", "content", NULL};
  for (const char *const *k = body_keys; *k && !art.body; k++) art.body = jget(obj, *k, &art.body_len);
  art.published = jget(obj, "published", &art.published_len);
  kh_analysis *r;
  int rc = kh_analyze_cached(a, c, &art, 0, &r);
  if (rc) return rc;
  char *js;
  size_t jl;
  rc = kh_analysis_json(r, &art, &js, &jl);
  kh_analysis_free(r);
  if (rc) return rc;
  /* wrap the members in braces and merge them into the object */
  char *wrapped = malloc(jl + 3);
  if (!wrapped) {
    kh_free(js);
    return KH_ENOMEM;
  }
  wrapped[0] = '{';
  memcpy(wrapped + 1, js, jl);
  wrapped[jl + 1] = '}';
  wrapped[jl + 2] = 0;
  kh_free(js);
  json_error_t err;
  json_t *add = json_loadb(wrapped, jl + 2, 0, &err);
  free(wrapped);
  if (!add) return KH_EPARSE;
  json_object_update(obj, add);
  json_decref(add);
  return 0;
}

static int print_object(json_t *obj) {
  char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!s) return KH_ENOMEM;
  fputs(s, stdout);
  putchar('\n');
  free(s);
  return 0;
}

int cmd_analyze(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar analyze [--text] < articles.jsonl > analyzed.jsonl\n\n"
         "Reads JSON Lines articles (title, body | text | content, published as\n"
         "YYYY-MM-DD...) and writes each one back with three members added:\n"
         "  entities  [{id, name, urdu, type PER|LOC|ORG, country, known, count,\n"
         "              variants, mentions [{field, start, end, source, text}]}]\n"
         "  quotes    [{speaker {id, name, urdu} | null, speaker_text?, verb, direct,\n"
         "              field, start, end, text}]\n"
         "  events    [{type meet|visit|host, cameo, trigger, actors, place, date,\n"
         "              when, field, sentence {start, end, text}}]\n"
         "Offsets are bytes [start, end) in the original title or body.  No database.\n"
         "--text   read one plain-text article (first line the title) instead");
    return 0;
  }
  int text_mode = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--text")) text_mode = 1;
    else return cli_error("analyze: unknown option '%s' (try --help)", argv[i]), 2;
  }
  kh_analyzer *a;
  int rc = kh_analyzer_new(0, &a);
  if (rc) return cli_error("analyze: %s", kh_strerror(rc));
  int status = 0;
  if (text_mode) {
    size_t len;
    char *in = cli_read_all(stdin, &len);
    if (!in) {
      kh_analyzer_free(a);
      return 1;
    }
    char *nl = memchr(in, '\n', len);
    size_t tl = nl ? (size_t)(nl - in) : len;
    json_t *obj = json_object();
    json_object_set_new(obj, "title", json_stringn(in, tl));
    json_object_set_new(obj, "body", json_stringn(nl ? nl + 1 : "", nl ? len - tl - 1 : 0));
    free(in);
    if (!json_object_get(obj, "title") || !json_object_get(obj, "body")) {
      status = cli_error("analyze: input is not valid UTF-8");
    } else if ((rc = analyze_object(a, NULL, obj)) != 0 || (rc = print_object(obj)) != 0) {
      status = cli_error("analyze: %s", kh_strerror(rc));
    }
    json_decref(obj);
    kh_analyzer_free(a);
    return status;
  }
  kh_analyze_cache *cache = NULL; /* without one (out of memory) each token is looked up */
  (void)kh_analyze_cache_new(0, &cache);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long lineno = 0, done = 0, bad = 0;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n == 0) continue;
    if ((size_t)n > KH_MAX_LINE) {
      fprintf(stderr, "khabar: analyze: stdin:%ld: record longer than %u bytes, skipped\n", lineno,
              KH_MAX_LINE);
      bad++;
      continue;
    }
    json_error_t err;
    json_t *obj = json_loadb(line, (size_t)n, 0, &err);
    if (!obj || !json_is_object(obj)) {
      fprintf(stderr, "khabar: analyze: stdin:%ld:%d: %s, skipped\n", lineno, err.column,
              obj ? "not a JSON object" : err.text);
      json_decref(obj);
      bad++;
      continue;
    }
    rc = analyze_object(a, cache, obj);
    if (rc) {
      fprintf(stderr, "khabar: analyze: stdin:%ld: %s, skipped\n", lineno, kh_strerror(rc));
      bad++;
    } else if (print_object(obj) == 0) {
      done++;
    }
    json_decref(obj);
  }
  free(line);
  kh_analyze_cache_free(cache);
  kh_analyzer_free(a);
  if (bad) fprintf(stderr, "khabar: analyze: %ld analyzed, %ld skipped\n", done, bad);
  return bad && !done ? 1 : 0;
}

/* ---- entities, entity, quotes, events: queries of the database ---- */

typedef struct qopts {
  const char *db_path;
  int json, limit, type;
  const char *who;      /* --who NAME */
  const char *name;     /* positional */
} qopts;

static int parse_qopts(int *argc, char **argv, qopts *o, int want_type, int want_who, int want_name) {
  memset(o, 0, sizeof *o);
  o->db_path = cli_db_path(argc, argv);
  for (int i = 1; i < *argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--json")) {
      o->json = 1;
    } else if (!strcmp(a, "--limit") && i + 1 < *argc) {
      o->limit = atoi(argv[++i]);
    } else if (want_type && !strcmp(a, "--type") && i + 1 < *argc) {
      o->type = kh_ent_type_parse(argv[++i]);
      if (!o->type) return cli_error("%s: --type is PER, LOC or ORG", argv[0]), 2;
    } else if (want_who && !strcmp(a, "--who") && i + 1 < *argc) {
      o->who = argv[++i];
    } else if (want_name && a[0] != '-' && !o->name) {
      o->name = a;
    } else {
      return cli_error("%s: unknown option '%s' (try --help)", argv[0], a), 2;
    }
  }
  if (want_name && !o->name) return cli_error("%s: which entity? (try --help)", argv[0]), 2;
  return 0;
}

/* Open the database, analyze what was stored without analysis, resolve --who. */
static int open_db(const qopts *o, const char *cmd, kh_db **db, kh_analyzer **a) {
  int rc = kh_db_open(o->db_path, db);
  if (rc) return cli_error("cannot open database %s: %s", o->db_path, kh_strerror(rc));
  if ((rc = kh_analyzer_new(0, a))) {
    kh_db_close(*db);
    return cli_error("%s: %s", cmd, kh_strerror(rc));
  }
  int64_t added = 0;
  if ((rc = kh_analyze_update(*db, *a, &added))) {
    kh_analyzer_free(*a);
    kh_db_close(*db);
    return cli_error("%s: %s", cmd, kh_strerror(rc));
  }
  return 0;
}

static int take_rowid(void *ctx, const kh_entity_row *e) {
  *(int64_t *)ctx = e->rowid;
  return 0;
}

static int64_t resolve_who(kh_db *db, const kh_analyzer *a, const char *who) {
  int64_t id = 0;
  int rc = kh_entity_find(db, a, who, strlen(who), take_rowid, &id);
  return rc ? -1 : id;
}

static void close_db(kh_db *db, kh_analyzer *a) {
  kh_analyzer_free(a);
  kh_db_close(db);
}

/* open_db, then the entity WHO names (any spelling) into *id (0 without WHO);
** an unknown name is an error that says which database was asked */
static int open_who(const qopts *o, const char *cmd, const char *who, kh_db **db, kh_analyzer **a,
                    int64_t *id) {
  if (open_db(o, cmd, db, a)) return 1;
  *id = 0;
  if (who && (*id = resolve_who(*db, *a, who)) < 0) {
    close_db(*db, *a);
    return cli_error("%s: no entity called '%s' in %s", cmd, who, o->db_path);
  }
  return 0;
}

static int print_entity(void *ctx, const kh_entity_row *e) {
  (void)ctx;
  printf("%-6lld %-4s %-32s %-28s %s\n", (long long)e->mentions, kh_ent_type_name(e->type), e->name, e->urdu,
         e->variants);
  return 0;
}

static int print_entity_json(void *ctx, const kh_entity_row *e) {
  (void)ctx;
  putchar('{');
  cli_json_kv("id", e->id, 0);
  cli_json_kv("name", e->name, 1);
  cli_json_kv("urdu", e->urdu, 1);
  cli_json_kv("type", kh_ent_type_name(e->type), 1);
  cli_json_kv("country", e->country, 1);
  printf(",\"known\":%s,\"mentions\":%lld,\"articles\":%lld,\"variants\":[", e->known ? "true" : "false",
         (long long)e->mentions, (long long)e->articles);
  /* split " | " */
  const char *p = e->variants;
  int first = 1;
  while (p && *p) {
    const char *q = strstr(p, " | ");
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (!first) putchar(',');
    cli_json_str(stdout, p, n);
    first = 0;
    p = q ? q + 3 : NULL;
  }
  fputs("]}\n", stdout);
  return 0;
}

int cmd_entities(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar entities [--type PER|LOC|ORG] [--limit N] [--json] [--db PATH]\n\n"
         "People, places and organisations found in the stored articles, most\n"
         "mentioned first: mentions, type, canonical Latin and Urdu names, and the\n"
         "spellings seen (every spelling of one entity is merged into it).\n"
         "--json  one object a line: id, name, urdu, type, country, known, mentions,\n"
         "        articles, variants");
    return 0;
  }
  qopts o;
  int rc = parse_qopts(&argc, argv, &o, 1, 0, 0);
  if (rc) return rc;
  kh_db *db;
  kh_analyzer *a;
  if (open_db(&o, "entities", &db, &a)) return 1;
  rc = kh_entities(db, o.type, o.limit, o.json ? print_entity_json : print_entity, &o);
  close_db(db, a);
  return rc ? cli_error("entities: %s", kh_strerror(rc)) : 0;
}

static int print_article_ref(void *ctx, const kh_article_ref *r) {
  (void)ctx;
  printf("  %-24s %-10s %2lld×  %s", r->id, r->published ? r->published : "-", (long long)r->mentions,
         r->title ? r->title : "");
  if (r->story >= 0) printf("  (story %lld)", (long long)r->story);
  putchar('\n');
  return 0;
}

static int print_related(void *ctx, const kh_entity_row *e) {
  (void)ctx;
  printf("  %-4s %-32s %s  (%lld shared articles)\n", kh_ent_type_name(e->type), e->name, e->urdu,
         (long long)e->articles);
  return 0;
}

static int print_quote(void *ctx, const kh_quote_row *q);

int cmd_entity(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar entity NAME [--json] [--db PATH]\n\n"
         "One entity by any spelling, Urdu or Latin (پوتن, پیوٹن, \"Vladimir Putin\",\n"
         "per:vladimir-putin): its names and spellings, the articles mentioning it (with\n"
         "their stories), the entities it appears with, and its quotes.\n"
         "--json  the entity as one object (as in khabar entities --json)");
    return 0;
  }
  qopts o;
  int rc = parse_qopts(&argc, argv, &o, 0, 0, 1);
  if (rc) return rc;
  kh_db *db;
  kh_analyzer *a;
  int64_t id;
  if (open_who(&o, "entity", o.name, &db, &a, &id)) return 1;
  if (o.json) {
    rc = kh_entity_find(db, a, o.name, strlen(o.name), print_entity_json, &o);
  } else {
    rc = kh_entity_find(db, a, o.name, strlen(o.name), print_entity, &o);
    puts("articles:");
    if (!rc) rc = kh_entity_articles(db, id, o.limit ? o.limit : 10, print_article_ref, NULL);
    puts("appears with:");
    if (!rc) rc = kh_entity_related(db, id, 10, print_related, NULL);
    puts("quotes:");
    qopts qo = o;
    if (!rc) rc = kh_quotes(db, id, o.limit ? o.limit : 10, print_quote, &qo);
  }
  close_db(db, a);
  return rc ? cli_error("entity: %s", kh_strerror(rc)) : 0;
}

static int print_quote(void *ctx, const kh_quote_row *q) {
  const qopts *o = ctx;
  if (o->json) {
    putchar('{');
    cli_json_kv("speaker", q->speaker, 0);
    cli_json_kv("speaker_id", q->speaker_id, 1);
    cli_json_kv("speaker_urdu", q->speaker_urdu, 1);
    cli_json_kv("speaker_text", q->speaker_text, 1);
    cli_json_kv("verb", q->verb, 1);
    printf(",\"direct\":%s", q->direct ? "true" : "false");
    cli_json_kv("text", q->text, 1);
    cli_json_kv("article", q->article, 1);
    cli_json_kv("published", q->published, 1);
    printf(",\"field\":\"%s\",\"start\":%u,\"end\":%u}\n", q->field ? "body" : "title", q->start, q->end);
    return 0;
  }
  const char *who = q->speaker ? q->speaker : q->speaker_text ? q->speaker_text : "?";
  printf("%s [%s%s, %s]: %s\n", who, q->direct ? "direct, " : "", q->verb ? q->verb : "", q->article,
         q->text ? q->text : "");
  return 0;
}

int cmd_quotes(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar quotes [--who NAME] [--limit N] [--json] [--db PATH]\n\n"
         "Who said what: direct quotes (in quotation marks) and indirect ones\n"
         "(X نے کہا کہ ...), newest first; --who any spelling of the speaker.\n"
         "--json  one object a line: speaker, speaker_id, speaker_urdu, speaker_text,\n"
         "        verb, direct, text, article, published, field, start, end");
    return 0;
  }
  qopts o;
  int rc = parse_qopts(&argc, argv, &o, 0, 1, 0);
  if (rc) return rc;
  kh_db *db;
  kh_analyzer *a;
  int64_t who;
  if (open_who(&o, "quotes", o.who, &db, &a, &who)) return 1;
  rc = kh_quotes(db, who, o.limit, print_quote, &o);
  close_db(db, a);
  return rc ? cli_error("quotes: %s", kh_strerror(rc)) : 0;
}

static void json_list(const char *k, const char *joined) {
  printf(",\"%s\":[", k);
  const char *p = joined;
  int first = 1;
  while (p && *p) {
    const char *q = strstr(p, " | ");
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (!first) putchar(',');
    cli_json_str(stdout, p, n);
    first = 0;
    p = q ? q + 3 : NULL;
  }
  putchar(']');
}

static int print_event(void *ctx, const kh_event_row *e) {
  const qopts *o = ctx;
  if (o->json) {
    putchar('{');
    cli_json_kv("type", e->type, 0);
    cli_json_kv("cameo", e->cameo, 1);
    cli_json_kv("trigger", e->trigger, 1);
    json_list("actors", e->actors);
    json_list("actor_ids", e->actor_ids);
    cli_json_kv("place", e->place, 1);
    cli_json_kv("date", e->date, 1);
    cli_json_kv("when", e->when, 1);
    cli_json_kv("article", e->article, 1);
    cli_json_kv("published", e->published, 1);
    cli_json_kv("sentence", e->sentence, 1);
    fputs("}\n", stdout);
    return 0;
  }
  printf("%s %-5s %s", e->cameo, e->type, e->actors);
  if (e->place) printf(" @ %s", e->place);
  if (e->date) printf(" on %s", e->date);
  else if (e->when) printf(" (%s)", e->when);
  printf("  [%s]\n", e->article);
  return 0;
}

int cmd_events(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar events [--who NAME] [--limit N] [--json] [--db PATH]\n\n"
         "Meetings, talks, visits and receptions, newest first, with CAMEO codes\n"
         "(040 consult, 042 make a visit, 043 host a visit, 044 meet at a third\n"
         "place), actors, place and date; --who any spelling of a participant.\n"
         "--json  one object a line: type, cameo, trigger, actors, actor_ids, place,\n"
         "        date, when, article, published, sentence");
    return 0;
  }
  qopts o;
  int rc = parse_qopts(&argc, argv, &o, 0, 1, 0);
  if (rc) return rc;
  kh_db *db;
  kh_analyzer *a;
  int64_t who;
  if (open_who(&o, "events", o.who, &db, &a, &who)) return 1;
  rc = kh_events(db, who, o.limit, print_event, &o);
  close_db(db, a);
  return rc ? cli_error("events: %s", kh_strerror(rc)) : 0;
}

/* ---- khabar search --entity NAME [QUERY] ---- */

typedef struct idset {
  char **ids;
  size_t n, cap;
} idset;

static int collect_ids(void *ctx, const kh_article_ref *r) {
  idset *s = ctx;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **p = realloc(s->ids, cap * sizeof *p);
    if (!p) return KH_ENOMEM;
    s->ids = p;
    s->cap = cap;
  }
  s->ids[s->n] = strdup(r->id ? r->id : "");
  if (!s->ids[s->n]) return KH_ENOMEM;
  s->n++;
  return 0;
}

typedef struct ent_search {
  idset *set;
  int json, n, limit;
} ent_search;

static int filter_hit(void *ctx, const kh_hit *h) {
  ent_search *e = ctx;
  int in = 0;
  for (size_t i = 0; i < e->set->n && !in; i++) in = !strcmp(e->set->ids[i], h->id);
  if (!in) return 0;
  e->n++;
  if (e->json) {
    putchar('{');
    cli_json_kv("id", h->id, 0);
    printf(",\"score\":%.4f", h->score);
    cli_json_kv("title", h->title, 1);
    cli_json_kv("source", h->source, 1);
    cli_json_kv("published", h->published, 1);
    cli_json_kv("url", h->url, 1);
    cli_json_kv("snippet", h->snippet, 1);
    fputs("}\n", stdout);
  } else {
    printf("%d. %s\n   %s", e->n, h->title, h->id);
    if (h->source) printf(" | %s", h->source);
    if (h->published) printf(" | %s", h->published);
    printf(" | score %.2f\n", h->score);
    if (*h->snippet) printf("   %s\n", h->snippet);
    putchar('\n');
  }
  return e->n >= e->limit ? 1 : 0;
}

static int print_ref_json(void *ctx, const kh_article_ref *r) {
  (void)ctx;
  putchar('{');
  cli_json_kv("id", r->id, 0);
  cli_json_kv("title", r->title, 1);
  cli_json_kv("published", r->published, 1);
  printf(",\"mentions\":%lld", (long long)r->mentions);
  if (r->story >= 0) printf(",\"story\":%lld", (long long)r->story);
  fputs("}\n", stdout);
  return 0;
}

int cmd_search_entity(int argc, char **argv) {
  const char *db_path = cli_db_path(&argc, argv);
  const char *entity = NULL;
  kh_search_opts so;
  memset(&so, 0, sizeof so);
  int json = 0, limit = 10;
  char query[4096] = "";
  size_t ql = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--entity") && i + 1 < argc) entity = argv[++i];
    else if (!strcmp(a, "--json")) json = 1;
    else if (!strcmp(a, "--limit") && i + 1 < argc) limit = atoi(argv[++i]);
    else if (!strcmp(a, "--source") && i + 1 < argc) so.source = argv[++i];
    else if (!strcmp(a, "--since") && i + 1 < argc) so.since = argv[++i];
    else if (!strcmp(a, "--until") && i + 1 < argc) so.until = argv[++i];
    else if (a[0] == '-' && a[1] == '-') return cli_error("search: unknown option '%s' (try --help)", a), 2;
    else {
      size_t n = strlen(a);
      if (ql + n + 2 >= sizeof query) return cli_error("search: query too long"), 2;
      if (ql) query[ql++] = ' ';
      memcpy(query + ql, a, n + 1);
      ql += n;
    }
  }
  if (!entity) return cli_error("search: --entity wants a name"), 2;
  if (limit <= 0 || limit > 10000) return cli_error("search: --limit wants a number from 1 to 10000"), 2;
  qopts o;
  memset(&o, 0, sizeof o);
  o.db_path = db_path;
  kh_db *db;
  kh_analyzer *a;
  int64_t id;
  if (open_who(&o, "search", entity, &db, &a, &id)) return 1;
  int rc = 0;
  if (!ql) {
    rc = kh_entity_articles(db, id, limit, json ? print_ref_json : print_article_ref, NULL);
    if (rc) rc = cli_error("search: %s", kh_strerror(rc));
  } else {
    idset set = {0};
    rc = kh_entity_articles(db, id, 1000000, collect_ids, &set);
    ent_search es = {&set, json, 0, limit};
    so.limit = 10000;
    if (!rc) rc = kh_search(db, query, &so, filter_hit, &es);
    if (rc == 1) rc = 0;
    if (rc) rc = cli_error("search: %s", kh_strerror(rc));
    for (size_t i = 0; i < set.n; i++) free(set.ids[i]);
    free(set.ids);
  }
  close_db(db, a);
  return rc;
}
