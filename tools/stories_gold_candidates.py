#!/usr/bin/env python3
"""stories_gold_candidates.py — candidate cross-outlet same-story groups from
pk-news-2024, for building tests/fixtures/stories_gold.tsv by hand.

How: titles are split into words (punctuation stripped); a word is "rare" if
at most 15 of the 2,541 articles use it in their title.  Two articles from
DIFFERENT outlets are a candidate pair when their titles share >= 3 rare words,
or >= 2 rare words and their bodies' rare-word (df <= 30) Jaccard is >= 0.12.
Candidate pairs are joined into groups (connected components).  This uses the
titles and plain word sets only, not khabar's tokenizer or story clustering.

Then a person reads each group's titles and keeps only the articles reporting
the same event (see the header of tests/fixtures/stories_gold.tsv).

  python3 tools/stories_gold_candidates.py ../shared/data > /tmp/candidates.tsv

--body (the second generator, for gold v2): pairs from different outlets
whose bodies' rare-word (df <= 30) Jaccard is >= 0.15 and that the title
criterion above does NOT propose, joined into groups the same way (303
pairs, 119 groups, 378 articles); a third column gives the gold group an
article already has.

  python3 tools/stories_gold_candidates.py ../shared/data --body > /tmp/candidates2.tsv
"""
import json, re, sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if a != "--body"]
body_mode = "--body" in sys.argv[1:]
data = args[0] if args else "../shared/data"
arts = [json.loads(l) for l in open(f"{data}/pk-news-2024/pk-news-2024.jsonl", encoding="utf-8")]
split = re.compile(r"[\s\.,!?؟۔،؛:\"'()\[\]“”‘’\-–—…|/]+")
def words(t): return {w for w in split.split(t or "") if len(w) > 1}
tw = [words(a["title"]) for a in arts]
bw = [words(a["body"]) for a in arts]
tdf, bdf = defaultdict(int), defaultdict(int)
for s in tw:
    for w in s: tdf[w] += 1
for s in bw:
    for w in s: bdf[w] += 1
rt = [{w for w in s if tdf[w] <= 15} for s in tw]
rb = [{w for w in s if bdf[w] <= 30} for s in bw]
index = defaultdict(list)
for i, s in enumerate(rt):
    for w in s: index[w].append(i)
parent = list(range(len(arts)))
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]; x = parent[x]
    return x
pairs = 0
for i in range(len(arts)):
    cand = defaultdict(int)
    for w in rt[i]:
        for j in index[w]:
            if j > i: cand[j] += 1
    for j, c in cand.items():
        if arts[i]["source"] == arts[j]["source"]: continue
        jac = len(rb[i] & rb[j]) / max(1, len(rb[i] | rb[j]))
        if not body_mode and (c >= 3 or (c >= 2 and jac >= 0.12)):
            parent[find(j)] = find(i); pairs += 1
if body_mode:
    bindex = defaultdict(list)
    for i, s in enumerate(rb):
        for w in s: bindex[w].append(i)
    for i in range(len(arts)):
        shared = defaultdict(int)
        for w in rb[i]:
            for j in bindex[w]:
                if j > i: shared[j] += 1
        for j, c in shared.items():
            if arts[i]["source"] == arts[j]["source"]: continue
            jac = c / max(1, len(rb[i] | rb[j]))
            tc = len(rt[i] & rt[j])
            if tc >= 3 or (tc >= 2 and jac >= 0.12): continue  # the title generator's pairs
            if jac >= 0.15:
                parent[find(j)] = find(i); pairs += 1
    gold = {}
    import os
    gpath = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "stories_gold.tsv")
    for l in open(gpath, encoding="utf-8"):
        if l[0] != "#" and l.strip():
            f = l.split("\t"); gold[f[1]] = f[0]
groups = defaultdict(list)
for i in range(len(arts)): groups[find(i)].append(i)
out = [g for g in groups.values() if len(g) > 1]
out.sort(key=lambda g: -len(g))
print(f"# {pairs} candidate pairs, {len(out)} groups, {sum(map(len, out))} articles", file=sys.stderr)
for k, g in enumerate(out, 1):
    for i in g:
        if body_mode:
            print(f"{k}\t{arts[i]['id']}\t{gold.get(arts[i]['id'], '')}\t{arts[i]['title']}")
        else:
            print(f"{k}\t{arts[i]['id']}\t{arts[i]['title']}")
