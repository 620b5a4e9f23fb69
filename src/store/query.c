/*
** query.c — the user's search language, parsed by hand into a safe FTS5
** expression.  User text never reaches MATCH as syntax: every word or
** "phrase" is cut by kh_tokenize and written back as a quoted FTS5 string
** of its normalized tokens ("" escaped), joined by AND / OR / NOT and
** parentheses that this parser itself emits.
**
**   words        پاکستان معیشت          both (implicit AND)
**   phrase       "وزیر اعظم" or “…”     the words in this order
**   operators    A OR B, A AND B, A NOT B (upper case; NOT binds tightest)
**   prefix       پاکس*
**   grouping     (کراچی OR لاہور) بارش
**
**   kh__query q = {0};
**   kh__query_parse("کراچی OR لاہور", 23, &q) -> q.fts = ("کراچی" OR "لاہور")
**
** A malformed query gives KH_EQUERY and a plain reason in q.err.
*/
#include "store.h"

enum { T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_WORD, T_PHRASE };

typedef struct lexeme {
  int type;
  size_t start, len; /* the word or the phrase's inside */
  int prefix;        /* word* */
  int unclosed;      /* a phrase without its closing quote */
} lexeme;

typedef struct parser {
  const char *s;
  size_t n, i;
  kh__query *q;
  int depth;
  int neg; /* inside the right side of NOT: no highlight terms */
  int rc;
} parser;

static int fail(parser *p, const char *fmt, const char *arg) {
  if (!p->rc) {
    snprintf(p->q->err, sizeof p->q->err, fmt, arg ? arg : "");
    p->rc = KH_EQUERY;
  }
  return p->rc;
}

static int is_space(const char *s, size_t n, size_t i, size_t *w) {
  unsigned char c = (unsigned char)s[i];
  *w = 1;
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return 1;
  if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) return *w = 2, 1; /* NBSP */
  return 0;
}

/* “ (E2 80 9C) and ” (E2 80 9D) open and close phrases like ". */
static int quote_at(const char *s, size_t n, size_t i) {
  if (s[i] == '"') return 1;
  if (i + 2 < n && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
      ((unsigned char)s[i + 2] == 0x9C || (unsigned char)s[i + 2] == 0x9D))
    return 3;
  return 0;
}

static lexeme lex(parser *p, int consume) {
  size_t i = p->i, w;
  lexeme l = {T_END, i, 0, 0, 0};
  while (i < p->n && is_space(p->s, p->n, i, &w)) i += w;
  if (i >= p->n) {
    l.start = i;
    goto done;
  }
  char c = p->s[i];
  int qw;
  if (c == '(' || c == ')') {
    l.type = c == '(' ? T_LP : T_RP;
    l.start = i++;
    l.len = 1;
  } else if ((qw = quote_at(p->s, p->n, i))) {
    size_t j = i + (size_t)qw, k = 0;
    l.type = T_PHRASE;
    l.start = j;
    while (j < p->n && !(k = (size_t)quote_at(p->s, p->n, j))) j++;
    if (j >= p->n) {
      l.unclosed = 1;
      i = p->n;
      goto done;
    }
    l.len = j - l.start;
    i = j + k;
    if (i < p->n && p->s[i] == '*') l.prefix = 1, i++;
  } else {
    size_t j = i;
    while (j < p->n && !is_space(p->s, p->n, j, &w) && p->s[j] != '(' && p->s[j] != ')' &&
           !quote_at(p->s, p->n, j))
      j++;
    l.type = T_WORD;
    l.start = i;
    l.len = j - i;
    i = j;
    if (l.len == 3 && !memcmp(p->s + l.start, "AND", 3)) l.type = T_AND;
    else if (l.len == 2 && !memcmp(p->s + l.start, "OR", 2)) l.type = T_OR;
    else if (l.len == 3 && !memcmp(p->s + l.start, "NOT", 3)) l.type = T_NOT;
    else {
      while (l.len && p->s[l.start + l.len - 1] == '*') l.prefix = 1, l.len--;
    }
  }
done:
  if (consume) p->i = i;
  return l;
}

