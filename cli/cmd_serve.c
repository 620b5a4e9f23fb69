/*
** cmd_serve.c — khabar serve: the HTTP API and the browser UI
** (libmicrohttpd).
**
**   khabar serve --db news.db --port 8080      then http://127.0.0.1:8080/
**
** Each API call runs the khabar command that answers the same question
** with --json, as a child process (this program again, by posix_spawn), and
** returns its lines as one JSON array (one object for story and entity).
** So the API says exactly what the command line says, a crash or a slow
** query harms one request, and the server keeps no database state; SQLite's
** WAL lets searches run while an ingest writes.
**
**   GET  /                         the browser UI (serve_ui.h)
**   GET  /api/search?q=&limit=&source=&since=&until=
**   GET  /api/stories?since=&min=  GET /api/story/ID
**   GET  /api/entities?type=&limit=   GET /api/entity/NAME
**   GET  /api/quotes?who=&limit=   GET /api/events?who=&limit=
**   GET  /api/reuse/ID             GET /api/dups      GET /api/sources
**   POST /api/articles             a body of JSON Lines (at most 64 MiB) is
**                                  ingested: {"stored", "duplicates",
**                                  "rejected", "errors": ["<stdin>:2: ..."]}
**   POST /api/articles?url=URL     the same for what khabar ingest URL reads
**                                  (a feed, a web page, JSON Lines; http(s)
**                                  only; 502 when it cannot be fetched)
**
** Errors are JSON too: {"error": "..."} with 400 (a bad query or parameter),
** 404 (no such story, entity or route) or 500.  The server listens on
** 127.0.0.1 unless --host says otherwise; parameters go to the child as
** arguments, never through a shell; each child has 120 s.
*/
#include "cli.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve_ui.h"

/* libmicrohttpd (and the GnuTLS under it) is opened by `khabar serve`
** alone, not linked: linked, it made every khabar command start slower.
** The calls this file makes: */
static struct mhd_api {
  struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                     MHD_AccessHandlerCallback, void *, ...);
  void (*stop_daemon)(struct MHD_Daemon *);
  const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
  const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
  struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
  enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
  enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
  void (*destroy_response)(struct MHD_Response *);
} mhd;

static int mhd_load(void) {
  void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
  if (!h) return cli_error("serve: libmicrohttpd.so.12 not found (Debian: apt-get install libmicrohttpd12)");
#define LOAD(member, name) \
  if (!(*(void **)&mhd.member = dlsym(h, name))) return cli_error("serve: libmicrohttpd lacks %s", name)
  LOAD(start_daemon, "MHD_start_daemon");
  LOAD(stop_daemon, "MHD_stop_daemon");
  LOAD(get_daemon_info, "MHD_get_daemon_info");
  LOAD(lookup_connection_value, "MHD_lookup_connection_value");
  LOAD(create_response_from_buffer, "MHD_create_response_from_buffer");
  LOAD(add_response_header, "MHD_add_response_header");
  LOAD(queue_response, "MHD_queue_response");
  LOAD(destroy_response, "MHD_destroy_response");
#undef LOAD
  return 0;
}

#define MAX_BODY ((size_t)64 << 20)
#define MAX_OUT ((size_t)256 << 20)
#define CHILD_SECONDS 120

extern char **environ;
static const char *db_path;
static char self[4096];
static volatile sig_atomic_t stop_asked;

static void on_signal(int sig) {
  (void)sig;
  stop_asked = 1;
}

typedef struct out {
  char *data;
  size_t len, cap;
  int over; /* a POST body past MAX_BODY (or memory): not kept */
} out;

static int out_add(out *o, const char *p, size_t n) {
  if (o->len + n + 1 > o->cap) {
    size_t c = o->cap ? o->cap * 2 : 4096;
    while (c < o->len + n + 1) c *= 2;
    if (c > MAX_OUT) return -1;
    char *d = realloc(o->data, c);
    if (!d) return -1;
    o->data = d, o->cap = c;
  }
  memcpy(o->data + o->len, p, n);
  o->len += n;
  o->data[o->len] = '\0';
  return 0;
}

