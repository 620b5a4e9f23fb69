/*
** ingest.c — kh_ingest_path: pick the reader for an input (JSON Lines,
** CSV, an RSS/Atom feed, a web page, a folder of .txt files, stdin, an
** http(s) URL: fetch.c), store every good record with
** kh_db_put_article, report bad ones with file:line and the reason, count
** stored / duplicate / rejected, and commit at the end.  Memory stays flat:
** one record at a time, writes batched KH_DB_BATCH to a transaction.
**
** With a second core the work is pipelined: the reader copies each record
** (for JSON Lines: each line, unparsed) into a ring of KH__PIPE_SLOTS
** slots (at most KH__PIPE_BYTES of records in it), a worker thread prepares the next ones (JSON parsing, then
** kh__db_prepare: tokens, content hash, date, and the hooks' pure work
** such as kh_analyze and the corpus fingerprint) while this thread stores
** the oldest ready one (kh__db_put_prepared); when that one is not ready,
** this thread prepares the newest slot nobody has taken that it will store
** before the batch's commit, instead of sleeping (the worker, behind, then
** does only its in-order work; the slots after the commit are left to the
** worker, its work while this thread commits).  Hooks with in-order work
** (kh__db_hook_order: the corpus hook's story assignment) get it on the
** worker too, in input order, for the articles the worker foresees stored
** (foresee_stored).  The writer's connection is used by this thread only
** (the worker reads through its own), and the slots are stored in input
** order, so the database is the same as the sequential path's
** (tests/test_pipeline.c).  opts->threads = 1 or
** KHABAR_INGEST_THREADS=1 forces the sequential path.
**
**   kh_ingest_stats st = {0};
**   kh_ingest_opts o = {.on_error = print_error};
**   kh_ingest_path(db, "news.jsonl", &o, &st);
*/
#include "store.h"

#include <dirent.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#include <malloc.h> /* mallinfo2 */
#define KH__MALLINFO2 1
#endif
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* The ring is deep enough to carry the worker through the writer's batch
** COMMIT (FTS5 segments, story and LSH rows: ~0.5 s for KH_DB_BATCH 2,000)
** and the writer through the worker's slow articles; with 16 slots each
** side stalled the other.  A sleeping thread is woken once KH__PIPE_WAKE
** records are ready for it (or the other side needs it), not for every
** record.  Memory: the slots' buffers (records, tokens, analyses; ~60 KB a
** slot measured) of at most KH__PIPE_BYTES of input in flight. */
#define KH__PIPE_SLOTS 1024
#define KH__PIPE_WAKE 32
#define KH__PIPE_BYTES ((size_t)64 << 20)
/* keys (id, content hash) of articles foreseen stored and maybe not yet
** committed: at most a batch plus the ring, 2 keys each (a power of 2) */
#define KH__SEEN 16384
_Static_assert(KH__SEEN >= 2 * (KH_DB_BATCH + KH__PIPE_SLOTS) && (KH__SEEN & (KH__SEEN - 1)) == 0, "KH__SEEN");

/* One record in the pipeline: a copy of the article (the reader's memory
** is gone when the sink returns) or of a bad record's reason. */
typedef struct pslot {
  kh_article a;
  kh__buf mem;      /* the article's fields back to back */
  const char *file; /* for messages (a string that outlives the ingest) */
  uint64_t line;
  int bad;          /* 1: a bad record, mem holds the reason */
  int raw;          /* 1: a JSON line in raw, parsed by the worker into a/mem */
  int err;          /* the worker's failure to copy the parsed record (KH_ENOMEM) */
  size_t size;      /* bytes of the record (the ring's byte budget) */
  int state;        /* (mu) 0: to prepare, 1: being prepared, 2: prepared by the writer (pure part) */
  kh__buf rawbuf;   /* the JSON line, then the file name */
  const char *rawfile;
  kh__prep prep;
} pslot;

typedef struct pipe {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t work, ready;
  pslot slot[KH__PIPE_SLOTS];
  uint64_t head;  /* records handed in (reader) */
  uint64_t done;  /* records prepared (worker) */
  uint64_t tail;  /* records stored (writer) */
  size_t bytes;   /* of the records in the ring (reader and writer only) */
  int stop;
  int kwait;      /* the worker sleeps on work */
  int wwait;      /* the writer sleeps on ready */
  double kslept, wslept; /* seconds each slept (KHABAR_INGEST_WAITS=1 prints them) */
  uint64_t ksleeps, wsleeps;
  int steal;      /* the writer prepares slots itself instead of sleeping: 2 those stored before the
                  ** batch's commit, 1 any (KHABAR_INGEST_STEAL=1), 0 none (=0) */
  int kwslot;     /* the worker waits for a slot the writer prepares */
  uint64_t stolen; /* slots the writer prepared */
  double wstole;  /* seconds the writer spent preparing them */
  double kslot;   /* seconds the worker waited for them */
  /* the checkpointer: its own connection copies the WAL into the file */
  sqlite3 *ck;
  pthread_t ckth;
  int ckrun;      /* the thread runs */
  int ckwant;     /* a checkpoint is wanted */
  int ckstop;
  pthread_cond_t ckcond;
  double ckwall;  /* seconds it spent checkpointing */
  uint64_t cks, cksync; /* checkpoints it ran, and the writer's own (WAL too large) */
  int ckpages, cknext;  /* the WAL's pages after the last commit; wake at cknext (writer only) */
  int ckstep;           /* KH__CK_PAGES (KHABAR_INGEST_CK_PAGES: tests) */
  const kh_db *db;
  const char *default_source; /* for records without one (constant during the ingest) */
  int ordered[KH__MAX_HOOKS]; /* hooks that take ordered calls on the worker (their begin said yes) */
  int anyord;
  /* Which articles the put will store, foreseen on the worker for the
  ** ordered calls (a duplicate gets none): one whose id or content hash is
  ** neither in the file (rd: its own read-only connection, committed
  ** batches) nor among the articles foreseen stored that may not be
  ** committed yet (seen: slot numbers from committed on).  A wrong guess
  ** only costs the hook its ordered work (the hook checks the sequence). */
  sqlite3 *rd;
  sqlite3_stmt *rd_id, *rd_hash;
  uint64_t committed;  /* slots before this one are committed (writer sets, mu) */
  struct seen {
    uint64_t key, slot;
  } seen[KH__SEEN];    /* FIFO of keys foreseen stored, by slot number */
  uint32_t seen0, nseen;
  uint64_t seenset[2 * KH__SEEN]; /* the keys of seen (open addressing, 0 empty) */
  int foresee;         /* 0: every prepared article is guessed stored */
  uint64_t memn;       /* KHABAR_INGEST_MEM=N: a memory line every N records (writer) */
  size_t slotmem[KH__PIPE_SLOTS]; /* each slot's buffers when last stored (writer, KHABAR_INGEST_MEM) */
  size_t slot_kept;    /* the most a slot kept once its record was stored (writer; kh_db.slot_kept) */
  double t0;           /* the ingest's start (mono) */
  double wcpu0, kcpu, ckcpu; /* thread CPU seconds: the writer's at the start, the worker's and checkpointer's at their end */
} pipe;

