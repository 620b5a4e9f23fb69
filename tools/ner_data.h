/*
** ner_data.h — readers of the NER corpora in ../shared/data/ner for
** tools/train_ner.c and bench/ner_eval.c (header-only, static functions).
** Every corpus becomes units of plain text with gold entity spans as byte
** offsets, so training and evaluation see the text exactly as kh_analyze
** does (kh_tokenize's tokens, exact-span matching on bytes).
**
**   IL-NER   token TAB B-NEP/I-NEP (person), NEL (location), NEO (organisation);
**            NEN/NETI/NEAR are not PER/LOC/ORG and count as O.  A sentence is
**            its tokens joined by one space.
**   UNER     inline <PERSON>…</PERSON>, <LOCATION>, <ORGANIZATION>; other tags
**            (DESIGNATION, DATE, TIME, NUMBER) are removed, their text kept.
**            One unit per line.  Split by document: the files of each folder in
**            name order, every 5th one (index % 5 == 4) is the test split.
**   jahangir, ijnlp2008: token TAB PERSON/LOCATION/ORGANIZATION/O (no BIO:
**            a run of one tag is one entity).
*/
#ifndef KH_NER_DATA_H
#define KH_NER_DATA_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ND_PER = 1, ND_LOC = 2, ND_ORG = 3 };

typedef struct nd_span {
  unsigned start, end, type;
} nd_span;

typedef struct nd_unit {
  char *text;
  size_t len;
  nd_span *spans;
  size_t nspans;
  int tagged; /* CoNLL: some token carries a tag, of any type (NEN, NETI ... too) */
  int tail;   /* IL-NER train: in the mostly unannotated tail (nd_mark_tail) */
} nd_unit;

typedef struct nd_set {
  nd_unit *u;
  size_t n, cap;
} nd_set;

typedef struct nd_builder {
  char *text;
  size_t len, cap;
  nd_span *spans;
  size_t ns, scap;
  int tagged;
} nd_builder;

static void nd_die(const char *m) {
  fprintf(stderr, "ner_data: %s\n", m);
  exit(1);
}

static void nd_append(nd_builder *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->text = realloc(b->text, b->cap);
    if (!b->text) nd_die("out of memory");
  }
  memcpy(b->text + b->len, s, n);
  b->len += n;
  b->text[b->len] = 0;
}

static void nd_span_add(nd_builder *b, unsigned s, unsigned e, unsigned t) {
  if (b->ns == b->scap) {
    b->scap = b->scap ? b->scap * 2 : 8;
    b->spans = realloc(b->spans, b->scap * sizeof *b->spans);
    if (!b->spans) nd_die("out of memory");
  }
  b->spans[b->ns++] = (nd_span){s, e, t};
}

static void nd_flush(nd_builder *b, nd_set *set) {
  while (b->len && (b->text[b->len - 1] == ' ' || b->text[b->len - 1] == '\r')) b->text[--b->len] = 0;
  if (b->len) {
    if (set->n == set->cap) {
      set->cap = set->cap ? set->cap * 2 : 256;
      set->u = realloc(set->u, set->cap * sizeof *set->u);
      if (!set->u) nd_die("out of memory");
    }
    set->u[set->n++] = (nd_unit){b->text, b->len, b->spans, b->ns, b->tagged, 0};
  } else {
    free(b->text);
    free(b->spans);
  }
  memset(b, 0, sizeof *b);
}

static int nd_type(const char *tag) {
  if (strstr(tag, "NEP") || !strcmp(tag, "PERSON")) return ND_PER;
  if (strstr(tag, "NEL") || !strcmp(tag, "LOCATION")) return ND_LOC;
  if (strstr(tag, "NEO") || !strcmp(tag, "ORGANIZATION")) return ND_ORG;
  return 0;
}

