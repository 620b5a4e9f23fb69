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

#include <stdatomic.h>
#include <stdlib.h>

/* ---- writing (batched) ---- */

/* Text kept in the batch arena: offset + length, or none. */
typedef struct bstr {
  uint32_t off, len;
} bstr;
#define BSTR_NONE ((bstr){UINT32_MAX, 0})

/* An entity of the open batch, in order of first appearance. */
typedef struct bent {
  bstr key, name, urdu, country;
  uint8_t type, known;
  int64_t mentions, articles;
  int64_t id;       /* entity.id once known (flush, or pending_ents) */
  uint8_t predicted; /* id handed out before the row exists (a new entity) */
} bent;

/* A spelling of a batch entity with its count in the batch. */
typedef struct bvar {
  uint32_t ent;
  bstr spelling;
  int64_t count;
} bvar;

typedef struct bmen {
  int64_t article;
  uint32_t ent, start, end;
  uint8_t field, source;
} bmen;

typedef struct bquo {
  int64_t article;
  int32_t speaker; /* batch entity or -1 */
  bstr speaker_text, verb, text;
  uint32_t start, end;
  uint8_t direct, field;
} bquo;

typedef struct bevt {
  int64_t article;
  uint8_t type, field, has_sent;
  uint16_t cameo;
  int32_t place; /* batch entity or -1 */
  bstr trigger, date, when, sentence;
  uint32_t sent_start, sent_end;
  uint32_t act0, nact; /* into actors */
} bevt;

/* Grow a typed array: the batch tables below. */
#define GROW(arr, n, cap) ((n) < (cap) ? 0 : grow((void **)&(arr), &(cap), (n) + 1, sizeof *(arr)))
#define GROW32(arr, n, cap) ((n) < (cap) ? 0 : grow32((void **)&(arr), &(cap), (n) + 1, sizeof *(arr)))

/* Statements of the hook (SQL_W). */
enum { ST_ENT, ST_VAR, ST_MEN, ST_QUO, ST_EVT, ST_ACT, ST_DONE, ST_KEY, ST_NEXT, ST_MEN16, ST_UPD, ST_MAX };

/* Mention rows go KH__MEN_ROWS to a statement: INSERT OR IGNORE, because a
** multi-row statement that may abort (plain INSERT: NOT NULL) gets a
** statement journal, a temporary file (3.6x the pwrite calls when tried);
** the columns are bound integers, never NULL, so nothing is ignored and
** the rows and their rowids are those of one statement a row. */
#define KH__MEN_ROWS 16
#define KH__MEN_AHEAD 4096 /* mention rows buffered, then written before the flush (add_article) */

/* Mention rows are written one a statement: a multi-row INSERT (16 rows)
** may abort half-way (NOT NULL), so SQLite gives it a statement journal,
** a temporary file: 3.6x the pwrite calls of the ingest (strace, 5k
** articles), more than the statement overhead it saved. */

/* The analyze hook's state on one connection: the analyzer, and the rows
** of the open batch, kept in memory and written by flush just before the
** COMMIT (a write statement after each article's FTS5 insert would make
** FTS5 flush its pending terms at the statement savepoint: one segment per
** article).  Entities are merged by key within the batch, variants by
** (entity, spelling); mention, quote and event rows keep their order, so
** the rows and their ids are the ones per-article writes gave. */
typedef struct astate {
  const kh_analyzer *an;
  kh__buf arena; /* text of the batch */
  bent *ents;
  uint32_t nents, capents;
  bvar *vars;
  uint32_t nvars, capvars;
  uint32_t *emap, *vmap; /* open addressing: index + 1, 0 empty */
  uint32_t emask, vmask;
  bmen *men;
  size_t nmen, capmen;
  bquo *quo;
  size_t nquo, capquo;
  bevt *evt;
  size_t nevt, capevt;
  uint32_t *act;
  size_t nact, capact;
  int64_t *done;
  size_t ndone, capdone;
  uint32_t *local; /* scratch: article entity index -> batch entity */
  size_t caplocal;
  size_t last_men0;  /* the last article's mention rows start here */
  uint32_t resolved; /* batch entities [0, resolved) have their id */
  size_t men_written; /* mention rows [0, men_written) are in the file (write_mentions) */
  size_t men_ahead;   /* write them once this many wait (KHABAR_INGEST_SLICES=0: at the flush only) */
  int64_t next_id;   /* id of the next new entity (0: not read yet) */
  sqlite3_stmt *st[ST_MAX];
  /* ids of entities in the file by key (ent_known): a batch's entity is
  ** then counted by an UPDATE of its row instead of an upsert by key */
  struct kent {
    uint64_t h; /* fnv of the key, 0 empty */
    int64_t id;
    uint32_t off, len; /* the key in karena */
  } *kv;
  uint32_t nk, kcap; /* kcap a power of two */
  kh__buf karena;
  /* word-form caches of the tagger (kh_analyze_cached): the ingest worker
  ** and the writer (which prepares slots itself when the worker is behind)
  ** may analyze at once; each takes a free one (none free: kh_analyze) */
  struct {
    atomic_flag busy;
    kh_analyze_cache *c; /* made by its first user */
  } fc[2];
} astate;

