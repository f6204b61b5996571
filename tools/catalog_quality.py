"""Measured quality for the catalog, from public leaderboards (build_catalog.py).

Each source is a git repository (a clone or a bare mirror); the file is read
at HEAD with `git show`, and its date is the date of the last commit that
touched it (the leaderboard's snapshot date), so every figure says where and
when it was measured.  Standard library only.

Sources (repository, file):
  lmarena    lmarena/arena-catalog        data/leaderboard-text.json
  livebench  LiveBench/livebench.github.io public/table_<newest>.csv (+ categories_<same>.json)
  aider      Aider-AI/aider               aider/website/_data/polyglot_leaderboard.yml

Scales (all 0..100):
  lmarena    Elo normalised over the board's range: 100 * (elo - min) / (max - min),
             min and max over every model on that board (category boards each
             on their own range).
  livebench  the site's own scores (percent): a category is the mean of its
             tasks, the overall figure the mean of the categories.
  aider      pass_rate_2 (percent of the 225 exercises solved in two tries).

Per model: `quality` (overall) is the LMArena "full" figure; for a model
LMArena does not list, the LiveBench overall mapped onto the LMArena scale by
a least-squares line fitted on the models both boards list (source
"livebench (scaled to lmarena)").  Categories, each from the first source
that has it, a LiveBench figure scaled the same way (its own line per
category) where LMArena has that category too, so one category is one scale:
  coding                 lmarena coding, else livebench (Coding + Agentic Coding)
  math                   lmarena math, else livebench Mathematics
  reasoning              livebench Reasoning
  hard_prompts           lmarena hard_6
  creative_writing       lmarena creative_writing
  instruction_following  lmarena if, else livebench IF
  long_context           lmarena long_user (long user prompts)
  multilingual           lmarena: mean of the non-English language boards (>= 3)
  data_analysis          livebench Data Analysis
  code_editing           aider polyglot
Which leaderboard entry is a catalog model: the entry's name, then the name
with one more variant suffix stripped (dates, effort, thinking budgets:
STRIP_SUFFIXES) until it is a catalog id or alias; NAME_MAP overrides where
names differ.  Several entries for one model: the one with the fewest suffixes
stripped (the plain configuration), ties broken by the higher score.

A model with no measurement gets an estimate (quality_source "estimate"):
the median overall figure of measured models of its family and tier, else of
its vendor and tier, else of its tier.
"""

import csv
import io
import json
import re
import statistics
import subprocess

