/*
** analyze.c — kh_analyze, the public entry of the analyze layer: runs
** doc.c, entities.c, quotes.c and events.c over one article and assembles
** the result (entities with their spellings merged, mentions in text order,
** quotes, events) and its JSON form.
**
**   kh_analysis *r;
**   kh_analyze(a, &art, 0, &r);
**   for (size_t i = 0; i < r->n_entities; i++) puts(r->entities[i].name);
**   kh_analysis_free(r);
*/
#include "analyze.h"

#include <limits.h>
#include <stdlib.h>

const char *kh_ent_type_name(int type) {
  return type == KH_ENT_PER ? "PER" : type == KH_ENT_LOC ? "LOC" : type == KH_ENT_ORG ? "ORG" : "?";
}

int kh_ent_type_parse(const char *s) {
  if (!s) return 0;
  char u[4] = {0};
  for (int i = 0; i < 3 && s[i]; i++) u[i] = (char)((s[i] >= 'a' && s[i] <= 'z') ? s[i] - 32 : s[i]);
  if (strlen(s) != 3) return 0;
  return !strcmp(u, "PER") ? KH_ENT_PER : !strcmp(u, "LOC") ? KH_ENT_LOC : !strcmp(u, "ORG") ? KH_ENT_ORG : 0;
}

typedef struct priv {
  char *pool;
  const char **variants;
} priv;

/* result entity under construction; string fields are pool offsets */
typedef struct rent {
  int32_t gent;        /* analyzer entity or -1 */
  uint8_t type;
  size_t id, name, urdu; /* offsets into the pool (SIZE_MAX: use the analyzer's) */
  uint32_t n_mentions;
  uint32_t first;      /* first mention (sorted order) */
  uint64_t key;        /* normalized surface hash of unknown names */
  uint64_t last_tok;   /* hash of the last token (PER) */
  uint32_t ntok;
  int32_t rep;         /* its first mention (internal index) */
} rent;

typedef struct builder {
  kh__doc *d;
  kh__buf pool;
  rent *ents;
  size_t n, cap;
  int32_t *order;      /* sorted mention order: order[i] = internal mention */
  int32_t *newidx;     /* internal mention -> public index */
} builder;

typedef struct mkey {
  uint64_t pos;  /* field << 32 | start */
  int32_t idx;
} mkey;

static int cmp_mkey(const void *x, const void *y) {
  const mkey *a = x, *b = y;
  if (a->pos != b->pos) return a->pos < b->pos ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

/* mentions in text order (title first); qsort, not in place: no context needed */
static int sort_ments(kh__doc *d, int32_t *v, size_t n) {
  mkey *k = kh__malloc((n ? n : 1) * sizeof *k);
  if (!k) return d->rc = KH_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const kh__tok *t = &d->toks[d->ments[v[i]].t0];
    k[i].pos = (uint64_t)t->field << 32 | t->start;
    k[i].idx = v[i];
  }
  qsort(k, n, sizeof *k, cmp_mkey);
  for (size_t i = 0; i < n; i++) v[i] = k[i].idx;
  kh__free(k);
  return 0;
}

static uint64_t surface_key(const kh__doc *d, const kh__ment *m) {
  uint64_t h = KH__SEQ0;
  for (int32_t t = m->t0; t < m->t1; t++) h = kh__seq(h, d->toks[t].h);
  return h;
}

/* the code points of a mention's normalized words, without spaces; 0 if over 31 */
static int name_cps(const kh__doc *d, const kh__ment *m, uint32_t *out) {
  int n = 0;
  for (int32_t t = m->t0; t < m->t1; t++) {
    uint32_t tmp[32];
    int k = kh__decode_cps(KH__TOKNORM(d, t), d->toks[t].nlen, tmp, 32);
    if (n + k > 31) return 0;
    memcpy(out + n, tmp, (size_t)k * sizeof *tmp);
    n += k;
  }
  return n;
}

