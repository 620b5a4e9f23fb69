/*
** db.c — the analyze layer's tables in the store: at ingest (a put hook)
** each article is analyzed and its entities, mentions, quotes and events are
** written; the queries behind `khabar entities / entity / quotes / events`.
**
** Entities are merged across articles by key (kh_entity.id): every spelling
** of a gazetteer entity, in any article, lands on one row; a name the
** gazetteer does not know is keyed by its romanization, so the same unknown
** name in several articles and outlets becomes one entity of its own.
**
**   kh_db_open("khabar.db", &db); kh_analyze_attach(db, a);
**   kh_db_put_article(db, &art, NULL);            // analyzed and stored
**   kh_entities(db, KH_ENT_PER, 20, print, NULL);
*/
#include "analyze.h"

#include "../store/store.h"

#include <stdlib.h>

/* ---- writing ---- */

static int prep(kh_db *db, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) == SQLITE_OK ? 0 : KH_EDB;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t n) {
  if (s) sqlite3_bind_text(st, i, s, (int)n, SQLITE_TRANSIENT);
  else sqlite3_bind_null(st, i);
}

static const char *field_text(const kh_article *a, int field, size_t *n) {
  *n = field == KH_FIELD_TITLE ? a->title_len : a->body_len;
  return field == KH_FIELD_TITLE ? a->title : a->body;
}

