/*
** story.c — online story clustering in the store.  Each new article gets a
** term vector (TF-IDF of its content words, title words counted twice,
** IDF from the articles stored before it, top KH__VEC_TERMS terms, unit
** length) and joins the most similar story whose time span is within the
** window (cosine to the story's centroid >= KH_STORY_JOIN), or starts one.
** A new story that is similar to an earlier one at a lower level
** (>= KH_STORY_THREAD) joins that story's thread.
**
**   called from the corpus put hook:  kh__story_add(db, rowid, article)
**
** Everything an assignment reads was written by earlier articles, so the
** stories depend only on the order of the articles: ingesting in one batch
** or in many gives the same stories.  Candidate stories come from an
** inverted index (story_term) probed with the article's top terms, each
** probe capped, so an assignment costs the same at 10k or 1M articles.
*/
#include "corpus.h"
#include "../store/store.h"

#include <math.h>
#include <stdlib.h>

/* Thresholds; kh__story_tune changes them for benchmarks (not thread-safe). */
static double join_min = KH_STORY_JOIN, thread_min = KH_STORY_THREAD;

void kh__story_tune(double join, double thread) {
  join_min = join > 0 ? join : KH_STORY_JOIN;
  thread_min = thread > 0 ? thread : KH_STORY_THREAD;
}

/* ---- sparse vectors: (term, weight) sorted by term ---- */

static int cmp_term(const void *x, const void *y) {
  uint64_t a = ((const kh__tv *)x)->term, b = ((const kh__tv *)y)->term;
  return a < b ? -1 : a > b;
}

static int cmp_weight(const void *x, const void *y) {
  float a = ((const kh__tv *)x)->w, b = ((const kh__tv *)y)->w;
  if (a != b) return a > b ? -1 : 1;
  return cmp_term(x, y);
}

/* Keep the top k terms by weight, then sort by term. */
static size_t top_k(kh__tv *v, size_t n, size_t k) {
  if (n > k) {
    qsort(v, n, sizeof *v, cmp_weight);
    n = k;
  }
  qsort(v, n, sizeof *v, cmp_term);
  return n;
}

double kh__tv_dot(const kh__tv *a, size_t na, const kh__tv *b, size_t nb) {
  size_t i = 0, j = 0;
  double s = 0;
  while (i < na && j < nb) {
    if (a[i].term < b[j].term) i++;
    else if (a[i].term > b[j].term) j++;
    else s += (double)a[i++].w * b[j++].w;
  }
  return s;
}

static double norm2(const kh__tv *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)v[i].w * v[i].w;
  return sqrt(s);
}

static void vec_blob(const kh__tv *v, size_t n, unsigned char *out) {
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, &v[i].w, 4);
    for (unsigned b = 0; b < 8; b++) out[12 * i + b] = (unsigned char)(v[i].term >> (8 * b));
    for (unsigned b = 0; b < 4; b++) out[12 * i + 8 + b] = (unsigned char)(w >> (8 * b));
  }
}

size_t kh__tv_from_blob(const void *blob, size_t bytes, kh__tv *out, size_t cap) {
  const unsigned char *p = blob;
  size_t n = bytes / 12;
  if (n > cap) n = cap;
  for (size_t i = 0; i < n; i++) {
    uint64_t t = 0;
    uint32_t w = 0;
    for (unsigned b = 0; b < 8; b++) t |= (uint64_t)p[12 * i + b] << (8 * b);
    for (unsigned b = 0; b < 4; b++) w |= (uint32_t)p[12 * i + 8 + b] << (8 * b);
    out[i].term = t;
    memcpy(&out[i].w, &w, 4);
  }
  return n;
}

/* ---- term counts of one article ---- */

typedef struct tf_ctx {
  kh__tv *v; /* w holds the count while counting */
  size_t n, cap;
  float weight; /* 2 for the title, 1 for the body */
  int rc;
} tf_ctx;

