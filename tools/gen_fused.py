#!/usr/bin/env python3
"""gen_fused.py — the space-omission and multiword lexicon of the tokenizer.

Usage (from the repository root, after `make`):
    python3 tools/gen_fused.py ../shared/data
Writes src/text/fused_tab.h (committed).  Normalization is done by the
built `build/khabar normalize`, so the table matches the tokenizer exactly.

Urdu writers often omit the space after a word that ends in a non-joining
letter (ا د ڈ ذ ر ڑ ز ژ و ے …): وزیر اعظم → وزیراعظم, کشمیر میں → کشمیرمیں,
نے چیمپئنز → نےچیمپئنز; and after کے/سے/نے, written with a medial ی: کے لئے →
کیلئے, کے خلاف → کیخلاف.  A fused form W = A+B is split when the corpora show
the spaced form "A B" often enough against the fused one (see SPLIT rule
below): that keeps real words such as کرکٹ (not کر کٹ) or پرانا whole.

Sources (all under the data folder; evidence counts never use the test sets
the tokenizer is evaluated on: UNLT-WT test, CSaLT):
  pk-news-2024/pk-news-2024.jsonl, counter/counter.jsonl     running text
  unlt/UNLT-ST/UNLT-ST-Training-Data.txt                     running text
  unlt/UNLT-WT/UNLT-WT-1Grams-Trainining-Dataset.txt         word counts
  unlt/UNLT-WT/UNLT-Multiwords_Dictionary.txt                multiword units
  lexicons/urduhack-words/bigram_words.txt, trigram_words.txt multiword units
  ner/il-ner/Urdu-train.txt, ner/jahangir, ner/ijnlp2008          name tokens kept whole
"""
import collections
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src/text/fused_tab.h")
KHABAR = os.path.join(ROOT, "build/khabar")

NONJOIN = set("اآدڈذرڑزژوؤےۓءۂ")
# Light verbs that fuse onto a verb stem ending in ا (بلا لی → بلالی); split
# only in context (see tokenize.c).
LIGHT = ["لی", "لیا", "لیں", "لیے", "لئے", "دی", "دیا", "دیں", "دیے", "دئے"]
MIN_SPACED = 3        # spaced "A B" seen at least this often
MIN_RATIO = 0.25      # spaced / (spaced + fused) at least this
MIN_PART = 20         # each part seen as a word this often (1-gram counts)
WORD = re.compile(r"[\u0621-\u063A\u0641-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FF]+")


