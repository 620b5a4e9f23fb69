/*
** feed.c — RSS 2.0, RSS 1.0 (RDF) and Atom feeds as articles.
**
** The feed is streamed through libxml2's xmlTextReader; each <item> or
** <entry> is expanded alone, turned into one article and freed, so a feed
** of any length takes the memory of one item.
**
**   article    RSS 2.0 / 1.0                      Atom
**   id         guid, else link                    id, else link
**   url        link                               link (rel alternate or none)
**   published  pubDate (RFC 822), dc:date         published, else updated
**   title      title (HTML removed)                title
**   body       content:encoded, else description  content, else summary
**   source     --source, else the channel's link host (www. dropped),
**              else the channel's title, else the file name
**   extra      {"author": ..., "categories": [...]} when the item has them
**
** Bodies are HTML turned into text by html.c.  Hostile input:
** - nothing is fetched: no network (XML_PARSE_NONET), no DTD loading, no
**   external entities;
** - a feed whose DTD declares entities (the "billion laughs") is refused
**   before any is expanded;
** - libxml2's own limits hold (depth, text node size: no XML_PARSE_HUGE);
** - when the XML breaks (truncated, malformed, not UTF-8 as declared) the
**   items read before it are kept, and one error says the line and why.
*/
#include "store.h"

#include <jansson.h>
#include <libxml/xmlreader.h>
#include <string.h>

typedef struct feed {
  FILE *f;
  uint64_t *bytes;
  uint64_t nread;       /* bytes read from f */
  kh__rec_fn fn;
  void *ctx;
  const char *source;   /* --source, or NULL */
  const char *fallback; /* the file name stem, or NULL */
  kh__buf host, title;  /* the channel's link host and title, once seen */
  int chan_depth;       /* depth of <channel> / <feed>, -1 before */
  char err[200];        /* the first parser error */
  int err_line;
} feed;

static int read_cb(void *ctx, char *buf, int len) {
  feed *fd = ctx;
  size_t got = fread(buf, 1, (size_t)len, fd->f);
  fd->nread += got;
  if (fd->bytes) *fd->bytes += got;
  return got == 0 && ferror(fd->f) ? -1 : (int)got;
}

static void on_xml_error(void *ctx, xmlErrorPtr e) {
  feed *fd = ctx;
  if (fd->err[0] || !e || e->level < XML_ERR_ERROR) return;
  const char *m = e->message ? e->message : "error";
  size_t n = strcspn(m, "\n");
  while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) n--;
  snprintf(fd->err, sizeof fd->err, "%.*s", (int)n, m);
  fd->err_line = e->line;
}

static int is(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && n->name && !strcmp((const char *)n->name, name);
}

static int ns_is(const xmlNode *n, const char *frag) {
  return n->ns && n->ns->href && strstr((const char *)n->ns->href, frag);
}

/* A text field of an item: its text content, HTML removed when html (or
** when it looks like markup), into b; one line when one_line. */
static void field_text(xmlNode *n, int html, int one_line, kh__buf *b, int *rc) {
  b->len = 0;
  if (html == 2) {
    kh__node_text(n, b, rc);
  } else {
    xmlChar *t = xmlNodeGetContent(n);
    if (!t) return;
    size_t len = strlen((const char *)t);
    if (html || memchr(t, '<', len) || memchr(t, '&', len)) {
      int r = kh__html_text((const char *)t, len, b);
      if (r && !*rc) *rc = r;
    } else {
      kh__buf_append(b, (const char *)t, len, rc);
    }
    xmlFree(t);
  }
  if (*rc) return;
  kh__buf_trim(b); /* and one line for a title */
  if (one_line)
    for (size_t i = 0; i < b->len; i++)
      if (b->data[i] == '\n' || b->data[i] == '\r' || b->data[i] == '\t') b->data[i] = ' ';
}

