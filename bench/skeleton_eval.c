/*
** skeleton_eval.c — how kh_skeleton groups the person names of
** lexicons/urduhack-words/ner/persons.txt: which distinct names it merges
** (collisions, some of them true spelling variants, the rest false merges)
** against the variant pairs one can find mechanically in the list (names
** that differ by one vowel letter ا و ی ے inside a word, or by ٹ/ت, ں/ن,
** ط/ت, ص/س/ث, ذ/ز/ض/ظ, ح/ہ in one place).  A vowel letter added at the
** start or end of a name usually makes another name (احمد/احمدی, خان/خانی),
** so those pairs are not counted as variants.  Peers in the same run: exact equality of
** the normalized name, equality of kh_romanize, and kh_skeleton with ج and
** چ merged (the question of شی جن پنگ vs شی چن پنگ).
**
**   ./build/bench/skeleton_eval [DATA_DIR] [--sample N]
**
** With --sample N it prints N random colliding pairs that are not
** mechanical variants (seeded, reproducible) for checking by hand.
*/
#include "khabar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 20000

typedef struct name {
  char *s;       /* normalized name */
  char *key[3];  /* keys under the three merging methods */
} name;

static name names[MAXN];
static size_t nn;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int find(const char *s) {
  size_t lo = 0, hi = nn;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(s, names[mid].s);
    if (!c) return (int)mid;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return -1;
}

/* Mechanical variant pairs (i < j), deduplicated through a simple bitset of pairs. */
typedef struct pair {
  int a, b;
} pair;
static pair vp[MAXN * 8];
static size_t nvp;

static void add_pair(int a, int b) {
  if (a == b || a < 0 || b < 0) return;
  if (a > b) { int t = a; a = b; b = t; }
  for (size_t i = 0; i < nvp; i++)
    if (vp[i].a == a && vp[i].b == b) return;
  if (nvp < sizeof vp / sizeof *vp) vp[nvp++] = (pair){a, b};
}

/* One-letter substitutions that are spelling variants of one sound. */
static const char *const subst[][2] = {
    {"ٹ", "ت"}, {"ں", "ن"}, {"ط", "ت"}, {"ص", "س"}, {"ث", "س"}, {"ذ", "ز"},
    {"ض", "ز"}, {"ظ", "ز"}, {"ح", "ہ"},
};
static const char *const vowels[] = {"ا", "و", "ی", "ے"};

static void variants_of(int i) {
  const char *s = names[i].s;
  size_t n = strlen(s);
  char buf[2048];
  if (n + 8 > sizeof buf) return;
  for (size_t p = 0; p < n; p++) {
    if (((unsigned char)s[p] & 0xC0) == 0x80) continue;
    for (size_t v = 0; v < 4; v++) /* delete one medial vowel letter */
      if (p > 0 && p + 2 < n && s[p - 1] != ' ' && s[p + 2] != ' ' && !strncmp(s + p, vowels[v], 2)) {
        memcpy(buf, s, p);
        strcpy(buf + p, s + p + 2);
        add_pair(i, find(buf));
      }
    for (size_t k = 0; k < sizeof subst / sizeof *subst; k++)
      if (!strncmp(s + p, subst[k][0], 2)) {
        memcpy(buf, s, p);
        memcpy(buf + p, subst[k][1], 2);
        strcpy(buf + p + 2, s + p + 2);
        add_pair(i, find(buf));
      }
  }
}

typedef struct ref {
  const char *key;
  int i;
} ref;