typedef struct ing {
  kh_db *db;
  const kh_ingest_opts *o;
  kh_ingest_stats *st;
  const char *file;           /* for messages */
  const char *default_source; /* for records without one */
  pipe *pp;                   /* NULL: sequential */
  int fatal;                  /* a put failed (pipeline): stop, drop the rest */
} ing;

static void reject(ing *g, uint64_t line, const char *reason) {
  g->st->rejected++;
  if (g->o->on_error) g->o->on_error(g->o->ctx, g->file, line, reason);
}

static void progress(ing *g) {
  if (g->o->on_progress) g->o->on_progress(g->o->ctx, g->st);
}

/* Count the outcome of a put; a non-zero return stops the ingest. */
static int outcome(ing *g, uint64_t line, int rc) {
  if (rc == 0) g->st->stored++;
  else if (rc == KH_DUPLICATE) g->st->duplicates++;
  else if (rc == KH_ETOOBIG) reject(g, line, "title or body larger than 16 MiB");
  else if (rc == KH_EINVAL) reject(g, line, "no text, or extra fields that are not a JSON object");
  else return rc; /* the database failed: stop */
  return 0;
}

/* ---- the pipeline ---- */

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void parse_slot(pipe *p, pslot *s);

/* The pure part of a slot (any thread): parse a JSON line, kh__db_prepare
** with the hooks' prepare callbacks. */
static void prepare_slot(pipe *p, pslot *s) {
  if (s->raw) parse_slot(p, s);
  if (!s->bad && !s->err) kh__db_prepare(p->db, &s->a, &s->prep, 1);
}

static uint64_t key_of(const char *s, size_t n, uint64_t salt) {
  uint64_t h = 0xcbf29ce484222325ULL ^ salt;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  h ^= h >> 29;
  return h ? h : 1;
}

static int seen_has(const pipe *p, uint64_t k) {
  for (uint32_t i = (uint32_t)k & (2 * KH__SEEN - 1); p->seenset[i]; i = (i + 1) & (2 * KH__SEEN - 1))
    if (p->seenset[i] == k) return 1;
  return 0;
}

static void seen_set(pipe *p, uint64_t k) {
  uint32_t i = (uint32_t)k & (2 * KH__SEEN - 1);
  while (p->seenset[i] && p->seenset[i] != k) i = (i + 1) & (2 * KH__SEEN - 1);
  p->seenset[i] = k;
}

/* Forget the keys of committed slots (they are in the file now). */
static void seen_prune(pipe *p, uint64_t committed) {
  uint32_t drop = 0;
  while (drop < p->nseen && p->seen[(p->seen0 + drop) % KH__SEEN].slot < committed) drop++;
  if (!drop) return;
  p->seen0 = (p->seen0 + drop) % KH__SEEN;
  p->nseen -= drop;
  memset(p->seenset, 0, sizeof p->seenset);
  for (uint32_t i = 0; i < p->nseen; i++) seen_set(p, p->seen[(p->seen0 + i) % KH__SEEN].key);
}