static int add_term(kh__query *q, const char *s, size_t n, int prefix) {
  for (size_t i = 0; i < q->nterms; i++)
    if (q->terms[i].len == n && q->terms[i].prefix == prefix && !memcmp(q->terms[i].norm, s, n))
      return 0;
  if (q->nterms == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 8;
    kh__qterm *t = kh__realloc(q->terms, cap * sizeof *t);
    if (!t) return KH_ENOMEM;
    q->terms = t;
    q->cap = cap;
  }
  char *c = kh__strndup(s, n);
  if (!c) return KH_ENOMEM;
  q->terms[q->nterms++] = (kh__qterm){c, n, prefix};
  return 0;
}

typedef struct phrase_ctx {
  parser *p;
  kh__buf *out;
  size_t ntok;
  int prc;
} phrase_ctx;

static int phrase_tok(void *ctx, const kh_token *t) {
  phrase_ctx *c = ctx;
  if (!c->p->neg && c->p->q->nterms < KH__MAX_QTERMS) {
    int rc = add_term(c->p->q, t->norm, t->norm_len, 0);
    if (rc) return rc;
  }
  if (t->flags & KH_TOKF_COLOC) return 0; /* the query tokenizer adds it again */
  if (c->ntok++) kh__buf_appendc(c->out, ' ', &c->prc);
  for (uint32_t k = 0; k < t->norm_len; k++) {
    if (t->norm[k] == '"') kh__buf_appendc(c->out, '"', &c->prc);
    kh__buf_appendc(c->out, t->norm[k], &c->prc);
  }
  return c->prc;
}

/* A word or phrase as a quoted FTS5 string; *empty if it has no tokens. */
static int emit_phrase(parser *p, const lexeme *l, kh__buf *out, int *empty) {
  size_t before = p->q->nterms, mark = out->len;
  phrase_ctx c = {p, out, 0, 0};
  kh__buf_appendc(out, '"', &c.prc);
  int rc = kh_tokenize(p->s + l->start, l->len, l->prefix ? KH_TOKENIZE_NOSPLIT : 0, phrase_tok, &c);
  if (rc) return p->rc = rc < 0 ? rc : KH_ENOMEM;
  if (c.prc) return p->rc = c.prc;
  if (c.ntok == 0) { /* only punctuation: nothing to look for */
    out->len = mark;
    *empty = 1;
    return 0;
  }
  if (p->q->nterms >= KH__MAX_QTERMS) return fail(p, "the query has too many words%s", NULL);
  if (l->prefix && !p->neg && p->q->nterms > before) p->q->terms[p->q->nterms - 1].prefix = 1;
  kh__buf_appends(out, l->prefix ? "\" *" : "\"", &c.prc);
  *empty = 0;
  return p->rc = c.prc;
}

static int parse_or(parser *p, kh__buf *out, int *empty);

static int parse_primary(parser *p, kh__buf *out, int *empty) {
  lexeme l = lex(p, 1);
  if (p->rc) return p->rc;
  switch (l.type) {
    case T_LP: {
      if (++p->depth > KH__MAX_QDEPTH) return fail(p, "parentheses nested too deeply%s", NULL);
      if (lex(p, 0).type == T_RP) return fail(p, "empty parentheses ()%s", NULL);
      int rc = parse_or(p, out, empty);
      p->depth--;
      if (rc) return rc;
      if (lex(p, 1).type != T_RP) return fail(p, "a '(' is never closed%s", NULL);
      return 0; /* parse_or already wrapped a compound expression */
    }
    case T_RP: return fail(p, "a ')' has no matching '('%s", NULL);
    case T_AND: return fail(p, "%s needs a word on each side", "AND");
    case T_OR: return fail(p, "%s needs a word on each side", "OR");
    case T_NOT: return fail(p, "NOT needs a word before it, e.g. کراچی NOT بارش%s", NULL);
    case T_END: return fail(p, "the query ends where a word was expected%s", NULL);
    default:
      if (l.unclosed) return fail(p, "a phrase is missing its closing quote%s", NULL);
      return emit_phrase(p, &l, out, empty);
  }
}

/* left = "(left OP right)" with empty sides dropped. */
static void combine(kh__buf *left, int *lempty, kh__buf *right, int rempty, const char *op, int *rc) {
  if (rempty) return;
  if (*lempty) {
    kh__buf_free(left);
    *left = *right;
    *right = (kh__buf){0};
    *lempty = 0;
    return;
  }
  kh__buf t = {0};
  kh__buf_appendc(&t, '(', rc);
  kh__buf_append(&t, left->data, left->len, rc);
  kh__buf_appends(&t, op, rc);
  kh__buf_append(&t, right->data, right->len, rc);
  kh__buf_appendc(&t, ')', rc);
  kh__buf_free(left);
  *left = t;
}

