#!/usr/bin/env python3
"""gen_roman.py -- build src/text/roman_tab.h for kh_romanize / kh_skeleton.

Usage (from the repository root):  python3 tools/gen_roman.py ../shared/data

Inputs:
  - src/text/roman_rules.tsv (hand-written, committed): letter rows (Latin by
    position in the word, skeleton class), punctuation rows, word rows;
  - ../shared/data/lexicons/cldr-ur/ur.xml (CLDR 41, Unicode licence):
    Urdu names of countries (<territory type="PK">) and of time-zone cities
    (<zone type="Asia/Karachi"><exemplarCity>), paired with their English
    names from lexicons/iso-codes-ur/iso_3166-1.json (common_name, else name
    cut at the first comma) and from the zone id (Asia/Karachi -> karachi).
    A pair is kept only when the English name is a spelling of the same word:
    its consonant skeleton is within edit distance max(1, len/4) of the Urdu
    name's skeleton (so پاکستان -> pakistan and چین -> china are kept,
    بھارت -> india is not: a romanizer spells, it does not translate).
    Multi-word names are also listed without their spaces (اسلامآباد).
Output: letter table indexed by code point - U+0600, punctuation table and
a word/phrase table sorted by bytes of the normalized Urdu.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from urdu_norm import norm  # noqa: E402

CLS = {"C": 1, "V": 2, "H": 3, "N": 4, "Z": 5}


def dash(s):
    return "" if s == "-" else s


def read_rules(path):
    letters, punct, words = {}, [], []
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            c = line.split("\t")
            if c[0] == "L" and len(c) == 9:
                letters[c[1]] = (c[2], dash(c[3]), dash(c[4]), dash(c[5]), dash(c[6]),
                                 dash(c[7]), dash(c[8]))
            elif c[0] == "P" and len(c) == 3:
                punct.append((c[1], c[2]))
            elif c[0] == "W" and len(c) == 3:
                words.append((norm(c[1]), c[2]))
            else:
                sys.exit("%s:%d: malformed rule row" % (path, ln))
    return letters, punct, words


def skel_ur(s, letters):
    """Python twin of kh_skeleton (romanize.c), for the similarity filter."""
    out = []
    for w in s.split():
        for i, ch in enumerate(w):
            r = letters.get(ch)
            if not r:
                continue
            if i == len(w) - 1 and ch == "ہ" and i > 0:
                continue
            k = r[5] if i == 0 else r[6]
            if k and (not out or out[-1] != k):
                out.append(k)
    return "".join(out)


def skel_en(s):
    s = s.lower()
    for a, b in (("ph", "f"), ("ch", "c"), ("sh", "S"), ("kh", "x"), ("gh", "G"), ("th", "t"),
                 ("ck", "k"), ("x", "ks"), ("w", "v"), ("qu", "k")):
        s = s.replace(a, b)
    s = re.sub(r"c(?=[eiy])", "s", s)
    s = s.replace("c", "k")
    out = []
    for w in re.findall(r"[a-zA-Z]+", s):
        for i, ch in enumerate(w):
            if ch in "aeiou" or (ch in "yh" and i > 0 and ch == "y"):
                continue
            if i == len(w) - 1 and ch == "h":
                continue
            if not out or out[-1] != ch:
                out.append(ch)
    return "".join(out)


def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def similar(ur, en, letters):
    a, b = skel_ur(ur, letters).lower(), skel_en(en).lower()
    a = a.replace("q", "k")
    b = b.replace("q", "k")
    return lev(a, b) <= max(1, len(b) // 4)


def cldr_places(data):
    out = []
    xml = open(os.path.join(data, "lexicons/cldr-ur/ur.xml"), encoding="utf-8").read()
    iso = json.load(open(os.path.join(data, "lexicons/iso-codes-ur/iso_3166-1.json"),
                         encoding="utf-8"))["3166-1"]
    en = {}
    for c in iso:
        en[c["alpha_2"]] = c.get("common_name") or c["name"].split(",")[0]
    for code, name in re.findall(r'<territory type="([A-Z]{2})"[^>]*>([^<]+)</territory>', xml):
        if code in en:
            out.append((norm(name), en[code].lower()))
    for zone, city in re.findall(r'<zone type="([^"]+)">\s*<exemplarCity>([^<]+)</exemplarCity>', xml):
        last = zone.split("/")[-1]
        if last != "Unknown":
            out.append((norm(city), last.replace("_", " ").lower()))
    return out


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    letters, punct, words = read_rules(os.path.join(root, "src/text/roman_rules.tsv"))
    table = {}
    kept = rejected = 0
    for ur, en in cldr_places(data):
        if not ur or "(" in ur or not re.fullmatch(r"[a-z .'-]+", en):
            continue
        if similar(ur, en, letters):
            table.setdefault(ur, en)
            kept += 1
        else:
            rejected += 1
    for ur, lat in words:  # hand-written rows win
        table[ur] = lat
    for ur, lat in list(table.items()):
        if " " in ur:
            table.setdefault(ur.replace(" ", ""), lat.replace(" ", ""))
    out = os.path.join(root, "src/text/roman_tab.h")
    with open(out, "w", encoding="utf-8") as f:
        f.write("/*\n** roman_tab.h -- GENERATED by tools/gen_roman.py from src/text/roman_rules.tsv\n"
                "** and ../shared/data/lexicons (CLDR 41 ur, Unicode licence; iso-codes, LGPL-2.1+).\n"
                "** Do not edit; run `make gen`.\n*/\n")
        f.write("/* letter rules, indexed by code point - 0x0600 */\n")
        f.write("static const kh__roman_letter kh__roman_letters[256] = {\n")
        for ch, r in sorted(letters.items(), key=lambda kv: ord(kv[0])):
            idx = ord(ch) - 0x600
            assert 0 <= idx < 256, ch
            f.write("  [0x%02X] = {%d, %s, %s, %s, %s, %s, %s}, /* %s */\n"
                    % (idx, CLS[r[0]], cstr(r[1]), cstr(r[2]), cstr(r[3]), cstr(r[4]),
                       cstr(r[5]), cstr(r[6]), ch))
        f.write("};\n\n/* punctuation */\n")
        f.write("static const kh__roman_pair kh__roman_punct[] = {\n")
        for a, b in punct:
            f.write("  {%s, %s},\n" % (cstr(a), cstr(b)))
        f.write("};\n\n/* words and phrases (normalized Urdu, sorted by bytes) */\n")
        f.write("static const kh__roman_pair kh__roman_words[] = {\n")
        for ur, lat in sorted(table.items(), key=lambda kv: kv[0].encode("utf-8")):
            f.write("  {%s, %s},\n" % (cstr(ur), cstr(lat)))
        f.write("};\n")
    print("romanization: %d letters, %d punctuation marks, %d words/phrases "
          "(CLDR places kept %d, rejected as translations %d) -> %s"
          % (len(letters), len(punct), len(table), kept, rejected, os.path.relpath(out, root)))
    if "-v" in sys.argv:
        for ur, en in cldr_places(data):
            print("%s\t%s\t%s\t%s\t%s" % ("keep" if similar(ur, en, letters) else "REJ", ur, en,
                                          skel_ur(ur, letters), skel_en(en)))


if __name__ == "__main__":
    main()