/* Atom's type attribute: text content is HTML unless type="text". An xhtml
** content's markup is already nodes, and the walk reads it as HTML. */
static int atom_html(xmlNode *n) {
  xmlChar *t = xmlGetProp(n, (const xmlChar *)"type");
  int html = !t || strcmp((const char *)t, "text") != 0;
  if (t && !strcmp((const char *)t, "xhtml")) html = 2;
  xmlFree(t);
  return html;
}

/* The link an Atom <link> gives for the item itself (rel alternate or none). */
static xmlChar *atom_link(xmlNode *n) {
  xmlChar *rel = xmlGetProp(n, (const xmlChar *)"rel");
  int ok = !rel || !strcmp((const char *)rel, "alternate");
  xmlFree(rel);
  return ok ? xmlGetProp(n, (const xmlChar *)"href") : NULL;
}

enum { F_ID, F_LINK, F_PUB, F_UPDATED, F_TITLE, F_BODY, F_SUMMARY, F_AUTHOR, F_N };

typedef struct item {
  kh__buf f[F_N];
  json_t *cats;
} item;

static void set(item *it, int k, xmlNode *n, int html, int one_line, int *rc) {
  if (!it->f[k].len) field_text(n, html, one_line, &it->f[k], rc);
}

static void set_str(item *it, int k, xmlChar *s, int *rc) {
  if (s && !it->f[k].len) kh__buf_appends(&it->f[k], (const char *)s, rc);
  xmlFree(s);
}

static void read_item(xmlNode *node, item *it, int *rc) {
  for (xmlNode *n = node->children; n && !*rc; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    int atom = ns_is(n, "www.w3.org/2005/Atom");
    if (is(n, "title")) set(it, F_TITLE, n, 0, 1, rc);
    else if (is(n, "link")) set_str(it, F_LINK, atom || !n->children ? atom_link(n) : xmlNodeGetContent(n), rc);
    else if (is(n, "guid") || (is(n, "id") && atom)) set(it, F_ID, n, 0, 1, rc);
    else if (is(n, "pubDate") || is(n, "published") || (is(n, "date") && ns_is(n, "purl.org/dc/")))
      set(it, F_PUB, n, 0, 1, rc);
    else if (is(n, "updated")) set(it, F_UPDATED, n, 0, 1, rc);
    else if (is(n, "encoded") && ns_is(n, "purl.org/rss/1.0/modules/content")) {
      it->f[F_BODY].len = 0; /* the full text wins over an Atom content seen first */
      set(it, F_BODY, n, 1, 0, rc);
    } else if (is(n, "content") && atom) {
      xmlChar *src = xmlGetProp(n, (const xmlChar *)"src");
      if (!src) set(it, F_BODY, n, atom_html(n), 0, rc);
      xmlFree(src);
    } else if (is(n, "description") || (is(n, "summary") && atom))
      set(it, F_SUMMARY, n, atom ? atom_html(n) : 1, 0, rc);
    else if (is(n, "creator") || (is(n, "author") && !atom)) set(it, F_AUTHOR, n, 0, 1, rc);
    else if (is(n, "author") && atom) {
      for (xmlNode *c = n->children; c; c = c->next)
        if (is(c, "name")) set(it, F_AUTHOR, c, 0, 1, rc);
    } else if (is(n, "category")) {
      xmlChar *term = atom ? xmlGetProp(n, (const xmlChar *)"term") : xmlNodeGetContent(n);
      if (term && *term) {
        if (!it->cats) it->cats = json_array();
        if (it->cats) json_array_append_new(it->cats, json_string((const char *)term));
      }
      xmlFree(term);
    }
  }
}

