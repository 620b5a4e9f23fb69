/* commands.h — the khabar subcommands: CMD(name, function, one-line summary).
** Each layer's file adds its lines here. */
CMD("normalize", cmd_normalize, "normalize Urdu text (stdin -> stdout)")
CMD("tokens", cmd_tokens, "tokenize stdin, one token a line (--json)")
CMD("sentences", cmd_sentences, "split stdin into sentences, one a line")
CMD("romanize", cmd_romanize, "romanize Urdu text (--skeleton for name keys)")
CMD("stem", cmd_stem, "stem or lemmatize words, one a line (--lemma)")
CMD("ingest", cmd_ingest, "store articles: JSON Lines, CSV, a folder of .txt, or - (stdin)")
CMD("search", cmd_search, "full-text search of the stored articles (--json)")
CMD("analyze", cmd_analyze, "add entities, quotes and events to JSONL articles (no database)")
CMD("reuse", cmd_reuse, "articles sharing text with one (WD/PD/ND, passages); --pairs FILE")
CMD("dups", cmd_dups, "groups of near-identical articles (--json)")
CMD("stories", cmd_stories, "stories: clusters of articles about one event (--json)")
CMD("story", cmd_story, "one story: label, sources, summary, articles (--json)")
