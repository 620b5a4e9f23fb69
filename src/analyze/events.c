/*
** events.c — meetings, talks, visits and receptions, coded in CAMEO:
**   040 consult (ملاقات، بات چیت، مذاکرات)          042 make a visit (دورہ، پہنچے)
**   043 host a visit (استقبال، میزبانی)              044 meet at a third place
** (a summit's sidelines, کے موقع پر, or a place in neither side's country).
**
** For each trigger word the participants come from the frame around it:
**   X نے Y، Z اور W سے ملاقات کی      subject X, one event with each of Y, Z, W
**   X اور Y کے درمیان ملاقات           both
**   X … Y کے ساتھ بات چیت کے لیے بیجنگ پہنچے   talks X–Y, visit X -> Beijing
**   Y سے ملاقات سے قبل X نے …            the نے subject may follow the trigger
** The place is a location at the trigger (بیجنگ پہنچے، چین کا دورہ) or with میں in
** the sentence, else the previous event's place, else the dateline
** (کراچی، آستانہ (اے ایف پی) -> Astana).  The date: a weekday with کو is the
** last such day on or before the article's date, or the next one after it
** when the sentence is in the future tense (گے، والے ہیں); آج is the date itself.
*/
#include "analyze.h"

#include <limits.h>

/* Cue words kept here, not in words.c: the tagger's features include each
** token's word class, so a new entry there would change every NER decision. */
const char *const kh__kin_words[] = {"اہل", "اہلِ", "اہلخانہ", "والد", "والدہ", "والدین", "اہلیہ",
                                     "بیوی", "شوہر", "بیٹا", "بیٹی", "بیٹے", "بھائی", "بہن",
                                     "لواحقین", "خاندان", "ورثا", "ورثاء", NULL};
/* a name followed by one of these is a place (علامہ اقبال انٹرنیشنل ائیرپورٹ) */
static const char *const facility_words[] = {"انٹرنیشنل", "ائیرپورٹ", "ایئرپورٹ", "ایئر", "ائیر",
                                             "اسٹیڈیم", "سٹیڈیم", "یونیورسٹی", "اسپتال", "ہسپتال",
                                             "کالج", "روڈ", "ٹرافی", "ایوارڈ", NULL};
/* talking to these is an interview, not a meeting (میڈیا سے گفتگو کرتے ہوئے) */
static const char *const media_words[] = {"میڈیا", "صحافیوں", "صحافی", "نمائندوں", "نمائندے", "نیوز",
                                          "چینل", "اخبار", "پریس", "ٹرانسمیشن", "پروگرام", "انٹرویو",
                                          "پوڈکاسٹ", "شو", "نیوزسے", NULL};
/* "X سے گفتگو کی خواہش": a wish, not an event */
static const char *const intent_words[] = {"خواہش", "ارادہ", "امکان", "دعوت", "پیشکش", NULL};

int kh__tok_in(const kh__doc *d, int32_t t, const char *const *list) {
  if (t < 0 || (size_t)t >= d->ntok) return 0;
  const char *s = KH__TOKNORM(d, t);
  for (; *list; list++)
    if (!strcmp(s, *list)) return 1;
  return 0;
}

int kh__in_readmore(const kh__doc *d, int32_t t) {
  const kh__sent *s = &d->sents[d->toks[t].sent];
  int32_t k = s->t0;
  for (; k < s->t0 + 4 && k < s->t1; k++)
    if (!strcmp(KH__TOKNORM(d, k), "پڑھیں") || !strcmp(KH__TOKNORM(d, k), "پڑھیے")) break;
  if (k >= s->t0 + 4 || k >= s->t1 || k + 1 >= s->t1 ||
      (d->toks[k + 1].punct != KH__P_COLON && d->toks[k + 1].punct != KH__P_OTHER))
    return 0;
  if (t <= k) return 1;
  for (int32_t j = k + 2; j < s->t1; j++) {
    if (j >= t) return 1; /* the headline has not ended before t */
    if ((d->toks[j].wcls & (KH__W_AUX | KH__W_FUT)) && j + 1 < s->t1 && !(d->toks[j + 1].wcls & (KH__W_AUX | KH__W_FUT)))
      return 0; /* ... پھنس گیا | رچرڈ تھامسن نے ... */
  }
  return 1;
}

