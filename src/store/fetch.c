/*
** fetch.c — an input given as an http:// or https:// URL (libcurl): the
** body is fetched into memory and read as a file of the same format.
**
**   kh__fetched f = {0}; char why[256];
**   if (kh__fetch("https://www.express.pk/feed/", NULL, NULL, &f, why, sizeof why)) ... why: "HTTP 404"
**
** What a hostile or broken server can do is bounded:
** - only http and https, for the URL and for every redirect (at most 5): a
**   redirect to file:// or ftp:// is refused;
** - the body is capped (KHABAR_FETCH_MAX MiB, default 64): past it the
**   transfer stops with "larger than ...";
** - connecting takes at most 20 s; a transfer slower than 1 byte/s for
**   KHABAR_FETCH_TIMEOUT seconds (default 60), or longer than 10 times
**   that in all, stops;
** - an HTTP status of 400 or more is an error ("HTTP 404"), whatever the
**   body says.
** A URL fetched before into the same database is asked for with the
** validators its last answer gave (If-None-Match, If-Modified-Since, from
** the table fetch_state); a 304 means nothing to read.  A validator is sent
** back only if it is printable ASCII on one line.
** Compressed bodies (gzip, deflate, br as libcurl was built) are decoded.
*/
#include "store.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libcurl is opened when the first URL is fetched, not linked: with its
** ~30 libraries (TLS, Kerberos, LDAP, SSH, ...) it made every khabar
** command start ~13 ms slower (a bare program: 15.1 ms against 2.2 ms),
** URL or not.  The calls khabar makes: */
typedef struct curl_api {
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
} curl_api;

static curl_api api;
static const char *api_error;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void api_load(void) {
  void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    api_error = "libcurl.so.4 not found (Debian: apt-get install libcurl4)";
    return;
  }
  /* POSIX's way to store dlsym's answer in a function pointer */
#define LOAD(member, name) \
  if (!(*(void **)&api.member = dlsym(h, name))) goto missing
  LOAD(easy_init, "curl_easy_init");
  LOAD(easy_setopt, "curl_easy_setopt");
  LOAD(easy_perform, "curl_easy_perform");
  LOAD(easy_getinfo, "curl_easy_getinfo");
  LOAD(easy_cleanup, "curl_easy_cleanup");
  LOAD(easy_strerror, "curl_easy_strerror");
  LOAD(slist_append, "curl_slist_append");
  LOAD(slist_free_all, "curl_slist_free_all");
#undef LOAD
  return;
missing:
  api_error = "libcurl.so.4 lacks a function khabar calls";
}

int kh__is_url(const char *s) {
  return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

void kh__url_host(const char *url, kh__buf *b, int *rc) {
  const char *h = strstr(url, "://");
  if (!h) return;
  h += 3;
  if (!strncasecmp(h, "www.", 4)) h += 4;
  size_t n = strcspn(h, "/:?#");
  if (n) kh__buf_append(b, h, n, rc);
}

static long env_long(const char *name, long def, long lo, long hi) {
  const char *v = getenv(name);
  if (!v || !*v) return def;
  char *end;
  long n = strtol(v, &end, 10);
  return *end || n < lo || n > hi ? def : n;
}

typedef struct sink {
  kh__fetched *f;
  size_t max;
  int over, rc;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
  sink *s = ctx;
  size_t len = size * n;
  if (s->f->body.len + len > s->max) {
    s->over = 1;
    return 0; /* stops the transfer (CURLE_WRITE_ERROR) */
  }
  kh__buf_append(&s->f->body, p, len, &s->rc);
  return s->rc ? 0 : len;
}

/* "Name: value" of a header line into out (trimmed) when the name matches. */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) || line[k] != ':') return;
  const char *v = line + k + 1;
  size_t vl = n - k - 1;
  while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
  if (vl < cap) memcpy(out, v, vl), out[vl] = '\0';
  else out[0] = '\0'; /* too long to send back: not kept */
}

/* The headers of each response (a redirect starts a new one). */
static size_t on_header(char *p, size_t size, size_t n, void *ctx) {
  kh__fetched *f = ctx;
  size_t len = size * n;
  if (len >= 5 && !strncmp(p, "HTTP/", 5)) f->etag[0] = f->modified[0] = '\0';
  header_value(p, len, "ETag", f->etag, sizeof f->etag);
  header_value(p, len, "Last-Modified", f->modified, sizeof f->modified);
  return len;
}

