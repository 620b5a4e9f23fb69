/*
** csv.c — a small RFC 4180 reader: fields separated by commas, records by
** CRLF or LF, fields optionally in double quotes (then they may hold
** commas, newlines and "" for a quote).  The first record is the header;
** its names (case-insensitive) map columns onto an article:
**
**   id | source | url, link | published, date, time, datetime |
**   title, headline | body, text, content, article
**
** and every other column goes into extra as a JSON string.  A malformed
** record (text after a closing quote, a quote never closed, a field count
** that differs from the header's) is reported with the line it starts on.
**
**   "ID","Title","Link","Content","Gold Label"
**   "0","...","https://urdu.geo.tv/...","...","sports"
*/
#include "store.h"

#include <strings.h>

typedef struct rec {
  kh__buf data;          /* the record's unescaped field bytes, back to back */
  size_t off[KH__MAX_FIELDS + 1];
  size_t nf;
  const char *why;       /* first problem seen in this record */
} rec;

static void end_field(rec *r) {
  if (r->nf < KH__MAX_FIELDS) r->off[++r->nf] = r->data.len;
  else if (!r->why) r->why = "more than 256 fields";
}

static int emit(rec *r, uint64_t line, kh__csv_fn fn, void *ctx) {
  const char *f[KH__MAX_FIELDS];
  size_t fl[KH__MAX_FIELDS];
  if (r->why) return fn(ctx, line, 0, NULL, NULL, r->why);
  for (size_t i = 0; i < r->nf; i++) {
    f[i] = r->data.data ? r->data.data + r->off[i] : "";
    fl[i] = r->off[i + 1] - r->off[i];
  }
  return fn(ctx, line, r->nf, f, fl, NULL);
}

int kh__csv_records(FILE *f, kh__csv_fn fn, void *ctx, uint64_t *bytes) {
  enum { START, PLAIN, QUOTED, QUOTE_IN_QUOTED, AFTER_CLOSE } state = START;
  rec *r = kh__calloc(1, sizeof *r);
  if (!r) return KH_ENOMEM;
  r->data.max = KH_MAX_LINE + 16;
  uint64_t line = 1, start_line = 1;
  int rc = 0, c, any = 0; /* any: the record has a byte */
  /* a UTF-8 byte order mark before the header is not data */
  if ((c = getc_unlocked(f)) == 0xEF) {
    int c2 = getc_unlocked(f), c3 = c2 == 0xBB ? getc_unlocked(f) : EOF;
    if (c2 == 0xBB && c3 == 0xBF) {
      if (bytes) *bytes += 3;
    } else {
      r->why = "invalid UTF-8 at the start";
      if (bytes) *bytes += 1 + (c2 != EOF) + (c3 != EOF);
    }
  } else if (c != EOF) {
    ungetc(c, f);
  }
  while (!rc) {
    c = getc_unlocked(f);
    if (c != EOF && bytes) (*bytes)++;
    if (c == '\r') { /* CR LF or a lone CR: a line end */
      int d = getc_unlocked(f);
      if (d != '\n' && d != EOF) ungetc(d, f);
      else if (d == '\n' && bytes) (*bytes)++;
      c = '\n';
      if (state == QUOTED) { /* keep the line break inside a quoted field as \n */
        line++;
        kh__buf_appendc(&r->data, '\n', &rc);
        continue;
      }
    }
    if (c == EOF) {
      if (ferror(f)) rc = KH_EIO;
      else if (state == QUOTED) {
        r->why = "a quoted field is never closed";
        rc = emit(r, start_line, fn, ctx);
      } else if (any) {
        end_field(r);
        rc = emit(r, start_line, fn, ctx);
      }
      break;
    }
    if (r->data.len >= KH_MAX_LINE && !r->why) r->why = "record longer than 64 MiB";
    switch (state) {
      case START:
        if (c == '"') {
          state = QUOTED;
          any = 1;
          break;
        }
        state = PLAIN;
        /* fall through */
      case PLAIN:
      case AFTER_CLOSE:
        if (c == ',') {
          end_field(r);
          state = START;
          any = 1;
        } else if (c == '\n') {
          line++;
          if (any || state != START) {
            end_field(r);
            rc = emit(r, start_line, fn, ctx);
          }
          r->data.len = 0;
          r->nf = 0;
          r->why = NULL;
          any = 0;
          state = START;
          start_line = line;
        } else {
          if (state == AFTER_CLOSE && !r->why) r->why = "text after a closing quote";
          if (!r->why) kh__buf_appendc(&r->data, (char)c, &rc);
          any = 1;
        }
        break;
      case QUOTED:
        if (c == '"') state = QUOTE_IN_QUOTED;
        else {
          if (c == '\n') line++;
          if (!r->why) kh__buf_appendc(&r->data, (char)c, &rc);
        }
        break;
      case QUOTE_IN_QUOTED:
        if (c == '"') { /* "" is a quote */
          if (!r->why) kh__buf_appendc(&r->data, '"', &rc);
          state = QUOTED;
        } else {
          state = AFTER_CLOSE;
          ungetc(c, f);
          if (bytes) (*bytes)--;
        }
        break;
    }
  }
  kh__buf_free(&r->data);
  kh_free(r);
  return rc;
}