/* Write the analysis of article rowid. */
static int store_analysis(kh_db *db, int64_t rowid, const kh_article *a, const kh_analysis *r) {
  int rc = KH_EDB;
  sqlite3_stmt *ent = NULL, *var = NULL, *men = NULL, *quo = NULL, *evt = NULL, *act = NULL, *done = NULL;
  int64_t *eid = calloc(r->n_entities + 1, sizeof *eid);
  if (!eid) return KH_ENOMEM;
  if (prep(db,
           "INSERT INTO entity(key, name, urdu, type, country, known, mentions, articles) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1) ON CONFLICT(key) DO UPDATE SET "
           "mentions = mentions + excluded.mentions, articles = articles + 1 RETURNING id",
           &ent) ||
      prep(db,
           "INSERT INTO entity_variant(entity, spelling, count) VALUES (?1, ?2, ?3) "
           "ON CONFLICT(entity, spelling) DO UPDATE SET count = count + excluded.count",
           &var) ||
      prep(db, "INSERT INTO mention(article, entity, field, start, end, source) VALUES (?1,?2,?3,?4,?5,?6)",
           &men) ||
      prep(db,
           "INSERT INTO quote(article, speaker, speaker_text, verb, direct, field, start, end, text) "
           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
           &quo) ||
      prep(db,
           "INSERT INTO event(article, type, cameo, trigger, place, date, whentext, field, sent_start, "
           "sent_end, sentence) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
           &evt) ||
      prep(db, "INSERT OR IGNORE INTO event_actor(event, entity, pos) VALUES (?1, ?2, ?3)", &act) ||
      prep(db, "INSERT OR IGNORE INTO analyzed(rowid) VALUES (?1)", &done))
    goto out;
  for (size_t i = 0; i < r->n_entities; i++) {
    const kh_entity *e = &r->entities[i];
    sqlite3_bind_text(ent, 1, e->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ent, 2, e->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ent, 3, e->urdu, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(ent, 4, e->type);
    bind_text(ent, 5, e->country, e->country ? strlen(e->country) : 0);
    sqlite3_bind_int(ent, 6, e->known);
    sqlite3_bind_int64(ent, 7, e->n_mentions);
    if (sqlite3_step(ent) != SQLITE_ROW) goto out;
    eid[i] = sqlite3_column_int64(ent, 0);
    sqlite3_reset(ent);
  }
  for (size_t i = 0; i < r->n_mentions; i++) {
    const kh_mention *m = &r->mentions[i];
    size_t n;
    const char *t = field_text(a, m->field, &n);
    sqlite3_bind_int64(men, 1, rowid);
    sqlite3_bind_int64(men, 2, eid[m->entity]);
    sqlite3_bind_int(men, 3, m->field);
    sqlite3_bind_int(men, 4, (int)m->start);
    sqlite3_bind_int(men, 5, (int)m->end);
    sqlite3_bind_int(men, 6, m->source);
    if (sqlite3_step(men) != SQLITE_DONE) goto out;
    sqlite3_reset(men);
    if (m->source == KH_MSRC_ROLE || !t || m->end > n) continue;
    sqlite3_bind_int64(var, 1, eid[m->entity]);
    sqlite3_bind_text(var, 2, t + m->start, (int)(m->end - m->start), SQLITE_TRANSIENT);
    sqlite3_bind_int(var, 3, 1);
    if (sqlite3_step(var) != SQLITE_DONE) goto out;
    sqlite3_reset(var);
  }
  for (size_t i = 0; i < r->n_quotes; i++) {
    const kh_quote *q = &r->quotes[i];
    size_t n;
    const char *t = field_text(a, q->field, &n);
    if (!t || q->end > n) continue;
    sqlite3_bind_int64(quo, 1, rowid);
    if (q->speaker >= 0) sqlite3_bind_int64(quo, 2, eid[q->speaker]);
    else sqlite3_bind_null(quo, 2);
    bind_text(quo, 3, q->speaker_text, q->speaker_text ? strlen(q->speaker_text) : 0);
    bind_text(quo, 4, q->verb, strlen(q->verb));
    sqlite3_bind_int(quo, 5, q->direct);
    sqlite3_bind_int(quo, 6, q->field);
    sqlite3_bind_int(quo, 7, (int)q->start);
    sqlite3_bind_int(quo, 8, (int)q->end);
    sqlite3_bind_text(quo, 9, t + q->start, (int)(q->end - q->start), SQLITE_TRANSIENT);
    if (sqlite3_step(quo) != SQLITE_DONE) goto out;
    sqlite3_reset(quo);
  }
  static const char *const types[] = {"?", "meet", "visit", "host"};
  for (size_t i = 0; i < r->n_events; i++) {
    const kh_event *e = &r->events[i];
    const kh_sentence *s = (size_t)e->sentence < r->n_sentences ? &r->sentences[e->sentence] : NULL;
    size_t n;
    const char *t = field_text(a, e->field, &n);
    char cameo[8];
    snprintf(cameo, sizeof cameo, "%03u", (unsigned)e->cameo % 1000u);
    sqlite3_bind_int64(evt, 1, rowid);
    sqlite3_bind_text(evt, 2, types[e->type & 3], -1, SQLITE_STATIC);
    sqlite3_bind_text(evt, 3, cameo, -1, SQLITE_TRANSIENT);
    bind_text(evt, 4, e->trigger, e->trigger ? strlen(e->trigger) : 0);
    if (e->place >= 0) sqlite3_bind_int64(evt, 5, eid[e->place]);
    else sqlite3_bind_null(evt, 5);
    bind_text(evt, 6, e->date[0] ? e->date : NULL, strlen(e->date));
    bind_text(evt, 7, e->when, e->when ? strlen(e->when) : 0);
    sqlite3_bind_int(evt, 8, e->field);
    if (s && t && s->end <= n) {
      sqlite3_bind_int(evt, 9, (int)s->start);
      sqlite3_bind_int(evt, 10, (int)s->end);
      sqlite3_bind_text(evt, 11, t + s->start, (int)(s->end - s->start), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(evt, 9);
      sqlite3_bind_null(evt, 10);
      sqlite3_bind_null(evt, 11);
    }
    if (sqlite3_step(evt) != SQLITE_DONE) goto out;
    sqlite3_reset(evt);
    int64_t ev = sqlite3_last_insert_rowid(db->sql);
    for (uint32_t k = 0; k < e->n_actors; k++) {
      sqlite3_bind_int64(act, 1, ev);
      sqlite3_bind_int64(act, 2, eid[e->actors[k]]);
      sqlite3_bind_int(act, 3, (int)k);
      if (sqlite3_step(act) != SQLITE_DONE) goto out;
      sqlite3_reset(act);
    }
  }
  sqlite3_bind_int64(done, 1, rowid);
  if (sqlite3_step(done) != SQLITE_DONE) goto out;
  rc = 0;
out:
  free(eid);
  sqlite3_finalize(ent);
  sqlite3_finalize(var);
  sqlite3_finalize(men);
  sqlite3_finalize(quo);
  sqlite3_finalize(evt);
  sqlite3_finalize(act);
  sqlite3_finalize(done);
  return rc;
}

static int on_put(void *ctx, kh_db *db, int64_t rowid, const kh_article *a) {
  const kh_analyzer *an = ctx;
  kh_analysis *r;
  int rc = kh_analyze(an, a, 0, &r);
  if (rc) return rc;
  rc = store_analysis(db, rowid, a, r);
  kh_analysis_free(r);
  return rc;
}

int kh_analyze_attach(kh_db *db, const kh_analyzer *a) {
  if (!db || !a) return KH_EINVAL;
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == on_put) return 0;
  return kh__db_on_put(db, on_put, (void *)a);
}

static const char *col(sqlite3_stmt *st, int i, size_t *n) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  if (n) *n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
  return s;
}

