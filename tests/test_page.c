/*
** test_page.c — one article's web page as an article (src/store/page.c):
** where title, date, url and text come from, what is left out (menus,
** sidebars, comments, share bars, footers), a page in a legacy Arabic
** encoding, and real pk-news-2024 articles written into three kinds of news
** page, which must store the same text as their JSON Lines copies.
*/
#include "../src/store/store.h"
#include "test.h"

#include <jansson.h>
#include <stdlib.h>

typedef struct one {
  int n, bad;
  char reason[200];
  char *f[6]; /* id, source, url, published, title, body */
} one;

static int grab(void *ctx, uint64_t line, const kh_article *a, const char *reason) {
  one *g = ctx;
  (void)line;
  if (!a) {
    g->bad++;
    snprintf(g->reason, sizeof g->reason, "%s", reason);
    return 0;
  }
  g->n++;
  const char *f[6] = {a->id, a->source, a->url, a->published, a->title, a->body};
  size_t n[6] = {a->id_len, a->source_len, a->url_len, a->published_len, a->title_len, a->body_len};
  for (int i = 0; i < 6; i++) g->f[i] = kh__strndup(f[i] ? f[i] : "", f[i] ? n[i] : 0);
  return 0;
}

static int read_page(const char *html, size_t n, const char *url, one *g) {
  memset(g, 0, sizeof *g);
  FILE *f = fmemopen((void *)html, n, "rb");
  if (!f) return -1;
  int rc = kh__page_read(f, url, NULL, "file", grab, g, NULL);
  fclose(f);
  return rc;
}

static void one_free(one *g) {
  for (int i = 0; i < 6; i++) kh_free(g->f[i]);
}

enum { ID, SRC, URL, PUB, TITLE, BODY };

