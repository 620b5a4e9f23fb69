/*
** rerank.c — second-stage scoring of kh_search's best BM25 candidates, the
** way a search engine re-scores its top documents.  BM25 scores every query
** word on its own and only by exact index terms, so (1) an article that has
** the words of the query side by side ranks no higher than one where they
** lie scattered, and (2) a word the user spelled differently from the
** article (ملایئشیا / ملائیشیا، بلائنڈ / بلائینڈ) or wrote fused with its
** neighbour (پرکرن for پر کرن) counts for nothing.  The best RERANK depth
** candidates are read again (title and the lead of the body), get the
** features KH__RR_F* (store.h) and are re-sorted by their weighted sum
** (weights in rerank_model.h, written by tools/train_rerank.py).  The
** features that carry weight now:
**
**   bm25 (weight 1) + w_prox * sum over pairs of distinct query phrases (i, j)
**                           min(idf_i, idf_j) * (k1 + 1) acc_ij / (acc_ij + K)
**                + w_lead  * sum of idf_i of the phrases found in title or lead
**                + w_fuzzy * sum of idf_i of the words found there only in
**                            another spelling (one edit apart, or fused)
**                + w_skel  * sum over the words found there only under the
**                            same consonant skeleton (kh_skeleton: انجیلو /
**                            اینجلو، ٹرفی / ٹرافی; a leading alef before s +
**                            consonant dropped: اسٹاک / سٹاک) of the BM25
**                            weight those occurrences would have had
**                            (idf_i, title x4, k1 1.2, b 0.75, the length read)
**                + w_gram  * the share of the query's letter trigrams (its
**                            words run together) found in the title's
**                + w_len   * log(1 + the body's length in bytes)
**                + w_tfrac * the share of the title's words that are query words
**                + w_num   * the share of the query's numbers (digits, or a
**                            number word: آٹھ = 8) found in the title or
**                            anywhere in the body; the shipped one (FNUMU)
**                            also matches a number before a unit word by
**                            its value (5 ملین = 50 لاکھ), and a number
**                            with a fraction by its integer part or
**                            rounded (268.36 = 268, 102.95 = 103)
**
** The first five weights were set by hand (earlier sessions: w_prox, w_lead
** and w_fuzzy chosen on the even COUNTER pairs, w_skel 1 by definition) and
** are kept fixed; the trainer learns w_gram, w_len, w_tfrac and w_num on
** top of them by coordinate ascent on MRR@10, the title weights capped at 5,
** 5-fold cross-validated on COUNTER (which number share, by inner CV in
** each fold).  The other features
** (coverage shares, title BM25, first sentence, in-order pairs, values
** relative to the best candidate, ...) are computed and dumped for the
** trainer; they came out at weight 0.
**
** acc_ij sums 1/d^2 over the places where i and j occur d <= window tokens
** apart in the same column (BM25TP, Rasolofo & Savoy 2003; a title pair
** counts w_title times, a pair in the query's order 1 + w_order times), and K
** is k1 (a lead has a fixed size, so no length normalisation).  Stopwords (a headline's کے، نے، میں) have an
** idf near zero, so they add nothing.  Re-scored candidates stay above the
** ones below the depth (shifted up if a learned weight would put them below).
**
** The candidates' words are matched as FTS5 matches them: the same
** tokenizer (kh_tokenize), a word or its light stem against the query word
** or its stem.  The idf of each query phrase comes from FTS5 once per query
** (the auxiliary function khabar_rr, xQueryPhrase).  Weights: see above
** (bench/store_counter.c, docs/store.md).
**
**   kh__cand c[100]; ...               // rowid + BM25 (higher is better)
**   kh__rerank(db, &q, c, n);          // c re-scored and re-sorted
*/
#include "store.h"

#include "rerank_model.h"

#include <math.h>
#include <stdlib.h>

#define RR_MAXP 64       /* query phrases considered */
#define RR_MAXQT 256     /* query tokens considered */
#define RR_MAXTITLE 128  /* title tokens read */
#define RR_MAXCP 48      /* code points compared for spelling variants */
#define RR_SKCACHE 4096  /* skeletons remembered per query (a power of two) */
#define RR_MAXGRAM 1024  /* letter trigrams of the query or a title considered */
#define RR_MAXNUM 32     /* numbers of the query considered */
/* BM25 as the first stage ranks (the schema's rank: bm25(4.0, 1.0), FTS5's
** k1 and b), for words matched by skeleton */
#define RR_TITLE_TF 4.0
#define RR_BM25_K1 1.2
#define RR_BM25_B 0.75
#define RR_AVG_TITLE 16.0 /* title length taken as average for the title's own BM25 */

/* depth, w_title, w_order, window, k1, lead: lead and window chosen on the
** even-numbered COUNTER pairs (an earlier session), the rest set, not tuned;
** the feature weights from rerank_model.h. */
#define RR_DEFAULTS {KH__RR_DEPTH, 4.0, 0.5, 5, 1.2, 200, KH__RR_MODEL, NULL, NULL}
static const kh__rr_params RR_DEFAULT = RR_DEFAULTS;
static kh__rr_params g_params = RR_DEFAULTS;

void kh__rerank_tune(const kh__rr_params *p) { g_params = p ? *p : RR_DEFAULT; }

const kh__rr_params *kh__rerank_params(void) { return &g_params; }

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

typedef struct rr_qtok {
  uint64_t h, sh; /* hash of the normalized form and of its stem */
} rr_qtok;

typedef struct rr_phrase {
  int first, ntok;  /* tokens in qtok[] */
  int prefix;       /* "x" * */
  int positive;     /* not under NOT */
  const char *text; /* the phrase's one word (in the query copy), for variants */
  size_t len;
  const char *words; /* all its words without the spaces (in the query copy) */
  size_t wlen;
  double idf;
  uint64_t skel;    /* hash of the word's consonant skeleton (0: none) */
} rr_phrase;

typedef struct rr_dtok {
  uint64_t h, sh;
  uint64_t skel;     /* hash of its consonant skeleton, filled when needed (0: none) */
  uint32_t off, len; /* normalized form in norms */
  uint32_t cpo, ncp; /* its code points in cpbuf (filled when needed) */
  int pos;           /* token position in its column (colocated forms share one) */
  uint8_t col, kind, coloc; /* coloc: another form at the previous token's place */
} rr_dtok;

typedef struct rr_inst {
  int phrase, col, off;
} rr_inst;