int kh_analyze_update(kh_db *db, const kh_analyzer *a, int64_t *added) {
  if (added) *added = 0;
  if (!db || !a) return KH_EINVAL;
  int rc = kh__db_begin(db);
  if (rc) return rc;
  sqlite3_stmt *st;
  if (prep(db,
           "SELECT rowid, id, published, title, body FROM article "
           "WHERE rowid NOT IN (SELECT rowid FROM analyzed) ORDER BY rowid",
           &st))
    return KH_EDB;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_article art = {0};
    int64_t rowid = sqlite3_column_int64(st, 0);
    art.id = col(st, 1, &art.id_len);
    art.published = col(st, 2, &art.published_len);
    art.title = col(st, 3, &art.title_len);
    art.body = col(st, 4, &art.body_len);
    rc = on_put((void *)a, db, rowid, &art);
    if (!rc && added) (*added)++;
  }
  sqlite3_finalize(st);
  if (!rc) rc = kh_db_commit(db);
  return rc;
}

/* ---- queries ---- */

#define ENTITY_COLS                                                                        \
  "e.id, e.key, e.name, e.urdu, e.type, e.country, e.known, e.mentions, e.articles, "     \
  "(SELECT group_concat(spelling, ' | ') FROM (SELECT spelling FROM entity_variant "      \
  "  WHERE entity = e.id ORDER BY count DESC, spelling LIMIT 12))"

static int entity_rows(sqlite3_stmt *st, kh_entity_cb cb, void *ctx, int once) {
  int rc = 0, n = 0;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_entity_row e;
    e.rowid = sqlite3_column_int64(st, 0);
    e.id = col(st, 1, NULL);
    e.name = col(st, 2, NULL);
    e.urdu = col(st, 3, NULL);
    e.type = sqlite3_column_int(st, 4);
    e.country = col(st, 5, NULL);
    e.known = sqlite3_column_int(st, 6);
    e.mentions = sqlite3_column_int64(st, 7);
    e.articles = sqlite3_column_int64(st, 8);
    e.variants = col(st, 9, NULL);
    if (!e.variants) e.variants = "";
    rc = cb(ctx, &e);
    n++;
    if (once) break;
  }
  return rc ? rc : n ? 0 : KH_ENOTFOUND;
}

int kh_entities(kh_db *db, int type, int limit, kh_entity_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (prep(db,
           "SELECT " ENTITY_COLS " FROM entity e WHERE ?1 = 0 OR e.type = ?1 "
           "ORDER BY e.mentions DESC, e.articles DESC, e.key LIMIT ?2",
           &st))
    return KH_EDB;
  sqlite3_bind_int(st, 1, type);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
  int rc = entity_rows(st, cb, ctx, 0);
  sqlite3_finalize(st);
  return rc == KH_ENOTFOUND ? 0 : rc;
}

