#!/usr/bin/python3
"""Compare learners for the difficulty predictor on megarouter's own features.

Needs Debian's python3-sklearn (not needed to build, train or run megarouter).
Builds the training file as tools/train_router.py does (--keep), asks
`megarouter route features` for each line's hashed features (the code the
router runs), fits several learners on the training file and prints APGR on
the public evaluation sets (tests/data/route_eval), beside megarouter's own
trainer (`route train`, AdaGrad logistic regression).

Usage:
  python3 tools/train_router.py --megarouter build/megarouter --out /tmp/m.txt --keep /tmp/train.jsonl
  /usr/bin/python3 tools/compare_learners.py --megarouter build/megarouter --train /tmp/train.jsonl
"""

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import BernoulliNB
from sklearn.neural_network import MLPRegressor

SLOTS = 1 << 18
EVAL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "route_eval")
EVAL_SETS = ["mtbench.jsonl", "gsm8k.jsonl", "mmlu.jsonl", "arena_hard.jsonl", "llmrouter.jsonl"]


def features(megarouter, path, env):
    out = subprocess.run([megarouter, "route", "features", path], check=True, env=env,
                         capture_output=True).stdout.decode().split("\n")
    rows = [json.loads(line) for line in out if line]
    indptr, indices, data = [0], [], []
    for r in rows:
        indices += r["slots"]
        data += r["values"]
        indptr.append(len(indices))
    x = csr_matrix((np.array(data, dtype=np.float64), np.array(indices), np.array(indptr)), shape=(len(rows), SLOTS))
    x.sum_duplicates()
    return x, np.array([r["target"] for r in rows]), np.array([r["weight"] for r in rows])


def apgr(score, weak, strong):
    # RouteLLM's APGR with ties sharing their gain (as megarouter's evaluate()).
    order = np.argsort(-score, kind="stable")
    s, gain = score[order], (strong - weak)[order]
    total = gain.sum()
    if total <= 0:
        return float("nan")
    n = len(s)
    cum, pgr, i = 0.0, [0.0], 0
    while i < n:
        j = i
        while j < n and s[j] == s[i]:
            j += 1
        mean = gain[i:j].mean()
        for _ in range(i, j):
            cum += mean
            pgr.append(cum / total)
        i = j
    pgr = np.array(pgr)
    return float(((pgr[1:] + pgr[:-1]) / 2).mean())


def outcomes(path):
    weak, strong = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                weak.append(r["weak"])
                strong.append(r["strong"])
    return np.array(weak, dtype=float), np.array(strong, dtype=float)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--megarouter", default="build/megarouter")
    ap.add_argument("--train", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MEGAROUTER_HOME=home)
        x, y, w = features(args.megarouter, args.train, env)
        evals = {name: (features(args.megarouter, os.path.join(EVAL_DIR, name), env)[0],
                        *outcomes(os.path.join(EVAL_DIR, name))) for name in EVAL_SETS}
        # A dense view for the learners that need one: the most used slots.
        used = np.argsort(-np.asarray((x != 0).sum(axis=0)).ravel())[:2000]
        learners = {
            "logistic (sklearn, C=1)": lambda: LogisticRegression(C=1.0, max_iter=2000),
            "logistic (sklearn, C=0.1)": lambda: LogisticRegression(C=0.1, max_iter=2000),
            "ridge regression": lambda: Ridge(alpha=1.0),
            "Bernoulli naive Bayes": lambda: BernoulliNB(alpha=1.0),
            "gradient-boosted trees (2,000 top slots)": lambda: HistGradientBoostingRegressor(max_iter=200,
                                                                                              random_state=1),
            "MLP 32 (2,000 top slots)": lambda: MLPRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=1),
        }
        print("%-42s %s" % ("learner", "  ".join("%-10s" % n.split(".")[0] for n in EVAL_SETS)))
        for name, make in learners.items():
            model = make()
            dense = "top slots" in name
            xt = x[:, used].toarray() if dense else x
            if isinstance(model, (LogisticRegression, BernoulliNB)):
                # Soft targets as weighted positive and negative copies.
                xx = np.vstack([xt, xt]) if dense else __import__("scipy.sparse", fromlist=["vstack"]).vstack([xt, xt])
                yy = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
                ww = np.concatenate([w * y, w * (1 - y)]) + 1e-9
                model.fit(xx, yy, sample_weight=ww)
                predict = lambda m, v: m.predict_proba(v)[:, 1]
            else:
                model.fit(xt, y, sample_weight=w) if not isinstance(model, MLPRegressor) else model.fit(xt, y)
                predict = lambda m, v: m.predict(v)
            cells = []
            for set_name, (xe, weak, strong) in evals.items():
                xv = xe[:, used].toarray() if dense else xe
                cells.append("%-10.3f" % apgr(np.asarray(predict(model, xv), dtype=float), weak, strong))
            print("%-42s %s" % (name, "  ".join(cells)))


if __name__ == "__main__":
    main()
