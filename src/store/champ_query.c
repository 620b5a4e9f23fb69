/*
** champ_query.c — a query answered from the champion lists (champ.c keeps
** them; its comment has the design and the tables).
**
** Query (kh__champ_topk): only for an AND of plain words, each one index
** term with a list, no open write batch.  Candidates = the union of the
** lists; every candidate's missing terms are read from its forward row
** (absent: AND fails, dropped); score = FTS5's bm25 exactly (its N and
** average length from the FTS5 averages record, df from search_term).
** Several words go to the lists only when FTS5 would rank many rows and the
** lists can be expected to hold a page of articles with every word
** (independence estimates from the dfs).  Filters are applied to the ranked
** candidates; each delivered hit is confirmed by FTS5 (MATCH ... AND rowid
** = ?), so AND holds whatever the forward hashes say.  Guarantee: an
** article outside every list has each term weight <= floor·max(1,
** avgdl/aref) (BM25 grows at most linearly with the average length), so if
** the k-th score found is >= the sum of those bounds times the idfs, the
** top k is EXACTLY FTS5's (certified).  One-word queries that are not
** certified go to FTS5; longer ones are answered from the candidates
** (approximate; bench/store_latency.c reports overlap@10 and NDCG@10
** against exact FTS5).  Anything else returns 0 and kh_search runs FTS5.
*/
#include "champ.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* The words of an FTS5 expression made of quoted strings joined by AND
** (what query.c writes for plain words), unescaped into w[], or 0;
** phr[i] = 1 where a string holds several tokens (a phrase, e.g. a word
** the tokenizer splits). */
static int and_words(const char *f, char (*w)[KH_MAX_TOKEN + 1], size_t *wl, unsigned char *phr, size_t *nw) {
  *nw = 0;
  while (*f) {
    if (*f == '(' || *f == ')' || *f == ' ') {
      f++;
    } else if (!strncmp(f, "AND ", 4)) {
      f += 4;
    } else if (*f == '"') {
      if (*nw == CH_MAX_TERMS) return 0;
      size_t n = 0;
      phr[*nw] = 0;
      for (f++;; f++) {
        if (!*f) return 0;
        if (*f == '"') {
          if (f[1] != '"') break;
          f++;
        }
        if (n == KH_MAX_TOKEN) return 0;
        if (*f == ' ') phr[*nw] = 1;
        w[*nw][n++] = *f;
      }
      f++;
      if (*f == ' ' && f[1] == '*') return 0; /* prefix */
      if (!n) return 0;
      w[*nw][n] = '\0';
      wl[(*nw)++] = n;
    } else {
      return 0; /* OR, NOT, * */
    }
  }
  return *nw > 0;
}

typedef struct one_tok {
  kh_token t;
  char norm[KH_MAX_TOKEN + 1];
  int n;
} one_tok;

static int take_tok(void *ctx, const kh_token *t) {
  one_tok *o = ctx;
  if (o->n++ || (t->flags & KH_TOKF_COLOC) || t->norm_len > KH_MAX_TOKEN) return 1;
  o->t = *t;
  memcpy(o->norm, t->norm, t->norm_len);
  o->norm[t->norm_len] = '\0';
  return 0;
}

/* The index term a query word matches: FTS5 gets the word and, colocated,
** its stem; every article position holding the word also holds the stem,
** so the word's rows and counts are exactly the stem's.  1: a key that
** may have a list; 2: a stopword (never counted, no list); 0: no key. */
static int key_of(const char *w, size_t wl, char *key, size_t *kl) {
  one_tok o = {.n = 0};
  if (kh_tokenize(w, wl, 0, take_tok, &o) != 0 || o.n != 1) return 0;
  *kl = o.t.norm_len;
  memcpy(key, o.norm, *kl + 1);
  if (o.t.kind == KH_TOK_WORD) {
    int n = kh_stem(o.norm, o.t.norm_len, key, KH_MAX_TOKEN + 1);
    if (n > 0) *kl = (size_t)n;
    else memcpy(key, o.norm, *kl + 1);
  }
  return kh_is_stopword(key, *kl) ? 2 : 1;
}

static int get_varint(const unsigned char *p, const unsigned char *end, uint64_t *v) {
  uint64_t x = 0;
  for (int i = 0; i < 9 && p + i < end; i++) {
    if (i == 8) {
      *v = (x << 8) | p[i];
      return 9;
    }
    x = (x << 7) | (p[i] & 0x7f);
    if (!(p[i] & 0x80)) {
      *v = x;
      return i + 1;
    }
  }
  return 0;
}

/* FTS5's row count and total tokens (its averages record): 0, KH_ENOTFOUND
** (no row indexed yet), or a code. */
static int fts_totals(kh_db *db, double *nrow, double *ntok) {
  sqlite3_stmt *st = kh__champ_stmt(db, S_AVG);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  int rc = src == SQLITE_DONE || src == SQLITE_ROW ? KH_ENOTFOUND : sql_rc(db->sql);
  if (src == SQLITE_ROW) {
    const unsigned char *p = sqlite3_column_blob(st, 0), *end = p + sqlite3_column_bytes(st, 0);
    uint64_t v, sum = 0;
    int k = p ? get_varint(p, end, &v) : 0;
    if (k) {
      *nrow = (double)v;
      for (p += k; p < end && (k = get_varint(p, end, &v)); p += k) sum += v;
      *ntok = (double)sum;
      rc = *nrow > 0 ? 0 : KH_ENOTFOUND;
    }
  }
  sqlite3_reset(st);
  return rc;
}

int kh__champ_totals(kh_db *db, double *nrow, double *ntok) { return fts_totals(db, nrow, ntok); }

typedef struct cand {
  int64_t doc; /* 0: empty slot */
  uint32_t dl;
  int32_t d[CH_MAX_TERMS]; /* weighted tf per query term, -1 unknown */
  double score, ub;
} cand;

/* d of term hash k in a forward row of nb bytes (fwdrow.c), or -1. */
static int32_t fwd_find(const unsigned char *p, size_t nb, uint32_t k) { return kh__fwd_find(p, nb, k); }

