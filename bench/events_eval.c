/*
** events_eval.c — precision of meeting/visit events and of quotes on real
** news, against hand judgments in tests/fixtures/events_quotes_judged.tsv.
**
** The judged samples are SENTENCES of ../shared/data/pk-news-2024: a sample
** row "S NAME ARTICLE FIELD START" names one sentence (byte offset of its
** start in the field); a sample whose NAME contains "events" is judged for
** events, one whose NAME contains "quotes" for quotes.  Every event / quote that the current code extracts
** in a sampled sentence is looked up among the judgment rows (E / Q rows,
** keyed by the sentence, the item's offsets and every extracted field);
** precision per field is printed per sample and per kind.  An extracted
** item with no judgment is listed as UNJUDGED with the row to fill in, so a
** change of the extractor can never go uncounted: its new outputs must be
** read and judged before the figures mean anything.
**
** How the samples were drawn (seeded, reproducible):
**   ./build/bench/events_eval --list SEED > cand.tsv
** prints every sentence that has an event (E) or a quote (Q) under the
** current code, with a split bit (FNV of SEED and the article id, low bit:
** 0 = tuning articles, 1 = held-out articles) and a rank (FNV of SEED and
** the sentence key).  A sample is the 50 lowest-ranked sentences of one
** kind in one split (sort -k2,2n; see docs/analyze.md for the exact lines).
**
**   make bench && ./build/bench/events_eval [../shared/data] [fixture] [--show]
**
** --show prints each unjudged item's sentence text after its row.
*/
#include "khabar.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXROW 4096

typedef struct row {
  char kind;         /* 'S' sample, 'E' event, 'Q' quote */
  char *f[12];       /* tab-separated fields after the kind */
  int nf;
  int used;
} row;

static row rows[MAXROW];
static int nrows;

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
  return h;
}

static void load_fixture(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "events_eval: %s missing\n", path);
    exit(1);
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0 && nrows < MAXROW) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (!n || line[0] == '#') continue;
    row *r = &rows[nrows++];
    char *s = strdup(line), *save = NULL;
    char *k = strtok_r(s, "\t", &save);
    r->kind = k[0];
    char *p;
    while (r->nf < 12 && (p = strtok_r(NULL, "\t", &save))) r->f[r->nf++] = p;
  }
  free(line);
  fclose(f);
}

/* an article's id is sampled if some S row names it */
static int sampled_article(const char *id) {
  for (int i = 0; i < nrows; i++)
    if (rows[i].kind == 'S' && rows[i].nf >= 4 && !strcmp(rows[i].f[1], id)) return 1;
  return 0;
}

/* the samples (by name) that hold sentence (id, field, start) */
static const char *sample_of(const char *id, const char *field, unsigned start, const char *kind) {
  char buf[32];
  snprintf(buf, sizeof buf, "%u", start);
  for (int i = 0; i < nrows; i++)
    if (rows[i].kind == 'S' && rows[i].nf >= 4 && !strcmp(rows[i].f[1], id) &&
        !strcmp(rows[i].f[2], field) && !strcmp(rows[i].f[3], buf) && strstr(rows[i].f[0], kind))
      return rows[i].f[0];
  return NULL;
}

/* judgment row whose first nkey fields equal key[] */
static row *find(char kind, char **key, int nkey) {
  for (int i = 0; i < nrows; i++) {
    if (rows[i].kind != kind || rows[i].nf < nkey) continue;
    int ok = 1;
    for (int k = 0; k < nkey && ok; k++) ok = !strcmp(rows[i].f[k], key[k]);
    if (ok) return &rows[i];
  }
  return NULL;
}

#define MAXS 8
typedef struct tally {
  const char *name;
  int ev, ev_ok, ev_type, ev_act, ev_pl, ev_pl_ok, ev_un;
  int q, q_ok, q_sp, q_spk, q_spk_ok, q_span, q_un;
} tally;
static tally tl[MAXS];
static int ntl;

static tally *tally_of(const char *name) {
  for (int i = 0; i < ntl; i++)
    if (!strcmp(tl[i].name, name)) return &tl[i];
  if (ntl == MAXS) return &tl[MAXS - 1];
  tl[ntl].name = name;
  return &tl[ntl++];
}

static const char *fieldname(int f) { return f == KH_FIELD_TITLE ? "title" : "body"; }

static void ent_id(const kh_analysis *r, int32_t e, char *out, size_t cap) {
  snprintf(out, cap, "%s", e >= 0 ? r->entities[e].id : "-");
}

