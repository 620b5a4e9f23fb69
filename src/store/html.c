/*
** html.c — the text of HTML, as a feed's description or content carries it:
** tags removed, entities decoded (libxml2's HTML parser), script, style and
** the like dropped, every block element (p, div, br, li, h1-h6, ...) ending
** a line, and runs of white space (NBSP too) one space.  Lines are joined
** by one '\n', as the body of a .txt article.
**
**   kh__buf b = {0}; int rc = kh__html_text("<p>پہلا</p><p>دوسرا &amp; تیسرا</p>", n, &b);
**   -> "پہلا\nدوسرا & تیسرا"
**
** The walk is iterative (parent and sibling links), so nesting depth costs
** no stack, and the HTML parser runs without its depth limit of 256
** (XML_PARSE_HUGE: past it the parser would drop the rest of the text); its
** input is a feed's text node, which the XML reader caps at 10 MB.
*/
#include "store.h"

#include <libxml/HTMLparser.h>
#include <limits.h>
#include <strings.h>

enum { K_INLINE, K_BLOCK, K_SKIP };

static int kind(const xmlChar *name) {
  static const char *const skip[] = {"script", "style", "noscript", "iframe", "object", "embed",
                                     "svg",    "math",  "template", "head",   "select", "button"};
  static const char *const block[] = {
      "p",     "div",     "br",      "li",     "ul",   "ol",     "dl",     "dt",      "dd",
      "h1",    "h2",      "h3",      "h4",     "h5",   "h6",     "tr",     "table",   "blockquote",
      "pre",   "hr",      "section", "article", "header", "footer", "figure", "figcaption", "main",
      "aside", "address", "center",  "form",    "nav",  "caption"};
  const char *n = (const char *)name;
  if (!n) return K_INLINE;
  for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
    if (!strcasecmp(n, skip[i])) return K_SKIP;
  for (size_t i = 0; i < sizeof block / sizeof block[0]; i++)
    if (!strcasecmp(n, block[i])) return K_BLOCK;
  return K_INLINE;
}

typedef struct out {
  kh__buf *b;
  size_t start; /* where this text began in b */
  int space;    /* a space is due before the next word */
  int line;     /* a line break is due before the next word */
  int *rc;
} out;

static void add_text(out *o, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t ws = 0;
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') ws = 1;
    else if (p[0] == 0xC2 && p[1] == 0xA0) ws = 2; /* NBSP */
    if (ws) {
      o->space = 1;
      p += ws;
      continue;
    }
    const unsigned char *q = p;
    while (*q && !(*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\f' || *q == '\v') &&
           !(q[0] == 0xC2 && q[1] == 0xA0))
      q++;
    if (o->b->len > o->start) {
      if (o->line) kh__buf_appendc(o->b, '\n', o->rc);
      else if (o->space) kh__buf_appendc(o->b, ' ', o->rc);
    }
    o->line = o->space = 0;
    kh__buf_append(o->b, (const char *)p, (size_t)(q - p), o->rc);
    p = q;
  }
}

void kh__node_text(xmlNode *top, kh__buf *b, int *rc) {
  out o = {b, b->len, 0, 0, rc};
  xmlNode *n = top ? top->children : NULL;
  while (n && !*rc) {
    int down = 0;
    if (n->type == XML_ELEMENT_NODE) {
      int k = kind(n->name);
      if (k == K_BLOCK) o.line = 1;
      if (k != K_SKIP && n->children) down = 1;
    } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
      add_text(&o, (const char *)n->content);
    }
    if (down) {
      n = n->children;
      continue;
    }
    while (n != top && !n->next) {
      n = n->parent;
      if (n && n != top && n->type == XML_ELEMENT_NODE && kind(n->name) == K_BLOCK) o.line = 1;
    }
    if (!n || n == top) break;
    n = n->next;
  }
}

int kh__html_text(const char *html, size_t n, kh__buf *b) {
  int rc = 0;
  if (n > INT_MAX) return KH_ETOOBIG;
  xmlInitParser();
  htmlDocPtr doc = htmlReadMemory(html, (int)n, NULL, "UTF-8",
                                  HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | XML_PARSE_HUGE);
  if (!doc) { /* nothing the parser could read: keep the text as it is */
    kh__buf_append(b, html, n, &rc);
    return rc;
  }
  kh__node_text((xmlNode *)doc, b, &rc);
  xmlFreeDoc(doc);
  return rc;
}
