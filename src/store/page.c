/*
** page.c — one news article's HTML page as an article (libxml2's HTML
** parser, jansson for JSON-LD).
**
**   article    first of
**   title      JSON-LD headline, og:title, twitter:title, the first <h1>, <title>
**   published  JSON-LD datePublished, article:published_time (and the other
**              usual <meta> names), the first <time datetime>
**   url, id    <link rel=canonical>, og:url, JSON-LD url, the URL it came from
**   source     --source, the host of that URL (www. dropped), og:site_name, the file name
**   body       JSON-LD articleBody; else the paragraphs (p, h2-h4, blockquote)
**              of the <article>, or of the element whose own paragraphs hold
**              the most text, outside nav, header, footer, aside, forms and
**              blocks named like comments, related stories, share bars or menus
**
** A page without title or text is one bad record ("no article found").
** A page that is valid UTF-8 is read as UTF-8 whatever it declares;
** otherwise its <meta charset> decides.
*/
#include "store.h"

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <strings.h>

typedef struct page {
  kh__buf title[5], pub[3], url[4], site, body, ld_body;
  xmlNode *best;  /* the element whose own paragraphs hold the most text */
  size_t best_score;
  xmlNode *article;
  size_t article_score;
  int rc;
} page;

enum { T_LD, T_OG, T_TW, T_H1, T_TITLE };
enum { P_LD, P_META, P_TIME };
enum { U_CANON, U_OG, U_LD, U_HINT };

static int name_is(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && n->name && !strcasecmp((const char *)n->name, name);
}

static void set_attr(kh__buf *b, xmlNode *n, const char *attr, int *rc) {
  if (b->len) return;
  xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
  if (v) kh__buf_appends(b, (const char *)v, rc);
  xmlFree(v);
}

static void set_text(kh__buf *b, xmlNode *n, int *rc) {
  if (b->len) return;
  kh__node_text(n, b, rc);
  for (size_t i = 0; i < b->len; i++)
    if (b->data[i] == '\n') b->data[i] = ' ';
}

/* Blocks whose paragraphs are no part of the story. */
static int boilerplate(xmlNode *n) {
  static const char *const tags[] = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript"};
  static const char *const words[] = {"comment", "related", "share", "social", "sidebar", "footer",
                                      "menu",    "nav",     "breadcrumb", "advert", "promo", "newsletter"};
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
    if (name_is(n, tags[i])) return 1;
  const char *attrs[] = {"class", "id"};
  for (int a = 0; a < 2; a++) {
    xmlChar *v = xmlGetProp(n, (const xmlChar *)attrs[a]);
    int hit = 0;
    for (size_t i = 0; v && !hit && i < sizeof words / sizeof words[0]; i++)
      hit = kh__stristr((const char *)v, words[i]) != NULL;
    xmlFree(v);
    if (hit) return 1;
  }
  return 0;
}

static int paragraph(const xmlNode *n) {
  return name_is(n, "p") || name_is(n, "h2") || name_is(n, "h3") || name_is(n, "h4") || name_is(n, "blockquote");
}

static size_t text_len(xmlNode *n) {
  xmlChar *t = xmlNodeGetContent(n);
  size_t k = 0;
  for (const xmlChar *c = t; c && *c; c++) k += *c > ' ';
  xmlFree(t);
  return k;
}

/* The paragraphs under top, outside boilerplate, one a line, into b. */
static void paragraphs(xmlNode *top, kh__buf *b, int *rc) {
  xmlNode *n = top->children;
  while (n && !*rc) {
    int down = n->type == XML_ELEMENT_NODE && n->children && !boilerplate(n);
    if (down && paragraph(n)) {
      size_t at = b->len;
      if (at) kh__buf_appendc(b, '\n', rc);
      size_t start = b->len;
      kh__node_text(n, b, rc);
      if (b->len == start) b->len = at; /* an empty paragraph */
      down = 0;
    }
    if (down) {
      n = n->children;
      continue;
    }
    while (n != top && !n->next) n = n->parent;
    if (n == top) break;
    n = n->next;
  }
}

/* "@type": "NewsArticle", or ["NewsArticle", "Article"]: any kind of Article. */
static int ld_article(json_t *type) {
  if (json_is_string(type)) return strstr(json_string_value(type), "Article") != NULL;
  for (size_t i = 0; i < json_array_size(type); i++) {
    json_t *t = json_array_get(type, i);
    if (json_is_string(t) && strstr(json_string_value(t), "Article")) return 1;
  }
  return 0;
}