/* Article doc's forward row (terms) into c->frow: 0, KH_ENOTFOUND or a
** code.  During a search (c->searching) through one incremental-blob
** handle moved from row to row by sqlite3_blob_reopen: no statement
** stepped and reset, no cursor opened and closed per row (at 1M articles
** the reads of a slow 2-word query are hundreds of random rows).  Any
** failure of the handle (a row missing) closes it and the statement
** answers, as it does outside a search. */
static int fwd_get(kh_db *db, int64_t doc) {
  kh__champ *c = db->champ;
  int rc = 0;
  c->frow.len = 0;
  if (c->searching) {
    int src = c->fblob ? sqlite3_blob_reopen(c->fblob, doc)
                       : sqlite3_blob_open(db->sql, "main", "search_fwd", "terms", doc, 0, &c->fblob);
    if (src == SQLITE_OK) {
      int nb = sqlite3_blob_bytes(c->fblob);
      kh__buf_reserve(&c->frow, (size_t)nb, &rc);
      if (rc) return rc;
      if (sqlite3_blob_read(c->fblob, c->frow.data, nb, 0) == SQLITE_OK) {
        c->frow.len = (size_t)nb;
        return 0;
      }
    }
    sqlite3_blob_close(c->fblob);
    c->fblob = NULL;
  }
  sqlite3_stmt *st = kh__champ_stmt(db, S_FWD_GET);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW) {
    const void *p = sqlite3_column_blob(st, 0);
    if (p) kh__buf_append(&c->frow, p, (size_t)sqlite3_column_bytes(st, 0), &rc);
  }
  sqlite3_reset(st);
  return rc ? rc : src == SQLITE_ROW ? 0 : src == SQLITE_DONE ? KH_ENOTFOUND : sql_rc(db->sql);
}

int kh__champ_fwd_d(kh_db *db, int64_t doc, const char *term, size_t n, int32_t *d) {
  return kh__champ_fwd_ds(db, doc, &term, &n, 1, d);
}

int kh__champ_fwd_ds(kh_db *db, int64_t doc, const char *const *terms, const size_t *n, size_t nt, int32_t *d) {
  for (size_t i = 0; i < nt; i++) d[i] = -1;
  if (!db || !db->champ) return KH_EINVAL;
  int rc = fwd_get(db, doc);
  const kh__buf *f = &db->champ->frow;
  for (size_t i = 0; !rc && f->len && i < nt; i++)
    d[i] = fwd_find((const unsigned char *)f->data, f->len, h32(fnv(terms[i], n[i])));
  return rc;
}

/* 1 if article doc passes the filters (o NULL: none) and, with fts, FTS5
** matches it (the forward rows hold 32-bit hashes); 0 if not; or a code. */
static int keep_hit(kh_db *db, const char *fts, const kh_search_opts *o, const char *since,
                    const char *until, int64_t doc) {
  if (o && (o->source || since || until)) {
    sqlite3_stmt *st = kh__champ_stmt(db, S_ART);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_int64(st, 1, doc);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok && o->source) {
      const char *s = (const char *)sqlite3_column_text(st, 0);
      ok = s && !strcmp(s, o->source);
    }
    const char *p = (const char *)sqlite3_column_text(st, 1);
    if (ok && since) ok = p && strcmp(p, since) >= 0;
    if (ok && until) ok = p && strcmp(p, until) <= 0;
    sqlite3_reset(st);
    if (!ok) return 0;
  }
  if (!fts) return 1;
  sqlite3_stmt *st = kh__champ_stmt(db, S_VERIFY);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, doc);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_ROW ? 1 : src == SQLITE_DONE ? 0 : sql_rc(db->sql);
}

/* Hit (doc, sc) into out[0..*got), best first (score desc, rowid asc), at
** most k kept, if it ranks there and passes the filters: *at its index
** (via[] moved with out[] when given, via[*at] for the caller to set), or
** k when it does not go in.  0 or a code. */
static int place_hit(kh_db *db, const kh_search_opts *o, const char *since, const char *until,
                     kh__champ_hit *out, unsigned char *via, size_t *got, size_t k, int64_t doc, double sc,
                     size_t *at) {
  size_t i = *got;
  while (i > 0 && (out[i - 1].score < sc || (out[i - 1].score == sc && out[i - 1].rowid > doc))) i--;
  *at = k;
  if (i >= k) return 0;
  int keep = keep_hit(db, NULL, o, since, until, doc);
  if (keep <= 0) return keep;
  size_t last = *got < k ? (*got)++ : k - 1;
  memmove(out + i + 1, out + i, (last - i) * sizeof *out);
  if (via) memmove(via + i + 1, via + i, (last - i) * sizeof *via);
  out[i] = (kh__champ_hit){doc, sc};
  *at = i;
  return 0;
}

/* 1 if FTS5's query tokenizer turns "key" into the index term key alone
** (one token, itself, its own stem): then MATCH '"key"' has exactly the
** rows and positions of the word's phrase ({word, stem colocated}). */
static int key_alone(const char *key, size_t kl) {
  one_tok o = {.n = 0};
  if (kh_tokenize(key, kl, 0, take_tok, &o) != 0 || o.n != 1 || o.t.norm_len != kl || memcmp(o.norm, key, kl))
    return 0;
  if (o.t.kind != KH_TOK_WORD) return 1;
  char s[KH_MAX_TOKEN + 1];
  int n = kh_stem(key, kl, s, sizeof s);
  return n <= 0 || ((size_t)n == kl && !memcmp(s, key, kl));
}

int kh__champ_key_alone(const char *key, size_t kl) { return key_alone(key, kl); }

int kh__champ_is_key(const char *term, size_t n) { return is_key(term, n); }

static void quote(kh__buf *b, const char *s, size_t n, int *rc) {
  kh__buf_appendc(b, '"', rc);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') kh__buf_appendc(b, '"', rc);
    kh__buf_appendc(b, s[i], rc);
  }
  kh__buf_appendc(b, '"', rc);
}

typedef struct qterm {
  char key[KH_MAX_TOKEN + 1];
  size_t kl;
  double idf, bound, df, n, aref;
  int listed; /* has a list (state 1) */
  int plain;  /* key is an index term that may have a list; else the word's
              ** phrase is searched with its df counted by FTS5 (or the memo) */
} qterm;

