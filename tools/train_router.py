#!/usr/bin/env python3
"""Train megarouter's built-in difficulty predictor (data/router_model.txt).

Python 3 standard library only. Builds a labelled training file from public
per-prompt outcomes read straight out of local git mirrors at pinned commits,
removes everything that overlaps the evaluation sets, and hands the file to
`megarouter route train`, so training computes features with the very code the
router runs. The same mirrors and the same binary give the same weights.

Sources (licences: data/README.md):

  ulab-uiuc/LLMRouter (MIT)               --llmrouter /work/.mirror/ulab-uiuc+LLMRouter/repo
      commit 4e7a796942ce26e9d5f2b93191c7c2585c99c2e3
      data/dcrouter_preprocessed/train.json: 5,608 prompts with scores for 9
      open models; task names recovered from data/example_data/query_data.
      Target: 1 when the strong model (llama-3.1-nemotron-51b-instruct)
      succeeded where the weak one (llama3-chatqa-1.5-8b) did not.
      Dropped: the gsm8k and mmlu tasks, and agentverse-mgsm (GSM8K
      translated), so nothing of GSM8K or MMLU is trained on.

  ZubinGou/math-evaluation-harness (MIT)  --math /work/.mirror/ZubinGou+math-evaluation-harness/repo
      commit db77bc6b58ae7e6a5b1d4d1d2eafa6b4f0e36b8c (HEAD when fetched)
      data/math/test.jsonl: the MATH test set (5,000 competition problems,
      Hendrycks et al., MIT) with difficulty levels 1-5. Target: (level-1)/4,
      at weight --math-weight.

Decontamination: a training prompt is dropped when it shares any 13-word
sequence with a prompt of tests/data/route_eval/ (MT-Bench, GSM8K, MMLU,
Arena-Bench, the LLMRouter held-out split), or when its normalised text is one
of theirs (for prompts under 13 words).

Usage:
  python3 tools/train_router.py --megarouter build/megarouter [--out data/router_model.txt]
      [--keep train.jsonl] [--llmrouter GITDIR] [--math GITDIR] [--math-weight W]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# The same mirror readers and commit as the evaluation data (tools/ is on sys.path when run).
from make_route_eval_data import LLMROUTER_COMMIT, git_show, jsonl, llmrouter_tasks

MATH_COMMIT = "db77bc6"  # resolved to the full id below
MIRRORS = "/work/.mirror"
WEAK = "llama3-chatqa-1.5-8b"
STRONG = "llama-3.1-nemotron-51b-instruct"
SMALL = ["qwen2.5-7b-instruct", "llama-3.1-8b-instruct", "gemma-2-9b-it", "mistral-7b-instruct-v0.3"]
LARGE = ["llama-3.1-nemotron-51b-instruct", "llama-3.3-nemotron-super-49b-v1"]
TARGET = "small-fails"
DROPPED_TASKS = {"gsm8k", "mmlu", "agentverse-mgsm"}
EVAL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "route_eval")
EVAL_FILES = ["mtbench.jsonl", "gsm8k.jsonl", "mmlu.jsonl", "arena_hard.jsonl", "llmrouter.jsonl"]
NGRAM = 13
MAX_CHARS = 4000


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def shingles(ws):
    return {" ".join(ws[i:i + NGRAM]) for i in range(len(ws) - NGRAM + 1)}


class Decontaminator:
    def __init__(self):
        self.grams, self.short = set(), set()
        for name in EVAL_FILES:
            with open(os.path.join(EVAL_DIR, name), encoding="utf-8") as f:
                for row in jsonl(f.read()):
                    ws = words(row["prompt"])
                    self.grams |= shingles(ws)
                    self.short.add(" ".join(ws))
        self.dropped = 0

    def clean(self, text):
        ws = words(text)
        hit = " ".join(ws) in self.short or any(g in self.grams for g in shingles(ws))
        self.dropped += hit
        return not hit


def llmrouter_rows(gitdir, decon, counts):
    train = json.loads(git_show(gitdir, LLMROUTER_COMMIT, "data/dcrouter_preprocessed/train.json"))
    task = llmrouter_tasks(gitdir)
    rows = []
    for i, x in enumerate(train):
        name = task.get(x["question"].strip(), "unknown")
        if name in DROPPED_TASKS:
            counts["llmrouter dropped (gsm8k, mmlu, mgsm)"] = counts.get("llmrouter dropped (gsm8k, mmlu, mgsm)", 0) + 1
            continue
        if not decon.clean(x["question"]):
            continue
        sc = x["scores"]
        row = {"prompt": x["question"][:MAX_CHARS], "id": "dcrouter-train-%d" % i, "category": name}
        if TARGET == "pair":
            row.update(weak=sc[WEAK], strong=sc[STRONG])
        elif TARGET == "small-fails":
            row["hard"] = 1 - sum(sc[m] for m in SMALL) / len(SMALL)
        elif TARGET == "blend":
            small = sum(sc[m] for m in SMALL) / len(SMALL)
            large = sum(sc[m] for m in LARGE) / len(LARGE)
            row["hard"] = ((1 - small) + max(0.0, large - small)) / 2
        else:  # gap between the large and small groups
            row["hard"] = max(0.0, min(1.0, sum(sc[m] for m in LARGE) / len(LARGE) - sum(sc[m] for m in SMALL) / len(SMALL)))
        rows.append(row)
    counts["llmrouter"] = len(rows)
    return rows


def math_rows(gitdir, decon, weight, counts):
    commit = subprocess.run(["git", "--git-dir=" + gitdir, "rev-parse", MATH_COMMIT],
                            check=True, capture_output=True).stdout.decode().strip()
    rows = []
    for x in jsonl(git_show(gitdir, commit, "data/math/test.jsonl")):
        level = re.search(r"(\d)", x.get("level", ""))
        if not level or not decon.clean(x["problem"]):
            continue
        rows.append({"prompt": x["problem"][:MAX_CHARS], "hard": (int(level.group(1)) - 1) / 4,
                     "weight": weight, "id": "math-test-%d" % x["idx"], "category": "math:" + x["type"]})
    counts["math"] = len(rows)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--megarouter", default="build/megarouter")
    ap.add_argument("--out", default="data/router_model.txt")
    ap.add_argument("--keep", help="also write the training file here")
    ap.add_argument("--llmrouter", default=os.path.join(MIRRORS, "ulab-uiuc+LLMRouter", "repo"))
    ap.add_argument("--math", default=os.path.join(MIRRORS, "ZubinGou+math-evaluation-harness", "repo"))
    ap.add_argument("--math-weight", type=float, default=0.0,
                    help="include MATH test problems (target (level-1)/4) at this weight; 0 (default) leaves them out")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--l2", type=float, default=1e-6)
    ap.add_argument("--target", default="small-fails", choices=["pair", "small-fails", "gap", "blend"])
    args = ap.parse_args()
    global TARGET
    TARGET = args.target

    decon = Decontaminator()
    counts = {}
    rows = llmrouter_rows(args.llmrouter, decon, counts)
    if args.math_weight > 0:
        rows += math_rows(args.math, decon, args.math_weight, counts)
    counts["dropped as overlapping the evaluation sets"] = decon.dropped
    for k, v in counts.items():
        print("%-45s %d" % (k, v), file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "train.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
        note = "%d prompts of LLMRouter train @%s (minus gsm8k, mmlu, mgsm; target %s)" % (
            counts["llmrouter"], LLMROUTER_COMMIT[:8], args.target)
        if args.math_weight > 0:
            note += ", %d MATH test problems @%s at weight %g" % (counts["math"], MATH_COMMIT, args.math_weight)
        note += "; 13-gram decontaminated against tests/data/route_eval"
        env = dict(os.environ, MEGAROUTER_HOME=tmp)
        subprocess.run([args.megarouter, "route", "train", path, "--out", args.out, "--note", note,
                        "--epochs", str(args.epochs), "--l2", repr(args.l2)], check=True, env=env)
        for name in EVAL_FILES:
            out = subprocess.run([args.megarouter, "route", "eval", os.path.join(EVAL_DIR, name), "--model", args.out,
                                  "--json"], check=True, env=env, capture_output=True).stdout
            figures = json.loads(out)["routers"]
            print("%-18s learned %.3f  keyword analyser %.3f  length %.3f" % (
                name, figures["learned"]["apgr"], figures["analyser"]["apgr"], figures["prompt_length"]["apgr"]))


if __name__ == "__main__":
    main()
