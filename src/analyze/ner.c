/*
** ner.c — the statistical tagger: a structured averaged perceptron over BIO
** labels for PER, LOC and ORG, decoded with Viterbi under BIO constraints
** (bench/ner_eval; choices are made on development folds of the training
** data, tools/train_ner.c KH_NER_DEV=1).
** Features of a token: its normalized form, the two words either side, word
** bigrams, prefixes and suffixes of 1 to 4 letters (and the neighbours'
** endings), a shape (script, length), the gazetteer's tag of it and its
** neighbours (lexicon lists included), the cue-word classes of the
** neighbours (titles, postpositions), its word classes and its neighbours'
** (src/analyze/ner_clusters.h: exchange clustering of unlabeled Urdu text,
** tools/gen_ner_clusters.py) and its context signature there (the two
** left and two right neighbours most tied to it (count x PMI) among the 1,000
** most frequent words: 4-fold development CV, B- 1200, seeds 42 / 7 / 99:
** 0.7455 / 0.7423 / 0.7399 -> 0.7452 / 0.7452 / 0.7447), organisation
** structure (distance to a word
** that ends organisation names, runs of spelled Latin letters, a
** parenthesised acronym after the words), and the previous label.  Each feature is a 32-bit hash; the model
** (src/analyze/ner_model.h) maps hashes to int16 weights and is written by
** tools/train_ner.c (python3 tools/gen_ner_model.py ../shared/data).
*/
#include "analyze.h"

#include "ner_clusters.h"
#include "ner_model.h"

#include <limits.h>

#define N_ROWS (sizeof KH__NER_KEYS / sizeof KH__NER_KEYS[0])

static const kh__ner_slot *ner_slot(const kh__ner_model *m, uint32_t k);
static uint32_t fkey(uint32_t tmpl, uint64_t h);
static void add_slot(const kh__ner_model *m, uint32_t k, int32_t *score);

int kh__ner_load_table(kh_analyzer *a, const uint32_t *keys, const int16_t (*w)[KH__NER_NLABELS], size_t n) {
  kh__ner_free(a);
  if (n < 2) return 0; /* the empty table has one dummy row */
  kh__ner_model *m = kh__calloc(1, sizeof *m);
  if (!m) return KH_ENOMEM;
  size_t cap = 1024;
  while (cap < n * 2) cap *= 2;
  m->slots = kh__calloc(cap, sizeof *m->slots);
  if (!m->slots) {
    kh__free(m);
    return KH_ENOMEM;
  }
  m->mask = cap - 1;
  for (size_t i = 0; i < n; i++) {
    uint32_t k = keys[i] ? keys[i] : 1;
    size_t j = k & m->mask;
    while (m->slots[j].key && m->slots[j].key != k) j = (j + 1) & m->mask;
    m->slots[j].key = k;
    memcpy(m->slots[j].w, w[i], sizeof m->slots[j].w);
  }
#ifdef KH__NER_BIAS
  m->bias = KH__NER_BIAS;
#endif
  for (int p = 0; p < KH__NER_NLABELS; p++) {
    const kh__ner_slot *sl = ner_slot(m, fkey(19, (uint64_t)p));
    if (sl) memcpy(m->wprev[p], sl->w, sizeof m->wprev[p]);
    for (int g = 0; g < 256; g++)
      if ((sl = ner_slot(m, fkey(21, (uint64_t)g * 8 + (uint64_t)p)))) memcpy(m->wgaz[g][p], sl->w, sizeof m->wgaz[g][p]);
  }
  for (int g = 0; g < 256; g++) {
    const kh__ner_slot *sl;
    if ((sl = ner_slot(m, fkey(13, (uint64_t)g)))) memcpy(m->g13[g], sl->w, sizeof m->g13[g]);
    if ((sl = ner_slot(m, fkey(14, (uint64_t)g)))) memcpy(m->g14[g], sl->w, sizeof m->g14[g]);
    if ((sl = ner_slot(m, fkey(15, (uint64_t)g)))) memcpy(m->g15[g], sl->w, sizeof m->g15[g]);
  }
  /* a neighbour outside the sentence (word_at's 0x5151 / 0x7373, no word
  ** class, no coarse or fine class) */
  add_slot(m, fkey(2, 0x5151), m->l1none);
  add_slot(m, fkey(17, 0x80000000u), m->l1none);
  add_slot(m, fkey(3, 0x7373), m->r1none);
  add_slot(m, fkey(18, 0x80000000u), m->r1none);
  if (KH__NER_NCLS_ROWS) {
    add_slot(m, fkey(27, 0xFFFF), m->l1none);
    add_slot(m, fkey(29, 0xFFFF), m->l1none);
    add_slot(m, fkey(28, 0xFFFF), m->r1none);
    add_slot(m, fkey(30, 0xFFFF), m->r1none);
  }
  add_slot(m, fkey(4, 0x5151), m->l2none);
  add_slot(m, fkey(5, 0x7373), m->r2none);
  a->ner_gen++;
  a->ner = m;
  return 0;
}