# Leaderboard name (lowercase) -> catalog id, where stripping suffixes does not find it.
NAME_MAP = {
    "gemini-3-pro": "gemini-3-pro-preview",
    "gemini-3-pro-preview-11-2025": "gemini-3-pro-preview",
    "gemini-3-flash": "gemini-3-flash-preview",
    "gemini-2.5-pro-06-05": "gemini-2.5-pro",
    "gemini-2.5-flash-06-05": "gemini-2.5-flash",
    "gemini-2.0-flash-001": "gemini-2.0-flash",
    "grok-4-fast-chat": "grok-4-fast-non-reasoning",
    "grok-3-preview-02-24": "grok-3",
    "grok-3-mini-beta": "grok-3-mini",
    "grok-code-fast-1-0825": "grok-code-fast-1",
    "mistral-large-3": "mistral-large-2512",
    "qwen3-max-preview": "qwen3-max",
    "qwen3-max-2025-09-23": "qwen3-max",
    "qwen3-235b-a22b-instruct-2507": "qwen3-235b-a22b",
    "chatgpt-4o-latest-20250326": "chatgpt-4o-latest",
    "kimi-k2-thinking-turbo": "kimi-k2-thinking-turbo",
    "llama-4-maverick-17b-128e-instruct": "llama-4-maverick",
    "llama-4-scout-17b-16e-instruct": "llama-4-scout",
    "amazon-nova-pro-v1.0": "nova-pro-v1",
    "amazon-nova-lite-v1.0": "nova-lite-v1",
    "amazon-nova-micro-v1.0": "nova-micro-v1",
    "nova-2-lite": "nova-2-lite-v1",
    "claude-4-1-opus-20250805": "claude-opus-4-1",
    "claude-4-opus-20250514": "claude-opus-4-0",
    "claude-4-sonnet-20250514": "claude-sonnet-4-0",
    "claude-opus-4-20250514": "claude-opus-4-0",
    "claude-sonnet-4-20250514": "claude-sonnet-4-0",
    "claude-3-5-haiku-20241022": "claude-3-5-haiku-latest",
    "deepseek-r1-0528": "deepseek-r1",
    "deepseek-v3-0324": "deepseek-chat-v3-0324",
    "mixtral-8x22b-instruct-v0.1": "mixtral-8x22b-instruct",
    "mixtral-8x7b-instruct-v0.1": "open-mixtral-8x7b",
    "mistral-medium": "mistral-medium-2312",
    "deepseek-v3.1": "deepseek-chat-v3.1",
    "qwen2.5-72b-instruct": "qwen2-5-72b-instruct",
    "qwen2.5-coder-32b-instruct": "qwen-2.5-coder-32b-instruct",
    "kimi-k2-instruct": "kimi-k2",
    "gpt-5.3-instant": "gpt-5.3-chat-latest",
    # Aider's display names
    "gemini 2.5 pro preview 06-05": "gemini-2.5-pro",
    "gemini-2.5-pro-preview-06-05": "gemini-2.5-pro",
    "deepseek r1 (0528)": "deepseek-r1",
    "deepseek v3 (0324)": "deepseek-chat-v3-0324",
    "deepseek-v3.2-exp (chat)": "deepseek-v3.2-exp",
    "kimi k2": "kimi-k2",
    "llama 4 maverick": "llama-4-maverick",
    "grok 3 beta": "grok-3",
    "qwen3 32b": "qwen3-32b",
    "gemini 2.5 pro preview 05-06": "gemini-2.5-pro-preview",
    "gemini 2.5 pro preview 03-25": "gemini-2.5-pro-preview",
    "deepseek-v3.2-exp (reasoner)": "deepseek-v3.2-exp",
    "claude-3-7-sonnet-20250219 (32k thinking tokens)": "claude-3-7-sonnet-20250219",
    "deepseek r1": "deepseek-r1",
    "grok 3 mini beta (high)": "grok-3-mini",
    "grok 3 mini beta (low)": "grok-3-mini",
    "chatgpt-4o-latest (2025-03-29)": "chatgpt-4o-latest",
    "qwen2.5-coder-32b-instruct": "qwen-2.5-coder-32b-instruct",
    "command-a-03-2025-quality": "command-a-03-2025",
    "qwen3 235b a22b diff, no think, alibaba api": "qwen3-235b-a22b",
}

# Variant suffixes a leaderboard adds to a model's name, stripped one at a time.
STRIP_SUFFIXES = re.compile(
    r"(-\d{8}|-\d{4}-\d{2}-\d{2}|-\d{2}-\d{4}|-\d{2}-\d{2}|-\d{4}"
    r"|-(no-?)?think(ing)?(-\d+k)?|-thinking-auto|-highthinking|-(x?high|low|medium|minimal)(-effort)?"
    r"|-nothinking|-base|-default|-bf16|-fp8|-preview|-exp|-latest"
    r"| \((x?high|low|medium|default|no think|no thinking|\d+k think(ing)?|default think)\))$")

# LMArena's non-English language boards (multilingual = their mean).
LANGUAGE_BOARDS = ("chinese", "french", "german", "japanese", "korean", "russian", "spanish")


def git(repo, *args):
    """Runs git on a clone or a bare mirror; returns stdout as text."""
    cmd = ["git", "--git-dir", repo] if repo.rstrip("/").endswith((".git", "/repo")) else ["git", "-C", repo]
    return subprocess.run(cmd + list(args), check=True, capture_output=True, text=True).stdout


def git_file(repo, path):
    """(text, head commit, YYYY-MM-DD of the last commit touching path)."""
    text = git(repo, "show", "HEAD:" + path)
    commit = git(repo, "rev-parse", "HEAD").strip()
    date = git(repo, "log", "-1", "--format=%cs", "HEAD", "--", path).strip()
    return text, commit, date


def normalised(board):
    """{name: elo} -> {name: 0..100} over the board's range."""
    lo, hi = min(board.values()), max(board.values())
    return {k: 100.0 * (v - lo) / (hi - lo) if hi > lo else 50.0 for k, v in board.items()}