/* 1 if a row of the file has this text in column st's ?1. */
static int rd_has(sqlite3_stmt *st, const char *v, size_t n) {
  sqlite3_bind_text(st, 1, v, (int)n, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_reset(st);
  return r == SQLITE_ROW;
}

/* On the worker: will the put store this prepared article (slot number
** slot)?  Committed: the writer's committed mark read last. */
static int foresee_stored(pipe *p, const kh__prep *pr, uint64_t slot, uint64_t committed) {
  const kh_article *a = &pr->stored;
  if (!p->foresee) return 1;
  seen_prune(p, committed);
  uint64_t kid = key_of(a->id, a->id_len, 1), kh = key_of(pr->hash, 32, 2);
  /* the seen keys first: one pruned since was committed before this reads the file */
  if (seen_has(p, kid) || seen_has(p, kh)) return 0;
  if (p->rd && (rd_has(p->rd_id, a->id, a->id_len) || rd_has(p->rd_hash, pr->hash, 32))) return 0;
  if (p->nseen + 2 > KH__SEEN) return 1; /* cannot remember it: guess stored (the hook checks) */
  p->seen[(p->seen0 + p->nseen++) % KH__SEEN] = (struct seen){kid, slot};
  p->seen[(p->seen0 + p->nseen++) % KH__SEEN] = (struct seen){kh, slot};
  seen_set(p, kid);
  seen_set(p, kh);
  return 1;
}

static void *worker(void *arg) {
  pipe *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    if (!p->stop && p->done == p->head) {
      double t = mono();
      while (!p->stop && p->done == p->head) {
        p->kwait = 1;
        pthread_cond_wait(&p->work, &p->mu);
      }
      p->kwait = 0;
      p->kslept += mono() - t;
      p->ksleeps++;
    }
    if (p->done == p->head) break; /* stopped, nothing left */
    pslot *s = &p->slot[p->done % KH__PIPE_SLOTS];
    if (s->state == 1) { /* the writer prepares it (rare: it takes the newest) */
      double t = mono();
      while (s->state == 1) {
        p->kwslot = 1;
        pthread_cond_wait(&p->work, &p->mu);
      }
      p->kwslot = 0;
      p->kslot += mono() - t;
    }
    int pure = s->state == 0;
    s->state = 1;
    uint64_t slot = p->done, committed = p->committed;
    pthread_mutex_unlock(&p->mu);
    if (pure) prepare_slot(p, s);
    if (!s->bad && !s->err) {
      /* the hooks' in-order work (stories), in input order (this thread
      ** prepares the slots one after another), for the articles that will
      ** be stored */
      if (p->anyord && !s->prep.rc && foresee_stored(p, &s->prep, slot, committed))
        for (int i = 0; i < p->db->nhooks; i++)
          if (p->ordered[i] && s->prep.hook[i])
            p->db->hooks[i].ord->ordered(p->db->hooks[i].ctx, s->prep.hook[i], &s->prep.stored);
    }
    pthread_mutex_lock(&p->mu);
    p->done++;
    if (p->wwait && (p->done - p->tail >= KH__PIPE_WAKE || p->done == p->head)) pthread_cond_signal(&p->ready);
  }
  p->kcpu = thread_cpu();
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* KHABAR_INGEST_MEM=N: every N records, on stderr, what the process holds
** (MB): resident set, the C heap (glibc: in use and free in its arenas,
** mmapped blocks), SQLite (all of it, with memory statistics on; each
** connection's page cache), the ring's buffers, the writer's term
** dictionary and the hooks' state.  To find what grows with the corpus. */
static double rss_mb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb * 1024 / 1e6;
}

static double cache_mb(sqlite3 *c) {
  int cur = 0, hi = 0;
  if (c) sqlite3_db_status(c, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0);
  return cur / 1e6;
}

static void mem_line(ing *g) {
  pipe *p = g->pp;
  FILE *f = stderr;
  fprintf(f, "ingest mem: %llu records %.0f s rss %.1f", (unsigned long long)g->st->records, mono() - p->t0,
          rss_mb());
#ifdef KH__MALLINFO2
  struct mallinfo2 mi = mallinfo2();
  fprintf(f, " | malloc used %.1f free %.1f (arenas %.1f, mmap %.1f)", mi.uordblks / 1e6, mi.fordblks / 1e6,
          mi.arena / 1e6, mi.hblkhd / 1e6);
#endif
  sqlite3_int64 cur = 0, hi = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0);
  fprintf(f, " | sqlite %.1f (high %.1f) cache %.1f ck %.1f rd %.1f", cur / 1e6, hi / 1e6, cache_mb(g->db->sql),
          cache_mb(p->ck), cache_mb(p->rd));
  size_t ring = 0;
  for (int i = 0; i < KH__PIPE_SLOTS; i++) ring += p->slotmem[i];
  fprintf(f, " | ring %.1f (in %.1f)", ring / 1e6, p->bytes / 1e6);
  const kh__terms *d = g->db->cache[0].dict;
  if (d)
    fprintf(f, " | dict %zu %.1f", d->n,
            (d->vcap * (sizeof(kh__term) + sizeof(kh__term_list)) + d->icap * sizeof(uint32_t) + d->arena.cap) / 1e6);
  for (int i = 0; i < g->db->nhooks; i++)
    if (g->db->hooks[i].ops && g->db->hooks[i].ops->mem) {
      fputs(" |", f);
      g->db->hooks[i].ops->mem(g->db->hooks[i].ctx, f);
    }
  fputc('\n', f);
}

/* A slot keeps its buffers for the next record, but not a buffer over
** KH__SLOT_KEEP bytes or (above KH__SLOT_MIN) over 4 times what its last
** record used: it is freed once the record is stored.  Kept, every slot's
** buffers ratcheted up to the largest record it had held (the ring's
** buffers 51 MB at 10k articles, 105 MB at 190k and rising: most of the
** ingest's growth in RSS); now what the ring holds follows the records in
** it, whatever came before.  KH__SLOT_KEEP is well above a typical
** record's buffers (a body's token records are 24-48 KB): at 16 KB they
** were freed and grown again for most records, +9% CPU at 100k. */
#define KH__SLOT_KEEP ((size_t)256 << 10)
#define KH__SLOT_MIN ((size_t)2 << 10) /* kept in any case */

static void trim_buf(kh__buf *b, size_t used) {
  if (b->cap <= KH__SLOT_KEEP && (b->cap <= KH__SLOT_MIN || b->cap <= 4 * used)) return;
  kh__free(b->data); /* b->max stays */
  b->data = NULL;
  b->len = b->cap = 0;
}

static void trim_slot(pslot *s) {
  trim_buf(&s->mem, s->mem.len);
  trim_buf(&s->rawbuf, s->rawbuf.len);
  for (int i = 0; i < 2; i++) {
    kh__tokcache *c = &s->prep.cache[i];
    trim_buf(&c->norms, c->norms.len);
    size_t cap = c->cap * sizeof *c->v;
    if (cap > KH__SLOT_KEEP || (cap > KH__SLOT_MIN && c->cap > 4 * c->n)) {
      kh__free(c->v);
      c->v = NULL;
      c->n = c->cap = 0;
    }
  }
}