/* JSON-LD: the first object typed as an article. */
static void json_ld(page *p, const char *text) {
  json_t *root = json_loads(text, 0, NULL);
  json_t *stack[16];
  int sp = 0;
  if (root) stack[sp++] = root;
  while (sp) {
    json_t *o = stack[--sp];
    if (json_is_array(o)) {
      for (size_t i = json_array_size(o); i-- > 0 && sp < 16;) stack[sp++] = json_array_get(o, i);
      continue;
    }
    if (!json_is_object(o)) continue;
    json_t *graph = json_object_get(o, "@graph");
    if (graph && sp < 16) stack[sp++] = graph;
    if (!ld_article(json_object_get(o, "@type")) || p->ld_body.len + p->title[T_LD].len) continue;
    const char *v;
    if ((v = json_string_value(json_object_get(o, "headline")))) kh__buf_appends(&p->title[T_LD], v, &p->rc);
    if ((v = json_string_value(json_object_get(o, "datePublished")))) kh__buf_appends(&p->pub[P_LD], v, &p->rc);
    if ((v = json_string_value(json_object_get(o, "url")))) kh__buf_appends(&p->url[U_LD], v, &p->rc);
    if ((v = json_string_value(json_object_get(o, "articleBody")))) {
      if (strchr(v, '<')) p->rc = p->rc ? p->rc : kh__html_text(v, strlen(v), &p->ld_body);
      else kh__buf_appends(&p->ld_body, v, &p->rc);
    }
  }
  json_decref(root);
}

static void meta(page *p, xmlNode *n) {
  xmlChar *k = xmlGetProp(n, (const xmlChar *)"property");
  if (!k) k = xmlGetProp(n, (const xmlChar *)"name");
  if (!k) k = xmlGetProp(n, (const xmlChar *)"itemprop");
  const char *key = (const char *)k;
  if (!key) return;
  if (!strcasecmp(key, "og:title")) set_attr(&p->title[T_OG], n, "content", &p->rc);
  else if (!strcasecmp(key, "twitter:title")) set_attr(&p->title[T_TW], n, "content", &p->rc);
  else if (!strcasecmp(key, "og:url")) set_attr(&p->url[U_OG], n, "content", &p->rc);
  else if (!strcasecmp(key, "og:site_name")) set_attr(&p->site, n, "content", &p->rc);
  else if (!strcasecmp(key, "article:published_time") || !strcasecmp(key, "datePublished") ||
           !strcasecmp(key, "pubdate") || !strcasecmp(key, "publishdate") || !strcasecmp(key, "date") ||
           !strcasecmp(key, "dc.date.issued") || !strcasecmp(key, "og:published_time"))
    set_attr(&p->pub[P_META], n, "content", &p->rc);
  xmlFree(k);
}

static void visit(page *p, xmlNode *n, int in_boilerplate) {
  if (name_is(n, "meta")) meta(p, n);
  else if (name_is(n, "title")) set_text(&p->title[T_TITLE], n, &p->rc);
  else if (name_is(n, "h1") && !in_boilerplate) set_text(&p->title[T_H1], n, &p->rc);
  else if (name_is(n, "time")) set_attr(&p->pub[P_TIME], n, "datetime", &p->rc);
  else if (name_is(n, "link")) {
    xmlChar *rel = xmlGetProp(n, (const xmlChar *)"rel");
    if (rel && !strcasecmp((const char *)rel, "canonical")) set_attr(&p->url[U_CANON], n, "href", &p->rc);
    xmlFree(rel);
  } else if (name_is(n, "script")) {
    xmlChar *type = xmlGetProp(n, (const xmlChar *)"type");
    if (type && !strcasecmp((const char *)type, "application/ld+json")) {
      xmlChar *t = xmlNodeGetContent(n);
      if (t) json_ld(p, (const char *)t);
      xmlFree(t);
    }
    xmlFree(type);
  } else if (paragraph(n) && n->parent) {
    /* score the parent by its own paragraphs' text (p->best below) */
    xmlNode *par = n->parent;
    size_t s = text_len(n) + (size_t)(par->_private ? (size_t)(uintptr_t)par->_private : 0);
    par->_private = (void *)(uintptr_t)s;
    if (s > p->best_score) p->best_score = s, p->best = par;
  }
}

/* Walk the tree: every element once; paragraphs inside boilerplate blocks
** are not scored (meta, title and JSON-LD are read anywhere). */
static void walk(page *p, xmlNode *top) {
  xmlNode *n = top->children, *skip = NULL; /* skip: the boilerplate block we are in */
  while (n && !p->rc) {
    int down = 0;
    if (n->type == XML_ELEMENT_NODE) {
      if (!skip || !paragraph(n)) visit(p, n, skip != NULL);
      if (name_is(n, "article") && !skip) {
        size_t sc = text_len(n);
        if (sc > p->article_score) p->article_score = sc, p->article = n;
      }
      if (n->children && !paragraph(n) && !name_is(n, "script") && !name_is(n, "style")) {
        down = 1;
        if (!skip && boilerplate(n)) skip = n;
      }
    }
    if (down) {
      n = n->children;
      continue;
    }
    while (n != top && !n->next) {
      n = n->parent;
      if (n == skip) skip = NULL;
    }
    if (n == top) break;
    if (n == skip) skip = NULL;
    n = n->next;
  }
}

