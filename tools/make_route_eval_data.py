#!/usr/bin/env python3
"""Regenerate tests/data/route_eval/*.jsonl from public routing-evaluation data.

Python 3 standard library only. Reads the sources straight out of local git
mirrors (bare repositories) with `git --git-dir=MIRROR show COMMIT:PATH`, so the
output depends only on the pinned commits below, never on a working tree.

Sources (mirror path = default of the matching command-line option):

  lm-sys/RouteLLM            --routellm   /work/.mirror/lm-sys+RouteLLM/repo
      commit 0b64fdafe049e596a3f5657c219329f24af24198  (main, 2024-08-09)
      routellm/evals/mt_bench/{question,judgements,contaminated_prompts}.jsonl
      routellm/evals/gsm8k/{gsm8k_responses.csv,contaminated_prompts.jsonl}
      routellm/evals/mmlu/responses/mmlu_*.csv, mmlu/contaminated_prompts.jsonl
        -> mtbench.jsonl, gsm8k.jsonl, mmlu.jsonl

  lmarena/arena-hard-auto    --arena      /work/.mirror/lmarena+arena-hard-auto/repo
      commit 4a705dd6963f777aba2ae79259e3013934e6e012  ("reproduce", 2023-12-14;
      reachable only from refs/pull/1/head, the pre-release "arena-bench" history)
      data/arena-bench-v1/question.jsonl, data/arena-bench-v1/model_judgment/*.jsonl
        -> arena_hard.jsonl

  ulab-uiuc/LLMRouter        --llmrouter  /work/.mirror/ulab-uiuc+LLMRouter/repo
      commit 4e7a796942ce26e9d5f2b93191c7c2585c99c2e3  (main, 2025-12-04)
      data/dcrouter_preprocessed/test.json (held-out split; categories recovered
      by exact match against data/example_data/query_data/default_query_*.jsonl)
        -> llmrouter.jsonl

Output line format (one JSON object per line, UTF-8, keys in this order):
  {"prompt": str, "weak": num, "strong": num, "id": str,
   "category": str (optional), "scores": {model: num} (optional)}

Usage:
  python3 tools/make_route_eval_data.py [--out DIR] [--routellm GITDIR]
      [--arena GITDIR] [--llmrouter GITDIR] [--include-gpqa] [--stats-only]

After writing, prints a Markdown table of baseline APGR figures (prompt length
as the "needs strong" score, random order, and the oracle upper bound).
"""

import argparse
import csv
import io
import json
import math
import os
import random
import subprocess
import sys

ROUTELLM_COMMIT = "0b64fdafe049e596a3f5657c219329f24af24198"
ARENA_COMMIT = "4a705dd6963f777aba2ae79259e3013934e6e012"
LLMROUTER_COMMIT = "4e7a796942ce26e9d5f2b93191c7c2585c99c2e3"

MIRROR_ROOT = "/work/.mirror"
DEFAULT_ROUTELLM = os.path.join(MIRROR_ROOT, "lm-sys+RouteLLM", "repo")
DEFAULT_ARENA = os.path.join(MIRROR_ROOT, "lmarena+arena-hard-auto", "repo")
DEFAULT_LLMROUTER = os.path.join(MIRROR_ROOT, "ulab-uiuc+LLMRouter", "repo")

# RouteLLM's routed pair (routellm/evals/evaluate.py defaults, paper section 5).
RL_STRONG = "gpt-4-1106-preview"
RL_WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"

MAX_PROMPT_CHARS = 4000
MMLU_MAX_ROWS = 3000
LLMROUTER_MAX_ROWS = 2000
RANDOM_PERMUTATIONS = 200
RANDOM_SEED = 20240618  # fixed: the stats are deterministic too


# --------------------------------------------------------------------------
# git helpers