static int emit(feed *fd, xmlNode *node, uint64_t line) {
  item it = {0};
  int rc = 0;
  read_item(node, &it, &rc);
  if (!rc && !it.f[F_BODY].len && it.f[F_SUMMARY].len) {
    kh__buf t = it.f[F_BODY];
    it.f[F_BODY] = it.f[F_SUMMARY];
    it.f[F_SUMMARY] = t;
  }
  char *extra = NULL;
  if (!rc && (it.f[F_AUTHOR].len || it.cats)) {
    json_t *o = json_object();
    if (o && it.f[F_AUTHOR].len) json_object_set_new(o, "author", json_string(it.f[F_AUTHOR].data));
    if (o && it.cats) json_object_set(o, "categories", it.cats);
    extra = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!extra) rc = KH_ENOMEM;
  }
  if (rc) {
    for (int k = 0; k < F_N; k++) kh__buf_free(&it.f[k]);
    json_decref(it.cats);
    return rc;
  }
  kh_article a = {0};
  const kh__buf *id = it.f[F_ID].len ? &it.f[F_ID] : &it.f[F_LINK];
  a.id = id->data, a.id_len = id->len;
  a.url = it.f[F_LINK].data, a.url_len = it.f[F_LINK].len;
  const kh__buf *pub = it.f[F_PUB].len ? &it.f[F_PUB] : &it.f[F_UPDATED];
  a.published = pub->data, a.published_len = pub->len;
  a.title = it.f[F_TITLE].data, a.title_len = it.f[F_TITLE].len;
  a.body = it.f[F_BODY].data, a.body_len = it.f[F_BODY].len;
  a.extra = extra, a.extra_len = extra ? strlen(extra) : 0;
  const char *src = fd->source      ? fd->source
                    : fd->host.len  ? fd->host.data
                    : fd->title.len ? fd->title.data
                                    : fd->fallback;
  a.source = src, a.source_len = src ? strlen(src) : 0;
  /* a guid that is no URL ("12345") is the outlet's own number: prefixed
     with the source, as CSV row ids are, so two outlets' items stay apart */
  kh__buf pid = {0};
  if (a.id_len && src && !memchr(a.id, ':', a.id_len)) {
    kh__buf_printf(&pid, &rc, "%s-%.*s", src, (int)a.id_len, a.id);
    if (rc) goto out;
    a.id = pid.data, a.id_len = pid.len;
  }
  /* libxml2 lets some malformed UTF-8 through (overlong forms in CDATA) */
  static const char *const names[F_N] = {"guid", "link", "date", "date", "title", "text", "text", "author"};
  char why[96] = "";
  for (int k = 0; k < F_N && !why[0]; k++) {
    size_t bad;
    if (it.f[k].len && !kh__utf8_valid(it.f[k].data, it.f[k].len, &bad))
      snprintf(why, sizeof why, "invalid UTF-8 in the item's %s at byte %zu", names[k], bad);
  }
  if (why[0]) rc = fd->fn(fd->ctx, line, NULL, why);
  else if (a.title_len + a.body_len) rc = fd->fn(fd->ctx, line, &a, NULL);
  else rc = fd->fn(fd->ctx, line, NULL, "item without title or text");
out:
  kh__buf_free(&pid);
  for (int k = 0; k < F_N; k++) kh__buf_free(&it.f[k]);
  json_decref(it.cats);
  free(extra);
  return rc;
}

/* The channel's <title> or <link> names the source unless --source did. */
static void channel_field(feed *fd, xmlNode *n) {
  int rc = 0;
  if (is(n, "link") && !fd->host.len) {
    xmlChar *url = ns_is(n, "www.w3.org/2005/Atom") ? atom_link(n) : xmlNodeGetContent(n);
    size_t bad;
    if (url) kh__url_host((const char *)url, &fd->host, &rc);
    xmlFree(url);
    if (rc || !kh__utf8_valid(fd->host.data, fd->host.len, &bad)) fd->host.len = 0;
  } else if (is(n, "title") && !fd->title.len) {
    size_t bad;
    field_text(n, 0, 1, &fd->title, &rc);
    if (rc || !kh__utf8_valid(fd->title.data, fd->title.len, &bad)) fd->title.len = 0;
  }
}

