/*
** khabar_fts5.c — the loadable SQLite extension: khabar's Urdu tokenizer
** for FTS5 in anyone's SQLite.  SQLite derives the entry point from the
** file name build/khabar_fts5.so: "sqlite3_" + its letters + "_init" =
** sqlite3_khabarfts_init.
**
**   $ sqlite3
**   sqlite> .load build/khabar_fts5
**   sqlite> CREATE VIRTUAL TABLE t USING fts5(x, tokenize='khabar');
**   sqlite> INSERT INTO t VALUES ('پاکِستان کیلئے');
**   sqlite> SELECT * FROM t WHERE t MATCH 'پاکستان';
*/
#include "khabar.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

/* The entry point SQLite calls on .load / load_extension(). */
#ifdef __GNUC__
__attribute__((visibility("default")))
#endif
int sqlite3_khabarfts_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  if (kh_fts5_register(db) != 0) {
    if (errmsg) *errmsg = sqlite3_mprintf("khabar: this SQLite has no FTS5");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}
