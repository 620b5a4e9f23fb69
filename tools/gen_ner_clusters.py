#!/usr/bin/env python3
"""gen_ner_clusters.py — word classes for the NER tagger: src/analyze/ner_clusters.h.

Usage (from the repository root):  python3 tools/gen_ner_clusters.py ../shared/data

Gathers unlabeled Urdu text from ../shared/data into build/tools/cluster_corpus.txt
(one paragraph or sentence a line) and runs tools/word_clusters.c on it (exchange
clustering of kh_tokenize's normalized tokens, and each word's context signature: its
most salient neighbours among the frequent words; see that file).  Sources: pk-news-2024
and COUNTER titles and bodies, UNLT-ST training text, UNLT-WT raw text, CSaLT, USCorpus
articles and summaries, UD Urdu sentences, and the TEXT of the NER training data
(IL-NER train, the UNER training documents, jahangir, ijnlp2008).  The NER evaluation
text (IL-NER dev, the UNER test documents: every 5th document of each folder, as in
tools/ner_data.h) is left out, so the held-out figures of bench/ner_eval stay held out.
Runs before gen_ner_model.py in `make gen` (alphabetical order); the model's features
depend on these classes.  Python standard library only.
"""
import csv
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NCLASS = 64     # coarse classes
NCLASS2 = 320   # fine classes


def conll_sentences(path):
    """Tokens of each sentence of a token TAB tag file, joined by spaces."""
    out, cur = [], []
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            parts = line.split("\t")
            if not line.strip() or len(parts) < 2:
                if cur:
                    out.append(" ".join(cur))
                cur = []
                continue
            tok = parts[0].strip().replace("_", " ")
            if tok:
                cur.append(tok)
    if cur:
        out.append(" ".join(cur))
    return out


def uner_training_lines(folder):
    """Lines of the UNER training documents (index % 5 != 4 in name order), tags removed."""
    import re
    out = []
    for sub in ("International_News", "National_News", "Sports"):
        names = sorted(n for n in os.listdir(os.path.join(folder, sub)) if ".txt" in n)
        for i, n in enumerate(names):
            if i % 5 == 4:
                continue  # test document
            with open(os.path.join(folder, sub, n), encoding="utf-8-sig", errors="replace") as f:
                for line in f:
                    line = re.sub(r"<[^>]*>", "", line).strip()
                    if line:
                        out.append(line)
    return out


def gather(data):
    """(unlabeled, ner_text): the lines of the unlabeled sources and of the NER training
    text, in the order the corpus file holds them (tools/ner_consistency.py reads the
    unlabeled part too)."""
    lines = []

    def add_text(t):
        for part in (t or "").splitlines():
            part = part.strip()
            if part:
                lines.append(part)

    for name in ("pk-news-2024/pk-news-2024.jsonl", "counter/counter.jsonl"):
        with open(os.path.join(data, name), encoding="utf-8") as f:
            for line in f:
                art = json.loads(line)
                add_text(art.get("title"))
                add_text(art.get("body"))
    unlt = os.path.join(data, "unlt")
    for path in [os.path.join(unlt, "UNLT-ST", "UNLT-ST-Training-Data.txt")] + \
            sorted(glob.glob(os.path.join(unlt, "UNLT-WT", "UNLT-WT-Complete_Raw_Test_Dataset_Part_*.txt"))) + \
            [os.path.join(data, "word-segmentation", "data_diacritized.txt")] + \
            sorted(glob.glob(os.path.join(data, "uscorpus-summary", "articles", "*.txt"))):
        if os.path.exists(path):
            with open(path, encoding="utf-8-sig", errors="replace") as f:
                add_text(f.read())
    for path in sorted(glob.glob(os.path.join(data, "ud-urdu-udtb", "*.conllu"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# text = "):
                    add_text(line[9:])
    ner_lines = []
    ner = os.path.join(data, "ner")
    ner_lines += conll_sentences(os.path.join(ner, "il-ner", "Urdu-train.txt"))
    ner_lines += uner_training_lines(os.path.join(ner, "uner"))
    for path in (os.path.join(ner, "jahangir", "jahangir.txt"), os.path.join(ner, "ijnlp2008", "ijnlp.txt")):
        if os.path.exists(path):
            ner_lines += conll_sentences(path)
    return lines, ner_lines


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: python3 tools/gen_ner_clusters.py ../shared/data")
    data = os.path.abspath(sys.argv[1])
    unlabeled, ner_lines = gather(data)
    lines = unlabeled + ner_lines

    tools = os.path.join(ROOT, "build", "tools")
    os.makedirs(tools, exist_ok=True)
    corpus = os.path.join(tools, "cluster_corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line.replace("\0", " ") + "\n")
    subprocess.check_call(["make", "-s", "build/libkhabar.a"], cwd=ROOT)
    exe = os.path.join(tools, "word_clusters")
    subprocess.check_call(["cc", "-std=c11", "-D_DEFAULT_SOURCE", "-O2", "-Iinclude", "-DKH_BUILDING",
                           "tools/word_clusters.c", "build/libkhabar.a", "-lsqlite3", "-ljansson", "-lm",
                           "-lpthread", "-o", exe], cwd=ROOT)
    out = os.path.join(ROOT, "src", "analyze", "ner_clusters.h")
    subprocess.check_call([exe, corpus, out, str(NCLASS), str(NCLASS2)], cwd=ROOT)
    subprocess.check_call(["make", "-s", "build/libkhabar.a"], cwd=ROOT)


if __name__ == "__main__":
    main()
