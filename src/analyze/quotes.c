/*
** quotes.c — who said what.  Direct quotes are text in quotation marks (“…”,
** "…", ‘…’, «…») with a speech frame attached, either after the closing mark
**   "…،" بورس بونڈاریف، ایک روسی سفارت کار …، نے ماسکو ٹائمز کو بتایا۔
** or before the opening one
**   پیوٹن نے کہا کہ "روس چین تعلقات …"
** Quoted phrases with no frame (scare quotes: ان کا "عزیز دوست") are not
** quotes.  Indirect quotes are the clause after کہ in
**   X نے کہا کہ …، X نے Y کو بتایا کہ …، X کا کہنا تھا کہ …
** and the clause before a closing "…، X نے Y کو بتایا۔".  The speaker is the
** mention ending at نے / کا, a pronoun (انہوں نے) resolved to the previous
** speaker, or a name found by the frame itself (kh__name_before/after).
*/
#include "analyze.h"

#define FRAME_MAX 40 /* tokens from a closing mark to its speech verb */

static int push_quote(kh__doc *d, const kh__quote *q) {
  if (kh__grow((void **)&d->quotes, &d->capquote, d->nquote + 1, sizeof *d->quotes, 1u << 20,
               &d->rc))
    return d->rc;
  d->quotes[d->nquote++] = *q;
  return 0;
}

static int is_speaker_ment(const kh__doc *d, int32_t m) {
  return m >= 0 && !d->ments[m].dead;
}

/* the speaker of the last quote before token t, if within 3 sentences */
static int32_t resolve_pronoun(const kh__doc *d, int32_t t) {
  int32_t s = d->toks[t].sent;
  int32_t best = -1, bestv = -1;
  for (size_t i = 0; i < d->nquote; i++) {
    const kh__quote *q = &d->quotes[i];
    if (q->spk_ment >= 0 && q->verb_tok < t && q->verb_tok > bestv && s - q->sent <= 3) {
      best = q->spk_ment;
      bestv = q->verb_tok;
    }
  }
  if (best >= 0) return best;
  /* else the nearest person before it in the same or the previous sentence */
  for (int32_t k = t - 1; k >= 0 && d->toks[k].sent >= s - 1; k--) {
    int32_t m = kh__ment_at(d, k);
    if (m >= 0 && d->ments[m].type == KH_ENT_PER) return m;
  }
  return -1;
}

/* 1 if mention m holds a family word (اہل خانہ، والد، اہلیہ): relatives
** speak for a family, they are not a named speaker */
static int kin_ment(const kh__doc *d, int32_t m) {
  for (int32_t t = d->ments[m].t0; t < d->ments[m].t1; t++)
    if (kh__tok_in(d, t, kh__kin_words)) return 1;
  return 0;
}

/* A place or organisation after a title (گورنر سندھ، چیئرمین پی سی بی) is
** not the speaker: the title holder is, as a person named after the same
** title elsewhere in the article (گورنر سندھ کامران ٹیسوری), else as the
** phrase.  Returns 1 if it set the speaker. */
static int title_holder(const kh__doc *d, int32_t m, int32_t lo, kh__quote *q) {
  const kh__ment *x = &d->ments[m];
  if (x->type == KH_ENT_PER) return 0;
  int32_t ts = x->t0;
  for (;;) {
    if (ts > lo && x->t0 - ts < 3 && (d->toks[ts - 1].wcls & KH__W_TITLE)) ts--;
    else if (ts - 1 > lo && !strcmp(KH__TOKNORM(d, ts - 1), "مین") && !strcmp(KH__TOKNORM(d, ts - 2), "چیئر"))
      ts -= 2; /* چیئرمین, split by the tokenizer */
    else break;
  }
  if (ts == x->t0 && !(d->toks[x->t0].wcls & KH__W_TITLE)) return 0; /* or a mention "صدر X" */
  int32_t n = x->t1 - ts;
  for (size_t i = 0; i < d->nment; i++) {
    const kh__ment *pm = &d->ments[i];
    if (pm->dead || pm->type != KH_ENT_PER || pm->t0 < n) continue;
    int same = 1;
    for (int32_t j = 0; j < n && same; j++) same = d->toks[pm->t0 - n + j].h == d->toks[ts + j].h;
    if (same) {
      q->spk_ment = (int32_t)i;
      return 1;
    }
  }
  q->spk_t0 = ts;
  q->spk_t1 = x->t1;
  return 1;
}

