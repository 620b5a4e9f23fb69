#!/usr/bin/env python3
"""ner_consistency.py — how consistent the IL-NER gold annotation is (gold only).

Usage (from the repository root):  python3 tools/ner_consistency.py ../shared/data [--list N]

Reads ner/il-ner/Urdu-train.txt and Urdu-dev.txt (token TAB BIO tag) and never any
system output.  Spans are read as tools/ner_data.h reads them: B- (or a bare "-X")
starts a span, I- of the open type continues it, a "_" inside a token joins words
(split here into words), a tag without a type ("-") is O.  PER/LOC/ORG are
NEP/NEL/NEO; NEN (number), NETI (time) and NEAR (artefact) are kept as their own
types here so that a string tagged NEAR in one place and NEO in another shows up.

For every entity string (its word sequence) it counts the occurrences of that word
sequence in the files, each as one of:
  same   an entity of the same type with exactly these words
  other  an entity of another type with exactly these words (which type: listed)
  inside the words lie inside a longer entity (or cross one)
  O      no entity touches these words
and prints:
  1. the tag inventory (spans per type, train and dev);
  2. dev gold PER/LOC/ORG mentions against train: unseen, seen, and what train's
     occurrences of the string mostly are;
  3. the same within train (each string against the other train occurrences) and
     within dev;
  4. the one-label-per-string score: a labeller that gives every occurrence of a
     string the label (type or O) that string has most often in the gold of train
     and dev together, scored exact-span on dev gold (longest match first).  It
     knows every dev name, so it is not a tagger's score: it shows what gold noise
     alone costs a labeller that cannot tell occurrences apart by context;
  5. ORG: what the NEO spans are made of, and the strings tagged NEO and something
     else;
  6. the files are sorted (tagged sentences first): where the tail starts, and how
     often the head's names stand untagged in the tail;
  7. the ceiling of the data for the dev names unseen in IL-NER train: how many occur
     (normalized as tools/urdu_norm.py does, whole word sequence) in a lexicon under
     ../shared/data/lexicons or tools/gazetteer_core.tsv, in the other NER training
     text (UNER training documents, jahangir, ijnlp2008; as text, tags not read), in
     the unlabeled text that tools/gen_ner_clusters.py gathers, or in none; how many
     have every word seen somewhere; and the words next to them in the unlabeled text.
Python standard library only.
"""
import collections
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_ner_clusters  # noqa: E402  (gather(): the unlabeled text)
from urdu_norm import norm  # noqa: E402

TYPES = {"NEP": "PER", "NEL": "LOC", "NEO": "ORG", "NEN": "NUM", "NETI": "TIME", "NEAR": "ART"}
MAIN = ("PER", "LOC", "ORG")


def read(path):
    """sentences: list of (words, spans) with spans (start, end, type) in words"""
    sents, words, spans = [], [], []
    open_t, open_s = None, 0

    def close(end):
        nonlocal open_t
        if open_t:
            spans.append((open_s, end, open_t))
        open_t = None

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n\r")
            if line.startswith("\ufeff"):
                line = line[1:]
            if "\t" not in line:
                close(len(words))
                if words:
                    sents.append((words, spans))
                words, spans = [], []
                continue
            tok, tag = line.rsplit("\t", 1)
            tok = tok.strip(" ")
            if not tok:
                continue
            ws = [w for w in tok.split("_") if w]
            t = None
            for k, v in TYPES.items():
                if tag.endswith("-" + k) or tag == k:
                    t = v
            begin = t and (tag[0] in "B-" or (tag[0] != "I" and t != open_t))
            if open_t and (not t or begin or t != open_t):
                close(len(words))
            if t and not open_t:
                open_t, open_s = t, len(words)
            words.extend(ws)
    close(len(words))
    if words:
        sents.append((words, spans))
    return sents


def index_ngrams(sents, maxlen):
    """word tuple -> list of (sentence, start) for every n-gram up to maxlen"""
    idx = collections.defaultdict(list)
    for si, (w, _) in enumerate(sents):
        for i in range(len(w)):
            for n in range(1, maxlen + 1):
                if i + n > len(w):
                    break
                idx[tuple(w[i:i + n])].append((si, i))
    return idx