static int parse_not(parser *p, kh__buf *out, int *empty) {
  if (parse_primary(p, out, empty)) return p->rc;
  while (lex(p, 0).type == T_NOT) {
    lex(p, 1);
    kh__buf r = {0};
    int re = 1;
    p->neg++;
    parse_primary(p, &r, &re);
    p->neg--;
    if (!p->rc && *empty) fail(p, "NOT needs a word before it, e.g. کراچی NOT بارش%s", NULL);
    if (!p->rc) combine(out, empty, &r, re, " NOT ", &p->rc);
    kh__buf_free(&r);
    if (p->rc) return p->rc;
  }
  return 0;
}

static int parse_and(parser *p, kh__buf *out, int *empty) {
  if (parse_not(p, out, empty)) return p->rc;
  for (;;) {
    lexeme l = lex(p, 0);
    if (l.type == T_AND) {
      lex(p, 1);
      int t = lex(p, 0).type;
      if (t == T_END || t == T_RP || t == T_AND || t == T_OR)
        return fail(p, "%s needs a word on each side", "AND");
    } else if (l.type != T_WORD && l.type != T_PHRASE && l.type != T_LP) {
      return 0;
    }
    kh__buf r = {0};
    int re = 1;
    parse_not(p, &r, &re);
    if (!p->rc) combine(out, empty, &r, re, " AND ", &p->rc);
    kh__buf_free(&r);
    if (p->rc) return p->rc;
  }
}

static int parse_or(parser *p, kh__buf *out, int *empty) {
  if (parse_and(p, out, empty)) return p->rc;
  while (lex(p, 0).type == T_OR) {
    lex(p, 1);
    int t = lex(p, 0).type;
    if (t == T_END || t == T_RP || t == T_OR || t == T_AND)
      return fail(p, "%s needs a word on each side", "OR");
    kh__buf r = {0};
    int re = 1;
    parse_and(p, &r, &re);
    if (!p->rc) combine(out, empty, &r, re, " OR ", &p->rc);
    kh__buf_free(&r);
    if (p->rc) return p->rc;
  }
  return 0;
}

int kh__query_parse(const char *s, size_t n, kh__query *q) {
  memset(q, 0, sizeof *q);
  if (!s) return KH_EINVAL;
  if (n > KH__MAX_QUERY) {
    snprintf(q->err, sizeof q->err, "the query is longer than %d bytes", KH__MAX_QUERY);
    return KH_EQUERY;
  }
  parser p = {s, n, 0, q, 0, 0, 0};
  kh__buf out = {0};
  int empty = 1;
  if (lex(&p, 0).type == T_END) {
    fail(&p, "the query is empty%s", NULL);
  } else if (!parse_or(&p, &out, &empty)) {
    lexeme l = lex(&p, 0);
    if (l.type == T_RP) fail(&p, "a ')' has no matching '('%s", NULL);
    else if (l.type != T_END) fail(&p, "cannot read the query here%s", NULL);
    else if (empty) fail(&p, "the query has no words to search for%s", NULL);
  }
  if (!p.rc) {
    q->fts = kh__buf_detach(&out, NULL, &p.rc);
    if (!p.rc) return 0;
  }
  kh__buf_free(&out);
  return p.rc;
}

void kh__query_free(kh__query *q) {
  if (!q) return;
  for (size_t i = 0; i < q->nterms; i++) kh_free(q->terms[i].norm);
  kh_free(q->terms);
  kh_free(q->fts);
  q->terms = NULL;
  q->fts = NULL;
  q->nterms = q->cap = 0;
}

int kh_query_to_fts5(const char *query, size_t len, char **out, char *err, size_t errcap) {
  if (!out) return KH_EINVAL;
  *out = NULL;
  kh__query q;
  int rc = kh__query_parse(query, len, &q);
  if (rc == 0) {
    *out = q.fts;
    q.fts = NULL;
  } else if (err && errcap) {
    snprintf(err, errcap, "%s", q.err[0] ? q.err : kh_strerror(rc));
  }
  kh__query_free(&q);
  return rc;
}