typedef struct rr_state {
  const kh__rr_params *par;
  char *fts;                /* copy of the expression; phrase texts point into it */
  rr_phrase ph[RR_MAXP];
  int np, np_fts;           /* parsed phrases; phrases FTS5 counted */
  rr_qtok qt[RR_MAXQT];
  int nqt;
  double nrow, avgdl;       /* articles; their average length in tokens (all columns) */
  int dlen[2];              /* tokens read of the candidate's title and body */
  size_t body_bytes;        /* the candidate's whole body */
  double qidf;              /* idf of all the query's phrases that count */
  int nq;                   /* how many phrases count (positive, idf > 0) */
  int have_stats;
  rr_dtok *d;               /* the candidate's tokens */
  size_t nd, dcap;
  kh__buf norms;
  int col, pos, npos, limit; /* tokenizer callback state */
  rr_inst *inst;
  size_t ninst, icap;
  char found[RR_MAXP], first[RR_MAXP], near[RR_MAXP][RR_MAXP];
  int tft[RR_MAXP];         /* title occurrences of each phrase */
  int skel_done;            /* the candidate's skeletons are computed */
  int cps_done;             /* the candidate's words are decoded to code points (cpbuf) */
  uint32_t *cpbuf;          /* those code points */
  size_t ncpbuf, cpcap;
  uint64_t skc_key[RR_SKCACHE], skc_val[RR_SKCACHE]; /* word hash -> skeleton hash, per query */
  double acc[RR_MAXP][RR_MAXP];
  uint64_t qgram[RR_MAXGRAM], tgram[RR_MAXGRAM]; /* sorted distinct trigram keys */
  size_t nqgram;
  char qseen[RR_MAXGRAM];                        /* scratch: query trigrams seen in a title */
  uint32_t cps[RR_MAXGRAM + 2];                  /* scratch: letters of the text */
  uint64_t qnum[RR_MAXNUM];  /* the query's numbers (num_key), distinct */
  uint64_t qnumu[RR_MAXNUM]; /* each one's value times the unit word after it (unit_key), or 0 */
  int nqnum, nnumfound;      /* how many; how many the candidate has */
  int nnumufound;            /* how many it has, a unit's value counting too */
  char numfound[RR_MAXNUM], numufound[RR_MAXNUM];
  double prevnum;            /* number scan: the value of the token before, or -1 */
  int numscan;              /* the number scan runs (the query has numbers a feature wants) */
  const char *coltext;      /* the column being read */
  size_t stop_off;          /* where reading it stopped (the start of a word), or its length */
  int rc;
} rr_state;

/* ---- the query's phrases, read back from the FTS5 expression ---- */

static void add_qtok(rr_state *s, const char *w, size_t n) {
  char st[KH_MAX_TOKEN + 1];
  rr_qtok *t = &s->qt[s->nqt++];
  t->h = fnv(w, n);
  int sn = kh_stem(w, n, st, sizeof st);
  t->sh = sn > 0 ? fnv(st, (size_t)sn) : t->h;
}

/* ---- numbers: a headline's figures (68 ہلاک، 2.94 روپے، 4-0) are the
** details that tell one report of an event from the next day's report of
** the same event, and BM25 gives them little weight (a number is in many
** articles; a number word such as آٹھ is a stopword) ---- */

/* Number words written out, as the tokenizer normalizes them.  دو، سو and
** نو are left out: they are also common words (give, sleep, new).  ایک
** (one, also "a") too. */
static const struct {
  const char *w, *n;
} RR_NUMWORDS[] = {
    {"تین", "3"},     {"چار", "4"},    {"پانچ", "5"},   {"چھ", "6"},     {"سات", "7"},
    {"آٹھ", "8"},     {"دس", "10"},    {"گیارہ", "11"}, {"بارہ", "12"},  {"تیرہ", "13"},
    {"چودہ", "14"},   {"پندرہ", "15"}, {"سولہ", "16"},  {"سترہ", "17"},  {"اٹھارہ", "18"},
    {"انیس", "19"},   {"بیس", "20"},   {"پچاس", "50"},
};

/* Unit words: a number before one also stands for its value (5 ملین =
** 50 لاکھ = 5000000), the way two reports of one figure often differ. */
static const struct {
  const char *w;
  double v;
} RR_UNITS[] = {
    {"ہزار", 1e3}, {"لاکھ", 1e5}, {"ملین", 1e6}, {"کروڑ", 1e7}, {"ارب", 1e9}, {"بلین", 1e9}, {"کھرب", 1e11},
};

/* The number a token stands for as text in out (1,200 and 1200 alike; the
** digits are ASCII after normalization; a number word by its value): its
** length, or 0 when the token is no number. */
static size_t num_text(const char *w, size_t n, int kind, char *out, size_t cap) {
  if (kind == KH_TOK_NUMBER) {
    size_t k = 0;
    int digits = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
      if (w[i] >= '0' && w[i] <= '9') out[k++] = w[i], digits++;
      else if (w[i] == '.') out[k++] = w[i];
    }
    while (k && out[k - 1] == '.') k--;
    out[k] = 0;
    return digits ? k : 0;
  }
  if (kind != KH_TOK_WORD || n < 4 || n > 12) return 0;
  for (size_t i = 0; i < sizeof RR_NUMWORDS / sizeof *RR_NUMWORDS; i++)
    if (strlen(RR_NUMWORDS[i].w) == n && !memcmp(RR_NUMWORDS[i].w, w, n)) {
      size_t k = strlen(RR_NUMWORDS[i].n);
      memcpy(out, RR_NUMWORDS[i].n, k + 1);
      return k;
    }
  return 0;
}

/* A key for the number a token stands for, or 0. */
static uint64_t num_key(const char *w, size_t n, int kind) {
  char b[KH_MAX_TOKEN + 1];
  size_t k = num_text(w, n, kind, b, sizeof b);
  return k ? fnv(b, k) | 1 : 0;
}

/* The value of a unit word (ملین: 1e6), or 0. */
static double unit_value(const char *w, size_t n, int kind) {
  if (kind != KH_TOK_WORD) return 0;
  for (size_t i = 0; i < sizeof RR_UNITS / sizeof *RR_UNITS; i++)
    if (strlen(RR_UNITS[i].w) == n && !memcmp(RR_UNITS[i].w, w, n)) return RR_UNITS[i].v;
  return 0;
}

