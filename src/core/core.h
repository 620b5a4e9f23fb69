/*
** core.h — internals shared by every layer of libkhabar: the allocation
** hook and a growable byte buffer with a sticky error (SQLite fts5_buffer.c
** style).  Internal names use the kh__ prefix.
**
**   kh__buf b = {0}; int rc = 0;
**   kh__buf_append(&b, "abc", 3, &rc);
**   kh__buf_appendc(&b, 'd', &rc);
**   if (rc) ...; kh__buf_free(&b);
*/
#ifndef KH_CORE_H
#define KH_CORE_H

#include "khabar.h"
#include <stdbool.h>
#include <string.h>

/* ---- Interface to code in alloc.c ---- */

/* realloc through the hook; n == 0 frees and returns NULL. */
void *kh__realloc(void *p, size_t n);
/* malloc through the hook (NULL on failure). */
void *kh__malloc(size_t n);
/* calloc through the hook (NULL on failure or overflow). */
void *kh__calloc(size_t count, size_t size);
/* Grow an array *p of elem-sized items to hold need items (doubling from
** 16, at most max items).  Returns 0, or sets and returns *rc (KH_ENOMEM,
** KH_ETOOBIG over max); does nothing once *rc is set. */
int kh__grow(void **p, size_t *cap, size_t need, size_t elem, size_t max, int *rc);
/* strndup through the hook. */
char *kh__strndup(const char *s, size_t n);
/* The first place needle occurs in hay, ASCII letters in any case; NULL if
** none (strcasestr without _GNU_SOURCE). */
const char *kh__stristr(const char *hay, const char *needle);
#define kh__free(p) kh_free(p)

/* ---- Interface to code in buf.c ---- */

typedef struct kh__buf {
  char *data;   /* bytes; NUL-terminated when len < cap */
  size_t len;   /* bytes used */
  size_t cap;   /* bytes allocated */
  size_t max;   /* hard cap (0 = KH_MAX_TEXT) */
} kh__buf;

/* Ensure room for extra more bytes (+1 for a NUL).  Sets *rc on failure;
** does nothing if *rc is already set. */
void kh__buf_reserve(kh__buf *b, size_t extra, int *rc);
void kh__buf_append(kh__buf *b, const char *s, size_t n, int *rc);
void kh__buf_appendc(kh__buf *b, char c, int *rc);
void kh__buf_appends(kh__buf *b, const char *s, int *rc);
/* Append a code point as UTF-8. */
void kh__buf_appendcp(kh__buf *b, uint32_t cp, int *rc);
/* Append printf-formatted text. */
void kh__buf_printf(kh__buf *b, int *rc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Append s as a JSON string literal (with quotes), escaping as needed. */
void kh__buf_json_str(kh__buf *b, const char *s, size_t n, int *rc);
/* The same as jansson's json_dumps writes it (\b \f by name, \u00XX). */
void kh__buf_json_dumps_str(kh__buf *b, const char *s, size_t n, int *rc);
/* Detach the data (NUL-terminated, owned by caller; never NULL on rc==0). */
char *kh__buf_detach(kh__buf *b, size_t *len, int *rc);
void kh__buf_free(kh__buf *b);
/* Drop ASCII white space (space, tab, CR, LF) from both ends of b. */
void kh__buf_trim(kh__buf *b);

/* Varints (LEB128: 7 bits a byte, low first, high bit = more).  kh__put_var
** writes v at p (at most 5 bytes) and returns the bytes written;
** kh__get_var reads one below end into *v and returns the byte after it, or
** NULL when it is cut short or longer than 5 bytes. */
size_t kh__put_var(unsigned char *p, uint32_t v);
const unsigned char *kh__get_var(const unsigned char *p, const unsigned char *end, uint32_t *v);

#endif
