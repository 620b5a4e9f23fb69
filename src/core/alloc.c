/*
** alloc.c — the single allocation hook of libkhabar (STYLE 9).  Tests set
** a hook that fails the Nth allocation; the library must return KH_ENOMEM
** cleanly, never abort.
*/
#include "core.h"

#include <stdlib.h>

static void *default_realloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  return realloc(p, n);
}

static kh_realloc_fn g_fn = default_realloc;
static void *g_ud = NULL;

void kh_set_allocator(kh_realloc_fn fn, void *ud) {
  g_fn = fn ? fn : default_realloc;
  g_ud = fn ? ud : NULL;
}

void kh_free(void *p) {
  if (p) g_fn(g_ud, p, 0);
}

void *kh__realloc(void *p, size_t n) {
  if (n == 0) {
    kh_free(p);
    return NULL;
  }
  return g_fn(g_ud, p, n);
}

void *kh__malloc(size_t n) { return kh__realloc(NULL, n ? n : 1); }

void *kh__calloc(size_t count, size_t size) {
  if (size && count > (size_t)-1 / size) return NULL;
  size_t n = count * size;
  void *p = kh__malloc(n);
  if (p) memset(p, 0, n ? n : 1);
  return p;
}

int kh__grow(void **p, size_t *cap, size_t need, size_t elem, size_t max, int *rc) {
  if (*rc) return *rc;
  if (need <= *cap) return 0;
  if (max > (size_t)-1 / elem) max = (size_t)-1 / elem;
  if (need > max) return *rc = KH_ETOOBIG;
  size_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  if (c > max) c = max;
  void *q = kh__realloc(*p, c * elem);
  if (!q) return *rc = KH_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

char *kh__strndup(const char *s, size_t n) {
  char *p = kh__malloc(n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

const char *kh__stristr(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && lower((unsigned char)hay[i]) == lower((unsigned char)needle[i])) i++;
    if (i == n) return hay;
  }
  return n ? NULL : hay;
}