/* A key for a number times a unit (never equal to a plain number's key). */
static uint64_t unit_key(double v) {
  char b[40];
  int k = snprintf(b, sizeof b, "u%.6g", v);
  return k > 0 ? fnv(b, (size_t)k) | 1 : 0;
}

/* A headline rounds its source's figures (the index fell 268.36 points: "268
** پوائنٹس کی مندی"; the dollar at 102.95: "103 کی سطح"): in the FNUMU share, a
** number with a fraction in the candidate also stands for its integer part and
** for itself rounded, once it is RR_ROUND_MIN or more (2.94 is not 2 or 3). */
#define RR_ROUND_MIN 10.0

/* The key of a whole number, as num_key gives it for its digits. */
static uint64_t round_key(double v) {
  char b[40];
  int k = snprintf(b, sizeof b, "%.0f", v);
  return k > 0 ? fnv(b, (size_t)k) | 1 : 0;
}

/* The number (as a value) of a token, or -1. */
static double num_value(const char *w, size_t n, int kind) {
  char b[KH_MAX_TOKEN + 1];
  return num_text(w, n, kind, b, sizeof b) ? strtod(b, NULL) : -1;
}

/* The query's number of this key (added if new): its index, or -1. */
static int add_qnum(rr_state *s, uint64_t key) {
  if (!key) return -1;
  for (int i = 0; i < s->nqnum; i++)
    if (s->qnum[i] == key) return i;
  if (s->nqnum >= RR_MAXNUM) return -1;
  s->qnumu[s->nqnum] = 0;
  s->qnum[s->nqnum] = key;
  return s->nqnum++;
}

/* The kind of one normalized query token (the expression holds no kinds). */
static int qtok_kind(const char *w, size_t n) {
  int digit = 0;
  for (size_t i = 0; i < n; i++) {
    if (w[i] >= '0' && w[i] <= '9') digit = 1;
    else if (w[i] != '.' && w[i] != ',' && w[i] != '%') return KH_TOK_WORD;
  }
  return digit ? KH_TOK_NUMBER : KH_TOK_WORD;
}

static int is_term(const kh__query *q, const char *w, size_t n) {
  for (size_t i = 0; i < q->nterms; i++)
    if (q->terms[i].len == n && !memcmp(q->terms[i].norm, w, n)) return 1;
  return 0;
}

/* The expression holds only "quoted strings" of space-separated normalized
** tokens ("" for a quote), a * after a prefix, parentheses and operators. */
static int parse_phrases(rr_state *s, const kh__query *q) {
  char *p = s->fts;
  int prev = -1;     /* the query's number just before (its index in qnum), for a unit after it */
  double prevv = -1; /* its value */
  while (*p) {
    if (*p != '"') {
      p++;
      continue;
    }
    char *w = ++p, *o = p; /* unescape in place */
    while (*p && !(*p == '"' && p[1] != '"')) {
      if (*p == '"') p++;
      *o++ = *p++;
    }
    char *end = o;
    if (*p == '"') p++;
    s->np_fts++;
    if (s->np >= RR_MAXP) continue;
    rr_phrase *ph = &s->ph[s->np++];
    memset(ph, 0, sizeof *ph);
    ph->first = s->nqt;
    ph->words = w;
    ph->wlen = (size_t)(end - w);
    for (char *t = w; t < end;) {
      char *e = t;
      while (e < end && *e != ' ') e++;
      if (e > t && s->nqt < RR_MAXQT) {
        size_t tn = (size_t)(e - t);
        int kind = qtok_kind(t, tn);
        if (!ph->ntok) ph->positive = is_term(q, t, tn);
        add_qtok(s, t, tn);
        if (ph->positive) {
          double u = unit_value(t, tn, kind);
          if (u > 0 && prev >= 0 && prevv >= 0 && !s->qnumu[prev]) s->qnumu[prev] = unit_key(prevv * u);
          prev = add_qnum(s, num_key(t, tn, kind));
          prevv = prev >= 0 ? num_value(t, tn, kind) : -1;
        }
        ph->ntok++;
        ph->text = t;
        ph->len = (size_t)(e - t);
      }
      t = e + 1;
    }
    if (ph->ntok != 1) ph->text = NULL;
    char *a = p;
    while (*a == ' ') a++;
    if (*a == '*') ph->prefix = 1;
  }
  return 0;
}

/* ---- idf of each phrase, from FTS5 ---- */

/* Counting the rows of a frequent phrase would cost as much as the first
** stage: after RR_COUNT_CAP rows the count stops, and the document frequency
** is extrapolated from how far into the rowids it got (rowids grow with
** ingest, so they are close to dense).  Exact below the cap. */
#define RR_COUNT_CAP 2000

typedef struct rr_count {
  const Fts5ExtensionApi *api;
  sqlite3_int64 n, last;
} rr_count;

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud) {
  rr_count *c = ud;
  if (++c->n < RR_COUNT_CAP) return SQLITE_OK;
  c->last = api->xRowid(fts);
  return SQLITE_DONE;
}

/* khabar_rr(fts_table, state_pointer): fills the idf of every phrase. */
static void rr_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                  sqlite3_value **val) {
  rr_state *s = nval > 0 ? sqlite3_value_pointer(val[0], "kh_rerank") : NULL;
  if (!s) {
    sqlite3_result_error(ctx, "khabar_rr: internal function", -1);
    return;
  }
  if (s->have_stats) return;
  sqlite3_int64 nrow = 0;
  int rc = api->xRowCount(fts, &nrow);
  if (rc == SQLITE_OK && api->xPhraseCount(fts) != s->np_fts) rc = SQLITE_MISMATCH;
  for (int i = 0; rc == SQLITE_OK && i < s->np; i++) {
    rr_phrase *ph = &s->ph[i];
    ph->idf = 1e-6; /* stopwords (a headline's کے، نے، میں) weigh nothing */
    if (!ph->positive || (ph->text && kh_is_stopword(ph->text, ph->len))) continue;
    rr_count c = {api, 0, 0};
    rc = api->xQueryPhrase(fts, i, &c, count_cb);
    double df = (double)c.n;
    if (c.last > 0 && (double)c.last < (double)nrow) df = df * (double)nrow / (double)c.last;
    double idf = log(((double)nrow - df + 0.5) / (df + 0.5));
    if (idf > 1e-6) ph->idf = idf;
  }
  s->nrow = (double)nrow;
  sqlite3_int64 total = 0;
  if (rc == SQLITE_OK && nrow > 0 && api->xColumnTotalSize(fts, -1, &total) == SQLITE_OK)
    s->avgdl = (double)total / (double)nrow;
  s->have_stats = rc == SQLITE_OK;
  if (rc != SQLITE_OK && rc != SQLITE_MISMATCH) {
    s->rc = rc;
    sqlite3_result_error_code(ctx, rc);
  }
}

