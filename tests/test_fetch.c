/*
** test_fetch.c — `khabar ingest URL` (src/store/fetch.c) against a small
** HTTP server run by the test on 127.0.0.1 (no network needed): a feed and
** JSON Lines of the project's Urdu examples, a story's web page, a redirect, a 404, a redirect
** to file://, a body over the size cap and a server that stalls.
*/
#include "../src/store/store.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct server {
  int fd, port, stop;
  int etag_full; /* /etag.rss answered whole (200), not 304 */
  char *feed, *jsonl;
  size_t feed_len, jsonl_len;
  pthread_t th;
} server;

static void send_all(int c, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(c, p, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    p += w, n -= (size_t)w;
  }
}

static void reply(int c, const char *status, const char *headers, const char *body, size_t n) {
  char h[512];
  int k = snprintf(h, sizeof h, "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", status, n,
                   headers);
  send_all(c, h, (size_t)k);
  if (body) send_all(c, body, n);
}

static void *serve(void *arg) {
  server *s = arg;
  while (!s->stop) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) break;
    char req[4096];
    size_t n = 0;
    while (n < sizeof req - 1) {
      ssize_t r = recv(c, req + n, sizeof req - 1 - n, 0);
      if (r <= 0) break;
      n += (size_t)r;
      req[n] = '\0';
      if (strstr(req, "\r\n\r\n")) break;
    }
    req[n] = '\0';
    char path[256] = "";
    sscanf(req, "GET %255s", path);
    if (!strcmp(path, "/etag.rss")) { /* a feed that says when it has not changed */
      if (strstr(req, "If-None-Match: \"v1\"")) {
        reply(c, "304 Not Modified", "ETag: \"v1\"\r\n", "", 0);
      } else {
        s->etag_full++;
        reply(c, "200 OK", "Content-Type: application/rss+xml\r\nETag: \"v1\"\r\n", s->feed, s->feed_len);
      }
    } else if (!strcmp(path, "/roshni.rss")) {
      reply(c, "200 OK", "Content-Type: application/rss+xml\r\n", s->feed, s->feed_len);
    } else if (!strcmp(path, "/news")) { /* JSON Lines, no telling name */
      reply(c, "200 OK", "Content-Type: application/octet-stream\r\n", s->jsonl, s->jsonl_len);
    } else if (!strcmp(path, "/karachi/5001")) { /* a story's web page */
      static const char page[] =
          "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>بارش | روشنی</title>"
          "<meta property=\"article:published_time\" content=\"2024-07-16T08:00:00+05:00\"></head><body>"
          "<nav><p>صفحہ اول</p></nav><div class=\"story\"><h1>کراچی میں بارش کا دوسرا روز</h1>"
          "<p>کراچی میں مسلسل دوسرے روز وقفے وقفے سے بارش کا سلسلہ جاری رہا۔</p>"
          "<p>شہر کے کئی علاقوں میں بجلی کی فراہمی معطل رہی۔</p></div></body></html>";
      reply(c, "200 OK", "Content-Type: text/html; charset=utf-8\r\n", page, sizeof page - 1);
    } else if (!strcmp(path, "/moved")) {
      reply(c, "301 Moved Permanently", "Location: /roshni.rss\r\n", "", 0);
    } else if (!strcmp(path, "/sneaky")) {
      reply(c, "302 Found", "Location: file:///etc/passwd\r\n", "", 0);
    } else if (!strcmp(path, "/huge")) { /* 3 MiB of a never-ending feed */
      const char *head = "<rss><channel><item><title>";
      reply(c, "200 OK", "", NULL, 3u << 20);
      send_all(c, head, strlen(head));
      char chunk[4096];
      memset(chunk, 'x', sizeof chunk);
      for (int i = 0; i < 768 && !s->stop; i++) send_all(c, chunk, sizeof chunk);
    } else if (!strcmp(path, "/stall")) { /* headers, a little, then nothing */
      reply(c, "200 OK", "", NULL, 1000);
      send_all(c, "<rss>", 5);
      for (int i = 0; i < 40 && !s->stop; i++) usleep(100000);
    } else {
      reply(c, "404 Not Found", "Content-Type: text/html\r\n", "<html>gone</html>", 17);
    }
    close(c);
  }
  return NULL;
}