/* Refuse a DTD that declares entities: none is expanded, ever. */
static int declares_entities(xmlTextReaderPtr r) {
  xmlNode *n = xmlTextReaderCurrentNode(r);
  if (!n || n->type != XML_DTD_NODE) return 0;
  xmlDtd *d = (xmlDtd *)n;
  return d->entities || d->pentities;
}

static int fail(feed *fd, xmlTextReaderPtr r, const char *why) {
  char msg[300];
  int line = fd->err[0] ? fd->err_line : xmlTextReaderGetParserLineNumber(r);
  snprintf(msg, sizeof msg, "%s%s%s", why, fd->err[0] ? ": " : "", fd->err);
  return fd->fn(fd->ctx, line > 0 ? (uint64_t)line : 1, NULL, msg);
}

int kh__feed_read(FILE *f, const char *source, const char *fallback, kh__rec_fn fn, void *ctx,
                  uint64_t *bytes) {
  feed fd = {f, bytes, 0, fn, ctx, source, fallback, {0}, {0}, -1, "", 0};
  xmlInitParser();
  xmlTextReaderPtr r = xmlReaderForIO(read_cb, NULL, &fd, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES |
                                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!r) return KH_ENOMEM;
  xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, &fd);
  int rc = 0, seen_root = 0, ret = xmlTextReaderRead(r);
  while (ret == 1 && !rc) {
    int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE && declares_entities(r)) {
      rc = fd.fn(fd.ctx, (uint64_t)xmlTextReaderGetParserLineNumber(r), NULL,
                 "the feed's DTD declares entities; khabar does not expand them");
      goto done;
    }
    if (type != XML_READER_TYPE_ELEMENT) {
      ret = xmlTextReaderRead(r);
      continue;
    }
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    if (!name) name = "";
    if (!seen_root) {
      seen_root = 1;
      if (strcmp(name, "rss") && strcmp(name, "feed") && strcmp(name, "RDF")) {
        char why[160];
        snprintf(why, sizeof why, "not an RSS or Atom feed (its root element is <%.60s>)", name);
        rc = fd.fn(fd.ctx, (uint64_t)xmlTextReaderGetParserLineNumber(r), NULL, why);
        goto done;
      }
      if (!strcmp(name, "feed")) fd.chan_depth = 0;
    } else if (!strcmp(name, "channel") && fd.chan_depth < 0) {
      fd.chan_depth = depth;
    } else if (!strcmp(name, "item") || !strcmp(name, "entry")) {
      xmlNode *n = xmlTextReaderExpand(r);
      if (!n) { /* the XML broke while reading ahead: the item is whole if its end was seen */
        n = xmlTextReaderCurrentNode(r);
        if (n && n->type == XML_ELEMENT_NODE && n->next) rc = emit(&fd, n, (uint64_t)xmlGetLineNo(n));
        break;
      }
      rc = emit(&fd, n, (uint64_t)xmlGetLineNo(n));
      ret = rc ? 1 : xmlTextReaderNext(r);
      continue;
    } else if (depth == fd.chan_depth + 1 && (!strcmp(name, "title") || !strcmp(name, "link")) &&
               !fd.source) {
      xmlNode *n = xmlTextReaderExpand(r);
      if (!n) break;
      channel_field(&fd, n);
      ret = xmlTextReaderNext(r);
      continue;
    }
    ret = xmlTextReaderRead(r);
  }
  if (!rc && !fd.nread && !ferror(f)) rc = fd.fn(fd.ctx, 1, NULL, "empty file");
  else if (!rc && (ret != 0 || fd.err[0])) rc = fail(&fd, r, "malformed XML");
  else if (!rc && !seen_root) rc = fd.fn(fd.ctx, 1, NULL, "not a feed: no XML element");
done:
  xmlFreeTextReader(r);
  kh__buf_free(&fd.host);
  kh__buf_free(&fd.title);
  return rc;
}