int kh__rerank_register(fts5_api *api) {
  return api->xCreateFunction(api, "khabar_rr", NULL, rr_fn, NULL) == SQLITE_OK ? 0 : KH_EDB;
}

/* ---- one candidate's tokens ---- */

static int want_num(const kh__rr_params *p) { return p->w[KH__RR_FNUM] != 0 || p->dump; }
static int want_numu(const kh__rr_params *p) { return p->w[KH__RR_FNUMU] != 0 || p->dump; }

/* Marks the query's numbers a token stands for (and, after a number, the
** value of a unit word); 1 once all the wanted features are complete. */
static int num_match(rr_state *s, const kh_token *t) {
  int coloc = (t->flags & KH_TOKF_COLOC) != 0; /* another form at the same place: no "before" */
  if (t->kind != KH_TOK_NUMBER && t->kind != KH_TOK_WORD) {
    if (!coloc) s->prevnum = -1;
    return 0;
  }
  char b[KH_MAX_TOKEN + 1];
  size_t k = num_text(t->norm, t->norm_len, t->kind, b, sizeof b);
  if (k) {
    uint64_t key = fnv(b, k) | 1;
    for (int i = 0; i < s->nqnum; i++)
      if (s->qnum[i] == key) {
        if (!s->numfound[i]) s->numfound[i] = 1, s->nnumfound++;
        if (!s->numufound[i]) s->numufound[i] = 1, s->nnumufound++;
      }
    double v = strtod(b, NULL);
    if (v >= RR_ROUND_MIN && v < 1e15 && memchr(b, '.', k)) { /* FNUMU: 268.36 is also 268, 102.95 also 103 */
      uint64_t rk[2] = {round_key(floor(v)), round_key(floor(v + 0.5))};
      for (int i = 0; i < s->nqnum; i++)
        if ((s->qnum[i] == rk[0] || s->qnum[i] == rk[1]) && !s->numufound[i]) s->numufound[i] = 1, s->nnumufound++;
    }
    if (!coloc) s->prevnum = v;
  } else if (!coloc) {
    double u = s->prevnum >= 0 ? unit_value(t->norm, t->norm_len, t->kind) : 0;
    if (u > 0) {
      uint64_t key = unit_key(s->prevnum * u);
      for (int i = 0; i < s->nqnum; i++)
        if (s->qnumu[i] == key && !s->numufound[i]) s->numufound[i] = 1, s->nnumufound++;
    }
    s->prevnum = -1;
  }
  return (!want_num(s->par) || s->nnumfound == s->nqnum) && (!want_numu(s->par) || s->nnumufound == s->nqnum);
}

static int num_done(const rr_state *s) {
  return (!want_num(s->par) || s->nnumfound == s->nqnum) && (!want_numu(s->par) || s->nnumufound == s->nqnum);
}

static int num_cb(void *ctx, const kh_token *t) { return num_match(ctx, t); }


static int dtok_cb(void *ctx, const kh_token *t) {
  rr_state *s = ctx;
  if (!(t->flags & KH_TOKF_COLOC) || !s->npos) {
    if (s->npos >= s->limit) { /* enough of this column; the number scan goes on from its word */
      size_t off = t->start;
      while (off > 0 && s->coltext[off - 1] != ' ' && s->coltext[off - 1] != '\n') off--;
      s->stop_off = off;
      return 1;
    }
    s->pos = s->npos++;
  }
  if (s->numscan && !num_done(s)) num_match(s, t); /* the query's numbers, while reading */
  if (s->nd == s->dcap) {
    size_t cap = s->dcap ? s->dcap * 2 : 256;
    rr_dtok *v = kh__realloc(s->d, cap * sizeof *v);
    if (!v) return KH_ENOMEM;
    s->d = v;
    s->dcap = cap;
  }
  char st[KH_MAX_TOKEN + 1];
  rr_dtok *d = &s->d[s->nd++];
  d->h = fnv(t->norm, t->norm_len);
  int sn = t->kind == KH_TOK_WORD ? kh_stem(t->norm, t->norm_len, st, sizeof st) : -1;
  d->sh = sn > 0 ? fnv(st, (size_t)sn) : d->h;
  d->off = (uint32_t)s->norms.len;
  d->len = t->norm_len;
  d->pos = s->pos;
  d->col = (uint8_t)s->col;
  d->kind = t->kind;
  d->coloc = (t->flags & KH_TOKF_COLOC) != 0;
  int rc = 0;
  kh__buf_append(&s->norms, t->norm, t->norm_len, &rc);
  return rc;
}

static int read_col(rr_state *s, const char *text, size_t len, int col, int limit) {
  s->col = col;
  s->pos = s->npos = 0;
  s->dlen[col] = 0;
  s->limit = limit;
  s->coltext = text;
  s->stop_off = len; /* all read */
  s->prevnum = -1;
  if (!text || !len) return 0;
  int rc = kh_tokenize(text, len, 0, dtok_cb, s);
  s->dlen[col] = s->npos;
  return rc == 1 ? 0 : rc;
}

static int tok_match(const rr_qtok *q, const rr_dtok *d) {
  return q->h == d->h || q->h == d->sh || q->sh == d->h || q->sh == d->sh;
}

/* Phrase ph at doc token k (its first word)? */
static int phrase_at(const rr_state *s, const rr_phrase *ph, size_t k) {
  const rr_dtok *d = &s->d[k];
  if (ph->prefix && ph->text)
    return d->len >= ph->len && !memcmp(s->norms.data + d->off, ph->text, ph->len);
  if (!tok_match(&s->qt[ph->first], d)) return 0;
  for (int j = 1; j < ph->ntok; j++) {
    int ok = 0;
    for (size_t m = k + 1; m < s->nd && s->d[m].col == d->col && s->d[m].pos <= d->pos + j; m++)
      if (s->d[m].pos == d->pos + j && tok_match(&s->qt[ph->first + j], &s->d[m])) ok = 1;
    if (!ok) return 0;
  }
  return 1;
}

