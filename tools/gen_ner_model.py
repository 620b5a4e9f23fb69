#!/usr/bin/env python3
"""gen_ner_model.py — train khabar's NER tagger and write src/analyze/ner_model.h.

Usage (from the repository root):  python3 tools/gen_ner_model.py ../shared/data

Builds the library (make build/libkhabar.a), compiles tools/train_ner.c against it
and runs it on ../shared/data/ner (see train_ner.c for the data and the split).
The model depends on the gazetteer (its tags are features), so `make gen` runs
gen_gazetteer.py first (alphabetical order).  Python standard library only.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: python3 tools/gen_ner_model.py ../shared/data")
    data = os.path.abspath(sys.argv[1])
    out = os.path.join(ROOT, "src", "analyze", "ner_model.h")
    subprocess.check_call(["make", "-s", "build/libkhabar.a"], cwd=ROOT)
    os.makedirs(os.path.join(ROOT, "build", "tools"), exist_ok=True)
    exe = os.path.join(ROOT, "build", "tools", "train_ner")
    subprocess.check_call(["cc", "-std=c11", "-D_DEFAULT_SOURCE", "-O2", "-Iinclude", "-DKH_BUILDING",
                           "tools/train_ner.c", "build/libkhabar.a", "-lsqlite3", "-ljansson", "-lm",
                           "-lpthread", "-o", exe], cwd=ROOT)
    subprocess.check_call([exe, data, out], cwd=ROOT)
    # the library must be rebuilt with the new model
    subprocess.check_call(["make", "-s", "build/libkhabar.a"], cwd=ROOT)


if __name__ == "__main__":
    main()