def span_maps(sents):
    """per sentence: dict (start, end) -> type, and word -> list of spans covering it"""
    out = []
    for w, sp in sents:
        exact = {(s, e): t for s, e, t in sp}
        cover = [[] for _ in w]
        for s, e, t in sp:
            for i in range(s, e):
                cover[i].append((s, e, t))
        out.append((exact, cover))
    return out


def classify(maps, si, i, n):
    exact, cover = maps[si]
    t = exact.get((i, i + n))
    if t:
        return t
    for k in range(i, i + n):
        if cover[k]:
            return "inside"
    return "O"


def occurrences(strings, sents, maps, idx):
    """string -> Counter of classes over every occurrence in sents"""
    res = {}
    for s in strings:
        c = collections.Counter()
        for si, i in idx.get(s, ()):
            c[classify(maps, si, i, len(s))] += 1
        res[s] = c
    return res


def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "-"


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: python3 tools/ner_consistency.py ../shared/data [--list N]")
    data = sys.argv[1]
    nlist = int(sys.argv[sys.argv.index("--list") + 1]) if "--list" in sys.argv else 15
    d = os.path.join(data, "ner", "il-ner")
    train = read(os.path.join(d, "Urdu-train.txt"))
    dev = read(os.path.join(d, "Urdu-dev.txt"))
    maxlen = max(e - s for _, sp in train + dev for s, e, _ in sp)
    tidx, didx = index_ngrams(train, maxlen), index_ngrams(dev, maxlen)
    tmaps, dmaps = span_maps(train), span_maps(dev)

    # 1. inventory
    print("## 1. tag inventory (spans; words)")
    for name, ss in (("train", train), ("dev", dev)):
        c = collections.Counter(t for _, sp in ss for _, _, t in sp)
        nw = sum(len(w) for w, _ in ss)
        tagged = sum(1 for _, sp in ss if sp)
        print(f"{name}: {len(ss)} sentences ({tagged} with a span), {nw} words; "
              + ", ".join(f"{t} {c[t]}" for t in ("PER", "LOC", "ORG", "NUM", "TIME", "ART")))

    # 2. dev mentions against train
    print("\n## 2. dev gold PER/LOC/ORG mentions against train (occurrences of the same words)")
    dev_ment = [(tuple(w[s:e]), t) for w, sp in dev for s, e, t in sp if t in MAIN]
    occ = occurrences({m for m, _ in dev_ment}, train, tmaps, tidx)
    for typ in MAIN + ("all",):
        ms = [(m, t) for m, t in dev_ment if typ == "all" or t == typ]
        cat = collections.Counter()
        for m, t in ms:
            c = occ[m]
            tot = sum(c.values())
            if not tot:
                cat["unseen in train"] += 1
                continue
            if c[t] == tot:
                cat["always same type"] += 1
            else:
                top, _ = max(c.items(), key=lambda kv: (kv[1], kv[0] == t))
                cat["mostly same type" if top == t else f"mostly {top}"] += 1
            if c[t] == 0:
                cat["(never same type)"] += 1
        print(f"{typ}: {len(ms)} mentions; " + ", ".join(f"{k} {v} ({pct(v, len(ms))})" for k, v in
                                                           sorted(cat.items(), key=lambda kv: -kv[1])))
    # occurrence totals: how train tags the words of dev names (each string once)
    for typ in MAIN:
        tot = collections.Counter()
        for m, t in set(dev_ment):
            if t == typ:
                for k, v in occ[m].items():
                    tot["same" if k == t else k] += v
        n = sum(tot.values())
        print(f"  {typ}: train occurrences of the dev {typ} strings {n}: "
              + ", ".join(f"{k} {v} ({pct(v, n)})" for k, v in tot.most_common()))

    # 3. within train and within dev
    for name, ss, maps, idx in (("train", train, tmaps, tidx), ("dev", dev, dmaps, didx)):
        print(f"\n## 3. within {name}: every occurrence of every {name} PER/LOC/ORG string")
        ment = [(tuple(w[s:e]), t) for w, sp in ss for s, e, t in sp if t in MAIN]
        strs = collections.defaultdict(collections.Counter)
        for m, t in ment:
            strs[m][t] += 1
        oc = occurrences(set(strs), ss, maps, idx)
        for typ, least in [(t, k) for t in MAIN for k in (1, 2)]:
            tot = collections.Counter()
            nstr = incons = 0
            for m, c in oc.items():
                if strs[m].most_common(1)[0][0] != typ or strs[m][typ] < least:
                    continue
                nstr += 1
                incons += len(c) > 1
                for k, v in c.items():
                    tot["same" if k == typ else k] += v
            n = sum(tot.values())
            print(f"{typ} (strings whose most frequent type is {typ}, tagged so >= {least}x): {nstr} strings, {incons} with more than one "
                  f"class; {n} occurrences: " + ", ".join(f"{k} {v} ({pct(v, n)})" for k, v in tot.most_common()))
        rows = []
        for m, c in oc.items():
            t = strs[m].most_common(1)[0][0]
            bad = sum(v for k, v in c.items() if k != t)
            if bad:
                rows.append((bad, m, t, c))
        rows.sort(key=lambda r: (-r[0], r[1]))
        print(f"  most inconsistent {name} strings (occurrences not of the main type):")
        for bad, m, t, c in rows[:nlist]:
            print(f"    {' '.join(m)}  [{t}] " + " ".join(f"{k}:{v}" for k, v in c.most_common()))

    # 4. one label per string
    print("\n## 4. one-label-per-string score on dev (label = the string's most frequent class in train+dev gold)")
    allss = train + dev
    amaps, aidx = tmaps + dmaps, None
    strs = {tuple(w[s:e]) for w, sp in allss for s, e, t in sp if t in MAIN}
    occ_t = occurrences(strs, train, tmaps, tidx)
    occ_d = occurrences(strs, dev, dmaps, didx)
    label = {}
    for m in strs:
        c = occ_t[m] + occ_d[m]
        c.pop("inside", None)
        best, _ = max(c.items(), key=lambda kv: (kv[1], kv[0] != "O"))
        if best in MAIN:
            label[m] = best
    for scope, lab in (("train+dev majority", label),
                       ("train majority only (strings unseen in train: never labelled)", None)):
        if lab is None:
            lab = {}
            for m in strs:
                c = occ_t[m].copy()
                c.pop("inside", None)
                if c:
                    best, _ = max(c.items(), key=lambda kv: (kv[1], kv[0] != "O"))
                    if best in MAIN:
                        lab[m] = best
        tp = collections.Counter()
        fp = collections.Counter()
        fn = collections.Counter()
        for w, sp in dev:
            gold = {(s, e, t) for s, e, t in sp if t in MAIN}
            pred = set()
            i = 0
            while i < len(w):
                for n in range(min(maxlen, len(w) - i), 0, -1):
                    t = lab.get(tuple(w[i:i + n]))
                    if t:
                        pred.add((i, i + n, t))
                        i += n
                        break
                else:
                    i += 1
            for x in pred:
                (tp if x in gold else fp)[x[2]] += 1
            for x in gold - pred:
                fn[x[2]] += 1
        out = []
        for typ in MAIN + ("micro",):
            a = sum(tp.values()) if typ == "micro" else tp[typ]
            b = sum(fp.values()) if typ == "micro" else fp[typ]
            c = sum(fn.values()) if typ == "micro" else fn[typ]
            p, r = (a / (a + b) if a + b else 0), (a / (a + c) if a + c else 0)
            out.append(f"{typ} P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r) if p + r else 0:.3f}")
        print(f"{scope}: " + "; ".join(out))

    # 5. ORG
    print("\n## 5. ORG (NEO) spans")
    for name, ss in (("train", train), ("dev", dev)):
        orgs = collections.Counter(tuple(w[s:e]) for w, sp in ss for s, e, t in sp if t == "ORG")
        n = sum(orgs.values())
        lens = collections.Counter(min(len(m), 5) for m in orgs.elements())
        print(f"{name}: {n} NEO spans, {len(orgs)} strings; words per span "
              + ", ".join(f"{k if k < 5 else '5+'}: {v}" for k, v in sorted(lens.items())))
        print("  most frequent: " + "، ".join(f"{' '.join(m)} {v}" for m, v in orgs.most_common(nlist)))
    tr_types = collections.defaultdict(collections.Counter)
    for w, sp in train:
        for s, e, t in sp:
            tr_types[tuple(w[s:e])][t] += 1
    mixed = [(m, c) for m, c in tr_types.items() if "ORG" in c and len(c) > 1]
    mixed.sort(key=lambda mc: -sum(mc[1].values()))
    print(f"train strings tagged NEO and another type: {len(mixed)}; "
          + "، ".join(f"{' '.join(m)} " + "/".join(f"{k}:{v}" for k, v in c.most_common()) for m, c in mixed[:nlist]))
    # head words: the last word of NEO spans vs of spans of other types
    last = collections.defaultdict(collections.Counter)
    for w, sp in train:
        for s, e, t in sp:
            last[w[e - 1]][t] += 1
    heads = collections.Counter()
    for w, sp in train:
        for s, e, t in sp:
            if t == "ORG":
                heads[w[e - 1]] += 1
    print("train NEO last words (with the other types that end in the same word): "
          + "، ".join(f"{h} {v}" + ("" if len(last[h]) == 1 else " (" + "/".join(
              f"{k}:{x}" for k, x in last[h].most_common() if k != "ORG") + ")") for h, v in heads.most_common(nlist)))

    # 6. the files are sorted: a tagged head, then a tail with almost no tags
    print("\n## 6. head and tail (the tail starts where at most 1% of the remaining sentences carry any tag)")
    for name, ss in (("train", train), ("dev", dev)):
        n = len(ss)
        suffix = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            suffix[i] = suffix[i + 1] + (1 if ss[i][1] else 0)
        b = next(i for i in range(n + 1) if suffix[i] * 100 <= n - i)
        words = (sum(len(w) for w, _ in ss[:b]), sum(len(w) for w, _ in ss[b:]))
        # strings tagged PER/LOC/ORG in this file's head, mostly tagged there, and where they occur
        head, tail = ss[:b], ss[b:]
        hidx, hmaps = index_ngrams(head, maxlen), span_maps(head)
        tidx, tmaps = index_ngrams(tail, maxlen), span_maps(tail)
        names = {tuple(w[s:e]) for w, sp in head for s, e, t in sp if t in MAIN}
        ho = occurrences(names, head, hmaps, hidx)
        names = {m for m, c in ho.items() if sum(v for k, v in c.items() if k in MAIN) >= max(2, c["O"])}
        to = occurrences(names, tail, tmaps, tidx)
        hc, tc = collections.Counter(), collections.Counter()
        for m in names:
            for k, v in ho[m].items():
                hc["tagged" if k in MAIN else k] += v
            for k, v in to[m].items():
                tc["tagged" if k in MAIN else k] += v
        top = sorted(((to[m]["O"], " ".join(m)) for m in names if to[m]["O"]), reverse=True)[:nlist]
        print(f"{name}: head {b} sentences ({words[0]} words, {suffix[0] - suffix[b]} with a tag), tail {n - b} "
              f"({words[1]} words, {suffix[b]} with a tag); {len(names)} head names (tagged >= 2x and at least as "
              f"often as not): in the head " + ", ".join(f"{k} {v}" for k, v in hc.most_common())
              + "; in the tail " + ", ".join(f"{k} {v}" for k, v in tc.most_common()))
        if top:
            print("  untagged in the tail: " + "، ".join(f"{m} {v}" for v, m in top))

    # 7. the data's ceiling for names unseen in train
    ceiling(data, train, dev, nlist)