/* word-form cache slots (of kh__form, ~300 bytes each) a thread keeps */
#define KH__ANALYZE_FORMS 16384

/* Entity ids kept at most (then the cache starts afresh): entities are
** never deleted nor renumbered, so a kept id stays right; those of a
** batch that is rolled back are forgotten (on_discard). */
#define KH__ENT_IDS (1u << 18)

static const char *const SQL_W[ST_MAX] = {
    "INSERT INTO entity(id, key, name, urdu, type, country, known, mentions, articles) "
    "VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "INSERT INTO entity_variant(entity, spelling, count) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(entity, spelling) DO UPDATE SET count = count + excluded.count",
    "INSERT INTO mention(article, entity, field, start, end, source) VALUES (?1,?2,?3,?4,?5,?6)",
    "INSERT INTO quote(article, speaker, speaker_text, verb, direct, field, start, end, text) "
    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    "INSERT INTO event(article, type, cameo, trigger, place, date, whentext, field, sent_start, "
    "sent_end, sentence) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    "INSERT OR IGNORE INTO event_actor(event, entity, pos) VALUES (?1, ?2, ?3)",
    "INSERT OR IGNORE INTO analyzed(rowid) VALUES (?1)",
    "SELECT id FROM entity WHERE key = ?1",
    "SELECT coalesce(max(id), 0) + 1 FROM entity",
    "INSERT OR IGNORE INTO mention(article, entity, field, start, end, source) VALUES "
    "(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),"
    "(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),"
    "(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?),(?,?,?,?,?,?)",
    "UPDATE entity SET mentions = mentions + ?1, articles = articles + ?2 WHERE id = ?3"};

/* Pending text above which a batch is written before its commit (memory
** bound for huge articles or a long kh_analyze_update). */
#define KH__ANALYZE_PENDING_MAX (32u << 20)

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *q = kh__realloc(*p, c * elem);
  if (!q) return KH_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

static int grow32(void **p, uint32_t *cap, size_t need, size_t elem) {
  size_t c = *cap;
  int rc = grow(p, &c, need, elem);
  if (!rc) *cap = (uint32_t)c;
  return rc;
}

static uint64_t fnv(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h;
}

static const char *bptr(const astate *s, bstr b) { return b.off == UINT32_MAX ? NULL : s->arena.data + b.off; }

static bstr keep(astate *s, const char *t, size_t n, int *rc) {
  if (!t) return BSTR_NONE;
  if (*rc) return BSTR_NONE;
  bstr b = {(uint32_t)s->arena.len, (uint32_t)n};
  kh__buf_append(&s->arena, t, n, rc);
  kh__buf_appendc(&s->arena, '\0', rc);
  return *rc ? BSTR_NONE : b;
}

static int beq(const astate *s, bstr b, const char *t, size_t n) {
  return b.len == n && !memcmp(s->arena.data + b.off, t, n);
}

static uint64_t key_hash(const char *t, size_t n) {
  uint64_t h = fnv(0xcbf29ce484222325ull, t, n);
  return h ? h : 1;
}

/* The id of the entity with key t kept by ent_keep, or 0. */
static int64_t ent_known(const astate *s, const char *t, size_t n) {
  if (!s->nk) return 0;
  uint64_t h = key_hash(t, n);
  for (uint32_t j = (uint32_t)h & (s->kcap - 1); s->kv[j].h; j = (j + 1) & (s->kcap - 1))
    if (s->kv[j].h == h && s->kv[j].len == n && !memcmp(s->karena.data + s->kv[j].off, t, n)) return s->kv[j].id;
  return 0;
}

static void ent_forget(astate *s) {
  if (s->kv) memset(s->kv, 0, (size_t)s->kcap * sizeof *s->kv);
  s->nk = 0;
  s->karena.len = 0;
}