/* CoNLL-style token TAB tag files (IL-NER with BIO; jahangir/ijnlp without). */
static int nd_read_conll(const char *path, nd_set *set) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[8192];
  nd_builder b = {0};
  int open_type = 0;
  unsigned open_start = 0;
  while (fgets(line, sizeof line, f)) {
    size_t l = strlen(line);
    while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
    char *tab = strrchr(line, '\t');
    char *tok = line;
    if (!strncmp(tok, "\xEF\xBB\xBF", 3)) tok += 3;
    if (!l || !tab) {
      if (open_type) nd_span_add(&b, open_start, (unsigned)b.len, (unsigned)open_type);
      open_type = 0;
      nd_flush(&b, set);
      continue;
    }
    *tab = 0;
    const char *tag = tab + 1;
    while (*tok == ' ') tok++;
    size_t tl = strlen(tok);
    while (tl && tok[tl - 1] == ' ') tok[--tl] = 0;
    if (!tl) continue;
    for (size_t k = 0; k < tl; k++)
      if (tok[k] == '_') tok[k] = ' '; /* IL-NER joins multiword units with _ */
    if (strcmp(tag, "O")) b.tagged = 1;
    int type = nd_type(tag);
    int begin = type && (tag[0] == 'B' || tag[0] == '-' || (tag[0] != 'I' && type != open_type));
    if (open_type && (!type || begin || type != open_type)) {
      nd_span_add(&b, open_start, (unsigned)b.len, (unsigned)open_type);
      open_type = 0;
    }
    if (b.len) nd_append(&b, " ", 1);
    if (type && !open_type) {
      open_type = type;
      open_start = (unsigned)b.len;
    }
    nd_append(&b, tok, tl);
  }
  if (open_type) nd_span_add(&b, open_start, (unsigned)b.len, (unsigned)open_type);
  nd_flush(&b, set);
  fclose(f);
  return 0;
}

/* one UNER file: one unit per line */
static int nd_read_uner_file(const char *path, nd_set *set) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[1 << 16];
  while (fgets(line, sizeof line, f)) {
    nd_builder b = {0};
    const char *p = line;
    if (!strncmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    int type = 0;
    unsigned start = 0;
    while (*p && *p != '\n' && *p != '\r') {
      if (*p == '<') {
        const char *q = strchr(p, '>');
        if (!q) break;
        char tag[64];
        size_t n = (size_t)(q - p - 1);
        if (n >= sizeof tag) n = sizeof tag - 1;
        memcpy(tag, p + 1, n);
        tag[n] = 0;
        if (tag[0] == '/') {
          if (type && nd_type(tag + 1) == type) {
            unsigned e = (unsigned)b.len;
            while (e > start && b.text[e - 1] == ' ') e--;
            if (e > start) nd_span_add(&b, start, e, (unsigned)type);
          }
          type = 0;
        } else if (nd_type(tag)) {
          type = nd_type(tag);
          start = (unsigned)b.len;
        }
        p = q + 1;
        continue;
      }
      nd_append(&b, p, 1);
      p++;
    }
    nd_flush(&b, set);
  }
  fclose(f);
  return 0;
}

static int nd_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* UNER: split 0 = training documents, 1 = test documents (every 5th);
** for choices made while developing, the training documents split again:
** 20 + f = development fold f (f = 1..4: index % 5 == f - 1), 10 + f = the
** other training documents. */
static int nd_read_uner(const char *dir, int split, nd_set *set) {
  static const char *const folders[] = {"International_News", "National_News", "Sports"};
  int found = 0;
  for (size_t k = 0; k < 3; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, folders[k]);
    DIR *dp = opendir(path);
    if (!dp) continue;
    found = 1;
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && n < 4096)
      if (strstr(e->d_name, ".txt")) names[n++] = strdup(e->d_name);
    closedir(dp);
    qsort(names, n, sizeof *names, nd_cmp);
    for (size_t i = 0; i < n; i++) {
      int fold = (int)(i % 5);
      int take = split == 0 ? fold != 4 : split == 1 ? fold == 4 : split > 20 ? fold == split - 21
                                                                   : fold != 4 && fold != split - 11;
      if (take) {
        char fp[8192];
        snprintf(fp, sizeof fp, "%s/%s", path, names[i]);
        nd_read_uner_file(fp, set);
      }
      free(names[i]);
    }
  }
  return found ? 0 : -1;
}