/* Run `khabar argv...` with in[0..in_len) on its stdin; its stdout and
** stderr into so and se.  Returns its exit code, or -1. */
static int run(char **argv, const char *in, size_t in_len, out *so, out *se) {
  int pi[2], po[2], pe[2];
  if (pipe(pi)) return -1;
  if (pipe(po)) return close(pi[0]), close(pi[1]), -1;
  if (pipe(pe)) return close(pi[0]), close(pi[1]), close(po[0]), close(po[1]), -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pi[0], 0);
  posix_spawn_file_actions_adddup2(&fa, po[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
  int fds[6] = {pi[0], pi[1], po[0], po[1], pe[0], pe[1]};
  for (int i = 0; i < 6; i++) posix_spawn_file_actions_addclose(&fa, fds[i]);
  pid_t pid;
  int rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pi[0]), close(po[1]), close(pe[1]);
  if (rc) {
    close(pi[1]), close(po[0]), close(pe[0]);
    return -1;
  }
  struct pollfd p[3] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}, {pi[1], POLLOUT, 0}};
  size_t sent = 0;
  if (!in_len) close(pi[1]), p[2].fd = -1;
  time_t t0 = time(NULL);
  int failed = 0;
  while ((p[0].fd >= 0 || p[1].fd >= 0) && !failed) {
    if (time(NULL) - t0 > CHILD_SECONDS) {
      failed = 1;
      break;
    }
    if (poll(p, 3, 1000) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; i++) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t r = read(p[i].fd, buf, sizeof buf);
      if (r > 0) failed = out_add(i ? se : so, buf, (size_t)r) != 0;
      else if (r == 0 || errno != EINTR) close(p[i].fd), p[i].fd = -1;
    }
    if (p[2].fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = (p[2].revents & POLLOUT) ? write(p[2].fd, in + sent, in_len - sent > 65536 ? 65536 : in_len - sent) : -1;
      if (w > 0) sent += (size_t)w;
      if (w <= 0 || sent == in_len) close(p[2].fd), p[2].fd = -1;
    }
  }
  for (int i = 0; i < 3; i++)
    if (p[i].fd >= 0) close(p[i].fd);
  if (failed) kill(pid, SIGKILL);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return failed || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* ---- responses ---- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type, const char *p,
                                 size_t n) {
  struct MHD_Response *r = mhd.create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  mhd.add_response_header(r, "Content-Type", type);
  mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
  mhd.add_response_header(r, "Cache-Control", "no-store");
  enum MHD_Result ok = mhd.queue_response(c, status, r);
  mhd.destroy_response(r);
  return ok;
}

static void json_str(out *o, const char *s, size_t n) {
  char *p = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&p, &len);
  if (!f) return;
  cli_json_str(f, s, n);
  fclose(f);
  out_add(o, p, len);
  free(p);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg, size_t n) {
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  if (n > 9 && !memcmp(msg, "khabar: ", 8)) msg += 8, n -= 8;
  out o = {0};
  out_add(&o, "{\"error\":", 9);
  json_str(&o, msg, n);
  out_add(&o, "}\n", 2);
  enum MHD_Result r = send_text(c, status, "application/json; charset=utf-8", o.data ? o.data : "{}", o.len);
  free(o.data);
  return r;
}

/* A command's JSON lines as one array (list 1), its first object (0), or
** {"story": the first, "members": [the others]} (2). */
static enum MHD_Result send_json_lines(struct MHD_Connection *c, const out *so, int list) {
  out o = {0};
  int n = 0;
  out_add(&o, list == 1 ? "[" : list == 2 ? "{\"story\":" : "", list ? (list == 1 ? 1 : 9) : 0);
  for (char *l = so->data; l && *l;) {
    char *nl = strchr(l, '\n');
    size_t k = nl ? (size_t)(nl - l) : strlen(l);
    if (k && l[0] == '{') {
      if (list == 1 && n) out_add(&o, ",\n", 2);
      if (list == 2 && n) out_add(&o, n == 1 ? ",\"members\":[" : ",\n", n == 1 ? 12 : 2);
      out_add(&o, l, k);
      n++;
      if (!list) break;
    }
    l = nl ? nl + 1 : NULL;
  }
  if (list == 1) out_add(&o, "]\n", 2);
  if (list == 2) out_add(&o, n > 1 ? "]}\n" : ",\"members\":[]}\n", n > 1 ? 3 : 15);
  enum MHD_Result r = list != 1 && !n ? send_error(c, 404, "not found", 9)
                                  : send_text(c, 200, "application/json; charset=utf-8", o.data, o.len);
  free(o.data);
  return r;
}

/* ---- routes ---- */

typedef struct route {
  const char *prefix; /* "/api/story/": the rest of the path is the argument */
  const char *cmd;
  int list;                 /* the answer: 1 an array of the lines, 0 the first line, 2 {"story": the
                               first line, "members": the others} */
  const char *params[6][2]; /* query parameter -> option ("" = a positional argument) */
} route;

