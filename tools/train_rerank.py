#!/usr/bin/env python3
"""train_rerank.py -- learn the weights of kh_search's re-ranking (rerank.c)
from the features of COUNTER known-item queries, with k-fold
cross-validation, and write them as src/store/rerank_model.h.

The features come from the benchmark, which runs the real kh_search on the
600 COUNTER pairs and dumps every re-scored candidate (DUMP=FILE, one line a
candidate: pair, rowid, relevant, pairs listed before this one among the
row's identical sources, the row's identical sources, bm25, then the
features KH__RR_F* in enum order):

    make bench
    DUMP=/tmp/rr.txt ./build/bench/store_counter ../shared/data
    python3 tools/train_rerank.py /tmp/rr.txt > src/store/rerank_model.h

The model is linear, score = sum w_i f_i.  By default (RR_METHOD=ca) the
weights of RR_LEARN are found by coordinate ascent on the training queries'
MRR@10 (see ca_fit below).  RR_METHOD=logistic: the earlier fit, a pairwise
logistic ranker
(RankNet with a linear scorer): for each query, every pair (its true
source, another candidate) is one example of f_true - f_other that should
score > 0.  Features are standardised on the training queries, an L2
penalty keeps weights small, and Newton's method finds the optimum (the
problem is convex).  Pairs are weighted by how much the pair costs MRR
(LambdaRank: |1/rank_true - 1/rank_other| under the previous fit), after a
first unweighted fit.

Cross-validation: the queries are split into K folds by pair number
(pair % K); the model of fold k is trained on the other folds only.  The
header holds the K fold models next to the shipped model (trained on all
600), so the benchmark scores every query with the model that never saw it
(held-out MRR@10) in the same run as the shipped model and the peers.
MRR is computed here the way the benchmark counts it (an identical-text
source listed after the stored copy, rank cut at 10).

python3 standard library only.
"""
import math
import sys

import os

K = 5                                       # folds
L2 = float(os.environ.get("RR_L2", "1.0"))  # L2 penalty on standardised weights
ROUNDS = int(os.environ.get("RR_ROUNDS", "3"))  # fits: 1 plain, then LambdaRank-weighted refits
# RR_MASK=0110...: use only the features marked 1 (experiments; the rest weigh 0)
MASK = os.environ.get("RR_MASK", "")
NAMES = ["bm25", "prox", "lead", "fuzzy", "tcov", "skel", "tfrac", "cov", "tcovn", "first",
         "order", "tbm25", "len", "ncov", "skelt", "bm25n", "head", "bm25r", "leadr", "tcovr", "gramq", "gramd", "num",
         "numu"]


def load(path):
    """queries: pair -> list of (rel, before, size, features) in first-stage order"""
    q = {}
    for line in open(path):
        v = line.split()
        pair, rel, before, size = int(v[0]), int(v[2]), int(v[3]), int(v[4])
        f = [float(x) for x in v[6:]]
        q.setdefault(pair, []).append((rel, before, size, f))
    return q


def score(w, f):
    return sum(a * b for a, b in zip(w, f))


def ranked(w, cands):
    """the candidates' indices in re-ranked order (ties: first-stage order)"""
    s = [score(w, c[3]) for c in cands]
    return sorted(range(len(cands)), key=lambda i: (-s[i], i))


def rr(w, cands):
    """reciprocal rank at 10 as the benchmark counts it, and R@1"""
    slot = 0
    for i in ranked(w, cands):
        rel, before, size, _ = cands[i]
        if rel:
            r = slot + before + 1
            return (1.0 / r if r <= 10 else 0.0), (1.0 if r == 1 else 0.0)
        slot += size
    return 0.0, 0.0


def solve(a, b):
    """a x = b by Gaussian elimination with partial pivoting"""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12:
            continue
        for r in range(c + 1, n):
            t = m[r][c] / m[c][c]
            if t:
                for k in range(c, n + 1):
                    m[r][k] -= t * m[c][k]
    x = [0.0] * n
    for c in range(n - 1, -1, -1):
        if abs(m[c][c]) < 1e-12:
            continue
        x[c] = (m[c][n] - sum(m[c][k] * x[k] for k in range(c + 1, n))) / m[c][c]
    return x


# RR_BASE=1 (the default): the hand-set weights of the earlier re-ranking
# (BM25 1, proximity 0.3, lead 0.1, spelling variants 0.25, skeletons 1; chosen
# on the even COUNTER pairs and by definition, docs/store.md) are kept fixed and
# the other features' weights are learned on top of them; RR_BASE=0 learns all.
BASE = ({"bm25": 1.0, "prox": 0.3, "lead": 0.1, "fuzzy": 0.25, "skel": 1.0}
        if os.environ.get("RR_BASE", "1") != "0" else {})