int kh__ner_load(kh_analyzer *a) {
  a->ner = NULL;
  int rc = 0;
  size_t nrows = KH__NER_NCLS_ROWS;
  for (size_t i = 0; i < nrows && !rc; i++)
    kh__map_put(&a->ner_cls, KH__NER_CLS_KEYS[i], (int32_t)i, &rc);
  /* words of gazetteer names (the gazetteer is loaded first) */
  for (size_t i = 0; i < a->n_aliases && !rc; i++) {
    const kh__alias *al = &a->aliases[i];
    int type = a->ents[al->entity].type;
    unsigned bit = type == KH_ENT_PER ? KH__PART_PER : type == KH_ENT_LOC ? KH__PART_LOC : KH__PART_ORG;
    if (al->flag == KH__AL_ROLE) continue;
    size_t s = 0;
    for (size_t e = 0; e <= al->norm_len && !rc; e++) {
      if (e < al->norm_len && al->norm[e] != ' ') continue;
      if (e > s) {
        uint64_t h = kh__hash(al->norm + s, e - s);
        unsigned b = bit;
        if (al->ntok == 1) b |= KH__PART_ONLY;
        else if (s == 0) b |= KH__PART_FIRST;
        else if (e == al->norm_len) b |= KH__PART_LAST;
        int32_t old = kh__map_get(&a->ner_part, h);
        kh__map_put(&a->ner_part, h, (int32_t)((old < 0 ? 0 : (unsigned)old) | b), &rc);
      }
      s = e + 1;
    }
  }
  if (rc) return rc;
  return kh__ner_load_table(a, KH__NER_KEYS, KH__NER_W, N_ROWS);
}

void kh__ner_free_all(kh_analyzer *a) {
  kh__ner_free(a);
  kh__map_free(&a->ner_cls);
  kh__map_free(&a->ner_part);
}

void kh__ner_free(kh_analyzer *a) {
  a->ner_gen++;
  if (!a->ner) return;
  kh__free(a->ner->slots);
  kh__free(a->ner);
  a->ner = NULL;
}

static const kh__ner_slot *ner_slot(const kh__ner_model *m, uint32_t k) {
  if (!k) k = 1;
  size_t j = k & m->mask;
  while (m->slots[j].key) {
    if (m->slots[j].key == k) return &m->slots[j];
    j = (j + 1) & m->mask;
  }
  return NULL;
}

/* the Urdu spelling of a Latin letter, as in initials (کے ایس سیٹھی) */
static int letter_name(const kh__doc *d, int32_t i) {
#define KH__LETTER(s) {s, sizeof s - 1}
  static const struct {
    const char *s;
    size_t n;
  } letters[] = {KH__LETTER("اے"),   KH__LETTER("بی"),  KH__LETTER("سی"), KH__LETTER("ڈی"),    KH__LETTER("ای"),
                 KH__LETTER("ایف"),  KH__LETTER("جی"),  KH__LETTER("ایچ"), KH__LETTER("آئی"),  KH__LETTER("جے"),
                 KH__LETTER("کے"),   KH__LETTER("ایل"), KH__LETTER("ایم"), KH__LETTER("این"),  KH__LETTER("او"),
                 KH__LETTER("پی"),   KH__LETTER("کیو"), KH__LETTER("آر"), KH__LETTER("ایس"),  KH__LETTER("ٹی"),
                 KH__LETTER("یو"),   KH__LETTER("وی"),  KH__LETTER("ڈبلیو"), KH__LETTER("ایکس"), KH__LETTER("وائی"),
                 KH__LETTER("زیڈ")};
#undef KH__LETTER
  if (i < 0 || (size_t)i >= d->ntok || !kh__is_word(d, (size_t)i)) return 0;
  size_t n = d->toks[i].nlen;
  if (n < 4 || n > 10) return 0; /* the names' lengths in bytes (every token passes here: no strlen) */
  const char *s = KH__TOKNORM(d, i);
  for (size_t k = 0; k < sizeof letters / sizeof letters[0]; k++)
    if (letters[k].n == n && !memcmp(letters[k].s, s, n)) return 1;
  return 0;
}

/* the gazetteer tag of every token (the longest alias starting there) */
static void gaz_tags(kh__doc *d) {
  const kh_analyzer *a = d->a;
  for (size_t i = 0; i < d->ntok;) {
    if (!kh__is_word(d, i)) {
      i++;
      continue;
    }
    uint64_t seq;
    int more;
    int32_t best = kh__gaz_first(d, i, &seq, &more);
    size_t bestn = best >= 0;
    for (size_t n = 2; more && n <= KH__MAX_ALIAS_TOKENS && i + n <= d->ntok; n++) {
      size_t j = i + n - 1;
      if (!kh__is_word(d, j)) break;
      seq = kh__seq(seq, d->toks[j].h);
      int32_t al = kh__map_get(&a->gaz, seq);
      if (al >= 0) {
        best = al;
        bestn = n;
      }
      if (kh__map_get(&a->prefix, seq) < 0) break;
    }
    if (best < 0) {
      i++;
      continue;
    }
    const kh__alias *al = &a->aliases[best];
    /* tag: type (1..3) * 8 + flag (1..5) * 2 + inside */
    uint8_t base = (uint8_t)(a->ents[al->entity].type * 16 + al->flag * 2);
    for (size_t k = 0; k < bestn; k++) d->toks[i + k].gaz = (uint8_t)(base + (k > 0));
    i += bestn;
  }
}