/* Speaker of a frame whose subject ends right before token end (نے or کا);
** lo bounds the search.  Fills q->spk_ment or q->spk_t0/t1. */
static void speaker_before(kh__doc *d, int32_t end, int32_t lo, kh__quote *q) {
  q->spk_ment = -1;
  q->spk_t0 = q->spk_t1 = -1;
  int32_t p = end - 1;
  if (p < lo) return;
  /* انہوں نے (and its misspelling انہون, which the tagger may take for a name) */
  if ((d->toks[p].wcls & KH__W_PRON) || !strcmp(KH__TOKNORM(d, p), "انہون")) {
    q->spk_ment = resolve_pronoun(d, p);
    return;
  }
  int32_t m = kh__ment_at(d, p);
  if (is_speaker_ment(d, m) && !kin_ment(d, m)) {
    if (!title_holder(d, m, lo, q)) q->spk_ment = m;
    return;
  }
  if (d->toks[p].wcls & KH__W_REL) return; /* جس نے: a relative clause */
  m = kh__name_before(d, end, lo);
  if (m >= 0 && kin_ment(d, m)) d->ments[m].dead = 1, m = -1; /* مرحوم کے اہلِ خانہ نے */
  if (m >= 0) {
    q->spk_ment = m;
    return;
  }
  /* the phrase as written, back to a clause word (کہ، جبکہ، والے، کیا ...) */
  int32_t t0 = end;
  while (t0 > lo && end - t0 < 6 && d->toks[t0 - 1].punct == KH__P_NONE) {
    uint32_t c = d->toks[t0 - 1].wcls;
    if ((c & (KH__W_KI | KH__W_SAY | KH__W_AUX | KH__W_NE | KH__W_REL)) ||
        ((c & KH__W_FUNC) && !(c & KH__W_MODIFIER)))
      break;
    t0--;
  }
  if (t0 < end) {
    q->spk_t0 = t0;
    q->spk_t1 = end;
  }
}

/* first token at or after t that ends the clause (a stop, or a sentence end) */
static int32_t clause_end(const kh__doc *d, int32_t t) {
  int32_t s = d->toks[t].sent;
  int32_t e = d->sents[s].t1;
  for (int32_t k = t; k < e; k++)
    if (d->toks[k].punct == KH__P_STOP) return k;
  return e;
}

/* Frame after a closing mark at token c: [،] … نے … VERB.  Returns the verb
** token or -1; sets the speaker. */
static int32_t frame_after(kh__doc *d, int32_t c, kh__quote *q) {
  int32_t k = c + 1;
  int32_t n = (int32_t)d->ntok;
  while (k < n && d->toks[k].punct == KH__P_COMMA) k++;
  int32_t start = k, last_ne = -1, verb = -1;
  for (; k < n && k - start < FRAME_MAX; k++) {
    const kh__tok *t = &d->toks[k];
    if (t->field != d->toks[c].field || t->punct == KH__P_STOP || t->punct == KH__P_QUOTE) break;
    if (t->wcls & KH__W_NE) last_ne = k;
    if ((t->wcls & KH__W_SAY) && last_ne >= 0) {
      int32_t j = k + 1;
      while (j < n && (d->toks[j].wcls & KH__W_AUX)) j++;
      if (j < n && (d->toks[j].wcls & KH__W_KI)) return -1; /* "…" X نے کہا کہ: a new quote */
      verb = k;
      break;
    }
    if ((t->wcls & KH__W_KAHNA) && k > start && (d->toks[k - 1].wcls & KH__W_GEN)) {
      last_ne = k - 1; /* X کا کہنا تھا */
      verb = k;
      break;
    }
  }
  if (verb < 0) return -1;
  q->spk_ment = -1;
  q->spk_t0 = q->spk_t1 = -1;
  /* a person or organisation named in the frame before نے */
  for (int32_t j = start; j < last_ne; j++) {
    int32_t m = kh__ment_at(d, j);
    if (is_speaker_ment(d, m) && d->ments[m].type != KH_ENT_LOC && !kin_ment(d, m)) {
      if (!title_holder(d, m, start, q)) q->spk_ment = m;
      return verb;
    }
  }
  int32_t m = kh__name_after(d, start, last_ne + 1);
  if (m >= 0 && kin_ment(d, m)) d->ments[m].dead = 1, m = -1;
  if (m >= 0) {
    q->spk_ment = m;
    return verb;
  }
  speaker_before(d, last_ne, start, q);
  return verb;
}

