#!/usr/bin/env python3
"""gen_lemma.py -- build src/text/lemma_tab.h, the lemma table of kh_lemma().

Usage (from the repository root):  python3 tools/gen_lemma.py ../shared/data

kh_lemma() first looks a normalized word up in this table, and only when it
is absent applies its default suffix rules (stem.c).  The table has two
parts, both sorted by bytes of the form:

 1. UD pairs: every form of ud-urdu-udtb/ur_udtb-ud-DEV.conllu whose lemma
    differs from the form, or which ends in a suffix the rules act on, with
    its most frequent dev lemma (both normalized).  This is how kh_lemma
    learns UD's closed-class and irregular lemmas (کی -> کا, گیا -> جانا,
    اس -> یہ, ممالک -> ملک) and its conventions (دیا -> دےنا).  The TEST split
    is never read here: bench/lemma_eval.c reports test as the held-out
    figure and dev as "used to build the table".
 2. Dictionary pairs: every word of the vocabulary (UNLT-WT 1-gram counts
    and urduhack words.txt) with a plural/oblique or verbal ending whose
    candidate lemma is itself a vocabulary word, choosing the most frequent
    candidate (UNLT counts):
       یوں -> ی   یاں -> ی   اؤں -> ا   وں -> ا | ہ | ∅   ئیں -> ∅ | نا
       یں -> ∅ | نا   ے -> ا | ہ | نا   ات -> ∅ | ہ  (stem >= 3 letters)
       تا تی تے یا ئے ئی ا ∅ -> نا  (verb forms, tried first: only when the
       infinitive is at least a tenth as frequent as the form, so بھائی
       stays بھائی; یں ئیں prefer نا when it is a word: کریں -> کرنا)
    Entries whose lemma is the default rule's answer are left out; a word
    the default rule would change wrongly is listed as its own lemma.
"""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from urdu_norm import load_vocab, read_conllu, write_hash_slots  # noqa: E402

# (suffix, replacements) tried longest first; a replacement is kept if the
# resulting lemma is a vocabulary word.
NOUN_RULES = [
    ("یوں", ["ی"]), ("یاں", ["ی"]), ("اؤں", ["ا"]), ("ئیں", ["", "نا"]),
    ("وں", ["ا", "ہ", ""]), ("یں", ["", "نا"]), ("ے", ["ا", "ہ", "نا"]),
    ("ات", ["", "ہ"]),
]
# verb forms -> infinitive, tried before the noun rules: participles تا تی تے,
# perfectives یا ئے ئی ا, bare stems (∅)
VERB_RULES = [("تا", "نا"), ("تی", "نا"), ("تے", "نا"), ("یا", "نا"), ("ئے", "نا"), ("ئی", "نا"),
              ("ا", "نا"), ("ی", "نا"), ("", "نا")]
# the infinitive must be at least this fraction as frequent as the form
VERB_RATIO = {"": 0.02, "ی": 0.1}
VERB_RATIO_DEFAULT = 0.1
# suffixes the run-time rules act on (stem.c kh_lemma defaults)
RULE_SUFFIXES = ("یوں", "یاں", "اؤں", "وں", "یں", "ے", "ات", "تا", "تی", "تے", "یا", "ئے", "ئی")


def default_rule(w):
    """Mirror of the default rules of kh_lemma in stem.c (table miss)."""
    n = len(w)
    if n >= 4 and w.endswith("یوں"):
        return w[:-3] + "ی"
    if n >= 4 and w.endswith("یاں"):
        return w[:-3] + "ی"
    if n >= 4 and w.endswith("اؤں"):
        return w[:-3] + "ا"
    return w


def verb_lemma(w, freq):
    """Infinitive of a verb form, when the infinitive is a word at least a
    tenth as frequent as the form (so بھائی stays بھائی, سن stays سن)."""
    fw = freq.get(w, 0)
    for suf, rep in VERB_RULES:
        if w.endswith(suf):
            x = w[: len(w) - len(suf)]
            c = x + rep
            if len(x) >= 1 and c != w and freq.get(c, 0) > 0 and \
                    freq[c] >= fw * VERB_RATIO.get(suf, VERB_RATIO_DEFAULT):
                return c
    return None