/* ub desc, then doc asc (the order in which candidates are completed) */
static int cmp_ub(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->ub != y->ub) return x->ub > y->ub ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* The best k of the lists' candidates that hold every word and pass the
** filters, scored exactly, best first, into out[0..*got).  A candidate's
** words found in a list are known from it (d and length); a word whose
** list does not hold it weighs at most t.bound there (what the certificate
** assumes of every article outside the list), or, for a complete list
** (fewer than CH_R), is absent: the candidate is dropped unread.  So each
** candidate has an upper bound ub, and the candidates are completed from
** their forward rows in order of ub, only while ub can still reach the
** k-th score found and the certificate's bound (`cert`: below it the
** answer cannot be certified anyway, and the pass that follows prunes on
** its own), and at most `budget` rows a query (< 0: no limit; reaching it
** sets *short_: not certified, what was found only seeds the pass).  Each
** row is a random read (before, every candidate's row was read).  No
** budget (kh__champ_fwd_budget -1) is the default: at 1M articles the
** lists certified 23 of 300 2-word queries that way, and 2-word CPU p99
** was lower than with no row read (budget 0), which was better at 100k
** (docs/store.md, "Query latency").
** via[j] = 1: out[j] was completed from its forward row (hashes: FTS5
** must confirm it); 0: every word and d from the lists themselves, which
** FTS5 built or counted from the same tokens (exact, no check needed).
** *nread = forward rows read. */
static int list_top(kh_db *db, const qterm *t, size_t nw, double avgdl, double cert, const kh_search_opts *o,
                    const char *since, const char *until, size_t k, long budget, int64_t min_doc, size_t seeded,
                    kh__champ_hit *out, unsigned char *via, size_t *got, long *nread, int *short_) {
  size_t cap = 1, nl = 0;
  for (size_t i = 0; i < nw; i++) nl += t[i].listed;
  while (cap < 2 * CH_R * nl) cap *= 2;
  cand *cv = kh__calloc(cap, sizeof *cv);
  *got = seeded; /* out[0..seeded): scored already, best first (tiers.c) */
  memset(via, 0, seeded);
  *nread = 0;
  *short_ = 0;
  if (!cv) return KH_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < nw && !rc; i++) {
    if (!t[i].listed) continue;
    sqlite3_stmt *st = kh__champ_stmt(db, S_CH_GET);
    if (!st) {
      rc = sql_rc(db->sql);
      break;
    }
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
      int64_t doc = sqlite3_column_int64(st, 0);
      size_t j = (size_t)((uint64_t)doc * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
      while (cv[j].doc && cv[j].doc != doc) j = (j + 1) & (cap - 1);
      if (!cv[j].doc) {
        cv[j].doc = doc;
        cv[j].dl = (uint32_t)sqlite3_column_int64(st, 2);
        for (size_t m = 0; m < CH_MAX_TERMS; m++) cv[j].d[m] = -1;
      }
      cv[j].d[i] = (int32_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) rc = sql_rc(db->sql);
  }
  /* each candidate's bound: known words exactly, the others at their lists' bounds */
  size_t nc = 0;
  for (size_t j = 0; j < cap && !rc; j++) {
    if (!cv[j].doc || cv[j].doc < min_doc) continue;
    int dup = 0;
    for (size_t m = 0; m < seeded && !dup; m++) dup = out[m].rowid == cv[j].doc;
    if (dup) continue;
    cand x = cv[j];
    double ub = 0;
    int ok = 1;
    for (size_t i = 0; i < nw && ok; i++) {
      if (x.d[i] >= 0) {
        double d = (double)x.d[i];
        ub += t[i].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)x.dl / avgdl)));
      } else if (t[i].n < CH_R) {
        ok = 0; /* a complete list without it: the word is absent */
      } else {
        ub += t[i].bound < t[i].idf * (K1 + 1.0) ? t[i].bound : t[i].idf * (K1 + 1.0);
      }
    }
    if (!ok) continue;
    x.ub = ub;
    cv[nc++] = x;
  }
  qsort(cv, nc, sizeof *cv, cmp_ub);
  for (size_t j = 0; j < nc && !rc; j++) {
    cand x = cv[j];
    /* no candidate from here on can enter, or certify (1e-12: the bound's
    ** sums may round differently from the exact score's) */
    double need = cert;
    if (*got == k && out[k - 1].score > need) need = out[k - 1].score;
    if (x.ub * (1 + 1e-12) < need) break;
    int complete = 1;
    for (size_t i = 0; i < nw; i++) complete &= x.d[i] >= 0;
    unsigned char fwd = !complete;
    if (!complete && budget >= 0 && *nread >= budget) {
      *short_ = 1; /* not all read: the answer is not certified */
      break;
    }
    if (!complete) {
      int f = fwd_get(db, x.doc), ok = f == 0;
      if (f && f != KH_ENOTFOUND) {
        rc = f;
        break;
      }
      const kh__buf *fr = &db->champ->frow;
      for (size_t i = 0; i < nw && ok; i++)
        if (x.d[i] < 0)
          ok = (x.d[i] = fr->len ? fwd_find((const unsigned char *)fr->data, fr->len, h32(fnv(t[i].key, t[i].kl))) : -1) > 0;
      (*nread)++;
      if (!ok) continue;
    }
    /* bm25() of fts5_aux.c, term by term in query order (topk.c computes the same) */
    double sc = 0.0;
    for (size_t i = 0; i < nw; i++) {
      double d = (double)x.d[i];
      sc += t[i].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)x.dl / avgdl)));
    }
    size_t at;
    if ((rc = place_hit(db, o, since, until, out, via, got, k, x.doc, sc, &at)) || at == k) continue;
    via[at] = fwd;
  }
  kh_free(cv);
  return rc;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* ---- confirming a hit from its stored text ---- */

typedef struct has_ctx {
  const char *const *keys;
  const size_t *kl;
  size_t nt;
  unsigned need; /* bit i: keys[i] not found yet */
} has_ctx;

static void has_mark(has_ctx *h, const char *s, size_t n) {
  for (size_t i = 0; i < h->nt; i++)
    if ((h->need >> i & 1) && h->kl[i] == n && !memcmp(h->keys[i], s, n)) h->need &= ~(1u << i);
}

/* The index terms FTS5 got for a token (fts5.c emit_stem, default
** options): the token itself and, for a word, its light stem. */
static int has_tok(void *ctx, const kh_token *t) {
  has_ctx *h = ctx;
  has_mark(h, t->norm, t->norm_len);
  if (h->need && t->kind == KH_TOK_WORD) {
    char s[KH_MAX_TOKEN + 1];
    int n = kh_stem(t->norm, t->norm_len, s, sizeof s);
    if (n > 0) has_mark(h, s, (size_t)n);
  }
  return h->need ? 0 : 1; /* all found: stop */
}

int kh__champ_text_has(kh_db *db, int64_t doc, const char *const *keys, const size_t *kl, size_t nt) {
  if (!db || !db->champ || nt > 32) return KH_EINVAL;
  sqlite3_stmt *st = kh__champ_stmt(db, S_TEXT);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st), rc = 0;
  has_ctx h = {keys, kl, nt, nt == 32 ? ~0u : (1u << nt) - 1};
  for (int col = 0; src == SQLITE_ROW && col < 2 && h.need && !rc; col++) {
    const char *text = (const char *)sqlite3_column_text(st, col);
    int r = text ? kh_tokenize(text, (size_t)sqlite3_column_bytes(st, col), 0, has_tok, &h) : 0;
    if (r < 0) rc = r;
  }
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return src == SQLITE_DONE ? 0 : sql_rc(db->sql);
  return rc ? rc : h.need == 0;
}

int kh__champ_confirm_text = 1;

/* 1 if article doc holds every word of t[0..nw) as FTS5 indexed it: from
** its stored text (kh__champ_confirm_text) or FTS5 (MATCH fts AND rowid);
** 0 if not; or a code. */
static int confirm(kh_db *db, const char *fts, const qterm *t, size_t nw, int64_t doc) {
  if (!t || (!kh__champ_confirm_text && fts)) return keep_hit(db, fts, NULL, NULL, NULL, doc);
  const char *keys[CH_MAX_TERMS];
  size_t kl[CH_MAX_TERMS];
  for (size_t i = 0; i < nw; i++) keys[i] = t[i].key, kl[i] = t[i].kl;
  return kh__champ_text_has(db, doc, keys, kl, nw);
}