/* ---- records to articles ---- */

enum { C_ID, C_SOURCE, C_URL, C_PUBLISHED, C_TITLE, C_BODY, NCOL };

static const struct {
  const char *name;
  int col;
} names[] = {
    {"id", C_ID},           {"source", C_SOURCE},      {"url", C_URL},         {"link", C_URL},
    {"published", C_PUBLISHED}, {"date", C_PUBLISHED}, {"time", C_PUBLISHED}, {"datetime", C_PUBLISHED},
    {"title", C_TITLE},     {"headline", C_TITLE},     {"body", C_BODY},       {"text", C_BODY},
    {"content", C_BODY},    {"article", C_BODY},
};

typedef struct csv_ctx {
  kh__rec_fn fn;
  void *ctx;
  const char *default_source;
  int have_header;
  size_t ncols;
  int map[KH__MAX_FIELDS];   /* column -> C_* or -1 (extra) */
  char *hdr[KH__MAX_FIELDS]; /* header names, for extra */
  size_t hdrlen[KH__MAX_FIELDS];
} csv_ctx;

static int header(csv_ctx *c, size_t nf, const char *const *f, const size_t *fl) {
  int seen[NCOL] = {0};
  for (size_t i = 0; i < nf; i++) {
    const char *s = f[i];
    size_t n = fl[i];
    while (n && (*s == ' ')) s++, n--;
    while (n && s[n - 1] == ' ') n--;
    c->map[i] = -1;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
      if (strlen(names[k].name) == n && !strncasecmp(s, names[k].name, n) && !seen[names[k].col]) {
        c->map[i] = names[k].col;
        seen[names[k].col] = 1;
      }
    c->hdr[i] = kh__strndup(s, n);
    if (!c->hdr[i]) return KH_ENOMEM;
    c->hdrlen[i] = n;
    c->ncols = i + 1;
  }
  c->have_header = 1;
  return 0;
}

static int on_record(void *ctx, uint64_t line, size_t nf, const char *const *f, const size_t *fl,
                     const char *why) {
  csv_ctx *c = ctx;
  char reason[120];
  if (why) return c->fn(c->ctx, line, NULL, why);
  if (!c->have_header) return header(c, nf, f, fl);
  if (nf != c->ncols) {
    snprintf(reason, sizeof reason, "%zu fields, but the header has %zu", nf, c->ncols);
    return c->fn(c->ctx, line, NULL, reason);
  }
  const char *s[NCOL] = {0};
  size_t n[NCOL] = {0};
  kh__buf extra = {0}, id = {0};
  int rc = 0, nextra = 0;
  for (size_t i = 0; i < nf; i++) {
    size_t bad;
    if (!kh__utf8_valid(f[i], fl[i], &bad)) {
      snprintf(reason, sizeof reason, "invalid UTF-8 in column %zu", i + 1);
      return c->fn(c->ctx, line, NULL, reason);
    }
  }
  for (size_t i = 0; i < nf; i++) {
    if (c->map[i] >= 0) {
      s[c->map[i]] = f[i];
      n[c->map[i]] = fl[i];
    } else if (fl[i]) {
      kh__buf_appendc(&extra, nextra++ ? ',' : '{', &rc);
      kh__buf_json_str(&extra, c->hdr[i], c->hdrlen[i], &rc);
      kh__buf_appendc(&extra, ':', &rc);
      kh__buf_json_str(&extra, f[i], fl[i], &rc);
    }
  }
  if (nextra) kh__buf_appendc(&extra, '}', &rc);
  if (!n[C_SOURCE] && c->default_source) {
    s[C_SOURCE] = c->default_source;
    n[C_SOURCE] = strlen(c->default_source);
    if (n[C_ID]) { /* row numbers of different files stay apart */
      kh__buf_printf(&id, &rc, "%s-%.*s", c->default_source, (int)n[C_ID], s[C_ID]);
      s[C_ID] = id.data;
      n[C_ID] = id.len;
    }
  }
  if (!rc) {
    if (n[C_TITLE] + n[C_BODY] == 0) {
      rc = c->fn(c->ctx, line, NULL, "no text: neither title nor body");
    } else {
      kh_article a = {s[C_ID], n[C_ID], s[C_SOURCE], n[C_SOURCE], s[C_URL], n[C_URL],
                      s[C_PUBLISHED], n[C_PUBLISHED], s[C_TITLE], n[C_TITLE], s[C_BODY], n[C_BODY],
                      extra.data, extra.len};
      rc = c->fn(c->ctx, line, &a, NULL);
    }
  }
  kh__buf_free(&extra);
  kh__buf_free(&id);
  return rc;
}

int kh__csv_read(FILE *f, const char *default_source, kh__rec_fn fn, void *ctx, uint64_t *bytes) {
  csv_ctx *c = kh__calloc(1, sizeof *c);
  if (!c) return KH_ENOMEM;
  c->fn = fn;
  c->ctx = ctx;
  c->default_source = default_source;
  int rc = kh__csv_records(f, on_record, c, bytes);
  for (size_t i = 0; i < c->ncols; i++) kh_free(c->hdr[i]);
  kh_free(c);
  return rc;
}
