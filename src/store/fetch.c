/*
** fetch.c — an input given as an http:// or https:// URL (libcurl): the
** body is fetched into memory and read as a file of the same format.
**
**   kh__buf b = {0}; char why[256];
**   if (kh__fetch("https://www.express.pk/feed/", &b, why, sizeof why)) ... why: "HTTP 404"
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
** Compressed bodies (gzip, deflate, br as libcurl was built) are decoded.
*/
#include "store.h"

#include <curl/curl.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

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
  kh__buf *b;
  size_t max;
  int over, rc;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
  sink *s = ctx;
  size_t len = size * n;
  if (s->b->len + len > s->max) {
    s->over = 1;
    return 0; /* stops the transfer (CURLE_WRITE_ERROR) */
  }
  kh__buf_append(s->b, p, len, &s->rc);
  return s->rc ? 0 : len;
}

int kh__fetch(const char *url, kh__buf *out, char *why, size_t cap) {
  long max_mb = env_long("KHABAR_FETCH_MAX", 64, 1, 4096);
  long slow = env_long("KHABAR_FETCH_TIMEOUT", 60, 1, 86400);
  sink s = {out, (size_t)max_mb << 20, 0, 0};
  out->max = s.max + 1;
  char err[CURL_ERROR_SIZE] = "";
  CURL *c = curl_easy_init();
  if (!c) {
    snprintf(why, cap, "cannot start a transfer (libcurl)");
    return KH_ENOMEM;
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, slow);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, slow * 10);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "khabar (Urdu news monitoring)");
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  CURLcode cc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  int rc = 0;
  if (s.rc) {
    snprintf(why, cap, "out of memory while fetching");
    rc = s.rc;
  } else if (s.over || cc == CURLE_FILESIZE_EXCEEDED) {
    snprintf(why, cap, "larger than %ld MiB (KHABAR_FETCH_MAX)", max_mb);
    rc = KH_ETOOBIG;
  } else if (cc != CURLE_OK) {
    snprintf(why, cap, "cannot fetch: %s", err[0] ? err : curl_easy_strerror(cc));
    rc = KH_EIO;
  } else if (status >= 400) {
    snprintf(why, cap, "HTTP %ld", status);
    rc = KH_EIO;
  }
  if (rc) out->len = 0;
  return rc;
}
