/*
** reader_speed.c — what reading a feed or a web page costs next to reading
** the same articles as JSON Lines, before anything is stored: the readers
** alone, each record handed to a sink that only counts it.
**
**   jsonl   kh__jsonl_read            (its fast path: the peer, the cheapest input)
**   rss     kh__feed_read             the articles as one RSS 2.0 feed, bodies as
**                                     HTML paragraphs in CDATA content:encoded
**   atom    kh__feed_read             one Atom feed, bodies as escaped HTML <content>
**   html    kh__page_read             one news page an article (menu, related stories,
**                                     comments, footer around the paragraphs)
**
** Input: the 2,541 real articles of pk-news-2024.  Each reader runs 5 times,
** in turns; the best CPU time counts.  MB/s are of the input each reader
** reads (the feed and the pages are larger than the JSON Lines: markup);
** articles/s and the ratio to jsonl are what compare.
**
**   make bench && ./build/bench/reader_speed [../shared/data]
*/
#include "../src/store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  (void)line, (void)reason;
  long *n = ctx;
  if (a) n[0]++, n[1] += (long)a->body_len;
  else n[2]++;
  return 0;
}

static void esc(kh__buf *b, const char *s, int *rc) {
  for (; *s; s++) {
    if (*s == '&') kh__buf_appends(b, "&amp;", rc);
    else if (*s == '<') kh__buf_appends(b, "&lt;", rc);
    else if (*s == '>') kh__buf_appends(b, "&gt;", rc);
    else kh__buf_appendc(b, *s, rc);
  }
}

/* body as <p> paragraphs, escaped for HTML */
static void paras(kh__buf *b, const char *body, int *rc) {
  kh__buf_appends(b, "<p>", rc);
  for (const char *c = body; *c; c++)
    if (*c == '\n') kh__buf_appends(b, "</p><p>", rc);
    else if (*c == '&' || *c == '<' || *c == '>') esc(b, (char[]){*c, 0}, rc);
    else kh__buf_appendc(b, *c, rc);
  kh__buf_appends(b, "</p>", rc);
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : "../shared/data";
  char path[1024];
  snprintf(path, sizeof path, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "reader_speed: %s not found (../shared/data absent?)\n", path);
    return 1;
  }
  kh__buf jl = {0}, rss = {0}, atom = {0};
  jl.max = rss.max = atom.max = (size_t)1 << 30;
  int rc = 0, n = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  kh__buf *pages = NULL;
  kh__buf_appends(&rss, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
                        "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>"
                        "<title>pk-news</title><link>https://news.example.pk/</link>\n", &rc);
  kh__buf_appends(&atom, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
                         "<title>pk-news</title><link href=\"https://news.example.pk/\"/>\n", &rc);
  while ((len = getline(&line, &cap, f)) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *title = json_string_value(json_object_get(o, "title"));
    const char *body = json_string_value(json_object_get(o, "body"));
    if (id && title && body && !strstr(body, "]]>")) {
      kh__buf_append(&jl, line, (size_t)len, &rc);
      kh__buf_printf(&rss, &rc, "<item><guid>https://news.example.pk/%s</guid><title>", id);
      esc(&rss, title, &rc);
      kh__buf_appends(&rss, "</title><content:encoded><![CDATA[", &rc);
      paras(&rss, body, &rc);
      kh__buf_appends(&rss, "]]></content:encoded></item>\n", &rc);
      kh__buf_printf(&atom, &rc, "<entry><id>https://news.example.pk/%s</id><title>", id);
      esc(&atom, title, &rc);
      kh__buf_appends(&atom, "</title><content type=\"html\">", &rc);
      kh__buf h = {0};
      paras(&h, body, &rc);
      esc(&atom, h.data, &rc);
      kh__buf_free(&h);
      kh__buf_appends(&atom, "</content></entry>\n", &rc);
      kh__buf *pg = realloc(pages, (size_t)(n + 1) * sizeof *pages);
      if (!pg) return 1;
      pages = pg;
      kh__buf *p = &pages[n];
      memset(p, 0, sizeof *p);
      kh__buf_appends(p, "<!DOCTYPE html><html lang=\"ur\"><head><meta charset=\"utf-8\"><title>", &rc);
      esc(p, title, &rc);
      kh__buf_printf(p, &rc, "</title><link rel=\"canonical\" href=\"https://news.example.pk/%s\"></head><body>"
                             "<header><nav><ul><li>صفحہ اول</li><li>پاکستان</li><li>کھیل</li></ul></nav></header>"
                             "<div class=\"story\"><h1>", id);
      esc(p, title, &rc);
      kh__buf_appends(p, "</h1>", &rc);
      paras(p, body, &rc);
      kh__buf_appends(p, "</div><div class=\"related-news\"><p>مزید خبریں</p><p>لاہور میں اسموگ</p><p>ملتان ٹیسٹ</p>"
                         "</div><section id=\"comments\"><p>تبصرہ</p></section><footer><p>جملہ حقوق محفوظ ہیں</p>"
                         "</footer></body></html>\n", &rc);
      n++;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  kh__buf_appends(&rss, "</channel></rss>\n", &rc);
  kh__buf_appends(&atom, "</feed>\n", &rc);
  if (rc) return 1;
  size_t page_bytes = 0;
  for (int i = 0; i < n; i++) page_bytes += pages[i].len;
  const char *names[4] = {"jsonl", "rss", "atom", "html"};
  size_t bytes[4] = {jl.len, rss.len, atom.len, page_bytes};
  double best[4] = {1e9, 1e9, 1e9, 1e9};
  long got[4][3];
  for (int rep = 0; rep < 5; rep++)
    for (int k = 0; k < 4; k++) {
      long cnt[3] = {0, 0, 0};
      double t0 = cpu();
      if (k < 3) {
        const kh__buf *b = k == 0 ? &jl : k == 1 ? &rss : &atom;
        FILE *m = fmemopen(b->data, b->len, "rb");
        if (k == 0) kh__jsonl_read(m, count, cnt, NULL);
        else kh__feed_read(m, NULL, "bench", count, cnt, NULL);
        fclose(m);
      } else {
        for (int i = 0; i < n; i++) {
          FILE *m = fmemopen(pages[i].data, pages[i].len, "rb");
          kh__page_read(m, NULL, NULL, "bench", count, cnt, NULL);
          fclose(m);
        }
      }
      double t = cpu() - t0;
      if (t < best[k]) best[k] = t;
      memcpy(got[k], cnt, sizeof cnt);
    }
  printf("reader_speed: %d pk-news-2024 articles, best of 5 CPU runs each\n", n);
  printf("%-6s %10s %9s %8s %8s %10s %12s %9s\n", "reader", "input MB", "records", "bad", "CPU s", "MB/s",
         "articles/s", "vs jsonl");
  for (int k = 0; k < 4; k++)
    printf("%-6s %10.2f %9ld %8ld %8.3f %10.1f %12.0f %8.2fx\n", names[k], bytes[k] / 1e6, got[k][0], got[k][2],
           best[k], bytes[k] / 1e6 / best[k], got[k][0] / best[k], best[0] / best[k]);
  printf("body bytes read: jsonl %ld, rss %ld, atom %ld, html %ld (the same text, HTML removed and white space\n"
         "runs made one; the pages of articles with an empty body have no article in them: bad records)\n",
         got[0][1], got[1][1], got[2][1], got[3][1]);
  for (int i = 0; i < n; i++) kh__buf_free(&pages[i]);
  free(pages);
  kh__buf_free(&jl);
  kh__buf_free(&rss);
  kh__buf_free(&atom);
  return 0;
}