static size_t slot_mem(const pslot *s) {
  size_t n = s->mem.cap + s->rawbuf.cap;
  for (int i = 0; i < 2; i++) n += s->prep.cache[i].norms.cap + s->prep.cache[i].cap * sizeof(kh__tokrec);
  return n;
}

/* Store the oldest record once it is prepared (this thread only). */
static int retire(ing *g) {
  pipe *p = g->pp;
  pthread_mutex_lock(&p->mu);
  if (p->done == p->tail && p->kwait) pthread_cond_signal(&p->work); /* the worker has records: go */
  if (p->done == p->tail) {
    double t = mono(), stole = 0;
    while (p->done == p->tail) {
      /* rather than sleep, prepare the newest slot nobody has taken that
      ** will be stored before the open batch's commit: the worker comes to
      ** it last (its in-order work stays on the worker).  A slot still in
      ** the ring when the commit starts is left to the worker: during the
      ** commit (flush, COMMIT, an LSH merge: ~0.5 s and more) the worker
      ** can only prepare the slots nobody took, and one the writer had
      ** prepared left it idle there (1M, stop 14: 301.6 s asleep in 497
      ** stretches, the writer preparing 294,626 records itself).
      ** KHABAR_INGEST_STEAL=1: any slot, as before; 0: none. */
      pslot *v = NULL;
      uint64_t top = p->head;
      if (p->steal == 2) {
        int left = g->db->batch_max - g->db->batch; /* puts until the commit (duplicates: more records) */
        uint64_t end = p->tail + (uint64_t)(left > 0 ? left : 0);
        if (end < top) top = end;
      }
      for (uint64_t i = top; p->steal && !v && i > p->done + 1; i--)
        if (p->slot[(i - 1) % KH__PIPE_SLOTS].state == 0) v = &p->slot[(i - 1) % KH__PIPE_SLOTS];
      if (v) {
        v->state = 1;
        pthread_mutex_unlock(&p->mu);
        double t1 = mono();
        prepare_slot(p, v);
        stole += mono() - t1;
        pthread_mutex_lock(&p->mu);
        v->state = 2;
        p->stolen++;
        if (p->kwslot) pthread_cond_signal(&p->work);
        continue;
      }
      p->wwait = 1;
      pthread_cond_wait(&p->ready, &p->mu);
    }
    p->wwait = 0;
    p->wslept += mono() - t - stole;
    p->wstole += stole;
    p->wsleeps++;
  }
  pthread_mutex_unlock(&p->mu);
  pslot *s = &p->slot[p->tail % KH__PIPE_SLOTS];
  int rc = 0;
  g->st->records++;
  const char *file = g->file;
  g->file = s->file;
  if (s->err) rc = s->err;
  else if (s->bad) reject(g, s->line, s->mem.data);
  else rc = outcome(g, s->line, kh__db_put_prepared(g->db, &s->prep, NULL));
  if (p->anyord && !g->db->in_txn) { /* committed (every slot up to this one) */
    pthread_mutex_lock(&p->mu);
    p->committed = p->tail + 1;
    pthread_mutex_unlock(&p->mu);
  }
  g->file = file;
  kh__prep_clear(g->db, &s->prep);
  trim_slot(s);
  p->bytes -= s->size;
  size_t kept = slot_mem(s);
  if (kept > p->slot_kept) p->slot_kept = kept;
  if (p->memn) {
    p->slotmem[p->tail % KH__PIPE_SLOTS] = kept;
    if (g->st->records % p->memn == 0) mem_line(g);
  }
  p->tail++; /* the slot is free again (only this thread refills it) */
  if ((g->st->records & 255) == 0) progress(g);
  return rc;
}

/* Copy a record (a, or a bad record's reason) into slot s.  0 or KH_ENOMEM. */
static int fill(pslot *s, uint64_t line, const char *file, const char *default_source, const kh_article *a,
                const char *reason) {
  int rc = 0;
  s->mem.len = 0;
  s->line = line;
  s->file = file;
  s->bad = !a;
  if (!a) {
    kh__buf_appends(&s->mem, reason ? reason : "bad record", &rc);
  } else {
    const char *f[7] = {a->id, a->source, a->url, a->published, a->title, a->body, a->extra};
    size_t n[7] = {a->id_len, a->source_len, a->url_len, a->published_len, a->title_len, a->body_len, a->extra_len};
    if (!n[1] && default_source) {
      f[1] = default_source;
      n[1] = strlen(default_source);
    }
    size_t off[7];
    for (int i = 0; i < 7; i++) {
      if (!f[i]) n[i] = 0;
      off[i] = s->mem.len;
      if (n[i]) kh__buf_append(&s->mem, f[i], n[i], &rc);
      kh__buf_appendc(&s->mem, '\0', &rc);
    }
    size_t foff = s->mem.len; /* the file name too: a folder's names are reused */
    kh__buf_appends(&s->mem, file ? file : "", &rc);
    kh__buf_appendc(&s->mem, '\0', &rc);
    if (!rc) {
      s->file = s->mem.data + foff;
      const char *b = s->mem.data;
      s->a = (kh_article){f[0] ? b + off[0] : NULL, n[0], f[1] ? b + off[1] : NULL, n[1],
                          f[2] ? b + off[2] : NULL, n[2], f[3] ? b + off[3] : NULL, n[3],
                          f[4] ? b + off[4] : NULL, n[4], f[5] ? b + off[5] : NULL, n[5],
                          f[6] ? b + off[6] : NULL, n[6]};
    }
  }
  if (rc == KH_ETOOBIG) { /* over the buffer's cap: the put would refuse it too */
    s->bad = 1;
    s->mem.len = 0;
    rc = 0;
    kh__buf_appends(&s->mem, "title or body larger than 16 MiB", &rc);
  }
  if (s->bad) { /* reason, then the file name */
    size_t foff = s->mem.len + 1;
    kh__buf_appendc(&s->mem, '\0', &rc);
    kh__buf_appends(&s->mem, file ? file : "", &rc);
    if (!rc) s->file = s->mem.data + foff;
  }
  return rc;
}