static int tf_sink(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl) {
  tf_ctx *c = ctx;
  if (fl & KH__TOK_STOP) return 0;
  if (c->n == c->cap) {
    if (c->cap >= KH__CORPUS_MAX_TOKENS) return KH_ETOOBIG;
    size_t cap = c->cap ? 2 * c->cap : 256;
    kh__tv *v = kh__realloc(c->v, cap * sizeof *v);
    if (!v) return KH_ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  c->v[c->n++] = (kh__tv){h, c->weight};
  return 0;
}

/* Raw term counts (title twice) of an article, sorted by term, merged. */
static int term_counts(const kh_article *a, kh__tv **out, size_t *n) {
  tf_ctx c = {0};
  c.weight = 2;
  int rc = a->title_len ? kh__tokens(a->title, a->title_len, KH__TOK_WANTSTOP, tf_sink, &c) : 0;
  c.weight = 1;
  if (!rc && a->body_len) rc = kh__tokens(a->body, a->body_len, KH__TOK_WANTSTOP, tf_sink, &c);
  if (rc) {
    kh__free(c.v);
    return rc;
  }
  qsort(c.v, c.n, sizeof *c.v, cmp_term);
  size_t m = 0;
  for (size_t i = 0; i < c.n; i++) {
    if (m && c.v[m - 1].term == c.v[i].term) c.v[m - 1].w += c.v[i].w;
    else c.v[m++] = c.v[i];
  }
  *out = c.v;
  *n = m;
  return 0;
}

/* ---- small SQL helpers ---- */

static int64_t meta_get(kh_db *db, const char *k) {
  sqlite3_stmt *st;
  int64_t v = 0;
  if (sqlite3_prepare_v2(db->sql, "SELECT v FROM corpus_meta WHERE k = ?", -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static int meta_set(kh_db *db, const char *k, int64_t v) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO corpus_meta(k, v) VALUES (?, ?)", -1, &st,
                         NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(st);
  return rc;
}

/* TF-IDF weights with the document frequencies so far; then count this
** article into them. */
static int weigh(kh_db *db, kh__tv *v, size_t n) {
  int64_t ndocs = meta_get(db, "ndocs");
  sqlite3_stmt *get = NULL, *put = NULL;
  int rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql, "SELECT df FROM corpus_df WHERE term = ?", -1, &get, NULL) ||
      sqlite3_prepare_v2(db->sql,
                         "INSERT INTO corpus_df(term, df) VALUES (?, 1) "
                         "ON CONFLICT(term) DO UPDATE SET df = df + 1",
                         -1, &put, NULL))
    goto out;
  for (size_t i = 0; i < n; i++) {
    int64_t df = 0;
    sqlite3_bind_int64(get, 1, (sqlite3_int64)v[i].term);
    if (sqlite3_step(get) == SQLITE_ROW) df = sqlite3_column_int64(get, 0);
    sqlite3_reset(get);
    double idf = log((ndocs + 1.0) / (df + 1.0)) + 1.0;
    v[i].w = (float)((1.0 + log(v[i].w)) * idf);
    sqlite3_bind_int64(put, 1, (sqlite3_int64)v[i].term);
    if (sqlite3_step(put) != SQLITE_DONE) goto out;
    sqlite3_reset(put);
  }
  rc = meta_set(db, "ndocs", ndocs + 1);
out:
  sqlite3_finalize(get);
  sqlite3_finalize(put);
  return rc;
}

/* Days since 1970-01-01 of "YYYY-MM-DD...", or INT64_MIN if undated. */
static int64_t day_of(const char *s, size_t n) {
  if (!s || n < 10 || s[4] != '-' || s[7] != '-') return INT64_MIN;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  if (m < 1 || m > 12 || d < 1 || d > 31) return INT64_MIN;
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int exec_i64(kh_db *db, const char *sql, int64_t x) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  sqlite3_bind_int64(st, 1, x);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(st);
  return rc;
}

/* ---- assignment ---- */

typedef struct cand {
  int64_t id;
  double sim;
} cand;

static int add_terms(kh_db *db, int64_t story, const kh__tv *v, size_t n) {
  kh__tv top[KH__INDEX_TERMS];
  size_t k = n < KH__INDEX_TERMS ? n : KH__INDEX_TERMS;
  memcpy(top, v, n < KH__INDEX_TERMS ? n * sizeof *v : 0);
  if (n > KH__INDEX_TERMS) {
    kh__tv *tmp = kh__malloc(n * sizeof *tmp);
    if (!tmp) return KH_ENOMEM;
    memcpy(tmp, v, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_weight);
    memcpy(top, tmp, k * sizeof *top);
    kh__free(tmp);
  }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "INSERT OR IGNORE INTO story_term(term, story) VALUES (?, ?)", -1,
                         &st, NULL) != SQLITE_OK)
    return KH_EDB;
  int rc = 0;
  for (size_t i = 0; i < k && !rc; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)top[i].term);
    sqlite3_bind_int64(st, 2, story);
    if (sqlite3_step(st) != SQLITE_DONE) rc = KH_EDB;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return rc;
}