static int server_start(server *s) {
  memset(s, 0, sizeof *s);
  char p[512];
  snprintf(p, sizeof p, "%s/examples/roshni-news.rss", KH_SOURCE_DIR);
  s->feed = test_read_file(p, &s->feed_len);
  snprintf(p, sizeof p, "%s/examples/articles.jsonl", KH_SOURCE_DIR);
  s->jsonl = test_read_file(p, &s->jsonl_len);
  if (!s->feed || !s->jsonl) return -1;
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) || listen(s->fd, 8) ||
      getsockname(s->fd, (struct sockaddr *)&a, &al))
    return -1;
  s->port = ntohs(a.sin_port);
  return pthread_create(&s->th, NULL, serve, s);
}

static void server_stop(server *s) {
  s->stop = 1;
  shutdown(s->fd, SHUT_RDWR);
  close(s->fd);
  pthread_join(s->th, NULL);
  free(s->feed);
  free(s->jsonl);
}


static int ingest(kh_db *db, const server *s, const char *path, test_errs *e, kh_ingest_stats *st) {
  char url[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
  memset(e, 0, sizeof *e);
  memset(st, 0, sizeof *st);
  kh_ingest_opts o = {0};
  o.on_error = test_on_error;
  o.ctx = e;
  return kh_ingest_path(db, url, &o, st);
}

typedef struct srcs {
  int n, roshni, fetches, with_etag;
} srcs;

static int on_source(void *ctx, const kh_source *s) {
  srcs *c = ctx;
  c->n++;
  if (s->source && !strcmp(s->source, "roshni-news.example")) {
    c->roshni = (int)s->articles;
    if (!s->first || strcmp(s->first, "2024-10-16T13:45:00Z") || !s->last || strcmp(s->last, "2024-11-19T03:30:00Z"))
      c->roshni = -1;
  }
  return 0;
}

static int on_fetch(void *ctx, const kh_fetch *f) {
  srcs *c = ctx;
  c->fetches++;
  c->with_etag += f->etag && !strcmp(f->etag, "\"v1\"") && strstr(f->url, "/etag.rss") && f->bytes > 0;
  return 0;
}

TEST(fetch_ingest_from_url) {
  server s;
  ASSERT_INT_EQ(server_start(&s), 0);
  const char *dir = test_tmpdir();
  char dbp[512];
  snprintf(dbp, sizeof dbp, "%s/u.db", dir);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(dbp, &db), 0);
  test_errs e;
  kh_ingest_stats st;
  /* a feed, through a redirect */
  ASSERT_INT_EQ(ingest(db, &s, "/moved", &e, &st), 0);
  ASSERT_INT_EQ(st.stored, 3);
  ASSERT_INT_EQ(st.rejected, 0);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE source = 'roshni-news.example' AND "
                                 "id = 'roshni-news.example-4411' AND published = '2024-10-16T13:45:00Z' AND "
                                 "title = 'ملتان ٹیسٹ: دوسرے روز مہمان ٹیم کا محتاط جواب'"),
                1);
  /* again: nothing new */
  ASSERT_INT_EQ(ingest(db, &s, "/roshni.rss", &e, &st), 0);
  ASSERT_INT_EQ(st.stored, 0);
  ASSERT_INT_EQ(st.duplicates, 3);
  /* JSON Lines, known by their first byte */
  ASSERT_INT_EQ(ingest(db, &s, "/news", &e, &st), 0);
  ASSERT_INT_EQ(st.stored, 17);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE id = 'awaz-2024-0715-01'"), 1);
  /* a web page: its URL is its id */
  ASSERT_INT_EQ(ingest(db, &s, "/karachi/5001", &e, &st), 0);
  ASSERT_INT_EQ(st.stored, 1);
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM article WHERE id = 'http://127.0.0.1:%d/karachi/5001' AND source = '127.0.0.1' AND "
           "title = 'کراچی میں بارش کا دوسرا روز' AND published = '2024-07-16T03:00:00Z' AND "
           "body = 'کراچی میں مسلسل دوسرے روز وقفے وقفے سے بارش کا سلسلہ جاری رہا۔' || char(10) || "
           "'شہر کے کئی علاقوں میں بجلی کی فراہمی معطل رہی۔'",
           s.port);
  ASSERT_INT_EQ(test_sql_int(db, sql), 1);
  int64_t stored = kh_db_count(db);
  ASSERT_INT_EQ(stored, 21);
  /* failures: reported with the reason, nothing stored is lost */
  ASSERT_INT_EQ(ingest(db, &s, "/missing", &e, &st), KH_EIO);
  ASSERT_INT_EQ(e.line, 0);
  ASSERT_STR_EQ(e.first, "HTTP 404");
  ASSERT_INT_EQ(ingest(db, &s, "/sneaky", &e, &st), KH_EIO);
  ASSERT(strstr(e.first, "cannot fetch") != NULL);
  setenv("KHABAR_FETCH_MAX", "1", 1);
  ASSERT_INT_EQ(ingest(db, &s, "/huge", &e, &st), KH_EIO);
  ASSERT_STR_EQ(e.first, "larger than 1 MiB (KHABAR_FETCH_MAX)");
  unsetenv("KHABAR_FETCH_MAX");
  setenv("KHABAR_FETCH_TIMEOUT", "1", 1);
  ASSERT_INT_EQ(ingest(db, &s, "/stall", &e, &st), KH_EIO);
  ASSERT(strstr(e.first, "cannot fetch") != NULL);
  unsetenv("KHABAR_FETCH_TIMEOUT");
  ASSERT_INT_EQ(kh_db_count(db), stored);
  /* a feed with an ETag: fetched whole once, then 304 until --refetch */
  ASSERT_INT_EQ(ingest(db, &s, "/etag.rss", &e, &st), 0);
  ASSERT_INT_EQ(st.duplicates, 3);
  ASSERT_INT_EQ(s.etag_full, 1);
  ASSERT_INT_EQ(ingest(db, &s, "/etag.rss", &e, &st), 0);
  ASSERT_INT_EQ(st.unchanged, 1);
  ASSERT_INT_EQ(st.records, 0);
  ASSERT_INT_EQ(s.etag_full, 1);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM fetch_state WHERE url = 'http://127.0.0.1:%d/etag.rss' AND etag = '\"v1\"'",
           s.port);
  ASSERT_INT_EQ(test_sql_int(db, sql), 1);
  /* what the store says of its sources and fetches */
  srcs sc = {0};
  ASSERT_INT_EQ(kh_db_sources(db, on_source, &sc), 0);
  ASSERT_INT_EQ(sc.n, 5); /* the examples' 3 outlets, the feed's, the page's host */
  ASSERT_INT_EQ(sc.roshni, 3);
  ASSERT_INT_EQ(kh_db_fetches(db, on_fetch, &sc), 0);
  ASSERT_INT_EQ(sc.fetches, 5); /* /moved (the URL asked for, not the redirect's), /roshni.rss, /news,
                                   /karachi/5001, /etag.rss: the failed ones are not kept */
  ASSERT_INT_EQ(sc.with_etag, 1);
  kh_ingest_opts ro = {0};
  ro.refetch = 1;
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/etag.rss", s.port);
  memset(&st, 0, sizeof st);
  ASSERT_INT_EQ(kh_ingest_path(db, url, &ro, &st), 0);
  ASSERT_INT_EQ(s.etag_full, 2);
  ASSERT_INT_EQ(st.duplicates, 3);
  /* the command line: a list of inputs, followed every 0.01 minutes until SIGTERM */
  const char *bin = getenv("KHABAR_BIN");
  if (bin) {
    char list[512], cmd[2048], outp[8192];
    snprintf(list, sizeof list, "%s/follow.txt", dir);
    FILE *lf = fopen(list, "w");
    ASSERT(lf != NULL);
    fprintf(lf, "# the outlets we follow\nhttp://127.0.0.1:%d/etag.rss   # roshni\n\nhttp://127.0.0.1:%d/missing\n",
            s.port, s.port);
    fclose(lf);
    kh_db_close(db);
    snprintf(cmd, sizeof cmd, "timeout -s TERM 4 %s ingest --db %s --list %s --every 0.01 2>&1", bin, dbp, list);
    int code = test_run_cmd(cmd, outp, sizeof outp);
    ASSERT(code == 124 || code == 0);
    ASSERT(strstr(outp, "round 1: 0 stored, 0 duplicates skipped, 0 rejected") != NULL);
    ASSERT(strstr(outp, "1 URL(s) unchanged since the last fetch") != NULL);
    ASSERT(strstr(outp, "round 2:") != NULL);
    ASSERT(strstr(outp, "/missing: HTTP 404") != NULL);
    ASSERT(strstr(outp, "in all: 0 stored") != NULL);
    ASSERT_INT_EQ(s.etag_full, 2); /* never fetched whole again */
    ASSERT_INT_EQ(kh_db_open(dbp, &db), 0);
  }
  /* nobody listening */
  server_stop(&s);
  snprintf(url, sizeof url, "http://127.0.0.1:%d/roshni.rss", s.port);
  kh_ingest_opts o = {0};
  o.on_error = test_on_error;
  o.ctx = &e;
  memset(&e, 0, sizeof e);
  ASSERT_INT_EQ(kh_ingest_path(db, url, &o, &st), KH_EIO);
  ASSERT(strstr(e.first, "cannot fetch") != NULL);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}