TEST(page_fields_and_boilerplate) {
  static const char html[] =
      "<!DOCTYPE html><html lang=\"ur\" dir=\"rtl\"><head><meta charset=\"utf-8\">\n"
      "<title>کراچی میں بارش - روشنی نیوز</title>\n"
      "<meta property=\"og:title\" content=\"کراچی میں موسلا دھار بارش، سڑکیں زیر آب\">\n"
      "<meta property=\"og:site_name\" content=\"روشنی نیوز\">\n"
      "<meta property=\"article:published_time\" content=\"2024-07-15T09:30:00+05:00\">\n"
      "<link rel=\"canonical\" href=\"https://www.roshni-news.example/karachi/5001\"></head><body>\n"
      "<header><h1>روشنی نیوز</h1><nav><p>صفحہ اول کھیل کاروبار</p></nav></header>\n"
      "<div class=\"story\"><h1>کراچی میں بارش</h1>\n"
      "<p>کراچی (نمائندہ خصوصی) شہر میں پیر کی صبح شروع ہونے والی <b>بارش</b> سے کئی علاقوں میں پانی جمع ہو گیا۔</p>\n"
      "<p>محکمہ موسمیات کے مطابق آئندہ دو روز کے دوران مزید بارش کا امکان ہے۔</p><p> </p>\n"
      "<div class=\"share-bar\"><p>شیئر کریں</p></div><script>var p = '<p>نہیں</p>';</script></div>\n"
      "<aside><p>مزید خبریں: لاہور میں اسموگ کی شدت میں اضافہ، اسکول ایک ہفتے کیلئے بند، ہسپتالوں میں رش اور شہری پریشان، "
      "ملتان ٹیسٹ کا پہلا دن، پیٹرول کی قیمت میں کمی کا اعلان، اسٹاک مارکیٹ میں تیزی</p></aside>\n"
      "<div id=\"comments\"><p>بہت اچھی خبر ہے، شکریہ۔ بہت اچھی خبر ہے، شکریہ۔ بہت اچھی خبر ہے، شکریہ۔ بہت اچھی خبر ہے، "
      "شکریہ۔ بہت اچھی خبر ہے، شکریہ۔ بہت اچھی خبر ہے، شکریہ۔</p></div>\n"
      "<footer><p>جملہ حقوق محفوظ ہیں</p></footer></body></html>\n";
  one g;
  ASSERT_INT_EQ(read_page(html, sizeof html - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 1);
  ASSERT_STR_EQ(g.f[ID], "https://www.roshni-news.example/karachi/5001");
  ASSERT_STR_EQ(g.f[SRC], "roshni-news.example");
  ASSERT_STR_EQ(g.f[PUB], "2024-07-15T09:30:00+05:00");
  ASSERT_STR_EQ(g.f[TITLE], "کراچی میں موسلا دھار بارش، سڑکیں زیر آب"); /* og:title first */
  ASSERT_STR_EQ(g.f[BODY], "کراچی (نمائندہ خصوصی) شہر میں پیر کی صبح شروع ہونے والی بارش سے کئی علاقوں میں پانی جمع ہو گیا۔\n"
                           "محکمہ موسمیات کے مطابق آئندہ دو روز کے دوران مزید بارش کا امکان ہے۔");
  one_free(&g);

  /* JSON-LD wins; no canonical link: the URL it came from */
  static const char ld[] =
      "<html><head><script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@graph\":["
      "{\"@type\":\"WebSite\",\"name\":\"x\"},{\"@type\":[\"NewsArticle\",\"Article\"],\"headline\":\"ملتان ٹیسٹ کا پہلا دن\","
      "\"datePublished\":\"2024-10-15T18:00:00+05:00\",\"articleBody\":\"قومی ٹیم نے ٹاس جیت کر بیٹنگ کا فیصلہ کیا۔\"}]}"
      "</script></head><body><h1>سرخی</h1><p>کچھ اور متن جو مضمون نہیں</p></body></html>";
  ASSERT_INT_EQ(read_page(ld, sizeof ld - 1, "https://urdu.example.pk/sports/9?ref=rss", &g), 0);
  ASSERT_INT_EQ(g.n, 1);
  ASSERT_STR_EQ(g.f[TITLE], "ملتان ٹیسٹ کا پہلا دن");
  ASSERT_STR_EQ(g.f[PUB], "2024-10-15T18:00:00+05:00");
  ASSERT_STR_EQ(g.f[BODY], "قومی ٹیم نے ٹاس جیت کر بیٹنگ کا فیصلہ کیا۔");
  ASSERT_STR_EQ(g.f[ID], "https://urdu.example.pk/sports/9?ref=rss");
  ASSERT_STR_EQ(g.f[SRC], "urdu.example.pk");
  one_free(&g);

  /* windows-1256, declared: read through iconv into UTF-8 */
  static const char cp[] = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1256\">"
                           "<title>\x98\xc7\x20\xd4\xc0\xd1</title></head><body><p>"
                           "\x81\xc7\x98\xd3\xca\xc7\xe4\x20\x98\xc7\x20\xd4\xc0\xd1\x20\xe1\xc7\xc0\xe6\xd1"
                           "</p></body></html>";
  ASSERT_INT_EQ(read_page(cp, sizeof cp - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 1);
  ASSERT_STR_EQ(g.f[BODY], "پاکستان کا شہر لاہور");
  ASSERT_STR_EQ(g.f[TITLE], "کا شہر");
  ASSERT_STR_EQ(g.f[SRC], "file");
  one_free(&g);

  /* a page with no story in it, and an empty one */
  static const char none[] = "<html><body><nav><p>صفحہ اول</p></nav><footer><p>رابطہ</p></footer></body></html>";
  ASSERT_INT_EQ(read_page(none, sizeof none - 1, NULL, &g), 0);
  ASSERT_INT_EQ(g.n, 0);
  ASSERT(g.bad == 1 && strstr(g.reason, "no article found") != NULL);
  ASSERT_INT_EQ(read_page("", 0, NULL, &g), 0);
  ASSERT(g.bad == 1 && strstr(g.reason, "empty") != NULL);
  return 0;
}

/* ---- real articles in three kinds of page ---- */

/* Article k as a news page: kind 0 JSON-LD articleBody (and a teaser
** paragraph), 1 an <article>, 2 paragraphs in a plain <div>; each with a
** menu, a related-stories block of other titles, comments and a footer. */
static void make_page(kh__buf *b, int kind, const char *id, const char *title, const char *body,
                      const char *related, int *rc) {
  kh__buf_appends(b, "<!DOCTYPE html>\n<html lang=\"ur\"><head><meta charset=\"utf-8\"><title>", rc);
  test_xml_escape(b, title, rc);
  kh__buf_appends(b, " | خبریں</title>\n<meta property=\"og:title\" content=\"", rc);
  test_xml_escape(b, title, rc);
  kh__buf_printf(b, rc, "\">\n<link rel=\"canonical\" href=\"https://news.example.pk/%s\">\n", id);
  if (kind == 0) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "@type", "NewsArticle", "headline", title, "articleBody", body);
    char *j = json_dumps(o, JSON_COMPACT);
    kh__buf_appends(b, "<script type=\"application/ld+json\">", rc);
    for (const char *c = j; *c; c++) /* "</" cannot end the script early */
      if (c[0] == '<' && c[1] == '/') kh__buf_appends(b, "<\\/", rc), c++;
      else kh__buf_appendc(b, *c, rc);
    kh__buf_appends(b, "</script>\n", rc);
    free(j);
    json_decref(o);
  }
  kh__buf_appends(b, "</head><body>\n<header><nav><ul><li>صفحہ اول</li><li>پاکستان</li><li>کھیل</li></ul></nav></header>\n",
                  rc);
  kh__buf_appends(b, kind == 1 ? "<main><article><h1>" : "<div class=\"content\"><div class=\"story\"><h1>", rc);
  test_xml_escape(b, title, rc);
  kh__buf_appends(b, "</h1>\n<p>", rc);
  if (kind == 0) { /* the page shows a teaser only; the text is in JSON-LD */
    kh__buf_appends(b, "مکمل خبر پڑھنے کے لیے ایپ ڈاؤن لوڈ کریں", rc);
  } else {
    for (const char *c = body; *c; c++)
      if (*c == '\n') kh__buf_appends(b, "</p>\n<p>", rc);
      else test_xml_escape(b, (char[]){*c, 0}, rc);
  }
  kh__buf_appends(b, "</p>\n<div class=\"social-share\"><p>فیس بک</p><p>ٹوئٹر</p></div>\n", rc);
  kh__buf_appends(b, kind == 1 ? "</article>" : "</div>", rc);
  kh__buf_appends(b, "\n<div class=\"related-news\">", rc);
  for (int i = 0; i < 6; i++) {
    kh__buf_appends(b, "<p>", rc);
    test_xml_escape(b, related, rc);
    kh__buf_appends(b, "</p>", rc);
  }
  kh__buf_appends(b, "</div>\n<section id=\"comments\"><p>", rc);
  test_xml_escape(b, related, rc);
  kh__buf_appends(b, "</p></section>\n", rc);
  kh__buf_appends(b, kind == 1 ? "</main>" : "</div>", rc);
  kh__buf_appends(b, "\n<footer><p>جملہ حقوق محفوظ ہیں</p></footer></body></html>\n", rc);
}