/* Frame before an opening mark at token o: X نے [Y سے] کہا [ہے] کہ "…" or … کہا: "…".
** Returns the verb token or -1. */
static int32_t frame_before(kh__doc *d, int32_t o, kh__quote *q) {
  int32_t k = o - 1;
  if (k < 0 || d->toks[k].field != d->toks[o].field) return -1;
  if (d->toks[k].punct == KH__P_COLON || d->toks[k].punct == KH__P_COMMA) k--;
  if (k >= 0 && (d->toks[k].wcls & KH__W_KI)) k--;
  while (k >= 0 && (d->toks[k].wcls & KH__W_AUX)) k--;
  if (k < 0 || !(d->toks[k].wcls & KH__W_SAY)) return -1;
  return k;
}

/* subject of a speech verb at v: X نے … v or X کا کہنا */
static void verb_speaker(kh__doc *d, int32_t v, kh__quote *q) {
  int32_t lo, hi;
  kh__clause(d, v, &lo, &hi);
  q->spk_ment = -1;
  q->spk_t0 = q->spk_t1 = -1;
  if ((d->toks[v].wcls & KH__W_KAHNA) && v - 1 >= lo && (d->toks[v - 1].wcls & KH__W_GEN)) {
    speaker_before(d, v - 1, lo, q);
    return;
  }
  for (int32_t k = v - 1; k >= lo && v - k <= 12; k--) {
    const kh__tok *t = &d->toks[k];
    if (t->punct == KH__P_STOP || t->punct == KH__P_QUOTE || (t->wcls & KH__W_KI)) return;
    if (t->wcls & KH__W_NE) {
      int32_t l2 = k;
      while (l2 > lo && d->toks[l2 - 1].punct != KH__P_STOP && d->toks[l2 - 1].punct != KH__P_QUOTE)
        l2--;
      speaker_before(d, k, l2, q);
      return;
    }
  }
}

static int is_opener(const kh__doc *d, int32_t t) {
  const kh__tok *k = &d->toks[t];
  const char *s = KH__TOKNORM(d, t);
  if (!strcmp(s, "\xE2\x80\x9C") || !strcmp(s, "\xC2\xAB") || !strcmp(s, "\xE2\x80\x98"))
    return 1; /* “ « ‘ */
  if (!strcmp(s, "\xE2\x80\x9D") || !strcmp(s, "\xC2\xBB") || !strcmp(s, "\xE2\x80\x99"))
    return 0; /* ” » ’ */
  /* ASCII ": an opener stands after a space (or at the start) before a non-space */
  const char *txt = d->text[k->field];
  size_t len = d->len[k->field];
  int space_before = k->start == 0 || txt[k->start - 1] == ' ' || txt[k->start - 1] == '\n' ||
                     txt[k->start - 1] == '(' || txt[k->start - 1] == '\t';
  int space_after = k->end >= len || txt[k->end] == ' ' || txt[k->end] == '\n';
  if (space_before && !space_after) return 1;
  if (!space_before && space_after) return 0;
  return -1; /* unknown */
}

typedef struct used {
  int32_t *v;
  size_t n, cap;
} used;

static int verb_used(const used *u, int32_t v) {
  for (size_t i = 0; i < u->n; i++)
    if (u->v[i] == v) return 1;
  return 0;
}