/* Move development fold f (1..4) of a CoNLL set into dev: blocks of 50
** consecutive sentences (IL-NER has no document marks; a block keeps
** neighbouring sentences of one report together) with block % 5 == f. */
static inline void nd_split_dev(nd_set *set, nd_set *dev, int f) {
  size_t k = 0;
  for (size_t i = 0; i < set->n; i++) {
    if ((int)((i / 50) % 5) == f) {
      if (dev->n == dev->cap) {
        dev->cap = dev->cap ? dev->cap * 2 : 256;
        dev->u = realloc(dev->u, dev->cap * sizeof *dev->u);
        if (!dev->u) nd_die("out of memory");
      }
      dev->u[dev->n++] = set->u[i];
    } else {
      set->u[k++] = set->u[i];
    }
  }
  set->n = k;
}

/* IL-NER train is sorted: its first ~3,000 sentences each carry a tag and
** almost none of the other ~5,700 do, though they hold names (میزورم، بھارت
** untagged; tools/ner_consistency.py).  Mark as tail every sentence from the
** first one after which at most 1% of the sentences carry a tag. */
static inline size_t nd_mark_tail(nd_set *set) {
  size_t tagged = 0, start = set->n;
  for (size_t i = set->n; i-- > 0;) {
    tagged += set->u[i].tagged != 0;
    if (tagged * 100 <= set->n - i) start = i;
  }
  for (size_t i = start; i < set->n; i++) set->u[i].tail = 1;
  return start;
}

/* The names (span texts) seen at least twice as a span in the set's
** non-tail units, each NUL-terminated, one after another; *count of them. */
static inline char *nd_head_names(const nd_set *set, size_t *count) {
  nd_builder b = {0};
  *count = 0;
  for (size_t i = 0; i < set->n; i++)
    for (size_t s = 0; s < set->u[i].nspans && !set->u[i].tail; s++) {
      const char *name = set->u[i].text + set->u[i].spans[s].start;
      size_t n = set->u[i].spans[s].end - set->u[i].spans[s].start;
      int seen = 0, before = 0;
      for (size_t j = 0; j < set->n && seen < 2; j++)
        for (size_t q = 0; q < set->u[j].nspans && !set->u[j].tail; q++)
          if (set->u[j].spans[q].end - set->u[j].spans[q].start == n &&
              !memcmp(set->u[j].text + set->u[j].spans[q].start, name, n)) {
            if (j < i || (j == i && q < s)) before = 1; /* listed already */
            seen++;
          }
      if (seen < 2 || before) continue;
      nd_append(&b, name, n);
      nd_append(&b, "", 1);
      ++*count;
    }
  free(b.spans);
  return b.text;
}

