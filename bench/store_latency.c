/*
** store_latency.c — query latency of kh_search (parse, top 10, article
** fetch, snippet from the original text) for 1-, 2- and 3-word queries at
** 10k and 100k articles (and more with an argument), three ways in the same
** run on the same articles and queries:
**   khabar      kh_search as shipped: the exact top k from the champion lists
**               when they certify it, else, for 2+ frequent words, from the
**               impact tiers when they settle it (tiers.c), else one pruned
**               pass over FTS5's matches (champ.c, topk.c)
**   khabar-fts  kh_search with KHABAR_NO_CHAMP=1: FTS5 ORDER BY rank, bm25 over
**               every match (the reference for overlap@10 and NDCG@10, gain = BM25)
**   u61         plain FTS5 + unicode61, MATCH ... ORDER BY rank LIMIT 10, no snippets
** It also prints how the khabar queries ended (from the lists, by the pruned
** scan with the rows it visited and scored, or left to FTS5), the CPU seconds each engine
** spent building its database, what the databases hold, and per query wall
** and process-CPU p50/p99/mean (on a shared machine wall includes waiting).
** khabar and khabar-fts run in alternating order, query by query.
**
** The articles are RECOMBINED from real sentences of pk-news-2024 + COUNTER
** (4-19 random sentences each, seeded).  Query words: each word of a query
** independently, a sentence drawn uniformly from the real sentences, then a
** token of it drawn uniformly among its words of 4+ bytes (2+ Urdu letters)
** that are neither stopwords nor colocated alternatives.  So words come up
** as often as they occur in running text (frequent content words often),
** and the words of one query are nearly independent of each other (rarely
** in the same article more than chance says); they are ANDed.
**
**   make bench && ./build/bench/store_latency [../shared/data] [sizes, e.g. 10000,100000]
**   LAT_KEEP=1 TMPDIR=dir ...   keep the databases (named by size) and reuse them
**   LAT_NORERANK=1 ...           every kh_search with no_rerank (rerank.c off)
**   LAT_BUILD_ONLY=1 ...         build the databases, run no queries (with LAT_KEEP: for a later run)
**   LAT_FWD_BUDGET=n ...         forward rows the lists' candidates of a query of 2+ words may
**                                read (champ.c kh__champ_fwd_budget; < 0: all)
**   LAT_TIER_EXPECT=x ...       the tiers are tried when their AND can be expected to hold x·k
**                                articles (tiers.c kh__tier_min_expect, default 2)
**   LAT_TIER_PEND=n ...          articles of the tiers' OR a query may check one by one
**   LAT_DRIVE_MAX=n ...          a rare word ANDed with frequent ones is walked from its articles when
**                                it has at most n (champ.c kh__champ_drive_max, default 4096; 0: never)
**   LAT_CONFIRM_FTS=1 ...        hits found through forward rows (hashes) confirmed by FTS5 (MATCH ...
**                                AND rowid = ?) instead of from their stored text
**   LAT_DRIVE_RATIO=x ...        ... and at most 1/x of every other word's (default 100)
**   LAT_TIER_LISTS=0 ...         the tiers do not try the champion lists' articles after their AND
**   LAT_TIER_WORK=n ...          the words' dfs must sum to n for the tiers (default 100000)
**   LAT_DROP_SHARE=x ...         words in at least x of the articles are left out of the pass's walk
**                                and read from forward rows (champ.c kh__champ_drop_share, default
**                                0.6; 0: never)
**   LAT_WORDS=23 ...             only the rows of 2 and 3 words (the same queries as in a full run)
**   LAT_DF_MEMO=0 ...            the dfs counted for phrases and stopword keys are not kept on the
**                                connection (champ.c kh__champ_df_memo)
**   LAT_PEERS=0 ...              khabar only: no khabar-fts, no u61 (their columns 0, overlap -1;
**                                for trying query-side changes; not for figures)
**   LAT_MMAP=bytes ...           PRAGMA mmap_size on khabar's connection (db.c sets none; this
**                                SQLite caps it at 2 GB): for measuring memory-mapped reads
**   LAT_OPTIMIZE=1 ...           before the queries, both files' full-text indexes merged into one
**                                segment (khabar: kh_db_optimize, its tiers too; u61: FTS5
**                                'optimize'), each timed; the files stay so (with LAT_KEEP: copies!)
**   LAT_BM=0 ...                 the block-max lists (blockmax.c, built by kh_db_optimize) not read
**                                (kh__bm_use); the header gives their size, each row how many answered
**   LAT_SLOW=n ...               after each row, its n slowest khabar queries (process CPU): the
**                                words (and their df in u61's index), how the query ended, the
**                                rows its scans visited and scored (default 5; 0: none)
*/
#include "khabar.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char **sent;
static size_t nsent, csent;