static size_t utf8_cps(const char *s, size_t n, uint32_t *out, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n && k < cap;) {
    unsigned char c = (unsigned char)s[i];
    int w = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = w == 1 ? c : (uint32_t)(c & (0x7F >> w));
    for (int j = 1; j < w && i + (size_t)j < n; j++) cp = (cp << 6) | ((unsigned char)s[i + (size_t)j] & 0x3F);
    out[k++] = cp;
    i += (size_t)w;
  }
  return k;
}

/* Two spellings of one word: one edit (insert, delete, substitute or swap
** two neighbours) apart, both 4+ letters; or one is the other with a word of
** 2+ letters fused before or after it (the shorter 3+ letters). */
static int variant(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
  if (na > nb) {
    const uint32_t *t = a;
    a = b, b = t;
    size_t tn = na;
    na = nb, nb = tn;
  }
  if (na >= 3 && nb >= na + 2) {
    if ((a[0] == b[0] && !memcmp(a, b, na * sizeof *a)) ||
        (a[na - 1] == b[nb - 1] && !memcmp(a, b + (nb - na), na * sizeof *a)))
      return 1;
  }
  if (na < 4 || nb - na > 1) return 0;
  size_t i = 0;
  while (i < na && a[i] == b[i]) i++;
  if (i == na) return nb > na; /* equal words are not variants here */
  if (nb == na + 1) return !memcmp(a + i, b + i + 1, (na - i) * sizeof *a);
  if (!memcmp(a + i + 1, b + i + 1, (na - i - 1) * sizeof *a)) return 1; /* substitute */
  return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
         !memcmp(a + i + 2, b + i + 2, (na - i - 2) * sizeof *a); /* swap */
}

static int inst_cmp(const void *a, const void *b) {
  const rr_inst *x = a, *y = b;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return x->off < y->off ? -1 : x->off > y->off;
}

/* Hash of the consonant skeleton of w (kh_skeleton: پیوٹن، پوٹن -> ptn), or 0
** when it has fewer than RR_MINSKEL letters (too many words share it). */
#define RR_MINSKEL 3

static uint64_t skel_hash(const char *w, size_t n, int *rc);

/* The skeleton hash of a candidate's word, through the per-query cache (the
** same words recur across candidates). */
static uint64_t doc_skel(rr_state *s, const rr_dtok *d, int *rc) {
  size_t slot = (size_t)(d->h * 0x9E3779B97F4A7C15ull >> 52) & (RR_SKCACHE - 1);
  for (size_t probe = 0; probe < 8; probe++, slot = (slot + 1) & (RR_SKCACHE - 1)) {
    if (s->skc_key[slot] == d->h) return s->skc_val[slot];
    if (!s->skc_key[slot]) break;
  }
  const char *w = s->norms.data + d->off;
  uint64_t v = kh_is_stopword(w, d->len) ? 0 : skel_hash(w, d->len, rc);
  if (!*rc && !s->skc_key[slot]) s->skc_key[slot] = d->h, s->skc_val[slot] = v;
  return v;
}
static uint64_t skel_hash(const char *w, size_t n, int *rc) {
  char *o = NULL;
  size_t on = 0;
  int r = kh_skeleton(w, n, &o, &on);
  if (r) {
    if (r == KH_ENOMEM) *rc = KH_ENOMEM;
    return 0;
  }
  const char *k = o;
  /* a leading alef before s + consonant is a spelling choice: اسٹاک / سٹاک، اسپنر / سپنر */
  if (on > 3 && o[0] == 'a' && o[1] == 's' && !strchr("aeiou", o[2])) k++, on--;
  uint64_t h = on >= RR_MINSKEL ? fnv(k, on) | 1 : 0;
  kh_free(o);
  return h;
}

/* ---- letter trigrams: the query's and a title's letters run together
** (spaces dropped), so a fused word (پرکرن)، another inflection or a
** spelling one letter apart still shares most of its trigrams ---- */

static int u64_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Append the letters of w (not its spaces) to s->cps (up to RR_MAXGRAM + 2). */
static size_t add_letters(rr_state *s, size_t n, const char *w, size_t len) {
  size_t m = n + utf8_cps(w, len, s->cps + n, RR_MAXGRAM + 2 - n), k = n;
  for (size_t i = n; i < m; i++)
    if (s->cps[i] != ' ') s->cps[k++] = s->cps[i];
  return k;
}

/* The sorted distinct trigram keys of s->cps[0..n) into out; their number. */
static size_t grams(rr_state *s, size_t n, uint64_t *out) {
  size_t k = 0;
  for (size_t i = 0; i + 2 < n && k < RR_MAXGRAM; i++)
    out[k++] = ((uint64_t)s->cps[i] << 42) ^ ((uint64_t)s->cps[i + 1] << 21) ^ s->cps[i + 2];
  qsort(out, k, sizeof *out, u64_cmp);
  size_t u = 0;
  for (size_t i = 0; i < k; i++)
    if (!u || out[u - 1] != out[i]) out[u++] = out[i];
  return u;
}

/* The query's trigrams: every token of its positive phrases, in order. */
static void query_grams(rr_state *s) {
  size_t n = 0;
  for (int i = 0; i < s->np; i++) {
    const rr_phrase *ph = &s->ph[i];
    if (!ph->positive || !ph->words) continue;
    n = add_letters(s, n, ph->words, ph->wlen);
  }
  s->nqgram = grams(s, n, s->qgram);
}

/* Shared trigrams of the query and the candidate's title -> f.  The Dice
** share needs the title's distinct trigrams (a sort); the query share only
** looks each title trigram up in the query's sorted ones. */
static void title_grams(rr_state *s, double *f) {
  if (!s->nqgram) return;
  size_t n = 0;
  for (size_t k = 0; k < s->nd && s->d[k].col == 0; k++)
    if (!s->d[k].coloc && n < RR_MAXGRAM + 2) n = add_letters(s, n, s->norms.data + s->d[k].off, s->d[k].len);
  if (!s->par->dump && !s->par->w[KH__RR_FGRAMD]) {
    size_t both = 0;
    memset(s->qseen, 0, s->nqgram);
    for (size_t i = 0; i + 2 < n && i < RR_MAXGRAM; i++) {
      uint64_t g = ((uint64_t)s->cps[i] << 42) ^ ((uint64_t)s->cps[i + 1] << 21) ^ s->cps[i + 2];
      size_t lo = 0, hi = s->nqgram;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->qgram[mid] < g) lo = mid + 1;
        else hi = mid;
      }
      if (lo < s->nqgram && s->qgram[lo] == g && !s->qseen[lo]) s->qseen[lo] = 1, both++;
    }
    f[KH__RR_FGRAMQ] = (double)both / (double)s->nqgram;
    return;
  }
  size_t nt = grams(s, n, s->tgram), both = 0;
  for (size_t i = 0, j = 0; i < s->nqgram && j < nt;) {
    if (s->qgram[i] == s->tgram[j]) both++, i++, j++;
    else if (s->qgram[i] < s->tgram[j]) i++;
    else j++;
  }
  f[KH__RR_FGRAMQ] = (double)both / (double)s->nqgram;
  f[KH__RR_FGRAMD] = 2.0 * (double)both / (double)(s->nqgram + nt);
}