/* a person mention followed by a facility word names a place */
static int facility_name(const kh__doc *d, int32_t m) {
  return kh__tok_in(d, d->ments[m].t1, facility_words);
}

typedef struct list {
  int32_t m[KH_EVENT_MAX_ACTORS];
  uint32_t n;
} list;

static void list_add(const kh__doc *d, list *l, int32_t m) {
  for (uint32_t i = 0; i < l->n; i++) {
    const kh__ment *a = &d->ments[l->m[i]], *b = &d->ments[m];
    if (l->m[i] == m || (a->gent >= 0 && a->gent == b->gent)) return;
  }
  if (l->n < KH_EVENT_MAX_ACTORS) l->m[l->n++] = m;
}

static int actor_ment(const kh__doc *d, int32_t m) {
  return m >= 0 && (d->ments[m].type == KH_ENT_PER || d->ments[m].type == KH_ENT_ORG);
}

static int tok_is(const kh__doc *d, int32_t t, const char *w) {
  return t >= 0 && (size_t)t < d->ntok && d->toks[t].nlen == strlen(w) && !memcmp(KH__TOKNORM(d, t), w, d->toks[t].nlen);
}

/* A news outlet (ایکسپریس نیوز، جیو نیوز، بی بی سی): talking to one is an
** interview, not a meeting. */
static int media(const kh__doc *d, int32_t m) {
  static const char *const words[] = {"نیوز", "ٹی", "چینل", "اخبار", "ٹائمز", "بی بی سی", "رائٹرز", "اے ایف پی", "سی این این", "ڈان"};
  if (d->ments[m].type != KH_ENT_ORG) return 0;
  for (int32_t t = d->ments[m].t0; t < d->ments[m].t1; t++)
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
      if (tok_is(d, t, words[k])) return 1;
  const char *e = d->ments[m].gent >= 0 ? d->a->ents[d->ments[m].gent].id : "";
  return !strcmp(e, "org:bbc") || !strcmp(e, "org:reuters") || !strcmp(e, "org:afp") || !strcmp(e, "org:cnn");
}

/* Not an event at this trigger (a "read more" link is kh__in_readmore): a
** heart attack (دل کا دورہ), a negated or wished-for one (دورہ نہیں کیا،
** گفتگو کی خواہش). */
static int not_event(const kh__doc *d, int32_t t, int32_t trig0) {
  const kh__sent *se = &d->sents[d->toks[t].sent];
  if (trig0 >= 2 && tok_is(d, trig0 - 1, "کا") && tok_is(d, trig0 - 2, "دل")) return 1;
  for (int32_t j = t + 1; j < se->t1 && j <= t + 3; j++) {
    if (tok_is(d, j, "نہیں") || tok_is(d, j, "نہ") || tok_is(d, j, "خواہش")) return 1;
    if (d->toks[j].punct) break;
  }
  return 0;
}