def normalize_lines(lines):
    p = subprocess.run([KHABAR, "normalize"], input="\n".join(lines).encode("utf-8"),
                       stdout=subprocess.PIPE, check=True)
    out = p.stdout.decode("utf-8").split("\n")
    assert len(out) == len(lines), (len(out), len(lines))
    return out


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "../shared/data")
    if not os.path.exists(KHABAR):
        sys.exit("gen_fused.py: build/khabar not found; run make first")
    texts = []
    for rel in ("pk-news-2024/pk-news-2024.jsonl", "counter/counter.jsonl"):
        for line in open(os.path.join(data, rel), encoding="utf-8"):
            d = json.loads(line)
            texts.append((d.get("title") or "") + " ۔ " + (d.get("body") or ""))
    for line in open(os.path.join(data, "unlt/UNLT-ST/UNLT-ST-Training-Data.txt"), encoding="utf-8"):
        texts.append(line.strip("\ufeff\n"))
    texts = [t.replace("\n", " ") for t in texts]
    norm = normalize_lines(texts)
    uni = collections.Counter()
    bi = collections.Counter()
    for t in norm:
        # words within a run of letters and spaces only (punctuation breaks bigrams)
        for chunk in re.split(r"[^\u0600-\u06FF ]+", t):
            ws = WORD.findall(chunk)
            uni.update(ws)
            bi.update(zip(ws, ws[1:]))
    # 1-gram counts of the UNLT training data, normalized
    grams = []
    for line in open(os.path.join(data, "unlt/UNLT-WT/UNLT-WT-1Grams-Trainining-Dataset.txt"),
                     encoding="utf-8"):
        f = line.strip("\ufeff\n").split("\t")
        if len(f) == 2 and f[1].isdigit():
            grams.append((f[0], int(f[1])))
    gnorm = normalize_lines([g for g, _ in grams])
    g1 = collections.Counter()
    for w, (_, c) in zip(gnorm, grams):
        if WORD.fullmatch(w):
            g1[w] += c
    known = lambda w: g1[w] + uni[w]

    # multiword units
    mwe_raw = []
    for line in open(os.path.join(data, "unlt/UNLT-WT/UNLT-Multiwords_Dictionary.txt"), encoding="utf-8"):
        w = line.strip("\ufeff\n").strip()
        if w and "dummy" not in w:
            mwe_raw.append(w)
    for rel in ("lexicons/urduhack-words/bigram_words.txt", "lexicons/urduhack-words/trigram_words.txt"):
        for line in open(os.path.join(data, rel), encoding="utf-8"):
            w = line.strip().replace("_", " ")
            if w:
                mwe_raw.append(w)
    mwes = set()
    for w in normalize_lines(mwe_raw):
        parts = w.split()
        if 2 <= len(parts) <= 4 and all(WORD.fullmatch(p) for p in parts):
            mwes.add(" ".join(parts))

    # Names that only look fused: کوچین (Cochin) is not کو چین, nor کرزئی کر زئی,
    # کوفی کو فی, کیری کے ری.  A form the NER training gold tags as a name more
    # often than not stays whole, unless every part is itself mostly a name word
    # (نریندرمودی, اترپردیش still split).  Training sets only (IL-NER train,
    # jahangir, ijnlp2008; IL-NER dev and UNER are the NER evaluation sets).
    name_n, other_n = collections.Counter(), collections.Counter()
    for rel in ("ner/il-ner/Urdu-train.txt", "ner/jahangir/jahangir.txt", "ner/ijnlp2008/ijnlp.txt"):
        raw = []
        for line in open(os.path.join(data, rel), encoding="utf-8"):
            f = line.strip("\ufeff\n").split("\t")
            if len(f) >= 2 and f[0]:
                raw.append((f[0], f[-1]))
        for w, (_, tag) in zip(normalize_lines([w for w, _ in raw]), raw):
            isname = tag.split("-")[-1] in ("NEP", "NEL", "NEO", "PERSON", "LOCATION", "ORGANIZATION")
            (name_n if isname else other_n)[w] += 1

    def glued_name(w, parts):
        if name_n[w] <= other_n[w]:
            return False
        return not all(name_n[p] > other_n[p] for p in parts)

    # One-word names whose letters only look like two short words: نیوی (navy)
    # is not نے وی, ہیٹی (Haiti) not ہے ٹی, لیگی (a League member) not لے گی,
    # کوپر (Cooper) not کو پر, جوروٹ (Joe Root) not جو روٹ.  A form listed as a
    # one-word name (the person, place and organisation lexicons, the aliases
    # of tools/gazetteer_core.tsv) stays whole when its first part has at most
    # 2 letters and its second at most 3; with longer parts it is names or
    # words run together (نوازشریف، سیدعلی، کشمیرمیں، گھرکی: the lexicons list
    # such forms too), which still split.
    raw_names = []
    for fn in ("persons.txt", "locations.txt", "organizations.txt"):
        for line in open(os.path.join(data, "lexicons/urduhack-words/ner", fn), encoding="utf-8"):
            raw_names.append(line.strip())
    for line in open(os.path.join(ROOT, "tools/gazetteer_core.tsv"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(f) < 4:
            continue
        raw_names.extend(a.lstrip("~@!") for a in f[3].split("|"))
    lex_names = {w for w in normalize_lines(raw_names) if WORD.fullmatch(w)}

    def short_name(w, parts):
        return w in lex_names and len(parts[0]) <= 2 and all(len(p) <= 3 for p in parts)

    splits = {}   # fused -> (parts, kind)  kind: 0 space omission, 1 multiword, 2 light verb (context)
    cands = set(uni) | set(g1)
    for w in cands:
        if len(w) < 3 or len(w) > 40:
            continue
        best = None
        for k in range(1, len(w) - 1):
            a_s, b = w[:k], w[k:]
            if len(b) < 2 or b[0] in "ئؤںھۂ":
                continue
            alts = []
            if a_s[-1] in NONJOIN:
                alts.append(a_s)
            if a_s[-1] == "ی" and len(a_s) >= 2:
                alts.append(a_s[:-1] + "ے")      # کی|لئے = کے لئے
            for a in alts:
                if known(a) < MIN_PART or known(b) < MIN_PART:
                    continue
                sp, fu = bi[(a, b)], uni[w]
                if sp >= MIN_SPACED and sp >= MIN_RATIO * (sp + fu):
                    if best is None or sp > best[0]:
                        best = (sp, (a, b), 0)
        if best and not glued_name(w, best[1]) and not short_name(w, best[1]):
            splits[w] = (best[1], best[2])
    # fused multiword units (وزیراعظم) seen written fused at least once
    for m in mwes:
        parts = m.split()
        if any(p[-1] not in NONJOIN for p in parts[:-1]):
            continue
        w = "".join(parts)
        sp = min(bi[(x, y)] for x, y in zip(parts, parts[1:]))
        fu = uni[w]
        if (fu + g1[w]) >= 1 and sp >= MIN_SPACED and sp >= 0.02 * (sp + fu) and w not in splits:
            splits[w] = (tuple(parts), 1)
    # light-verb compounds: stem ending in ا + light verb, spaced form attested
    for w in cands:
        for lv in LIGHT:
            if w.endswith(lv) and len(w) > len(lv) + 1:
                a = w[: -len(lv)]
                if a[-1] == "ا" and bi[(a, lv)] >= 1 and w not in splits and known(a) >= MIN_PART:
                    splits[w] = ((a, lv), 2)
    # A part that is itself a fused form is split too, so that the spaced
    # spelling ("کار کردگی") and the fused one ("کارکردگی") give the same tokens.
    def expand(w, depth=0):
        if w not in splits or depth > 4 or splits[w][1] == 2:
            return [w]
        out = []
        for p in splits[w][0]:
            out.extend(expand(p, depth + 1))
        return out
    for w in list(splits):
        parts, kind = splits[w]
        ex = []
        for p in parts:
            ex.extend(expand(p))
        if len(ex) > 4:
            del splits[w]
        else:
            splits[w] = (tuple(ex), kind)
    # emit
    items = sorted(splits.items())
    mwe_list = sorted(mwes)
    firsts = sorted({m.split()[0] for m in mwe_list})

    def cstr(x):
        return '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def fnv(x):
        h = 1469598103934665603
        for b in x.encode("utf-8"):
            h ^= b
            h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
        return h

    def hashtab(name, keys):
        size = 1
        while size < 2 * len(keys):
            size *= 2
        slots = [0] * size
        for i, k in enumerate(keys):
            h = fnv(k)
            j = h & (size - 1)
            while slots[j]:
                j = (j + 1) & (size - 1)
            slots[j] = ((h >> 48) << 16) | (i + 1)
        o.append("/* open addressing on kh__hash64(key) & %d, linear probing; each slot holds" % (size - 1))
        o.append("** (the top 16 bits of the hash) << 16 | (row index + 1), 0 when empty */")
        o.append("#define %s_MASK %du" % (name.upper(), size - 1))
        o.append("static const uint32_t %s[%d] = {" % (name, size))
        for i in range(0, size, 16):
            o.append("  " + ",".join(str(x) for x in slots[i:i + 16]) + ",")
        o.append("};\n")

    assert len(items) < 65535 and len(mwe_list) < 65535
    o = []
    o.append("/* fused_tab.h — GENERATED by tools/gen_fused.py from ../shared/data (see its")
    o.append("** docstring for sources and rules).  Do not edit. */")
    o.append("#ifndef KH_FUSED_TAB_H\n#define KH_FUSED_TAB_H\n#include <stdint.h>\n")
    o.append("/* fused form, kind (0 space omission, 1 multiword, 2 light verb: context), parts */")
    o.append("static const kh__fused_row kh__fused_rows[%d] = {" % len(items))
    for w, (parts, kind) in items:
        ps = list(parts) + [None] * (4 - len(parts))
        o.append("  {%s, %d, {%s}}," % (cstr(w), kind, ", ".join(cstr(p) if p else "0" for p in ps)))
    o.append("};\n")
    hashtab("kh__fused_hash", [w for w, _ in items])
    # a 65,536-bit filter on bits 20..35 of the hash: most words are not
    # fused and are rejected with one load from an 8 KB table
    bloom = [0] * 1024
    for w, _ in items:
        b = (fnv(w) >> 20) & 0xFFFF
        bloom[b >> 6] |= 1 << (b & 63)
    o.append("/* filter: bit (kh__hash64(form) >> 20) & 0xFFFF is set for every fused form */")
    o.append("static const uint64_t kh__fused_filter[1024] = {")
    for i in range(0, 1024, 4):
        o.append("  " + ", ".join("0x%016xull" % x for x in bloom[i:i + 4]) + ",")
    o.append("};\n")
    o.append("/* multiword units, normalized, one space between words */")
    o.append("static const char *const kh__mwe_rows[%d] = {" % len(mwe_list))
    for m in mwe_list:
        o.append("  %s," % cstr(m))
    o.append("};\n")
    hashtab("kh__mwe_hash", mwe_list)
    o.append("static const char *const kh__mwe_first_rows[%d] = {" % len(firsts))
    for m in firsts:
        o.append("  %s," % cstr(m))
    o.append("};\n")
    hashtab("kh__mwe_first_hash", firsts)
    o.append("#endif")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")
    kinds = collections.Counter(k for _, (_, k) in items)
    print("wrote %s: %d fused forms (%d space omission, %d multiword, %d light verb), %d multiword units"
          % (OUT, len(items), kinds[0], kinds[1], kinds[2], len(mwe_list)))


if __name__ == "__main__":
    main()
