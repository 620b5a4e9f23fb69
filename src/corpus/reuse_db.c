/*
** reuse_db.c — what the corpus layer answers from the store (db.c keeps it):
** the articles one article shares text with (kh_corpus_reuse: its LSH
** buckets, its exact key and its story's members, each scored in full by
** kh_reuse_compare), a given pair (kh_corpus_reuse_pair), and the groups of
** near-identical articles (kh_corpus_dups).
*/
#include "corpus.h"
#include "../store/store.h"

#include <stdlib.h>
#include <string.h>

/* ---- reuse ---- */

typedef struct art {
  int64_t rowid;
  char *id, *title, *source, *published, *body;
  size_t body_len;
} art;

static void art_free(art *a) {
  kh__free(a->id);
  kh__free(a->title);
  kh__free(a->source);
  kh__free(a->published);
  kh__free(a->body);
  memset(a, 0, sizeof *a);
}

static char *dup_col(sqlite3_stmt *st, int i, int *rc) {
  size_t n;
  const char *s = kh__col_text(st, i, &n);
  if (!s) return NULL;
  char *d = kh__strndup(s, n);
  if (!d) *rc = KH_ENOMEM;
  return d;
}

/* Load an article by id (id != NULL) or rowid.  KH_ENOTFOUND if absent. */
static int art_load(kh_db *db, const char *id, int64_t rowid, art *a) {
  memset(a, 0, sizeof *a);
  sqlite3_stmt *st;
  const char *sql = id ? "SELECT rowid, id, title, source, published, body FROM article WHERE id = ?"
                       : "SELECT rowid, id, title, source, published, body FROM article WHERE rowid = ?";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  if (id) sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  else sqlite3_bind_int64(st, 1, rowid);
  int rc = KH_ENOTFOUND;
  if (sqlite3_step(st) == SQLITE_ROW) {
    rc = 0;
    a->rowid = sqlite3_column_int64(st, 0);
    a->id = dup_col(st, 1, &rc);
    a->title = dup_col(st, 2, &rc);
    a->source = dup_col(st, 3, &rc);
    a->published = dup_col(st, 4, &rc);
    size_t tl, bl;
    const char *t = kh__col_text(st, 2, &tl), *b = kh__col_text(st, 5, &bl), *x;
    size_t xn;
    kh__fp_text(t, tl, b, bl, &x, &xn);
    a->body = kh__strndup(x, xn);
    a->body_len = xn;
    if (!a->body) rc = KH_ENOMEM;
  }
  sqlite3_finalize(st);
  if (rc) art_free(a);
  return rc;
}

int kh__cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

/* Candidate rowids sharing the exact key or an LSH band with fp. */
static int candidates(kh_db *db, int64_t self, const kh_fingerprint *fp, int64_t **out, size_t *n,
                      size_t *nepochs) {
  *out = NULL;
  *n = 0;
  if (!fp->ntokens) return 0;
  size_t cap = (size_t)KH_LSH_BANDS * KH__BUCKET_CAP + 2 * KH__BUCKET_CAP;
  int64_t *v = kh__malloc(cap * sizeof *v);
  if (!v) return KH_ENOMEM;
  sqlite3_stmt *sb = NULL, *se = NULL;
  int rc;
  int64_t *ep = NULL; /* the epochs present, newest first */
  size_t nep = 0;
  if ((rc = kh__lsh_epochs(db->sql, &ep, &nep))) goto out;
  rc = KH_EDB;
  if (nepochs) *nepochs = nep;
  if (sqlite3_prepare_v2(db->sql, "SELECT data FROM corpus_lshp WHERE id = ?1", -1, &sb, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql,
                         "SELECT rowid FROM corpus_fp WHERE exact = ? AND rowid <> ? "
                         "ORDER BY rowid DESC LIMIT ?",
                         -1, &se, NULL) != SQLITE_OK)
    goto out;
  uint64_t bands[KH_LSH_BANDS];
  kh_fingerprint_bands(fp, bands);
  size_t m = 0;
  /* each band: its most recent KH__BUCKET_CAP rows, newest epoch first
  ** (one part read per band and epoch) */
  for (unsigned i = 0; i < KH_LSH_BANDS; i++) {
    size_t got = 0;
    for (size_t k = 0; k < nep && got < KH__BUCKET_CAP && m < cap; k++) {
      size_t left = cap - m < KH__BUCKET_CAP - got ? cap - m : KH__BUCKET_CAP - got, nb;
      if (kh__lsh_probe(sb, ep[k], bands[i], self, left, v + m, &nb)) goto out;
      m += nb;
      got += nb;
    }
  }
  sqlite3_bind_int64(se, 1, (sqlite3_int64)fp->exact);
  sqlite3_bind_int64(se, 2, self);
  sqlite3_bind_int(se, 3, KH__BUCKET_CAP);
  while (sqlite3_step(se) == SQLITE_ROW && m < cap) v[m++] = sqlite3_column_int64(se, 0);
  /* members of the same story: rewrites share words more than shingles */
  sqlite3_stmt *ss = NULL;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT rowid FROM story_member WHERE story = "
                         "(SELECT story FROM story_member WHERE rowid = ?1) AND rowid <> ?1 "
                         "ORDER BY rowid DESC LIMIT ?2",
                         -1, &ss, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(ss, 1, self);
    sqlite3_bind_int(ss, 2, KH__BUCKET_CAP);
    while (sqlite3_step(ss) == SQLITE_ROW && m < cap) v[m++] = sqlite3_column_int64(ss, 0);
  }
  sqlite3_finalize(ss);
  qsort(v, m, sizeof *v, kh__cmp_i64);
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (u == 0 || v[u - 1] != v[i]) v[u++] = v[i];
  *out = v;
  *n = u;
  v = NULL;
  rc = 0;