# features whose weight may be negative (every other one is evidence of a match
# and may only help: a non-negative weight, so a user's query that matches
# better never ranks lower for it)
FREE = {"len"}


def fit(queries, use):
    """weights (raw feature units) from the queries in use, the evidence
    features constrained to >= 0: the features whose weights come out negative
    are dropped (weight 0) and the rest refit, until none is negative"""
    nf = len(next(iter(queries.values()))[0][3])
    off = set()
    while True:
        w = fit1(queries, use, off)
        neg = [j for j in range(nf) if w[j] < 0 and (j >= len(NAMES) or NAMES[j] not in FREE)
               and (j >= len(NAMES) or NAMES[j] not in BASE)]
        if not neg:
            return w
        off.update(neg)


SD = []


def fit1(queries, use, off):
    """the fit without the features in off (and without the fixed ones)"""
    nf = len(next(iter(queries.values()))[0][3])
    base = [BASE.get(NAMES[j], 0.0) if j < len(NAMES) else 0.0 for j in range(nf)]
    rows = [c[3] for p in use for c in queries[p]]
    mean = [sum(r[j] for r in rows) / len(rows) for j in range(nf)]
    sd = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in rows) / len(rows)) or 1.0 for j in range(nf)]
    SD[:] = sd
    act = [j for j in range(nf) if (not MASK or (j < len(MASK) and MASK[j] == "1")) and j not in off
           and not base[j]]
    na = len(act)
    w = [0.0] * na
    for rnd in range(ROUNDS):
        raw = base[:]
        for k, j in enumerate(act):
            raw[j] += w[k] / sd[j]
        diffs = []  # (weight, offset from the fixed weights, standardised f_true - f_other)
        for p in use:
            cands = queries[p]
            t = [i for i, c in enumerate(cands) if c[0]]
            if not t:
                continue
            ti = t[0]
            order = ranked(raw, cands) if rnd else None
            pos = {i: k for k, i in enumerate(order)} if order else None
            pairs = []
            ft = cands[ti][3]
            for i, c in enumerate(cands):
                if i == ti:
                    continue
                if rnd:  # LambdaRank: the change in reciprocal rank if the two swapped
                    a, b = pos[ti] + 1, pos[i] + 1
                    g = abs(1.0 / a - 1.0 / b)
                else:
                    g = 1.0
                o = sum(base[j] * (ft[j] - c[3][j]) for j in range(nf) if base[j])
                d = [(ft[j] - c[3][j]) / sd[j] for j in act]
                pairs.append((g, o, d))
            tot = sum(x[0] for x in pairs) or 1.0
            diffs.extend((g / tot, o, d) for g, o, d in pairs)  # each query weighs the same
        # Newton's method on sum_k g_k log(1 + exp(-(o_k + w.d_k))) + L2/2 |w|^2
        for _ in range(30):
            grad = [L2 * x for x in w]
            hess = [[L2 if i == j else 0.0 for j in range(na)] for i in range(na)]
            for g, o, d in diffs:
                z = o + sum(a * b for a, b in zip(w, d))
                pr = 1.0 / (1.0 + math.exp(z)) if z > -30 else 1.0  # sigmoid(-z)
                if z > 30:
                    pr = 0.0
                h = g * pr * (1 - pr)
                gp = g * pr
                for i in range(na):
                    grad[i] -= gp * d[i]
                    if h:
                        di = h * d[i]
                        hi = hess[i]
                        for j in range(i, na):
                            hi[j] += di * d[j]
            for i in range(na):
                for j in range(i):
                    hess[i][j] = hess[j][i]
            step = solve(hess, grad)
            w = [a - b for a, b in zip(w, step)]
            if not step or max(abs(x) for x in step) < 1e-6:
                break
    raw = base[:]
    for k, j in enumerate(act):
        raw[j] += w[k] / sd[j]
    if not any(base) and raw[0] > 0:  # scale so the first stage's BM25 weighs 1 (ranking unchanged)
        raw = [x / raw[0] for x in raw]
    return raw


# ---- coordinate ascent on the training queries' MRR@10 (RR_METHOD=ca, the
# default): the logistic loss above weighs every (true source, other) pair of
# the 30-50 candidates, most of them far below the top, so a feature that only
# decides between the first two (the headline's numbers) comes out small.
# Coordinate ascent (Metzler & Croft 2007, RankLib's CoordinateAscent) moves
# one weight at a time over a fixed grid and keeps a move when the training
# queries' MRR@10, counted as the benchmark counts it, goes up; sweeps until
# none does (at most CA_SWEEPS).  The hand-set weights stay fixed, as above.