/* Keep key t -> id (a row of the file, or of the open batch).  Memory
** only: a failure keeps nothing. */
static void ent_keep(astate *s, const char *t, size_t n, int64_t id) {
  if (ent_known(s, t, n)) return;
  if (2 * (s->nk + 1) > s->kcap) {
    if (s->kcap >= 2 * KH__ENT_IDS) {
      ent_forget(s); /* bounded: start afresh */
    } else {
      uint32_t cap = s->kcap ? 2 * s->kcap : 4096;
      struct kent *v = kh__calloc(cap, sizeof *v);
      if (!v) return;
      for (uint32_t i = 0; i < s->kcap; i++)
        if (s->kv[i].h) {
          uint32_t j = (uint32_t)s->kv[i].h & (cap - 1);
          while (v[j].h) j = (j + 1) & (cap - 1);
          v[j] = s->kv[i];
        }
      kh__free(s->kv);
      s->kv = v;
      s->kcap = cap;
    }
  }
  int rc = 0;
  size_t off = s->karena.len;
  kh__buf_append(&s->karena, t, n, &rc);
  if (rc) return;
  uint64_t h = key_hash(t, n);
  uint32_t j = (uint32_t)h & (s->kcap - 1);
  while (s->kv[j].h) j = (j + 1) & (s->kcap - 1);
  s->kv[j] = (struct kent){h, id, (uint32_t)off, (uint32_t)n};
  s->nk++;
}

/* Rebuild a map of n items with hash hf to a table of 2^k >= 4n slots. */
static int rehash(astate *s, uint32_t **map, uint32_t *mask, uint32_t n, int vars) {
  uint32_t size = 1024;
  while (size < 4 * (n + 1)) size *= 2;
  uint32_t *m = kh__calloc(size, sizeof *m);
  if (!m) return KH_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t h = vars ? fnv(0xcbf29ce484222325ull ^ s->vars[i].ent, bptr(s, s->vars[i].spelling), s->vars[i].spelling.len)
                      : fnv(0xcbf29ce484222325ull, bptr(s, s->ents[i].key), s->ents[i].key.len);
    uint32_t j = (uint32_t)h & (size - 1);
    while (m[j]) j = (j + 1) & (size - 1);
    m[j] = i + 1;
  }
  kh__free(*map);
  *map = m;
  *mask = size - 1;
  return 0;
}

/* Batch index of entity e (added on first sight); UINT32_MAX on failure. */
static uint32_t batch_entity(astate *s, const kh_entity *e, int *rc) {
  size_t kn = strlen(e->id);
  if (!s->emap || 2 * (s->nents + 1) > s->emask) {
    if ((*rc = rehash(s, &s->emap, &s->emask, s->nents, 0))) return UINT32_MAX;
  }
  uint32_t j = (uint32_t)fnv(0xcbf29ce484222325ull, e->id, kn) & s->emask;
  for (; s->emap[j]; j = (j + 1) & s->emask) {
    bent *b = &s->ents[s->emap[j] - 1];
    if (beq(s, b->key, e->id, kn)) {
      b->mentions += e->n_mentions;
      b->articles++;
      return s->emap[j] - 1;
    }
  }
  if (GROW32(s->ents, s->nents, s->capents) && (*rc = KH_ENOMEM)) return UINT32_MAX;
  bent b = {0};
  b.key = keep(s, e->id, kn, rc);
  b.name = keep(s, e->name, strlen(e->name), rc);
  b.urdu = keep(s, e->urdu, strlen(e->urdu), rc);
  b.country = keep(s, e->country, e->country ? strlen(e->country) : 0, rc);
  if (*rc) return UINT32_MAX;
  b.type = e->type;
  b.known = e->known;
  b.mentions = e->n_mentions;
  b.articles = 1;
  s->ents[s->nents] = b;
  s->emap[j] = ++s->nents;
  return s->nents - 1;
}

/* Count one spelling of batch entity ent. */
static int batch_variant(astate *s, uint32_t ent, const char *t, size_t n) {
  int rc = 0;
  if (!s->vmap || 2 * (s->nvars + 1) > s->vmask) {
    if ((rc = rehash(s, &s->vmap, &s->vmask, s->nvars, 1))) return rc;
  }
  uint32_t j = (uint32_t)fnv(0xcbf29ce484222325ull ^ ent, t, n) & s->vmask;
  for (; s->vmap[j]; j = (j + 1) & s->vmask) {
    bvar *v = &s->vars[s->vmap[j] - 1];
    if (v->ent == ent && beq(s, v->spelling, t, n)) {
      v->count++;
      return 0;
    }
  }
  if (GROW32(s->vars, s->nvars, s->capvars)) return KH_ENOMEM;
  bstr sp = keep(s, t, n, &rc);
  if (rc) return rc;
  s->vars[s->nvars] = (bvar){ent, sp, 1};
  s->vmap[j] = ++s->nvars;
  return 0;
}

