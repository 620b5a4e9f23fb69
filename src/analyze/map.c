/*
** map.c — the analyze layer's small utilities: a hash map from 64-bit keys
** to int32 values (open addressing, linear probing; built once when the
** analyzer is created, read by every kh_analyze call), FNV-1a hashing of
** token text, and array growth with a hard cap.
**
**   kh__map m = {0}; int rc = 0;
**   kh__map_put(&m, kh__hash("روس", 6), 7, &rc);
**   kh__map_get(&m, kh__hash("روس", 6)) == 7
*/
#include "analyze.h"

uint64_t kh__hash(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h ? h : 1;
}

uint64_t kh__seq(uint64_t prev, uint64_t tok) {
  uint64_t z = prev * 0x9E3779B97F4A7C15ULL + tok;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z ? z : 1;
}

static void map_grow(kh__map *m, int *rc) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  uint64_t *keys = kh__calloc(cap, sizeof *keys);
  int32_t *vals = kh__calloc(cap, sizeof *vals);
  if (!keys || !vals) {
    kh__free(keys);
    kh__free(vals);
    *rc = KH_ENOMEM;
    return;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t j = (size_t)m->keys[i] & (cap - 1);
    while (keys[j]) j = (j + 1) & (cap - 1);
    keys[j] = m->keys[i];
    vals[j] = m->vals[i];
  }
  kh__free(m->keys);
  kh__free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
}

void kh__map_put(kh__map *m, uint64_t key, int32_t val, int *rc) {
  if (*rc) return;
  if ((m->n + 1) * 2 > m->cap) {
    map_grow(m, rc);
    if (*rc) return;
  }
  size_t j = (size_t)key & (m->cap - 1);
  while (m->keys[j] && m->keys[j] != key) j = (j + 1) & (m->cap - 1);
  if (!m->keys[j]) {
    m->keys[j] = key;
    m->n++;
  }
  m->vals[j] = val;
}

int32_t kh__map_get(const kh__map *m, uint64_t key) {
  if (!m->cap) return -1;
  size_t j = (size_t)key & (m->cap - 1);
  while (m->keys[j]) {
    if (m->keys[j] == key) return m->vals[j];
    j = (j + 1) & (m->cap - 1);
  }
  return -1;
}

void kh__map_free(kh__map *m) {
  kh__free(m->keys);
  kh__free(m->vals);
  memset(m, 0, sizeof *m);
}