/* The code points of the candidate's words of 6+ bytes (the ones the
** spelling-variant check compares), each decoded once. */
static int decode_words(rr_state *s) {
  s->ncpbuf = 0;
  for (size_t k = 0; k < s->nd; k++) {
    rr_dtok *d = &s->d[k];
    d->cpo = d->ncp = 0;
    if (d->kind != KH_TOK_WORD || d->len < 6) continue;
    if (s->cpcap - s->ncpbuf < RR_MAXCP) {
      size_t cap = s->cpcap ? s->cpcap * 2 : 4096;
      uint32_t *v = kh__realloc(s->cpbuf, cap * sizeof *v);
      if (!v) return KH_ENOMEM;
      s->cpbuf = v;
      s->cpcap = cap;
    }
    d->cpo = (uint32_t)s->ncpbuf;
    d->ncp = (uint32_t)utf8_cps(s->norms.data + d->off, d->len, s->cpbuf + s->ncpbuf, RR_MAXCP);
    s->ncpbuf += d->ncp;
  }
  s->cps_done = 1;
  return 0;
}

/* The features of one candidate from its tokens in s->d (KH__RR_F*). */
static int doc_features(rr_state *s, double bm25, double *f) {
  const kh__rr_params *p = s->par;
  s->ninst = 0;
  s->skel_done = 0;
  s->cps_done = 0;
  memset(s->found, 0, sizeof s->found);
  memset(s->first, 0, sizeof s->first);
  memset(s->tft, 0, sizeof s->tft);
  for (int i = 0; i < KH__RR_NF; i++) f[i] = 0;
  f[KH__RR_FBM25] = bm25;
  for (int i = 0; i < s->np; i++) {
    const rr_phrase *ph = &s->ph[i];
    if (!ph->positive || ph->idf <= 1e-6) continue;
    int in_title = 0;
    for (size_t k = 0; k < s->nd; k++) {
      if (k && s->d[k].pos == s->d[k - 1].pos && s->d[k].col == s->d[k - 1].col &&
          s->ninst && s->inst[s->ninst - 1].phrase == i && s->inst[s->ninst - 1].off == s->d[k].pos)
        continue; /* already matched at this position */
      if (!phrase_at(s, ph, k)) continue;
      if (s->ninst == s->icap) {
        size_t cap = s->icap ? s->icap * 2 : 64;
        rr_inst *v = kh__realloc(s->inst, cap * sizeof *v);
        if (!v) return KH_ENOMEM;
        s->inst = v;
        s->icap = cap;
      }
      s->inst[s->ninst++] = (rr_inst){i, s->d[k].col, s->d[k].pos};
      if (!s->found[i]) s->found[i] = 1, f[KH__RR_FLEAD] += ph->idf, f[KH__RR_FNCOV] += 1;
      if (s->d[k].col == 0) s->tft[i]++;
      if (s->d[k].col == 0 && !in_title) in_title = 1, f[KH__RR_FTCOV] += ph->idf;
      if (s->d[k].col == 1 && s->d[k].pos < KH__RR_FIRST && !s->first[i])
        s->first[i] = 1, f[KH__RR_FFIRST] += ph->idf;
    }
    if (s->tft[i]) { /* the title's own BM25 (a title of average length RR_AVG_TITLE) */
      double tf = s->tft[i], K = RR_BM25_K1 * (1 - RR_BM25_B + RR_BM25_B * s->dlen[0] / RR_AVG_TITLE);
      f[KH__RR_FTBM25] += ph->idf * tf * (RR_BM25_K1 + 1) / (tf + K);
    }
  }
  if (s->qidf > 0) {
    f[KH__RR_FCOV] = f[KH__RR_FLEAD] / s->qidf;
    f[KH__RR_FTCOVN] = f[KH__RR_FTCOV] / s->qidf;
    f[KH__RR_FBM25N] = f[KH__RR_FBM25] / s->qidf;
  }
  if (s->nq) f[KH__RR_FNCOV] /= s->nq;
  double hidf = 0, hfound = 0; /* the query's first KH__RR_HEAD phrases that count */
  for (int i = 0, k = 0; i < s->np && k < KH__RR_HEAD; i++) {
    if (!s->ph[i].positive || s->ph[i].idf <= 1e-6) continue;
    k++;
    hidf += s->ph[i].idf;
    if (s->found[i]) hfound += s->ph[i].idf;
  }
  if (hidf > 0) f[KH__RR_FHEAD] = hfound / hidf;
  f[KH__RR_FLEN] = log1p((double)s->body_bytes);
  title_grams(s, f);
  if (s->nqnum) f[KH__RR_FNUM] = (double)s->nnumfound / s->nqnum;
  if (s->nqnum) f[KH__RR_FNUMU] = (double)s->nnumufound / s->nqnum;

  /* the share of the title's words (not stopwords) that are query words */
  int tw = 0, tm = 0, lastpos = -1;
  for (size_t k = 0; k < s->nd && s->d[k].col == 0; k++) {
    const rr_dtok *d = &s->d[k];
    if (d->pos == lastpos) continue; /* a colocated form of a counted word */
    if (d->kind != KH_TOK_WORD && d->kind != KH_TOK_NUMBER && d->kind != KH_TOK_LATIN) continue;
    if (kh_is_stopword(s->norms.data + d->off, d->len)) continue;
    lastpos = d->pos;
    tw++;
    for (size_t m = k; m < s->nd && s->d[m].col == 0 && s->d[m].pos == d->pos; m++) {
      int hit = 0;
      for (int j = 0; j < s->nqt && !hit; j++) hit = tok_match(&s->qt[j], &s->d[m]);
      if (hit) {
        tm++;
        break;
      }
    }
  }
  if (tw) f[KH__RR_FTFRAC] = (double)tm / tw;

  /* words found only in another spelling: one edit apart or fused (idf), and
  ** words found only under the same consonant skeleton (پوٹن / پیوٹن، اسٹاک /
  ** سٹاک): a BM25 term weight of those occurrences, the title counting
  ** w_title_col times, the length the tokens read */
  int rc = 0;
  for (int i = 0; i < s->np; i++) {
    const rr_phrase *ph = &s->ph[i];
    if (s->found[i] || !ph->positive || !ph->text || ph->prefix || ph->idf <= 1e-6 ||
        kh_is_stopword(ph->text, ph->len))
      continue;
    uint32_t a[RR_MAXCP];
    size_t na = utf8_cps(ph->text, ph->len, a, RR_MAXCP);
    if (na < 3) continue;
    if (!s->cps_done && (rc = decode_words(s))) return rc; /* the candidate's words, once */
    int hit = 0;
    for (size_t k = 0; k < s->nd && !hit; k++) {
      const rr_dtok *d = &s->d[k];
      if (d->kind != KH_TOK_WORD || d->len < 6) continue;
      hit = variant(a, na, s->cpbuf + d->cpo, d->ncp);
    }
    if (hit) f[KH__RR_FFUZZY] += ph->idf;
    if (!ph->skel || (!p->w[KH__RR_FSKEL] && !p->w[KH__RR_FSKELT] && !p->dump)) continue;
    if (!s->skel_done) { /* the candidate's skeletons, once */
      for (size_t k = 0; k < s->nd && !rc; k++) {
        rr_dtok *d = &s->d[k];
        d->skel = d->kind == KH_TOK_WORD && d->len >= 6 && d->h ? doc_skel(s, d, &rc) : 0;
      }
      if (rc) return rc;
      s->skel_done = 1;
    }
    double tf = 0;
    int last = -1, lastcol = -1, title = 0;
    for (size_t k = 0; k < s->nd; k++) {
      const rr_dtok *d = &s->d[k];
      if (d->skel != ph->skel || (d->pos == last && d->col == lastcol)) continue;
      last = d->pos, lastcol = d->col;
      tf += d->col == 0 ? RR_TITLE_TF : 1.0;
      title |= d->col == 0;
    }
    if (title) f[KH__RR_FSKELT] += ph->idf;
    if (tf > 0) {
      double dl = (double)(s->dlen[0] + s->dlen[1]), avg = s->avgdl > 0 ? s->avgdl : dl;
      if (p->lead > 0 && avg > p->lead + s->dlen[0]) avg = p->lead + s->dlen[0]; /* lengths as read */
      double K = RR_BM25_K1 * (1 - RR_BM25_B + RR_BM25_B * dl / (avg > 0 ? avg : 1));
      f[KH__RR_FSKEL] += ph->idf * tf * (RR_BM25_K1 + 1) / (tf + K);
    }
  }

  if (s->ninst < 2) return 0;
  qsort(s->inst, s->ninst, sizeof *s->inst, inst_cmp);
  for (int i = 0; i < s->np; i++) {
    memset(s->acc[i], 0, sizeof(double) * (size_t)s->np);
    memset(s->near[i], 0, (size_t)s->np);
  }
  int any = 0;
  for (size_t x = 0; x < s->ninst; x++) {
    const rr_inst *a = &s->inst[x];
    int asz = s->ph[a->phrase].ntok;
    for (size_t y = x + 1; y < s->ninst; y++) {
      const rr_inst *b = &s->inst[y];
      if (b->col != a->col || b->off - a->off > p->window + asz) break;
      int d = b->off - (a->off + asz - 1); /* tokens from a's end to b */
      if (d <= 0 || d > p->window || b->phrase == a->phrase) continue;
      if (a->phrase < b->phrase && d <= 2 && !s->near[a->phrase][b->phrase]) { /* in order, near */
        s->near[a->phrase][b->phrase] = 1;
        double ia = s->ph[a->phrase].idf, ib = s->ph[b->phrase].idf;
        f[KH__RR_FORDER] += ia < ib ? ia : ib;
      }
      double w = 1.0 / ((double)d * d);
      if (a->col == 0) w *= p->w_title;
      if (a->phrase < b->phrase) w *= 1.0 + p->w_order;
      int i = a->phrase < b->phrase ? a->phrase : b->phrase, j = a->phrase ^ b->phrase ^ i;
      s->acc[i][j] += w;
      any = 1;
    }
  }
  if (!any) return 0;
  double K = p->k1, sum = 0; /* a fixed-size lead: no length normalisation */
  for (int i = 0; i < s->np; i++)
    for (int j = i + 1; j < s->np; j++) {
      double a = s->acc[i][j];
      if (a <= 0) continue;
      double m = s->ph[i].idf < s->ph[j].idf ? s->ph[i].idf : s->ph[j].idf;
      sum += m * (p->k1 + 1) * a / (a + K);
    }
  f[KH__RR_FPROX] = sum;
  return 0;
}

