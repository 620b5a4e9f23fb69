/*
** test_feed.c — RSS / Atom feeds (src/store/feed.c, html.c): the fields of
** an item, HTML as text, hostile XML (entities, external files, broken
** UTF-8, truncation), and real articles from pk-news-2024 carried through a
** feed, which must store the same text as the JSON Lines copy of them.
*/
#include "../src/store/store.h"
#include "test.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct rec {
  char *f[7]; /* id, source, url, published, title, body, extra */
  uint64_t line;
} rec;

typedef struct got {
  rec r[64];
  int n, bad;
  uint64_t bad_line;
  char reason[300];
} got;

static int grab(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  got *g = ctx;
  if (!a) {
    g->bad++;
    g->bad_line = line;
    snprintf(g->reason, sizeof g->reason, "%s", reason ? reason : "");
    return 0;
  }
  if (g->n >= 64) return 0;
  rec *r = &g->r[g->n++];
  const char *f[7] = {a->id, a->source, a->url, a->published, a->title, a->body, a->extra};
  size_t n[7] = {a->id_len, a->source_len, a->url_len, a->published_len, a->title_len, a->body_len, a->extra_len};
  for (int i = 0; i < 7; i++) r->f[i] = kh__strndup(f[i] ? f[i] : "", f[i] ? n[i] : 0);
  r->line = line;
  return 0;
}

static void got_free(got *g) {
  for (int k = 0; k < g->n; k++)
    for (int i = 0; i < 7; i++) kh_free(g->r[k].f[i]);
  memset(g, 0, sizeof *g);
}

static int read_feed(const char *xml, size_t n, const char *source, got *g) {
  memset(g, 0, sizeof *g);
  FILE *f = fmemopen((void *)xml, n, "rb");
  if (!f) return -1;
  int rc = kh__feed_read(f, source, "file", grab, g, NULL);
  fclose(f);
  return rc;
}

enum { ID, SRC, URL, PUB, TITLE, BODY, EXTRA };