out:
  sqlite3_finalize(sb);
  sqlite3_finalize(se);
  kh__free(v);
  kh__free(ep);
  return rc;
}

static int load_sig(sqlite3_stmt *st, int64_t rowid, kh_fingerprint *fp);

int kh__corpus_lookup(kh_db *db, int64_t rowid, size_t *ncand, size_t *nepochs) {
  *ncand = *nepochs = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT ntokens, minhash, exact FROM corpus_fp WHERE rowid = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return KH_EDB;
  kh_fingerprint fp;
  memset(&fp, 0, sizeof fp);
  sqlite3_bind_int64(st, 1, rowid);
  int ok = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    fp.exact = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    ok = load_sig(st, rowid, &fp);
  }
  sqlite3_finalize(st);
  if (!ok) return KH_ENOTFOUND;
  int64_t *cand = NULL;
  int rc = candidates(db, rowid, &fp, &cand, ncand, nepochs);
  kh__free(cand);
  return rc;
}

int kh_corpus_reuse(kh_db *db, const char *id, kh_reuse_cb cb, void *ctx) {
  if (!db || !id || !cb) return KH_EINVAL;
  art q;
  int rc = art_load(db, id, 0, &q);
  if (rc) return rc;
  kh_fingerprint fp;
  kh_reuse_text *tq = NULL;
  int64_t *cand = NULL;
  size_t nc = 0;
  if (!(rc = kh_fingerprint_text(q.body, q.body_len, &fp)) &&
      !(rc = kh_reuse_text_new(q.body, q.body_len, &tq)))
    rc = candidates(db, q.rowid, &fp, &cand, &nc, NULL);
  for (size_t i = 0; !rc && i < nc; i++) {
    art c;
    if ((rc = art_load(db, NULL, cand[i], &c))) {
      if (rc == KH_ENOTFOUND) rc = 0;
      continue;
    }
    kh_reuse_text *tc = NULL;
    kh_reuse r;
    rc = kh_reuse_text_new(c.body, c.body_len, &tc);
    if (!rc) rc = kh_reuse_compare(tc, tq, &r);
    if (!rc) {
      if (r.label != KH_REUSE_ND || r.label_rev != KH_REUSE_ND || r.resemblance >= 0.1) {
        kh_reuse_hit h = {c.rowid, c.id, c.title, c.source, c.published, &r};
        rc = cb(ctx, &h);
      }
      kh_reuse_clear(&r);
    }
    kh_reuse_text_free(tc);
    art_free(&c);
  }
  kh__free(cand);
  kh_reuse_text_free(tq);
  art_free(&q);
  return rc;
}

int kh_corpus_reuse_pair(kh_db *db, const char *id_a, const char *id_b, kh_reuse *r) {
  if (!db || !id_a || !id_b || !r) return KH_EINVAL;
  memset(r, 0, sizeof *r);
  art a, b;
  int rc = art_load(db, id_a, 0, &a);
  if (rc) return rc;
  if ((rc = art_load(db, id_b, 0, &b))) {
    art_free(&a);
    return rc;
  }
  kh_reuse_text *ta = NULL, *tb = NULL;
  rc = kh_reuse_text_new(a.body, a.body_len, &ta);
  if (!rc) rc = kh_reuse_text_new(b.body, b.body_len, &tb);
  if (!rc) rc = kh_reuse_compare(ta, tb, r);
  kh_reuse_text_free(ta);
  kh_reuse_text_free(tb);
  art_free(&a);
  art_free(&b);
  return rc;
}

/* ---- duplicate groups ---- */

static int64_t uf_find(int64_t *parent, int64_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

static int load_sig(sqlite3_stmt *st, int64_t rowid, kh_fingerprint *fp) {
  sqlite3_bind_int64(st, 1, rowid);
  int ok = 0;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == KH_MINHASH_K * 4) {
    const unsigned char *b = sqlite3_column_blob(st, 1);
    fp->ntokens = (uint32_t)sqlite3_column_int64(st, 0);
    for (unsigned k = 0; k < KH_MINHASH_K; k++)
      fp->minhash[k] = (uint32_t)b[4 * k] | (uint32_t)b[4 * k + 1] << 8 |
                       (uint32_t)b[4 * k + 2] << 16 | (uint32_t)b[4 * k + 3] << 24;
    ok = 1;
  }
  sqlite3_reset(st);
  return ok;
}

