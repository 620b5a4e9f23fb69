/*
** vfs.c — a thin SQLite VFS over the default one that gathers the writes
** of a WAL file into larger ones.
**
** SQLite writes every WAL frame with two pwrite calls (its 24-byte header,
** then the page), so a batch COMMIT of an ingest made ~8 system calls an
** article (strace -c, 5,000 articles: 42,710 pwrite64), each a trip into
** the kernel on the writer thread.  Here consecutive writes to a WAL file
** (each starting where the previous one ended) are copied into a buffer of
** KH__WAL_BUF bytes and written with one pwrite when it is full, when a
** write does not continue it, as soon as a commit's last frame is in it
** (its header carries the database size; an error then fails that write,
** so SQLite fails the commit), and before anything else touches the file
** or the WAL index: read, sync, truncate, size, lock, file control, close,
** and the shared-memory calls (xShmBarrier among them, which SQLite calls
** before it publishes a new WAL header to other connections).  So no
** reader (the checkpointer, the ingest worker's read-only connection) is
** told of a frame that is not in the file, and a process killed after a
** COMMIT returned finds every frame of it in the file, as before.  The main database file and journals pass straight
** through.  Only kh_db_open's connection uses it ("khabar-wal");
** KHABAR_WAL_BUFFER=0 in the environment opens with the default VFS.
*/
#include "store.h"

#include <pthread.h>
#include <stdlib.h>

/* The unix VFS writes at most 128 KB - 1 bytes a call (seekAndWriteFd masks
** the length with 0x1ffff; more would come back as a short write, SQLITE_FULL) */
#define KH__WAL_BUF 0x1ffff

typedef struct wfile {
  sqlite3_file base;   /* pMethods: ours */
  sqlite3_file *real;  /* the default VFS's file, allocated right after this struct */
  unsigned char *buf;  /* WAL files only: pending bytes, written at off */
  sqlite3_int64 off;
  int len;
  int commit;          /* the last write was the header of a commit frame */
  struct wfile *wal;   /* a database file: its WAL file while open (the WAL index
                       ** calls, xShm*, are made on the database file) */
  struct wfile *main;  /* a WAL file: its database file */
} wfile;

static sqlite3_vfs g_vfs;
static sqlite3_vfs *g_real;
static sqlite3_io_methods g_methods;

static int wal_flush(wfile *f) {
  if (f->wal) f = f->wal; /* a database file: its WAL's buffer */
  if (!f->len) return SQLITE_OK;
  int n = f->len;
  f->len = 0;
  return f->real->pMethods->xWrite(f->real, f->buf, n, f->off);
}

#define REAL(f) (((wfile *)(f))->real)
#define FLUSH_OR_RETURN(f)                        \
  do {                                            \
    int frc_ = wal_flush((wfile *)(f));           \
    if (frc_ != SQLITE_OK) return frc_;           \
  } while (0)

static int w_close(sqlite3_file *pf) {
  wfile *f = (wfile *)pf;
  int rc = wal_flush(f);
  if (f->wal) f->wal->main = NULL;
  if (f->main) f->main->wal = NULL;
  f->wal = f->main = NULL;
  int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  sqlite3_free(f->buf);
  f->buf = NULL;
  return rc != SQLITE_OK ? rc : rc2;
}

static int w_read(sqlite3_file *pf, void *p, int n, sqlite3_int64 off) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xRead(REAL(pf), p, n, off);
}

static int w_write(sqlite3_file *pf, const void *p, int n, sqlite3_int64 off) {
  wfile *f = (wfile *)pf;
  if (!f->buf) return f->real->pMethods->xWrite(f->real, p, n, off);
  if (f->len && (off != f->off + f->len || f->len + n > KH__WAL_BUF)) FLUSH_OR_RETURN(f);
  if (n > KH__WAL_BUF) return f->real->pMethods->xWrite(f->real, p, n, off);
  if (!f->len) f->off = off;
  memcpy(f->buf + f->len, p, (size_t)n);
  f->len += n;
  /* a frame header (24 bytes after the 32-byte WAL header) with a database
  ** size is a commit's last frame: once its page is here, the commit's
  ** frames go to the file now, and an error reaches SQLite from this call */
  int was_commit = f->commit;
  const unsigned char *h = p;
  f->commit = n == 24 && off >= 32 && (h[4] | h[5] | h[6] | h[7]) != 0;
  return was_commit ? wal_flush(f) : SQLITE_OK;
}

static int w_truncate(sqlite3_file *pf, sqlite3_int64 size) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xTruncate(REAL(pf), size);
}

static int w_sync(sqlite3_file *pf, int flags) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xSync(REAL(pf), flags);
}

static int w_size(sqlite3_file *pf, sqlite3_int64 *size) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xFileSize(REAL(pf), size);
}

static int w_lock(sqlite3_file *pf, int lk) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xLock(REAL(pf), lk);
}

static int w_unlock(sqlite3_file *pf, int lk) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xUnlock(REAL(pf), lk);
}

static int w_check(sqlite3_file *pf, int *out) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xCheckReservedLock(REAL(pf), out);
}

static int w_fcntl(sqlite3_file *pf, int op, void *arg) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xFileControl(REAL(pf), op, arg);
}

static int w_sector(sqlite3_file *pf) { return REAL(pf)->pMethods->xSectorSize(REAL(pf)); }
static int w_devchar(sqlite3_file *pf) { return REAL(pf)->pMethods->xDeviceCharacteristics(REAL(pf)); }

static int w_shm_map(sqlite3_file *pf, int pg, int pgsz, int extend, void volatile **pp) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xShmMap(REAL(pf), pg, pgsz, extend, pp);
}