CA_GRID = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 30, 40, 50, 60, 80]
CA_SWEEPS = int(os.environ.get("RR_SWEEPS", "2"))
# the features coordinate ascent may move (RR_LEARN=a,b,...; the rest stay 0)
CA_LEARN = os.environ.get("RR_LEARN", "tfrac,len,gramq,num").split(",")
# largest weight a feature may get (RR_CAP=name:max,...).  The title features
# are capped at 5: at tfrac 10 / gramq 20 (uncapped coordinate ascent) a title
# holding one query word beats an article holding the query's name in
# another spelling and its other word (tests/test_store.c
# store_rerank_name_spelling_variant fails): COUNTER's headline-to-title
# match is not every user's query
CA_CAP = {k: float(v) for k, v in (x.split(":") for x in os.environ.get("RR_CAP", "tfrac:5,gramq:5").split(",") if x)}


def ca_fit(queries, use, learn_names=None):
    """coordinate ascent over the features learn_names (default RR_LEARN) on the
    queries in use; the weights in raw feature units"""
    nf = len(next(iter(queries.values()))[0][3])
    learn = [NAMES.index(n) for n in (learn_names or CA_LEARN) if n in NAMES and NAMES.index(n) < nf]
    base = [BASE.get(NAMES[j], 0.0) if j < len(NAMES) else 0.0 for j in range(nf)]
    if not base[0]:
        base[0] = 1.0  # BM25 is the scale
    # a query whose true source is not among the candidates counts 0 whatever the weights
    use = [p for p in use if any(c[0] for c in queries[p])]
    cur = {p: [sum(b * f for b, f in zip(base, c[3]) if b) for c in queries[p]] for p in use}
    cols = {p: [[c[3][j] for c in queries[p]] for j in learn] for p in use}
    meta = {}
    for p in use:
        cands = queries[p]
        ti = [i for i, c in enumerate(cands) if c[0]][0]
        meta[p] = (ti, [c[2] for c in cands], cands[ti][1])

    def rr_of(sc, m):
        """reciprocal rank at 10 of the true source under scores sc (ties: first-stage order)"""
        ti, size, before = m
        t = sc[ti]
        slot = 0
        for i, x in enumerate(sc):
            if i != ti and (x > t or (x == t and i < ti)):
                slot += size[i]
        r = slot + before + 1
        return 1.0 / r if r <= 10 else 0.0

    def total(k, d):
        """training MRR (sum) with weight k moved by d"""
        m = 0.0
        for p in use:
            sc = cur[p]
            if d:
                sc = [x + d * c for x, c in zip(sc, cols[p][k])]
            m += rr_of(sc, meta[p])
        return m

    w = [0.0] * len(learn)
    best = total(0, 0.0) if learn else 0.0
    for _ in range(CA_SWEEPS):
        moved = False
        for k, j in enumerate(learn):
            grid = [g for g in CA_GRID if g <= CA_CAP.get(NAMES[j], g)]
            grid += [-x for x in CA_GRID[1:8]] if NAMES[j] in FREE else []
            bk = None
            for g in grid:
                if g == w[k]:
                    continue
                m = total(k, g - w[k])
                if m > best + 1e-9:
                    best, bk = m, g
            if bk is not None:  # keep the best move of this weight
                d = bk - w[k]
                for p in use:
                    cur[p] = [x + d * c for x, c in zip(cur[p], cols[p][k])]
                w[k] = bk
                moved = True
        if not moved:
            break
    raw = base[:]
    for k, j in enumerate(learn):
        raw[j] = w[k]
    return raw


# ---- honest selection of the learned feature set (RR_VARIANTS="a,b;c,d": the
# candidate sets of features coordinate ascent may move).  The fold model of
# outer fold k (pairs with pair % K == k held out) takes the variant with the
# best inner CV on its own training pairs only (inner folds (pair // K) % 4;
# ties: the earlier variant), refit on all its training pairs; so the held-out
# figure the benchmark prints includes the choice of the feature set.  The
# shipped model takes the variant with the best outer CV on all pairs.
VARIANTS = [v.split(",") for v in os.environ.get(
    "RR_VARIANTS", "tfrac,len,gramq,num;tfrac,len,gramq,numu").split(";") if v]
INNER = 4


def cv_mrr(queries, use, learn, fold_of, k_folds):
    """sum of held-out reciprocal ranks of coordinate ascent over learn"""
    m = 0.0
    for k in range(k_folds):
        tr = [p for p in use if fold_of(p) != k]
        te = [p for p in use if fold_of(p) == k]
        w = ca_fit(queries, tr, learn)
        m += evaluate(queries, w, te)[0]
    return m


def select(queries, use, fold_of, k_folds, log):
    """the variant with the best CV on use"""
    cvs = [cv_mrr(queries, use, v, fold_of, k_folds) / len(use) for v in VARIANTS]
    best = max(range(len(VARIANTS)), key=lambda i: (cvs[i], -i))
    log.append(" ".join("%.4f" % x for x in cvs))
    return VARIANTS[best]