static int32_t find_rent(builder *b, const kh__ment *m) {
  if (m->gent >= 0) {
    for (size_t i = 0; i < b->n; i++)
      if (b->ents[i].gent == m->gent) return (int32_t)i;
    /* a lexicon-only entry (no canonical name) may still be a variant below */
    if (b->d->a->ents[m->gent].known) return -1;
  }
  uint64_t k = surface_key(b->d, m);
  for (size_t i = 0; i < b->n && m->gent < 0; i++)
    if (b->ents[i].gent < 0 && b->ents[i].key == k && b->ents[i].type == m->type) return (int32_t)i;
  /* a lone surname of a person already here */
  if (m->type == KH_ENT_PER && m->t1 - m->t0 == 1) {
    uint64_t h = b->d->toks[m->t0].h;
    for (size_t i = 0; i < b->n; i++)
      if (b->ents[i].type == KH_ENT_PER && b->ents[i].ntok > 1 && b->ents[i].last_tok == h)
        return (int32_t)i;
  }
  /* a spelling variant of a person already here: the whole name, spaces
  ** aside (جو بائیڈن / جوبائیڈن، بےنظیر split by the tokenizer), equal or one
  ** transliteration edit apart (جانسن / جونسن) */
  if (m->type == KH_ENT_PER) {
    uint32_t cx[32], cy[32];
    int nx = name_cps(b->d, m, cx);
    for (size_t i = 0; i < b->n && nx >= 4; i++) {
      const rent *r = &b->ents[i];
      if (r->type != KH_ENT_PER || r->rep < 0) continue;
      int ny = name_cps(b->d, &b->d->ments[r->rep], cy);
      if (ny >= 4 && kh__variant_close(cx, nx, cy, ny)) return (int32_t)i;
    }
  }
  return -1;
}

static void add_unknown_strings(builder *b, rent *e, const kh__ment *m) {
  kh__doc *d = b->d;
  int *rc = &d->rc;
  const kh__tok *t0 = &d->toks[m->t0], *t1 = &d->toks[m->t1 - 1];
  const char *txt = d->text[t0->field] + t0->start;
  size_t len = t1->end - t0->start;
  /* Urdu: the first spelling; Latin: romanized normalized form */
  e->urdu = b->pool.len;
  kh__buf_append(&b->pool, txt, len, rc);
  kh__buf_appendc(&b->pool, 0, rc);
  kh__buf norm = {0};
  for (int32_t t = m->t0; t < m->t1; t++) {
    if (t > m->t0) kh__buf_appendc(&norm, ' ', rc);
    kh__buf_append(&norm, KH__TOKNORM(d, t), d->toks[t].nlen, rc);
  }
  char *rom = NULL;
  size_t rl = 0;
  if (!*rc) {
    int r = kh_romanize(norm.data ? norm.data : "", norm.len, &rom, &rl);
    if (r) *rc = r;
  }
  e->name = b->pool.len;
  if (rom) { /* a name: each word capitalized (bors bondarif -> Bors Bondarif) */
    for (size_t i = 0; i < rl; i++) {
      char c = rom[i];
      if ((i == 0 || rom[i - 1] == ' ' || rom[i - 1] == '-') && c >= 'a' && c <= 'z') c = (char)(c - 32);
      kh__buf_appendc(&b->pool, c, rc);
    }
  }
  kh__buf_appendc(&b->pool, 0, rc);
  e->id = b->pool.len;
  kh__buf_appends(&b->pool, m->type == KH_ENT_PER ? "per:~" : m->type == KH_ENT_LOC ? "loc:~" : "org:~", rc);
  /* slug of the romanized form (spaces -> '-') */
  if (rom)
    for (size_t i = 0; i < rl; i++) {
      unsigned char c = (unsigned char)rom[i];
      if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
      kh__buf_appendc(&b->pool, (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) ? '-' : (char)c, rc);
    }
  kh__buf_appendc(&b->pool, 0, rc);
  kh_free(rom);
  kh__buf_free(&norm);
}

