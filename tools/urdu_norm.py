"""urdu_norm.py -- the text layer's normalization, in Python, for generators.

Generators (tools/gen_*.py) read lexicons from ../shared/data and must key
their tables by the same normalized form that kh_normalize() produces at run
time.  norm() applies the same rule table, src/text/norm_rules.tsv (Arabic
letters to Urdu, ه and ں by position, hamza/madda composed, marks, tatweel,
ZWNJ and controls dropped, digits to ASCII), after mapping presentation
forms to base letters (NFKC) and before case-folding Latin; white space runs
become one space.  Also: load_vocab() and read_conllu() shared by the
generators.

Example:  norm("پاکِستان") == "پاکستان"
"""
import os
import unicodedata

RULES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "src", "text", "norm_rules.tsv")
_ops = None      # code point -> ("drop"|"sp"|"digit"|"map"|"pos", value...)
_compose = None  # (base, mark) -> replacement string


def _cp(x):
    return int(x[2:], 16)


def _load():
    """Read src/text/norm_rules.tsv, the table kh_normalize is generated from."""
    global _ops, _compose
    _ops, _compose = {}, {}
    with open(RULES, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            frm, to, when = line.split("\t")[:3]
            if when == "compose":
                base, mark = frm.split("+U+")
                mark = "U+" + mark
                _compose[(chr(_cp(base)), chr(_cp(mark)))] = "".join(chr(_cp(t)) for t in to.split())
                continue
            lo, hi = (frm.split("..") + [frm])[:2] if ".." in frm else (frm, frm)
            lo, hi = _cp(lo), _cp(hi)
            for c in range(lo, hi + 1):
                if when == "drop" or to == "-":
                    _ops[c] = ("drop",)
                elif to == "sp":
                    _ops[c] = ("sp",)
                elif to == "digit":
                    _ops[c] = ("map", str(c - lo))
                elif when == "always":
                    _ops[c] = ("map", "".join(chr(_cp(t)) for t in to.split()))
                elif when in ("nonfinal", "final"):
                    e = _ops.get(c)
                    e = list(e[1:]) if e and e[0] == "pos" else [None, None]
                    e[0 if when == "nonfinal" else 1] = chr(_cp(to))
                    _ops[c] = ("pos", e[0], e[1])


def _letter(c):
    return unicodedata.category(c).startswith("L")


def norm(s):
    """Normalize one string the way kh_normalize does (rules from
    src/text/norm_rules.tsv; white space runs become one space, trimmed)."""
    if _ops is None:
        _load()
    chars = []
    for c in s:
        o = ord(c)
        if 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFE:
            chars.extend(unicodedata.normalize("NFKC", c))
        else:
            chars.append(c)
    out = []
    n = len(chars)
    for i, c in enumerate(chars):
        if out and (out[-1], c) in _compose:
            out[-1] = _compose[(out[-1], c)]
            continue
        op = _ops.get(ord(c))
        if op is None:
            out.append(c.lower() if ord(c) < 0x250 else c)
        elif op[0] == "drop":
            continue
        elif op[0] == "sp":
            out.append(" ")
        elif op[0] == "map":
            out.append(op[1])
        else:  # position rule: does the letter join a following letter?
            j = i + 1
            while j < n and chars[j] != "\u200c" and _ops.get(ord(chars[j]), ("",))[0] == "drop":
                j += 1
            joins = j < n and _letter(chars[j]) and chars[j] != "\u200c"
            out.append((op[1] if joins else op[2]) or c)
    return " ".join("".join(out).split())


def load_vocab(data):
    """Word -> frequency: UNLT-WT 1-gram counts (normalized, summed), plus
    every urduhack words.txt entry not in them with frequency 0."""
    import os
    freq = {}
    path = os.path.join(data, "unlt/UNLT-WT/UNLT-WT-1Grams-Trainining-Dataset.txt")
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or not parts[1].strip().isdigit():
                continue
            w = norm(parts[0])
            if w and " " not in w:
                freq[w] = freq.get(w, 0) + int(parts[1])
    with open(os.path.join(data, "lexicons/urduhack-words/words.txt"), encoding="utf-8") as f:
        for line in f:
            w = norm(line.strip())
            if w and " " not in w and w not in freq:
                freq[w] = 0
    return freq


def read_conllu(path):
    """Yield (form, lemma, upos) of every syntactic word of a CoNLL-U file,
    form and lemma normalized."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 4 or "-" in c[0] or "." in c[0]:
                continue
            yield norm(c[1]), norm(c[2]), c[3]


def fnv1a(data):
    """32-bit FNV-1a of bytes: the hash of the generated lookup tables (the
    C twin is kh__fnv1a in src/text/stem.c)."""
    h = 0x811C9DC5
    for x in data:
        h = ((h ^ x) * 0x01000193) & 0xFFFFFFFF
    return h


def write_hash_slots(f, name, keys):
    """Write an open-addressing (linear probing) slot array for keys (a list
    of str, in table order): slot = index + 1, 0 = empty; size a power of two
    at least twice the number of keys.  Returns the number of bits."""
    bits = 1
    while (1 << bits) < 2 * max(1, len(keys)):
        bits += 1
    size = 1 << bits
    assert len(keys) < 65535
    slots = [0] * size
    for i, k in enumerate(keys):
        h = fnv1a(k.encode("utf-8")) & (size - 1)
        while slots[h]:
            h = (h + 1) & (size - 1)
        slots[h] = i + 1
    f.write("#define %s_BITS %d\n" % (name.upper(), bits))
    f.write("static const uint16_t %s[%d] = {\n" % (name, size))
    for i in range(0, size, 16):
        f.write("  " + ",".join(str(x) for x in slots[i:i + 16]) + ",\n")
    f.write("};\n")
    return bits