def git_show(gitdir, commit, path):
    out = subprocess.run(
        ["git", "--git-dir=" + gitdir, "show", commit + ":" + path],
        check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def git_ls(gitdir, commit, folder):
    out = subprocess.run(
        ["git", "--git-dir=" + gitdir, "ls-tree", "--name-only", commit,
         folder.rstrip("/") + "/"],
        check=True, capture_output=True)
    return sorted(x for x in out.stdout.decode("utf-8").split("\n") if x)


def jsonl(text):
    # split on "\n" only: str.splitlines() would also split on U+2028 etc.
    return [json.loads(l) for l in text.split("\n") if l.strip()]


TRUNCATED = [0]  # prompts cut by trunc() since the last reset


def trunc(s):
    if len(s) <= MAX_PROMPT_CHARS:
        return s
    TRUNCATED[0] += 1
    return s[:MAX_PROMPT_CHARS]


def num(x):
    """Keep integral scores as ints so 0/1 and 1..10 data stay compact."""
    x = float(x)
    return int(x) if x == int(x) else x


def mean(v):
    return sum(v) / len(v)


# --------------------------------------------------------------------------
# RouteLLM: MT-Bench, GSM8K, MMLU


def contaminated(gitdir, path):
    return {r["eval_prompt"] for r in jsonl(git_show(gitdir, ROUTELLM_COMMIT, path))}


def make_mtbench(gitdir):
    base = "routellm/evals/mt_bench/"
    questions = jsonl(git_show(gitdir, ROUTELLM_COMMIT, base + "question.jsonl"))
    judgements = jsonl(git_show(gitdir, ROUTELLM_COMMIT, base + "judgements.jsonl"))
    bad = contaminated(gitdir, base + "contaminated_prompts.jsonl")
    # RouteLLM's MTBench benchmark scores a question by the mean judge score
    # (1..10) over both turns; do the same per model.
    per = {}
    for j in judgements:
        if j["score"] is None or float(j["score"]) < 0:
            continue
        per.setdefault((j["question_id"], j["model"]), []).append(float(j["score"]))
    rows = []
    for q in questions:
        t = q["turns"]
        if t[0] in bad or t[1] in bad:
            continue  # same decontamination as routellm/evals/benchmarks.py
        w = per.get((q["question_id"], RL_WEAK))
        s = per.get((q["question_id"], RL_STRONG))
        if not w or not s:
            continue
        rows.append({
            "prompt": trunc("\n\n".join(t)),
            "weak": num(round(mean(w), 6)),
            "strong": num(round(mean(s), 6)),
            "id": "mt_bench-%d" % q["question_id"],
            "category": q["category"],
        })
    return rows


def read_csv(gitdir, path):
    return list(csv.DictReader(io.StringIO(git_show(gitdir, ROUTELLM_COMMIT, path))))


def tf(x):
    if x not in ("True", "False"):
        raise ValueError("unexpected boolean %r" % x)
    return 1 if x == "True" else 0


def make_gsm8k(gitdir):
    base = "routellm/evals/gsm8k/"
    bad = contaminated(gitdir, base + "contaminated_prompts.jsonl")
    rows = []
    for i, r in enumerate(read_csv(gitdir, base + "gsm8k_responses.csv")):
        if r["prompt"] in bad:
            continue
        rows.append({
            "prompt": trunc(r["prompt"]),
            "weak": tf(r[RL_WEAK]),
            "strong": tf(r[RL_STRONG]),
            "id": "gsm8k-test-%d" % i,
        })
    return rows


def make_mmlu(gitdir):
    base = "routellm/evals/mmlu/"
    bad = contaminated(gitdir, base + "contaminated_prompts.jsonl")
    full = []
    for path in git_ls(gitdir, ROUTELLM_COMMIT, base + "responses"):
        domain = os.path.basename(path)[len("mmlu_"):-len(".csv")]
        for i, r in enumerate(read_csv(gitdir, path)):
            if r["prompt"] in bad:
                continue
            full.append({
                "prompt": trunc(r["prompt"]),
                "weak": tf(r[RL_WEAK]),
                "strong": tf(r[RL_STRONG]),
                "id": "mmlu-%s-%d" % (domain, i),
                "category": domain,
            })
    step = max(1, math.ceil(len(full) / MMLU_MAX_ROWS))
    return full[::step], len(full), step


# --------------------------------------------------------------------------
# Arena-Bench-v1 (early arena-hard-auto): single-answer GPT-4 grades 1..10

ARENA_WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
ARENA_STRONG = "gpt-4-1106-preview"


def make_arena(gitdir):
    base = "data/arena-bench-v1/"
    questions = jsonl(git_show(gitdir, ARENA_COMMIT, base + "question.jsonl"))
    scores = {}  # question_id -> {model: score}
    for path in git_ls(gitdir, ARENA_COMMIT, base + "model_judgment"):
        for j in jsonl(git_show(gitdir, ARENA_COMMIT, path)):
            s = j.get("score")
            if s is None or str(s) == "None":
                continue
            s = float(s)
            if s < 0:
                continue
            scores.setdefault(j["question_id"], {})[j["model"]] = num(s)
    rows = []
    for q in questions:
        sc = scores.get(q["question_id"], {})
        if ARENA_WEAK not in sc or ARENA_STRONG not in sc:
            continue
        rows.append({
            "prompt": trunc("\n\n".join(q["turns"])),
            "weak": sc[ARENA_WEAK],
            "strong": sc[ARENA_STRONG],
            "id": "arena-bench-v1-" + q["question_id"],
            "scores": {m: sc[m] for m in sorted(sc)},
        })
    return rows


# --------------------------------------------------------------------------
# LLMRouter DCRouter held-out split


def llmrouter_tasks(gitdir):
    """Question text (stripped) -> LLMRouter task name, from its query_data."""
    task = {}
    for p in ("data/example_data/query_data/default_query_test.jsonl",
              "data/example_data/query_data/default_query_train.jsonl"):
        for r in jsonl(git_show(gitdir, LLMROUTER_COMMIT, p)):
            task.setdefault(r["query"].strip(), r["task_name"])
    return task


def make_llmrouter(gitdir, include_gpqa):
    test = json.loads(git_show(gitdir, LLMROUTER_COMMIT,
                               "data/dcrouter_preprocessed/test.json"))
    task = llmrouter_tasks(gitdir)
    picked = []
    for i, x in enumerate(test):
        cat = task.get(x["question"].strip())
        if cat == "gpqa" and not include_gpqa:
            continue
        picked.append((i, x, cat))
    step = max(1, math.ceil(len(picked) / LLMROUTER_MAX_ROWS))
    picked = picked[::step]
    # weakest / strongest = lowest / highest mean score over the written rows
    models = sorted(picked[0][1]["scores"])
    means = {m: mean([x["scores"][m] for _, x, _ in picked]) for m in models}
    weak = min(models, key=lambda m: (means[m], m))
    strong = max(models, key=lambda m: (means[m], m))
    rows = []
    for i, x, cat in picked:
        r = {
            "prompt": trunc(x["question"]),
            "weak": num(x["scores"][weak]),
            "strong": num(x["scores"][strong]),
            "id": "dcrouter-test-%d" % i,
        }
        if cat:
            r["category"] = cat
        r["scores"] = {m: num(x["scores"][m]) for m in models}
        rows.append(r)
    return rows, weak, strong, means


# --------------------------------------------------------------------------
# APGR


def apgr(rows, score):
    """Average performance gap recovered when routing the top-k rows by
    `score` (descending) to the strong model, k = 0..N.

    Ties are handled by spreading a tie group's gain evenly over its members
    (the expectation over all orders within the group). PGR(k) is the
    cumulative gain divided by the total gain; APGR is the trapezoid average
    of PGR over k/N in [0, 1]. Returns None when the total gain is not > 0.
    """
    n = len(rows)
    gains = [float(r["strong"]) - float(r["weak"]) for r in rows]
    total = sum(gains)
    if n == 0 or total <= 0:
        return None
    order = sorted(range(n), key=lambda i: -score[i])
    per_item = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and score[order[j + 1]] == score[order[i]]:
            j += 1
        g = sum(gains[order[k]] for k in range(i, j + 1)) / (j - i + 1)
        for k in range(i, j + 1):
            per_item[k] = g
        i = j + 1
    pgr = [0.0]
    c = 0.0
    for g in per_item:
        c += g
        pgr.append(c / total)
    return sum((pgr[k] + pgr[k + 1]) / 2 for k in range(n)) / n


def stats(name, rows):
    n = len(rows)
    length = [len(r["prompt"]) for r in rows]
    oracle = [float(r["strong"]) - float(r["weak"]) for r in rows]
    rng = random.Random(RANDOM_SEED)
    rand = []
    for _ in range(RANDOM_PERMUTATIONS):
        perm = list(range(n))
        rng.shuffle(perm)
        rand.append(apgr(rows, perm))
    rm = mean(rand)
    rsd = math.sqrt(sum((x - rm) ** 2 for x in rand) / (len(rand) - 1))
    return {
        "file": name, "n": n,
        "weak_mean": mean([float(r["weak"]) for r in rows]),
        "strong_mean": mean([float(r["strong"]) for r in rows]),
        "apgr_len": apgr(rows, length),
        "apgr_neg_len": apgr(rows, [-x for x in length]),
        "apgr_ties": apgr(rows, [0] * n),
        "apgr_rand": rm, "apgr_rand_sd": rsd,
        "apgr_oracle": apgr(rows, oracle),
    }


def table(all_stats):
    out = ["| file | N | weak mean | strong mean | APGR length | APGR -length"
           " | APGR random (mean ± sd, %d perms) | APGR oracle |" % RANDOM_PERMUTATIONS,
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in all_stats:
        out.append("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f ± %.3f | %.3f |" % (
            s["file"], s["n"], s["weak_mean"], s["strong_mean"], s["apgr_len"],
            s["apgr_neg_len"], s["apgr_rand"], s["apgr_rand_sd"], s["apgr_oracle"]))
    return "\n".join(out)


# --------------------------------------------------------------------------


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_back(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f.read().split("\n") if l.strip()]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "data", "route_eval"))
    ap.add_argument("--routellm", default=DEFAULT_ROUTELLM)
    ap.add_argument("--arena", default=DEFAULT_ARENA)
    ap.add_argument("--llmrouter", default=DEFAULT_LLMROUTER)
    ap.add_argument("--include-gpqa", action="store_true",
                    help="keep GPQA rows in llmrouter.jsonl (off by default, see README)")
    ap.add_argument("--stats-only", action="store_true",
                    help="only print APGR baselines for the existing files")
    a = ap.parse_args()
    out = os.path.normpath(a.out)
    names = ["mtbench.jsonl", "gsm8k.jsonl", "mmlu.jsonl", "arena_hard.jsonl",
             "llmrouter.jsonl"]

    if not a.stats_only:
        os.makedirs(out, exist_ok=True)
        files = {}
        cut = {}

        def counted(name, rows):
            cut[name] = TRUNCATED[0]
            TRUNCATED[0] = 0
            return rows

        files["mtbench.jsonl"] = counted("mtbench.jsonl", make_mtbench(a.routellm))
        files["gsm8k.jsonl"] = counted("gsm8k.jsonl", make_gsm8k(a.routellm))
        mmlu, mmlu_full, mmlu_step = make_mmlu(a.routellm)
        files["mmlu.jsonl"] = counted("mmlu.jsonl", mmlu)
        print("mmlu: %d decontaminated rows, kept every %d-th -> %d"
              % (mmlu_full, mmlu_step, len(mmlu)), file=sys.stderr)
        files["arena_hard.jsonl"] = counted("arena_hard.jsonl", make_arena(a.arena))
        llm, weak, strong, means = make_llmrouter(a.llmrouter, a.include_gpqa)
        files["llmrouter.jsonl"] = counted("llmrouter.jsonl", llm)
        print("llmrouter: weak=%s (%.3f) strong=%s (%.3f); model means: %s"
              % (weak, means[weak], strong, means[strong],
                 ", ".join("%s=%.3f" % (m, means[m]) for m in sorted(means, key=means.get))),
              file=sys.stderr)
        for n in names:
            write_jsonl(os.path.join(out, n), files[n])
            print("wrote %s: %d lines, %d bytes, %d prompts truncated to %d chars"
                  % (n, len(files[n]), os.path.getsize(os.path.join(out, n)), cut[n],
                     MAX_PROMPT_CHARS), file=sys.stderr)

    all_stats = []
    for n in names:
        p = os.path.join(out, n)
        if os.path.exists(p):
            s = stats(n, read_back(p))
            all_stats.append(s)
    print(table(all_stats))

    # alternative pairs for the multi-model files, for reference
    extra = []
    for n, w, s in (("arena_hard.jsonl", "llama-13b", "gpt-4-1106-preview"),):
        p = os.path.join(out, n)
        if not os.path.exists(p):
            continue
        rows = [dict(r, weak=r["scores"][w], strong=r["scores"][s])
                for r in read_back(p) if w in r["scores"] and s in r["scores"]]
        st = stats("%s [%s vs %s]" % (n, w, s), rows)
        extra.append(st)
    if extra:
        print()
        print(table(extra))


if __name__ == "__main__":
    main()