static int cmp_ref(const void *a, const void *b) {
  const ref *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : x->i - y->i;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned long long xorshift(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

int main(int argc, char **argv) {
  const char *data = getenv("KHABAR_DATA");
  long sample = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--sample") && i + 1 < argc) sample = atol(argv[++i]);
    else data = argv[i];
  }
  if (!data || !*data) data = "../shared/data";
  char path[4096];
  snprintf(path, sizeof path, "%s/lexicons/urduhack-words/ner/persons.txt", data);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "skeleton_eval: cannot open %s\n", path);
    return 1;
  }
  char line[4096];
  size_t lines = 0;
  static char *raw[MAXN];
  size_t nraw = 0;
  while (fgets(line, sizeof line, f) && nraw < MAXN) {
    lines++;
    char *out;
    size_t on;
    if (kh_normalize(line, strlen(line), &out, &on, NULL)) return 1;
    while (on && (out[on - 1] == ' ' || out[on - 1] == '\n')) out[--on] = 0;
    if (on) raw[nraw++] = strdup(out);
    kh_free(out);
  }
  fclose(f);
  qsort(raw, nraw, sizeof *raw, cmp_str);
  for (size_t i = 0; i < nraw; i++) {
    if (nn && !strcmp(names[nn - 1].s, raw[i])) {
      free(raw[i]);
      continue;
    }
    names[nn++].s = raw[i];
  }
  for (size_t i = 0; i < nn; i++) {
    char *k;
    size_t kn;
    const char *s = names[i].s;
    if (kh_skeleton(s, strlen(s), &k, &kn)) return 1;
    names[i].key[0] = strdup(k);
    for (char *c = k; *c; c++)
      if (*c == 'c') *c = 'j';
    names[i].key[1] = strdup(k);
    kh_free(k);
    if (kh_romanize(s, strlen(s), &k, &kn)) return 1;
    names[i].key[2] = strdup(k);
    kh_free(k);
  }
  for (size_t i = 0; i < nn; i++) variants_of((int)i);

  printf("persons.txt: %zu lines, %zu distinct normalized names; %zu mechanical variant pairs\n",
         lines, nn, nvp);
  printf("%-22s %8s %8s %9s %9s %10s %9s\n", "method", "keys", "groups", "in-groups", "pairs",
         "var.found", "other");
  printf("%-22s %8zu %8d %9d %9d %10s %9d\n", "exact (normalized)", nn, 0, 0, 0, "0", 0);
  static const char *mname[3] = {"kh_skeleton", "kh_skeleton + j=ch", "kh_romanize equal"};
  static ref refs[MAXN];
  static int mi_order[3] = {0, 1, 2};
  static char *other_a[MAXN * 4], *other_b[MAXN * 4];
  size_t nother = 0;
  for (int mi = 0; mi < 3; mi++) {
    int m = mi_order[mi];
    for (size_t i = 0; i < nn; i++) refs[i] = (ref){names[i].key[m], (int)i};
    qsort(refs, nn, sizeof *refs, cmp_ref);
    long keys = 0, groups = 0, ingroups = 0, pairs = 0, other = 0;
    for (size_t i = 0; i < nn;) {
      size_t j = i;
      while (j < nn && !strcmp(refs[j].key, refs[i].key)) j++;
      keys++;
      if (j - i > 1) {
        groups++;
        ingroups += (long)(j - i);
        pairs += (long)((j - i) * (j - i - 1) / 2);
        for (size_t a = i; a < j; a++)
          for (size_t b = a + 1; b < j; b++) {
            int x = refs[a].i < refs[b].i ? refs[a].i : refs[b].i;
            int y = refs[a].i < refs[b].i ? refs[b].i : refs[a].i;
            int mech = 0;
            for (size_t t = 0; t < nvp && !mech; t++) mech = vp[t].a == x && vp[t].b == y;
            if (!mech) {
              other++;
              if (m == 0 && nother < MAXN * 4) {
                other_a[nother] = names[x].s;
                other_b[nother++] = names[y].s;
              }
            }
          }
      }
      i = j;
    }
    long found = 0;
    for (size_t t = 0; t < nvp; t++)
      found += !strcmp(names[vp[t].a].key[m], names[vp[t].b].key[m]);
    char fs[32];
    snprintf(fs, sizeof fs, "%ld/%zu", found, nvp);
    printf("%-22s %8ld %8ld %9ld %9ld %10s %9ld\n", mname[m], keys, groups, ingroups, pairs, fs,
           other);
  }
  printf("(pairs: distinct names sharing a key; var.found: mechanical variant pairs sharing a key;\n"
         " other: colliding pairs that are not mechanical variants: true variants or false merges,\n"
         " to be judged by hand with --sample N)\n");
  /* long keys (>= 4 class letters) are where a collision means most */
  {
    long lp = 0, lo = 0;
    for (size_t t = 0; t < nother; t++) lo += strlen(names[find(other_a[t])].key[0]) >= 4;
    static ref r2[MAXN];
    for (size_t i = 0; i < nn; i++) r2[i] = (ref){names[i].key[0], (int)i};
    qsort(r2, nn, sizeof *r2, cmp_ref);
    for (size_t i = 0; i < nn;) {
      size_t j = i;
      while (j < nn && !strcmp(r2[j].key, r2[i].key)) j++;
      if (strlen(r2[i].key) >= 4) lp += (long)((j - i) * (j - i - 1) / 2);
      i = j;
    }
    printf("kh_skeleton keys of >= 4 letters: %ld colliding pairs, %ld of them 'other'\n", lp, lo);
  }
  if (sample > 0 && nvp) {
    printf("sample of %ld mechanical variant pairs (key a, key b):\n", sample / 2);
    for (long s = 0; s < sample / 2; s++) {
      size_t t = (size_t)(xorshift() % nvp);
      printf("  %s\t%s\t%s\t%s\n", names[vp[t].a].s, names[vp[t].b].s, names[vp[t].a].key[0],
             names[vp[t].b].key[0]);
    }
  }
  if (sample > 0 && nother) {
    printf("sample of %ld kh_skeleton 'other' pairs:\n", sample);
    for (long s = 0; s < sample; s++) {
      size_t t = (size_t)(xorshift() % nother);
      printf("  %s\t%s\t%s\n", other_a[t], other_b[t], names[find(other_a[t])].key[0]);
    }
  }
  return 0;
}