/* Best story for vector v among the candidates from story_term. */
static int best_story(kh_db *db, const kh__tv *v, size_t n, int64_t day, int64_t seq, cand *best,
                      cand *best_thread) {
  best->id = best_thread->id = 0;
  best->sim = best_thread->sim = 0;
  kh__tv probe[KH__PROBE_TERMS];
  size_t np = n < KH__PROBE_TERMS ? n : KH__PROBE_TERMS;
  kh__tv *tmp = kh__malloc((n ? n : 1) * sizeof *tmp);
  if (!tmp) return KH_ENOMEM;
  memcpy(tmp, v, n * sizeof *tmp);
  qsort(tmp, n, sizeof *tmp, cmp_weight);
  memcpy(probe, tmp, np * sizeof *probe);
  kh__free(tmp);
  int64_t ids[KH__PROBE_TERMS * KH__PROBE_CAP];
  size_t nid = 0;
  sqlite3_stmt *st = NULL, *sc = NULL;
  int rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT story FROM story_term WHERE term = ? ORDER BY story DESC LIMIT ?", -1,
                         &st, NULL) ||
      sqlite3_prepare_v2(db->sql, "SELECT first, last, seq, centroid, thread FROM story WHERE id = ?",
                         -1, &sc, NULL))
    goto out;
  for (size_t i = 0; i < np; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)probe[i].term);
    sqlite3_bind_int(st, 2, KH__PROBE_CAP);
    while (sqlite3_step(st) == SQLITE_ROW) ids[nid++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  qsort(ids, nid, sizeof *ids, kh__cmp_i64);
  kh__tv *cv = kh__malloc(KH__CENTROID_TERMS * sizeof *cv);
  if (!cv) {
    rc = KH_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < nid; i++) {
    if (i && ids[i] == ids[i - 1]) continue;
    sqlite3_bind_int64(sc, 1, ids[i]);
    if (sqlite3_step(sc) == SQLITE_ROW) {
      size_t fl, ll;
      const char *first = (const char *)sqlite3_column_text(sc, 0);
      fl = first ? (size_t)sqlite3_column_bytes(sc, 0) : 0;
      const char *last = (const char *)sqlite3_column_text(sc, 1);
      ll = last ? (size_t)sqlite3_column_bytes(sc, 1) : 0;
      int64_t sseq = sqlite3_column_int64(sc, 2);
      int64_t d0 = day_of(first, fl), d1 = day_of(last, ll);
      int in_window, in_thread_window;
      if (day != INT64_MIN && d0 != INT64_MIN) {
        in_window = day >= d0 - KH_STORY_WINDOW_DAYS && day <= d1 + KH_STORY_WINDOW_DAYS;
        in_thread_window = day >= d0 - KH_THREAD_WINDOW_DAYS && day <= d1 + KH_THREAD_WINDOW_DAYS;
      } else { /* undated: a window of recent articles instead */
        in_window = seq - sseq <= KH__UNDATED_WINDOW;
        in_thread_window = 1;
      }
      size_t nc = kh__tv_from_blob(sqlite3_column_blob(sc, 3), (size_t)sqlite3_column_bytes(sc, 3), cv,
                                   KH__CENTROID_TERMS);
      double cn = norm2(cv, nc);
      double sim = cn > 0 ? kh__tv_dot(v, n, cv, nc) / cn : 0;
      if (in_window && sim > best->sim) *best = (cand){ids[i], sim};
      if (in_thread_window && sim > best_thread->sim) {
        int64_t th = sqlite3_column_int64(sc, 4);
        *best_thread = (cand){th ? th : ids[i], sim};
      }
    }
    sqlite3_reset(sc);
  }
  kh__free(cv);
  rc = 0;
out:
  sqlite3_finalize(st);
  sqlite3_finalize(sc);
  return rc;
}

