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

/* Analyze one article object in place; returns 0 or a KH_E* code. */
static int analyze_object(const kh_analyzer *a, json_t *obj) {
  kh_article art;
  memset(&art, 0, sizeof art);
  art.title = jget(obj, "title", &art.title_len);
  static const char *const body_keys[] = {"body", "text", "content", NULL};
  for (const char *const *k = body_keys; *k && !art.body; k++) art.body = jget(obj, *k, &art.body_len);
  art.published = jget(obj, "published", &art.published_len);
  kh_analysis *r;
  int rc = kh_analyze(a, &art, 0, &r);
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
    } else if ((rc = analyze_object(a, obj)) != 0 || (rc = print_object(obj)) != 0) {
      status = cli_error("analyze: %s", kh_strerror(rc));
    }
    json_decref(obj);
    kh_analyzer_free(a);
    return status;
  }
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
    rc = analyze_object(a, obj);
    if (rc) {
      fprintf(stderr, "khabar: analyze: stdin:%ld: %s, skipped\n", lineno, kh_strerror(rc));
      bad++;
    } else if (print_object(obj) == 0) {
      done++;
    }
    json_decref(obj);
  }
  free(line);
  kh_analyzer_free(a);
  if (bad) fprintf(stderr, "khabar: analyze: %ld analyzed, %ld skipped\n", done, bad);
  return bad && !done ? 1 : 0;
}