static void direct_quotes(kh__doc *d, used *u) {
  int32_t open = -1;
  for (int32_t t = 0; t < (int32_t)d->ntok && !d->rc; t++) {
    const kh__tok *k = &d->toks[t];
    if (k->punct != KH__P_QUOTE || !strcmp(KH__TOKNORM(d, t), "'")) continue;
    if (open >= 0 && d->toks[open].field != k->field) open = -1;
    int op = is_opener(d, t);
    if (op < 0) op = open < 0;
    int32_t o = -1, c = -1;
    if (op) {
      if (open >= 0) { /* the previous opener was never closed: up to its clause end */
        o = open;
        c = clause_end(d, open + 1 < t ? open + 1 : open);
        if (c > t) c = t;
      }
      open = t;
    } else if (open >= 0) {
      o = open;
      c = t;
      open = -1;
    }
    if (o < 0 || c <= o + 1) continue;
    kh__quote q = {0};
    q.kitok = -1;
    int32_t v = frame_before(d, o, &q);
    if (v >= 0) verb_speaker(d, v, &q);
    else if (c < (int32_t)d->ntok && d->toks[c].punct == KH__P_QUOTE) v = frame_after(d, c, &q);
    if (v < 0 || verb_used(u, v)) continue;
    q.verb_tok = v;
    q.field = k->field;
    q.direct = 1;
    q.start = d->toks[o].end;
    q.end = d->toks[c - 1].end;
    q.sent = d->toks[v].sent;
    if (kh__grow((void **)&u->v, &u->cap, u->n + 1, sizeof *u->v, 1u << 20, &d->rc)) return;
    u->v[u->n++] = v;
    push_quote(d, &q);
  }
  /* an opener left at the end: a quote up to its clause end */
  if (open >= 0 && !d->rc) {
    kh__quote q = {0};
    int32_t c = clause_end(d, open);
    int32_t v = c > open + 1 ? frame_before(d, open, &q) : -1;
    if (v >= 0 && !verb_used(u, v)) {
      verb_speaker(d, v, &q);
      q.kitok = -1;
      q.verb_tok = v;
      q.field = d->toks[open].field;
      q.direct = 1;
      q.start = d->toks[open].end;
      q.end = d->toks[c - 1].end;
      q.sent = d->toks[v].sent;
      if (!kh__grow((void **)&u->v, &u->cap, u->n + 1, sizeof *u->v, 1u << 20, &d->rc)) {
        u->v[u->n++] = v;
        push_quote(d, &q);
      }
    }
  }
}

static void indirect_quotes(kh__doc *d, used *u) {
  for (int32_t v = 0; v < (int32_t)d->ntok && !d->rc; v++) {
    if (!(d->toks[v].wcls & KH__W_SAY) || verb_used(u, v)) continue;
    int32_t n = (int32_t)d->ntok, k = v + 1;
    while (k < n && (d->toks[k].wcls & KH__W_AUX) && k - v <= 2) k++;
    kh__quote q = {0};
    q.verb_tok = v;
    q.field = d->toks[v].field;
    q.sent = d->toks[v].sent;
    if (k < n && (d->toks[k].wcls & KH__W_KI) && d->toks[k].sent == d->toks[v].sent) {
      int32_t e = clause_end(d, k + 1 < n ? k + 1 : k);
      if (e <= k + 1) continue;
      verb_speaker(d, v, &q);
      if (q.spk_ment < 0 && q.spk_t0 < 0) continue; /* no frame: کہا جاتا ہے کہ … */
      q.kitok = k;
      q.start = d->toks[k + 1].start;
      q.end = d->toks[e - 1].end;
      push_quote(d, &q);
      continue;
    }
    /* "…، X نے Y کو بتایا۔": the clause before the frame is what was said */
    if (k < n && d->toks[k].punct != KH__P_STOP && d->toks[k].sent == d->toks[v].sent) continue;
    verb_speaker(d, v, &q);
    if (q.spk_ment < 0 && q.spk_t0 < 0) continue;
    int32_t lo, hi;
    kh__clause(d, v, &lo, &hi);
    int32_t from = q.spk_ment >= 0 ? d->ments[q.spk_ment].t0 : q.spk_t0;
    int32_t comma = -1;
    for (int32_t j = from - 1; j > lo; j--)
      if (d->toks[j].punct == KH__P_COMMA) {
        comma = j;
        break;
      } else if (d->toks[j].punct == KH__P_QUOTE || d->toks[j].punct == KH__P_STOP) {
        break;
      }
    if (comma < 0) continue;
    /* the speaker phrase runs from the comma to نے */
    if (q.spk_ment < 0) {
      int32_t ne = from;
      while (ne < v && !(d->toks[ne].wcls & KH__W_NE)) ne++;
      q.spk_t0 = comma + 1;
      q.spk_t1 = ne;
    }
    q.kitok = -1;
    q.start = d->toks[lo].start;
    q.end = d->toks[comma - 1].end;
    push_quote(d, &q);
  }
}

int kh__quotes_find(kh__doc *d) {
  used u = {0};
  direct_quotes(d, &u);
  indirect_quotes(d, &u);
  kh__free(u.v);
  /* text order */
  for (size_t i = 1; i < d->nquote; i++) {
    kh__quote q = d->quotes[i];
    size_t j = i;
    while (j > 0 && (d->quotes[j - 1].field > q.field ||
                     (d->quotes[j - 1].field == q.field && d->quotes[j - 1].start > q.start))) {
      d->quotes[j] = d->quotes[j - 1];
      j--;
    }
    d->quotes[j] = q;
  }
  return d->rc;
}