/* 1 if one of the names occurs in u's text as whole words */
static inline int nd_holds_name(const char *names, size_t count, const nd_unit *u) {
  for (size_t k = 0; k < count; k++, names += strlen(names) + 1) {
    size_t n = strlen(names);
    for (const char *p = u->text; (p = strstr(p, names)); p++)
      if ((p == u->text || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return 1;
  }
  return 0;
}

/* Keep the units of a set that pass: drop = 1 drops untagged tail units,
** 2 drops every tail unit, 3 drops untagged tail units that hold a name
** tagged twice or more before the tail (nd_holds_name). */
static inline size_t nd_drop_tail(nd_set *set, int drop) {
  size_t k = 0, dropped = 0;
  char *del = calloc(set->n + 1, 1);
  size_t count = 0;
  char *names = drop == 3 ? nd_head_names(set, &count) : NULL;
  if (!del) nd_die("out of memory");
  for (size_t i = 0; i < set->n; i++) {
    const nd_unit *u = &set->u[i];
    del[i] = u->tail && (drop == 2 || (!u->tagged && (drop != 3 || nd_holds_name(names, count, u))));
  }
  free(names);
  for (size_t i = 0; i < set->n; i++) {
    nd_unit *u = &set->u[i];
    if (del[i]) {
      free(u->text);
      free(u->spans);
      dropped++;
    } else {
      set->u[k++] = *u;
    }
  }
  free(del);
  set->n = k;
  return dropped;
}

static void nd_free(nd_set *set) {
  for (size_t i = 0; i < set->n; i++) {
    free(set->u[i].text);
    free(set->u[i].spans);
  }
  free(set->u);
  memset(set, 0, sizeof *set);
}

#ifdef KHABAR_H
/* ---- exact-span scoring of kh_analyze (needs khabar.h first) ---- */

typedef struct nd_counts {
  long tp[4], fp[4], fn[4];
} nd_counts;

static inline void nd_show(FILE *out, const char *what, const nd_unit *u, unsigned s, unsigned e, int type) {
  static const char *const names[] = {"", "PER", "LOC", "ORG"};
  fprintf(out, "%s %s [%.*s] in: %.*s\n", what, names[type], (int)(e - s), u->text + s, (int)u->len, u->text);
}

/* Score one unit: a mention counts when its byte span and type equal a gold
** span's.  Role phrases (روسی صدر) are not names and are left out.  With
** errors != NULL, false positives and negatives are printed there. */
static inline void nd_score_unit(const kh_analyzer *a, const nd_unit *u, unsigned flags, nd_counts *c,
                                 FILE *errors) {
  kh_article art = {.body = u->text, .body_len = u->len};
  kh_analysis *r;
  if (kh_analyze(a, &art, flags, &r)) nd_die("kh_analyze failed");
  char *matched = calloc(u->nspans + 1, 1);
  if (!matched) nd_die("out of memory");
  for (size_t i = 0; i < r->n_mentions; i++) {
    const kh_mention *m = &r->mentions[i];
    if (m->source == KH_MSRC_ROLE || m->field != KH_FIELD_BODY) continue;
    int hit = 0;
    for (size_t s = 0; s < u->nspans && !hit; s++)
      if (!matched[s] && u->spans[s].start == m->start && u->spans[s].end == m->end &&
          (int)u->spans[s].type == m->type)
        matched[s] = 1, hit = 1;
    if (hit) c->tp[m->type]++;
    else {
      c->fp[m->type]++;
      if (errors) {
        static const char *const src[] = {"", "FPg", "FPt", "FPv", "FPr", "FPc", "FPp"};
        nd_show(errors, m->source < 7 ? src[m->source] : "FP", u, m->start, m->end, m->type);
      }
    }
  }
  for (size_t s = 0; s < u->nspans; s++)
    if (!matched[s]) {
      c->fn[u->spans[s].type]++;
      if (errors) nd_show(errors, "FN", u, u->spans[s].start, u->spans[s].end, (int)u->spans[s].type);
    }
  free(matched);
  kh_analysis_free(r);
}

static inline double nd_f1(long tp, long fp, long fn, double *p, double *r) {
  *p = tp + fp ? (double)tp / (double)(tp + fp) : 0;
  *r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
  return *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

/* One line: P/R/F1 per type and micro; returns micro-F1. */
static inline double nd_report(FILE *out, const char *set, const char *sys, const nd_counts *c) {
  static const char *const names[] = {"", "PER", "LOC", "ORG"};
  long tp = 0, fp = 0, fn = 0;
  fprintf(out, "%-10s %-28s", set, sys);
  for (int t = 1; t <= 3; t++) {
    double p, r, f = nd_f1(c->tp[t], c->fp[t], c->fn[t], &p, &r);
    fprintf(out, "  %s P %.3f R %.3f F1 %.3f", names[t], p, r, f);
    tp += c->tp[t], fp += c->fp[t], fn += c->fn[t];
  }
  double p, r, f = nd_f1(tp, fp, fn, &p, &r);
  fprintf(out, "  | micro P %.3f R %.3f F1 %.3f (gold %ld)\n", p, r, f, tp + fn);
  return f;
}

/* Score a whole set; returns micro-F1. */
static inline double nd_evaluate(const kh_analyzer *a, const char *name, const char *sys, const nd_set *set,
                                 unsigned flags, FILE *errors) {
  nd_counts c;
  memset(&c, 0, sizeof c);
  for (size_t i = 0; i < set->n; i++) nd_score_unit(a, &set->u[i], flags, &c, errors);
  return nd_report(stdout, name, sys, &c);
}
#endif

#endif