/* Collect a coordinated list of actors ending at token k (inclusive), going
** back: names joined by ، and اور, with titles, demonyms and "X کے صدور" in
** between.  Returns the first token not taken. */
static int32_t collect_back(const kh__doc *d, int32_t k, int32_t lo, list *out) {
  int32_t start = k;
  while (k >= lo && start - k < 40) {
    const kh__tok *t = &d->toks[k];
    int32_t m = kh__ment_at(d, k);
    if (m >= 0) {
      /* an organisation inside a title (چیئرمین پی سی بی محسن نقوی، سیکریٹری
      ** جنرل X ایسوسی ایشن ڈاکٹر Y) is not an actor, nor is a possessor once a
      ** name is taken (ٹرمپ کے مشیر ایلون مسک، اے ڈی بی کے صدر Y) */
      int32_t after = d->ments[m].t1;
      while ((size_t)after < d->ntok && (d->toks[after].wcls & KH__W_TITLE)) after++;
      int title = d->ments[m].type != KH_ENT_PER && (size_t)after < d->ntok && kh__ment_at(d, after) >= 0 &&
                  d->ments[kh__ment_at(d, after)].type == KH_ENT_PER;
      /* (X کا Y سے گفتگو: X is a person talking, not an owner) */
      int owner = out->n && (size_t)d->ments[m].t1 + 1 < d->ntok && (d->toks[d->ments[m].t1].wcls & KH__W_GEN) &&
                  (d->ments[m].type != KH_ENT_PER || (d->toks[d->ments[m].t1 + 1].wcls & KH__W_TITLE));
      if (actor_ment(d, m) && !title && !owner && !media(d, m) && !facility_name(d, m)) list_add(d, out, m);
      k = d->ments[m].t0 - 1;
      continue;
    }
    if (t->punct == KH__P_COMMA ||
        (t->wcls & (KH__W_AND | KH__W_TITLE | KH__W_DEMONYM | KH__W_GEN | KH__W_ALSO))) {
      k--;
      continue;
    }
    break;
  }
  /* the list is read backwards: restore text order */
  for (uint32_t i = 0; i < out->n / 2; i++) {
    int32_t x = out->m[i];
    out->m[i] = out->m[out->n - 1 - i];
    out->m[out->n - 1 - i] = x;
  }
  return k;
}

static int32_t dateline(const kh__doc *d) {
  /* first body sentence: LOC، LOC ( … */
  int32_t last = -1;
  for (size_t t = 0; t < d->ntok; t++) {
    if (d->toks[t].field != KH_FIELD_BODY) continue;
    int32_t m = kh__ment_at(d, (int32_t)t);
    if (m >= 0 && d->ments[m].type == KH_ENT_LOC) {
      last = m;
      t = (size_t)d->ments[m].t1 - 1;
      continue;
    }
    if (d->toks[t].punct == KH__P_COMMA) continue;
    if (d->toks[t].punct == KH__P_OPEN) return last;
    return -1;
  }
  return -1;
}

static const char *country_of(const kh__doc *d, int32_t m) {
  if (m < 0 || d->ments[m].gent < 0) return NULL;
  return d->a->ents[d->ments[m].gent].country;
}

static int in_direct_quote(const kh__doc *d, int32_t t) {
  for (size_t i = 0; i < d->nquote; i++) {
    const kh__quote *q = &d->quotes[i];
    if (q->direct && q->field == d->toks[t].field && d->toks[t].start >= q->start &&
        d->toks[t].end <= q->end)
      return 1;
  }
  return 0;
}