/* 1 if s[0..n) is one Latin word (letters, ' and -), safe inside LIKE. */
static int latin_word(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c == '-')) return 0;
  }
  return 1;
}

int kh_entity_find(kh_db *db, const kh_analyzer *a, const char *name, size_t len, kh_entity_cb cb,
                   void *ctx) {
  if (!db || !cb || (!name && len)) return KH_EINVAL;
  /* the gazetteer's key for this spelling, if any */
  const char *key = NULL;
  if (a) kh_analyzer_lookup(a, name, len, &key, NULL, NULL, NULL);
  sqlite3_stmt *st;
  if (prep(db,
           "SELECT " ENTITY_COLS " FROM entity e WHERE e.key = ?1 OR e.key = ?2 "
           "OR e.name = ?1 COLLATE NOCASE OR e.urdu = ?1 "
           "OR e.id IN (SELECT entity FROM entity_variant WHERE spelling = ?1) "
           "ORDER BY (e.key = ?2) DESC, (e.key = ?1) DESC, e.mentions DESC LIMIT 1",
           &st))
    return KH_EDB;
  sqlite3_bind_text(st, 1, name ? name : "", (int)len, SQLITE_TRANSIENT);
  if (key) sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(st, 2);
  int rc = entity_rows(st, cb, ctx, 1);
  sqlite3_finalize(st);
  if (rc != KH_ENOTFOUND || len == 0 || !latin_word(name, len)) return rc;
  /* a part of a Latin name ("Putin", "Xi"): its best-known bearer */
  if (prep(db,
           "SELECT " ENTITY_COLS " FROM entity e WHERE e.name LIKE ?1 || ' %' "
           "OR e.name LIKE '% ' || ?1 OR e.name LIKE '% ' || ?1 || ' %' "
           "ORDER BY e.known DESC, e.mentions DESC, e.articles DESC LIMIT 1",
           &st))
    return KH_EDB;
  sqlite3_bind_text(st, 1, name, (int)len, SQLITE_TRANSIENT);
  rc = entity_rows(st, cb, ctx, 1);
  sqlite3_finalize(st);
  return rc;
}

int kh_entity_related(kh_db *db, int64_t entity, int limit, kh_entity_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (prep(db,
           "SELECT e.id, e.key, e.name, e.urdu, e.type, e.country, e.known, e.mentions, shared, '' "
           "FROM (SELECT m2.entity AS other, count(DISTINCT m2.article) AS shared "
           "      FROM mention m1 JOIN mention m2 ON m2.article = m1.article "
           "      WHERE m1.entity = ?1 AND m2.entity != ?1 GROUP BY m2.entity) "
           "JOIN entity e ON e.id = other ORDER BY shared DESC, e.mentions DESC LIMIT ?2",
           &st))
    return KH_EDB;
  sqlite3_bind_int64(st, 1, entity);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 10);
  int rc = entity_rows(st, cb, ctx, 0);
  sqlite3_finalize(st);
  return rc == KH_ENOTFOUND ? 0 : rc;
}

int kh_entity_articles(kh_db *db, int64_t entity, int limit, kh_article_ref_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  int has_story = 0;
  if (!prep(db, "SELECT 1 FROM sqlite_master WHERE name = 'story_member'", &st)) {
    has_story = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
  }
  const char *sql =
      has_story ? "SELECT a.id, a.title, a.published, count(*), "
                  "  (SELECT story FROM story_member s WHERE s.rowid = a.rowid) "
                  "FROM mention m JOIN article a ON a.rowid = m.article WHERE m.entity = ?1 "
                  "GROUP BY a.rowid ORDER BY a.published DESC, a.rowid DESC LIMIT ?2"
                : "SELECT a.id, a.title, a.published, count(*), NULL "
                  "FROM mention m JOIN article a ON a.rowid = m.article WHERE m.entity = ?1 "
                  "GROUP BY a.rowid ORDER BY a.published DESC, a.rowid DESC LIMIT ?2";
  if (prep(db, sql, &st)) return KH_EDB;
  sqlite3_bind_int64(st, 1, entity);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 10);
  int rc = 0;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_article_ref r;
    r.id = col(st, 0, NULL);
    r.title = col(st, 1, NULL);
    r.published = col(st, 2, NULL);
    r.mentions = sqlite3_column_int64(st, 3);
    r.story = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
    rc = cb(ctx, &r);
  }
  sqlite3_finalize(st);
  return rc;
}