/* A validator is sent back only if it is one line of printable ASCII. */
static int header_safe(const char *v) {
  for (; *v; v++)
    if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e) return 0;
  return 1;
}

int kh__fetch(const char *url, const char *etag, const char *modified, kh__fetched *f, char *why, size_t cap) {
  long max_mb = env_long("KHABAR_FETCH_MAX", 64, 1, 4096);
  long slow = env_long("KHABAR_FETCH_TIMEOUT", 60, 1, 86400);
  sink s = {f, (size_t)max_mb << 20, 0, 0};
  f->body.max = s.max + 1;
  f->etag[0] = f->modified[0] = '\0';
  f->not_modified = 0;
  char err[CURL_ERROR_SIZE] = "";
  pthread_once(&api_once, api_load);
  if (api_error) {
    snprintf(why, cap, "cannot fetch URLs: %s", api_error);
    return KH_EIO;
  }
  CURL *c = api.easy_init();
  if (!c) {
    snprintf(why, cap, "cannot start a transfer (libcurl)");
    return KH_ENOMEM;
  }
  struct curl_slist *hdrs = NULL;
  char h[320];
  if (etag && *etag && header_safe(etag)) {
    snprintf(h, sizeof h, "If-None-Match: %s", etag);
    hdrs = api.slist_append(hdrs, h);
  }
  if (modified && *modified && header_safe(modified)) {
    snprintf(h, sizeof h, "If-Modified-Since: %s", modified);
    hdrs = api.slist_append(hdrs, h);
  }
  api.easy_setopt(c, CURLOPT_URL, url);
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  api.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
  api.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  api.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, slow);
  api.easy_setopt(c, CURLOPT_TIMEOUT, slow * 10);
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  api.easy_setopt(c, CURLOPT_USERAGENT, "khabar (Urdu news monitoring)");
  api.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max);
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  api.easy_setopt(c, CURLOPT_WRITEDATA, &s);
  api.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(c, CURLOPT_HEADERDATA, f);
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  if (hdrs) api.easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  CURLcode cc = api.easy_perform(c);
  long status = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  api.easy_cleanup(c);
  api.slist_free_all(hdrs);
  int rc = 0;
  if (s.rc) {
    snprintf(why, cap, "out of memory while fetching");
    rc = s.rc;
  } else if (s.over || cc == CURLE_FILESIZE_EXCEEDED) {
    snprintf(why, cap, "larger than %ld MiB (KHABAR_FETCH_MAX)", max_mb);
    rc = KH_ETOOBIG;
  } else if (cc != CURLE_OK) {
    snprintf(why, cap, "cannot fetch: %s", err[0] ? err : api.easy_strerror(cc));
    rc = KH_EIO;
  } else if (status == 304) {
    f->not_modified = 1;
  } else if (status >= 400) {
    snprintf(why, cap, "HTTP %ld", status);
    rc = KH_EIO;
  }
  if (rc || f->not_modified) f->body.len = 0;
  return rc;
}

void kh__fetch_state_get(sqlite3 *db, const char *url, char etag[256], char modified[64]) {
  sqlite3_stmt *st;
  etag[0] = modified[0] = '\0';
  if (sqlite3_prepare_v2(db, "SELECT etag, modified FROM fetch_state WHERE url = ?", -1, &st, NULL)) return;
  sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *e = (const char *)sqlite3_column_text(st, 0), *m = (const char *)sqlite3_column_text(st, 1);
    if (e && strlen(e) < 256) strcpy(etag, e);
    if (m && strlen(m) < 64) strcpy(modified, m);
  }
  sqlite3_finalize(st);
}

int kh__fetch_state_touch(sqlite3 *db, const char *url) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "UPDATE fetch_state SET fetched = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE url = ?",
                         -1, &st, NULL))
    return KH_EDB;
  sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(st);
  return rc;
}

int kh__fetch_state_put(sqlite3 *db, const char *url, const kh__fetched *f) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO fetch_state(url, etag, modified, fetched, bytes) "
                         "VALUES (?, nullif(?, ''), nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)",
                         -1, &st, NULL))
    return KH_EDB;
  sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, f->etag, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, f->modified, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)f->body.len);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
  sqlite3_finalize(st);
  return rc;
}