static void load(const char *dir, const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    const char *p = o ? json_string_value(json_object_get(o, "body")) : NULL;
    while (p && *p) {
      const char *e = strstr(p, "۔");
      size_t n = e ? (size_t)(e - p) + strlen("۔") : strlen(p);
      if (n > 20) {
        if (nsent == csent) sent = realloc(sent, (csent = csent ? csent * 2 : 65536) * sizeof *sent);
        sent[nsent++] = strndup(p, n);
      }
      p += n;
      while (*p == ' ' || *p == '\n') p++;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL, qrng = 0x9e3779b97f4a7c15ULL;
static uint64_t xs(uint64_t *r) {
  *r ^= *r << 13;
  *r ^= *r >> 7;
  *r ^= *r << 17;
  return *r;
}
static uint64_t rnd(void) { return xs(&rng); }
/* queries have their own generator, so a kept database gets the same queries */
static uint64_t qrnd(void) { return xs(&qrng); }

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One recombined article into body/title buffers. */
static void make_article(char *body, size_t bcap, char *title, size_t tcap) {
  size_t len = 0, k = 4 + rnd() % 16;
  for (size_t j = 0; j < k; j++) {
    const char *s = sent[rnd() % nsent];
    size_t n = strlen(s);
    if (len + n + 2 > bcap) break;
    memcpy(body + len, s, n);
    len += n;
    body[len++] = ' ';
  }
  body[len] = '\0';
  snprintf(title, tcap, "%.120s", sent[rnd() % nsent]);
  size_t tl = strlen(title);
  while (tl && ((unsigned char)title[tl - 1] & 0xC0) == 0x80) tl--;
  if (tl && (unsigned char)title[tl - 1] >= 0xC0) tl--;
  title[tl] = '\0';
}

/* ---- query words ---- */

typedef struct pick {
  char words[64][64];
  int n;
} pick;

static int take_word(void *ctx, const kh_token *t) {
  pick *p = ctx;
  if (t->kind != KH_TOK_WORD || (t->flags & (KH_TOKF_COLOC | KH_TOKF_STOP)) || t->norm_len < 4 ||
      t->norm_len >= 64 || p->n >= 64)
    return 0;
  snprintf(p->words[p->n++], 64, "%.*s", (int)t->norm_len, t->norm);
  return 0;
}

static void make_query(int nwords, char *q, size_t cap) {
  q[0] = '\0';
  for (int w = 0; w < nwords;) {
    pick p = {.n = 0};
    const char *s = sent[qrnd() % nsent];
    kh_tokenize(s, strlen(s), 0, take_word, &p);
    if (!p.n) continue;
    size_t l = strlen(q);
    snprintf(q + l, cap - l, "%s%s", w ? " " : "", p.words[qrnd() % (uint64_t)p.n]);
    w++;
  }
}

typedef struct hitlist {
  int64_t rowid[10];
  double score[10];
  int n;
} hitlist;

static int keep_hit(void *ctx, const kh_hit *h) {
  hitlist *l = ctx;
  if (l->n < 10) l->rowid[l->n] = h->rowid, l->score[l->n++] = h->score;
  return 0;
}

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* how champion-list queries ended (src/store/store.h; counters of the library) */
enum { KH__CHAMP_EXACT, KH__CHAMP_APPROX, KH__CHAMP_UNCERT, KH__CHAMP_SHORT, KH__CHAMP_SCAN, KH__CHAMP_BADSEED, KH__CHAMP_DRIVE,
       KH__CHAMP_NSTAT };
extern long kh__champ_drive_max; /* a rare word's articles walked for its AND with frequent words (champ.c) */
extern long kh__champ_drive_read; /* forward rows read for it */
extern int kh__champ_confirm_text; /* forward-row hits confirmed from the stored text (1) or FTS5 (0) */
extern double kh__champ_drive_ratio; /* ... when the others' dfs are this many times its own */
extern long kh__champ_stat[KH__CHAMP_NSTAT];
extern long kh__topk_stat[2]; /* rows the pruned scans visited, rows scored exactly (topk.c) */
extern long kh__champ_fwd_read; /* forward rows the lists' candidates read (champ.c) */
extern long kh__champ_fwd_budget; /* ... that a query of several words may read (< 0: all) */
/* how the queries given to the impact tiers ended (tiers.c) */
enum { KH__TIER_TRIED, KH__TIER_CERT, KH__TIER_PART, KH__TIER_CHECKED, KH__TIER_LOW, KH__TIER_OVER, KH__TIER_MISS,
       KH__TIER_LISTS, KH__TIER_WALKS, KH__TIER_NSTAT };
extern long kh__tier_stat[KH__TIER_NSTAT];
extern double kh__tier_min_expect; /* the tiers' AND must be expected to hold this many x k (tiers.c) */
extern long kh__tier_pend;
extern int kh__tier_lists; /* 0: the tiers do not try the lists' articles after their AND */ /* articles of the tiers' OR checked one by one, at most (tiers.c) */
extern double kh__tier_min_work;
extern int kh__champ_df_memo; /* counted dfs kept on the connection (champ.c) */
extern double kh__champ_drop_share; /* words in this share of the articles are left out of the pass's walk (champ.c) */
extern long kh__champ_drop_stat[3]; /* queries answered so, forward rows they read, back to the usual pass */
extern long kh__champ_df_stat[2]; /* ... missed, found */
/* kh_search's process CPU s by phase: top k, re-ranking, page delivery (search.c) */
enum { KH__SEARCH_TOPK, KH__SEARCH_RERANK, KH__SEARCH_DELIVER, KH__SEARCH_NPHASE };
extern double kh__search_cpu[KH__SEARCH_NPHASE];
extern int kh__bm_use;        /* 0: the block-max lists are not read (blockmax.c) */
extern long kh__bm_stat[6];   /* queries answered from them, blocks decoded, blocks skipped, articles scored, with a rare
                                 word, with a word whose key has no champion list (a stopword key) */
int kh__fts_segments(sqlite3 *db, const char *table); /* optimize.c: segments of an FTS5 index */
int kh__db_exec(kh_db *db, const char *sql); /* store.h: one statement on the connection */ /* the words' dfs must sum to this for the tiers (tiers.c) */

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define NQ 300

/* One khabar query of a row: its CPU ms and how it ended (LAT_SLOW). */
typedef struct qrec {
  double cpu;
  char q[512];
  const char *how;
  long rows, scored, checked;
  int uncert; /* the lists were read first, not certified */
} qrec;

static int cmp_rec(const void *a, const void *b) {
  double x = ((const qrec *)a)->cpu, y = ((const qrec *)b)->cpu;
  return x > y ? -1 : x < y;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../shared/data";
  const char *sizes = argc > 2 ? argv[2] : "10000,100000";
  load(dir, "pk-news-2024/pk-news-2024.jsonl");
  load(dir, "counter/counter.jsonl");
  printf("articles RECOMBINED from %zu real sentences of pk-news-2024 + COUNTER; %d queries per\n"
         "row, each word independently a random word (2+ letters, no stopword) of a random real\n"
         "sentence, ANDed; top 10.\n"
         "khabar = kh_search (with snippets; exact top k from the lists or the pruned scan); khabar-fts =\n"
         "the same call with KHABAR_NO_CHAMP=1 (FTS5 ORDER BY rank: the reference for overlap@10 and\n"
         "NDCG@10, gain = BM25 score); u61 = plain FTS5 unicode61 MATCH ORDER BY rank LIMIT 10.\n"
         "p50/p99/mean: wall ms per query; cpu p50/p99/mean: process CPU ms per query (the machine is\n"
         "shared: wall includes waiting for a core).\n\n",
         nsent, NQ);
  printf("%9s %6s %-10s %9s %9s %9s %9s %9s %9s %7s\n", "articles", "words", "engine", "p50 ms", "p99 ms", "mean ms",
         "cpu p50", "cpu p99", "cpu mean", "hits");
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  if (getenv("LAT_FWD_BUDGET")) kh__champ_fwd_budget = atol(getenv("LAT_FWD_BUDGET"));
  if (getenv("LAT_TIER_EXPECT")) kh__tier_min_expect = atof(getenv("LAT_TIER_EXPECT"));
  if (getenv("LAT_TIER_LISTS")) kh__tier_lists = atoi(getenv("LAT_TIER_LISTS"));
  if (getenv("LAT_TIER_PEND")) kh__tier_pend = atol(getenv("LAT_TIER_PEND"));
  if (getenv("LAT_CONFIRM_FTS")) kh__champ_confirm_text = 0;
  if (getenv("LAT_DRIVE_MAX")) kh__champ_drive_max = atol(getenv("LAT_DRIVE_MAX"));
  if (getenv("LAT_DRIVE_RATIO")) kh__champ_drive_ratio = atof(getenv("LAT_DRIVE_RATIO"));
  if (getenv("LAT_DF_MEMO")) kh__champ_df_memo = atoi(getenv("LAT_DF_MEMO"));
  if (getenv("LAT_TIER_WORK")) kh__tier_min_work = atof(getenv("LAT_TIER_WORK"));
  if (getenv("LAT_DROP_SHARE")) kh__champ_drop_share = atof(getenv("LAT_DROP_SHARE"));
  if (getenv("LAT_BM")) kh__bm_use = atoi(getenv("LAT_BM"));
  int keep = getenv("LAT_KEEP") != NULL;
  int peers = !getenv("LAT_PEERS") || atoi(getenv("LAT_PEERS")) != 0;
  char kpath[512], upath[512];
  char *body = malloc(1 << 16), title[200], id[32];
  for (const char *p = sizes; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
    long n = atol(p);
    rng = 0x2545f4914f6cdd1dULL ^ (uint64_t)n;
    /* LAT_KEEP=1: databases named by size, kept, and reused when present */
    snprintf(kpath, sizeof kpath, "%s/khabar-bench-lat-%ld-%d.db", tmp, n, keep ? 0 : (int)getpid());
    snprintf(upath, sizeof upath, "%s/khabar-bench-lat-u61-%ld-%d.db", tmp, n, keep ? 0 : (int)getpid());
    int reuse = keep && access(kpath, F_OK) == 0 && access(upath, F_OK) == 0;
    /* LAT_KEEP_U61=1 (with LAT_KEEP): rebuild khabar's file only, reusing a kept peer file (the
       peer's index does not depend on khabar's code) */
    int u61_kept = keep && !reuse && getenv("LAT_KEEP_U61") && access(upath, F_OK) == 0;
    if (!reuse) {
      unlink(kpath);
      if (!u61_kept) unlink(upath);
    }
    kh_db *db;
    if (kh_db_open(kpath, &db)) return 1;
    sqlite3 *u;
    sqlite3_open(upath, &u);
    sqlite3_exec(u,
                 reuse || u61_kept ? "PRAGMA journal_mode=WAL;" : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 "CREATE TABLE article(rowid INTEGER PRIMARY KEY, title TEXT, body TEXT);"
                 "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article', content_rowid='rowid');"
                 "INSERT INTO article_fts(article_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');",
                 NULL, NULL, NULL);
    sqlite3_stmt *ua, *uf;
    sqlite3_prepare_v2(u, "INSERT INTO article(title, body) VALUES (?1, ?2)", -1, &ua, NULL);
    sqlite3_prepare_v2(u, "INSERT INTO article_fts(rowid, title, body) VALUES (?1, ?2, ?3)", -1, &uf, NULL);
    double t0 = wall(), kcpu = 0, ucpu = 0;
    for (long i = 0; i < (reuse ? 0 : n); i++) {
      make_article(body, 1 << 16, title, sizeof title);
      snprintf(id, sizeof id, "r%ld", i);
      kh_article a = {0};
      a.id = id, a.id_len = strlen(id);
      a.title = title, a.title_len = strlen(title);
      a.body = body, a.body_len = strlen(body);
      double c0 = cpu();
      if (kh_db_put_article(db, &a, NULL) < 0) return 1;
      double c1 = cpu();
      kcpu += c1 - c0;
      if (u61_kept) continue;
      if (i % 500 == 0) sqlite3_exec(u, i ? "COMMIT; BEGIN" : "BEGIN", NULL, NULL, NULL);
      sqlite3_bind_text(ua, 1, title, -1, SQLITE_STATIC);
      sqlite3_bind_text(ua, 2, body, -1, SQLITE_STATIC);
      sqlite3_step(ua);
      sqlite3_reset(ua);
      sqlite3_bind_int64(uf, 1, sqlite3_last_insert_rowid(u));
      sqlite3_bind_text(uf, 2, title, -1, SQLITE_STATIC);
      sqlite3_bind_text(uf, 3, body, -1, SQLITE_STATIC);
      sqlite3_step(uf);
      sqlite3_reset(uf);
      ucpu += cpu() - c1;
    }
    sqlite3_exec(u, "COMMIT", NULL, NULL, NULL);
    double c2 = cpu();
    kh_db_commit(db);
    kcpu += cpu() - c2;
    sqlite3_finalize(ua);
    sqlite3_finalize(uf);
    if (!reuse)
      printf("built %ld articles in %.0f s wall; CPU s: khabar (kh_db_put_article) %.1f, u61 (2 inserts) %.1f\n", n,
             wall() - t0, kcpu, ucpu);
    if (getenv("LAT_OPTIMIZE")) { /* one segment per index in both files, before any query */
      double w0 = wall(), c0 = cpu();
      int orc = kh_db_optimize(db, NULL, NULL);
      double w1 = wall(), c1 = cpu();
      int urc = sqlite3_exec(u, "INSERT INTO article_fts(article_fts) VALUES('optimize'); PRAGMA wal_checkpoint(TRUNCATE)",
                             NULL, NULL, NULL);
      printf("optimized: khabar (kh_db_optimize, rc %d) %.1f s wall, %.1f s CPU; u61 (FTS5 'optimize', rc %d) %.1f s wall, "
             "%.1f s CPU\n", orc, w1 - w0, c1 - c0, urc, wall() - w1, cpu() - c1);
    }
    { /* what is in the databases (a kept one may be from an interrupted build) */
      sqlite3 *k;
      sqlite3_stmt *c;
      long long nk = -1, nu = -1;
      if (sqlite3_open_v2(kpath, &k, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
          sqlite3_prepare_v2(k, "SELECT count(*) FROM article", -1, &c, NULL) == SQLITE_OK) {
        if (sqlite3_step(c) == SQLITE_ROW) nk = sqlite3_column_int64(c, 0);
        sqlite3_finalize(c);
        printf("articles stored: khabar %lld", nk);
        if (sqlite3_prepare_v2(k, "SELECT state, count(*) FROM search_term GROUP BY state", -1, &c, NULL) ==
            SQLITE_OK) {
          printf(" (terms followed by state:");
          while (sqlite3_step(c) == SQLITE_ROW)
            printf(" %d:%lld", sqlite3_column_int(c, 0), (long long)sqlite3_column_int64(c, 1));
          printf("; 1 = has a list, 2 = list wanted, 4 = counted)");
          sqlite3_finalize(c);
        }
        if (sqlite3_prepare_v2(k, "SELECT (SELECT count(*) FROM search_tier WHERE cut < 1e300),"
                                  " (SELECT count(*) FROM search_tier_fts),"
                                  " (SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_tier%'),"
                                  " (SELECT sum(pgsize) FROM dbstat)", -1, &c, NULL) == SQLITE_OK) {
          if (sqlite3_step(c) == SQLITE_ROW)
            printf("; impact tiers: %lld terms, %lld articles, %.1f MB of %.1f MB", (long long)sqlite3_column_int64(c, 0),
                   (long long)sqlite3_column_int64(c, 1), sqlite3_column_double(c, 2) / 1e6,
                   sqlite3_column_double(c, 3) / 1e6);
          sqlite3_finalize(c);
        }
        if (sqlite3_prepare_v2(k, "SELECT count(*), sum(length(dir) + length(post)), (SELECT v FROM search_meta WHERE"
                                  " k = 'bm_mark'), sum(term NOT IN (SELECT term FROM search_term WHERE state = 1))"
                                  " FROM search_bm", -1, &c, NULL) == SQLITE_OK) {
          if (sqlite3_step(c) == SQLITE_ROW)
            printf("; block-max lists: %lld terms (%lld of them keys without a champion list), %.1f MB, up to article %lld",
                   (long long)sqlite3_column_int64(c, 0), (long long)sqlite3_column_int64(c, 3),
                   sqlite3_column_double(c, 1) / 1e6, (long long)sqlite3_column_int64(c, 2));
          sqlite3_finalize(c);
        }
      }
      int ksegs = kh__fts_segments(k, "article_fts"), tsegs = kh__fts_segments(k, "search_tier_fts");
      sqlite3_close(k);
      printf("; FTS5 segments: article_fts %d, search_tier_fts %d, u61's %d", ksegs, tsegs, kh__fts_segments(u, "article_fts"));
      if (sqlite3_prepare_v2(u, "SELECT count(*) FROM article", -1, &c, NULL) == SQLITE_OK) {
        if (sqlite3_step(c) == SQLITE_ROW) nu = sqlite3_column_int64(c, 0);
        sqlite3_finalize(c);
      }
      printf(", u61 %lld\n", nu);
    }
    if (getenv("LAT_MMAP")) { /* the khabar connection's PRAGMA mmap_size (db.c sets none) */
      char pm[64];
      snprintf(pm, sizeof pm, "PRAGMA mmap_size = %lld", atoll(getenv("LAT_MMAP")));
      kh__db_exec(db, pm);
    }
    if (getenv("LAT_BUILD_ONLY")) { /* build (and keep, with LAT_KEEP) only */
      kh_db_close(db);
      sqlite3_close(u);
      continue;
    }
    sqlite3_stmt *uq;
    sqlite3_prepare_v2(u, "SELECT rowid FROM article_fts WHERE article_fts MATCH ?1 ORDER BY rank LIMIT 10", -1, &uq, NULL);
    const char *only = getenv("LAT_WORDS"); /* e.g. "23": only those rows (the queries stay the same) */
    for (int nw = 1; nw <= 3; nw++) {
      if (only && !strchr(only, '0' + nw)) { /* draw the row's queries all the same */
        for (int i = 0; i < NQ; i++) {
          char q[512];
          make_query(nw, q, sizeof q);
        }
        continue;
      }
      static double tk[NQ], tx[NQ], tu[NQ], qk[NQ], qx[NQ], qu[NQ]; /* wall, cpu ms */
      static qrec rec[NQ];
      double hk = 0, hx = 0, hu = 0, ck = 0, cx = 0, cu = 0, ov = 0, ndcg = 0;
      double phase[2][KH__SEARCH_NPHASE] = {{0}}; /* khabar, khabar-fts: CPU s by phase */
      int nref = 0;
      long dm0[2] = {kh__champ_df_stat[0], kh__champ_df_stat[1]};
      long st0[KH__CHAMP_NSTAT], sc0[2], ti0[KH__TIER_NSTAT], fw0 = kh__champ_fwd_read, dr0 = kh__champ_drive_read;
      long dp0[3] = {kh__champ_drop_stat[0], kh__champ_drop_stat[1], kh__champ_drop_stat[2]};
      long bm0[6] = {kh__bm_stat[0], kh__bm_stat[1], kh__bm_stat[2], kh__bm_stat[3], kh__bm_stat[4], kh__bm_stat[5]};
      memcpy(st0, kh__champ_stat, sizeof st0);
      memcpy(ti0, kh__tier_stat, sizeof ti0);
      memcpy(sc0, kh__topk_stat, sizeof sc0);
      for (int i = 0; i < NQ; i++) {
        char q[512], uqs[600];
        make_query(nw, q, sizeof q);
        /* the same words for unicode61, each quoted */
        size_t k = 0;
        for (const char *c = q; *c; c++) {
          if (c == q || c[-1] == ' ') uqs[k++] = '"';
          if (*c == ' ') uqs[k++] = '"';
          uqs[k++] = *c;
        }
        uqs[k++] = '"';
        uqs[k] = '\0';
        kh_search_opts o = {0};
        o.limit = 10;
        o.no_rerank = getenv("LAT_NORERANK") != NULL; /* the proximity re-ranking off (rerank.c) */
        /* khabar: champion lists where they apply; khabar-fts: the same call
        ** with them switched off (exact BM25).  Which runs first alternates,
        ** so neither always finds the other's pages in the cache. */
        hitlist got = {0}, ref = {0};
        for (int pass = 0; pass < 2; pass++) {
          int fts = (pass + i) % 2;
          if (fts && !peers) {
            tx[i] = qx[i] = 0;
            continue;
          }
          if (fts) setenv("KHABAR_NO_CHAMP", "1", 1);
          long a0[KH__CHAMP_NSTAT], b0[KH__TIER_NSTAT], r0[2], q0 = kh__champ_drop_stat[0], m0 = kh__bm_stat[0];
          memcpy(a0, kh__champ_stat, sizeof a0);
          memcpy(b0, kh__tier_stat, sizeof b0);
          memcpy(r0, kh__topk_stat, sizeof r0);
          double ph0[KH__SEARCH_NPHASE];
          memcpy(ph0, kh__search_cpu, sizeof ph0);
          double s = wall(), c0 = cpu();
          kh_search(db, q, &o, keep_hit, fts ? &ref : &got);
          for (int j = 0; j < KH__SEARCH_NPHASE; j++) phase[fts][j] += kh__search_cpu[j] - ph0[j];
          double w = (wall() - s) * 1000, c = (cpu() - c0) * 1000;
          unsetenv("KHABAR_NO_CHAMP");
          if (fts) tx[i] = w, qx[i] = c, cx += c;
          else tk[i] = w, qk[i] = c, ck += c;
          if (fts) continue;
          qrec *e = &rec[i];
          e->cpu = c;
          snprintf(e->q, sizeof e->q, "%s", q);
          e->rows = kh__topk_stat[0] - r0[0];
          e->scored = kh__topk_stat[1] - r0[1];
          e->checked = kh__tier_stat[KH__TIER_CHECKED] - b0[KH__TIER_CHECKED];
          e->uncert = kh__champ_stat[KH__CHAMP_UNCERT] > a0[KH__CHAMP_UNCERT];
          e->how = kh__champ_stat[KH__CHAMP_SHORT] > a0[KH__CHAMP_SHORT]   ? "FTS5"
                   : kh__champ_stat[KH__CHAMP_DRIVE] > a0[KH__CHAMP_DRIVE] ? "rare-word walk"
                   : kh__tier_stat[KH__TIER_LISTS] > b0[KH__TIER_LISTS]    ? "tiers' AND + lists"
                   : kh__tier_stat[KH__TIER_CERT] > b0[KH__TIER_CERT]      ? "tiers' AND"
                   : kh__tier_stat[KH__TIER_PART] > b0[KH__TIER_PART]      ? "live words' tiers"
                   : kh__tier_stat[KH__TIER_TRIED] > b0[KH__TIER_TRIED]    ? "tiers, then full pass"
                   : kh__bm_stat[0] > m0                                   ? "block-max lists"
                   : kh__champ_drop_stat[0] > q0                           ? "pruned pass, frequent words left out"
                   : kh__champ_stat[KH__CHAMP_SCAN] > a0[KH__CHAMP_SCAN]   ? "pruned pass"
                   : kh__champ_stat[KH__CHAMP_EXACT] > a0[KH__CHAMP_EXACT] ? "lists"
                                                                           : "?";
        }
        hk += got.n;
        hx += ref.n;
        if (ref.n) { /* quality against exact: overlap@10, NDCG@10 with BM25 as gain */
          int common = 0;
          double dcg = 0, idcg = 0;
          for (int a = 0; a < got.n; a++) {
            for (int b = 0; b < ref.n; b++) common += got.rowid[a] == ref.rowid[b];
            dcg += got.score[a] / log2(a + 2.0);
          }
          for (int b = 0; b < ref.n; b++) idcg += ref.score[b] / log2(b + 2.0);
          ov += (double)common / ref.n;
          ndcg += idcg > 0 ? dcg / idcg : 1;
          nref++;
        }
        if (!peers) {
          tu[i] = qu[i] = 0;
          continue;
        }
        double s = wall(), c0 = cpu();
        sqlite3_bind_text(uq, 1, uqs, -1, SQLITE_STATIC);
        int hits = 0;
        while (sqlite3_step(uq) == SQLITE_ROW) hits++;
        sqlite3_reset(uq);
        tu[i] = (wall() - s) * 1000;
        qu[i] = (cpu() - c0) * 1000;
        cu += qu[i];
        hu += hits;
      }
      double mk = 0, mx = 0, mu = 0;
      for (int i = 0; i < NQ; i++) mk += tk[i], mx += tx[i], mu += tu[i];
      qsort(tk, NQ, sizeof tk[0], cmp_d);
      qsort(tx, NQ, sizeof tx[0], cmp_d);
      qsort(tu, NQ, sizeof tu[0], cmp_d);
      qsort(qk, NQ, sizeof qk[0], cmp_d);
      qsort(qx, NQ, sizeof qx[0], cmp_d);
      qsort(qu, NQ, sizeof qu[0], cmp_d);
      long d[KH__CHAMP_NSTAT];
      for (int j = 0; j < KH__CHAMP_NSTAT; j++) d[j] = kh__champ_stat[j] - st0[j];
      printf("%9ld %6d %-10s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %7.1f   overlap@10 %.3f  NDCG@10 %.3f  exact: %ld from"
             " the lists, %ld by the pruned scan (%ld rows, %ld scored; %ld of them after the lists were read); %ld to FTS5;"
             " %ld forward rows read; %ld by the rare-word walk (%ld forward rows)\n",
             n, nw, "khabar", tk[NQ / 2], tk[NQ * 99 / 100], mk / NQ, qk[NQ / 2], qk[NQ * 99 / 100], ck / NQ, hk / NQ,
             nref ? ov / nref : peers ? 1 : -1, nref ? ndcg / nref : peers ? 1 : -1, d[KH__CHAMP_EXACT] - d[KH__CHAMP_SCAN], d[KH__CHAMP_SCAN],
             kh__topk_stat[0] - sc0[0], kh__topk_stat[1] - sc0[1], d[KH__CHAMP_UNCERT], d[KH__CHAMP_SHORT], kh__champ_fwd_read - fw0,
             d[KH__CHAMP_DRIVE], kh__champ_drive_read - dr0);
      printf("%9s %6s %-10s CPU ms a query by phase (top k / re-ranking / page): khabar %.2f / %.2f / %.2f,"
             " khabar-fts %.2f / %.2f / %.2f\n",
             "", "", "", phase[0][0] * 1e3 / NQ, phase[0][1] * 1e3 / NQ, phase[0][2] * 1e3 / NQ, phase[1][0] * 1e3 / NQ,
             phase[1][1] * 1e3 / NQ, phase[1][2] * 1e3 / NQ);
      if (kh__champ_drop_stat[0] + kh__champ_drop_stat[2] > dp0[0] + dp0[2])
        printf("%9s %6s %-10s of the pruned scans, %ld with the words in most articles left out of FTS5's"
               " walk (%ld forward rows read; %ld went back to the usual pass)\n",
               "", "", "", kh__champ_drop_stat[0] - dp0[0], kh__champ_drop_stat[1] - dp0[1], kh__champ_drop_stat[2] - dp0[2]);
      if (kh__bm_stat[0] > bm0[0])
        printf("%9s %6s %-10s of the pruned scans, %ld answered from the block-max lists (%ld blocks decoded, %ld"
               " skipped, %ld articles scored; %ld with a rare word, %ld with a word whose key has no champion list)\n",
               "", "", "", kh__bm_stat[0] - bm0[0], kh__bm_stat[1] - bm0[1], kh__bm_stat[2] - bm0[2],
               kh__bm_stat[3] - bm0[3], kh__bm_stat[4] - bm0[4], kh__bm_stat[5] - bm0[5]);
      if (kh__champ_df_stat[0] + kh__champ_df_stat[1] > dm0[0] + dm0[1])
        printf("%9s %6s %-10s words without a kept df (phrases, stopword keys): %ld dfs counted by FTS5, %ld found in"
               " the memo\n", "", "", "", kh__champ_df_stat[0] - dm0[0], kh__champ_df_stat[1] - dm0[1]);
      long t[KH__TIER_NSTAT];
      for (int j = 0; j < KH__TIER_NSTAT; j++) t[j] = kh__tier_stat[j] - ti0[j];
      if (t[KH__TIER_TRIED])
        printf("%9s %6s %-10s of the scans, %ld went to the impact tiers: %ld settled by the tiers' AND (%ld of them with"
               " the lists' articles), %ld by reading the live words' tiers (%ld reads of a set's tiers, %ld articles"
               " checked from their forward rows), %ld by the full pass (k-th score too low %ld,"
               " too many to check %ld, a forward row missing or unconfirmed %ld)\n",
               "", "", "", t[KH__TIER_TRIED], t[KH__TIER_CERT], t[KH__TIER_LISTS], t[KH__TIER_PART], t[KH__TIER_WALKS],
               t[KH__TIER_CHECKED],
               t[KH__TIER_TRIED] - t[KH__TIER_CERT] - t[KH__TIER_PART], t[KH__TIER_LOW], t[KH__TIER_OVER],
               t[KH__TIER_MISS]);
      printf("%9ld %6d %-10s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %7.1f\n", n, nw, "khabar-fts", tx[NQ / 2],
             tx[NQ * 99 / 100], mx / NQ, qx[NQ / 2], qx[NQ * 99 / 100], cx / NQ, hx / NQ);
      printf("%9ld %6d %-10s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %7.1f\n", n, nw, "u61", tu[NQ / 2],
             tu[NQ * 99 / 100], mu / NQ, qu[NQ / 2], qu[NQ * 99 / 100], cu / NQ, hu / NQ);
      int nslow = getenv("LAT_SLOW") ? atoi(getenv("LAT_SLOW")) : 5;
      qsort(rec, NQ, sizeof rec[0], cmp_rec);
      for (int j = 0; j < nslow && j < NQ; j++) { /* the slowest, each word's df in u61 */
        printf("%9s %6s %-10s slow %d: cpu %.2f ms, %s%s (rows %ld, scored %ld, checked %ld); df", "", "", "", j + 1,
               rec[j].cpu, rec[j].uncert ? "lists uncertified, then " : "", rec[j].how, rec[j].rows, rec[j].scored,
               rec[j].checked);
        char *save = NULL, words[512];
        snprintf(words, sizeof words, "%s", rec[j].q);
        for (char *wd = strtok_r(words, " ", &save); wd; wd = strtok_r(NULL, " ", &save)) {
          sqlite3_stmt *c;
          char m[600];
          snprintf(m, sizeof m, "\"%s\"", wd);
          long long df = -1;
          if (sqlite3_prepare_v2(u, "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?1", -1, &c, NULL) ==
              SQLITE_OK) {
            sqlite3_bind_text(c, 1, m, -1, SQLITE_STATIC);
            if (sqlite3_step(c) == SQLITE_ROW) df = sqlite3_column_int64(c, 0);
            sqlite3_finalize(c);
          }
          printf(" %s %lld", wd, df);
        }
        printf("\n");
      }
      fflush(stdout);
    }
    sqlite3_finalize(uq);
    sqlite3_close(u);
    kh_db_close(db);
    if (keep) continue;
    unlink(kpath);
    unlink(upath);
    char w[600];
    snprintf(w, sizeof w, "%s-wal", kpath);
    unlink(w);
    snprintf(w, sizeof w, "%s-wal", upath);
    unlink(w);
  }
  free(body);
  return 0;
}
