/*
** test_serve.c — `khabar serve` (cli/cmd_serve.c) as a user's program sees
** it: the server is started on a free port of 127.0.0.1, the project's Urdu
** examples are POSTed to it, and the API answers search, stories, one
** story, entities and errors; the browser UI is served at /.
*/
#include "test.h"

#include <curl/curl.h>
#include <jansson.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct resp {
  char *data;
  size_t len;
} resp;

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
  resp *r = ctx;
  char *d = realloc(r->data, r->len + size * n + 1);
  if (!d) return 0;
  memcpy(d + r->len, p, size * n);
  r->data = d;
  r->len += size * n;
  d[r->len] = '\0';
  return size * n;
}

/* method path on the server; the status, the body in r (caller frees). */
static long http(int port, const char *method, const char *path, const char *body, size_t body_len, resp *r) {
  char url[1024];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  memset(r, 0, sizeof *r);
  CURL *c = curl_easy_init();
  if (!c) return -1;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  long status = -1;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  return status;
}

static json_t *get_json(int port, const char *path, long *status) {
  resp r;
  *status = http(port, "GET", path, NULL, 0, &r);
  json_t *j = r.data ? json_loads(r.data, 0, NULL) : NULL;
  free(r.data);
  return j;
}

/* Start `khabar serve --port 0`; its pid and port.  The server gets
** SIGTERM if this process dies (PR_SET_PDEATHSIG) and none of its
** standard streams but the pipe the port is read from, so a failing test
** can leave nothing running that holds the test's output open. */
static int start(const char *bin, const char *db, pid_t *pid, int *port) {
  int out[2];
  if (pipe(out)) return -1;
  pid_t parent = getpid();
  *pid = fork();
  if (*pid < 0) return close(out[0]), close(out[1]), -1;
  if (*pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(out[1], 1), dup2(null, 2);
    close(out[0]), close(out[1]), close(null);
    execl(bin, bin, "serve", "--db", db, "--port", "0", (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  char line[512] = "";
  FILE *f = fdopen(out[0], "r");
  if (!f) return close(out[0]), -1;
  int ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  const char *p = ok ? strstr(line, "127.0.0.1:") : NULL;
  *port = p ? atoi(p + 10) : 0;
  return *port > 0 ? 0 : -1;
}

/* The checks against a running server (the caller stops it, pass or fail). */
static int checks(int port, const char *examples, size_t len) {
  resp r;
  long st;
  /* ingest through the API */
  ASSERT_INT_EQ(http(port, "POST", "/api/articles", examples, len, &r), 200);
  json_t *j = json_loads(r.data, 0, NULL);
  free(r.data);
  ASSERT(j != NULL);
  ASSERT_INT_EQ(json_integer_value(json_object_get(j, "stored")), 17);
  ASSERT_INT_EQ(json_array_size(json_object_get(j, "errors")), 0);
  json_decref(j);
  static const char bad[] = "{\"id\":\"q1\",\"title\":\"کوئٹہ میں برفباری\",\"body\":\"کوئٹہ میں شدید برفباری سے سڑکیں بند ہو گئیں۔\"}\n"
                            "{\"id\":\"q2\",\"title\":\n";
  ASSERT_INT_EQ(http(port, "POST", "/api/articles", bad, sizeof bad - 1, &r), 200);
  j = json_loads(r.data, 0, NULL);
  free(r.data);
  ASSERT_INT_EQ(json_integer_value(json_object_get(j, "stored")), 1);
  ASSERT_INT_EQ(json_integer_value(json_object_get(j, "rejected")), 1);
  ASSERT(strstr(json_string_value(json_array_get(json_object_get(j, "errors"), 0)), "<stdin>:2: invalid JSON") != NULL);
  json_decref(j);
  /* search: any spelling (Arabic kaf in كراچی) */
  j = get_json(port, "/api/search?limit=50&q=%D9%BE%D9%88%D9%84%DB%8C%D9%88%20%D9%85%DB%81%D9%85", &st); /* پولیو مہم */
  ASSERT_INT_EQ(st, 200);
  ASSERT(json_array_size(j) >= 3);
  int found = 0;
  for (size_t i = 0; i < json_array_size(j); i++)
    found += !strcmp(json_string_value(json_object_get(json_array_get(j, i), "id")), "awaz-2024-1028-09");
  ASSERT_INT_EQ(found, 1);
  json_decref(j);
  /* stories, then the first one whole */
  j = get_json(port, "/api/stories", &st);
  ASSERT_INT_EQ(st, 200);
  ASSERT(json_array_size(j) >= 6);
  json_int_t sid = json_integer_value(json_object_get(json_array_get(j, 0), "id"));
  json_int_t size = json_integer_value(json_object_get(json_array_get(j, 0), "size"));
  json_decref(j);
  char path[128];
  snprintf(path, sizeof path, "/api/story/%lld", (long long)sid);
  j = get_json(port, path, &st);
  ASSERT_INT_EQ(st, 200);
  ASSERT_INT_EQ(json_integer_value(json_object_get(json_object_get(j, "story"), "id")), sid);
  ASSERT_INT_EQ((json_int_t)json_array_size(json_object_get(j, "members")), size);
  json_decref(j);
  j = get_json(port, "/api/entity/%D9%84%D8%A7%DB%81%D9%88%D8%B1", &st); /* لاہور */
  ASSERT_INT_EQ(st, 200);
  ASSERT_STR_EQ(json_string_value(json_object_get(j, "id")), "loc:lahore");
  json_decref(j);
  j = get_json(port, "/api/sources", &st);
  ASSERT_INT_EQ(st, 200);
  ASSERT_INT_EQ(json_array_size(j), 4); /* awaz-news, shaam-times, sahil-digital; q1 has none */
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(j, 0), "source")), "awaz-news");
  ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(j, 0), "articles")), 6);
  json_decref(j);
  /* errors: JSON with a status */
  j = get_json(port, "/api/search?q=%22%D8%A8%D8%A7%D8%B1%D8%B4", &st); /* "بارش, never closed */
  ASSERT_INT_EQ(st, 400);
  ASSERT(strstr(json_string_value(json_object_get(j, "error")), "quote") != NULL);
  json_decref(j);
  j = get_json(port, "/api/story/999999", &st);
  ASSERT_INT_EQ(st, 404);
  ASSERT(json_object_get(j, "error") != NULL);
  json_decref(j);
  j = get_json(port, "/api/search?q=--help", &st);
  ASSERT_INT_EQ(st, 400);
  json_decref(j);
  ASSERT_INT_EQ(http(port, "GET", "/etc/passwd", NULL, 0, &r), 404);
  free(r.data);
  ASSERT_INT_EQ(http(port, "DELETE", "/api/dups", NULL, 0, &r), 405);
  free(r.data);
  /* ?url=: fetched by the server (test_fetch.c reads feeds and pages by URL);
     a local path is refused, a fetch that fails is a 502 with the reason */
  char path2[256];
  snprintf(path2, sizeof path2, "/api/articles?url=http://127.0.0.1:%d/api/story/999999", port);
  ASSERT_INT_EQ(http(port, "POST", path2, "", 0, &r), 502);
  ASSERT(r.data && strstr(r.data, "HTTP 404"));
  free(r.data);
  ASSERT_INT_EQ(http(port, "POST", "/api/articles?url=/etc/passwd", "", 0, &r), 400);
  free(r.data);
  ASSERT_INT_EQ(http(port, "POST", "/api/articles?url=http://127.0.0.1:1/feed.xml", "", 0, &r), 502);
  ASSERT(r.data && strstr(r.data, "cannot fetch"));
  free(r.data);
  /* a body over 64 MiB: 413, nothing stored */
  size_t big = (size_t)65 << 20;
  char *huge = malloc(big);
  ASSERT(huge != NULL);
  memset(huge, '{', big);
  long hs = http(port, "POST", "/api/articles", huge, big, &r);
  free(huge);
  free(r.data);
  ASSERT_INT_EQ(hs, 413);
  /* the browser UI */
  ASSERT_INT_EQ(http(port, "GET", "/", NULL, 0, &r), 200);
  ASSERT(r.data && strstr(r.data, "<html lang='ur' dir='rtl'>") && strstr(r.data, "/api/search"));
  free(r.data);
  return 0;
}

TEST(serve_api_and_ui) {
  const char *bin = getenv("KHABAR_BIN");
  if (!bin) SKIP("KHABAR_BIN not set (make test sets it)");
  const char *dir = test_tmpdir();
  char db[512], ex[512];
  snprintf(db, sizeof db, "%s/s.db", dir);
  snprintf(ex, sizeof ex, "%s/examples/articles.jsonl", KH_SOURCE_DIR);
  size_t len;
  char *examples = test_read_file(ex, &len);
  ASSERT(examples != NULL);
  pid_t pid = 0;
  int port = 0;
  int started = start(bin, db, &pid, &port) == 0;
  int failed = started ? checks(port, examples, len) : 1;
  /* stopped whatever happened: a server left running would hold the test's
     output open */
  int ws = 0;
  if (pid > 0) {
    kill(pid, SIGTERM);
    waitpid(pid, &ws, 0);
  }
  free(examples);
  test_rmdir(dir);
  ASSERT(started);
  ASSERT_INT_EQ(failed, 0);
  ASSERT(WIFEXITED(ws) && WEXITSTATUS(ws) == 0); /* SIGTERM: a clean stop */
  return 0;
}