def load_lmarena(repo):
    path = "data/leaderboard-text.json"
    text, commit, date = git_file(repo, path)
    boards = {name: normalised({m: r["rating"] for m, r in b.items()}) for name, b in json.loads(text).items()}
    entries = {}
    for name, overall in boards["full"].items():
        cats = {}
        for cat, board in (("coding", "coding"), ("math", "math"), ("hard_prompts", "hard_6"),
                           ("creative_writing", "creative_writing"), ("instruction_following", "if"),
                           ("long_context", "long_user")):
            if name in boards.get(board, {}):
                cats[cat] = boards[board][name]
        langs = [boards[b][name] for b in LANGUAGE_BOARDS if name in boards.get(b, {})]
        if len(langs) >= 3:
            cats["multilingual"] = sum(langs) / len(langs)
        entries[name] = (overall, cats)
    return {"name": "lmarena", "repo": "lmarena/arena-catalog", "file": path, "commit": commit,
            "date": date, "entries": entries}


def load_livebench(repo):
    files = git(repo, "ls-tree", "--name-only", "HEAD", "public/").split()
    table = max(f for f in files if re.fullmatch(r"public/table_\d{4}_\d{2}_\d{2}\.csv", f))
    text, commit, date = git_file(repo, table)
    groups = json.loads(git(repo, "show", "HEAD:" + table.replace("table_", "categories_").replace(".csv", ".json")))
    wanted = {"Reasoning": "reasoning", "Mathematics": "math", "Data Analysis": "data_analysis",
              "IF": "instruction_following"}
    entries = {}
    for row in csv.DictReader(io.StringIO(text)):
        def mean(columns):
            values = [float(row[c]) for c in columns if row.get(c) not in (None, "")]
            return sum(values) / len(values) if values else None
        by_group = {g: mean(cols) for g, cols in groups.items()}
        if any(v is None for v in by_group.values()):
            continue
        cats = {wanted[g]: v for g, v in by_group.items() if g in wanted}
        cats["coding"] = (by_group["Coding"] + by_group["Agentic Coding"]) / 2
        entries[row["model"]] = (sum(by_group.values()) / len(by_group), cats)
    return {"name": "livebench", "repo": "LiveBench/livebench.github.io", "file": table, "commit": commit,
            "date": date, "entries": entries}