/* The bonus of one candidate: the weighted sum of its features. */
/* The features relative to the best value among the n candidates, then
** each candidate's score: the weighted sum of its features. */
static void score_all(const kh__rr_params *p, kh__cand *c, size_t n, double (*f)[KH__RR_NF]) {
  static const int rel[][2] = {{KH__RR_FBM25R, KH__RR_FBM25}, {KH__RR_FLEADR, KH__RR_FLEAD},
                               {KH__RR_FTCOVR, KH__RR_FTCOV}};
  for (size_t r = 0; r < sizeof rel / sizeof *rel; r++) {
    double best = 0;
    for (size_t i = 0; i < n; i++)
      if (f[i][rel[r][1]] > best) best = f[i][rel[r][1]];
    for (size_t i = 0; i < n; i++) f[i][rel[r][0]] = best > 0 ? f[i][rel[r][1]] / best : 0;
  }
  for (size_t i = 0; i < n; i++) {
    if (p->dump) p->dump(p->dump_ctx, c[i].rowid, c[i].score, f[i], KH__RR_NF);
    double sc = 0;
    for (int k = 0; k < KH__RR_NF; k++) sc += p->w[k] * f[i][k];
    c[i].score = sc;
  }
}

static int cand_cmp(const void *a, const void *b) {
  const kh__cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->ord < y->ord ? -1 : x->ord > y->ord; /* ties keep the first stage's order */
}