static int w_shm_lock(sqlite3_file *pf, int ofst, int n, int flags) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xShmLock(REAL(pf), ofst, n, flags);
}

static void w_shm_barrier(sqlite3_file *pf) {
  /* (a commit's frames were written at its last one, w_write: this finds
  ** the buffer empty but after a write that is not a commit's, when SQLite
  ** publishes a WAL index change of its own) */
  wal_flush((wfile *)pf);
  REAL(pf)->pMethods->xShmBarrier(REAL(pf));
}

static int w_shm_unmap(sqlite3_file *pf, int del) {
  FLUSH_OR_RETURN(pf);
  return REAL(pf)->pMethods->xShmUnmap(REAL(pf), del);
}

static int w_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp) {
  FLUSH_OR_RETURN(pf);
  if (REAL(pf)->pMethods->iVersion < 3) {
    *pp = NULL;
    return SQLITE_OK;
  }
  return REAL(pf)->pMethods->xFetch(REAL(pf), off, n, pp);
}

static int w_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p) {
  if (REAL(pf)->pMethods->iVersion < 3) return SQLITE_OK;
  return REAL(pf)->pMethods->xUnfetch(REAL(pf), off, p);
}

static int w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *out_flags) {
  wfile *f = (wfile *)pf;
  memset(f, 0, sizeof *f);
  f->real = (sqlite3_file *)(f + 1);
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc; /* pMethods stays NULL: SQLite closes nothing */
  /* a WAL file written here: buffered, and known to its database file,
  ** on which SQLite makes the WAL index calls */
  wfile *m = (flags & SQLITE_OPEN_WAL) && !(flags & SQLITE_OPEN_READONLY) && name
                 ? (wfile *)sqlite3_database_file_object(name)
                 : NULL;
  if (m && m->base.pMethods == &g_methods && !m->wal && !m->buf) {
    if (!(f->buf = sqlite3_malloc(KH__WAL_BUF))) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
    f->main = m;
    m->wal = f;
  }
  f->base.pMethods = &g_methods;
  return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *v, const char *n, int sync) { return g_real->xDelete(g_real, n, sync); }
static int v_access(sqlite3_vfs *v, const char *n, int fl, int *out) { return g_real->xAccess(g_real, n, fl, out); }
static int v_full(sqlite3_vfs *v, const char *n, int nout, char *out) {
  return g_real->xFullPathname(g_real, n, nout, out);
}
static void *v_dlopen(sqlite3_vfs *v, const char *n) { return g_real->xDlOpen(g_real, n); }
static void v_dlerror(sqlite3_vfs *v, int n, char *msg) { g_real->xDlError(g_real, n, msg); }
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { return g_real->xDlSym(g_real, h, s); }
static void v_dlclose(sqlite3_vfs *v, void *h) { g_real->xDlClose(g_real, h); }
static int v_random(sqlite3_vfs *v, int n, char *out) { return g_real->xRandomness(g_real, n, out); }
static int v_sleep(sqlite3_vfs *v, int us) { return g_real->xSleep(g_real, us); }
static int v_time(sqlite3_vfs *v, double *t) { return g_real->xCurrentTime(g_real, t); }
static int v_lasterr(sqlite3_vfs *v, int n, char *s) {
  return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, s) : 0;
}
static int v_time64(sqlite3_vfs *v, sqlite3_int64 *t) { return g_real->xCurrentTimeInt64(g_real, t); }

static int g_ok;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void vfs_init(void) {
  g_real = sqlite3_vfs_find(NULL);
  if (!g_real || g_real->iVersion < 2 || !g_real->xCurrentTimeInt64) return;
  g_methods = (sqlite3_io_methods){.iVersion = 3,
                                   .xClose = w_close,
                                   .xRead = w_read,
                                   .xWrite = w_write,
                                   .xTruncate = w_truncate,
                                   .xSync = w_sync,
                                   .xFileSize = w_size,
                                   .xLock = w_lock,
                                   .xUnlock = w_unlock,
                                   .xCheckReservedLock = w_check,
                                   .xFileControl = w_fcntl,
                                   .xSectorSize = w_sector,
                                   .xDeviceCharacteristics = w_devchar,
                                   .xShmMap = w_shm_map,
                                   .xShmLock = w_shm_lock,
                                   .xShmBarrier = w_shm_barrier,
                                   .xShmUnmap = w_shm_unmap,
                                   .xFetch = w_fetch,
                                   .xUnfetch = w_unfetch};
  g_vfs = (sqlite3_vfs){.iVersion = 2,
                        .szOsFile = (int)sizeof(wfile) + g_real->szOsFile,
                        .mxPathname = g_real->mxPathname,
                        .zName = "khabar-wal",
                        .xOpen = w_open,
                        .xDelete = v_delete,
                        .xAccess = v_access,
                        .xFullPathname = v_full,
                        .xDlOpen = v_dlopen,
                        .xDlError = v_dlerror,
                        .xDlSym = v_dlsym,
                        .xDlClose = v_dlclose,
                        .xRandomness = v_random,
                        .xSleep = v_sleep,
                        .xCurrentTime = v_time,
                        .xGetLastError = v_lasterr,
                        .xCurrentTimeInt64 = v_time64};
  g_ok = sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
}

const char *kh__vfs_name(void) {
  const char *e = getenv("KHABAR_WAL_BUFFER");
  if (e && *e == '0') return NULL;
  pthread_once(&g_once, vfs_init);
  return g_ok ? "khabar-wal" : NULL;
}