static int build_entities(builder *b) {
  kh__doc *d = b->d;
  size_t live = 0;
  b->order = kh__malloc((d->nment ? d->nment : 1) * sizeof *b->order);
  b->newidx = kh__malloc((d->nment ? d->nment : 1) * sizeof *b->newidx);
  if (!b->order || !b->newidx) return d->rc = KH_ENOMEM;
  for (size_t i = 0; i < d->nment; i++) {
    b->newidx[i] = -1;
    if (!d->ments[i].dead) b->order[live++] = (int32_t)i;
  }
  if (sort_ments(d, b->order, live)) return d->rc;
  /* multi-word persons first, so a lone surname finds its full name */
  for (int pass = 0; pass < 2 && !d->rc; pass++)
    for (size_t k = 0; k < live && !d->rc; k++) {
      int32_t mi = b->order[k];
      kh__ment *m = &d->ments[mi];
      int multi = m->t1 - m->t0 > 1;
      if ((pass == 0) != (multi || m->gent >= 0)) continue;
      int32_t e = find_rent(b, m);
      if (e < 0) {
        if (kh__grow((void **)&b->ents, &b->cap, b->n + 1, sizeof *b->ents, KH__MAX_MENTIONS, &d->rc))
          break;
        rent *r = &b->ents[b->n];
        memset(r, 0, sizeof *r);
        r->gent = m->gent;
        r->type = m->gent >= 0 ? d->a->ents[m->gent].type : m->type;
        r->key = m->gent >= 0 ? 0 : surface_key(d, m);
        r->last_tok = d->toks[m->t1 - 1].h;
        r->ntok = (uint32_t)(m->t1 - m->t0);
        r->first = UINT32_MAX;
        r->rep = mi;
        r->id = r->name = r->urdu = SIZE_MAX;
        if (m->gent < 0) add_unknown_strings(b, r, m);
        e = (int32_t)b->n++;
      }
      m->ent = e;
      b->ents[e].n_mentions++;
    }
  if (d->rc) return d->rc;
  for (size_t k = 0; k < live; k++) {
    b->newidx[b->order[k]] = (int32_t)k;
    rent *r = &b->ents[d->ments[b->order[k]].ent];
    if (r->first == UINT32_MAX) r->first = (uint32_t)k;
  }
  return 0;
}

static int32_t ment_entity(const kh__doc *d, int32_t m) {
  return m >= 0 && !d->ments[m].dead ? d->ments[m].ent : -1;
}

