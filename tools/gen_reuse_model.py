#!/usr/bin/env python3
"""gen_reuse_model.py — fit khabar's reuse classifier on COUNTER and write src/corpus/reuse_model.h.

Usage (from the repository root):  python3 tools/gen_reuse_model.py ../shared/data

Builds the library and bench/counter_reuse.c, then runs
  ./build/bench/counter_reuse --data DATA --write-model src/corpus/reuse_model.h
which scores the 600 COUNTER pairs with the library's own features (kh__reuse_features),
prints the nested 10-fold cross-validation figures, picks the L2 strength by 5-fold CV on
all pairs, fits the logistic regression on all of them and writes the header.  The library
is rebuilt with the new model afterwards.

While the feature set is being changed the old header no longer fits it; classify.c then
labels every pair ND (the COUNTER test fails) until this program has been run.
Python standard library only.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: python3 tools/gen_reuse_model.py ../shared/data")
    data = os.path.abspath(sys.argv[1])
    out = os.path.join("src", "corpus", "reuse_model.h")
    subprocess.check_call(["make", "-s", "build/libkhabar.a", "build/bench/counter_reuse"], cwd=ROOT)
    subprocess.check_call([os.path.join(ROOT, "build", "bench", "counter_reuse"), "--data", data,
                           "--write-model", out], cwd=ROOT)
    # the library (and what links it) must be rebuilt with the new model
    subprocess.check_call(["make", "-s", "build/libkhabar.a"], cwd=ROOT)


if __name__ == "__main__":
    main()