typedef struct parse_ctx {
  pipe *p;
  pslot *s;
} parse_ctx;

/* kh__jsonl_record's sink on the worker: the parsed record into the slot. */
static int parsed(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  parse_ctx *c = ctx;
  c->s->raw = 0;
  return fill(c->s, line, c->s->rawfile, c->p->default_source, a, reason);
}

/* On the worker: parse the slot's JSON line (kh__jsonl_record), as the
** sequential reader would, into the slot. */
static void parse_slot(pipe *p, pslot *s) {
  parse_ctx c = {p, s};
  s->err = kh__jsonl_record(s->rawbuf.data, s->rawbuf.len, s->line, parsed, &c);
  s->raw = 0;
}

/* Make room for one more record of about size bytes (storing the oldest
** while the ring is full); the next free slot, or NULL with g->fatal set. */
static pslot *next_slot(ing *g, size_t size) {
  pipe *p = g->pp;
  if (g->fatal) return NULL;
  while (p->head != p->tail && (p->head - p->tail == KH__PIPE_SLOTS || p->bytes + size > KH__PIPE_BYTES))
    if ((g->fatal = retire(g))) return NULL;
  pslot *s = &p->slot[p->head % KH__PIPE_SLOTS];
  s->raw = s->err = 0;
  s->state = 0;
  s->size = size;
  p->bytes += size;
  return s;
}

static void handed(pipe *p) {
  pthread_mutex_lock(&p->mu);
  p->head++;
  if (p->kwait && p->head - p->done >= KH__PIPE_WAKE) pthread_cond_signal(&p->work);
  pthread_mutex_unlock(&p->mu);
}

/* Copy a record into the next slot and wake the worker. */
static int enqueue(ing *g, uint64_t line, const kh_article *a, const char *reason) {
  pslot *s = next_slot(g, a ? a->title_len + a->body_len + a->extra_len : 64);
  if (!s) return g->fatal;
  int rc = fill(s, line, g->file, g->default_source, a, reason);
  if (rc) return rc;
  handed(g->pp);
  return 0;
}

/* kh__jsonl_lines' sink: copy the raw line into the next slot; the worker
** parses it (JSON parsing is pure work, off this thread). */
static int enqueue_line(void *ctx, uint64_t line, const char *text, size_t n, const char *reason) {
  ing *g = ctx;
  if (!text) return enqueue(g, line, NULL, reason);
  pslot *s = next_slot(g, n);
  if (!s) return g->fatal;
  int rc = 0;
  s->rawbuf.len = 0;
  kh__buf_append(&s->rawbuf, text, n, &rc);
  kh__buf_appendc(&s->rawbuf, '\0', &rc);
  kh__buf_appends(&s->rawbuf, g->file ? g->file : "", &rc);
  kh__buf_appendc(&s->rawbuf, '\0', &rc);
  if (rc) return rc;
  s->rawbuf.len = n; /* the line; the file name follows its '\0' */
  s->rawfile = s->rawbuf.data + n + 1;
  s->line = line;
  s->raw = 1;
  handed(g->pp);
  return 0;
}

/* ---- the checkpointer ----
** SQLite checkpoints a WAL file in the COMMIT that takes it past
** wal_autocheckpoint pages: the writer thread copies the pages into the
** database file and waits for two fsyncs (1.5 s of 20k articles' ingest,
** strace).  During a pipelined ingest a third thread does that on its own
** connection (PASSIVE: it never blocks the writer, whose commits go on
** into the WAL meanwhile), woken by the writer's WAL hook; the writer only
** checkpoints itself once the WAL holds 4x KH__CK_PAGES pages, so that it
** can restart from its beginning (a checkpoint running beside the commits
** never catches up with them).
** The file's content and durability are those of any WAL checkpoint. */
#define KH__CK_PAGES 16384 /* kh_db_open's wal_autocheckpoint */

static void *checkpointer(void *arg) {
  pipe *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->ckstop && !p->ckwant) pthread_cond_wait(&p->ckcond, &p->mu);
    if (p->ckstop) break;
    p->ckwant = 0;
    pthread_mutex_unlock(&p->mu);
    double t = mono();
    sqlite3_wal_checkpoint_v2(p->ck, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    t = mono() - t;
    pthread_mutex_lock(&p->mu);
    p->ckwall += t;
    p->cks++;
  }
  p->ckcpu = thread_cpu();
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* The writer's WAL hook (after each commit): wake the checkpointer. */
static int on_wal(void *ctx, sqlite3 *db, const char *name, int pages) {
  pipe *p = ctx;
  if (pages < p->ckpages) p->cknext = p->ckstep; /* the WAL was restarted */
  p->ckpages = pages;
  if (pages >= 4 * p->ckstep) {
    /* a checkpoint of the writer's own lets the WAL restart from its
    ** beginning (one running beside the commits never catches up with
    ** them); the checkpointer copied most of the pages already */
    p->cksync++;
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
  }
  if (pages < p->cknext) return SQLITE_OK;
  p->cknext = pages + p->ckstep;
  pthread_mutex_lock(&p->mu);
  p->ckwant = 1;
  pthread_cond_signal(&p->ckcond);
  pthread_mutex_unlock(&p->mu);
  return SQLITE_OK;
}