SPLIT = re.compile(r"[\s.,،؛؟۔!?:;\"'“”‘’()\[\]{}<>«»\-–—/|*#=+]+")


def words_of(line):
    """normalized words of a raw line (punctuation splits; fused words are left fused)"""
    return [w for w in SPLIT.split(norm(line)) if w]


def lexicon_entries(data):
    """normalized entries of every name list: (set of word tuples, set of single words)"""
    ents = set()
    lex = os.path.join(data, "lexicons")
    for fn in glob.glob(os.path.join(lex, "urduhack-words", "ner", "*.txt")):
        if not fn.endswith("dates.txt"):
            with open(fn, encoding="utf-8-sig") as f:
                ents.update(x.strip() for x in f if x.strip())
    core = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gazetteer_core.tsv")
    with open(core, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            for a in line.split("\t")[3].split("|"):
                ents.add(a.lstrip("~@!"))
    for fn in ("ur.xml", "subdivisions-ur.xml", "ur_IN.xml"):
        with open(os.path.join(lex, "cldr-ur", fn), encoding="utf-8") as f:
            ents.update(re.findall(r"<(?:territory|exemplarCity|subdivision)[^>]*>([^<]+)<", f.read()))
    with open(os.path.join(lex, "iso-codes-ur", "iso_3166-1.ur.po"), encoding="utf-8") as f:
        ents.update(re.findall(r'msgstr "([^"]+)"', f.read()))
    tup = {tuple(words_of(e)) for e in ents}
    tup.discard(())
    return tup, {w for t in tup for w in t}


def ceiling(data, train, dev, nlist):
    print("\n## 7. dev names unseen in IL-NER train: are they anywhere in ../shared/data?")
    trstr = collections.Counter()
    for w, sp in train:
        for i in range(len(w)):
            for n in range(1, 9):
                if i + n <= len(w):
                    trstr[tuple(norm(x) for x in w[i:i + n])] += 1
    trwords = {norm(x) for w, _ in train for x in w}
    trname = collections.defaultdict(set)  # word -> types of train gold names holding it
    for w, sp in train:
        for s, e, t in sp:
            for x in w[s:e]:
                trname[norm(x)].add(t)
    ment = [(tuple(norm(x) for x in w[s:e]), t) for w, sp in dev for s, e, t in sp if t in MAIN]
    unseen = [(m, t) for m, t in ment if not trstr[m]]
    lex, lexw = lexicon_entries(data)
    unl, nerl = gen_ner_clusters.gather(os.path.abspath(data))
    targets = {m for m, _ in unseen}
    maxn = max(len(m) for m in targets)
    found = {"unlabeled": collections.Counter(), "ner": collections.Counter()}
    left = collections.defaultdict(collections.Counter)
    right = collections.defaultdict(collections.Counter)
    seenw = {"unlabeled": set(), "ner": set()}
    for src, lines in (("unlabeled", unl), ("ner", nerl)):
        for line in lines:
            ws = words_of(line)
            seenw[src].update(ws)
            for i in range(len(ws)):
                for n in range(1, maxn + 1):
                    if i + n > len(ws):
                        break
                    m = tuple(ws[i:i + n])
                    if m in targets:
                        found[src][m] += 1
                        if src == "unlabeled":
                            left[m][ws[i - 1] if i else "<s>"] += 1
                            right[m][ws[i + n] if i + n < len(ws) else "</s>"] += 1
    allw = trwords | seenw["unlabeled"] | seenw["ner"] | lexw
    rows = []
    for typ in MAIN + ("all",):
        ms = [(m, t) for m, t in unseen if typ == "all" or t == typ]
        c = collections.Counter()
        for m, t in ms:
            inlex, inner, inunl = m in lex, found["ner"][m] > 0, found["unlabeled"][m] > 0
            c["lexicon"] += inlex
            c["other NER text"] += inner
            c["unlabeled text"] += inunl
            c["unlabeled text 3+ times"] += found["unlabeled"][m] >= 3
            c["any of these"] += inlex or inner or inunl
            c["every word seen somewhere"] += all(x in allw for x in m)
            c["every word in a train gold name of this type or a lexicon"] += all(
                t in trname[x] or x in lexw for x in m)
            c["no word seen anywhere"] += not any(x in allw for x in m)
        rows.append((typ, len(ms), len({m for m, _ in ms}), c))
    for typ, n, nd, c in rows:
        print(f"{typ}: {n} unseen mentions ({nd} strings); whole name in: " + ", ".join(
            f"{k} {v} ({pct(v, n)})" for k, v in c.items()))
    # contexts in the unlabeled text of the unseen names found there
    for typ in MAIN:
        lc, rc = collections.Counter(), collections.Counter()
        names = {m for m, t in unseen if t == typ and found["unlabeled"][m]}
        for m in names:
            lc.update(left[m])
            rc.update(right[m])
        print(f"  {typ}: {len(names)} strings found in the unlabeled text, {sum(lc.values())} occurrences; "
              f"words before: " + "، ".join(f"{k} {v}" for k, v in lc.most_common(nlist)))
        print("     words after: " + "، ".join(f"{k} {v}" for k, v in rc.most_common(nlist)))
        print("     strings: " + "، ".join(f"{' '.join(m)} {found['unlabeled'][m]}" for m in
                                          sorted(names, key=lambda m: -found["unlabeled"][m])[:nlist]))
    for typ in MAIN:
        miss = sorted({" ".join(m) for m, t in unseen if t == typ and not found["unlabeled"][m]
                       and not found["ner"][m] and m not in lex})
        print(f"  {typ} found nowhere ({len(miss)} strings): " + "، ".join(miss[:nlist]))


if __name__ == "__main__":
    main()