int kh_quotes(kh_db *db, int64_t entity, int limit, kh_quote_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (prep(db,
           "SELECT a.id, a.published, e.key, e.name, e.urdu, q.speaker_text, q.verb, q.direct, q.field, "
           "q.start, q.end, q.text FROM quote q JOIN article a ON a.rowid = q.article "
           "LEFT JOIN entity e ON e.id = q.speaker WHERE ?1 = 0 OR q.speaker = ?1 "
           "ORDER BY a.published DESC, q.article DESC, q.field, q.start LIMIT ?2",
           &st))
    return KH_EDB;
  sqlite3_bind_int64(st, 1, entity);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
  int rc = 0;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_quote_row q;
    q.article = col(st, 0, NULL);
    q.published = col(st, 1, NULL);
    q.speaker_id = col(st, 2, NULL);
    q.speaker = col(st, 3, NULL);
    q.speaker_urdu = col(st, 4, NULL);
    q.speaker_text = col(st, 5, NULL);
    q.verb = col(st, 6, NULL);
    q.direct = sqlite3_column_int(st, 7);
    q.field = sqlite3_column_int(st, 8);
    q.start = (uint32_t)sqlite3_column_int(st, 9);
    q.end = (uint32_t)sqlite3_column_int(st, 10);
    q.text = col(st, 11, NULL);
    rc = cb(ctx, &q);
  }
  sqlite3_finalize(st);
  return rc;
}

int kh_events(kh_db *db, int64_t entity, int limit, kh_event_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (prep(db,
           "SELECT a.id, a.published, v.type, v.cameo, v.trigger, "
           "  (SELECT group_concat(name, ' | ') FROM (SELECT e.name FROM event_actor x JOIN entity e "
           "     ON e.id = x.entity WHERE x.event = v.id ORDER BY x.pos)), "
           "  (SELECT group_concat(key, ' | ') FROM (SELECT e.key FROM event_actor x JOIN entity e "
           "     ON e.id = x.entity WHERE x.event = v.id ORDER BY x.pos)), "
           "  p.name, v.date, v.whentext, v.sentence "
           "FROM event v JOIN article a ON a.rowid = v.article LEFT JOIN entity p ON p.id = v.place "
           "WHERE ?1 = 0 OR v.id IN (SELECT event FROM event_actor WHERE entity = ?1) "
           "ORDER BY a.published DESC, v.article DESC, v.id LIMIT ?2",
           &st))
    return KH_EDB;
  sqlite3_bind_int64(st, 1, entity);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
  int rc = 0;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_event_row e;
    e.article = col(st, 0, NULL);
    e.published = col(st, 1, NULL);
    e.type = col(st, 2, NULL);
    e.cameo = col(st, 3, NULL);
    e.trigger = col(st, 4, NULL);
    e.actors = col(st, 5, NULL);
    e.actor_ids = col(st, 6, NULL);
    e.place = col(st, 7, NULL);
    e.date = col(st, 8, NULL);
    e.when = col(st, 9, NULL);
    e.sentence = col(st, 10, NULL);
    if (!e.actors) e.actors = "";
    if (!e.actor_ids) e.actor_ids = "";
    rc = cb(ctx, &e);
  }
  sqlite3_finalize(st);
  return rc;
}