static const kh__buf *first(const kh__buf *b, int n) {
  for (int i = 0; i < n; i++)
    if (b[i].len) return &b[i];
  return &b[n - 1];
}

int kh__page_read(FILE *f, const char *url, const char *source, const char *fallback, kh__rec_fn fn,
                  void *ctx, uint64_t *bytes) {
  kh__buf in = {0};
  in.max = 4 * (size_t)KH_MAX_ARTICLE;
  int rc = 0;
  char chunk[65536];
  size_t got;
  while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
    kh__buf_append(&in, chunk, got, &rc);
    if (bytes) *bytes += got;
  }
  if (rc == KH_ETOOBIG) {
    kh__buf_free(&in);
    return fn(ctx, 1, NULL, "page larger than 64 MiB");
  }
  if (rc || ferror(f)) {
    kh__buf_free(&in);
    return rc ? rc : KH_EIO;
  }
  size_t bad, inlen = in.len;
  const char *enc = kh__utf8_valid(in.data, in.len, &bad) ? "UTF-8" : NULL;
  xmlInitParser();
  htmlDocPtr doc = in.len ? htmlReadMemory(in.data, (int)in.len, url, enc,
                                           HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                               XML_PARSE_HUGE)
                          : NULL;
  kh__buf_free(&in);
  if (!doc) return fn(ctx, 1, NULL, inlen ? "not an HTML page" : "empty file");
  page p = {0};
  walk(&p, (xmlNode *)doc);
  if (url && !p.rc) kh__buf_appends(&p.url[U_HINT], url, &p.rc);
  xmlNode *box = p.article && p.article_score * 2 >= p.best_score ? p.article : p.best;
  if (!p.rc && p.ld_body.len) kh__buf_append(&p.body, p.ld_body.data, p.ld_body.len, &p.rc);
  else if (!p.rc && box) paragraphs(box, &p.body, &p.rc);
  xmlFreeDoc(doc);
  kh__buf src = {0};
  const kh__buf *u = first(p.url, 4), *t = first(p.title, 5), *d = first(p.pub, 3);
  if (!p.rc) {
    if (source) kh__buf_appends(&src, source, &p.rc);
    else if (u->len) kh__url_host(u->data, &src, &p.rc);
    if (!src.len && p.site.len) kh__buf_append(&src, p.site.data, p.site.len, &p.rc);
    if (!src.len && fallback) kh__buf_appends(&src, fallback, &p.rc);
  }
  for (int i = 0; i < 5; i++) kh__buf_trim(&p.title[i]);
  kh__buf_trim(&p.body);
  const kh__buf *check[] = {u, t, d, &p.body, &src};
  static const char *const what[] = {"url", "title", "date", "text", "source"};
  char why[160] = "";
  for (int i = 0; i < 5 && !p.rc && !why[0]; i++) {
    size_t at;
    if (check[i]->len && !kh__utf8_valid(check[i]->data, check[i]->len, &at))
      snprintf(why, sizeof why, "invalid UTF-8 in the page's %s at byte %zu (is its charset declared?)", what[i], at);
  }
  if (p.rc) {
    rc = p.rc;
  } else if (why[0]) {
    rc = fn(ctx, 1, NULL, why);
  } else if (!p.body.len) {
    rc = fn(ctx, 1, NULL, "no article found in the page (no JSON-LD articleBody, no paragraphs)");
  } else {
    kh_article a = {0};
    a.id = u->data, a.id_len = u->len;
    a.url = u->data, a.url_len = u->len;
    a.title = t->data, a.title_len = t->len;
    a.published = d->data, a.published_len = d->len;
    a.body = p.body.data, a.body_len = p.body.len;
    a.source = src.data, a.source_len = src.len;
    rc = fn(ctx, 1, &a, NULL);
  }
  kh__buf *all[] = {&p.site, &p.body, &p.ld_body, &src};
  for (int i = 0; i < 4; i++) kh__buf_free(all[i]);
  for (int i = 0; i < 5; i++) kh__buf_free(&p.title[i]);
  for (int i = 0; i < 3; i++) kh__buf_free(&p.pub[i]);
  for (int i = 0; i < 4; i++) kh__buf_free(&p.url[i]);
  return rc;
}