/* a word's cluster classes (coarse, fine, the row of the class table) and name-part
** code, from its hash: 0 when the word has none */
static void word_classes(const kh_analyzer *a, uint64_t h, uint16_t *cls1, uint16_t *cls2, uint16_t *crow,
                         uint8_t *part) {
  int32_t c = a->ner_cls.n ? kh__map_get(&a->ner_cls, h) : -1;
  *cls1 = c < 0 ? 0 : (uint16_t)(KH__NER_CLS[c][0] + 1);
  *cls2 = c < 0 ? 0 : (uint16_t)(KH__NER_CLS[c][1] + 1);
  *crow = c < 0 ? 0 : (uint16_t)(c + 1);
  int32_t p = kh__map_get(&a->ner_part, h);
  *part = p < 0 ? 0 : (uint8_t)p;
}

void kh__ner_gaztags(kh__doc *d) {
  const kh_analyzer *a = d->a;
  for (size_t i = 0; i < d->ntok; i++) {
    kh__tok *t = &d->toks[i];
    t->gaz = 0;
    word_classes(a, t->h, &t->cls1, &t->cls2, &t->crow, &t->part);
    t->letter = (uint8_t)letter_name(d, (int32_t)i);
  }
  gaz_tags(d);
}

static uint32_t fkey(uint32_t tmpl, uint64_t h) {
  uint64_t z = h * 0x9E3779B97F4A7C15ULL + tmpl * 0xD6E8FEB86659FD93ULL;
  z ^= z >> 29;
  z *= 0xBF58476D1CE4E5B9ULL;
  z ^= z >> 32;
  return (uint32_t)z;
}

/* hash of the first / last k code points of s[0..n) */
static uint64_t affix_s(const char *s, size_t n, int k, int suffix) {
  size_t b = 0;
  if (!suffix) {
    int c = 0;
    while (b < n && c < k) {
      b++;
      while (b < n && ((unsigned char)s[b] & 0xC0) == 0x80) b++;
      c++;
    }
    return c == k && b < n ? kh__hash(s, b) : 0;
  }
  size_t e = n;
  int c = 0;
  while (e > 0 && c < k) {
    e--;
    while (e > 0 && ((unsigned char)s[e] & 0xC0) == 0x80) e--;
    c++;
  }
  return c == k && e > 0 ? kh__hash(s + e, n - e) : 0;
}

/* the same of token i */
static uint64_t affix(const kh__doc *d, int32_t i, int k, int suffix) {
  return affix_s(KH__TOKNORM(d, i), d->toks[i].nlen, k, suffix);
}

static uint64_t word_at(const kh__doc *d, int32_t t0, int32_t t1, int32_t i) {
  if (i < t0) return 0x5151;
  if (i >= t1) return 0x7373;
  return d->toks[i].h;
}

/* organisation structure: how far the next word that ends organisation
** names of the gazetteer is (کمیشن، یونیورسٹی، وزارت ... as KH__PART_ORG |
** LAST), how far back the last word that starts one is, the token's place
** in a run of Urdu-spelled Latin letters (ڈی بی ٹی), and a parenthesised
** letter run right after the token's run of words (X ( آئی آئی ٹی )).
** 4-fold development CV (tools/train_ner.c), bias 900: 0.7335 -> 0.7367
** (shuffling seed 42) and 0.7327 -> 0.7359 (seed 7). */
static int org_feats(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, uint32_t *out) {
  int n = 0;
  int dn = 0, db = 0;
  for (int32_t k = i + 1; k < t1 && k <= i + 5; k++) {
    if (!kh__is_word(d, (size_t)k)) break;
    if ((d->toks[k].part & KH__PART_ORG) && (d->toks[k].part & (KH__PART_LAST | KH__PART_ONLY))) {
      dn = k - i;
      break;
    }
  }
  for (int32_t k = i - 1; k >= t0 && k >= i - 5; k--) {
    if (!kh__is_word(d, (size_t)k)) break;
    if ((d->toks[k].part & KH__PART_ORG) && (d->toks[k].part & KH__PART_FIRST)) {
      db = i - k;
      break;
    }
  }
  out[n++] = fkey(44, (uint64_t)dn * 8 + (uint64_t)db);
  if (d->toks[i].letter) {
    int32_t a = i, b = i;
    while (a - 1 >= t0 && d->toks[a - 1].letter) a--;
    while (b + 1 < t1 && d->toks[b + 1].letter) b++;
    int len = b - a + 1 > 4 ? 4 : b - a + 1;
    out[n++] = fkey(45, (uint64_t)len * 16 + (uint64_t)(i == a) * 2 + (uint64_t)(i == b));
  }
  /* the words after i up to "(" and a run of letters or Latin words, ")" */
  int32_t k = i + 1;
  while (k < t1 && k <= i + 6 && kh__is_word(d, (size_t)k)) k++;
  if (k < t1 && d->toks[k].punct == KH__P_OPEN) {
    int32_t q = k + 1, run = 0;
    while (q < t1 && (d->toks[q].letter || d->toks[q].kind == KH_TOK_LATIN)) q++, run++;
    if (run && q < t1 && d->toks[q].punct == KH__P_CLOSE) out[n++] = fkey(46, (uint64_t)(k - i > 4 ? 4 : k - i));
  }
  return n;
}