/* Start the checkpointer if the database is a WAL file (else nothing). */
static void ck_start(pipe *p, kh_db *db) {
  const char *path = sqlite3_db_filename(db->sql, "main");
  sqlite3_stmt *st;
  int wal = 0;
  if (!path || !*path) return;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) {
      const char *m = (const char *)sqlite3_column_text(st, 0);
      wal = m && !strcmp(m, "wal");
    }
    sqlite3_finalize(st);
  }
  if (!wal || sqlite3_threadsafe() == 0) return;
  if (sqlite3_open_v2(path, &p->ck, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    sqlite3_close(p->ck);
    p->ck = NULL;
    return;
  }
  /* a first read opens the connection's WAL (a checkpoint alone would not) */
  sqlite3_busy_timeout(p->ck, 10000);
  if (sqlite3_exec(p->ck, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK ||
      pthread_cond_init(&p->ckcond, NULL)) {
    sqlite3_close(p->ck);
    p->ck = NULL;
    return;
  }
  if (pthread_create(&p->ckth, NULL, checkpointer, p)) {
    pthread_cond_destroy(&p->ckcond);
    sqlite3_close(p->ck);
    p->ck = NULL;
    return;
  }
  p->ckrun = 1;
  const char *e = getenv("KHABAR_INGEST_CK_PAGES");
  p->ckstep = e && atoi(e) > 0 ? atoi(e) : KH__CK_PAGES;
  p->cknext = p->ckstep;
  sqlite3_wal_hook(db->sql, on_wal, p); /* replaces wal_autocheckpoint's hook */
}

static void ck_stop(pipe *p, kh_db *db) {
  if (!p->ckrun) return;
  sqlite3_wal_autocheckpoint(db->sql, KH__CK_PAGES); /* kh_db_open's hook back */
  pthread_mutex_lock(&p->mu);
  p->ckstop = 1;
  pthread_cond_signal(&p->ckcond);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->ckth, NULL);
  pthread_cond_destroy(&p->ckcond);
  sqlite3_close(p->ck);
  p->ck = NULL;
  p->ckrun = 0;
}

/* The worker's read-only connection for foresee_stored (none: every
** prepared article is guessed stored). */
static void rd_open(pipe *p, kh_db *db) {
  const char *path = sqlite3_db_filename(db->sql, "main");
  if (!path || !*path || sqlite3_threadsafe() == 0) return;
  if (sqlite3_open_v2(path, &p->rd, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(p->rd, "SELECT 1 FROM article WHERE id = ?1", -1, &p->rd_id, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(p->rd, "SELECT 1 FROM article WHERE hash = ?1", -1, &p->rd_hash, NULL) != SQLITE_OK) {
    sqlite3_finalize(p->rd_id);
    sqlite3_close(p->rd);
    p->rd = NULL;
    p->rd_id = NULL;
    return;
  }
  sqlite3_busy_timeout(p->rd, 10000);
  sqlite3_exec(p->rd, "PRAGMA cache_size = -32768", NULL, NULL, NULL);
}

static void rd_close(pipe *p) {
  sqlite3_finalize(p->rd_id);
  sqlite3_finalize(p->rd_hash);
  sqlite3_close(p->rd);
  p->rd = NULL;
  p->rd_id = p->rd_hash = NULL;
}

/* Start the worker; NULL (sequential ingest) when threads are off or
** cannot be had. */
static pipe *pipe_start(kh_db *db, const kh_ingest_opts *o, const char *default_source) {
  const char *env = getenv("KHABAR_INGEST_THREADS");
  int threads = o->threads ? o->threads : env && *env ? atoi(env) : 2;
  if (threads == 1) return NULL;
  pipe *p = kh__calloc(1, sizeof *p);
  if (!p) return NULL;
  p->db = db;
  p->default_source = default_source;
  for (int i = 0; i < KH__PIPE_SLOTS; i++) {
    p->slot[i].mem.max = 3 * (size_t)KH_MAX_ARTICLE;
    p->slot[i].rawbuf.max = (size_t)KH_MAX_LINE + 4096;
  }
  if (pthread_mutex_init(&p->mu, NULL)) goto fail0;
  if (pthread_cond_init(&p->work, NULL)) goto fail1;
  if (pthread_cond_init(&p->ready, NULL)) goto fail2;
  const char *ahead = getenv("KHABAR_INGEST_AHEAD");
  for (int i = 0; i < db->nhooks && !(ahead && *ahead == '0'); i++) {
    const kh__hook_order *ord = db->hooks[i].ord;
    p->ordered[i] = ord && db->hooks[i].ops && db->hooks[i].ops->prepare && ord->begin(db->hooks[i].ctx, db) == 0;
    p->anyord |= p->ordered[i];
  }
  const char *fs = getenv("KHABAR_INGEST_FORESEE"); /* 0: every article guessed stored (tests) */
  if (p->anyord && !(fs && *fs == '0')) rd_open(p, db);
  p->foresee = !(fs && *fs == '0');
  const char *mn = getenv("KHABAR_INGEST_MEM");
  p->memn = mn && atoll(mn) > 0 ? (uint64_t)atoll(mn) : 0;
  p->t0 = mono();
  p->wcpu0 = thread_cpu();
  const char *sl = getenv("KHABAR_INGEST_STEAL");
  p->steal = sl && *sl == '0' ? 0 : sl && *sl == '1' ? 1 : 2;
  if (pthread_create(&p->th, NULL, worker, p)) goto fail3;
  const char *ck = getenv("KHABAR_INGEST_CHECKPOINTER");
  if (!ck || *ck != '0') ck_start(p, db);
  return p;
fail3:
  for (int i = 0; i < db->nhooks; i++)
    if (p->ordered[i]) db->hooks[i].ord->end(db->hooks[i].ctx, db);
  rd_close(p);
  pthread_cond_destroy(&p->ready);
fail2:
  pthread_cond_destroy(&p->work);
fail1:
  pthread_mutex_destroy(&p->mu);
fail0:
  kh__free(p);
  return NULL;
}

/* Store what is queued (unless a put failed: then only drop it), stop
** the worker.  Returns the put's failure, else rc (the reader's). */
static int pipe_finish(ing *g, int rc) {
  pipe *p = g->pp;
  if (!p) return rc;
  while (!g->fatal && p->tail != p->head) g->fatal = retire(g);
  if (g->fatal) rc = g->fatal;
  if (p->memn) mem_line(g);
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_signal(&p->work);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->th, NULL);
  for (int i = 0; i < g->db->nhooks; i++)
    if (p->ordered[i]) g->db->hooks[i].ord->end(g->db->hooks[i].ctx, g->db);
  rd_close(p);
  ck_stop(p, g->db);
  const char *w = getenv("KHABAR_INGEST_WAITS");
  if (w && *w == '1') {
    fprintf(stderr, "ingest pipeline: the writer slept %.2f s (%llu times) waiting for the worker, the worker %.2f s (%llu times) waiting for input\n",
            p->wslept, (unsigned long long)p->wsleeps, p->kslept, (unsigned long long)p->ksleeps);
    fprintf(stderr, "ingest pipeline: the writer prepared %llu slots itself (%.2f s); the worker waited %.2f s for them\n",
            (unsigned long long)p->stolen, p->wstole, p->kslot);
    int spill = 0, hi = 0;
    sqlite3_db_status(g->db->sql, SQLITE_DBSTATUS_CACHE_SPILL, &spill, &hi, 0);
    fprintf(stderr, "ingest checkpointer: %llu checkpoints, %.2f s; the writer's own: %llu; page cache spills %d\n",
            (unsigned long long)p->cks, p->ckwall, (unsigned long long)p->cksync, spill);
    fprintf(stderr, "ingest threads: CPU s writer %.2f, worker %.2f, checkpointer %.2f; %.2f s wall\n",
            thread_cpu() - p->wcpu0, p->kcpu, p->ckcpu, mono() - p->t0);
  }
  g->db->stolen = p->stolen;
  g->db->slot_kept = p->slot_kept;
  for (int i = 0; i < KH__PIPE_SLOTS; i++) {
    kh__prep_free(g->db, &p->slot[i].prep);
    kh__buf_free(&p->slot[i].mem);
    kh__buf_free(&p->slot[i].rawbuf);
  }
  pthread_cond_destroy(&p->ready);
  pthread_cond_destroy(&p->work);
  pthread_mutex_destroy(&p->mu);
  kh__free(p);
  g->pp = NULL;
  return rc;
}

static int sink(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  ing *g = ctx;
  if (g->pp) return enqueue(g, line, a, reason);
  g->st->records++;
  if (!a) {
    reject(g, line, reason);
  } else {
    kh_article b = *a;
    if (!b.source_len && g->default_source) {
      b.source = g->default_source;
      b.source_len = strlen(g->default_source);
    }
    int rc = outcome(g, line, kh_db_put_article(g->db, &b, NULL));
    if (rc) return rc;
  }
  if ((g->st->records & 255) == 0) progress(g);
  return 0;
}

/* Read JSON Lines from f: with the pipeline the lines go to the worker
** unparsed. */
static int jsonl(ing *g, FILE *f) {
  if (g->pp) return kh__jsonl_lines(f, enqueue_line, g, &g->st->bytes);
  return kh__jsonl_read(f, sink, g, &g->st->bytes);
}

/* After a first '<': "html" for a web page (a doctype or <html> in the
** first KB), else "feed". */
static const char *sniff_markup(FILE *f) {
  char head[1025];
  size_t n = fread(head, 1, sizeof head - 1, f);
  head[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (head[i] == '\0') head[i] = ' ';
  return kh__stristr(head, "<!doctype html") || kh__stristr(head, "<html") ? "html" : "feed";
}

/* "dir/geo_articles.csv" -> "geo_articles" in out. */
static void stem(const char *path, char *out, size_t cap) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && path[b - 1] != '/') b--;
  size_t e = n;
  for (size_t i = n; i > b; i--)
    if (path[i - 1] == '.') {
      e = i - 1;
      break;
    }
  if (e == b) e = n;
  snprintf(out, cap, "%.*s", (int)(e - b), path + b);
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcasecmp(s + n - k, suf);
}