/* Add v to the story's centroid (sum of member vectors, top terms kept). */
static int join_story(kh_db *db, int64_t story, const kh__tv *v, size_t n, const char *pub,
                      size_t publen, int64_t seq) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT centroid FROM story WHERE id = ?", -1, &st, NULL))
    return KH_EDB;
  sqlite3_bind_int64(st, 1, story);
  kh__tv *cv = kh__malloc((KH__CENTROID_TERMS + n) * sizeof *cv);
  if (!cv) {
    sqlite3_finalize(st);
    return KH_ENOMEM;
  }
  size_t nc = 0;
  if (sqlite3_step(st) == SQLITE_ROW)
    nc = kh__tv_from_blob(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), cv,
                          KH__CENTROID_TERMS);
  sqlite3_finalize(st);
  /* merge (both sorted by term) */
  size_t m = nc;
  for (size_t i = 0; i < n; i++) {
    kh__tv *hit = bsearch(&v[i], cv, nc, sizeof *cv, cmp_term);
    if (hit) hit->w += v[i].w;
    else cv[m++] = v[i];
  }
  m = top_k(cv, m, KH__CENTROID_TERMS);
  unsigned char *blob = kh__malloc(m * 12 + 1);
  int rc = KH_ENOMEM;
  if (!blob) goto out;
  vec_blob(cv, m, blob);
  rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql,
                         "UPDATE story SET size = size + 1, centroid = ?, seq = ?, "
                         "first = CASE WHEN ?3 IS NOT NULL AND (first IS NULL OR ?3 < first) THEN ?3 ELSE first END, "
                         "last = CASE WHEN ?3 IS NOT NULL AND (last IS NULL OR ?3 > last) THEN ?3 ELSE last END "
                         "WHERE id = ?4",
                         -1, &st, NULL))
    goto out;
  sqlite3_bind_blob(st, 1, blob, (int)(m * 12), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, seq);
  if (pub) sqlite3_bind_text(st, 3, pub, (int)publen, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, story);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(st);
  if (!rc) rc = add_terms(db, story, cv, m);
out:
  kh__free(blob);
  kh__free(cv);
  return rc;
}

static int new_story(kh_db *db, const kh__tv *v, size_t n, const char *pub, size_t publen,
                     int64_t seq, int64_t thread, int64_t *id) {
  unsigned char *blob = kh__malloc(n * 12 + 1);
  if (!blob) return KH_ENOMEM;
  vec_blob(v, n, blob);
  sqlite3_stmt *st;
  int rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql,
                         "INSERT INTO story(size, first, last, seq, thread, centroid) "
                         "VALUES (1, ?1, ?1, ?2, ?3, ?4)",
                         -1, &st, NULL) == SQLITE_OK) {
    if (pub) sqlite3_bind_text(st, 1, pub, (int)publen, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seq);
    if (thread) sqlite3_bind_int64(st, 3, thread);
    sqlite3_bind_blob(st, 4, blob, (int)(n * 12), SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_DONE) {
      *id = sqlite3_last_insert_rowid(db->sql);
      rc = 0;
    }
    sqlite3_finalize(st);
  }
  kh__free(blob);
  if (!rc && !thread) rc = exec_i64(db, "UPDATE story SET thread = id WHERE id = ?", *id);
  if (!rc) rc = add_terms(db, *id, v, n);
  return rc;
}

int kh__story_add(kh_db *db, int64_t rowid, const kh_article *a) {
  kh__tv *v;
  size_t n;
  int rc = term_counts(a, &v, &n);
  if (rc) return rc;
  if ((rc = weigh(db, v, n))) goto out;
  n = top_k(v, n, KH__VEC_TERMS);
  double len = norm2(v, n);
  for (size_t i = 0; i < n && len > 0; i++) v[i].w = (float)(v[i].w / len);
  int64_t seq = meta_get(db, "ndocs"); /* this article's number (1-based) */
  int64_t day = day_of(a->published, a->published_len);
  cand best, thread;
  if ((rc = best_story(db, v, n, day, seq, &best, &thread))) goto out;
  int64_t story = best.id;
  double sim = best.sim;
  if (story && best.sim >= join_min) {
    rc = join_story(db, story, v, n, a->published, a->published_len, seq);
  } else {
    rc = new_story(db, v, n, a->published, a->published_len, seq,
                   thread.sim >= thread_min ? thread.id : 0, &story);
    sim = 1.0;
  }
  if (rc) goto out;
  sqlite3_stmt *st;
  rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql,
                         "INSERT OR REPLACE INTO story_member(rowid, story, sim, vec) VALUES (?, ?, ?, ?)",
                         -1, &st, NULL) == SQLITE_OK) {
    unsigned char *blob = kh__malloc(n * 12 + 1);
    if (blob) {
      vec_blob(v, n, blob);
      sqlite3_bind_int64(st, 1, rowid);
      sqlite3_bind_int64(st, 2, story);
      sqlite3_bind_double(st, 3, sim);
      sqlite3_bind_blob(st, 4, blob, (int)(n * 12), SQLITE_TRANSIENT);
      rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
      kh__free(blob);
    } else {
      rc = KH_ENOMEM;
    }
    sqlite3_finalize(st);
  }
out:
  kh__free(v);
  return rc;
}