/* One bucket of kh_corpus_dups: its pairs of similar articles joined. */
typedef struct dup_walk {
  int64_t *parent, maxrow;
  sqlite3_stmt *sg;
  kh_fingerprint *fa, *fb;
  double min_sim;
} dup_walk;

static int dup_bucket(void *ctx, const int64_t *ids, size_t n) {
  dup_walk *w = ctx;
  for (size_t i = 0; i < n; i++) {
    if (ids[i] < 0 || ids[i] > w->maxrow || !load_sig(w->sg, ids[i], w->fa)) continue;
    for (size_t j = i + 1; j < n; j++) {
      if (ids[j] < 0 || ids[j] > w->maxrow) continue;
      if (uf_find(w->parent, ids[i]) == uf_find(w->parent, ids[j])) continue;
      if (!load_sig(w->sg, ids[j], w->fb)) continue;
      if (kh_fingerprint_similarity(w->fa, w->fb) >= w->min_sim)
        w->parent[uf_find(w->parent, ids[j])] = uf_find(w->parent, ids[i]);
    }
  }
  return 0;
}

int kh_corpus_dups(kh_db *db, double min_sim, kh_dup_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  if (min_sim <= 0) min_sim = 0.8;
  int64_t maxrow = 0;
  sqlite3_stmt *st = NULL, *sg = NULL;
  int rc = KH_EDB;
  if (sqlite3_prepare_v2(db->sql, "SELECT coalesce(max(rowid), 0) FROM corpus_fp", -1, &st, NULL) !=
      SQLITE_OK)
    return KH_EDB;
  if (sqlite3_step(st) == SQLITE_ROW) maxrow = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  st = NULL;
  int64_t *parent = kh__malloc(((size_t)maxrow + 1) * sizeof *parent);
  if (!parent) return KH_ENOMEM;
  for (int64_t i = 0; i <= maxrow; i++) parent[i] = i;
  /* buckets with more than one article: exact keys, then LSH bands */
  if (sqlite3_prepare_v2(db->sql, "SELECT group_concat(rowid) FROM corpus_fp GROUP BY exact HAVING count(*) > 1",
                         -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql, "SELECT ntokens, minhash FROM corpus_fp WHERE rowid = ?", -1, &sg,
                         NULL) != SQLITE_OK)
    goto out;
  kh_fingerprint *fa = kh__malloc(sizeof *fa), *fb = kh__malloc(sizeof *fb);
  if (!fa || !fb) {
    kh__free(fa);
    kh__free(fb);
    rc = KH_ENOMEM;
    goto out;
  }
  dup_walk w = {parent, maxrow, sg, fa, fb, min_sim};
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *list = (const char *)sqlite3_column_text(st, 0);
    int64_t ids[KH__BUCKET_CAP];
    size_t n = 0;
    for (const char *p = list; p && *p && n < KH__BUCKET_CAP;) {
      ids[n++] = strtoll(p, (char **)&p, 10);
      if (*p == ',') p++;
    }
    dup_bucket(&w, ids, n);
  }
  rc = kh__lsh_buckets(db->sql, dup_bucket, &w);
  kh__free(fa);
  kh__free(fb);
  if (rc) goto out;
  /* emit groups in order of their smallest rowid: bucket the rows by root */
  rc = 0;
  int64_t *off = kh__calloc((size_t)maxrow + 2, sizeof *off);
  int64_t *members = kh__malloc(((size_t)maxrow + 1) * sizeof *members);
  if (!off || !members) {
    kh__free(off);
    kh__free(members);
    rc = KH_ENOMEM;
    goto out;
  }
  for (int64_t x = 1; x <= maxrow; x++) parent[x] = uf_find(parent, x);
  for (int64_t x = 1; x <= maxrow; x++) off[parent[x] + 1]++;
  for (int64_t x = 1; x <= maxrow + 1; x++) off[x] += off[x - 1];
  for (int64_t x = 1; x <= maxrow; x++) members[off[parent[x]]++] = x; /* parent[x] is the root */
  /* off[root] now ends the root's run; its start is off[root] - size */
  for (int64_t x = 1; x <= maxrow && !rc; x++) {
    int64_t root = parent[x], end = off[root];
    int64_t start = root > 0 ? off[root - 1] : 0;
    if (end - start > 1 && members[start] == x) rc = cb(ctx, (size_t)(end - start), members + start);
  }
  kh__free(off);
  kh__free(members);
out:
  sqlite3_finalize(st);
  sqlite3_finalize(sg);
  kh__free(parent);
  return rc;
}