static const char *field_text(const kh_article *a, int field, size_t *n) {
  *n = field == KH_FIELD_TITLE ? a->title_len : a->body_len;
  return field == KH_FIELD_TITLE ? a->title : a->body;
}

/* Add the analysis of article rowid to the batch (the rows per-article
** writes would have written, in the same order).  On failure the batch
** state is inconsistent: the caller fails the put, the store rolls back and
** discard clears it. */
static int batch_add(astate *s, int64_t rowid, const kh_article *a, const kh_analysis *r) {
  int rc = 0;
  if (r->n_entities > s->caplocal &&
      grow((void **)&s->local, &s->caplocal, r->n_entities, sizeof *s->local))
    return KH_ENOMEM;
  for (size_t i = 0; i < r->n_entities; i++)
    if ((s->local[i] = batch_entity(s, &r->entities[i], &rc)) == UINT32_MAX) return rc ? rc : KH_ENOMEM;
  s->last_men0 = s->nmen;
  for (size_t i = 0; i < r->n_mentions; i++) {
    const kh_mention *m = &r->mentions[i];
    size_t n;
    const char *t = field_text(a, m->field, &n);
    if (GROW(s->men, s->nmen, s->capmen)) return KH_ENOMEM;
    s->men[s->nmen++] = (bmen){rowid, s->local[m->entity], m->start, m->end, m->field, m->source};
    if (m->source == KH_MSRC_ROLE || !t || m->end > n) continue;
    if ((rc = batch_variant(s, s->local[m->entity], t + m->start, m->end - m->start))) return rc;
  }
  for (size_t i = 0; i < r->n_quotes; i++) {
    const kh_quote *q = &r->quotes[i];
    size_t n;
    const char *t = field_text(a, q->field, &n);
    if (!t || q->end > n) continue;
    if (GROW(s->quo, s->nquo, s->capquo)) return KH_ENOMEM;
    bquo b;
    b.article = rowid;
    b.speaker = q->speaker >= 0 ? (int32_t)s->local[q->speaker] : -1;
    b.speaker_text = keep(s, q->speaker_text, q->speaker_text ? strlen(q->speaker_text) : 0, &rc);
    b.verb = keep(s, q->verb, q->verb ? strlen(q->verb) : 0, &rc);
    b.text = keep(s, t + q->start, q->end - q->start, &rc);
    b.start = q->start;
    b.end = q->end;
    b.direct = q->direct;
    b.field = q->field;
    if (rc) return rc;
    s->quo[s->nquo++] = b;
  }
  for (size_t i = 0; i < r->n_events; i++) {
    const kh_event *e = &r->events[i];
    const kh_sentence *sn = (size_t)e->sentence < r->n_sentences ? &r->sentences[e->sentence] : NULL;
    size_t n;
    const char *t = field_text(a, e->field, &n);
    if (GROW(s->evt, s->nevt, s->capevt)) return KH_ENOMEM;
    if (s->nact + e->n_actors > s->capact &&
        grow((void **)&s->act, &s->capact, s->nact + e->n_actors, sizeof *s->act))
      return KH_ENOMEM;
    bevt b = {0};
    b.article = rowid;
    b.type = e->type;
    b.cameo = e->cameo;
    b.field = e->field;
    b.trigger = keep(s, e->trigger, e->trigger ? strlen(e->trigger) : 0, &rc);
    b.place = e->place >= 0 ? (int32_t)s->local[e->place] : -1;
    b.date = keep(s, e->date[0] ? e->date : NULL, strlen(e->date), &rc);
    b.when = keep(s, e->when, e->when ? strlen(e->when) : 0, &rc);
    if (sn && t && sn->end <= n) {
      b.has_sent = 1;
      b.sent_start = sn->start;
      b.sent_end = sn->end;
      b.sentence = keep(s, t + sn->start, sn->end - sn->start, &rc);
    }
    if (rc) return rc;
    b.act0 = (uint32_t)s->nact;
    b.nact = e->n_actors;
    for (uint32_t k = 0; k < e->n_actors; k++) s->act[s->nact++] = s->local[e->actors[k]];
    s->evt[s->nevt++] = b;
  }
  if (GROW(s->done, s->ndone, s->capdone)) return KH_ENOMEM;
  s->done[s->ndone++] = rowid;
  return 0;
}