void kh__txt_article(const char *text, size_t len, kh_article *a) {
  size_t i = 0;
  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) i = 3;
  while (i < len && (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t')) i++;
  size_t t = i;
  while (i < len && text[i] != '\n') i++;
  size_t te = i;
  while (te > t && (text[te - 1] == '\r' || text[te - 1] == ' ')) te--;
  while (i < len && (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t')) i++;
  size_t be = len;
  while (be > i && (text[be - 1] == '\n' || text[be - 1] == '\r' || text[be - 1] == ' ')) be--;
  a->title = text + t;
  a->title_len = te - t;
  a->body = text + i;
  a->body_len = be - i;
}

/* Read a whole small file through the allocation hook; NULL on failure. */
static char *slurp(const char *path, size_t cap, size_t *len, int *toobig) {
  FILE *f = fopen(path, "rb");
  *toobig = 0;
  if (!f) return NULL;
  kh__buf b = {0};
  b.max = cap;
  int rc = 0;
  char chunk[65536];
  size_t got;
  while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0) kh__buf_append(&b, chunk, got, &rc);
  int err = ferror(f);
  fclose(f);
  if (rc == KH_ETOOBIG) *toobig = 1;
  if (rc || err) {
    kh__buf_free(&b);
    return NULL;
  }
  return kh__buf_detach(&b, len, &rc);
}

static int one_txt(ing *g, const char *path, const char *id) {
  size_t len = 0;
  int toobig;
  g->file = path;
  char *text = slurp(path, KH_MAX_ARTICLE + 4096, &len, &toobig);
  if (!text) {
    g->st->records++;
    reject(g, 1, toobig ? "file larger than 16 MiB" : "cannot read the file");
    return 0;
  }
  g->st->bytes += len;
  size_t bad;
  int rc;
  if (!kh__utf8_valid(text, len, &bad)) {
    char why[64];
    snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", bad);
    rc = sink(g, 1, NULL, why);
  } else {
    kh_article a = {0};
    kh__txt_article(text, len, &a);
    a.id = id;
    a.id_len = strlen(id);
    rc = a.title_len + a.body_len ? sink(g, 1, &a, NULL) : sink(g, 1, NULL, "empty file");
  }
  kh_free(text);
  return rc;
}

static int is_txt(const struct dirent *d) { return d->d_name[0] != '.' && ends_with(d->d_name, ".txt"); }

static int txt_folder(ing *g, const char *dir) {
  struct dirent **list;
  int n = scandir(dir, &list, is_txt, alphasort);
  if (n < 0) return KH_EIO;
  int rc = 0;
  kh__buf path = {0};
  for (int i = 0; i < n; i++) {
    char id[256];
    path.len = 0;
    kh__buf_printf(&path, &rc, "%s/%s", dir, list[i]->d_name);
    stem(list[i]->d_name, id, sizeof id);
    if (!rc) rc = one_txt(g, path.data, id);
    free(list[i]);
  }
  free(list);
  kh__buf_free(&path);
  return rc;
}

int kh_ingest_path(kh_db *db, const char *path, const kh_ingest_opts *opts, kh_ingest_stats *st) {
  if (!db || !path || !st) return KH_EINVAL;
  kh_ingest_opts none = {0};
  const kh_ingest_opts *o = opts ? opts : &none;
  char src[256];
  ing g = {db, o, st, path, o->source, NULL, 0};
  const char *fmt = o->format;
  int rc;
  kh__fetched fetched = {0}; /* before any goto done */
  FILE *f;
  if (!strcmp(path, "-")) {
    g.file = "<stdin>";
    g.pp = pipe_start(db, o, g.default_source);
    if (fmt && !strcmp(fmt, "csv")) rc = kh__csv_read(stdin, o->source, sink, &g, &st->bytes);
    else if (fmt && !strcmp(fmt, "feed")) rc = kh__feed_read(stdin, o->source, NULL, sink, &g, &st->bytes);
    else if (fmt && !strcmp(fmt, "html")) rc = kh__page_read(stdin, NULL, o->source, NULL, sink, &g, &st->bytes);
    else rc = jsonl(&g, stdin);
    goto done;
  }
  if (kh__is_url(path)) { /* fetched whole (fetch.c), then read as a file */
    char why[300], etag[256] = "", modified[64] = "";
    if (!o->refetch) kh__fetch_state_get(db->sql, path, etag, modified);
    int frc = kh__fetch(path, etag, modified, &fetched, why, sizeof why);
    if (!frc && fetched.not_modified) {
      st->unchanged++;
      kh__buf_free(&fetched.body);
      return kh__fetch_state_touch(db->sql, path);
    }
    if (!frc && !fetched.body.len) snprintf(why, sizeof why, "empty response"), frc = KH_EIO;
    if (frc) {
      if (o->on_error) o->on_error(o->ctx, path, 0, why);
      kh__buf_free(&fetched.body);
      return frc == KH_ENOMEM ? KH_ENOMEM : KH_EIO;
    }
    st->total += fetched.body.len;
    stem(path, src, sizeof src);
    if (fmt && !strcmp(fmt, "txt")) fmt = NULL;
    f = fmemopen(fetched.body.data, fetched.body.len, "rb");
    if (!f) {
      kh__buf_free(&fetched.body);
      return KH_ENOMEM;
    }
    goto read;
  }
  struct stat sb;
  if (stat(path, &sb) != 0) return KH_EIO;
  stem(path, src, sizeof src);
  if (S_ISDIR(sb.st_mode)) {
    if (!g.default_source) g.default_source = src;
    g.pp = pipe_start(db, o, g.default_source);
    rc = txt_folder(&g, path);
    goto done;
  }
  st->total += (uint64_t)sb.st_size;
  if (!fmt) {
    if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json")) fmt = "jsonl";
    else if (ends_with(path, ".csv")) fmt = "csv";
    else if (ends_with(path, ".txt")) fmt = "txt";
    else if (ends_with(path, ".xml") || ends_with(path, ".rss") || ends_with(path, ".atom")) fmt = "feed";
    else if (ends_with(path, ".html") || ends_with(path, ".htm")) fmt = "html";
  }
  if (fmt && !strcmp(fmt, "txt")) {
    rc = one_txt(&g, path, src);
    goto done;
  }
  f = fopen(path, "rb");
  if (!f) return KH_EIO;
read:
  if (!fmt) { /* by content: JSON Lines start with '{', feeds with '<' */
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB ||
           c == 0xBF) {
    }
    fmt = c == '{' ? "jsonl" : c == '<' ? sniff_markup(f) : "csv";
    rewind(f);
  }
  g.pp = pipe_start(db, o, g.default_source);
  if (!strcmp(fmt, "csv")) rc = kh__csv_read(f, o->source ? o->source : src, sink, &g, &st->bytes);
  else if (!strcmp(fmt, "feed")) rc = kh__feed_read(f, o->source, src, sink, &g, &st->bytes);
  else if (!strcmp(fmt, "html"))
    rc = kh__page_read(f, kh__is_url(path) ? path : NULL, o->source, src, sink, &g, &st->bytes);
  else if (!strcmp(fmt, "jsonl")) rc = jsonl(&g, f);
  else rc = KH_EINVAL;
  fclose(f);
done:
  rc = pipe_finish(&g, rc);
  if (rc == 0) rc = kh_db_commit(db);
  else kh_db_commit(db); /* keep what was good */
  /* a URL read to its end: its validators, for the next fetch */
  if (rc == 0 && fetched.body.len) rc = kh__fetch_state_put(db->sql, path, &fetched);
  kh__buf_free(&fetched.body);
  progress(&g);
  return rc;
}
