"""urdu_norm.py -- the text layer's normalization, in Python, for generators.

Generators (tools/gen_*.py) read lexicons from ../shared/data and must key
their tables by the same normalized form that kh_normalize() produces at run
time.  This module mirrors the rules documented in include/khabar.h:

  - Arabic letters to Urdu: ي ى -> ی, ك -> ک, ة -> ۃ, ه -> ھ inside a word
    (joined on both sides), ہ otherwise;
  - presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF) to base letters (NFKC);
  - hamza/madda composed: ی+ٔ -> ئ, ہ+ٔ -> ۂ, و+ٔ -> ؤ, ا+ٓ -> آ, ے+ٔ -> ۓ;
  - diacritics (U+064B-065F, U+0670, U+06D6-06ED), tatweel, ZWNJ/ZWJ, BOM
    and controls dropped; Urdu and Arabic-Indic digits to ASCII;
  - Latin lower-cased; any run of white space to one ' ', trimmed.

Example:  norm("پاکِستان") == "پاکستان"
"""
import unicodedata

_MAP = {
    "\u064A": "\u06CC", "\u0649": "\u06CC",  # Arabic yeh / alef maksura -> Farsi yeh
    "\u0643": "\u06A9",                      # Arabic kaf -> keheh
    "\u0629": "\u06C3",                      # teh marbuta -> teh marbuta goal
}
for _i in range(10):
    _MAP[chr(0x06F0 + _i)] = str(_i)
    _MAP[chr(0x0660 + _i)] = str(_i)

_COMPOSE = {
    ("\u06CC", "\u0654"): "\u0626", ("\u064A", "\u0654"): "\u0626",
    ("\u06C1", "\u0654"): "\u06C2", ("\u0648", "\u0654"): "\u0624",
    ("\u0627", "\u0653"): "\u0622", ("\u06D2", "\u0654"): "\u06D3",
    ("\u0627", "\u0654"): "\u0623",
}


def _is_drop(c):
    o = ord(c)
    return (0x064B <= o <= 0x065F or o == 0x0670 or 0x06D6 <= o <= 0x06ED
            or o in (0x0640, 0x200C, 0x200D, 0xFEFF, 0x200E, 0x200F)
            or (o < 0x20 and c not in "\t\n\r") or 0x7F <= o < 0xA0)


def _is_letter(c):
    return c != "" and unicodedata.category(c).startswith("L")


def norm(s):
    """Normalize one string the way kh_normalize does."""
    out = []
    chars = []
    for c in s:
        o = ord(c)
        if 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFE:
            chars.extend(unicodedata.normalize("NFKC", c))
        else:
            chars.append(c)
    n = len(chars)
    for i, c in enumerate(chars):
        if (c == "\u0654" or c == "\u0653") and out and (out[-1], c) in _COMPOSE:
            out[-1] = _COMPOSE[(out[-1], c)]
            continue
        if _is_drop(c):
            continue
        if c == "\u0647":  # Arabic heh: by its place in the word
            j = i + 1
            while j < n and _is_drop(chars[j]):
                j += 1
            nxt = chars[j] if j < n else ""
            prev = out[-1] if out else ""
            c = "\u06BE" if _is_letter(prev) and _is_letter(nxt) else "\u06C1"
        c = _MAP.get(c, c)
        if c.isspace() or c == "\u00A0":
            c = " "
        out.append(c.lower() if c.isascii() else c)
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
