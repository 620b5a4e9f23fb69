/*
** cli.h — shared by the khabar command's subcommands.  The CLI is a thin
** layer over the public header; each cli/cmd_*.c file implements a few
** subcommands listed in commands.h.
*/
#ifndef KH_CLI_H
#define KH_CLI_H

#include "khabar.h"
#include <stdio.h>

/* Read all of a stream into a malloc'd NUL-terminated buffer (cap
** KH_MAX_TEXT).  Returns NULL with a message on stderr on failure. */
char *cli_read_all(FILE *f, size_t *len);
/* Print "khabar: " + message to stderr; returns 1 (the exit code). */
int cli_error(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* An option with a value at argv[*i]: --name VALUE (then *i moves to the
** value) or --name=VALUE; NULL if argv[*i] is not that option.  A missing
** value exits with a message (status 2). */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name);
/* 1 if argv contains --help or -h. */
int cli_wants_help(int argc, char **argv);
/* Write s[0..n) to stdout as a JSON string literal. */
void cli_json_str(FILE *f, const char *s, size_t n);
/* Write "K":V to stdout, V a JSON string or null when NULL, after a comma
** when COMMA (every member of an object but its first). */
void cli_json_kv(const char *k, const char *v, int comma);
/* Database path: --db PATH in argv (removed from argv), else $KHABAR_DB,
** else ./khabar.db. */
const char *cli_db_path(int *argc, char **argv);

/* Warn on stderr when db was indexed by another tokenizer version (cmd_reindex.c). */
void cli_tokenizer_check(kh_db *db, const char *path);

/* khabar search --entity NAME [QUERY] (cli/cmd_analyze.c; cmd_search hands over). */
int cmd_search_entity(int argc, char **argv);

#define CMD(name, fn, summary) int fn(int argc, char **argv);
#include "commands.h"
#undef CMD

#endif