static const route ROUTES[] = {
    {"/api/search", "search", 1, {{"q", ""}, {"limit", "--limit"}, {"source", "--source"}, {"since", "--since"},
                                  {"until", "--until"}, {"entity", "--entity"}}},
    {"/api/stories", "stories", 1, {{"since", "--since"}, {"min", "--min"}}},
    {"/api/story/", "story", 2, {{0}}},
    {"/api/entities", "entities", 1, {{"type", "--type"}, {"limit", "--limit"}}},
    {"/api/entity/", "entity", 0, {{0}}},
    {"/api/quotes", "quotes", 1, {{"who", "--who"}, {"limit", "--limit"}}},
    {"/api/events", "events", 1, {{"who", "--who"}, {"limit", "--limit"}}},
    {"/api/reuse/", "reuse", 1, {{0}}},
    {"/api/dups", "dups", 1, {{0}}},
    {"/api/sources", "sources", 1, {{0}}},
};

static enum MHD_Result api_get(struct MHD_Connection *c, const char *url) {
  for (size_t r = 0; r < sizeof ROUTES / sizeof ROUTES[0]; r++) {
    const route *rt = &ROUTES[r];
    size_t pl = strlen(rt->prefix);
    int tail = rt->prefix[pl - 1] == '/';
    if (strncmp(url, rt->prefix, pl) || (!tail && url[pl]) || (tail && !url[pl])) continue;
    char *argv[24];
    int n = 0;
    argv[n++] = "khabar";
    argv[n++] = (char *)rt->cmd;
    if (tail && url[pl] == '-') return send_error(c, 400, "an id may not start with -", 26);
    if (tail) argv[n++] = (char *)url + pl; /* MHD has %-decoded the path */
    for (int i = 0; i < 6 && rt->params[i][0]; i++) {
      const char *v = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, rt->params[i][0]);
      if (!v || !*v) continue;
      if (strlen(v) > 2000) return send_error(c, 400, "parameter too long", 18);
      if (v[0] == '-' && v[1] == '-') return send_error(c, 400, "a parameter may not start with --", 33);
      if (*rt->params[i][1]) argv[n++] = (char *)rt->params[i][1];
      argv[n++] = (char *)v;
    }
    if (!strcmp(rt->cmd, "search") && n == 2) return send_error(c, 400, "search: no query (q=...)", 24);
    argv[n++] = "--json";
    argv[n++] = "--db";
    argv[n++] = (char *)db_path;
    argv[n] = NULL;
    out so = {0}, se = {0};
    int code = run(argv, NULL, 0, &so, &se);
    enum MHD_Result res;
    if (code == 0) res = send_json_lines(c, &so, rt->list);
    else if (code > 0) res = send_error(c, code == 2 ? 400 : 404, se.data ? se.data : "failed", se.len ? se.len : 6);
    else res = send_error(c, 500, "the command failed or took too long", 35);
    free(so.data);
    free(se.data);
    return res;
  }
  return send_error(c, 404, "no such route (see GET /)", 25);
}

static enum MHD_Result api_post(struct MHD_Connection *c, const out *body) {
  /* ?url=: a feed, a page or a file of articles fetched by the server
     (http and https only: anything else would name a local file) */
  const char *url = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "url");
  if (url && strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
    return send_error(c, 400, "url: only http:// and https:// URLs", 35);
  if (url && strlen(url) > 4000) return send_error(c, 400, "url too long", 12);
  char *argv_body[] = {"khabar", "ingest", "--format", "jsonl", "--db", (char *)db_path, "-", NULL};
  char *argv_url[] = {"khabar", "ingest", "--db", (char *)db_path, (char *)url, NULL};
  char **argv = url ? argv_url : argv_body;
  out so = {0}, se = {0};
  int code = run(argv, url ? NULL : body->data ? body->data : "", url ? 0 : body->len, &so, &se);
  unsigned long long stored = 0, dups = 0, rejected = 0, unchanged = 0;
  out o = {0};
  int have = 0;
  if (out_add(&o, "{\"errors\":[", 11)) {
    free(so.data);
    free(se.data);
    return send_error(c, 500, "out of memory", 13);
  }
  for (char *l = se.data; l && *l;) {
    char *nl = strchr(l, '\n');
    size_t k = nl ? (size_t)(nl - l) : strlen(l);
    if (sscanf(l, "%llu stored, %llu duplicates skipped, %llu rejected", &stored, &dups, &rejected) == 3) {
      have = 1;
      const char *u = strstr(l, "; ");
      if (u && u < l + k) unchanged = strtoull(u + 2, NULL, 10);
    } else if (k) {
      if (o.data[o.len - 1] != '[') out_add(&o, ",", 1);
      json_str(&o, l, k);
    }
    l = nl ? nl + 1 : NULL;
  }
  char tail[160];
  snprintf(tail, sizeof tail, "],\"stored\":%llu,\"duplicates\":%llu,\"rejected\":%llu,\"unchanged\":%llu}\n",
           stored, dups, rejected, unchanged);
  out_add(&o, tail, strlen(tail));
  enum MHD_Result r = code == 0 && have  ? send_text(c, 200, "application/json; charset=utf-8", o.data, o.len)
                     : code == 1 && url ? send_error(c, 502, se.data ? se.data : "cannot fetch", se.len ? se.len : 12)
                                        : send_error(c, 500, se.data ? se.data : "ingest failed", se.len ? se.len : 13);
  free(o.data);
  free(so.data);
  free(se.data);
  return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state) {
  (void)cls, (void)version;
  if (!strcmp(method, "POST") && !strcmp(url, "/api/articles")) {
    out *body = *state;
    if (!body) {
      if (!(body = calloc(1, sizeof *body))) return MHD_NO;
      *state = body;
      return MHD_YES;
    }
    if (*upload_size) { /* once too large, the rest is read and dropped */
      if (!body->over && (body->len + *upload_size > MAX_BODY || out_add(body, upload, *upload_size))) body->over = 1;
      *upload_size = 0;
      return MHD_YES;
    }
    if (body->over) return send_error(c, 413, "the body is larger than 64 MiB", 30);
    return api_post(c, body);
  }
  if (strcmp(method, "GET") && strcmp(method, "HEAD")) return send_error(c, 405, "GET, or POST /api/articles", 26);
  if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
    return send_text(c, 200, "text/html; charset=utf-8", SERVE_UI, sizeof SERVE_UI - 1);
  return api_get(c, url);
}