/* Assemble the public result from the doc and builder. */
static int finish(builder *b, kh_analysis *r) {
  kh__doc *d = b->d;
  int *rc = &d->rc;
  size_t live = 0;
  for (size_t i = 0; i < d->nment; i++) live += !d->ments[i].dead;
  /* entities in order of first mention */
  int32_t *eorder = kh__malloc((b->n ? b->n : 1) * sizeof *eorder);
  int32_t *eidx = kh__malloc((b->n ? b->n : 1) * sizeof *eidx);
  if (!eorder || !eidx) {
    kh__free(eorder);
    kh__free(eidx);
    return *rc = KH_ENOMEM;
  }
  for (size_t i = 0; i < b->n; i++) eorder[i] = (int32_t)i;
  for (size_t i = 1; i < b->n; i++) {
    int32_t x = eorder[i];
    size_t j = i;
    while (j > 0 && b->ents[eorder[j - 1]].first > b->ents[x].first) {
      eorder[j] = eorder[j - 1];
      j--;
    }
    eorder[j] = x;
  }
  for (size_t i = 0; i < b->n; i++) eidx[eorder[i]] = (int32_t)i;

  r->entities = kh__calloc(b->n ? b->n : 1, sizeof *r->entities);
  r->mentions = kh__calloc(live ? live : 1, sizeof *r->mentions);
  r->quotes = kh__calloc(d->nquote ? d->nquote : 1, sizeof *r->quotes);
  r->events = kh__calloc(d->nevent ? d->nevent : 1, sizeof *r->events);
  r->sentences = kh__calloc(d->nsent ? d->nsent : 1, sizeof *r->sentences);
  priv *p = kh__calloc(1, sizeof *p);
  r->priv_ = p;
  if (!r->entities || !r->mentions || !r->quotes || !r->events || !r->sentences || !p) {
    kh__free(eorder);
    kh__free(eidx);
    return *rc = KH_ENOMEM;
  }
  /* mentions */
  for (size_t k = 0; k < live; k++) {
    const kh__ment *m = &d->ments[b->order[k]];
    kh_mention *o = &r->mentions[k];
    o->start = d->toks[m->t0].start;
    o->end = d->toks[m->t1 - 1].end;
    o->field = d->toks[m->t0].field;
    o->type = b->ents[m->ent].type;
    o->source = m->source;
    o->entity = eidx[m->ent];
    o->sentence = d->toks[m->t0].sent;
  }
  r->n_mentions = live;
  /* variants: distinct spellings (original text) per entity; pool offsets */
  size_t *voff = kh__malloc((live ? live : 1) * sizeof *voff);
  int32_t *vent = kh__malloc((live ? live : 1) * sizeof *vent);
  size_t nv = 0;
  if (!voff || !vent) *rc = KH_ENOMEM;
  for (size_t k = 0; k < live && !*rc; k++) {
    const kh_mention *o = &r->mentions[k];
    if (o->source == KH_MSRC_ROLE) continue;
    const char *s = d->text[o->field] + o->start;
    size_t n = o->end - o->start;
    int dup = 0;
    for (size_t j = 0; j < nv && !dup; j++)
      if (vent[j] == o->entity && strlen(b->pool.data + voff[j]) == n && !memcmp(b->pool.data + voff[j], s, n))
        dup = 1;
    if (dup) continue;
    voff[nv] = b->pool.len;
    vent[nv++] = o->entity;
    kh__buf_append(&b->pool, s, n, rc);
    kh__buf_appendc(&b->pool, 0, rc);
  }
  /* quotes: speaker text into the pool */
  size_t *qoff = kh__malloc((d->nquote ? d->nquote : 1) * sizeof *qoff);
  if (!qoff) *rc = KH_ENOMEM;
  for (size_t i = 0; i < d->nquote && !*rc; i++) {
    const kh__quote *q = &d->quotes[i];
    qoff[i] = SIZE_MAX;
    if (ment_entity(d, q->spk_ment) < 0 && q->spk_t0 >= 0 && q->spk_t1 > q->spk_t0) {
      const kh__tok *a = &d->toks[q->spk_t0], *z = &d->toks[q->spk_t1 - 1];
      qoff[i] = b->pool.len;
      kh__buf_append(&b->pool, d->text[a->field] + a->start, z->end - a->start, rc);
      kh__buf_appendc(&b->pool, 0, rc);
    }
  }
  /* event "when" and trigger strings: normalized forms into the pool */
  size_t *woff = kh__malloc((d->nevent ? d->nevent : 1) * 2 * sizeof *woff);
  if (!woff) *rc = KH_ENOMEM;
  for (size_t i = 0; i < d->nevent && !*rc; i++) {
    const kh__event *e = &d->events[i];
    woff[2 * i] = SIZE_MAX;
    if (e->when_tok >= 0) {
      woff[2 * i] = b->pool.len;
      kh__buf_appends(&b->pool, KH__TOKNORM(d, e->when_tok), rc);
      kh__buf_appendc(&b->pool, 0, rc);
    }
    woff[2 * i + 1] = b->pool.len;
    if (!strcmp(KH__TOKNORM(d, e->trig), "چیت")) {
      kh__buf_appends(&b->pool, KH__TOKNORM(d, e->trig - 1), rc);
      kh__buf_appendc(&b->pool, ' ', rc);
    }
    kh__buf_appends(&b->pool, KH__TOKNORM(d, e->trig), rc);
    kh__buf_appendc(&b->pool, 0, rc);
  }
  size_t plen;
  if (!*rc && !b->pool.data) kh__buf_appendc(&b->pool, 0, rc);
  p->pool = *rc ? NULL : kh__buf_detach(&b->pool, &plen, rc);
  p->variants = kh__calloc(nv ? nv : 1, sizeof *p->variants);
  if (!p->variants && !*rc) *rc = KH_ENOMEM;
  if (*rc) {
    kh__free(voff);
    kh__free(vent);
    kh__free(qoff);
    kh__free(woff);
    kh__free(eorder);
    kh__free(eidx);
    return *rc;
  }
  /* entities */
  size_t vpos = 0;
  for (size_t i = 0; i < b->n; i++) {
    const rent *re = &b->ents[eorder[i]];
    kh_entity *o = &r->entities[i];
    o->type = re->type;
    o->n_mentions = re->n_mentions;
    if (re->gent >= 0) {
      const kh__ent *g = &d->a->ents[re->gent];
      o->id = g->id;
      o->name = g->name;
      o->urdu = g->urdu;
      o->country = g->country;
      o->known = 1;
    } else {
      o->id = p->pool + re->id;
      o->name = p->pool + re->name;
      o->urdu = p->pool + re->urdu;
    }
    o->variants = p->variants + vpos;
    for (size_t j = 0; j < nv; j++)
      if (vent[j] == (int32_t)i) p->variants[vpos++] = p->pool + voff[j];
    o->n_variants = (uint32_t)(p->variants + vpos - o->variants);
  }
  r->n_entities = b->n;
  /* quotes */
  for (size_t i = 0; i < d->nquote; i++) {
    const kh__quote *q = &d->quotes[i];
    kh_quote *o = &r->quotes[i];
    int32_t e = ment_entity(d, q->spk_ment);
    o->speaker = e >= 0 ? eidx[e] : -1;
    o->speaker_mention = e >= 0 ? b->newidx[q->spk_ment] : -1;
    o->speaker_text = qoff[i] != SIZE_MAX ? p->pool + qoff[i] : NULL;
    int32_t w = d->toks[q->verb_tok].widx;
    o->verb = w >= 0 ? d->a->word_form[w] : "";
    o->field = q->field;
    o->direct = q->direct;
    o->start = q->start;
    o->end = q->end;
    o->sentence = q->sent;
  }
  r->n_quotes = d->nquote;
  /* events */
  for (size_t i = 0; i < d->nevent; i++) {
    const kh__event *e = &d->events[i];
    kh_event *o = &r->events[i];
    o->type = e->type;
    o->cameo = e->cameo;
    o->n_actors = 0;
    for (uint32_t k = 0; k < e->n_actors; k++) {
      int32_t en = ment_entity(d, e->actors[k]);
      if (en < 0) continue;
      int dup = 0;
      for (uint32_t j = 0; j < o->n_actors; j++) dup |= o->actors[j] == eidx[en];
      if (!dup) o->actors[o->n_actors++] = eidx[en];
    }
    int32_t pe = ment_entity(d, e->place);
    o->place = pe >= 0 ? eidx[pe] : -1;
    o->date[0] = 0;
    if (e->days != INT32_MIN) {
      /* civil from days */
      int64_t z = (int64_t)e->days + 719468;
      int64_t era = (z >= 0 ? z : z - 146096) / 146097;
      int64_t doe = z - era * 146097;
      int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
      int64_t y = yoe + era * 400;
      int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
      int64_t mp = (5 * doy + 2) / 153;
      int64_t dd = doy - (153 * mp + 2) / 5 + 1;
      int64_t mm = mp < 10 ? mp + 3 : mp - 9;
      y += mm <= 2;
      if (y >= 0 && y <= 9999)
      {
        unsigned v[3] = {(unsigned)y, (unsigned)mm, (unsigned)dd};
        char *q = o->date;
        q[0] = (char)('0' + v[0] / 1000), q[1] = (char)('0' + v[0] / 100 % 10);
        q[2] = (char)('0' + v[0] / 10 % 10), q[3] = (char)('0' + v[0] % 10), q[4] = '-';
        q[5] = (char)('0' + v[1] / 10), q[6] = (char)('0' + v[1] % 10), q[7] = '-';
        q[8] = (char)('0' + v[2] / 10), q[9] = (char)('0' + v[2] % 10), q[10] = 0;
      }
    }
    o->when = woff[2 * i] != SIZE_MAX ? p->pool + woff[2 * i] : NULL;
    o->trigger = p->pool + woff[2 * i + 1];
    o->field = d->toks[e->trig].field;
    o->sentence = e->sent;
  }
  r->n_events = d->nevent;
  /* drop meetings that lost actors to dead mentions */
  size_t w = 0;
  for (size_t i = 0; i < r->n_events; i++) {
    kh_event *o = &r->events[i];
    if (o->n_actors < (o->type == KH_EVT_MEET ? 2u : 1u)) continue;
    r->events[w++] = *o;
  }
  r->n_events = w;
  for (size_t s = 0; s < d->nsent; s++) {
    r->sentences[s].start = d->sents[s].start;
    r->sentences[s].end = d->sents[s].end;
    r->sentences[s].field = d->sents[s].field;
  }
  r->n_sentences = d->nsent;
  kh__free(voff);
  kh__free(vent);
  kh__free(qoff);
  kh__free(woff);
  kh__free(eorder);
  kh__free(eidx);
  return 0;
}