METHOD = os.environ.get("RR_METHOD", "ca")
if METHOD == "ca":
    fit = ca_fit  # noqa: F811 (the logistic fit stays as RR_METHOD=logistic)


def evaluate(queries, w, which):
    m = r1 = 0.0
    for p in which:
        a, b = rr(w, queries[p])
        m += a
        r1 += b
    return m, r1


def fmt(w):
    return "{" + ", ".join("%.6g" % x for x in w) + "}"


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: train_rerank.py DUMP > src/store/rerank_model.h")
    queries = load(sys.argv[1])
    pairs = sorted(queries)
    npairs = 600
    folds = []
    held = hr1 = 0.0
    chosen = []
    nested = METHOD == "ca" and len(VARIANTS) > 1
    for k in range(K):
        train = [p for p in pairs if p % K != k]
        test = [p for p in pairs if p % K == k]
        log = []
        if nested:
            v = select(queries, train, lambda p: (p // K) % INNER, INNER, log)
            chosen.append(v)
            w = ca_fit(queries, train, v)
        else:
            w = fit(queries, train)
        m, r = evaluate(queries, w, test)
        held += m
        hr1 += r
        folds.append(w)
        print("fold %d: held-out MRR@10 %.4f on %d queries%s" % (
            k, m / len(test), len(test),
            "; inner CV of the variants %s -> %s" % (log[0], ",".join(chosen[-1])) if nested else ""),
            file=sys.stderr)
    if nested:
        log = []
        v = select(queries, pairs, lambda p: p % K, K, log)
        print("outer CV of each variant (selects the shipped model): %s -> %s" % (log[0], ",".join(v)),
              file=sys.stderr)
        full = ca_fit(queries, pairs, v)
    else:
        full = fit(queries, pairs)
    m, r = evaluate(queries, full, pairs)
    base = [1.0] + [0.0] * (len(full) - 1)
    bm, br = evaluate(queries, base, pairs)
    print("held-out (%d-fold CV) MRR@10 %.4f R@1 %.4f; shipped (all queries, in-sample) %.4f / %.4f; "
          "bm25 order %.4f / %.4f" % (K, held / npairs, hr1 / npairs, m / npairs, r / npairs, bm / npairs, br / npairs),
          file=sys.stderr)
    for n, x in zip(NAMES, full):
        print("  %-6s %9.4f" % (n, x), file=sys.stderr)
    print("/* rerank_model.h -- generated by tools/train_rerank.py from the features of")
    print("** the COUNTER known-item queries (bench/store_counter.c DUMP=); do not edit.")
    print("** Weights of the features KH__RR_F* (store.h) in enum order:")
    if nested:
        print("** coordinate ascent on MRR@10 (%d sweeps at most, caps %s, the hand-set" % (
            CA_SWEEPS, ", ".join("%s %g" % kv for kv in sorted(CA_CAP.items()))))
        print("** weights fixed) over one of the feature sets %s;" % " / ".join(",".join(v) for v in VARIANTS))
        print("** each fold model's set chosen by inner %d-fold CV on its own training" % INNER)
        print("** queries (%s), the shipped model's by the outer CV (%s)." % (
            "; ".join("fold %d %s" % (k, ",".join(v)) for k, v in enumerate(chosen)), ",".join(v)))
    elif METHOD == "ca":
        print("** coordinate ascent on MRR@10 over %s (%d sweeps at most," % (", ".join(CA_LEARN), CA_SWEEPS))
        print("** caps %s), the hand-set weights fixed." % ", ".join("%s %g" % kv for kv in sorted(CA_CAP.items())))
    else:
        print("** a pairwise logistic ranker (L2 %g, %d LambdaRank-weighted rounds), BM25 scaled to 1." % (L2, ROUNDS))
    print("** KH__RR_MODEL is trained on all %d queries (the shipped model);" % npairs)
    print("** KH__RR_CV_MODEL[k] on the queries with pair %% %d != k only, so the" % K)
    print("** benchmark can score every query with a model that never saw it.")
    print("** Trainer's own figures: held-out MRR@10 %.4f (R@1 %.4f), shipped in-sample" % (held / npairs, hr1 / npairs))
    print("** %.4f (R@1 %.4f), BM25 order %.4f (R@1 %.4f). */" % (m / npairs, r / npairs, bm / npairs, br / npairs))
    print("#define KH__RR_MODEL %s" % fmt(full))
    print("#define KH__RR_CV_FOLDS %d" % K)
    print("#define KH__RR_CV_MODEL {%s}" % ", ".join(fmt(w) for w in folds))


if __name__ == "__main__":
    main()