/* FTS5 confirms the hits h[0..n) whose rowid is in the sorted seeds[0..ns)
** (those completed from forward rows, which hold hashes; seeds NULL: all):
** 0 all match, 1 one does not, or a code. */
static int verify(kh_db *db, const char *fts, const qterm *t, size_t nw, const kh__champ_hit *h, size_t n,
                  const int64_t *seeds, size_t ns) {
  for (size_t i = 0; i < n; i++) {
    if (seeds && !bsearch(&h[i].rowid, seeds, ns, sizeof *seeds, cmp_i64)) continue;
    int ok = confirm(db, fts, t, nw, h[i].rowid);
    if (ok == 0) kh__champ_stat[KH__CHAMP_BADSEED]++;
    if (ok <= 0) return ok < 0 ? ok : 1;
  }
  return 0;
}

/* ---- a rare word ANDed with frequent ones: walked from the rare word ---- */

/* FTS5 answers "rare AND frequent" by seeking every frequent word's doclist
** in every segment of the index for each row of the rare word: at 1M
** articles a word in 405 articles ANDed with two words in 150-180k took
** 88 ms (docs/store.md).  The forward rows hold every word of an article
** with its d, so the AND can be walked from the rare word alone:
**   1. its rows from FTS5 (MATCH on that word only: its own short
**      doclist), each with its d and a lower bound of its length; their
**      count is its df (the idf as bm25() counts it);
**   2. each row's bound: the rare word's weight at that length bound plus
**      each frequent word at its list's best weight (scaled by the drift
**      of the average length, at most k1 + 1);
**   3. rows in order of the bound, each completed from one read of its
**      forward row (every word's d, the length): exact BM25 as bm25(); the
**      first row whose bound is below the k-th score ends it;
**   4. articles without forward rows (before fwd_all): the pruned pass
**      over FTS5, limited to those rowids, seeded with what was found;
**   5. the hits found through forward rows (hashes) confirmed (confirm:
**      from the stored text, or by FTS5 with kh__champ_confirm_text 0).
** Any surprise (a row without its forward row, the rare word's d not the
** forward row's, a hit FTS5 does not confirm, more than cap rows: at most
** kh__champ_drive_max, and kh__champ_drive_ratio times fewer than each
** other word's df) leaves the query to the usual pass (return 0).
** 1: out[0..*got) is the answer; 0: not answered; or a code. */
int kh__bound_row_cmp(const void *a, const void *b) {
  const kh__bound_row *x = a, *y = b;
  if (x->ub != y->ub) return x->ub > y->ub ? -1 : 1;
  return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static void word_expr(kh__buf *e, const qterm *t, const char *w, size_t wl, int *rc) {
  if (key_alone(t->key, t->kl)) quote(e, t->key, t->kl, rc);
  else quote(e, w, wl, rc);
}

static int drive_top(kh_db *db, const kh__query *q, qterm *t, char (*w)[KH_MAX_TOKEN + 1], const size_t *wl, size_t nw,
                     size_t drv, double nrow, double avgdl, double min_dl, int64_t fwd_all, const kh_search_opts *o,
                     const char *since, const char *until, size_t k, long cap, kh__champ_hit *out, size_t *got) {
  *got = 0;
  kh__buf e = {0};
  int rc = 0, answered = 0;
  kh__bound_row *rows = NULL;
  size_t nr = 0, cr = 0;
  int64_t df = 0;
  sqlite3_stmt *st = NULL;
  word_expr(&e, &t[drv], w[drv], wl[drv], &rc);
  kh__buf_appendc(&e, '\0', &rc);
  if (rc) goto out;
  const char *sql = "SELECT rowid, khabar_dlo(article_fts) FROM article_fts WHERE article_fts MATCH ?1";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) { /* registered on first use */
    st = NULL;
    if ((rc = kh__topk_register(db->sql))) goto out;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
      rc = sql_rc(db->sql);
      goto out;
    }
  }
  /* 1. the rare word's rows */
  sqlite3_bind_text(st, 1, e.data, -1, SQLITE_STATIC);
  double idf_rest = 0; /* the frequent words at their best */
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (++df > cap) break; /* not rare enough: the usual pass */
    int64_t doc = sqlite3_column_int64(st, 0);
    if (doc < fwd_all) continue;
    if (nr == cr) {
      size_t nc = cr ? 2 * cr : 256;
      kh__bound_row *x = kh__realloc(rows, nc * sizeof *x);
      if (!x) {
        rc = KH_ENOMEM;
        goto out;
      }
      rows = x, cr = nc;
    }
    int64_t v = sqlite3_column_int64(st, 1);
    double lo = (double)(v & 0xFFFFFFFF);
    rows[nr++] = (kh__bound_row){doc, lo < min_dl ? min_dl : lo, (int32_t)(v >> 32)};
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE) rc = sql_rc(db->sql);
  sqlite3_finalize(st);
  st = NULL;
  if (rc || src == SQLITE_ROW) goto out;
  double idf = log((nrow - (double)df + 0.5) / ((double)df + 0.5));
  t[drv].idf = idf <= 0.0 ? 1e-6 : idf;
  /* 2. bounds: the frequent words at their lists' best weight */
  for (size_t i = 0; i < nw; i++) {
    if (i == drv) continue;
    sqlite3_stmt *m = kh__champ_stmt(db, S_CH_MAX);
    if (!m) {
      rc = sql_rc(db->sql);
      goto out;
    }
    sqlite3_bind_text(m, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    double mw = K1 + 1.0;
    if (sqlite3_step(m) == SQLITE_ROW && sqlite3_column_type(m, 0) != SQLITE_NULL) {
      mw = sqlite3_column_double(m, 0) * (avgdl > t[i].aref && t[i].aref > 0 ? avgdl / t[i].aref : 1.0);
      if (!(t[i].aref > 0) || mw > K1 + 1.0) mw = K1 + 1.0;
    }
    sqlite3_reset(m);
    idf_rest += t[i].idf * mw;
  }
  for (size_t j = 0; j < nr; j++) {
    double d = (double)rows[j].n, lo = rows[j].ub;
    rows[j].ub = t[drv].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * lo / avgdl))) + idf_rest;
  }
  qsort(rows, nr, sizeof *rows, kh__bound_row_cmp);
  /* 3. in order of the bound, from the forward rows */
  for (size_t j = 0; j < nr && !rc; j++) {
    if (*got == k && rows[j].ub * (1 + 1e-12) < out[k - 1].score) break;
    sqlite3_stmt *f = kh__champ_stmt(db, S_FWD_DL);
    if (!f) {
      rc = sql_rc(db->sql);
      break;
    }
    sqlite3_bind_int64(f, 1, rows[j].rowid);
    if (sqlite3_step(f) != SQLITE_ROW) { /* no forward row: the usual pass */
      sqlite3_reset(f);
      goto out;
    }
    kh__champ_drive_read++;
    double dl = (double)sqlite3_column_int64(f, 0);
    const unsigned char *p = sqlite3_column_blob(f, 1);
    size_t nb = (size_t)sqlite3_column_bytes(f, 1);
    int32_t d[CH_MAX_TERMS];
    int ok = 1;
    for (size_t i = 0; i < nw; i++) d[i] = p ? fwd_find(p, nb, h32(fnv(t[i].key, t[i].kl))) : -1;
    sqlite3_reset(f);
    if (d[drv] != rows[j].n) goto out; /* the row disagrees with FTS5: the usual pass */
    for (size_t i = 0; i < nw; i++) ok &= d[i] > 0;
    if (!ok) continue;
    double sc = 0.0; /* bm25() of fts5_aux.c, term by term in query order (topk.c computes the same) */
    for (size_t i = 0; i < nw; i++)
      sc += t[i].idf * (((double)d[i] * (K1 + 1.0)) / ((double)d[i] + K1 * (1 - B + B * dl / avgdl)));
    size_t at;
    rc = place_hit(db, o, since, until, out, NULL, got, k, rows[j].rowid, sc, &at);
  }
  if (rc) goto out;
  /* 5. (before 4, which adds rows FTS5 found itself) FTS5 confirms the hits */
  int64_t seeds[CH_MAX_LIMIT];
  for (size_t j = 0; j < *got; j++) seeds[j] = out[j].rowid;
  qsort(seeds, *got, sizeof *seeds, cmp_i64);
  if ((rc = verify(db, q->fts, t, nw, out, *got, NULL, 0)) != 0) {
    if (rc > 0) rc = 0; /* a hash of another word answered: the usual pass */
    goto out;
  }
  /* 4. the articles without forward rows */
  if (fwd_all > 1) {
    e.len = 0;
    kh__topk_req r = {.min_dl = min_dl, .source = o->source, .since = since, .until = until, .k = k,
                      .skip = seeds, .nskip = *got, .rowid_lo = 0, .rowid_hi = fwd_all, .nterms = nw};
    for (size_t i = 0; i < nw; i++) {
      if (i) kh__buf_appends(&e, " AND ", &rc);
      word_expr(&e, &t[i], w[i], wl[i], &rc);
      r.idf[i] = t[i].idf;
    }
    kh__buf_appendc(&e, '\0', &rc);
    if (rc) goto out;
    r.expr = e.data;
    if ((rc = kh__topk_scan(db, &r, out, got, NULL))) {
      if (rc == KH_ETOOBIG) rc = 0;
      goto out;
    }
  }
  answered = 1;