/* templates 37-40: the outer word bigrams (given), and the gazetteer tags and
** coarse classes two words away; both feature paths use them */
static int outer_keys(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, uint64_t left, uint64_t right,
                      uint32_t *out) {
  out[0] = fkey(37, left);
  out[1] = fkey(38, right);
  out[2] = fkey(39, (uint64_t)(i - 2 >= t0 ? d->toks[i - 2].gaz : 255) * 256 + (i + 2 < t1 ? d->toks[i + 2].gaz : 255));
  out[3] = fkey(40, (uint64_t)(i - 2 >= t0 ? d->toks[i - 2].cls1 : 0xFFFF) << 16 |
                        (i + 2 < t1 ? d->toks[i + 2].cls1 : 0xFFFF));
  return 4;
}

void kh__ner_feats_prev(const kh__doc *d, int32_t i, int prev, uint32_t *out) {
  out[0] = fkey(19, (uint64_t)prev);
  out[1] = fkey(20, d->toks[i].h * 8 + (uint64_t)prev);
  out[2] = fkey(21, (uint64_t)d->toks[i].gaz * 8 + (uint64_t)prev);
}

int kh__ner_feats(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, int prev, uint32_t *out) {
  int n = kh__ner_feats_static(d, t0, t1, i, out);
  kh__ner_feats_prev(d, i, prev, out + n);
  return n + KH__NER_NPREV;
}

int kh__ner_feats_static(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, uint32_t *out) {
  int n = 0;
  const kh__tok *t = &d->toks[i];
  uint64_t w0 = t->h, wm1 = word_at(d, t0, t1, i - 1), wp1 = word_at(d, t0, t1, i + 1);
  uint64_t wm2 = word_at(d, t0, t1, i - 2), wp2 = word_at(d, t0, t1, i + 2);
  out[n++] = fkey(0, 1);
  out[n++] = fkey(1, w0);
  out[n++] = fkey(2, wm1);
  out[n++] = fkey(3, wp1);
  out[n++] = fkey(4, wm2);
  out[n++] = fkey(5, wp2);
  uint64_t a;
  if ((a = affix(d, i, 2, 0))) out[n++] = fkey(6, a);
  if ((a = affix(d, i, 3, 0))) out[n++] = fkey(7, a);
  if ((a = affix(d, i, 2, 1))) out[n++] = fkey(8, a);
  if ((a = affix(d, i, 3, 1))) out[n++] = fkey(9, a);
  size_t ncp = kh__ncp(KH__TOKNORM(d, i), t->nlen);
  out[n++] = fkey(10, (uint64_t)t->kind * 16 + (ncp > 8 ? 8 : ncp));
  out[n++] = fkey(11, wm1 * 31 + w0);
  out[n++] = fkey(12, w0 * 31 + wp1);
  uint8_t g0 = t->gaz, gm1 = i > t0 ? d->toks[i - 1].gaz : 255, gp1 = i + 1 < t1 ? d->toks[i + 1].gaz : 255;
  out[n++] = fkey(13, g0);
  out[n++] = fkey(14, gm1);
  out[n++] = fkey(15, gp1);
  out[n++] = fkey(16, (uint64_t)g0 * 256 + gp1);
  uint32_t cm1 = i > t0 ? d->toks[i - 1].wcls : 0x80000000u, cp1 = i + 1 < t1 ? d->toks[i + 1].wcls : 0x80000000u;
  out[n++] = fkey(17, cm1);
  out[n++] = fkey(18, cp1);
  out[n++] = fkey(22, t->wcls);
  out[n++] = fkey(23, (uint64_t)kh_is_stopword(KH__TOKNORM(d, i), t->nlen));
  if ((a = affix(d, i - 1 >= t0 ? i - 1 : i, 2, 1)) && i > t0) out[n++] = fkey(24, a);
  if (KH__NER_NCLS_ROWS) { /* word classes of the token and its neighbours */
    uint64_t c0 = t->cls1, c0f = t->cls2;
    uint64_t cm = i > t0 ? d->toks[i - 1].cls1 : 0xFFFF, cp = i + 1 < t1 ? d->toks[i + 1].cls1 : 0xFFFF;
    uint64_t cmf = i > t0 ? d->toks[i - 1].cls2 : 0xFFFF, cpf = i + 1 < t1 ? d->toks[i + 1].cls2 : 0xFFFF;
    out[n++] = fkey(25, c0);
    out[n++] = fkey(26, c0f);
    out[n++] = fkey(27, cm);
    out[n++] = fkey(28, cp);
    out[n++] = fkey(29, cmf);
    out[n++] = fkey(30, cpf);
    out[n++] = fkey(31, (cm << 16 | c0) << 16 | cp);
  }
  /* one- and four-letter affixes, the next word's ending, outer bigrams,
  ** gazetteer tags and coarse classes two words away */
  if ((a = affix(d, i, 1, 0))) out[n++] = fkey(32, a);
  if ((a = affix(d, i, 1, 1))) out[n++] = fkey(33, a);
  if ((a = affix(d, i, 4, 0))) out[n++] = fkey(34, a);
  if ((a = affix(d, i, 4, 1))) out[n++] = fkey(35, a);
  if (i + 1 < t1 && (a = affix(d, i + 1, 2, 1))) out[n++] = fkey(36, a);
  n += outer_keys(d, t0, t1, i, wm2 * 31 + wm1, wp1 * 31 + wp2, out + n);
  /* words of gazetteer names: the token's and its neighbours' */
  uint64_t pm = i > t0 ? d->toks[i - 1].part : 255, pp = i + 1 < t1 ? d->toks[i + 1].part : 255;
  out[n++] = fkey(41, t->part);
  out[n++] = fkey(42, pm * 256 + t->part);
  out[n++] = fkey(43, (uint64_t)t->part * 256 + pp);
  n += org_feats(d, t0, t1, i, out + n);
#ifdef KH__NER_CTX_NONE /* context signature in the unlabeled text (word_clusters.c) */
  if (t->crow)
    for (int k = 0; k < 4; k++)
      if (KH__NER_CTX[t->crow - 1][k] != KH__NER_CTX_NONE) out[n++] = fkey(k < 2 ? 47 : 48, KH__NER_CTX[t->crow - 1][k]);
#endif
  return n;
}