static void print_sent(const kh_analysis *r, int32_t s, const char *title, const char *body) {
  const kh_sentence *x = &r->sentences[s];
  const char *t = x->field == KH_FIELD_TITLE ? title : body;
  printf("    | %.*s\n", (int)(x->end - x->start), t + x->start);
}

int main(int argc, char **argv) {
  const char *data = "../shared/data", *fix = "tests/fixtures/events_quotes_judged.tsv";
  int show = 0, list = 0;
  unsigned long long seed = 0;
  int pos = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--show")) show = 1;
    else if (!strcmp(argv[i], "--list") && i + 1 < argc) list = 1, seed = strtoull(argv[++i], NULL, 10);
    else if (pos == 0) data = argv[i], pos++;
    else fix = argv[i];
  }
  if (!list) load_fixture(fix);
  char path[4096];
  snprintf(path, sizeof path, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "events_eval: %s missing\n", path);
    return 1;
  }
  kh_analyzer *a;
  if (kh_analyzer_new(0, &a)) return 1;
  char *line = NULL;
  size_t lcap = 0;
  char seedbuf[32];
  snprintf(seedbuf, sizeof seedbuf, "%llu", seed);
  while (getline(&line, &lcap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    if (!o) continue;
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *title = json_string_value(json_object_get(o, "title"));
    const char *body = json_string_value(json_object_get(o, "body"));
    const char *pub = json_string_value(json_object_get(o, "published"));
    if (!id || (!list && !sampled_article(id))) {
      json_decref(o);
      continue;
    }
    kh_article art = {.id = id, .id_len = strlen(id), .title = title, .title_len = title ? strlen(title) : 0,
                      .body = body, .body_len = body ? strlen(body) : 0, .published = pub,
                      .published_len = pub ? strlen(pub) : 0};
    kh_analysis *r;
    if (kh_analyze(a, &art, 0, &r)) return 1;
    uint64_t split = fnv(fnv(0xcbf29ce484222325ULL, seedbuf), id) & 1;
    char startb[32], what[256], actors[1024], place[256], spk[512];
    for (size_t i = 0; i < r->n_events; i++) {
      const kh_event *e = &r->events[i];
      const kh_sentence *s = &r->sentences[e->sentence];
      snprintf(startb, sizeof startb, "%u", s->start);
      if (list) {
        uint64_t h = fnv(fnv(fnv(fnv(0xcbf29ce484222325ULL, seedbuf), id), fieldname(s->field)), startb);
        printf("E\t%llu\t%d\t%s\t%s\t%s\n", (unsigned long long)(h % 1000000007ULL), (int)split, id,
               fieldname(s->field), startb);
        continue;
      }
      const char *smp = sample_of(id, fieldname(s->field), s->start, "events");
      if (!smp) continue;
      snprintf(what, sizeof what, "%s/%03u/%s", e->type == KH_EVT_MEET ? "meet" : e->type == KH_EVT_VISIT ? "visit" : "host",
               e->cameo, e->trigger);
      actors[0] = 0;
      for (uint32_t k = 0; k < e->n_actors; k++) {
        size_t l = strlen(actors);
        snprintf(actors + l, sizeof actors - l, "%s%s", k ? "|" : "", r->entities[e->actors[k]].id);
      }
      ent_id(r, e->place, place, sizeof place);
      char *key[6] = {(char *)id, (char *)fieldname(s->field), startb, what, actors, place};
      row *j = find('E', key, 6);
      tally *t = tally_of(smp);
      if (!j || j->nf < 9) {
        t->ev_un++;
        printf("UNJUDGED\tE\t%s\t%s\t%s\t%s\t%s\t%s\t?\t?\t?\t\n", id, fieldname(s->field), startb, what, actors, place);
        if (show) print_sent(r, e->sentence, title, body);
        continue;
      }
      j->used = 1;
      int ev = atoi(j->f[6]), ac = atoi(j->f[7]), pl = j->f[8][0] == '-' ? -1 : atoi(j->f[8]);
      t->ev++;
      t->ev_type += ev;
      t->ev_act += ac;
      if (pl >= 0) t->ev_pl++, t->ev_pl_ok += pl;
      t->ev_ok += ev && ac && pl != 0;
    }
    for (size_t i = 0; i < r->n_quotes; i++) {
      const kh_quote *q = &r->quotes[i];
      const kh_sentence *s = &r->sentences[q->sentence];
      snprintf(startb, sizeof startb, "%u", s->start);
      if (list) {
        uint64_t h = fnv(fnv(fnv(fnv(0xcbf29ce484222325ULL, seedbuf), id), fieldname(s->field)), startb);
        printf("Q\t%llu\t%d\t%s\t%s\t%s\n", (unsigned long long)(h % 1000000007ULL), (int)split, id,
               fieldname(s->field), startb);
        continue;
      }
      const char *smp = sample_of(id, fieldname(s->field), s->start, "quotes");
      if (!smp) continue;
      snprintf(what, sizeof what, "%u-%u/%s/%s", q->start, q->end, q->direct ? "direct" : "indirect", q->verb);
      if (q->speaker >= 0) ent_id(r, q->speaker, spk, sizeof spk);
      else if (q->speaker_text) snprintf(spk, sizeof spk, "text:%s", q->speaker_text);
      else snprintf(spk, sizeof spk, "-");
      for (char *c = spk; *c; c++)
        if (*c == '\t' || *c == '\n') *c = ' ';
      char *key[5] = {(char *)id, (char *)fieldname(s->field), startb, what, spk};
      row *j = find('Q', key, 5);
      tally *t = tally_of(smp);
      if (!j || j->nf < 8) {
        t->q_un++;
        printf("UNJUDGED\tQ\t%s\t%s\t%s\t%s\t%s\t?\t?\t?\t\n", id, fieldname(s->field), startb, what, spk);
        if (show) {
          const char *txt = q->field == KH_FIELD_TITLE ? title : body;
          print_sent(r, q->sentence, title, body);
          printf("    > %.*s\n", (int)(q->end - q->start), txt + q->start);
        }
        continue;
      }
      j->used = 1;
      int sp = atoi(j->f[5]), sk = j->f[6][0] == '-' ? -1 : atoi(j->f[6]), sn = atoi(j->f[7]);
      t->q++;
      t->q_sp += sp;
      if (sk >= 0) t->q_spk++, t->q_spk_ok += sk;
      t->q_span += sn;
      t->q_ok += sp && sk != 0 && sn;
    }
    kh_analysis_free(r);
    json_decref(o);
  }
  free(line);
  fclose(f);
  kh_analyzer_free(a);
  if (list) return 0;
  /* judged items of a sample that the current code no longer extracts (the
  ** fixture keeps the judgments of earlier versions): the recall side */
  int gone[MAXS][2] = {{0}}, gone_ok[MAXS][2] = {{0}};
  for (int i = 0; i < nrows; i++) {
    row *j = &rows[i];
    if ((j->kind != 'E' && j->kind != 'Q') || j->used || j->nf < 8) continue;
    const char *smp = sample_of(j->f[0], j->f[1], (unsigned)atoi(j->f[2]), j->kind == 'E' ? "events" : "quotes");
    if (!smp) continue;
    int e = j->kind == 'E', ti = (int)(tally_of(smp) - tl);
    int ok = e ? atoi(j->f[6]) && atoi(j->f[7]) && j->f[8][0] != '0'
               : atoi(j->f[5]) && j->f[6][0] != '0' && atoi(j->f[7]);
    gone[ti][e]++;
    gone_ok[ti][e] += ok;
    if (show) printf("NOT EXTRACTED (%s)\t%c\t%s\t%s\t%s\t%s\t%s\n", ok ? "was right" : "was wrong", j->kind, j->f[0],
                     j->f[1], j->f[2], j->f[3], j->f[4]);
  }
#define P(x, n) ((n) ? (double)(x) / (n) : 0.0)
  for (int i = 0; i < ntl; i++) {
    tally *t = &tl[i];
    printf("sample %s\n", t->name);
    if (gone[i][1] || gone[i][0])
      printf("  judged items no longer extracted: %d events (%d of them right), %d quotes (%d right)\n", gone[i][1],
             gone_ok[i][1], gone[i][0], gone_ok[i][0]);
    if (t->ev || t->ev_un)
      printf("  events %3d judged (%d unjudged): all fields right %.3f (%d) | event+type+CAMEO %.3f | "
             "actors %.3f | place %.3f of %d with a place\n",
             t->ev, t->ev_un, P(t->ev_ok, t->ev), t->ev_ok, P(t->ev_type, t->ev), P(t->ev_act, t->ev),
             P(t->ev_pl_ok, t->ev_pl), t->ev_pl);
    if (t->q || t->q_un)
      printf("  quotes %3d judged (%d unjudged): all fields right %.3f (%d) | reported speech %.3f | "
             "speaker %.3f of %d with one | span %.3f\n",
             t->q, t->q_un, P(t->q_ok, t->q), t->q_ok, P(t->q_sp, t->q), P(t->q_spk_ok, t->q_spk), t->q_spk,
             P(t->q_span, t->q));
  }
  return 0;
}