out:
  sqlite3_finalize(st);
  kh__buf_free(&e);
  kh_free(rows);
  if (!answered) *got = 0;
  return rc ? rc : answered;
}

int kh__champ_list_fill(kh_db *db, const char *const *keys, const size_t *kl, size_t nw, const double *idf,
                        double avgdl, int64_t min_doc, const char *source, const char *since, const char *until,
                        kh__champ_hit *heap, size_t n, size_t k, int *done) {
  *done = 0;
  if (!db || !db->champ || nw < 1 || nw > CH_MAX_TERMS || n > k || k > CH_MAX_LIMIT) return KH_EINVAL;
  qterm *t = kh__malloc(nw * sizeof *t);
  if (!t) return KH_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < nw && !rc; i++) {
    if (kl[i] > KH_MAX_TOKEN) {
      rc = KH_EINVAL;
      break;
    }
    memcpy(t[i].key, keys[i], kl[i]);
    t[i].key[kl[i]] = '\0';
    t[i].kl = kl[i];
    t[i].idf = idf[i];
    sqlite3_stmt *st = kh__champ_stmt(db, S_TERM_GET);
    if (!st) {
      rc = sql_rc(db->sql);
      break;
    }
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src = sqlite3_step(st);
    t[i].listed = src == SQLITE_ROW && sqlite3_column_int(st, 4) == 1;
    if (t[i].listed) {
      t[i].df = (double)sqlite3_column_int64(st, 0);
      t[i].n = (double)sqlite3_column_int64(st, 1);
      double floor = sqlite3_column_double(st, 2), aref = sqlite3_column_double(st, 3);
      t[i].aref = aref;
      t[i].bound = t[i].n < CH_R ? -INFINITY : t[i].idf * floor * (avgdl > aref ? avgdl / aref : 1.0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) rc = sql_rc(db->sql);
    else if (!t[i].listed) rc = KH_ENOTFOUND;
  }
  kh__champ_hit out[CH_MAX_LIMIT];
  unsigned char via[CH_MAX_LIMIT];
  int64_t fwdrow[CH_MAX_LIMIT];
  size_t got = 0, nfwd = 0;
  long nread = 0;
  int short_ = 0;
  kh_search_opts o = {0};
  o.source = source;
  memcpy(out, heap, n * sizeof *heap);
  if (!rc)
    rc = list_top(db, t, nw, avgdl, -INFINITY, &o, since, until, k, -1, min_doc, n, out, via, &got, &nread, &short_);
  kh__champ_fwd_read += nread;
  for (size_t j = 0; !rc && j < got; j++)
    if (via[j]) fwdrow[nfwd++] = out[j].rowid;
  qsort(fwdrow, nfwd, sizeof *fwdrow, cmp_i64);
  if (!rc && !short_ && got == k && (rc = verify(db, NULL, t, nw, out, got, fwdrow, nfwd)) == 0) {
    memcpy(heap, out, got * sizeof *heap);
    *done = 1;
  }
  kh_free(t);
  return rc == KH_ENOTFOUND || rc > 0 ? 0 : rc;
}

/* The memo of counted dfs holds while the file is the one they were counted
** in: no commit by another connection (data_version), no change through
** this one (total_changes), the same FTS5 totals; else it is emptied. */
static int df_memo_check(kh_db *db, double nrow, double ntok) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = kh__champ_stmt(db, S_DATAVER);
  if (!st) return sql_rc(db->sql);
  int64_t now[4] = {-1, sqlite3_total_changes64(db->sql), (int64_t)nrow, (int64_t)ntok};
  if (sqlite3_step(st) == SQLITE_ROW) now[0] = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (now[0] < 0) return sql_rc(db->sql);
  if (memcmp(now, c->dfm_stamp, sizeof now)) {
    for (size_t i = 0; i < CH_DF_MEMO; i++) c->dfm[i].n = 0;
    memcpy(c->dfm_stamp, now, sizeof now);
  }
  return 0;
}

static int64_t df_memo_get(const kh__champ *c, const char *text, size_t n) {
  for (size_t i = 0; i < CH_DF_MEMO; i++)
    if (c->dfm[i].n == n && !memcmp(c->dfm[i].text, text, n)) return c->dfm[i].df;
  return -1;
}