int kh__ner_allowed(int prev, int l) {
  if (l == KH__NER_O || (l & 1)) return 1;        /* O and B-X anywhere */
  return prev == l || prev == l - 1;               /* I-X after B-X or I-X */
}

int kh__ner_skip(const kh__doc *d, int32_t i) {
  if (!kh__is_word(d, (size_t)i)) return 1;
  const kh__tok *t = &d->toks[i];
  if (!(t->wcls & (KH__W_NE | KH__W_KO | KH__W_SE | KH__W_GEN | KH__W_LOCPOST | KH__W_KI | KH__W_AUX | KH__W_SAY)))
    return 0;
  /* a cue word the tokenizer split off a longer word (کوچین = کو|چین, no
  ** space between) may be the start of a name: the tagger decides */
  if ((size_t)i + 1 < d->ntok && d->toks[i + 1].start == t->end && d->toks[i + 1].field == t->field &&
      kh__is_word(d, (size_t)i + 1))
    return 0;
  /* کے next to another letter is the initial K (کے سی نیوگی، ایس کے واڈکر) */
  if ((t->wcls & KH__W_GEN) && letter_name(d, i) && (letter_name(d, i + 1) || letter_name(d, i - 1))) return 0;
  return 1;
}

static void add_slot(const kh__ner_model *m, uint32_t k, int32_t *score) {
  const kh__ner_slot *sl = ner_slot(m, k);
  if (sl)
    for (int l = 0; l < KH__NER_NLABELS; l++) score[l] += sl->w[l];
}

/* ---- word forms (kh__form): what the tagger reads of a form, once ---- */

/* the form facts of token i into f (its key set by the caller); the
** weights come when a scored token first needs them (form_weights) */
static void form_fill(const kh__doc *d, size_t i, kh__form *f) {
  const kh_analyzer *a = d->a;
  const kh__tok *t = &d->toks[i];
  word_classes(a, t->h, &f->cls1, &f->cls2, &f->crow, &f->part);
  f->letter = (uint8_t)letter_name(d, (int32_t)i);
  f->wcls = t->wcls;
  uint64_t seq1 = kh__seq(KH__SEQ0, t->h);
  f->gaz1 = kh__map_get(&a->gaz, seq1);
  f->pre1 = kh__map_get(&a->prefix, seq1) >= 0;
  f->wdone = 0;
}