static void done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why) {
  (void)cls, (void)c, (void)why;
  out *body = *state;
  if (body) {
    free(body->data);
    free(body);
    *state = NULL;
  }
}

int cmd_serve(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    puts("usage: khabar serve [--db PATH] [--port N] [--host ADDR]\n\n"
         "The HTTP API and the browser UI over one database (default port 8080 on\n"
         "127.0.0.1; --port 0 takes a free port).  Open http://HOST:PORT/ in a browser.\n"
         "  GET  /api/search?q=&limit=&source=&since=&until=&entity=\n"
         "  GET  /api/stories?since=&min=     GET /api/story/ID\n"
         "  GET  /api/entities?type=&limit=   GET /api/entity/NAME\n"
         "  GET  /api/quotes?who=&limit=      GET /api/events?who=&limit=\n"
         "  GET  /api/reuse/ID                GET /api/dups      GET /api/sources\n"
         "  POST /api/articles                JSON Lines in the body: stored, duplicates,\n"
         "                                    rejected, errors\n"
         "  POST /api/articles?url=URL        the same for a feed, page or file at an\n"
         "                                    http(s) URL (fetched by the server)\n"
         "Answers are what the same command prints with --json, as one JSON array\n"
         "(one object for story and entity); errors are {\"error\": ...}.");
    return 0;
  }
  db_path = cli_db_path(&argc, argv);
  long port = 8080;
  const char *host = "127.0.0.1";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) {
      char *end;
      port = strtol(argv[++i], &end, 10);
      if (*end || port < 0 || port > 65535) return cli_error("serve: --port takes 0 to 65535"), 2;
    } else if (!strcmp(argv[i], "--host") && i + 1 < argc) {
      host = argv[++i];
    } else {
      cli_error("serve: unknown argument '%s' (try --help)", argv[i]);
      return 2;
    }
  }
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return cli_error("serve: cannot find this program (/proc/self/exe)");
  self[n] = '\0';
  kh_db *db; /* create the file (and its schema) once, so that readers find it */
  int rc = kh_db_open(db_path, &db);
  if (rc) return cli_error("cannot open database %s: %s", db_path, kh_strerror(rc));
  kh_db_close(db);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return cli_error("serve: --host wants an IPv4 address");
  if (mhd_load()) return 1;
  signal(SIGPIPE, SIG_IGN);
  struct MHD_Daemon *d =
      mhd.start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle,
                       NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
                       MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(1 << 20), MHD_OPTION_END);
  if (!d) return cli_error("serve: cannot listen on %s:%ld (%s)", host, port, strerror(errno));
  const union MHD_DaemonInfo *info = mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  printf("khabar: serving %s on http://%s:%u/ (Ctrl-C stops)\n", db_path, host,
         info ? (unsigned)info->port : (unsigned)port);
  fflush(stdout);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (!stop_asked) pause();
  mhd.stop_daemon(d);
  return 0;
}