static void df_memo_put(kh__champ *c, const char *text, size_t n, int64_t df) {
  if (!n || n > KH_MAX_TOKEN || df_memo_get(c, text, n) >= 0) return;
  size_t i = c->dfm_next++ % CH_DF_MEMO; /* the oldest goes */
  memcpy(c->dfm[i].text, text, n);
  c->dfm[i].n = n;
  c->dfm[i].df = df;
}

/* A word in most articles (df >= kh__champ_drop_share of them; bm25()
** floors the idf of one in more than half at 1e-6) adds next to nothing
** to a score, but FTS5's AND walks its doclist too (at 1M articles
** پاکستان's is 775k rows, most of a 3-word query's walk).  So the articles
** from fwd_all on (every one has a forward row) get one pruned pass over
** the AND of the other words: each row is bounded at its length with the
** words left out at their most (idf·(k1 + 1)), and a row that may still
** enter reads their d from its forward row (topk.c fwd_row): a word
** absent, the row is no match; else it gets its exact score.  The
** forward rows hold hashes, so the hits found so are confirmed (from their
** text, as the lists' hits) before they are the answer; a hit not
** confirmed, or a forward row missing, sends the query to the usual pass
** (seeds restored).  Articles before fwd_all get the usual pass.  The
** share: the AND of the other words holds up to 1/share times the rows,
** each read by the auxiliary function; at 1M recombined articles a word in
** 57% of them (ٹیم: ٹیم بی ڈالر walked 104,546 rows instead of 70,068) saved
** nothing, those in 61-78% (پی, مطابق, پاکستان) did.  1: answered into
** out[0..*n), 0: not for this, or a negative code. */
double kh__champ_drop_share = 0.6;
long kh__champ_drop_stat[3]; /* queries answered so, forward rows they read, queries that fell back */

typedef struct drop_ctx {
  kh_db *db;
  const char *keys[CH_MAX_TERMS];
  size_t kl[CH_MAX_TERMS], n;
} drop_ctx;

static int drop_ds(void *ctx, int64_t row, int32_t *d) {
  drop_ctx *x = ctx;
  return kh__champ_fwd_ds(x->db, row, x->keys, x->kl, x->n, d);
}

static int drop_pass(kh_db *db, const kh__query *q, const qterm *t, const char (*w)[KH_MAX_TOKEN + 1],
                     const size_t *wl, size_t nw, const kh__topk_req *req, double nrow, kh__champ_hit *out, size_t *n) {
  if (!(kh__champ_drop_share > 0) || nw < 2 || nw > KH__TOPK_MAX_TERMS || req->k > CH_MAX_LIMIT) return 0;
  size_t nd = 0;
  for (size_t i = 0; i < nw; i++) {
    if (!t[i].plain || isnan(req->idf[i])) return 0;
    nd += t[i].listed && t[i].df >= kh__champ_drop_share * nrow;
  }
  if (!nd || nd == nw) return 0;
  int64_t fwd_all = 0;
  int rc = kh__champ_meta_get(db, "fwd_all", 0, &fwd_all);
  if (rc || fwd_all <= 0) return rc;
  kh__champ_hit keep[CH_MAX_LIMIT];
  int64_t skip[CH_MAX_LIMIT];
  size_t nkeep = *n;
  memcpy(keep, out, nkeep * sizeof *out);
  kh__topk_req r = *req;
  r.counted = NULL;
  if (fwd_all > 1) { /* articles without forward rows: the usual pass */
    r.rowid_lo = 1;
    r.rowid_hi = fwd_all;
    if ((rc = kh__topk_scan(db, &r, out, n, NULL))) goto fail;
  }
  drop_ctx dc = {.db = db};
  kh__topk_fwd f = {.nw = nw, .ds = drop_ds, .ctx = &dc};
  kh__buf e = {0};
  size_t np = 0;
  for (size_t i = 0; i < nw; i++) {
    f.idf[i] = req->idf[i];
    if (t[i].listed && t[i].df >= kh__champ_drop_share * nrow) {
      f.phrase[i] = -1;
      f.rest += req->idf[i] * (K1 + 1.0);
      dc.keys[dc.n] = t[i].key, dc.kl[dc.n++] = t[i].kl;
      continue;
    }
    if (np) kh__buf_appends(&e, " AND ", &rc);
    if (key_alone(t[i].key, t[i].kl)) quote(&e, t[i].key, t[i].kl, &rc);
    else quote(&e, w[i], wl[i], &rc);
    r.idf[np] = req->idf[i];
    f.phrase[i] = (int)np++;
  }
  kh__buf_appendc(&e, '\0', &rc);
  if (!rc) {
    for (size_t j = 0; j < *n; j++) skip[j] = out[j].rowid;
    qsort(skip, *n, sizeof *skip, cmp_i64);
    r.expr = e.data;
    r.nterms = np;
    r.skip = skip;
    r.nskip = *n;
    r.rowid_lo = fwd_all;
    r.rowid_hi = 0;
    r.fwd = &f;
    rc = kh__topk_scan(db, &r, out, n, NULL);
  }
  kh__buf_free(&e);
  kh__champ_drop_stat[1] += f.reads;
  if (rc || f.missing) goto fail;
  /* confirm the hits this pass found (the seeds are the caller's) */
  for (size_t j = 0; j < *n; j++) {
    int seed = out[j].rowid < fwd_all;
    for (size_t m = 0; m < nkeep && !seed; m++) seed = keep[m].rowid == out[j].rowid;
    if (seed) continue;
    int has = confirm(db, q->fts, t, nw, out[j].rowid);
    if (has <= 0) {
      rc = has;
      goto fail;
    }
  }
  kh__champ_drop_stat[0]++;
  return 1;
fail: /* the usual pass, from the seeds */
  memcpy(out, keep, nkeep * sizeof *out);
  *n = nkeep;
  if (rc == KH_ETOOBIG) rc = 0;
  if (!rc) kh__champ_drop_stat[2]++;
  return rc;
}