/* Without a cache the tagger computes every scored token's features (the
** code the trainer uses, kh__ner_feats_static); with one, from the word
** forms (ner.c): the test analyze_form_cache_same_results holds them equal. */
int kh_analyze(const kh_analyzer *a, const kh_article *art, unsigned flags, kh_analysis **out) {
  return kh_analyze_cached(a, NULL, art, flags, out);
}

int kh_analyze_cached(const kh_analyzer *a, kh_analyze_cache *c, const kh_article *art, unsigned flags,
                      kh_analysis **out) {
  if (!out) return KH_EINVAL;
  *out = NULL;
  if (!a || !art || (!art->title && art->title_len) || (!art->body && art->body_len)) return KH_EINVAL;
  if (art->title_len > KH_MAX_ARTICLE || art->body_len > KH_MAX_ARTICLE) return KH_ETOOBIG;
  kh__doc d;
  memset(&d, 0, sizeof d);
  d.a = a;
  d.fc = c;
  d.flags = flags | a->flags;
  builder b;
  memset(&b, 0, sizeof b);
  b.d = &d;
  kh_analysis *r = kh__calloc(1, sizeof *r);
  if (!r) return KH_ENOMEM;
  if (!kh__doc_build(&d, art) && !kh__entities_find(&d) && !kh__quotes_find(&d) &&
      !kh__events_find(&d) && !build_entities(&b))
    finish(&b, r);
  int rc = d.rc;
  kh__buf_free(&b.pool);
  kh__free(b.ents);
  kh__free(b.order);
  kh__free(b.newidx);
  kh__doc_free(&d);
  if (rc) {
    kh_analysis_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void kh_analysis_free(kh_analysis *r) {
  if (!r) return;
  priv *p = r->priv_;
  if (p) {
    kh__free(p->pool);
    kh__free(p->variants);
    kh__free(p);
  }
  kh__free(r->entities);
  kh__free(r->mentions);
  kh__free(r->quotes);
  kh__free(r->events);
  kh__free(r->sentences);
  kh__free(r);
}

/* ---- JSON ---- */

static const char *source_name(int s) {
  static const char *n[] = {"?", "gazetteer", "tagger", "variant", "role", "context", "pattern"};
  return s >= 1 && s <= 6 ? n[s] : "?";
}

static void jstr(kh__buf *b, const char *s, int *rc) {
  if (!s) kh__buf_appends(b, "null", rc);
  else kh__buf_json_str(b, s, strlen(s), rc);
}

static void jtext(kh__buf *b, const kh_article *art, int field, uint32_t s, uint32_t e, int *rc) {
  const char *t = field == KH_FIELD_TITLE ? art->title : art->body;
  size_t n = field == KH_FIELD_TITLE ? art->title_len : art->body_len;
  if (!t || e > n || s > e) {
    kh__buf_appends(b, "null", rc);
    return;
  }
  kh__buf_json_str(b, t + s, e - s, rc);
}

static void jent_ref(kh__buf *b, const kh_analysis *r, int32_t e, int *rc) {
  if (e < 0 || (size_t)e >= r->n_entities) {
    kh__buf_appends(b, "null", rc);
    return;
  }
  kh__buf_appends(b, "{\"id\":", rc);
  jstr(b, r->entities[e].id, rc);
  kh__buf_appends(b, ",\"name\":", rc);
  jstr(b, r->entities[e].name, rc);
  kh__buf_appends(b, ",\"urdu\":", rc);
  jstr(b, r->entities[e].urdu, rc);
  kh__buf_appendc(b, '}', rc);
}

int kh_analysis_json(const kh_analysis *r, const kh_article *art, char **out, size_t *outlen) {
  if (!r || !art || !out) return KH_EINVAL;
  kh__buf b = {0};
  int rc = 0;
  static const char *fields[] = {"title", "body"};
  static const char *types[] = {"?", "meet", "visit", "host"};
  kh__buf_appends(&b, "\"entities\":[", &rc);
  for (size_t i = 0; i < r->n_entities; i++) {
    const kh_entity *e = &r->entities[i];
    if (i) kh__buf_appendc(&b, ',', &rc);
    kh__buf_appends(&b, "{\"id\":", &rc);
    jstr(&b, e->id, &rc);
    kh__buf_appends(&b, ",\"name\":", &rc);
    jstr(&b, e->name, &rc);
    kh__buf_appends(&b, ",\"urdu\":", &rc);
    jstr(&b, e->urdu, &rc);
    kh__buf_printf(&b, &rc, ",\"type\":\"%s\",\"country\":", kh_ent_type_name(e->type));
    jstr(&b, e->country, &rc);
    kh__buf_printf(&b, &rc, ",\"known\":%s,\"count\":%u,\"variants\":[", e->known ? "true" : "false",
                   e->n_mentions);
    for (uint32_t v = 0; v < e->n_variants; v++) {
      if (v) kh__buf_appendc(&b, ',', &rc);
      jstr(&b, e->variants[v], &rc);
    }
    kh__buf_appends(&b, "],\"mentions\":[", &rc);
    int first = 1;
    for (size_t m = 0; m < r->n_mentions; m++) {
      const kh_mention *mm = &r->mentions[m];
      if (mm->entity != (int32_t)i) continue;
      if (!first) kh__buf_appendc(&b, ',', &rc);
      first = 0;
      kh__buf_printf(&b, &rc, "{\"field\":\"%s\",\"start\":%u,\"end\":%u,\"source\":\"%s\",\"text\":",
                     fields[mm->field & 1], mm->start, mm->end, source_name(mm->source));
      jtext(&b, art, mm->field, mm->start, mm->end, &rc);
      kh__buf_appendc(&b, '}', &rc);
    }
    kh__buf_appends(&b, "]}", &rc);
  }
  kh__buf_appends(&b, "],\"quotes\":[", &rc);
  for (size_t i = 0; i < r->n_quotes; i++) {
    const kh_quote *q = &r->quotes[i];
    if (i) kh__buf_appendc(&b, ',', &rc);
    kh__buf_appends(&b, "{\"speaker\":", &rc);
    jent_ref(&b, r, q->speaker, &rc);
    if (q->speaker_text) {
      kh__buf_appends(&b, ",\"speaker_text\":", &rc);
      jstr(&b, q->speaker_text, &rc);
    }
    kh__buf_appends(&b, ",\"verb\":", &rc);
    jstr(&b, q->verb, &rc);
    kh__buf_printf(&b, &rc, ",\"direct\":%s,\"field\":\"%s\",\"start\":%u,\"end\":%u,\"text\":",
                   q->direct ? "true" : "false", fields[q->field & 1], q->start, q->end);
    jtext(&b, art, q->field, q->start, q->end, &rc);
    kh__buf_appendc(&b, '}', &rc);
  }
  kh__buf_appends(&b, "],\"events\":[", &rc);
  for (size_t i = 0; i < r->n_events; i++) {
    const kh_event *e = &r->events[i];
    if (i) kh__buf_appendc(&b, ',', &rc);
    kh__buf_printf(&b, &rc, "{\"type\":\"%s\",\"cameo\":\"%03u\",\"trigger\":", types[e->type & 3],
                   e->cameo);
    jstr(&b, e->trigger, &rc);
    kh__buf_appends(&b, ",\"actors\":[", &rc);
    for (uint32_t k = 0; k < e->n_actors; k++) {
      if (k) kh__buf_appendc(&b, ',', &rc);
      jent_ref(&b, r, e->actors[k], &rc);
    }
    kh__buf_appends(&b, "],\"place\":", &rc);
    jent_ref(&b, r, e->place, &rc);
    kh__buf_appends(&b, ",\"date\":", &rc);
    jstr(&b, e->date[0] ? e->date : NULL, &rc);
    kh__buf_appends(&b, ",\"when\":", &rc);
    jstr(&b, e->when, &rc);
    const kh_sentence *s = (size_t)e->sentence < r->n_sentences ? &r->sentences[e->sentence] : NULL;
    kh__buf_printf(&b, &rc, ",\"field\":\"%s\",\"sentence\":", fields[e->field & 1]);
    if (s) {
      kh__buf_printf(&b, &rc, "{\"start\":%u,\"end\":%u,\"text\":", s->start, s->end);
      jtext(&b, art, s->field, s->start, s->end, &rc);
      kh__buf_appendc(&b, '}', &rc);
    } else {
      kh__buf_appends(&b, "null", &rc);
    }
    kh__buf_appendc(&b, '}', &rc);
  }
  kh__buf_appendc(&b, ']', &rc);
  *out = kh__buf_detach(&b, outlen, &rc);
  if (rc) {
    kh__buf_free(&b);
    *out = NULL;
  }
  return rc;
}
