/*
** stories.c — reading the stories back: the list (most active first) and
** one story with its label, sources, span, members and summary.
**
**   kh_stories(db, "2024-11-01", 2, print_story, NULL);
**   kh_story_get(db, 17, print_story, print_member, NULL);
**
** A story's label is the title of its most central article (largest dot
** product of its vector with the story centroid); the summary is the
** extractive summary (kh_summarize) of that article's body.
*/
#include "corpus.h"
#include "../store/store.h"

#include <stdlib.h>

typedef struct central {
  int64_t rowid;
  char *label, *label_id;
  kh__buf sources;
} central;

/* Most central member and the distinct sources of a story. */
static int story_center(kh_db *db, int64_t id, const void *cblob, int cbytes, central *c) {
  memset(c, 0, sizeof *c);
  kh__tv *cv = kh__malloc(KH__CENTROID_TERMS * sizeof *cv), *mv = kh__malloc(KH__VEC_TERMS * sizeof *mv);
  int rc = 0;
  if (!cv || !mv) {
    rc = KH_ENOMEM;
    goto out;
  }
  size_t nc = kh__tv_from_blob(cblob, (size_t)cbytes, cv, KH__CENTROID_TERMS);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT m.rowid, m.vec, a.title, a.id, a.source FROM story_member m "
                         "JOIN article a ON a.rowid = m.rowid WHERE m.story = ? ORDER BY m.rowid",
                         -1, &st, NULL) != SQLITE_OK) {
    rc = KH_EDB;
    goto out;
  }
  sqlite3_bind_int64(st, 1, id);
  double best = -1;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    size_t nm = kh__tv_from_blob(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), mv,
                                 KH__VEC_TERMS);
    double d = kh__tv_dot(mv, nm, cv, nc);
    if (d > best) {
      best = d;
      c->rowid = sqlite3_column_int64(st, 0);
      kh__free(c->label);
      kh__free(c->label_id);
      const char *t = (const char *)sqlite3_column_text(st, 2), *i = (const char *)sqlite3_column_text(st, 3);
      c->label = kh__strndup(t ? t : "", t ? (size_t)sqlite3_column_bytes(st, 2) : 0);
      c->label_id = kh__strndup(i ? i : "", i ? (size_t)sqlite3_column_bytes(st, 3) : 0);
      if (!c->label || !c->label_id) rc = KH_ENOMEM;
    }
    const char *src = (const char *)sqlite3_column_text(st, 4);
    if (src && *src) {
      /* distinct sources, in order of first appearance */
      size_t sl = (size_t)sqlite3_column_bytes(st, 4);
      int seen = 0;
      for (size_t p = 0; c->sources.data && p < c->sources.len;) {
        size_t q = p;
        while (q < c->sources.len && c->sources.data[q] != ',') q++;
        if (q - p == sl && !memcmp(c->sources.data + p, src, sl)) seen = 1;
        p = q + 1;
      }
      if (!seen) {
        if (c->sources.len) kh__buf_appendc(&c->sources, ',', &rc);
        kh__buf_append(&c->sources, src, sl, &rc);
      }
    }
  }
  sqlite3_finalize(st);
out:
  kh__free(cv);
  kh__free(mv);
  return rc;
}

static void central_free(central *c) {
  kh__free(c->label);
  kh__free(c->label_id);
  kh__buf_free(&c->sources);
}

typedef struct sum_ctx {
  kh__buf *b;
  const char *text;
  int rc;
} sum_ctx;

static int on_sum(void *ctx, size_t start, size_t end) {
  sum_ctx *s = ctx;
  if (s->b->len) kh__buf_appendc(s->b, ' ', &s->rc);
  kh__buf_append(s->b, s->text + start, end - start, &s->rc);
  return s->rc;
}

/* Summary of an article's body into b. */
static int summarize_article(kh_db *db, int64_t rowid, kh__buf *b) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT body FROM article WHERE rowid = ?", -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(st, 1, rowid);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *body = (const char *)sqlite3_column_text(st, 0);
    size_t n = body ? (size_t)sqlite3_column_bytes(st, 0) : 0;
    sum_ctx s = {b, body, 0};
    if (n) rc = kh_summarize(body, n, KH_SUMMARY_SENTENCES, on_sum, &s);
    if (!rc) rc = s.rc;
  }
  sqlite3_finalize(st);
  return rc;
}

static int emit(kh_db *db, sqlite3_stmt *st, int with_summary, kh_story_cb cb, void *ctx) {
  kh_story s = {0};
  s.id = sqlite3_column_int64(st, 0);
  s.size = sqlite3_column_int64(st, 1);
  s.first = (const char *)sqlite3_column_text(st, 2);
  s.last = (const char *)sqlite3_column_text(st, 3);
  s.thread = sqlite3_column_int64(st, 4);
  central c;
  int rc = story_center(db, s.id, sqlite3_column_blob(st, 5), sqlite3_column_bytes(st, 5), &c);
  kh__buf sum = {0};
  if (!rc && with_summary && c.rowid) rc = summarize_article(db, c.rowid, &sum);
  if (!rc) {
    s.label = c.label ? c.label : "";
    s.label_id = c.label_id ? c.label_id : "";
    s.sources = c.sources.data ? c.sources.data : "";
    s.summary = with_summary ? (sum.data ? sum.data : "") : NULL;
    rc = cb(ctx, &s);
  }
  kh__buf_free(&sum);
  central_free(&c);
  return rc;
}

int kh_stories(kh_db *db, const char *since, int min_size, kh_story_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT id, size, first, last, thread, centroid FROM story "
                         "WHERE size >= ?1 AND (?2 IS NULL OR last >= ?2) "
                         "ORDER BY size DESC, seq DESC",
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int(st, 1, min_size > 0 ? min_size : 1);
  if (since) sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
  int rc = 0, s;
  while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) rc = emit(db, st, 0, cb, ctx);
  sqlite3_finalize(st);
  return rc;
}

int kh_story_get(kh_db *db, int64_t id, kh_story_cb cb, kh_hit_cb member_cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT id, size, first, last, thread, centroid FROM story WHERE id = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(st, 1, id);
  int rc = KH_ENOTFOUND;
  if (sqlite3_step(st) == SQLITE_ROW) rc = emit(db, st, 1, cb, ctx);
  sqlite3_finalize(st);
  if (rc || !member_cb) return rc;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT a.rowid, a.id, m.sim, a.title, a.source, a.url, a.published "
                         "FROM story_member m JOIN article a ON a.rowid = m.rowid "
                         "WHERE m.story = ? ORDER BY a.published, a.rowid",
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_int64(st, 1, id);
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_hit h = {0};
    h.rowid = sqlite3_column_int64(st, 0);
    h.id = (const char *)sqlite3_column_text(st, 1);
    h.score = sqlite3_column_double(st, 2);
    h.title = (const char *)sqlite3_column_text(st, 3);
    h.source = (const char *)sqlite3_column_text(st, 4);
    h.url = (const char *)sqlite3_column_text(st, 5);
    h.published = (const char *)sqlite3_column_text(st, 6);
    rc = member_cb(ctx, &h);
  }
  sqlite3_finalize(st);
  return rc;
}

int64_t kh_story_of(kh_db *db, const char *article_id) {
  if (!db || !article_id) return KH_EINVAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT m.story FROM story_member m JOIN article a ON a.rowid = m.rowid "
                         "WHERE a.id = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_bind_text(st, 1, article_id, -1, SQLITE_STATIC);
  int64_t r = KH_ENOTFOUND;
  if (sqlite3_step(st) == SQLITE_ROW) r = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return r;
}