int kh__champ_topk(kh_db *db, const kh__query *q, const kh_search_opts *o, const char *since,
                   const char *until, size_t k, kh__champ_hit *out, size_t *nout) {
  *nout = 0;
  kh__champ *c = db->champ;
  if (!c || db->in_txn || k == 0 || k > CH_MAX_LIMIT || getenv("KHABAR_NO_CHAMP")) return 0;
  char(*w)[KH_MAX_TOKEN + 1] = kh__malloc(CH_MAX_TERMS * sizeof *w);
  qterm *t = kh__malloc(CH_MAX_TERMS * sizeof *t);
  kh__buf expr = {0};
  int64_t skip[CH_MAX_LIMIT], fwdrow[CH_MAX_LIMIT]; /* seeds; those completed from forward rows */
  unsigned char via[CH_MAX_LIMIT];
  size_t nfwd = 0;
  size_t wl[CH_MAX_TERMS], nw = 0, got = 0;
  int rc = !w || !t ? KH_ENOMEM : 0, answered = 0, words = 0, nlisted = 0;
  int64_t fwd_from = 0;
  double nrow = 0, ntok = 0, bound = 0;
  if (rc) goto done;
  c->searching = 1; /* forward rows through one blob handle (fwd_get) until done */
  if ((rc = kh__champ_meta(db, NULL, NULL, &fwd_from, NULL))) goto done;
  int64_t min_dl = fwd_from <= 1 && c->min_dl > 0 ? c->min_dl : 0;
  if ((rc = fts_totals(db, &nrow, &ntok))) {
    if (rc == KH_ENOTFOUND) rc = 0; /* an empty index: FTS5 says so */
    goto done;
  }
  double avgdl = ntok / nrow;
  /* plain words ANDed, each one index term: their dfs and lists are known */
  unsigned char phr[CH_MAX_TERMS];
  words = and_words(q->fts, w, wl, phr, &nw);
  /* a word that is a phrase (split by the tokenizer), or whose key is a
  ** stopword (never counted), has no list and no kept df: it is searched
  ** as itself (a stopword key as the key alone, the same rows and
  ** positions), its df counted by FTS5 or found in the memo, while the
  ** other words keep theirs */
  for (size_t i = 0; words && i < nw; i++) {
    int kind = phr[i] ? 0 : key_of(w[i], wl[i], t[i].key, &t[i].kl);
    t[i].plain = kind == 1;
    t[i].listed = 0;
    t[i].idf = NAN;
    t[i].bound = INFINITY;
    t[i].df = t[i].n = t[i].aref = 0;
    if (kind != 1 && (kind != 2 || !key_alone(t[i].key, t[i].kl))) { /* the word's own string */
      memcpy(t[i].key, w[i], wl[i] + 1);
      t[i].kl = wl[i];
    }
  }
  for (size_t i = 0; words && i < nw; i++) {
    if (!t[i].plain) {
      bound += t[i].bound;
      continue;
    }
    sqlite3_stmt *st = kh__champ_stmt(db, S_TERM_GET);
    if (!st) {
      rc = sql_rc(db->sql);
      goto done;
    }
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src = sqlite3_step(st), state = 0;
    double df = 0, n = 0, floor = 0, aref = 0;
    if (src == SQLITE_ROW) {
      df = (double)sqlite3_column_int64(st, 0);
      n = (double)sqlite3_column_int64(st, 1);
      floor = sqlite3_column_double(st, 2);
      aref = sqlite3_column_double(st, 3);
      state = sqlite3_column_int(st, 4);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
      rc = sql_rc(db->sql);
      goto done;
    }
    /* df is exact at every commit for terms with a list (state 1), when
    ** every article went through champ.c (fwd_from <= 1) */
    double idf = log((nrow - df + 0.5) / (df + 0.5));
    t[i].listed = fwd_from <= 1 && state == 1 && is_key(t[i].key, t[i].kl);
    t[i].idf = !t[i].listed ? NAN : idf <= 0.0 ? 1e-6 : idf;
    t[i].df = df;
    t[i].n = n;
    t[i].aref = aref;
    nlisted += t[i].listed;
    /* an article outside the list: weight <= floor at aref, and BM25 grows
    ** at most linearly with avgdl; a list shorter than CH_R is complete */
    t[i].bound = !t[i].listed ? INFINITY : n < CH_R ? -INFINITY : t[i].idf * floor * (avgdl > aref ? avgdl / aref : 1.0);
    bound += t[i].bound;
  }
  /* words ANDed, every one with a block-max list (kh_db_optimize built
  ** them), or all but one word, whose rows FTS5 gives (at most
  ** kh__bm_drive_max): the articles up to the lists' mark from them
  ** (blockmax.c), those after it by the pass below (rowid > mark) */
  int bm = 0, bm_more = 0;
  int64_t bm_mark = 0;
  unsigned char bmo[CH_MAX_TERMS] = {0}; /* a word without a champion list whose key has a block-max list */
  double bidf[CH_MAX_TERMS];
  int nbmo = 0;
  if (words && nw >= (size_t)kh__bm_min_words && fwd_from <= 1 && !o->source && !since && !until && kh__bm_use) {
    /* a word searched as its key has exactly the key's rows and counts: a
    ** frequent key without a champion list (a stopword, or counted without
    ** one) may have a block-max list.  Only a key FTS5 keeps as itself, so
    ** that its rows after the mark are MATCH '"key"''s (kh__bm_df) */
    for (size_t i = 0; i < nw && nlisted < (int)nw; i++) {
      if (t[i].listed || !key_alone(t[i].key, t[i].kl)) continue;
      double df = 0;
      int r = kh__bm_df(db, &c->bm, t[i].key, t[i].kl, nrow, &df);
      if (r < 0) {
        rc = r;
        goto done;
      }
      if (r) {
        double x = log((nrow - df + 0.5) / (df + 0.5));
        bidf[i] = x <= 0.0 ? 1e-6 : x;
        bmo[i] = 1;
        nbmo++;
      }
    }
  }
  if (words && nw >= (size_t)kh__bm_min_words && fwd_from <= 1 && nlisted + nbmo >= (int)nw - 1 && !o->source && !since &&
      !until && kh__bm_use) {
    const char *keys[CH_MAX_TERMS];
    size_t kls[CH_MAX_TERMS];
    double idfs[CH_MAX_TERMS];
    int rare = -1;
    kh__buf re = {0};
    for (size_t i = 0; i < nw; i++) {
      keys[i] = t[i].key, kls[i] = t[i].kl, idfs[i] = bmo[i] ? bidf[i] : t[i].idf;
      if (!t[i].listed && !bmo[i]) rare = (int)i;
    }
    if (rare >= 0) {
      word_expr(&re, &t[rare], w[rare], wl[rare], &rc);
      kh__buf_appendc(&re, '\0', &rc);
    }
    if (!rc)
      bm = kh__bm_topk(db, &c->bm, keys, kls, idfs, nw, rare, rare >= 0 ? re.data : NULL, nrow, avgdl, k, out, &got,
                       &bm_mark, &bm_more);
    kh__buf_free(&re);
    if (rc || bm < 0) {
      if (!rc) rc = bm;
      goto done;
    }
    if (bm && rare >= 0) t[rare].idf = idfs[rare];
    for (size_t i = 0; bm && i < nw; i++)
      if (bmo[i]) t[i].idf = bidf[i]; /* the pass after the mark scores with it */
    if (bm && nbmo) kh__bm_stat[KH__BM_EXTRA]++;
    if (!bm) got = 0;
  }
  /* one rare word ANDed with frequent ones (every other word has a list):
  ** walked from the rare word, completed from forward rows */
  if (!bm && words && nw >= 2 && fwd_from <= 1 && nlisted == (int)nw - 1 && kh__champ_drive_max > 0) {
    size_t drv = 0;
    while (t[drv].listed) drv++;
    if (t[drv].plain) {
    int64_t fwd_all = 0;
    if ((rc = kh__champ_meta_get(db, "fwd_all", 0, &fwd_all))) goto done;
    /* the walk costs a random read per row of the rare word; FTS5's AND
    ** reads the other words' doclists (seeking them in every segment): the
    ** walk pays when they are far longer */
    double cap = (double)kh__champ_drive_max;
    for (size_t i = 0; i < nw; i++)
      if (i != drv && t[i].df / kh__champ_drive_ratio < cap) cap = t[i].df / kh__champ_drive_ratio;
    if (fwd_all > 0 && cap >= 1 && is_key(t[drv].key, t[drv].kl)) {
      int a = drive_top(db, q, t, w, wl, nw, drv, nrow, avgdl, (double)min_dl, fwd_all, o, since, until, k, (long)cap, out,
                        &got);
      if (a < 0) {
        rc = a;
        goto done;
      }
      if (a > 0) {
        kh__champ_stat[KH__CHAMP_EXACT]++;
        kh__champ_stat[KH__CHAMP_DRIVE]++;
        *nout = got;
        answered = 1;
        goto done;
      }
      got = 0;
    }
    }
  }
  /* the lists, when every word has one and they can be expected to hold
  ** 2k articles with every word (independence; one word: always): their
  ** best k that pass the filters (and FTS5's own AND, the forward rows
  ** holding 32-bit hashes) are exact; certified when nothing outside the
  ** lists can score as high */
  if (!bm && words && nlisted == (int)nw) {
    double expect = 0, work = 0;
    for (size_t i = 0; i < nw; i++) {
      work += t[i].df;
      double e = t[i].n;
      for (size_t j = 0; j < nw; j++) e *= j == i ? 1.0 : t[j].df / nrow;
      expect += e;
    }
    if (nw == 1 || (expect >= 2.0 * (double)k && work >= CH_SEED_WORK * (double)c->t)) {
      long nread = 0;
      int short_ = 0;
      if ((rc = list_top(db, t, nw, avgdl, bound, o, since, until, k, nw == 1 ? -1 : kh__champ_fwd_budget, 0, 0, out, via,
                         &got, &nread, &short_)))
        goto done;
      kh__champ_fwd_read += nread;
      for (size_t j = 0; j < got; j++)
        if (via[j]) fwdrow[nfwd++] = out[j].rowid;
      qsort(fwdrow, nfwd, sizeof *fwdrow, cmp_i64);
      if (!short_ && got == k && out[k - 1].score >= bound) {
        if ((rc = verify(db, q->fts, t, nw, out, got, fwdrow, nfwd)) < 0) goto done;
        if (rc == 0) {
          kh__champ_stat[KH__CHAMP_EXACT]++;
          *nout = got;
          answered = 1;
          goto done;
        }
        rc = 0;
        got = nfwd = 0; /* a forward hash lied: no seeds */
      }
      kh__champ_stat[KH__CHAMP_UNCERT]++; /* the lists were read, the pass follows */
    }
  }
  /* otherwise one pass over FTS5's matches (topk.c), pruned from the seeds'
  ** k-th score; plain words are searched as their index terms */
  kh__topk_req r = {.min_dl = (double)min_dl, .source = o->source, .since = since, .until = until, .k = k,
                    .skip = skip, .nskip = got};
  double counted[CH_MAX_TERMS];
  int memo = 0;
  if (words) {
    r.nterms = nw;
    for (size_t i = 0; i < nw; i++) {
      if (i) kh__buf_appends(&expr, " AND ", &rc);
      if (!t[i].plain || key_alone(t[i].key, t[i].kl)) quote(&expr, t[i].key, t[i].kl, &rc);
      else quote(&expr, w[i], wl[i], &rc);
      r.idf[i] = t[i].idf;
      counted[i] = -1;
      if (!t[i].plain && kh__champ_df_memo) {
        if (!memo && (rc = df_memo_check(db, nrow, ntok)) != 0) goto done;
        memo = 1;
        int64_t df = df_memo_get(c, t[i].key, t[i].kl);
        kh__champ_df_stat[df >= 0]++;
        if (df >= 0) { /* as topk.c counts it */
          double idf = log((nrow - (double)df + 0.5) / ((double)df + 0.5));
          r.idf[i] = idf <= 0.0 ? 1e-6 : idf;
        }
      }
    }
    r.counted = memo ? counted : NULL;
    kh__buf_appendc(&expr, '\0', &rc);
    if (rc) goto done;
    r.expr = expr.data;
  } else {
    r.expr = q->fts;
  }
  for (size_t j = 0; j < got; j++) skip[j] = out[j].rowid;
  qsort(skip, got, sizeof *skip, cmp_i64);
  size_t n = got;
  int tiered = 0;
  if (bm) { /* the rest: articles after the mark */
    tiered = !bm_more;
    r.rowid_lo = bm_mark + 1;
  } else if (words && nw >= 2 && nlisted == (int)nw) { /* frequent words: the impact tiers (tiers.c) */
    const char *keys[CH_MAX_TERMS];
    size_t kls[CH_MAX_TERMS];
    double dfs[CH_MAX_TERMS];
    for (size_t i = 0; i < nw; i++) keys[i] = t[i].key, kls[i] = t[i].kl, dfs[i] = t[i].df;
    tiered = kh__tier_topk(db, &r, keys, kls, dfs, nw, avgdl, out, &n);
  }
  if (!tiered && words && !bm) tiered = drop_pass(db, q, t, (const char(*)[KH_MAX_TOKEN + 1])w, wl, nw, &r, nrow, out, &n);
  rc = tiered < 0 ? tiered : tiered ? 0 : kh__topk_scan(db, &r, out, &n, NULL);
  if (!rc && nfwd && (rc = verify(db, q->fts, t, nw, out, n, fwdrow, nfwd)) > 0) { /* a seed was no match */
    r.nskip = n = 0;
    rc = kh__topk_scan(db, &r, out, &n, NULL);
  }
  if (rc == KH_ETOOBIG) { /* too many phrases: FTS5 ranks it */
    rc = 0;
    goto done;
  }
  if (rc) goto done;
  for (size_t i = 0; memo && i < nw; i++)
    if (!t[i].plain && counted[i] >= 0) df_memo_put(c, t[i].key, t[i].kl, (int64_t)counted[i]);
  kh__champ_stat[KH__CHAMP_EXACT]++;
  kh__champ_stat[KH__CHAMP_SCAN]++;
  *nout = n;
  answered = 1;
done:
  c->searching = 0;
  sqlite3_blob_close(c->fblob);
  c->fblob = NULL;
  if (!answered) {
    *nout = 0;
    if (!rc) kh__champ_stat[KH__CHAMP_SHORT]++;
  }
  kh_free(w);
  kh_free(t);
  kh__buf_free(&expr);
  return rc ? rc : answered;
}