/* Forget the batch (after it was written or rolled back). */
static void batch_clear(astate *s) {
  s->arena.len = 0;
  s->nents = s->nvars = 0;
  if (s->emap) memset(s->emap, 0, ((size_t)s->emask + 1) * sizeof *s->emap);
  if (s->vmap) memset(s->vmap, 0, ((size_t)s->vmask + 1) * sizeof *s->vmap);
  s->nmen = s->nquo = s->nevt = s->nact = s->ndone = 0;
  s->last_men0 = 0;
  s->resolved = 0;
  s->men_written = 0;
  s->next_id = 0;
}

static void bind_bstr(const astate *s, sqlite3_stmt *st, int i, bstr b) {
  if (b.off == UINT32_MAX) sqlite3_bind_null(st, i);
  else sqlite3_bind_text(st, i, s->arena.data + b.off, (int)b.len, SQLITE_STATIC);
}

static int step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
}

/* Write the batch's rows (inside the open transaction) and clear it. */
static int prepare_all(astate *s, kh_db *db) {
  for (int i = 0; i < ST_MAX; i++)
    if (!s->st[i] &&
        sqlite3_prepare_v3(db->sql, SQL_W[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK)
      return sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  return 0;
}

/* Batch entities [resolved, top) get their ids: a kept or stored key's,
** or for a new key the id the flush will give it (max(id) + 1, + 2, ...
** in order of first appearance; the flush inserts it with that id). */
static int resolve_to(astate *s, kh_db *db, uint32_t top) {
  if (top <= s->resolved) return 0;
  int rc = prepare_all(s, db);
  for (; !rc && s->resolved < top; s->resolved++) {
    bent *e = &s->ents[s->resolved];
    if ((e->id = ent_known(s, bptr(s, e->key), e->key.len))) continue;
    sqlite3_stmt *st = s->st[ST_KEY];
    bind_bstr(s, st, 1, e->key);
    int r = sqlite3_step(st);
    e->id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return r == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
    if (r == SQLITE_ROW) continue;
    if (!s->next_id) {
      st = s->st[ST_NEXT];
      s->next_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
      sqlite3_reset(st);
      if (!s->next_id) return KH_EDB;
    }
    e->id = s->next_id++;
    e->predicted = 1;
  }
  return rc;
}

/* Write the mention rows not yet written (their entities have ids), 16 a
** statement, then (all) the rest one a statement: the rows and rowids of
** one statement a row, in the batch's order. */
static int write_mentions(astate *s, int all) {
  int rc = 0;
  for (size_t i = s->men_written; !rc && i < s->nmen;) {
    int rows = s->nmen - i >= KH__MEN_ROWS ? KH__MEN_ROWS : 1;
    if (rows == 1 && !all) break;
    sqlite3_stmt *st = s->st[rows > 1 ? ST_MEN16 : ST_MEN];
    for (int r = 0; r < rows; r++, i++) {
      const bmen *m = &s->men[i];
      sqlite3_bind_int64(st, 6 * r + 1, m->article);
      sqlite3_bind_int64(st, 6 * r + 2, s->ents[m->ent].id);
      sqlite3_bind_int(st, 6 * r + 3, m->field);
      sqlite3_bind_int(st, 6 * r + 4, (int)m->start);
      sqlite3_bind_int(st, 6 * r + 5, (int)m->end);
      sqlite3_bind_int(st, 6 * r + 6, m->source);
    }
    rc = step_done(st);
    if (!rc) s->men_written = i;
  }
  return rc;
}

static int batch_write(astate *s, kh_db *db) {
  if (!s->ndone) return 0;
  int rc = prepare_all(s, db);
  if (rc) return rc;
  /* each entity: its row's counts raised (the id kept, or found by key),
  ** or a new row (with the id pending_ents gave it, else the next rowid);
  ** what an upsert by key with RETURNING id did, at about half its cost */
  sqlite3_stmt *st;
  for (uint32_t i = 0; !rc && i < s->nents; i++) {
    bent *e = &s->ents[i];
    const char *key = bptr(s, e->key);
    int64_t id = e->predicted ? 0 : ent_known(s, key, e->key.len);
    if (!id && !e->predicted) {
      if (i < s->resolved) {
        id = e->id; /* pending_ents looked it up (0: none) */
      } else {
        st = s->st[ST_KEY];
        bind_bstr(s, st, 1, e->key);
        int r = sqlite3_step(st);
        id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE) rc = r == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
      }
    }
    if (rc) break;
    if (id) {
      st = s->st[ST_UPD];
      sqlite3_bind_int64(st, 1, e->mentions);
      sqlite3_bind_int64(st, 2, e->articles);
      sqlite3_bind_int64(st, 3, id);
      if ((rc = step_done(st))) break;
      if (sqlite3_changes(db->sql) != 1) {
        rc = KH_EDB; /* a kept id without its row: never (entities are not deleted) */
        break;
      }
    } else {
      st = s->st[ST_ENT];
      bind_bstr(s, st, 1, e->key);
      bind_bstr(s, st, 2, e->name);
      bind_bstr(s, st, 3, e->urdu);
      sqlite3_bind_int(st, 4, e->type);
      bind_bstr(s, st, 5, e->country);
      sqlite3_bind_int(st, 6, e->known);
      sqlite3_bind_int64(st, 7, e->mentions);
      sqlite3_bind_int64(st, 8, e->articles);
      if (e->predicted) sqlite3_bind_int64(st, 9, e->id); /* the id pending_ents gave */
      else sqlite3_bind_null(st, 9);
      if ((rc = step_done(st))) break;
      id = sqlite3_last_insert_rowid(db->sql);
    }
    e->id = id;
    ent_keep(s, key, e->key.len, id);
  }
  st = s->st[ST_VAR];
  for (uint32_t i = 0; !rc && i < s->nvars; i++) {
    sqlite3_bind_int64(st, 1, s->ents[s->vars[i].ent].id);
    bind_bstr(s, st, 2, s->vars[i].spelling);
    sqlite3_bind_int64(st, 3, s->vars[i].count);
    rc = step_done(st);
  }
  if (!rc) rc = write_mentions(s, 1);
  st = s->st[ST_QUO];
  for (size_t i = 0; !rc && i < s->nquo; i++) {
    const bquo *q = &s->quo[i];
    sqlite3_bind_int64(st, 1, q->article);
    if (q->speaker >= 0) sqlite3_bind_int64(st, 2, s->ents[q->speaker].id);
    else sqlite3_bind_null(st, 2);
    bind_bstr(s, st, 3, q->speaker_text);
    bind_bstr(s, st, 4, q->verb);
    sqlite3_bind_int(st, 5, q->direct);
    sqlite3_bind_int(st, 6, q->field);
    sqlite3_bind_int(st, 7, (int)q->start);
    sqlite3_bind_int(st, 8, (int)q->end);
    bind_bstr(s, st, 9, q->text);
    rc = step_done(st);
  }
  static const char *const types[] = {"?", "meet", "visit", "host"};
  for (size_t i = 0; !rc && i < s->nevt; i++) {
    const bevt *e = &s->evt[i];
    char cameo[8];
    snprintf(cameo, sizeof cameo, "%03u", (unsigned)e->cameo % 1000u);
    st = s->st[ST_EVT];
    sqlite3_bind_int64(st, 1, e->article);
    sqlite3_bind_text(st, 2, types[e->type & 3], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, cameo, -1, SQLITE_TRANSIENT);
    bind_bstr(s, st, 4, e->trigger);
    if (e->place >= 0) sqlite3_bind_int64(st, 5, s->ents[e->place].id);
    else sqlite3_bind_null(st, 5);
    bind_bstr(s, st, 6, e->date);
    bind_bstr(s, st, 7, e->when);
    sqlite3_bind_int(st, 8, e->field);
    if (e->has_sent) {
      sqlite3_bind_int(st, 9, (int)e->sent_start);
      sqlite3_bind_int(st, 10, (int)e->sent_end);
      bind_bstr(s, st, 11, e->sentence);
    } else {
      sqlite3_bind_null(st, 9);
      sqlite3_bind_null(st, 10);
      sqlite3_bind_null(st, 11);
    }
    if ((rc = step_done(st))) break;
    int64_t ev = sqlite3_last_insert_rowid(db->sql);
    st = s->st[ST_ACT];
    for (uint32_t k = 0; !rc && k < e->nact; k++) {
      sqlite3_bind_int64(st, 1, ev);
      sqlite3_bind_int64(st, 2, s->ents[s->act[e->act0 + k]].id);
      sqlite3_bind_int(st, 3, (int)k);
      rc = step_done(st);
    }
  }
  st = s->st[ST_DONE];
  for (size_t i = 0; !rc && i < s->ndone; i++) {
    sqlite3_bind_int64(st, 1, s->done[i]);
    rc = step_done(st);
  }
  for (int i = 0; i < ST_MAX; i++)
    if (s->st[i]) sqlite3_clear_bindings(s->st[i]);
  batch_clear(s);
  return rc;
}

static void astate_free(astate *s) {
  if (!s) return;
  for (int i = 0; i < ST_MAX; i++) sqlite3_finalize(s->st[i]);
  for (int i = 0; i < 2; i++) kh_analyze_cache_free(s->fc[i].c);
  kh__buf_free(&s->arena);
  kh__free(s->ents);
  kh__free(s->vars);
  kh__free(s->emap);
  kh__free(s->vmap);
  kh__free(s->men);
  kh__free(s->quo);
  kh__free(s->evt);
  kh__free(s->act);
  kh__free(s->done);
  kh__free(s->local);
  kh__free(s->kv);
  kh__buf_free(&s->karena);
  kh__free(s);
}

static astate *astate_new(const kh_analyzer *an) {
  astate *s = kh__calloc(1, sizeof *s);
  if (!s) return NULL;
  s->an = an;
  for (int i = 0; i < 2; i++) atomic_flag_clear(&s->fc[i].busy);
  s->arena.max = (size_t)1 << 31; /* offsets are 32-bit */
  const char *sl = getenv("KHABAR_INGEST_SLICES");
  s->men_ahead = sl && *sl == '0' ? SIZE_MAX : KH__MEN_AHEAD;
  return s;
}

/* Analyze (or take the analysis prepared on the ingest worker) and add the
** rows to the batch; a large batch is written at once. */
/* kh_analyze with a free word-form cache of s (the same result) */
static int analyze(astate *s, const kh_article *a, kh_analysis **r) {
  for (int i = 0; i < 2; i++) {
    if (atomic_flag_test_and_set_explicit(&s->fc[i].busy, memory_order_acquire)) continue;
    int rc = s->fc[i].c ? 0 : kh_analyze_cache_new(KH__ANALYZE_FORMS, &s->fc[i].c);
    if (!rc) rc = kh_analyze_cached(s->an, s->fc[i].c, a, 0, r);
    atomic_flag_clear_explicit(&s->fc[i].busy, memory_order_release);
    return rc;
  }
  return kh_analyze(s->an, a, 0, r);
}

static int add_article(astate *s, kh_db *db, int64_t rowid, const kh_article *a, kh_analysis *pre) {
  kh_analysis *r = pre;
  int rc = r ? 0 : analyze(s, a, &r);
  if (rc) return rc;
  rc = batch_add(s, rowid, a, r);
  kh_analysis_free(r);
  if (!rc && s->arena.len > KH__ANALYZE_PENDING_MAX) rc = batch_write(s, db);
  /* mention rows are written as they come (their entities' ids are known
  ** or foreseen): the flush, which an ingest worker with a full ring
  ** sleeps through, is left a little of them; the entity rows wait for
  ** the flush (their counts are the batch's) */
  if (!rc && s->nmen - s->men_written >= s->men_ahead && !(rc = resolve_to(s, db, s->nents))) rc = write_mentions(s, 0);
  return rc;
}

static int on_put(void *ctx, kh_db *db, int64_t rowid, const kh_article *a) {
  return add_article(ctx, db, rowid, a, kh__db_take_prepared(db));
}

/* On the ingest worker: kh_analyze is a pure function of the analyzer and
** the article (NULL on failure: the put then analyzes itself). */
static void *on_prepare(void *ctx, const kh_article *a, const kh__tokcache *tc) {
  astate *s = ctx; /* of its mutable state only the caches (taken atomically) */
  kh_analysis *r = NULL;
  return analyze(s, a, &r) ? NULL : r;
}

static void on_drop(void *ctx, void *prepared) { kh_analysis_free(prepared); }

static int on_flush(void *ctx, kh_db *db) { return batch_write(ctx, db); }
static void on_discard(void *ctx) {
  batch_clear(ctx);
  ent_forget(ctx); /* ids of rows that were rolled back among them */
}
static void on_release(void *ctx) { astate_free(ctx); }

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

/* kh__ents_fn for the stories: the entity ids of the last article added,
** from its batch mention rows.  Ids of entities not yet written are the
** ones the flush will give them: batch entities are resolved in order of
** first appearance, an existing key by lookup, a new one as max(id) + 1,
** + 2, ..., and the flush inserts those with that id. */
static uint32_t pending_ents(void *ctx, kh_db *db, int64_t rowid, int64_t *out, uint32_t cap) {
  astate *s = ctx;
  if (!s->ndone || s->done[s->ndone - 1] != rowid) return UINT32_MAX;
  uint32_t top = 0;
  for (size_t i = s->last_men0; i < s->nmen; i++)
    if (s->men[i].ent + 1 > top) top = s->men[i].ent + 1;
  if (resolve_to(s, db, top)) return 0;
  size_t m = s->nmen - s->last_men0, n = 0;
  int64_t *ids = kh__malloc((m + 1) * sizeof *ids);
  if (!ids) return 0;
  for (size_t i = 0; i < m; i++) ids[i] = s->ents[s->men[s->last_men0 + i].ent].id;
  qsort(ids, m, sizeof *ids, cmp_i64);
  for (size_t i = 0; i < m && n < cap; i++)
    if (i == 0 || ids[i] != ids[i - 1]) out[n++] = ids[i];
  kh__free(ids);
  return (uint32_t)n;
}

/* KHABAR_INGEST_MEM: the sizes of the batch tables. */
static void on_mem(void *ctx, FILE *f) {
  const astate *s = ctx;
  fprintf(f, " analyze: ids %u %.1f arena %.1f ents %u %.1f vars %.1f maps %.1f men %.1f quo %.1f evt %.1f", s->nk,
          ((double)s->kcap * sizeof *s->kv + s->karena.cap) / 1e6, s->arena.cap / 1e6,
          s->nents, s->capents * sizeof *s->ents / 1e6, s->capvars * sizeof *s->vars / 1e6,
          ((s->emap ? s->emask + 1.0 : 0) + (s->vmap ? s->vmask + 1.0 : 0)) * 4 / 1e6, s->capmen * sizeof *s->men / 1e6,
          s->capquo * sizeof *s->quo / 1e6, (s->capevt * sizeof *s->evt + s->capact * 4) / 1e6);
}

static const kh__hook_ops analyze_ops = {on_flush, on_discard, on_release, on_prepare, on_drop, on_mem};

static astate *attached(kh_db *db) {
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == on_put) return db->hooks[i].ctx;
  return NULL;
}