TEST(feed_rss_and_atom_fields) {
  static const char rss[] =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n"
      "     xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
      "<channel><title>جیو نیوز</title><link>https://www.urdu.geo.tv/</link>\n"
      "<item>\n"
      "  <title>کراچی میں بارش، سڑکیں &lt;b&gt;زیرِ آب&lt;/b&gt;</title>\n"
      "  <link>https://urdu.geo.tv/latest/1001</link><guid isPermaLink=\"false\">1001</guid>\n"
      "  <pubDate>Mon, 25 Nov 2024 10:00:00 +0500</pubDate><dc:creator>نمائندہ خصوصی</dc:creator>\n"
      "  <category>موسم</category><category>کراچی</category>\n"
      "  <description>&lt;p&gt;خلاصہ&lt;/p&gt;</description>\n"
      "  <content:encoded><![CDATA[<p>کراچی میں صبح سے   موسلا دھار بارش جاری ہے۔</p>"
      "<p>شاہراہیں&nbsp;زیرِ آب &amp; ٹریفک جام<br>ہے۔</p><script>var x = 'نہیں';</script>]]></content:encoded>\n"
      "</item>\n"
      "<item><title>لاہور میں اسموگ</title><link>https://urdu.geo.tv/latest/1002</link>\n"
      "  <description>لاہور میں اسموگ کی شدت برقرار ہے۔</description></item>\n"
      "<item><link>https://urdu.geo.tv/latest/1003</link></item>\n"
      "</channel></rss>\n";
  got g;
  ASSERT_INT_EQ(read_feed(rss, sizeof rss - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 2);
  ASSERT_INT_EQ(g.bad, 1); /* the third item has neither title nor text */
  ASSERT_INT_EQ(g.bad_line, 15);
  ASSERT(strstr(g.reason, "without title or text") != NULL);
  rec *r = &g.r[0];
  ASSERT_INT_EQ(r->line, 5);
  ASSERT_STR_EQ(r->f[ID], "urdu.geo.tv-1001"); /* a guid that is no URL gets the source */
  ASSERT_STR_EQ(r->f[SRC], "urdu.geo.tv");     /* the channel link's host, www. dropped */
  ASSERT_STR_EQ(r->f[URL], "https://urdu.geo.tv/latest/1001");
  ASSERT_STR_EQ(r->f[PUB], "Mon, 25 Nov 2024 10:00:00 +0500");
  ASSERT_STR_EQ(r->f[TITLE], "کراچی میں بارش، سڑکیں زیرِ آب");
  /* content:encoded wins over description; paragraphs and <br> end lines,
     NBSP and runs of spaces are one space, the script is gone */
  ASSERT_STR_EQ(r->f[BODY], "کراچی میں صبح سے موسلا دھار بارش جاری ہے۔\nشاہراہیں زیرِ آب & ٹریفک جام\nہے۔");
  ASSERT_STR_EQ(r->f[EXTRA], "{\"author\":\"نمائندہ خصوصی\",\"categories\":[\"موسم\",\"کراچی\"]}");
  r = &g.r[1];
  ASSERT_STR_EQ(r->f[ID], "https://urdu.geo.tv/latest/1002"); /* no guid: the link */
  ASSERT_STR_EQ(r->f[BODY], "لاہور میں اسموگ کی شدت برقرار ہے۔");
  ASSERT_STR_EQ(r->f[PUB], "");
  ASSERT_STR_EQ(r->f[EXTRA], "");
  got_free(&g);
  /* --source wins over the channel */
  ASSERT_INT_EQ(read_feed(rss, sizeof rss - 1, "geo", &g), 0);
  ASSERT_STR_EQ(g.r[0].f[SRC], "geo");
  ASSERT_STR_EQ(g.r[0].f[ID], "geo-1001");
  got_free(&g);

  static const char atom[] =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>ایکسپریس</title>\n"
      "<link rel=\"self\" href=\"https://www.express.pk/feed/atom\"/><link href=\"https://www.express.pk/\"/>\n"
      "<entry><title type=\"html\">ملتان &lt;i&gt;ٹیسٹ&lt;/i&gt;</title>\n"
      "  <link rel=\"enclosure\" href=\"https://www.express.pk/a.jpg\"/>\n"
      "  <link rel=\"alternate\" href=\"https://www.express.pk/story/77\"/>\n"
      "  <id>tag:express.pk,2024:77</id><updated>2024-11-24T08:00:00Z</updated>\n"
      "  <published>2024-11-24T07:30:00+05:00</published><author><name>اسپورٹس ڈیسک</name></author>\n"
      "  <category term=\"کھیل\"/><summary>قومی ٹیم نے ٹاس جیت لیا</summary>\n"
      "  <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>قومی ٹیم نے ٹاس جیت کر</p>"
      "<p>بیٹنگ کا <b>فیصلہ</b> کیا۔</p></div></content></entry>\n"
      "<entry><title type=\"text\">a &lt; b</title><id>urn:x:2</id><updated>2024-11-25T00:00:00Z</updated>"
      "<summary type=\"text\">پشاور میں &lt;پولیو&gt; مہم</summary></entry>\n"
      "</feed>\n";
  ASSERT_INT_EQ(read_feed(atom, sizeof atom - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 2);
  ASSERT_INT_EQ(g.bad, 0);
  r = &g.r[0];
  ASSERT_STR_EQ(r->f[ID], "tag:express.pk,2024:77");
  ASSERT_STR_EQ(r->f[SRC], "express.pk");
  ASSERT_STR_EQ(r->f[URL], "https://www.express.pk/story/77");
  ASSERT_STR_EQ(r->f[PUB], "2024-11-24T07:30:00+05:00"); /* published, not updated */
  ASSERT_STR_EQ(r->f[TITLE], "ملتان ٹیسٹ");
  ASSERT_STR_EQ(r->f[BODY], "قومی ٹیم نے ٹاس جیت کر\nبیٹنگ کا فیصلہ کیا۔");
  ASSERT_STR_EQ(r->f[EXTRA], "{\"author\":\"اسپورٹس ڈیسک\",\"categories\":[\"کھیل\"]}");
  r = &g.r[1];
  ASSERT_STR_EQ(r->f[PUB], "2024-11-25T00:00:00Z"); /* no published: updated */
  ASSERT_STR_EQ(r->f[TITLE], "a < b");               /* type text: taken as it is */
  ASSERT_STR_EQ(r->f[BODY], "پشاور میں <پولیو> مہم");
  got_free(&g);

  static const char rdf[] =
      "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
      " xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
      "<channel rdf:about=\"https://jang.com.pk/\"><title>جنگ</title><link>https://jang.com.pk/</link></channel>\n"
      "<item rdf:about=\"https://jang.com.pk/news/5\"><title>اسلام آباد میں اجلاس</title>"
      "<link>https://jang.com.pk/news/5</link><dc:date>2024-11-20</dc:date>"
      "<description>وفاقی کابینہ کا اجلاس ہوا۔</description></item>\n</rdf:RDF>\n";
  ASSERT_INT_EQ(read_feed(rdf, sizeof rdf - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 1);
  ASSERT_STR_EQ(g.r[0].f[SRC], "jang.com.pk");
  ASSERT_STR_EQ(g.r[0].f[TITLE], "اسلام آباد میں اجلاس"); /* not the channel's title */
  ASSERT_STR_EQ(g.r[0].f[PUB], "2024-11-20");
  got_free(&g);
  return 0;
}

TEST(feed_hostile_xml) {
  got g;
  /* entities declared in the DTD: refused before any is expanded */
  static const char laughs[] =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
      " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
      " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
      " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n]>\n"
      "<rss><channel><item><title>&d;&d;&d;&d;</title><description>&d;</description></item></channel></rss>\n";
  ASSERT_INT_EQ(read_feed(laughs, sizeof laughs - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 0);
  ASSERT_INT_EQ(g.bad, 1);
  ASSERT(strstr(g.reason, "entit") != NULL);
  got_free(&g);
  /* an external entity naming a local file: refused, the file never read */
  const char *dir = test_tmpdir();
  char secret[512], xml[2048];
  snprintf(secret, sizeof secret, "%s/secret.txt", dir);
  FILE *s = fopen(secret, "w");
  ASSERT(s != NULL);
  fputs("SECRET-PASSWORD", s);
  fclose(s);
  snprintf(xml, sizeof xml,
           "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [ <!ENTITY x SYSTEM \"file://%s\"> ]>\n"
           "<rss><channel><item><title>پشاور &x;</title><description>پولیو &x;</description></item>"
           "</channel></rss>\n",
           secret);
  ASSERT_INT_EQ(read_feed(xml, strlen(xml), NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 0);
  ASSERT_INT_EQ(g.bad, 1);
  got_free(&g);
  /* an external DTD is not loaded; the item is read without it */
  snprintf(xml, sizeof xml,
           "<?xml version=\"1.0\"?>\n<!DOCTYPE rss SYSTEM \"file://%s\">\n"
           "<rss><channel><item><title>پشاور</title><description>پولیو مہم</description></item></channel></rss>\n",
           secret);
  ASSERT_INT_EQ(read_feed(xml, strlen(xml), NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 1);
  ASSERT(strstr(g.r[0].f[BODY], "SECRET") == NULL && strstr(g.r[0].f[TITLE], "SECRET") == NULL);
  ASSERT_STR_EQ(g.r[0].f[BODY], "پولیو مہم");
  got_free(&g);
  test_rmdir(dir);
  /* broken UTF-8: one error with its line, nothing stored from the broken part */
  static const char bad[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss><channel>\n"
                            "<item><title>ٹھیک</title><description>متن</description></item>\n"
                            "<item><title>\xff\xfe</title></item></channel></rss>\n";
  ASSERT_INT_EQ(read_feed(bad, sizeof bad - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.bad, 1);
  ASSERT(strstr(g.reason, "UTF-8") != NULL);
  ASSERT_INT_EQ(g.bad_line, 4);
  got_free(&g);
  /* not a feed, empty, nesting far deeper than any feed */
  ASSERT_INT_EQ(read_feed("<html><body>خبر</body></html>", 30, NULL, &g), 0);
  ASSERT(g.bad == 1 && strstr(g.reason, "not an RSS or Atom feed (its root element is <html>)") != NULL);
  got_free(&g);
  ASSERT_INT_EQ(read_feed("", 0, NULL, &g), 0);
  ASSERT(g.bad == 1 && strstr(g.reason, "empty") != NULL);
  got_free(&g);
  size_t cap = 200000;
  char *deep = malloc(cap + 400);
  ASSERT(deep != NULL);
  size_t k = (size_t)sprintf(deep, "<rss><channel><item><title>گہرا</title><description><![CDATA[");
  for (int i = 0; i < 20000; i++) k += (size_t)sprintf(deep + k, "<div>");
  k += (size_t)sprintf(deep + k, "متن]]></description></item><item><title>");
  for (int i = 0; i < 10000; i++) k += (size_t)sprintf(deep + k, "<a>");
  ASSERT_INT_EQ(read_feed(deep, k, NULL, &g), 0);
  free(deep);
  ASSERT_INT_EQ(g.n, 1); /* the HTML nesting is read; the XML nesting is refused */
  ASSERT(strstr(g.r[0].f[BODY], "متن") != NULL);
  ASSERT_INT_EQ(g.bad, 1);
  got_free(&g);
  return 0;
}

/* ---- real articles through a feed ---- */

/* n articles of pk-news-2024 as an RSS feed (bodies as <p> paragraphs,
** escaped HTML in description or CDATA in content:encoded, by turns) and as
** JSON Lines; *item_line[i] gets the line item i starts on. */
static int build_feed(int n, kh__buf *feed, kh__buf *jsonl, int *item_line) {
  size_t len;
  char *text = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!text) return -1;
  int rc = 0, i = 0, line = 3;
  kh__buf_appends(feed, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
                        "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n", &rc);
  for (char *l = text; l && *l && i < n;) {
    char *nl = strchr(l, '\n');
    if (nl) *nl = '\0';
    json_t *o = json_loads(l, 0, NULL);
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *title = json_string_value(json_object_get(o, "title"));
    const char *body = json_string_value(json_object_get(o, "body"));
    if (id && title && body && *body && !strstr(body, "]]>")) {
      item_line[i] = ++line;
      kh__buf_appends(feed, "<item>\n<guid>", &rc);
      test_xml_escape(feed, id, &rc);
      kh__buf_appends(feed, "</guid>\n<title>", &rc);
      test_xml_escape(feed, title, &rc);
      kh__buf_appends(feed, "</title>\n", &rc);
      line += 2;
      kh__buf html = {0};
      kh__buf_appends(&html, "<p>", &rc);
      for (const char *c = body; *c; c++) {
        if (*c == '\n') kh__buf_appends(&html, "</p>\n<p>", &rc), line += i % 2 ? 0 : 1;
        else if (i % 2 && (*c == '&' || *c == '<' || *c == '>')) test_xml_escape(&html, (char[]){*c, 0}, &rc);
        else if (!(i % 2) && *c == '&') kh__buf_appends(&html, "&amp;", &rc);
        else if (!(i % 2) && *c == '<') kh__buf_appends(&html, "&lt;", &rc);
        else kh__buf_appendc(&html, *c, &rc);
      }
      kh__buf_appends(&html, "</p>", &rc);
      if (i % 2) { /* escaped HTML in <description>: the newlines are escaped away */
        kh__buf_appends(feed, "<description>", &rc);
        for (size_t j = 0; j < html.len; j++)
          if (html.data[j] == '\n') kh__buf_appends(feed, "&#10;", &rc);
          else test_xml_escape(feed, (char[]){html.data[j], 0}, &rc);
        kh__buf_appends(feed, "</description>\n</item>\n", &rc);
      } else {
        kh__buf_appends(feed, "<content:encoded><![CDATA[", &rc);
        kh__buf_append(feed, html.data, html.len, &rc);
        kh__buf_appends(feed, "]]></content:encoded>\n</item>\n", &rc);
      }
      line += 2;
      kh__buf_free(&html);
      kh__buf_append(jsonl, l, strlen(l), &rc);
      kh__buf_appendc(jsonl, '\n', &rc);
      i++;
    }
    json_decref(o);
    l = nl ? nl + 1 : NULL;
  }
  kh__buf_appends(feed, "</channel>\n</rss>\n", &rc);
  free(text);
  return rc ? -1 : i;
}

static int write_buf(const char *path, const kh__buf *b, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fwrite(b->data, 1, n, f);
  return fclose(f);
}


TEST(feed_real_articles_same_as_jsonl) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  enum { N = 120 };
  kh__buf feed = {0}, jsonl = {0};
  int lines[N];
  int n = build_feed(N, &feed, &jsonl, lines);
  ASSERT_INT_EQ(n, N);
  const char *dir = test_tmpdir();
  char fp[512], tp[512], jp[512], dbp[512];
  snprintf(fp, sizeof fp, "%s/geo.xml", dir);
  snprintf(tp, sizeof tp, "%s/cut.rss", dir);
  snprintf(jp, sizeof jp, "%s/same.jsonl", dir);
  snprintf(dbp, sizeof dbp, "%s/f.db", dir);
  ASSERT_INT_EQ(write_buf(fp, &feed, feed.len), 0);
  ASSERT_INT_EQ(write_buf(jp, &jsonl, jsonl.len), 0);
  /* the feed cut inside item 80's body: items 0-79 stored, one error at item 80 */
  const char *cut = strstr(feed.data, "<item>");
  for (int i = 0; i < 80 && cut; i++) cut = strstr(cut + 1, "<item>");
  ASSERT(cut != NULL);
  const char *mid = strstr(cut, "<p>");
  ASSERT(mid != NULL);
  ASSERT_INT_EQ(write_buf(tp, &feed, (size_t)(mid + 40 - feed.data)), 0);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(dbp, &db), 0);
  test_errs e = {0};
  kh_ingest_opts o = {0};
  o.on_error = test_on_error;
  o.ctx = &e;
  kh_ingest_stats st = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, tp, &o, &st), 0);
  ASSERT_INT_EQ(st.stored + st.duplicates, 80);
  ASSERT_INT_EQ(st.rejected, 1);
  ASSERT(strstr(e.first, "malformed XML") != NULL);
  ASSERT(e.line >= (uint64_t)lines[80]);
  ASSERT(e.line < (uint64_t)lines[81]);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE source = 'cut'"), (int64_t)st.stored);
  /* the whole feed: the other 40 go in, the first 80 are already there */
  kh_ingest_stats st2 = {0};
  o.source = "geo";
  ASSERT_INT_EQ(kh_ingest_path(db, fp, &o, &st2), 0);
  ASSERT_INT_EQ(st2.rejected, 0);
  ASSERT_INT_EQ(st2.stored + st2.duplicates, N);
  ASSERT_INT_EQ(kh_db_count(db), (int64_t)(st.stored + st2.stored));
  /* the same articles as JSON Lines: every one a duplicate of its feed copy,
     i.e. the feed's text, HTML removed, is the same text (content hash) */
  kh_ingest_stats st3 = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, jp, &o, &st3), 0);
  ASSERT_INT_EQ(st3.stored, 0);
  ASSERT_INT_EQ(st3.duplicates, N);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE body LIKE '%<p>%' OR body LIKE '%&amp;%'"), 0);
  sqlite3_stmt *q;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(q), SQLITE_ROW);
  ASSERT_STR_EQ((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  kh_db_close(db);
  kh__buf_free(&feed);
  kh__buf_free(&jsonl);
  test_rmdir(dir);
  return 0;
}