/* the weights of token i's form f: as the token (KH__FORM_SELF: self and
** pf) or as a neighbour (KH__FORM_NB: l1, r1, l2, r2) */
static void form_weights(const kh__doc *d, int32_t i, kh__form *f, unsigned what) {
  const kh__ner_model *m = d->a->ner;
  const kh__tok *t = &d->toks[i];
  const char *s = KH__TOKNORM(d, i);
  size_t n = t->nlen;
  uint64_t h = t->h, x;
  if (what & KH__FORM_SELF) {
    /* kh__ner_feats_static's templates 0, 1, 6-10, 22, 23, 25, 26, 32-35, 41, 47, 48 */
    memset(f->self, 0, sizeof f->self);
    add_slot(m, fkey(0, 1), f->self);
    add_slot(m, fkey(1, h), f->self);
    if ((x = affix_s(s, n, 2, 0))) add_slot(m, fkey(6, x), f->self);
    if ((x = affix_s(s, n, 3, 0))) add_slot(m, fkey(7, x), f->self);
    if ((x = affix_s(s, n, 2, 1))) add_slot(m, fkey(8, x), f->self);
    if ((x = affix_s(s, n, 3, 1))) add_slot(m, fkey(9, x), f->self);
    size_t ncp = kh__ncp(s, n);
    add_slot(m, fkey(10, (uint64_t)t->kind * 16 + (ncp > 8 ? 8 : ncp)), f->self);
    add_slot(m, fkey(22, t->wcls), f->self);
    add_slot(m, fkey(23, (uint64_t)kh_is_stopword(s, n)), f->self);
    if (KH__NER_NCLS_ROWS) {
      add_slot(m, fkey(25, f->cls1), f->self);
      add_slot(m, fkey(26, f->cls2), f->self);
    }
    if ((x = affix_s(s, n, 1, 0))) add_slot(m, fkey(32, x), f->self);
    if ((x = affix_s(s, n, 1, 1))) add_slot(m, fkey(33, x), f->self);
    if ((x = affix_s(s, n, 4, 0))) add_slot(m, fkey(34, x), f->self);
    if ((x = affix_s(s, n, 4, 1))) add_slot(m, fkey(35, x), f->self);
    add_slot(m, fkey(41, f->part), f->self);
#ifdef KH__NER_CTX_NONE
    if (f->crow)
      for (int k = 0; k < 4; k++)
        if (KH__NER_CTX[f->crow - 1][k] != KH__NER_CTX_NONE)
          add_slot(m, fkey(k < 2 ? 47 : 48, KH__NER_CTX[f->crow - 1][k]), f->self);
#endif
    /* the word with each previous label (20) */
    memset(f->pf, 0, sizeof f->pf);
    for (int q = 0; q < KH__NER_NLABELS; q++) {
      const kh__ner_slot *sl = ner_slot(m, fkey(20, h * 8 + (uint64_t)q));
      if (sl) memcpy(f->pf[q], sl->w, sizeof f->pf[q]);
    }
  }
  if (what & KH__FORM_NB) {
    memset(f->l1, 0, sizeof f->l1);
    memset(f->r1, 0, sizeof f->r1);
    memset(f->l2, 0, sizeof f->l2);
    memset(f->r2, 0, sizeof f->r2);
    /* as the word before the token (2, 17, 24, 27, 29) and after it (3, 18, 28, 30, 36) */
    uint64_t suf2 = affix_s(s, n, 2, 1);
    add_slot(m, fkey(2, h), f->l1);
    add_slot(m, fkey(17, t->wcls), f->l1);
    if (suf2) add_slot(m, fkey(24, suf2), f->l1);
    add_slot(m, fkey(3, h), f->r1);
    add_slot(m, fkey(18, t->wcls), f->r1);
    if (suf2) add_slot(m, fkey(36, suf2), f->r1);
    if (KH__NER_NCLS_ROWS) {
      add_slot(m, fkey(27, f->cls1), f->l1);
      add_slot(m, fkey(29, f->cls2), f->l1);
      add_slot(m, fkey(28, f->cls1), f->r1);
      add_slot(m, fkey(30, f->cls2), f->r1);
    }
    /* two before and after (4, 5) */
    add_slot(m, fkey(4, h), f->l2);
    add_slot(m, fkey(5, h), f->r2);
  }
  f->wdone |= (uint8_t)what;
}

int kh_analyze_cache_new(size_t forms, kh_analyze_cache **out) {
  if (!out) return KH_EINVAL;
  *out = NULL;
  size_t cap = 64;
  if (!forms) forms = 16384;
  if (forms > ((size_t)1 << 24)) forms = (size_t)1 << 24;
  while (cap < forms) cap *= 2;
  kh_analyze_cache *c = kh__calloc(1, sizeof *c);
  if (!c) return KH_ENOMEM;
  c->v = kh__calloc(cap, sizeof *c->v);
  if (!c->v) {
    kh__free(c);
    return KH_ENOMEM;
  }
  c->mask = cap - 1;
  *out = c;
  return 0;
}

void kh_analyze_cache_free(kh_analyze_cache *c) {
  if (!c) return;
  kh__free(c->v);
  kh__free(c);
}

static kh__form *form_of(const kh__doc *d, int32_t i) {
  uint32_t f = d->toks[i].form;
  return f & KH__FORM_SPILL ? &d->spill[f & ~KH__FORM_SPILL] : &d->fc->v[f];
}

/* token i's form with the weights of what */
static const kh__form *form_w(const kh__doc *d, int32_t i, unsigned what) {
  kh__form *f = form_of(d, i);
  if ((f->wdone & what) != what) form_weights(d, i, f, what & ~f->wdone);
  return f;
}

int32_t kh__gaz_first(const kh__doc *d, size_t i, uint64_t *seq, int *more) {
  *seq = kh__seq(KH__SEQ0, d->toks[i].h);
  if (d->has_forms) {
    const kh__form *f = form_of(d, (int32_t)i);
    *more = f->pre1;
    return f->gaz1;
  }
  *more = kh__map_get(&d->a->prefix, *seq) >= 0;
  return kh__map_get(&d->a->gaz, *seq);
}