static void when(const kh__doc *d, int32_t lo, int32_t hi, kh__event *e) {
  e->when_tok = -1;
  e->days = INT32_MIN;
  int future = 0, wd = -1, rel = INT32_MIN;
  for (int32_t k = lo; k < hi; k++) {
    const kh__tok *t = &d->toks[k];
    if (t->wcls & KH__W_FUT) future = 1;
    if ((t->wcls & KH__W_FUNC) && t->wval == 1 && k + 1 < hi && (d->toks[k + 1].wcls & KH__W_AUX))
      future = 1; /* کرنے والے ہیں */
    if (e->when_tok >= 0) continue;
    if ((t->wcls & KH__W_WEEKDAY) && k + 1 < hi && (d->toks[k + 1].wcls & KH__W_KO)) {
      e->when_tok = k;
      wd = t->wval;
    } else if (t->wcls & KH__W_TODAY) {
      e->when_tok = k;
      rel = 0;
    } else if ((t->wcls & KH__W_YESTERDAY) && k > lo && (d->toks[k - 1].wcls & KH__W_FUNC)) {
      e->when_tok = k; /* گزشتہ روز */
      rel = -1;
    }
  }
  if (d->pub_days == INT32_MIN) return;
  if (rel != INT32_MIN) {
    e->days = d->pub_days + rel;
  } else if (wd >= 0) {
    int pubwd = (int)(((d->pub_days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday (3) */
    int back = (pubwd - wd + 7) % 7;
    e->days = future ? d->pub_days + ((wd - pubwd + 7) % 7 ? (wd - pubwd + 7) % 7 : 7)
                     : d->pub_days - back;
  }
}

static int push_event(kh__doc *d, const kh__event *e) {
  /* one event per (type, actors, place, day): an article tells one meeting
  ** more than once */
  for (size_t i = 0; i < d->nevent; i++) {
    const kh__event *o = &d->events[i];
    if (o->type != e->type || o->n_actors != e->n_actors || o->days != e->days) continue;
    if (o->place != e->place && (o->place < 0 || e->place < 0 ||
                                 d->ments[o->place].gent != d->ments[e->place].gent ||
                                 d->ments[o->place].gent < 0))
      continue;
    if (d->toks[o->trig].field != d->toks[e->trig].field) continue;
    if (o->days == INT32_MIN && (o->when_tok >= 0) == (e->when_tok >= 0) && o->when_tok >= 0 &&
        d->toks[o->when_tok].h != d->toks[e->when_tok].h)
      continue; /* منگل and بدھ without an article date: two meetings */
    int same = 1;
    for (uint32_t k = 0; k < e->n_actors && same; k++) {
      int found = 0;
      for (uint32_t j = 0; j < o->n_actors; j++) {
        const kh__ment *a = &d->ments[o->actors[j]], *b = &d->ments[e->actors[k]];
        if (o->actors[j] == e->actors[k] || (a->gent >= 0 && a->gent == b->gent)) found = 1;
      }
      same = found;
    }
    if (same) return 0;
  }
  if (kh__grow((void **)&d->events, &d->capevent, d->nevent + 1, sizeof *d->events, 1u << 20,
               &d->rc))
    return d->rc;
  d->events[d->nevent++] = *e;
  return 0;
}

int kh__events_find(kh__doc *d) {
  int32_t line = dateline(d);
  int32_t last_place = -1, last_subject = -1;
  for (int32_t t = 0; t < (int32_t)d->ntok && !d->rc; t++) {
    const kh__tok *tk = &d->toks[t];
    uint32_t cls = tk->wcls & (KH__W_MEET | KH__W_VISIT | KH__W_HOST);
    if (!cls) continue;
    int type = (cls & KH__W_MEET) ? KH_EVT_MEET : (cls & KH__W_VISIT) ? KH_EVT_VISIT : KH_EVT_HOST;
    /* چیت only in بات چیت */
    int32_t trig0 = t;
    if (!strcmp(KH__TOKNORM(d, t), "چیت")) {
      if (t == 0 || strcmp(KH__TOKNORM(d, t - 1), "بات")) continue;
      trig0 = t - 1;
    }
    if (in_direct_quote(d, t) || kh__in_readmore(d, t) || not_event(d, t, trig0)) continue;
    int32_t s = tk->sent, lo, hi;
    kh__clause(d, t, &lo, &hi);
    const char *tn = KH__TOKNORM(d, t);
    int tour = type == KH_EVT_VISIT && strncmp(tn, "پہنچ", strlen("پہنچ")); /* دورہ، دورے، دورۂ */
    /* "دورہ آسٹریلیا سے قبل X نے ...": a tour's name; a نے subject after it is
    ** rarely the one who tours */
    int tour_name = tour && t + 1 < hi && kh__ment_at(d, t + 1) >= 0 &&
                    d->ments[kh__ment_at(d, t + 1)].type == KH_ENT_LOC &&
                    !(d->ments[kh__ment_at(d, t + 1)].t1 < hi &&
                      (d->toks[d->ments[kh__ment_at(d, t + 1)].t1].wcls & KH__W_GEN)); /* دورہ آسٹریلیا کے ... X نے */
    /* "X سے گفتگو کی خواہش": an intention, not an event */
    if (t + 2 < hi && (d->toks[t + 1].wcls & KH__W_GEN) && kh__tok_in(d, t + 2, intent_words)) continue;
    /* the clause of the event starts after a کہ before the trigger (X نے کہا کہ ...) */
    int32_t ki = -1;
    for (int32_t j = trig0 - 1; j >= lo; j--)
      if (d->toks[j].wcls & KH__W_KI) {
        ki = j;
        break;
      }
    list subj = {{0}, 0}, obj = {{0}, 0};
    int between = 0, at_trigger = 0;
    int32_t place = -1;
    /* the frame before the trigger */
    int32_t k = trig0 - 1;
    while (k >= lo && (d->toks[k].wcls & (KH__W_MODIFIER | KH__W_ALSO)) && trig0 - k <= 3) k--;
    /* Y سے واشنگٹن میں ملاقات: the place, then the frame before it */
    if (k - 1 >= lo && tok_is(d, k, "میں") && kh__ment_at(d, k - 1) >= 0 &&
        d->ments[kh__ment_at(d, k - 1)].type == KH_ENT_LOC && d->ments[kh__ment_at(d, k - 1)].t0 - 1 >= lo &&
        (d->toks[d->ments[kh__ment_at(d, k - 1)].t0 - 1].wcls & KH__W_SE)) {
      place = kh__ment_at(d, k - 1);
      k = d->ments[place].t0 - 1;
    }
    if (k >= lo) {
      int32_t m = kh__ment_at(d, k);
      if (m >= 0 && d->ments[m].type == KH_ENT_LOC) { /* بیجنگ پہنچے */
        place = m;
        at_trigger = 1;
      } else if (d->toks[k].wcls & KH__W_SE) {
        collect_back(d, k - 1, lo, &obj);
      } else if ((d->toks[k].wcls & KH__W_WITH) && k - 1 >= lo && (d->toks[k - 1].wcls & KH__W_GEN)) {
        collect_back(d, k - 2, lo, &obj);
      } else if ((d->toks[k].wcls & KH__W_BETWEEN) && k - 1 >= lo &&
                 (d->toks[k - 1].wcls & KH__W_GEN)) {
        collect_back(d, k - 2, lo, &obj);
        between = 1;
      } else if (d->toks[k].wcls & KH__W_GEN) {
        int32_t pm = kh__ment_at(d, k - 1);
        if (pm >= 0 && d->ments[pm].type == KH_ENT_LOC) place = pm, at_trigger = 1; /* چین کا دورہ */
        else if (type == KH_EVT_HOST) collect_back(d, k - 1, lo, &obj); /* Y کا استقبال */
        else collect_back(d, k - 1, lo, &subj);                          /* X کا دورہ */
      }
    }
    /* the subject: a نے list before the trigger, else after it, else the nominative */
    if (!between && !subj.n) {
      int32_t ne = -1;
      for (int32_t j = trig0 - 1; j >= lo; j--) {
        if (d->toks[j].punct == KH__P_STOP || (d->toks[j].wcls & KH__W_KI)) break;
        if (d->toks[j].wcls & KH__W_NE) {
          ne = j;
          break;
        }
      }
      if (ne < 0 && !tour_name)
        for (int32_t j = t + 1; j < hi; j++) {
          if (d->toks[j].punct == KH__P_STOP || (d->toks[j].wcls & KH__W_KI)) break;
          if (d->toks[j].wcls & KH__W_NE) {
            ne = j;
            break;
          }
        }
      if (ne >= 0) {
        collect_back(d, ne - 1, lo, &subj);
        if (!subj.n && ne - 1 >= lo && (d->toks[ne - 1].wcls & KH__W_PRON) && last_subject >= 0)
          list_add(d, &subj, last_subject);
      } else {
        for (int32_t j = ki >= 0 ? ki + 1 : lo; j < trig0; j++) {
          int32_t m = kh__ment_at(d, j);
          if (m >= 0 && d->ments[m].type == KH_ENT_PER) {
            int32_t after = d->ments[m].t1;
            uint32_t c = after < hi ? d->toks[after].wcls : 0;
            int in_obj = 0;
            for (uint32_t q = 0; q < obj.n; q++) in_obj |= obj.m[q] == m;
            if (!in_obj && !facility_name(d, m) &&
                !(c & (KH__W_SE | KH__W_KO | KH__W_GEN | KH__W_LOCPOST | KH__W_NE))) {
              list_add(d, &subj, m);
              break;
            }
            j = after - 1;
          } else if (j == lo && (d->toks[j].wcls & KH__W_PRON)) {
            int32_t ps = last_subject; /* وہ …: the last subject, else the last person named */
            for (int32_t q = lo - 1; ps < 0 && q >= 0 && d->toks[q].field == tk->field; q--) {
              int32_t pm = kh__ment_at(d, q);
              if (pm >= 0 && d->ments[pm].type == KH_ENT_PER) {
                int in_obj = 0;
                for (uint32_t z = 0; z < obj.n; z++)
                  in_obj |= obj.m[z] == pm || (d->ments[obj.m[z]].gent >= 0 && d->ments[obj.m[z]].gent == d->ments[pm].gent);
                if (!in_obj) ps = pm;
              }
            }
            if (ps >= 0) list_add(d, &subj, ps);
            break;
          }
        }
        if (!subj.n && ki >= 0 && type == KH_EVT_MEET) { /* X نے کہا کہ ... سے ملاقات ہوئی: X met */
          for (size_t qi = 0; qi < d->nquote; qi++)
            if (d->quotes[qi].kitok == ki && d->quotes[qi].spk_ment >= 0 &&
                d->ments[d->quotes[qi].spk_ment].type == KH_ENT_PER)
              list_add(d, &subj, d->quotes[qi].spk_ment);
        }
        if (!subj.n && !obj.n && type == KH_EVT_VISIT && last_subject >= 0 &&
            (trig0 > lo && (d->toks[trig0 - 1].wcls & (KH__W_FUNC | KH__W_MODIFIER))))
          list_add(d, &subj, last_subject); /* اپنے دو روزہ دورے کے دوران */
      }
    }
    /* place: at the trigger, else where a visit in this sentence arrives
    ** (بات چیت کے لیے بیجنگ پہنچے), else a location with میں in the trigger's
    ** comma-clause */
    if (place < 0)
      for (int32_t j = lo + 1; j < hi && place < 0; j++)
        if ((d->toks[j].wcls & KH__W_VISIT) && kh__ment_at(d, j - 1) >= 0 &&
            d->ments[kh__ment_at(d, j - 1)].type == KH_ENT_LOC)
          place = kh__ment_at(d, j - 1);
    if (place < 0) {
      int32_t best = -1, dist = INT32_MAX, clo = t, chi = t;
      while (clo > lo && d->toks[clo - 1].punct != KH__P_COMMA) clo--;
      while (chi < hi && d->toks[chi].punct != KH__P_COMMA) chi++;
      for (int32_t j = clo; j < chi; j++) {
        int32_t m = kh__ment_at(d, j);
        if (m < 0 || d->ments[m].type != KH_ENT_LOC) continue;
        int32_t after = d->ments[m].t1;
        if (after < hi && (d->toks[after].wcls & KH__W_LOCPOST) && !strcmp(KH__TOKNORM(d, after), "میں")) {
          int32_t dd = j < t ? t - j : j - t;
          if (dd < dist) {
            dist = dd;
            best = m;
          }
        }
        j = after - 1;
      }
      place = best;
    }
    if (place < 0) place = last_place;
    for (int32_t j = lo - 1; place < 0 && j >= 0 && d->toks[j].field == tk->field; j--) {
      int32_t m = kh__ment_at(d, j); /* the setting: the last "X میں" before */
      if (m >= 0 && d->ments[m].type == KH_ENT_LOC && d->ments[m].t1 == j + 1 && j + 1 < (int32_t)d->ntok &&
          !strcmp(KH__TOKNORM(d, j + 1), "میں"))
        place = m;
    }
    if (place < 0) place = line;
    kh__event e = {0};
    e.type = (uint8_t)type;
    e.trig = t;
    e.sent = s;
    e.place = place;
    when(d, lo, hi, &e);
    int sideline = 0;
    /* "کے موقع پر" after an event (سربراہی اجلاس کے موقع پر), not "اس موقع پر" (on this occasion) */
    for (int32_t j = lo + 1; j < hi; j++)
      sideline |= (d->toks[j].wcls & KH__W_SIDELINE) && (d->toks[j - 1].wcls & KH__W_GEN);
    /* "reached" is an arrival only at a place (بیجنگ پہنچے, not 18 ارب ڈالر تک پہنچ);
    ** visits are made by people; a reception needs a guest */
    if (type == KH_EVT_VISIT && !strncmp(KH__TOKNORM(d, t), "پہنچ", strlen("پہنچ")) && !at_trigger) continue;
    if (type == KH_EVT_HOST && !obj.n) continue;
    if (type == KH_EVT_MEET && !subj.n && !between && obj.n >= 2) {
      int32_t a0 = d->ments[obj.m[0]].t1;
      if (a0 >= hi || !(d->toks[a0].wcls & KH__W_GEN) || d->ments[obj.m[0]].type != KH_ENT_PER)
        continue; /* Z کی X اور Y سے ملاقاتیں: Z unnamed, X and Y did not meet each other */
      /* X کی Y سے ملاقات: X is the subject */
      subj.m[0] = obj.m[0];
      subj.n = 1;
      for (uint32_t i = 1; i < obj.n; i++) obj.m[i - 1] = obj.m[i];
      obj.n--;
    }
    if (type == KH_EVT_MEET && (!strcmp(tn, "گفتگو") || !strcmp(tn, "چیت"))) {
      /* an interview or a talk on air (جیو نیوز سے گفتگو میں بتایا، میڈیا سے گفتگو کرتے ہوئے کہا) */
      int person = 0, media = trig0 >= 2 && (d->toks[trig0 - 1].wcls & KH__W_SE) &&
                                kh__tok_in(d, trig0 - 2, media_words);
      for (uint32_t i = 0; i < obj.n; i++) {
        const kh__ment *om = &d->ments[obj.m[i]];
        person |= om->type == KH_ENT_PER;
        media |= kh__tok_in(d, om->t1 - 1, media_words);
      }
      int says = 0;
      for (int32_t j = t + 1; j < hi && !says; j++) says = (d->toks[j].wcls & KH__W_SAY) != 0;
      if (media || (!person && says)) continue;
    }
    list all = {{0}, 0};
    for (uint32_t i = 0; i < subj.n; i++)
      if (type != KH_EVT_VISIT || d->ments[subj.m[i]].type == KH_ENT_PER) list_add(d, &all, subj.m[i]);
    for (uint32_t i = 0; i < obj.n; i++) list_add(d, &all, obj.m[i]);
    if (type == KH_EVT_MEET && all.n < 2) continue;
    if (all.n < 1) continue;
    if (all.n && subj.n) last_subject = all.m[0];
    if (place >= 0) last_place = place;
    /* CAMEO */
    const char *pc = country_of(d, place);
    int third = pc != NULL;
    for (uint32_t i = 0; i < all.n && third; i++) {
      const char *ac = country_of(d, all.m[i]);
      if (!ac || !strcmp(ac, pc)) third = 0;
    }
    e.cameo = type == KH_EVT_VISIT ? 42 : type == KH_EVT_HOST ? 43 : (sideline || third) ? 44 : 40;
    if (type == KH_EVT_MEET && subj.n == 1 && obj.n >= 2) {
      for (uint32_t i = 0; i < obj.n; i++) { /* one meeting per counterpart */
        e.actors[0] = subj.m[0];
        e.actors[1] = obj.m[i];
        e.n_actors = 2;
        const char *oc = country_of(d, obj.m[i]), *sc = country_of(d, subj.m[0]);
        int th = pc && oc && sc && strcmp(pc, oc) && strcmp(pc, sc);
        e.cameo = (sideline || th) ? 44 : 40;
        push_event(d, &e);
      }
      continue;
    }
    for (uint32_t i = 0; i < all.n; i++) e.actors[i] = all.m[i];
    e.n_actors = all.n;
    push_event(d, &e);
  }
  return d->rc;
}