def parse_leaderboard_yml(text):
    """The Aider leaderboard's YAML: a flat list of flat maps (no nesting)."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^(- |  )(\w+):\s*(.*)$", line)
        if not m:
            continue
        if m.group(1) == "- ":
            rows.append({})
        if rows:
            rows[-1][m.group(2)] = m.group(3).strip().strip("'\"")
    return rows


def load_aider(repo):
    path = "aider/website/_data/polyglot_leaderboard.yml"
    text, commit, date = git_file(repo, path)
    entries = {}
    for row in parse_leaderboard_yml(text):
        score = float(row.get("pass_rate_2", "nan"))
        name = row.get("model", "")
        if name and score == score and score > entries.get(name, (-1, {}))[0]:
            entries[name] = (score, {"code_editing": score})
    return {"name": "aider-polyglot", "repo": "Aider-AI/aider", "file": path, "commit": commit,
            "date": date, "entries": entries}


def catalog_names(models):
    """lowercase id / alias (also without a provider/ prefix) -> catalog id."""
    names = {}
    for m in models:
        for name in [m["id"]] + m["aliases"]:
            for key in (name.lower(), name.lower().rsplit("/", 1)[-1]):
                names.setdefault(key, m["id"])
    for m in models:
        names[m["id"].lower()] = m["id"]
    return names


def match(name, names):
    """(catalog id, suffixes stripped) for a leaderboard name, or None."""
    candidate, stripped = name.lower(), 0
    while True:
        if candidate in NAME_MAP and NAME_MAP[candidate] in names.values():
            return NAME_MAP[candidate], stripped
        if candidate in names:
            return names[candidate], stripped
        shorter = STRIP_SUFFIXES.sub("", candidate, count=1)
        if shorter == candidate or not shorter:
            return None
        candidate, stripped = shorter, stripped + 1


def best_entries(source, names):
    """catalog id -> (overall, categories) of the entry chosen for it."""
    chosen = {}
    for name, (overall, cats) in source["entries"].items():
        hit = match(name, names)
        if not hit:
            continue
        cid, stripped = hit
        key = (-stripped, overall)
        if cid not in chosen or key > chosen[cid][0]:
            chosen[cid] = (key, overall, cats)
    return {cid: (overall, cats) for cid, (_, overall, cats) in chosen.items()}


def fit_line(pairs):
    """Least-squares (slope, intercept) of y on x."""
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return slope, my - slope * mx


def figure(value, source, line=None):
    """One figure as stored: value 0..100, source name, source date."""
    name = source["name"]
    if line:
        value, name = line[0] * value + line[1], name + " (scaled to lmarena)"
    return {"value": round(max(0.0, min(100.0, value)), 1), "source": name, "date": source["date"]}


CATEGORY_ORDER = ("coding", "math", "reasoning", "hard_prompts", "creative_writing", "instruction_following",
                  "long_context", "multilingual", "data_analysis", "code_editing")


def scale_lines(by_source):
    """Per figure ("overall" or a category): the least-squares line that puts
    a LiveBench figure on the LMArena scale, from the models both list (>= 5)."""
    arena, bench = by_source.get("lmarena", {}), by_source.get("livebench", {})
    lines = {}
    for key in ("overall",) + CATEGORY_ORDER:
        pairs = []
        for cid in bench.keys() & arena.keys():
            pick = (lambda hit: hit[0]) if key == "overall" else (lambda hit: hit[1].get(key))
            if pick(bench[cid]) is not None and pick(arena[cid]) is not None:
                pairs.append((pick(bench[cid]), pick(arena[cid])))
        if len(pairs) >= 5:
            lines[key] = fit_line(pairs)
    return lines


def attach(models, sources):
    """Sets quality fields on every catalog row; returns a summary line.
    LMArena comes first, so a figure another board also has is on its scale."""
    names = catalog_names(models)
    by_source = {s["name"]: best_entries(s, names) for s in sources}
    lines = scale_lines(by_source)
    ordered = sorted(sources, key=lambda s: s["name"] != "lmarena")
    measured = 0
    for m in models:
        overall, cats = None, {}
        for s in ordered:
            hit = by_source[s["name"]].get(m["id"])
            if not hit:
                continue
            scaled = s["name"] == "livebench"
            for cat, value in hit[1].items():
                if cat not in cats:
                    cats[cat] = figure(value, s, lines.get(cat) if scaled else None)
            if overall is None and (s["name"] == "lmarena" or (scaled and "overall" in lines)):
                overall = figure(hit[0], s, lines["overall"] if scaled else None)
        m["quality_by_category"] = {c: cats[c] for c in CATEGORY_ORDER if c in cats}
        if overall:
            measured += 1
            m["quality"], m["quality_source"], m["quality_date"] = overall["value"], overall["source"], overall["date"]
    estimated = estimate(models)
    with_cats = sum(1 for m in models if m["quality_by_category"])
    return ("quality: %d measured (%s), %d estimated, %d with per-category figures"
            % (measured, ", ".join("%s=%d" % (k, len(v)) for k, v in by_source.items()), estimated, with_cats))


def estimate(models):
    """Fills unmeasured models from measured ones of the same family/vendor and tier."""
    measured = [m for m in models if m.get("quality_source") not in (None, "estimate")]
    count = 0
    for m in models:
        if m.get("quality_source"):
            continue
        for same in (lambda o: o["family"] == m["family"] and o["tier"] == m["tier"],
                     lambda o: o["vendor"] == m["vendor"] and o["tier"] == m["tier"],
                     lambda o: o["tier"] == m["tier"]):
            values = [o["quality"] for o in measured if same(o)]
            if values:
                m["quality"], m["quality_source"], m["quality_date"] = round(statistics.median(values), 1), "estimate", ""
                count += 1
                break
    return count


def load_sources(lmarena=None, livebench=None, aider=None):
    """The sources given (repository paths), in category priority order."""
    loaded = []
    if livebench:
        loaded.append(load_livebench(livebench))
    if lmarena:
        loaded.append(load_lmarena(lmarena))
    if aider:
        loaded.append(load_aider(aider))
    return loaded


def source_records(sources):
    """The catalog document's "quality_sources": what each source name means."""
    return {s["name"]: {"repo": s["repo"], "commit": s["commit"], "file": s["file"], "date": s["date"]}
            for s in sources}