void kh__ner_forms(kh__doc *d) {
  const kh_analyzer *a = d->a;
  kh_analyze_cache *c = d->fc;
  if (c && (c->a != a || c->m != a->ner || c->gen != a->ner_gen || c->stamp == UINT32_MAX)) {
    memset(c->v, 0, (c->mask + 1) * sizeof *c->v); /* another analyzer or model: forget */
    c->a = a, c->m = a->ner, c->gen = a->ner_gen, c->stamp = 0;
  }
  uint32_t stamp = c ? ++c->stamp : 0;
  d->nspill = 0;
  for (size_t i = 0; i < d->ntok && !d->rc; i++) {
    kh__tok *t = &d->toks[i];
    const char *s = KH__TOKNORM(d, i);
    kh__form *f = NULL;
    if (c && t->nlen <= KH__FORM_MAX) {
      size_t j = (size_t)t->h & c->mask;
      kh__form *e = &c->v[j];
      if (e->h == t->h && e->kind == t->kind && e->nlen == t->nlen && !memcmp(e->s, s, t->nlen)) {
        f = e;
      } else if (!e->h || e->stamp != stamp) { /* a form no token of this document uses */
        e->h = t->h, e->kind = t->kind, e->nlen = (uint8_t)t->nlen;
        memcpy(e->s, s, t->nlen);
        form_fill(d, i, e);
        f = e;
      }
      if (f) {
        f->stamp = stamp;
        t->form = (uint32_t)j;
      }
    }
    if (!f) {
      if (kh__grow((void **)&d->spill, &d->capspill, d->nspill + 1, sizeof *d->spill, KH__MAX_TOKENS, &d->rc)) break;
      f = &d->spill[d->nspill];
      f->h = t->h, f->kind = t->kind, f->nlen = 0, f->stamp = 0;
      form_fill(d, i, f);
      t->form = KH__FORM_SPILL | (uint32_t)d->nspill++;
    }
    t->gaz = 0;
    t->cls1 = f->cls1, t->cls2 = f->cls2, t->crow = f->crow;
    t->part = f->part, t->letter = f->letter;
  }
  d->has_forms = !d->rc;
  if (!d->rc) gaz_tags(d);
}

/* the keys of kh__ner_feats_static's templates that depend on the token
** with its neighbours (word pairs, tag and class pairs and triples,
** organisation structure); the rest are the forms' sums and g13-g15 */
static int ctx_keys(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, uint32_t *out) {
  int n = 0;
  const kh__tok *t = &d->toks[i];
  uint64_t w0 = t->h, wm1 = word_at(d, t0, t1, i - 1), wp1 = word_at(d, t0, t1, i + 1);
  uint64_t wm2 = word_at(d, t0, t1, i - 2), wp2 = word_at(d, t0, t1, i + 2);
  out[n++] = fkey(11, wm1 * 31 + w0);
  out[n++] = fkey(12, w0 * 31 + wp1);
  uint8_t g0 = t->gaz, gp1 = i + 1 < t1 ? d->toks[i + 1].gaz : 255;
  out[n++] = fkey(16, (uint64_t)g0 * 256 + gp1);
  if (KH__NER_NCLS_ROWS) {
    uint64_t c0 = t->cls1;
    uint64_t cm = i > t0 ? d->toks[i - 1].cls1 : 0xFFFF, cp = i + 1 < t1 ? d->toks[i + 1].cls1 : 0xFFFF;
    out[n++] = fkey(31, (cm << 16 | c0) << 16 | cp);
  }
  n += outer_keys(d, t0, t1, i, wm2 * 31 + wm1, wp1 * 31 + wp2, out + n);
  uint64_t pm = i > t0 ? d->toks[i - 1].part : 255, pp = i + 1 < t1 ? d->toks[i + 1].part : 255;
  out[n++] = fkey(42, pm * 256 + t->part);
  out[n++] = fkey(43, (uint64_t)t->part * 256 + pp);
  n += org_feats(d, t0, t1, i, out + n);
  return n;
}

/* the static sums of token i but its ctx_keys */
static void form_scores(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, int32_t *st) {
  const kh__ner_model *m = d->a->ner;
  const kh__form *f = form_w(d, i, KH__FORM_SELF);
  const int32_t *l1 = i - 1 >= t0 ? form_w(d, i - 1, KH__FORM_NB)->l1 : m->l1none;
  const int32_t *r1 = i + 1 < t1 ? form_w(d, i + 1, KH__FORM_NB)->r1 : m->r1none;
  const int32_t *l2 = i - 2 >= t0 ? form_w(d, i - 2, KH__FORM_NB)->l2 : m->l2none;
  const int32_t *r2 = i + 2 < t1 ? form_w(d, i + 2, KH__FORM_NB)->r2 : m->r2none;
  uint8_t g0 = d->toks[i].gaz, gm1 = i > t0 ? d->toks[i - 1].gaz : 255, gp1 = i + 1 < t1 ? d->toks[i + 1].gaz : 255;
  for (int l = 0; l < KH__NER_NLABELS; l++)
    st[l] += f->self[l] + l1[l] + r1[l] + l2[l] + r2[l] + m->g13[g0][l] + m->g14[gm1][l] + m->g15[gp1][l];
}

void kh__ner_static_scores(const kh__doc *d, int32_t t0, int32_t t1, int32_t i, int32_t *st) {
  const kh__ner_model *m = d->a->ner;
  memset(st, 0, KH__NER_NLABELS * sizeof *st);
  if (!m) return;
  uint32_t k[KH__NER_MAXF];
  int n = ctx_keys(d, t0, t1, i, k);
  for (int j = 0; j < n; j++) add_slot(m, k[j], st);
  form_scores(d, t0, t1, i, st);
}

static void prefetch_slot(const kh__ner_model *m, uint32_t k) {
  __builtin_prefetch(&m->slots[(k ? k : 1) & m->mask]);
}

/* The feature keys of one token, computed a token ahead of the Viterbi
** step that reads their weights, with their slots prefetched meanwhile (the
** lookups miss the cache: the model's table is megabytes): with the
** document's forms (kh__ner_forms) only those not in them (ctx_keys),
** without all of kh__ner_feats_static's and the word's with each previous
** label.  The sums are those of one lookup after another: the same labels. */
typedef struct ner_ahead {
  int skip, nf;
  uint32_t f[KH__NER_MAXF];
  uint32_t pf[KH__NER_NLABELS]; /* without forms: the word with each previous label (fkey 20) */
} ner_ahead;