def dict_lemma(w, freq):
    fw = freq.get(w, 0)
    v = verb_lemma(w, freq)
    if v:
        return v
    for suf, reps in NOUN_RULES:
        if not w.endswith(suf):
            continue
        x = w[: -len(suf)]
        if len(x) < 2 or (suf == "ات" and len(x) < 3):
            continue
        best, bf = None, -1
        if suf == "وں" and x + "ے" in freq:
            # a marked masculine noun has an oblique -ے: کمروں -> کمرہ (not کمر),
            # unless the bare stem is ten times as frequent (سالوں -> سال)
            fx = freq.get(x, 0)
            for r in ("ا", "ہ"):
                c = x + r
                if c in freq and freq[c] * 10 >= fx and freq[c] > bf:
                    best, bf = c, freq[c]
            if best:
                return best
        for r in reps:
            c = x + r
            if c != w and c in freq and freq[c] > bf:
                if r == "نا" and freq[c] * 10 < fw:
                    continue
                if r == "نا":  # an infinitive is evidence of a verb: کریں -> کرنا
                    return c
                best, bf = c, freq[c]
        if best:
            return best
        break
    return None


FUTURE = ("گا", "گی", "گے")
FUTURE_STEM_ENDS = ("ے", "یں", "ئے", "ئی", "ی", "و", "ؤ", "ں")


def lemma_py(w, table):
    """Python twin of kh_lemma (stem.c), for cross-validation."""
    def word(x):
        if x in table:
            return table[x]
        return default_rule(x) if len(x) >= 4 else x
    if w in table:
        return table[w]
    if "_" in w:
        first, _, last = w.rpartition("_")
        if last in FUTURE:
            return word(first) if "_" not in first else word(w)
        return first + "_" + word(last)
    if w.endswith(FUTURE) and len(w) >= 4 and w[:-2].endswith(FUTURE_STEM_ENDS) and w[:-2] in table:
        return table[w[:-2]]  # fused future: آئےگا -> lemma of آئے
    return word(w)


def build_table(ud_rows, freq):
    """form -> lemma from UD rows (form, lemma, upos) and the vocabulary."""
    table = {}
    pairs = collections.defaultdict(collections.Counter)
    for form, lemma, upos in ud_rows:
        if form and lemma and " " not in form and " " not in lemma:
            pairs[form][lemma] += 1
    n_ud = 0
    for form, c in pairs.items():
        lemma = c.most_common(1)[0][0]
        last = form.rsplit("_", 1)[-1]
        if lemma != form or last.endswith(RULE_SUFFIXES) or dict_lemma(form, freq):
            if lemma != default_rule(form):
                table[form] = lemma
                n_ud += 1
    n_dict = 0
    for w in sorted(freq):
        if w in pairs or len(w) < 3:
            continue
        lem = dict_lemma(w, freq)
        if lem is None and default_rule(w) != w:
            lem = w  # a word the default rule would break: نمایاں is no plural
        if lem and lem != default_rule(w):
            table[w] = lem
            n_dict += 1
    return table, n_ud, n_dict


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    freq = load_vocab(data)
    dev = os.path.join(data, "ud-urdu-udtb/ur_udtb-ud-dev.conllu")
    table, n_ud, n_dict = build_table(read_conllu(dev), freq)
    items = sorted(table.items(), key=lambda kv: kv[0].encode("utf-8"))
    out = os.path.join(root, "src/text/lemma_tab.h")
    with open(out, "w", encoding="utf-8") as f:
        f.write("/*\n** lemma_tab.h -- GENERATED by tools/gen_lemma.py from ../shared/data\n"
                "** (ud-urdu-udtb DEV split, CC BY-NC-SA 4.0; UNLT-WT 1-grams, CC BY 4.0;\n"
                "** urduhack words, MIT).  form -> lemma, sorted by bytes of form.\n"
                "** Do not edit; run `make gen`.\n*/\n")
        f.write("static const kh__lemma_pair kh__lemma_tab[] = {\n")
        for k, v in items:
            f.write('  {"%s", "%s"},\n' % (k, v))
        f.write("};\n\n/* hash slots: index + 1 into kh__lemma_tab by FNV-1a, linear probing */\n")
        write_hash_slots(f, "kh__lemma_slots", [k for k, v in items])
    print("lemma table: %d pairs (%d from UD dev, %d from the vocabulary) -> %s"
          % (len(items), n_ud, n_dict, os.path.relpath(out, root)))


if __name__ == "__main__":
    main()