TEST(page_real_articles_same_as_jsonl) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  size_t len;
  char *text = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  ASSERT(text != NULL);
  const char *dir = test_tmpdir();
  char p[512];
  snprintf(p, sizeof p, "%s/p.db", dir);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(p, &db), 0);
  kh__buf jsonl = {0};
  int rc = 0, pages = 0, k = 0;
  char prev_title[1024] = "لاہور میں اسموگ کی شدت میں اضافہ، اسکول ایک ہفتے کیلئے بند";
  kh_ingest_stats st = {0};
  kh_ingest_opts o = {0};
  /* every 20th article of the file */
  for (char *l = text; l && *l && pages < 90; k++) {
    char *nl = strchr(l, '\n');
    if (nl) *nl = '\0';
    if (k % 20 == 0) {
      json_t *obj = json_loads(l, 0, NULL);
      const char *id = json_string_value(json_object_get(obj, "id"));
      const char *title = json_string_value(json_object_get(obj, "title"));
      const char *body = json_string_value(json_object_get(obj, "body"));
      if (id && title && body && *title && *body) {
        kh__buf page = {0};
        make_page(&page, pages % 3, id, title, body, prev_title, &rc);
        snprintf(p, sizeof p, "%s/%s.html", dir, id);
        FILE *f = fopen(p, "wb");
        ASSERT(f != NULL);
        fwrite(page.data, 1, page.len, f);
        fclose(f);
        kh__buf_free(&page);
        ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st), 0);
        kh__buf_appends(&jsonl, l, &rc);
        kh__buf_appendc(&jsonl, '\n', &rc);
        snprintf(prev_title, sizeof prev_title, "%s", title);
        pages++;
      }
      json_decref(obj);
    }
    l = nl ? nl + 1 : NULL;
  }
  ASSERT_INT_EQ(rc, 0);
  ASSERT_INT_EQ(pages, 90);
  ASSERT_INT_EQ(st.rejected, 0);
  ASSERT_INT_EQ(st.stored + st.duplicates, 90);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM article WHERE source = 'news.example.pk' AND "
                                 "id LIKE 'https://news.example.pk/%'"),
                (int64_t)st.stored);
  /* the same articles as JSON Lines: each a duplicate of its page, so the
     page gave exactly the article's text and title, nothing around them */
  snprintf(p, sizeof p, "%s/same.jsonl", dir);
  FILE *f = fopen(p, "wb");
  ASSERT(f != NULL);
  fwrite(jsonl.data, 1, jsonl.len, f);
  fclose(f);
  kh_ingest_stats st2 = {0};
  ASSERT_INT_EQ(kh_ingest_path(db, p, &o, &st2), 0);
  ASSERT_INT_EQ(st2.stored, 0);
  ASSERT_INT_EQ(st2.duplicates, 90);
  kh_db_close(db);
  kh__buf_free(&jsonl);
  free(text);
  test_rmdir(dir);
  return 0;
}