static void ner_keys(const kh__doc *d, const kh__ner_model *m, int32_t t0, int32_t t1, int32_t i, ner_ahead *x) {
  x->skip = kh__ner_skip(d, i);
  if (x->skip) return;
  x->nf = d->has_forms ? ctx_keys(d, t0, t1, i, x->f) : kh__ner_feats_static(d, t0, t1, i, x->f);
  for (int k = 0; k < x->nf; k++) prefetch_slot(m, x->f[k]);
  if (d->has_forms) return;
  /* of kh__ner_feats_prev's three, the word's: the other two are in the
  ** model's wprev and wgaz (the same sums: integer weights, any order) */
  for (int p = 0; p < KH__NER_NLABELS; p++) {
    x->pf[p] = fkey(20, d->toks[i].h * 8 + (uint64_t)p);
    prefetch_slot(m, x->pf[p]);
  }
}

int kh__ner_tag(const kh__doc *d, int32_t t0, int32_t t1, uint8_t *labels) {
  const kh__ner_model *m = d->a->ner;
  int32_t n = t1 - t0;
  if (n <= 0) return 0;
  memset(labels, 0, (size_t)n);
  if (!m) return 0;
  /* Viterbi over BIO labels: dp[i][l] best score ending in l at i, bp the previous label */
  int32_t stack_dp[64 * KH__NER_NLABELS];
  uint8_t stack_bp[64 * KH__NER_NLABELS];
  int32_t *dp = n <= 64 ? stack_dp : kh__malloc((size_t)n * KH__NER_NLABELS * sizeof *dp);
  uint8_t *bp = n <= 64 ? stack_bp : kh__malloc((size_t)n * KH__NER_NLABELS);
  if (!dp || !bp) {
    if (dp != stack_dp) kh__free(dp);
    if (bp != stack_bp) kh__free(bp);
    return KH_ENOMEM;
  }
  const int32_t NEG = INT32_MIN / 4;
  ner_ahead ahead[2];
  ner_keys(d, m, t0, t1, t0, &ahead[0]);
  for (int32_t i = 0; i < n; i++) {
    int32_t *cur = dp + (size_t)i * KH__NER_NLABELS;
    uint8_t *b = bp + (size_t)i * KH__NER_NLABELS;
    const int32_t *prv = i ? dp + (size_t)(i - 1) * KH__NER_NLABELS : NULL;
    const ner_ahead *x = &ahead[i & 1];
    if (i + 1 < n) ner_keys(d, m, t0, t1, t0 + i + 1, &ahead[(i + 1) & 1]);
    for (int l = 0; l < KH__NER_NLABELS; l++) cur[l] = NEG, b[l] = 0;
    if (x->skip) { /* forced O */
      int best = 0;
      if (prv)
        for (int p = 1; p < KH__NER_NLABELS; p++)
          if (prv[p] > prv[best]) best = p;
      cur[0] = prv ? prv[best] : 0;
      b[0] = (uint8_t)best;
      continue;
    }
    int32_t st[KH__NER_NLABELS] = {0};
    for (int k = 0; k < x->nf; k++) add_slot(m, x->f[k], st);
    const kh__form *f = NULL;
    if (d->has_forms) {
      form_scores(d, t0, t1, t0 + i, st);
      f = form_of(d, t0 + i);
    }
    st[KH__NER_B_PER] += m->bias, st[KH__NER_B_LOC] += m->bias, st[KH__NER_B_ORG] += m->bias;
    /* of kh__ner_feats_prev's three: p alone and the gazetteer tag with p
    ** from the model's tables, the word with p from its form (or its slot) */
    uint8_t gaz = d->toks[t0 + i].gaz;
    for (int p = 0; p < KH__NER_NLABELS; p++) {
      if (prv ? prv[p] <= NEG : p != KH__NER_O) continue;
      int32_t sc[KH__NER_NLABELS];
      for (int l = 0; l < KH__NER_NLABELS; l++) sc[l] = m->wprev[p][l] + m->wgaz[gaz][p][l];
      if (f)
        for (int l = 0; l < KH__NER_NLABELS; l++) sc[l] += f->pf[p][l];
      else
        add_slot(m, x->pf[p], sc);
      int32_t base = prv ? prv[p] : 0;
      for (int l = 0; l < KH__NER_NLABELS; l++) {
        if (!kh__ner_allowed(p, l)) continue;
        int32_t v = base + st[l] + sc[l];
        if (v > cur[l]) cur[l] = v, b[l] = (uint8_t)p;
      }
    }
  }
  int best = 0;
  const int32_t *last = dp + (size_t)(n - 1) * KH__NER_NLABELS;
  for (int l = 1; l < KH__NER_NLABELS; l++)
    if (last[l] > last[best]) best = l;
  for (int32_t i = n - 1; i >= 0; i--) {
    labels[i] = (uint8_t)best;
    best = bp[(size_t)i * KH__NER_NLABELS + best];
  }
  if (dp != stack_dp) kh__free(dp);
  if (bp != stack_bp) kh__free(bp);
  return 0;
}