int kh_analyze_attach(kh_db *db, const kh_analyzer *a) {
  if (!db || !a) return KH_EINVAL;
  if (attached(db)) return 0;
  astate *s = astate_new(a);
  if (!s) return KH_ENOMEM;
  int rc = kh__db_on_put_ops(db, on_put, &analyze_ops, s);
  if (rc) {
    astate_free(s);
    return rc;
  }
  db->pending_ents = pending_ents;
  db->pending_ctx = s;
  return 0;
}

static const char *col(sqlite3_stmt *st, int i, size_t *n) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  if (n) *n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
  return s;
}

int kh_analyze_update(kh_db *db, const kh_analyzer *a, int64_t *added) {
  if (added) *added = 0;
  if (!db || !a) return KH_EINVAL;
  /* the attached hook's batch is written by the commit; without one a
  ** state of our own is written here */
  astate *s = attached(db), *own = NULL;
  if (!s && !(s = own = astate_new(a))) return KH_ENOMEM;
  const kh_analyzer *keep_an = s->an;
  s->an = a;
  int rc = kh__db_begin(db);
  sqlite3_stmt *st = NULL;
  if (!rc && sqlite3_prepare_v2(db->sql,
                                "SELECT rowid, id, published, title, body FROM article "
                                "WHERE rowid NOT IN (SELECT rowid FROM analyzed) ORDER BY rowid",
                                -1, &st, NULL) != SQLITE_OK)
    rc = KH_EDB;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    kh_article art = {0};
    int64_t rowid = sqlite3_column_int64(st, 0);
    art.id = col(st, 1, &art.id_len);
    art.published = col(st, 2, &art.published_len);
    art.title = col(st, 3, &art.title_len);
    art.body = col(st, 4, &art.body_len);
    rc = add_article(s, db, rowid, &art, NULL);
    if (!rc && added) (*added)++;
  }
  sqlite3_finalize(st);
  if (!rc && own) rc = batch_write(own, db);
  s->an = keep_an;
  if (rc) kh__db_rollback(db);
  else rc = kh_db_commit(db);
  if (own) astate_free(own);
  return rc;
}

/* ---- queries ---- */

static int prep(kh_db *db, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) == SQLITE_OK ? 0 : KH_EDB;
}

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
