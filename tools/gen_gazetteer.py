#!/usr/bin/env python3
"""gen_gazetteer.py — build khabar's gazetteer table src/analyze/gaz_tab.h.

Usage (from the repository root):  python3 tools/gen_gazetteer.py ../shared/data

Sources, merged in this order (an Urdu surface form belongs to the first entity
that claims it):
  1. tools/gazetteer_core.tsv  the curated core written for khabar (world leaders,
     Pakistani public figures, organisations, places; canonical English names,
     weak / role / context-gated aliases).
  2. lexicons/iso-codes-ur/iso_3166-1.ur.po + iso_3166-1.json  Urdu country names
     (English names and codes from the json).
  3. lexicons/cldr-ur/ur.xml  <territory> names (2-letter codes) and <exemplarCity>
     names of time zones (English name from the zone id, e.g. Asia/Karachi).
  4. lexicons/cldr-ur/subdivisions-ur.xml  provinces of a few countries in the news
     (PK, IN, AF, IR, CN, US).
  5. lexicons/urduhack-words/ner/{persons,locations,organizations}.txt  single
     tokens, cleaned: no digits or Latin, at least 3 letters, not a stopword, not
     fused with a title (صدرپوٹن), not listed under two types, and not a word that
     the NER corpora we do not evaluate on (IL-NER train, jahangir, ijnlp2008) tag
     mostly as O (seen >= 3 times and an entity less than 30% of the time).
     These are "lexicon" aliases: evidence for the tagger and the baseline, with
     no canonical English name (romanized at run time).

The output is a C header with two tables; the analyzer normalizes every alias
with kh_normalize/kh_tokenize when it is created, so the table stays right when
the text layer's rules change.  Python standard library only.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "src", "analyze", "gaz_tab.h")

ARABIC = re.compile(r"[\u0600-\u06FF]")
BAD = re.compile(r"[0-9A-Za-z\u06F0-\u06F9\u0660-\u0669]")
DIACRITICS = re.compile(r"[\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u200C\u200D]")
TITLES = ["صدر", "وزیر", "جنرل", "چیئرمین", "ترجمان", "گورنر", "جسٹس", "مولانا", "ڈاکٹر"]
# core canonical names that differ from the iso-codes English name of their code
COUNTRY_CANON = {"RU": "Russia", "TR": "Turkey", "IR": "Iran", "PS": "Palestine",
                 "US": "United States", "GB": "United Kingdom", "KZ": "Kazakhstan",
                 "AZ": "Azerbaijan", "MN": "Mongolia", "BY": "Belarus", "UA": "Ukraine",
                 "CN": "China", "PK": "Pakistan", "IN": "India", "AF": "Afghanistan",
                 "IL": "Israel", "SA": "Saudi Arabia", "AE": "United Arab Emirates",
                 "BD": "Bangladesh", "UZ": "Uzbekistan", "LB": "Lebanon", "QA": "Qatar"}
SUBDIV_COUNTRIES = ("pk", "in", "af", "ir", "cn", "us")
TYPES = {"PER": "KH_ENT_PER", "LOC": "KH_ENT_LOC", "ORG": "KH_ENT_ORG"}


def clean(s):
    s = s.replace("\ufeff", "").strip()
    return re.sub(r"\s+", " ", s)


def key(s):
    """Matching key used only to detect duplicates here (the analyzer uses kh_normalize)."""
    s = DIACRITICS.sub("", s)
    s = s.replace("ي", "ی").replace("ى", "ی").replace("ك", "ک")
    return s


class Gaz:
    def __init__(self):
        self.entities = []  # dict(type, canon, country, source)
        self.aliases = []   # (surface, entity index, flag, ctx)
        self.claimed = {}   # key(surface) -> entity index
        self.by_canon = {}

    def entity(self, typ, canon, country, source):
        k = (typ, canon)
        if canon is not None and k in self.by_canon:
            return self.by_canon[k]
        self.entities.append(dict(type=typ, canon=canon, country=country, source=source, urdu=None))
        i = len(self.entities) - 1
        if canon is not None:
            self.by_canon[k] = i
        return i

    def alias(self, surface, ent, flag="STRONG", ctx=""):
        surface = clean(surface)
        if not surface or not ARABIC.search(surface) and not re.match(r"^[A-Za-z .-]+$", surface):
            return False
        k = key(surface)
        if k in self.claimed:
            return False
        self.claimed[k] = ent
        self.aliases.append((surface, ent, flag, ctx))
        e = self.entities[ent]
        if e["urdu"] is None and flag == "STRONG":
            e["urdu"] = surface
        return True


def read_core(g):
    path = os.path.join(HERE, "gazetteer_core.tsv")
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            while len(cols) < 5:
                cols.append("")
            typ, canon, country, aliases, ctx = cols[:5]
            if typ not in TYPES:
                raise SystemExit("gazetteer_core.tsv: bad type in: " + line)
            e = g.entity(typ, canon, None if country == "-" else country, "core")
            for a in aliases.split("|"):
                a = a.strip()
                flag = "STRONG"
                if a[:1] == "~":
                    flag, a = "WEAK", a[1:]
                elif a[:1] == "@":
                    flag, a = "ROLE", a[1:]
                elif a[:1] == "!":
                    flag, a = "CTX", a[1:]
                if not a:
                    continue
                if not g.alias(a, e, flag, ctx if flag == "CTX" else ""):
                    if flag != "CTX":
                        print("note: duplicate core alias", a, file=sys.stderr)
                    else:  # context-gated aliases may be shared (آئی سی سی)
                        g.aliases.append((clean(a), e, flag, ctx))


def read_iso(g, data):
    base = os.path.join(data, "lexicons", "iso-codes-ur")
    js = json.load(open(os.path.join(base, "iso_3166-1.json"), encoding="utf-8"))["3166-1"]
    by_name = {}
    names = {}
    for c in js:
        code = c["alpha_2"]
        names[code] = COUNTRY_CANON.get(code, c.get("common_name", c["name"]))
        for k in ("name", "common_name", "official_name"):
            if k in c:
                by_name[c[k]] = code
    po = open(os.path.join(base, "iso_3166-1.ur.po"), encoding="utf-8").read()
    n = 0
    for m in re.finditer(r'msgid "(.*)"\nmsgstr "(.*)"', po):
        en, ur = m.group(1), m.group(2)
        if not ur or en not in by_name:
            continue
        code = by_name[en]
        e = g.entity("LOC", names[code], code, "iso-codes")
        n += g.alias(ur, e)
    return names, n


def read_cldr(g, data, names):
    path = os.path.join(data, "lexicons", "cldr-ur", "ur.xml")
    root = ET.parse(path).getroot()
    n = 0
    for t in root.iter("territory"):
        code = t.get("type", "")
        if len(code) != 2 or t.get("alt") or not t.text:
            continue
        canon = names.get(code)
        if not canon:
            continue
        e = g.entity("LOC", canon, code, "cldr")
        n += g.alias(t.text, e)
    for z in root.iter("zone"):
        city = z.find("exemplarCity")
        zid = z.get("type", "")
        if city is None or not city.text or zid.startswith("Etc/"):
            continue
        en = zid.split("/")[-1].replace("_", " ")
        e = g.entity("LOC", en, None, "cldr")
        n += g.alias(city.text, e)
    sub = os.path.join(data, "lexicons", "cldr-ur", "subdivisions-ur.xml")
    for s in ET.parse(sub).getroot().iter("subdivision"):
        code = s.get("type", "")
        if not code[:2] in SUBDIV_COUNTRIES or not s.text:
            continue
        e = g.entity("LOC", None, code[:2].upper(), "cldr-subdivision")
        n += g.alias(s.text, e, "LEX")
    return n


def ner_o_ratio(data):
    """token -> [entity count, total count] from the NER corpora we do not evaluate on."""
    counts = {}
    files = [os.path.join(data, "ner", "il-ner", "Urdu-train.txt"),
             os.path.join(data, "ner", "jahangir", "jahangir.txt"),
             os.path.join(data, "ner", "ijnlp2008", "ijnlp.txt")]
    for p in files:
        if not os.path.exists(p):
            continue
        for line in open(p, encoding="utf-8", errors="replace"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[0].strip():
                continue
            w, tag = key(clean(parts[0])), parts[-1].strip()
            c = counts.setdefault(w, [0, 0])
            c[1] += 1
            if tag not in ("O", ""):
                c[0] += 1
    return counts


def read_urduhack(g, data):
    base = os.path.join(data, "lexicons", "urduhack-words", "ner")
    stop = set()
    for fn in ("stopwords-iso.ur.txt", "unlt-stopwords.txt"):
        p = os.path.join(data, "lexicons", "stopwords", fn)
        if os.path.exists(p):
            stop |= {key(clean(w)) for w in open(p, encoding="utf-8", errors="replace")}
    lists = {}
    for typ, fn in (("PER", "persons.txt"), ("LOC", "locations.txt"), ("ORG", "organizations.txt")):
        for w in open(os.path.join(base, fn), encoding="utf-8"):
            w = clean(w)
            if w:
                lists.setdefault(key(w), []).append((typ, w))
    ratio = ner_o_ratio(data)
    kept = dropped = 0
    for k in sorted(lists):
        entries = lists[k]
        types = {t for t, _ in entries}
        w = entries[0][1]
        letters = len(DIACRITICS.sub("", w).replace(" ", ""))
        reason = None
        if len(types) > 1:
            reason = "two types"
        elif BAD.search(w) or letters < 3:
            reason = "short or not Urdu"
        elif k in stop:
            reason = "stopword"
        elif any(k.startswith(t) and k != t for t in TITLES):
            reason = "fused with a title"
        else:
            c = ratio.get(k)
            if c and c[1] >= 3 and c[0] < 0.3 * c[1]:
                reason = "mostly O in NER corpora"
        if reason or k in g.claimed:
            dropped += 1
            continue
        e = g.entity(entries[0][0], None, None, "urduhack")
        g.alias(w, e, "LEX")
        kept += 1
    return kept, dropped


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: python3 tools/gen_gazetteer.py ../shared/data")
    data = sys.argv[1]
    g = Gaz()
    read_core(g)
    ncore = len(g.aliases)
    names, niso = read_iso(g, data)
    ncldr = read_cldr(g, data, names)
    kept, dropped = read_urduhack(g, data)
    # drop entities that kept no alias (their names were all claimed earlier)
    used = sorted({a[1] for a in g.aliases})
    remap = {old: new for new, old in enumerate(used)}
    g.entities = [g.entities[i] for i in used]
    g.aliases = [(s_, remap[e_], f_, c_) for s_, e_, f_, c_ in g.aliases]
    for e in g.entities:
        if e["urdu"] is None:
            for a in g.aliases:
                if g.entities[a[1]] is e:
                    e["urdu"] = a[0]
                    break
    out = []
    out.append("/*\n** gaz_tab.h — khabar's gazetteer, GENERATED by tools/gen_gazetteer.py from\n"
               "** tools/gazetteer_core.tsv and ../shared/data/lexicons; do not edit.\n"
               "** %d entities, %d aliases (core %d, iso-codes %d, CLDR %d, urduhack %d kept / %d dropped).\n"
               "** Included by src/analyze/gazetteer.c only.\n*/\n"
               % (len(g.entities), len(g.aliases), ncore, niso, ncldr, kept, dropped))
    out.append("static const kh__gaz_entity KH__GAZ_ENTITIES[] = {\n")
    for e in g.entities:
        out.append("  {%s, %s, %s, %s},\n" % (TYPES[e["type"]], c_str(e["canon"]), c_str(e["country"]),
                                             c_str(e["urdu"])))
    out.append("};\n\nstatic const kh__gaz_alias KH__GAZ_ALIASES[] = {\n")
    for surface, ent, flag, ctx in g.aliases:
        out.append("  {%s, %d, KH__AL_%s, %s},\n" % (c_str(surface), ent, flag, c_str(ctx or None)))
    out.append("};\n")
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(out))
    os.replace(tmp, OUT)
    print("gen_gazetteer: %d entities, %d aliases -> %s (urduhack kept %d, dropped %d)"
          % (len(g.entities), len(g.aliases), os.path.relpath(OUT, ROOT), kept, dropped))


if __name__ == "__main__":
    main()