static int any_weight(const kh__rr_params *p) {
  for (int i = 0; i < KH__RR_NF; i++)
    if (p->w[i] != 0) return 1;
  return p->dump != NULL;
}

int kh__rerank_wanted(const kh__query *q) {
  int words = 0;
  for (size_t i = 0; i < q->nterms && words < 2; i++)
    words += !kh_is_stopword(q->terms[i].norm, q->terms[i].len);
  return words >= 2 && g_params.depth > 0 && any_weight(&g_params);
}

/* The query's numbers in the title or anywhere in the body (the whole body:
** a report's figures are often past its lead). */
static int find_numbers(rr_state *s, const char *text, size_t len) {
  if (!s->nqnum || !text || !len) return 0;
  if (num_done(s)) return 0;
  int rc = kh_tokenize(text, len, 0, num_cb, s);
  return rc == 1 ? 0 : rc;
}

/* Fill s->d with the title and the lead of the body of one article, and
** find the query's numbers in its title and whole body (s->nnumfound): while
** reading, then in the rest of each column. */
static int read_doc(rr_state *s, sqlite3_stmt *art, int64_t rowid) {
  s->nnumfound = s->nnumufound = 0;
  memset(s->numfound, 0, sizeof s->numfound);
  memset(s->numufound, 0, sizeof s->numufound);
  s->nd = 0;
  s->norms.len = 0;
  s->body_bytes = 0;
  sqlite3_reset(art);
  sqlite3_bind_int64(art, 1, rowid);
  int src = sqlite3_step(art);
  if (src == SQLITE_DONE) return 0;
  if (src != SQLITE_ROW) return KH_EDB;
  s->numscan = s->nqnum && (want_num(s->par) || want_numu(s->par));
  int rc = 0;
  for (int col = 0; col < 2 && !rc; col++) {
    const char *text = (const char *)sqlite3_column_text(art, col);
    size_t len = (size_t)sqlite3_column_bytes(art, col);
    if (col) s->body_bytes = len;
    rc = read_col(s, text, len, col, col ? (s->par->lead > 0 ? s->par->lead : 1 << 30) : RR_MAXTITLE);
    /* the numbers past what was read (a report's figures are often past its lead) */
    if (!rc && s->numscan && s->stop_off < len) rc = find_numbers(s, text + s->stop_off, len - s->stop_off);
  }
  return rc < 0 ? rc : rc ? KH_ENOMEM : 0;
}

int kh__rerank(kh_db *db, const kh__query *q, kh__cand *c, size_t n) {
  const kh__rr_params *p = &g_params;
  size_t ntot = n;
  if (n > (size_t)p->depth) n = (size_t)p->depth;
  if (n < 2 || !any_weight(p)) return 0;
  rr_state *s = kh__calloc(1, sizeof *s);
  if (!s) return KH_ENOMEM;
  s->par = p;
  int rc = 0;
  sqlite3_stmt *st = NULL, *art = NULL;
  s->fts = kh__strndup(q->fts, strlen(q->fts));
  if (!s->fts) rc = KH_ENOMEM;
  if (!rc) parse_phrases(s, q);
  int words = 0;
  for (int i = 0; i < s->np; i++)
    words += s->ph[i].positive && !(s->ph[i].text && kh_is_stopword(s->ph[i].text, s->ph[i].len));
  if (words < 2) n = 0; /* one word: nothing to re-rank by (and no cost) */
  /* the idf of every phrase, computed by FTS5 on the first candidate's row */
  if (!rc && n && sqlite3_prepare_v2(db->sql,
                                "SELECT khabar_rr(article_fts, ?2) FROM article_fts"
                                " WHERE article_fts MATCH ?1 AND rowid = ?3",
                                -1, &st, NULL) != SQLITE_OK)
    rc = KH_EDB;
  if (!rc && n) {
    sqlite3_bind_text(st, 1, q->fts, -1, SQLITE_STATIC);
    sqlite3_bind_pointer(st, 2, s, "kh_rerank", NULL);
    sqlite3_bind_int64(st, 3, c[0].rowid);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
      rc = s->rc == SQLITE_NOMEM || src == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  }
  int useful = 0;
  for (int i = 0; i < s->np; i++)
    if (s->ph[i].positive && s->ph[i].idf > 1e-6) useful++, s->qidf += s->ph[i].idf;
  s->nq = useful;
  query_grams(s);
  if (useful < 2) s->have_stats = 0; /* one word: nothing to re-rank by */
  for (int i = 0; !rc && s->have_stats && i < s->np; i++) { /* skeletons of the query's words */
    rr_phrase *ph = &s->ph[i];
    if (ph->text && !ph->prefix && ph->idf > 1e-6 && ph->len >= 6 && (p->w[KH__RR_FSKEL] || p->w[KH__RR_FSKELT] || p->dump))
      ph->skel = skel_hash(ph->text, ph->len, &rc);
  }
  if (!rc && s->have_stats &&
      sqlite3_prepare_v2(db->sql, "SELECT title, body FROM article WHERE rowid = ?1", -1, &art, NULL) !=
          SQLITE_OK)
    rc = KH_EDB;
  double(*f)[KH__RR_NF] = NULL;
  if (!rc && s->have_stats && !(f = kh__malloc(n * sizeof *f))) rc = KH_ENOMEM;
  for (size_t i = 0; !rc && s->have_stats && i < n; i++) {
    c[i].ord = (int)i;
    rc = read_doc(s, art, c[i].rowid);
    if (!rc) rc = doc_features(s, c[i].score, f[i]);
  }
  if (!rc && s->have_stats) {
    score_all(p, c, n, f);
    qsort(c, n, sizeof *c, cand_cmp);
    /* the re-scored candidates stay above the ones below the depth */
    if (ntot > n && c[n - 1].score <= c[n].score) {
      double shift = c[n].score - c[n - 1].score + 1e-6;
      for (size_t i = 0; i < n; i++) c[i].score += shift;
    }
  }
  sqlite3_finalize(st);
  sqlite3_finalize(art);
  kh_free(f);
  kh_free(s->fts);
  kh_free(s->d);
  kh_free(s->inst);
  kh_free(s->cpbuf);
  kh__buf_free(&s->norms);
  kh_free(s);
  return rc;
}
