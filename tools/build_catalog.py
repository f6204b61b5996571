#!/usr/bin/env python3
"""Build megarouter's model catalog (data/catalog.json) from public price data.

Dev-time only: the gateway reads data/catalog.json, never the source files.
Standard library only.

Usage:
    python3 tools/build_catalog.py \\
        --litellm    REF/litellm_model_prices.json \\
        --genai      REF/genai_prices.json \\
        --models-dev REF/models_dev.json \\
        --openrouter REF/openrouter_models.json \\
        --out data/catalog.json [--date YYYY-MM-DD] [--check] \\
        [--lmarena REPO] [--livebench REPO] [--aider REPO]

(REF = /work/shared/reference; see its README.md for provenance.)

Quality: --lmarena, --livebench and --aider each name a git repository (a
clone or a bare mirror) of lmarena/arena-catalog, LiveBench/livebench.github.io
and Aider-AI/aider; the environment variables MEGAROUTER_LMARENA,
MEGAROUTER_LIVEBENCH and MEGAROUTER_AIDER are the defaults.  How their scores
become each model's quality, quality_by_category, quality_source and
quality_date is documented in tools/catalog_quality.py; the sources used are
recorded in the document's "quality_sources" and in data/README.md.  Without
any of them quality stays null (a warning says so).

Units: litellm and OpenRouter give USD per token (OpenRouter as decimal
strings); genai-prices (*_mtok) and models.dev (cost.*) give USD per 1M tokens.
Everything in the catalog is USD per 1M tokens.

Which models
------------
* Chat models only: litellm mode chat/responses, OpenRouter text output,
  and a name filter (embedding, image, audio/tts/transcribe/realtime, rerank,
  moderation/guard, ocr, search/deep-research, computer-use, live, robotics...).
* Model set = the vendors' own first-party listings (litellm first-party
  providers, models.dev first-party providers, genai-prices first-party
  providers) plus OpenRouter's catalogue (which adds open-weight models that
  have no first-party API: Llama, Qwen open weights, Gemma, Nemotron...).
  Hosts (groq, together, fireworks, deepinfra, cerebras, azure, bedrock,
  vertex, perplexity) only add offerings to models found that way.
* Dated snapshots (-2024-08-06, -20250514, -0709, -2512, @date, -latest,
  Bedrock region prefixes us./eu./global., -v1:0) become aliases of the
  undated id when the price is the same; a snapshot with a different price
  stays a model of its own.  Canonical id = the vendor's undated API id, else
  the newest dated one.  `ft:` fine-tunes, `:free` variants, zero-priced
  entries, OpenRouter `~latest` routers and community role-play fine-tunes
  are dropped.

Source disagreements (the rule)
-------------------------------
Prices of an offering come from the first source that has it, in this order:
  first-party providers:  litellm  >  genai-prices  >  models.dev
  openrouter:             openrouter_models.json only
  other hosts:            litellm  >  genai-prices  >  models.dev
i.e. the vendor's own first-party listing always wins over resellers (each
offering keeps its own provider's price, the model's headline price is the
first-party one), and among the aggregated listings of the vendor's own price
litellm wins (it carries cache-write, reasoning and long-context tier fields
per model), genai-prices fills models litellm lacks (the newest ones), and
models.dev fills the rest.  genai-prices entries are attached by evaluating
their own `match` rules (first match wins, as the library does); date
constraints pick the price in force at --date, time-of-day constraints pick
the standard (peak) price, not the off-peak discount.  Disagreements > 2%
between first-party sources are printed with --verbose.
Non-price metadata: context / max_output / modalities / release date prefer
models.dev first-party, then litellm first-party, then OpenRouter, then
others.  Capabilities are the union over first-party and OpenRouter rows.
Deprecated: earliest litellm deprecation_date / OpenRouter expiration_date;
if only models.dev says status=deprecated (or genai deprecated: true) the
generation date is used ("known deprecated as of").

Tiers (the rule)
----------------
blended = (3*in + out) / 4 of the headline (first) offering.
 1. light    : name marks a small model (mini, nano, haiku, flash-lite, lite,
               micro, tiny, small, instant, ministral, gemma, <=14B params,
               a3b/a4b active MoE...) or blended < 0.25 USD/M.
 2. frontier : flagship reasoning models: gpt-5.x / gpt-6 full and -pro,
               o1-pro/o3-pro, claude opus (4.5+)/fable/5-series sonnet,
               gemini 3.x pro, grok-4 family top (non-fast), deepseek-v4-pro,
               kimi-k3, qwen3.x-max, glm-5.x (non flash/air)... or blended >= 12.
 3. strong   : sonnet-class, gpt-4o/4.1, o3/o1/o4-mini-class reasoners, gemini
               2.5 pro / 3.x flash, large open models (>=100B, deepseek v3/r1,
               kimi-k2, glm-4.5+, qwen3 235b/480b/max/plus, llama 405b,
               mistral-large/medium, grok-3/4 fast) or blended >= 3.
 4. standard : everything else.
 Flash/fast-class models (gemini *flash, deepseek flash, grok *fast,
 gpt-*-mini) below blended 1.0 are light: routine work goes there.
 Overrides first: gpt-3.5* = standard; superseded flagships (gpt-4*, gpt-4.5,
 claude-3-*, o1/o1-preview, grok-2, old mistral-large) = strong, never
 frontier; GPT-5.6/6 "-luna" = light, "-terra" = strong, "-sol" = frontier.
quality: none of the four price sources carries a benchmark score; see Quality above.
max_output 0 = unknown.  A few cross-name duplicates (OpenRouter / vendor
renames, e.g. mistral-medium-3.1 = mistral-medium-2508, gpt-5.6 = gpt-5.6-sol)
are merged by MANUAL_ALIASES; the canonical model's own listing wins.
"""

import argparse
import datetime
import json
import os
import re
import sys
from collections import OrderedDict, defaultdict

import catalog_quality

# --------------------------------------------------------------------------
# provider / vendor naming
# --------------------------------------------------------------------------

FIRST_PARTY_OF_VENDOR = {
    "openai": "openai", "anthropic": "anthropic", "google": "google",
    "deepseek": "deepseek", "xai": "xai", "mistral": "mistral",
    "qwen": "dashscope", "moonshot": "moonshot", "zhipu": "zhipu",
    "cohere": "cohere", "perplexity": "perplexity",
}
VENDOR_OF_FIRST_PARTY = {v: k for k, v in FIRST_PARTY_OF_VENDOR.items()}

PROVIDER_ORDER = ["openai", "anthropic", "google", "deepseek", "xai", "mistral",
                  "dashscope", "moonshot", "zhipu", "cohere", "perplexity",
                  "openrouter", "groq", "together", "fireworks", "deepinfra",
                  "cerebras", "azure", "bedrock", "vertex"]

LITELLM_PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "gemini": "google",
    "deepseek": "deepseek", "xai": "xai", "mistral": "mistral",
    "dashscope": "dashscope", "moonshot": "moonshot", "zai": "zhipu",
    "cohere_chat": "cohere", "cohere": "cohere", "perplexity": "perplexity",
    "groq": "groq", "together_ai": "together", "fireworks_ai": "fireworks",
    "deepinfra": "deepinfra", "cerebras": "cerebras", "azure": "azure",
    "bedrock": "bedrock", "bedrock_converse": "bedrock",
    "vertex_ai-language-models": "vertex", "vertex_ai-anthropic_models": "vertex",
    "vertex_ai-mistral_models": "vertex", "vertex_ai-llama_models": "vertex",
    "vertex_ai-qwen_models": "vertex", "vertex_ai-deepseek_models": "vertex",
    "vertex_ai-openai_models": "vertex", "vertex_ai-zai_models": "vertex",
    "vertex_ai-moonshot_models": "vertex", "vertex_ai-minimax_models": "vertex",
    "vertex_ai": "vertex",
}
GENAI_PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "google": "google",
    "deepseek": "deepseek", "x-ai": "xai", "mistral": "mistral",
    "zhipuai": "zhipu", "zai": "zhipu", "moonshotai": "moonshot",
    "cohere": "cohere", "perplexity": "perplexity", "groq": "groq",
    "together": "together", "fireworks": "fireworks", "cerebras": "cerebras",
    "azure": "azure",
}
MODELSDEV_PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "google": "google",
    "deepseek": "deepseek", "xai": "xai", "mistral": "mistral",
    "alibaba": "dashscope", "moonshotai": "moonshot", "zai": "zhipu",
    "cohere": "cohere", "perplexity": "perplexity",
    "groq": "groq", "togetherai": "together", "fireworks-ai": "fireworks",
    "deepinfra": "deepinfra", "cerebras": "cerebras", "azure": "azure",
    "amazon-bedrock": "bedrock", "google-vertex": "vertex",
    "google-vertex-anthropic": "vertex",
}
OPENROUTER_VENDORS = {
    "openai": "openai", "anthropic": "anthropic", "google": "google",
    "mistralai": "mistral", "qwen": "qwen", "deepseek": "deepseek",
    "z-ai": "zhipu", "nvidia": "nvidia", "minimax": "minimax",
    "meta-llama": "meta", "meta": "meta", "moonshotai": "moonshot",
    "x-ai": "xai", "cohere": "cohere", "amazon": "amazon",
    "perplexity": "perplexity", "microsoft": "microsoft",
    "inclusionai": "inclusionai", "poolside": "poolside",
    "bytedance-seed": "bytedance", "bytedance": "bytedance",
    "nousresearch": "nousresearch", "kwaipilot": "kwaipilot",
    "tencent": "tencent", "thinkingmachines": "thinkingmachines",
    "nex-agi": "nex-agi", "stepfun": "stepfun", "ibm-granite": "ibm",
    "xiaomi": "xiaomi", "arcee-ai": "arcee", "rekaai": "reka",
    "relace": "relace", "morph": "morph", "meituan": "meituan",
    "sakana": "sakana", "perceptron": "perceptron", "inception": "inception",
    "upstage": "upstage", "writer": "writer", "allenai": "allenai",
    "deepcogito": "deepcogito", "ai21": "ai21", "baidu": "baidu",
    "aion-labs": "aion-labs",
}
# community role-play fine-tunes and routers: not useful routing targets
OPENROUTER_SKIP_PREFIXES = {"openrouter", "thedrummer", "sao10k", "mancer",
                            "undi95", "gryphe", "anthracite-org",
                            "cognitivecomputations"}

NON_CHAT = re.compile(
    r"(embed|image|imagen|dall-e|tts|transcribe|whisper|realtime|audio|"
    r"speech|rerank|moderation|guard|safeguard|ocr|search|deep-research|"
    r"computer-use|live|robotics|lyria|veo|sora|voxtral|voice|container|"
    r"omni|-mt-|asr|translate|-vl-ocr|customtools|content-safety|"
    r"learnlm|gemini-exp|medlm|-rp-|orpheus|compound|ui-tars|"
    r"relace-apply|morph-v3|bodybuilder|^gpt-4o:extended|-vision-preview$|"
    r"-character-|turbo-instruct)", re.I)
# pointer ids that move between models: dropped rather than aliased
POINTER_IDS = re.compile(r"^(gemini-(flash|flash-lite|pro)-latest|kimi-latest.*|"
                         r"moonshot-v1-auto|gpt-chat-latest|grok-beta|"
                         r"grok-vision-beta|mistral-tiny|mistral-small|mistral-medium|mistral-small-latest|"
                         r"sonar-(small|medium)-(chat|online)|"
                         r"qwen-coder)$")

DATE_SUFFIX = re.compile(
    r"(-\d{4}-\d{2}-\d{2}|-20\d{6}|-(?:0[1-9]|1[0-2])-20\d{2}|-\d{4}|"
    r"@[\w.-]+|-latest|-v\d+:\d+|-00\d|-0)$")

TODAY = datetime.date.today().isoformat()


def mtok(x):
    """USD per token -> USD per 1M tokens, rounded sanely."""
    if x is None:
        return None
    return round(float(x) * 1e6, 6)


def r6(x):
    return None if x is None else round(float(x), 6)


def is_chat_name(mid):
    return not NON_CHAT.search(mid)


def base_id(mid):
    """Strip date / snapshot / latest suffixes (repeatedly)."""
    prev = None
    mid = mid.replace("-beta", "")
    while prev != mid:
        prev = mid
        mid = DATE_SUFFIX.sub("", mid)
    return mid


def is_dated(mid):
    return base_id(mid) != mid


BEDROCK_REGION = re.compile(r"^(us|eu|apac|global|jp|au|us-gov|ca)\.")
VENDOR_DOT = re.compile(r"^(anthropic|meta|amazon|mistral|qwen|openai|deepseek|"
                        r"google|minimax|moonshot|moonshotai|zai|nvidia|writer|"
                        r"cohere|xai|ai21)\.")


def norm(raw):
    """Loose key used to match the same model across providers."""
    s = raw.lower().strip()
    s = s.split("/")[-1]
    s = BEDROCK_REGION.sub("", s)
    s = VENDOR_DOT.sub("", s)
    s = s.split("@")[0]
    s = re.sub(r"-v\d+:\d+$", "", s)
    s = re.sub(r":.*$", "", s)
    s = re.sub(r"(\d)p(\d)", r"\1.\2", s)
    s = re.sub(r"^meta-llama-", "llama-", s)
    s = re.sub(r"^(zai|z-ai|cohere)-", "", s)
    s = re.sub(r"-v1$", "", s)
    s = re.sub(r"^claude-(\d(?:[.-]\d)?)-(opus|sonnet|haiku)", r"claude-\2-\1", s)
    s = re.sub(r"-claude-", "claude-", s)
    for suf in ("-instruct-turbo", "-versatile", "-instant", "-basic", "-maas",
                "-fp8", "-tput", "-latest", "-hf"):
        s = s.replace(suf, "")
    s = s.replace("-instruct", "")
    s = re.sub(r"-0$", "", s)
    s = re.sub(r"[-_.\s]", "", s)
    return s


# --------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------

def new_rec(src, prov, rid):
    return {"src": src, "prov": prov, "rid": rid, "name": None,
            "price": None, "tiers": [], "context": None, "max_output": None,
            "input": set(), "output": set(), "caps": set(),
            "deprecated": "", "dep_flag": False, "released": "",
            "hf": None, "or_id": None}


def price_obj(inp, out, cr=None, cw=None, reasoning=None):
    if reasoning is not None and out is not None and abs(float(reasoning) - float(out)) < 1e-9:
        reasoning = None     # billed as output: not priced apart
    return {"in": r6(inp), "out": r6(out), "cache_read": r6(cr) or 0,
            "cache_write": r6(cw) or 0,
            "reasoning": r6(reasoning) if reasoning else None}


def load_litellm(path):
    data = json.load(open(path))
    recs = []
    for key, v in data.items():
        if not isinstance(v, dict) or key in ("sample_spec", "fallback_generalizations"):
            continue
        if v.get("mode") not in ("chat", "responses"):
            continue
        prov = LITELLM_PROVIDERS.get(v.get("litellm_provider"))
        if not prov:
            continue
        rid = key
        if key.startswith("ft:"):
            continue
        # strip litellm routing prefixes
        for pre in ("gemini/", "xai/", "mistral/", "dashscope/", "moonshot/",
                    "zai/", "deepseek/", "perplexity/", "groq/", "together_ai/",
                    "fireworks_ai/", "deepinfra/", "cerebras/", "azure/",
                    "vertex_ai/", "bedrock/converse/", "bedrock/", "cohere_chat/",
                    "cohere/", "openai/"):
            if rid.startswith(pre):
                rid = rid[len(pre):]
                break
        if prov == "azure" and "/" in rid:      # azure/eu/..., azure/global/...
            continue
        if prov == "bedrock" and ("/" in rid or rid.startswith(("us-gov", "bedrock"))):
            continue
        if prov == "perplexity" and "/" in rid:  # perplexity/openai/gpt-5.2 resale
            continue
        if prov == "openai" and ("/" in rid or rid.startswith("gpt-oss")):
            continue
        if prov == "google" and rid.startswith("gemini-") is False and not rid.startswith("gemma"):
            continue
        if prov == "fireworks" and rid.startswith("accounts/") is False:
            rid = "accounts/fireworks/models/" + rid
        inp, out = v.get("input_cost_per_token"), v.get("output_cost_per_token")
        if inp is None or out is None:
            continue
        r = new_rec("litellm", prov, rid)
        r["price"] = price_obj(mtok(inp), mtok(out),
                               mtok(v.get("cache_read_input_token_cost")),
                               mtok(v.get("cache_creation_input_token_cost")),
                               mtok(v.get("output_cost_per_reasoning_token")))
        tiers = {}
        for k2, val in v.items():
            m = re.fullmatch(r"(input_cost_per_token|output_cost_per_token|"
                             r"cache_read_input_token_cost|"
                             r"cache_creation_input_token_cost)_above_(\d+)k_tokens", k2)
            if m and val is not None:
                above = int(m.group(2)) * 1000
                field = {"input_cost_per_token": "in", "output_cost_per_token": "out",
                         "cache_read_input_token_cost": "cache_read",
                         "cache_creation_input_token_cost": "cache_write"}[m.group(1)]
                tiers.setdefault(above, {})[field] = mtok(val)
        for above in sorted(tiers):
            t = tiers[above]
            if "in" in t or "out" in t:
                r["tiers"].append({"above": above,
                                   "in": t.get("in", r["price"]["in"]),
                                   "out": t.get("out", r["price"]["out"]),
                                   "cache_read": t.get("cache_read", 0) or 0,
                                   "cache_write": t.get("cache_write", 0) or 0})
        r["context"] = v.get("max_input_tokens")
        r["max_output"] = v.get("max_output_tokens") or v.get("max_tokens")
        mods = set(v.get("supported_modalities") or ["text"])
        if v.get("supports_vision"):
            mods.add("image")
        if v.get("supports_audio_input"):
            mods.add("audio")
        if v.get("supports_video_input"):
            mods.add("video")
        if v.get("supports_pdf_input"):
            mods.add("pdf")
        r["input"] = mods
        r["output"] = set(v.get("supported_output_modalities") or ["text"])
        caps = r["caps"]
        if v.get("supports_function_calling"):
            caps.add("tools")
        if v.get("supports_parallel_function_calling"):
            caps.add("parallel_tools")
        if v.get("supports_vision"):
            caps.add("vision")
        if v.get("supports_response_schema"):
            caps.add("json_schema")
        if v.get("supports_reasoning"):
            caps.add("reasoning")
        if v.get("supports_prompt_caching") or v.get("cache_read_input_token_cost"):
            caps.add("prompt_caching")
        if v.get("supports_audio_input"):
            caps.add("audio_input")
        if v.get("supports_pdf_input"):
            caps.add("pdf_input")
        r["deprecated"] = v.get("deprecation_date") or ""
        recs.append(r)
    return recs


def genai_value(v):
    """genai price value -> (base, tiers[(start, price)])"""
    if isinstance(v, dict):
        return v.get("base"), [(t["start"], t["price"]) for t in v.get("tiers", [])]
    return v, []


def _hours(c):
    def h(t):
        hh, mm = t.rstrip("Z").split(":")[:2]
        return int(hh) + int(mm) / 60.0
    d = h(c["end_time"]) - h(c["start_time"])
    return d if d > 0 else d + 24


def genai_prices(prices, today):
    """-> (prices, dated): the price in force at `today`.  Time-of-day
    windows: the price that applies for most of the day (the standard one,
    not an off-peak discount or a short peak surcharge).  dated=True when a
    start_date price change is in force (newer than the other sources)."""
    if isinstance(prices, dict):
        return prices, False
    chosen, dated = None, False
    windows = []
    for entry in prices:
        c = entry.get("constraint")
        if not c:
            if chosen is None:
                chosen = entry["prices"]
        elif c.get("type") == "start_date":
            dated = True     # a curated price schedule (change or promo end)
            if c["start_date"] <= today:
                chosen = entry["prices"]
        elif c.get("type") == "time_of_date":
            windows.append((_hours(c), entry["prices"]))
    if windows and sum(h for h, _ in windows) > 12:
        return max(windows, key=lambda w: w[0])[1], dated
    return (chosen or prices[0]["prices"]), dated


def genai_match(rule, s):
    if "or" in rule:
        return any(genai_match(x, s) for x in rule["or"])
    if "and" in rule:
        return all(genai_match(x, s) for x in rule["and"])
    if "equals" in rule:
        return s == rule["equals"]
    if "starts_with" in rule:
        return s.startswith(rule["starts_with"])
    if "ends_with" in rule:
        return s.endswith(rule["ends_with"])
    if "contains" in rule:
        return rule["contains"] in s
    if "regex" in rule:
        return re.search(rule["regex"], s) is not None
    return False


def load_genai(path, today):
    data = json.load(open(path))
    out = defaultdict(list)   # prov -> [(rec, match_rule)]
    for p in data:
        pid = p["id"]
        prov = GENAI_PROVIDERS.get(pid)
        if not prov:
            continue
        for m in p["models"]:
            mid = m["id"]
            if pid == "google" and mid.startswith("claude"):
                prov2 = "vertex"
            else:
                prov2 = prov
            pr, dated = genai_prices(m["prices"], today)
            inp, in_t = genai_value(pr.get("input_mtok"))
            outp, out_t = genai_value(pr.get("output_mtok"))
            if inp is None or outp is None:
                continue
            cr, cr_t = genai_value(pr.get("cache_read_mtok"))
            cw, cw_t = genai_value(pr.get("cache_write_mtok"))
            rid = mid
            if prov2 == "fireworks":
                rid = "accounts/fireworks/models/" + mid
            r = new_rec("genai", prov2, rid)
            r["name"] = m.get("name")
            r["dated"] = dated
            r["cn"] = pid == "zhipuai"
            r["price"] = price_obj(inp, outp, cr, cw,
                                   genai_value(pr.get("output_reasoning_mtok"))[0])
            starts = sorted({s for s, _ in in_t + out_t})
            for s in starts:
                def at(tl, base):
                    val = base
                    for st, pp in tl:
                        if st <= s:
                            val = pp
                    return val
                r["tiers"].append({"above": s, "in": r6(at(in_t, inp)),
                                   "out": r6(at(out_t, outp)),
                                   "cache_read": r6(at(cr_t, cr)) or 0,
                                   "cache_write": r6(at(cw_t, cw)) or 0})
            r["context"] = m.get("context_window")
            r["dep_flag"] = bool(m.get("deprecated"))
            r["input"] = {"text"}
            r["output"] = {"text"}
            if pr.get("cache_read_mtok"):
                r["caps"].add("prompt_caching")
            out[prov2].append((r, m.get("match") or {"equals": mid}))
    return out


def load_modelsdev(path):
    data = json.load(open(path))
    recs = []
    all_rows = []   # for release dates of any provider
    for pid, p in data.items():
        prov = MODELSDEV_PROVIDERS.get(pid)
        for mid, m in p.get("models", {}).items():
            rd = m.get("release_date") or ""
            if re.fullmatch(r"\d{4}-\d{2}", rd):
                rd += "-01"
            all_rows.append((mid, rd, m.get("status")))
            if not prov:
                continue
            cost = m.get("cost")
            if not cost or cost.get("input") is None or cost.get("output") is None:
                continue
            rid = mid
            if prov == "openai" and rid.startswith("gpt-oss"):
                continue
            r = new_rec("models.dev", prov, rid)
            r["name"] = m.get("name")
            r["price"] = price_obj(cost.get("input"), cost.get("output"),
                                   cost.get("cache_read"), cost.get("cache_write"),
                                   cost.get("reasoning"))
            for t in cost.get("tiers") or []:
                above = t.get("input_tokens") or t.get("above") or t.get("start") \
                    or t.get("context_over") or t.get("threshold")
                if isinstance(above, (int, float)) and t.get("input") is not None:
                    r["tiers"].append({"above": int(above), "in": r6(t.get("input")),
                                       "out": r6(t.get("output", cost["output"])),
                                       "cache_read": r6(t.get("cache_read")) or 0,
                                       "cache_write": r6(t.get("cache_write")) or 0})
            lim = m.get("limit") or {}
            r["context"] = lim.get("context")
            r["max_output"] = lim.get("output")
            mods = m.get("modalities") or {}
            r["input"] = set(mods.get("input") or ["text"])
            r["output"] = set(mods.get("output") or ["text"])
            if m.get("tool_call"):
                r["caps"].add("tools")
            if "image" in r["input"]:
                r["caps"].add("vision")
            if m.get("structured_output"):
                r["caps"].add("json_schema")
            if m.get("reasoning"):
                r["caps"].add("reasoning")
            if cost.get("cache_read"):
                r["caps"].add("prompt_caching")
            if "audio" in r["input"]:
                r["caps"].add("audio_input")
            if "pdf" in r["input"]:
                r["caps"].add("pdf_input")
            r["released"] = rd
            r["dep_flag"] = m.get("status") == "deprecated"
            recs.append(r)
    return recs, all_rows


def load_openrouter(path):
    data = json.load(open(path))
    recs = []
    for m in data["data"]:
        oid = m["id"]
        if oid.startswith("~") or ":" in oid:
            continue
        prefix, _, mid = oid.partition("/")
        if prefix in OPENROUTER_SKIP_PREFIXES:
            continue
        arch = m.get("architecture") or {}
        outs = set(arch.get("output_modalities") or ["text"])
        if outs != {"text"}:
            continue
        pr = m.get("pricing") or {}
        try:
            inp, outp = float(pr.get("prompt")), float(pr.get("completion"))
        except (TypeError, ValueError):
            continue
        if inp <= 0 and outp <= 0:
            continue
        r = new_rec("openrouter", "openrouter", oid)
        r["or_id"] = oid
        r["vendor"] = OPENROUTER_VENDORS.get(prefix, prefix)
        name = m.get("name") or mid
        r["name"] = name.split(": ", 1)[-1]
        ir = pr.get("internal_reasoning")
        r["price"] = price_obj(mtok(inp), mtok(outp), mtok(pr.get("input_cache_read")),
                               mtok(pr.get("input_cache_write")),
                               mtok(ir) if ir and float(ir) > 0 else None)
        for ov in pr.get("overrides") or []:
            if ov.get("min_prompt_tokens") and ov.get("prompt") is not None:
                r["tiers"].append({"above": int(ov["min_prompt_tokens"]),
                                   "in": mtok(ov.get("prompt")),
                                   "out": mtok(ov.get("completion", outp)),
                                   "cache_read": mtok(ov.get("input_cache_read")) or 0,
                                   "cache_write": mtok(ov.get("input_cache_write")) or 0})
        r["context"] = m.get("context_length") or (m.get("top_provider") or {}).get("context_length")
        r["max_output"] = (m.get("top_provider") or {}).get("max_completion_tokens")
        ins = set(arch.get("input_modalities") or ["text"])
        r["input"] = {"pdf" if x == "file" else x for x in ins}
        r["output"] = outs
        sp = set(m.get("supported_parameters") or [])
        if "tools" in sp:
            r["caps"].add("tools")
        if "image" in ins:
            r["caps"].add("vision")
        if "structured_outputs" in sp:
            r["caps"].add("json_schema")
        if "reasoning" in sp or m.get("reasoning"):
            r["caps"].add("reasoning")
        if pr.get("input_cache_read"):
            r["caps"].add("prompt_caching")
        if "audio" in ins:
            r["caps"].add("audio_input")
        if "file" in ins:
            r["caps"].add("pdf_input")
        r["deprecated"] = m.get("expiration_date") or ""
        r["released"] = m.get("created_date") or ""
        r["hf"] = m.get("hugging_face_id")
        recs.append(r)
    return recs


# --------------------------------------------------------------------------
# model assembly
# --------------------------------------------------------------------------

SRC_RANK = {"litellm": 0, "genai": 1, "models.dev": 2, "openrouter": 3}


def rank(r):
    """Price precedence (see module docstring)."""
    if r["src"] == "genai" and r.get("dated"):
        return -1            # a dated price change newer than litellm's snapshot
    if r.get("cn"):
        return 2.5           # bigmodel.cn prices converted from CNY
    return SRC_RANK[r["src"]]


# Same model under another vendor/OpenRouter name: alias -> canonical id.
MANUAL_ALIASES = {
    "gpt-5.6": "gpt-5.6-sol",
    "o4-mini-high": "o4-mini", "o3-mini-high": "o3-mini",
    "mistral-medium-3": "mistral-medium-2505",
    "mistral-medium-3.1": "mistral-medium-2508",
    "mistral-medium-3-1-2508": "mistral-medium-2508",
    "mistral-small-3.2-24b-instruct": "mistral-small-2506",
    "mistral-small-3-2-2506": "mistral-small-2506",
    "mistral-large-3": "mistral-large-2512",
    "codestral-2": "codestral-2508",
    "command-a": "command-a-03-2025",
    "grok-code-fast": "grok-code-fast-1",
    "ministral-14b-2512": "ministral-3-14b-2512",
    "ministral-8b-2512": "ministral-3-8b-2512",
    "ministral-3b-2512": "ministral-3-3b-2512",
    "magistral-medium-1-2-2509": "magistral-medium-2509",
    "magistral-small-1-2-2509": "magistral-small",
    "open-mistral-nemo": "mistral-nemo",
    "mistral-small-latest": "mistral-small-2603",
    "grok-4-1-fast": "grok-4-1-fast-reasoning",
    "grok-3-fast-latest": "grok-3-fast-beta",
}


class Model:
    def __init__(self, mid, vendor):
        self.id = mid
        self.vendor = vendor
        self.aliases = set()
        self.recs = []          # all records attached (any provider)

    def add(self, rec):
        self.recs.append(rec)


def pretty_name(mid):
    s = mid.replace("-", " ")
    words = []
    for w in s.split():
        if w in ("gpt", "glm", "gpt", "o1", "o3", "o4", "r1", "v3", "v4"):
            words.append(w.upper() if w in ("gpt", "glm") else w)
        elif re.fullmatch(r"\d+(\.\d+)?[bmk]", w):
            words.append(w.upper())
        else:
            words.append(w[:1].upper() + w[1:])
    return " ".join(words).replace("GPT ", "GPT-")


def family_of(mid):
    s = base_id(mid)
    m = re.match(r"(claude-(?:opus|sonnet|haiku|fable))", s)
    if m:
        return m.group(1)
    m = re.match(r"claude-\d(?:-\d)?-(opus|sonnet|haiku)", s)
    if m:
        return "claude-" + m.group(1)
    for pat in (r"gpt-oss", r"gpt-\d+(?:\.\d+)?o?", r"o\d", r"gemini-\d(?:\.\d)?",
                r"gemma-\d+n?", r"grok-\d(?:\.\d+)?", r"deepseek-v\d", r"deepseek-r\d",
                r"deepseek", r"qwen\d?(?:\.\d)?", r"qwq", r"qvq", r"kimi-k\d",
                r"glm-\d", r"llama-?\d", r"command", r"sonar", r"mistral-\w+",
                r"magistral", r"devstral", r"codestral", r"ministral", r"pixtral",
                r"minimax-m\d", r"nova", r"phi-\d", r"nemotron", r"mixtral"):
        m = re.match(pat, s)
        if m:
            return m.group(0)
    return re.split(r"[-.]", s)[0]


LIGHT_PAT = re.compile(
    r"(mini|nano|haiku|flash-lite|-lite|lite-|micro|tiny|small|instant|"
    r"ministral|gemma|(?<![\d.])(0\.5|0\.6|1|1\.5|1\.7|2|3|4|7|8|9|11|12|14)b\b|"
    r"-a3b|-a4b|e4b|e2b|-flash-\d|air|glm-4\.\d-flash|flashx|command-r7b|"
    r"command-light|phi-|nemotron-nano|lfm|granite|edge)")
FRONTIER_PAT = re.compile(
    r"^(gpt-5(\.\d+)?(-sol)?(-pro)?$|gpt-5(\.\d+)?-codex-max|gpt-6-(sol|astra)|"
    r"o1-pro|o3-pro|gpt-5(\.\d+)?-pro|"
    r"claude-opus-(4-[5-9]|5)|claude-opus-5|claude-fable|"
    r"gemini-3(\.\d)?-pro|gemini-\d(\.\d)?-pro|grok-4(\.\d+)?(-0709)?$|grok-4\.[2-9]|"
    r"grok-4\.20|deepseek-v4-pro|kimi-k3|qwen3(\.\d)?-max|glm-5(\.\d)?$|"
    r"gemini-pro|mistral-large-3|sonar-deep-research)")
STRONG_PAT = re.compile(
    r"(sonnet|opus|gpt-4o|gpt-4\.1$|gpt-4\.5|gpt-4-turbo|^gpt-4$|^o1|^o3|^o4|"
    r"gemini-2\.5-pro|gemini-\d(\.\d)?-flash$|gemini-\d(\.\d)?-flash-preview|"
    r"deepseek-(v3|r1|chat|reasoner|v4)|kimi-k2|glm-4\.[5-9]|glm-5|"
    r"qwen3(\.\d)?-(235b|480b|397b|max|plus|coder-plus)|qwen-max|qwen-plus|"
    r"llama-3\.1-405b|405b|mistral-large|mistral-medium|magistral-medium|"
    r"devstral-medium|devstral-2|pixtral-large|grok-3$|grok-4|grok-code|"
    r"codex|command-a|sonar-pro|sonar-reasoning|minimax-m[2-9]|nemotron-3-(super|ultra)|"
    r"-(120b|122b|235b|397b|480b|550b|671b|1t)|ling-2|ring-2|inkling$)")


def blended(p):
    return (3 * p["in"] + p["out"]) / 4.0


OLD_PAT = re.compile(r"^(gpt-3\.5|gpt-4(-|$)|gpt-4\.5|chatgpt-4o|claude-3-|o1(-preview|-mini)?$|"
                     r"mistral-large-24|mistral-medium-23|grok-2|open-mixtral)")


def tier_of(mid, price):
    """See "Tiers" in the module docstring."""
    b = blended(price)
    s = mid.lower()
    if s.startswith("gpt-3.5"):
        return "standard"
    if OLD_PAT.search(s) and not LIGHT_PAT.search(s):
        return "strong"      # superseded flagships: expensive, not frontier
    if re.search(r"-luna", s):
        return "light"
    if re.search(r"-terra", s):
        return "strong"
    frontier = FRONTIER_PAT.search(s)
    if LIGHT_PAT.search(s) and not frontier:
        return "light"
    if re.search(r"flash|-mini|fast", s) and b < 1.0:
        return "light"
    if b < 0.25:
        return "light"
    if frontier or b >= 12:
        return "frontier"
    if STRONG_PAT.search(s) or b >= 3:
        return "strong"
    return "standard"


def build(args):
    today = args.date or TODAY
    ll = load_litellm(args.litellm)
    gen = load_genai(args.genai, today)
    md, md_rows = load_modelsdev(args.models_dev)
    orr = load_openrouter(args.openrouter)
    log = []

    models = OrderedDict()       # id -> Model
    alias_owner = {}             # exact alias/id -> Model

    def register(m, name):
        name = name.lower()
        if name in alias_owner and alias_owner[name] is not m:
            return False
        alias_owner[name] = m
        if name != m.id:
            m.aliases.add(name)
        return True

    # ---- 1. first-party listings: litellm + models.dev ids, grouped --------
    fp = defaultdict(list)  # prov -> records
    for r in ll + md:
        if r["prov"] in VENDOR_OF_FIRST_PARTY:
            fp[r["prov"]].append(r)
    for prov in PROVIDER_ORDER:
        if prov not in VENDOR_OF_FIRST_PARTY:
            continue
        vendor = VENDOR_OF_FIRST_PARTY[prov]
        recs = [r for r in fp[prov]
                if is_chat_name(r["rid"]) and not POINTER_IDS.match(r["rid"].lower())
                and r["price"]["in"] + r["price"]["out"] > 0]
        if prov == "google":
            recs = [r for r in recs if not r["rid"].startswith("gemma-2")]
        if prov == "perplexity":
            recs = [r for r in recs if r["rid"].startswith("sonar")]
        # group by (base id, litellm-first price)
        groups = OrderedDict()
        recs.sort(key=rank)
        for r in recs:
            rid = r["rid"].lower()
            b = base_id(rid)
            key = None
            for (gb, gin, gout), g in groups.items():
                if (gb == b or norm(gb) == norm(b)) and abs(gin - r["price"]["in"]) < 1e-9 \
                        and abs(gout - r["price"]["out"]) < 1e-9:
                    key = (gb, gin, gout)
                    break
                if any(x["rid"].lower() == rid for x in g):
                    key = (gb, gin, gout)   # same id, other source: same model
                    break
            if key is None:
                key = (b, r["price"]["in"], r["price"]["out"])
                groups[key] = []
            groups[key].append(r)
        for (b, _, _), g in groups.items():
            ids = []
            for r in g:
                if r["rid"].lower() not in ids:
                    ids.append(r["rid"].lower())
            undated = [i for i in ids if not is_dated(i)]
            if undated:
                canon = min(undated, key=len)
            else:
                non_latest = [i for i in ids if not i.endswith("-latest")] or ids
                # newest snapshot; "-0" style alias (claude-opus-4-0) wins
                zero = [i for i in non_latest if i.endswith("-0")]
                canon = zero[0] if zero else max(non_latest)
            if canon in alias_owner:
                m = alias_owner[canon]
            else:
                m = Model(canon, vendor)
                models[canon] = m
                register(m, canon)
            for i in ids:
                register(m, i)
            for r in g:
                m.add(r)

    # ---- 1b. manual aliases: merge duplicate models ------------------------
    for alias, canon in MANUAL_ALIASES.items():
        cm = alias_owner.get(canon)
        if cm is None:
            continue
        am = alias_owner.get(alias)
        if am is not None and am is not cm:
            # the canonical model's own listing wins: the duplicate's
            # records are dropped, its names become aliases
            for a in [am.id] + sorted(am.aliases):
                alias_owner[a] = cm
                cm.aliases.add(a)
            del models[am.id]
        alias_owner[alias] = cm
        cm.aliases.add(alias)

    # ---- 2. genai-prices first-party: attach by match rule, or new model ----
    for prov, entries in gen.items():
        if prov not in VENDOR_OF_FIRST_PARTY:
            continue
        vendor = VENDOR_OF_FIRST_PARTY[prov]
        vmodels = [m for m in models.values() if m.vendor == vendor]
        used = set()
        for m in vmodels:
            for name in [m.id] + sorted(m.aliases):
                hit = None
                for idx, (r, rule) in enumerate(entries):
                    if genai_match(rule, name):
                        hit = idx
                        break
                if hit is not None:
                    r = dict(entries[hit][0])
                    r["rid"] = m.id
                    m.add(r)
                    used.add(hit)
                    break
        for idx, (r, rule) in enumerate(entries):
            if idx in used:
                continue
            rid = r["rid"].lower()
            if not is_chat_name(rid) or POINTER_IDS.match(rid) or rid.startswith(("ft:", "gpt-oss")):
                continue
            if r.get("cn") or rid.endswith("-maas"):
                continue     # bigmodel.cn-only models / vertex MaaS duplicates
            if r["price"]["in"] + r["price"]["out"] <= 0 or ":" in rid or rid.endswith(("-", ".ft-")):
                continue
            if prov == "google" and rid.startswith(("gemma-2", "gemma-3", "gemini-1", "gemini-pro", "gemini-flash-1")):
                continue
            if prov == "openai" and re.match(r"(ada|babbage|curie|davinci|text-|gpt-3\.5-0301|computer-use|moderation)", rid):
                continue
            if prov == "perplexity" and not rid.startswith("sonar"):
                continue
            if prov == "anthropic" and rid in ("claude-v1", "claude-2", "claude-3-sonnet"):
                continue
            if rid in alias_owner or norm(rid) in {norm(x) for x in alias_owner if alias_owner[x].vendor == vendor}:
                continue
            m = Model(rid, vendor)
            models[rid] = m
            register(m, rid)
            r = dict(r)
            r["rid"] = rid
            m.add(r)
            log.append("genai-only model: %s" % rid)

    # ---- norm index ----------------------------------------------------------
    def build_index():
        idx = {}
        amb = set()
        for m in models.values():
            for name in [m.id] + sorted(m.aliases):
                k = norm(name)
                if k in idx and idx[k] is not m:
                    amb.add(k)
                idx.setdefault(k, m)
        for k in amb:
            idx.pop(k, None)
        # fallback: undated base names ("command-a" for command-a-03-2025)
        bidx, bamb = {}, set()
        for m in models.values():
            for name in [m.id] + sorted(m.aliases):
                k = norm(base_id(name.split("/")[-1]))
                if k in bidx and bidx[k] is not m:
                    bamb.add(k)
                bidx.setdefault(k, m)
        for k, m in bidx.items():
            if k not in bamb and k not in idx and k not in amb:
                idx[k] = m
        return idx

    # ---- 3. OpenRouter: attach or create -------------------------------------
    index = build_index()
    for r in orr:
        oid = r["or_id"]
        mid = oid.split("/", 1)[1].lower()
        vendor = r["vendor"]
        if vendor == "anthropic" and mid.endswith("-fast"):
            continue
        if not is_chat_name(mid) or POINTER_IDS.match(mid):
            continue
        m = alias_owner.get(mid) or index.get(norm(mid)) or index.get(norm(base_id(mid)))
        if m is None and r["hf"]:
            m = index.get(norm(r["hf"]))
        if m is not None and m.vendor != vendor and vendor in FIRST_PARTY_OF_VENDOR:
            m = None
        if m is None:
            b = base_id(mid)
            # dated openrouter id whose undated sibling exists with the same price
            sib = models.get(b)
            if sib is not None and b != mid:
                sp = sib.recs[0]["price"]
                if abs(sp["in"] - r["price"]["in"]) < 1e-9:
                    m = sib
        if m is None:
            if vendor in FIRST_PARTY_OF_VENDOR and vendor not in ("qwen",):
                # a vendor with a first-party API: only keep OpenRouter-only
                # ids that look like real models, not preview redirects
                if re.search(r"preview-\d\d-\d\d$", mid):
                    continue
            m = Model(mid, vendor)
            models[mid] = m
            register(m, mid)
            log.append("openrouter-only model: %s" % oid)
        register(m, oid)
        m.add(r)
    index = build_index()
    # hugging face ids help match hosts
    hf_index = {}
    for m in models.values():
        for r in m.recs:
            if r.get("hf"):
                hf_index.setdefault(norm(r["hf"]), m)

    # ---- 4. hosts -----------------------------------------------------------
    host_recs = [r for r in ll + md if r["prov"] not in VENDOR_OF_FIRST_PARTY]
    for prov, entries in gen.items():
        if prov not in VENDOR_OF_FIRST_PARTY:
            host_recs.extend(r for r, _ in entries)
    host_recs.sort(key=rank)
    unmatched = defaultdict(list)
    for r in host_recs:
        rid = r["rid"]
        if not is_chat_name(rid.split("/")[-1]) or r["price"]["in"] + r["price"]["out"] <= 0:
            continue
        if rid.lower().endswith(("-free", ":free")):
            continue
        k = norm(rid)
        m = index.get(k) or hf_index.get(k)
        if m is None:
            m = index.get(norm(base_id(rid.split("/")[-1].lower())))
        if m is None:
            unmatched[r["prov"]].append(rid)
            continue
        m.add(r)
    for prov, ids in sorted(unmatched.items()):
        log.append("unmatched %s (%d): %s" % (prov, len(ids), ", ".join(sorted(set(ids))[:40])))

    # ---- 5. assemble output rows ---------------------------------------------
    # release date agreed on by most models.dev rows (resellers included)
    votes = defaultdict(lambda: defaultdict(int))
    for mid, rd, st in md_rows:
        if rd:
            votes[norm(mid.split("/")[-1])][rd] += 1
    md_release = {k: max(v.items(), key=lambda kv: (kv[1], kv[0]))[0]
                  for k, v in votes.items()}

    out_models = []
    disagreements = []
    for m in models.values():
        fpv = FIRST_PARTY_OF_VENDOR.get(m.vendor)
        by_prov = defaultdict(list)
        for r in m.recs:
            by_prov[r["prov"]].append(r)
        offerings = []
        for prov in PROVIDER_ORDER:
            rs = by_prov.get(prov)
            if not rs:
                continue
            def closeness(r):
                tail = r["rid"].lower().split("/")[-1]
                return (rank(r), tail != m.id, norm(tail) != norm(m.id), len(r["rid"]))
            rs = sorted(rs, key=closeness)
            best = rs[0]
            # offering id: what the provider's API calls it
            ids = [r["rid"] for r in rs if r["src"] != "genai"] or [r["rid"] for r in rs]
            ids.sort(key=lambda i: (i.lower().split("/")[-1] != m.id, norm(i) != norm(m.id)))
            if prov == fpv:
                oid = m.id
            elif prov == "vertex":
                at = [i for i in ids if "@" in i and "@default" not in i]
                oid = at[0] if at else min(ids, key=len)
            elif prov == "bedrock":
                glob = [i for i in ids if i.startswith("global.")]
                plain = [i for i in ids if not BEDROCK_REGION.match(i)]
                oid = (glob or plain or ids)[0]
            elif prov == "openrouter":
                oid = best["or_id"]
            else:
                oid = ids[0]
            if prov == fpv and len(rs) > 1:
                for o in rs[1:]:
                    a, b = best["price"], o["price"]
                    for f in ("in", "out"):
                        if a[f] and abs(a[f] - b[f]) / a[f] > 0.02:
                            disagreements.append("%s %s: %s %s=%s vs %s %s" % (
                                m.id, f, best["src"], f, a[f], o["src"], b[f]))
                            break
            offerings.append({"provider": prov, "id": oid,
                              "price": dict(best["price"]),
                              "tiers": best["tiers"], "region": None})
        if not offerings:
            continue
        # metadata preference: models.dev first-party, litellm first-party,
        # openrouter, then anything
        def pref(r):
            fp_ = r["prov"] == fpv
            order = {("models.dev", True): 0, ("litellm", True): 1,
                     ("openrouter", False): 2, ("genai", True): 3}
            return order.get((r["src"], fp_), 4 + SRC_RANK[r["src"]])
        meta = sorted(m.recs, key=pref)
        ctx = next((r["context"] for r in meta if r["context"]), None)
        mo = next((r["max_output"] for r in meta if r["max_output"]), None)
        if not ctx:
            log.append("dropped (no context): %s" % m.id)
            continue
        name = next((r["name"] for r in meta if r["name"] and r["src"] in ("models.dev", "openrouter")), None) \
            or pretty_name(m.id)
        inp = set()
        outp = set()
        caps = set()
        for r in meta:
            if r["src"] in ("models.dev", "litellm", "openrouter") and (r["prov"] == fpv or r["prov"] == "openrouter"):
                inp |= r["input"]
                outp |= r["output"]
                caps |= r["caps"]
        if not inp:
            for r in meta:
                inp |= r["input"]
                outp |= r["output"]
                caps |= r["caps"]
        inp.add("text")
        outp = {x for x in outp if x == "text"} or {"text"}
        if "image" in inp:
            caps.add("vision")
        if "pdf" in inp:
            caps.add("pdf_input")
        if "audio" in inp:
            caps.add("audio_input")
        if "parallel_tools" in caps and "tools" not in caps:
            caps.discard("parallel_tools")
        released = ""
        for r in meta:
            if r["released"] and r["src"] == "models.dev":
                released = r["released"]
                break
        if not released:
            released = next((r["released"] for r in meta
                             if r["released"] and r["src"] == "openrouter"), "")
        if not released:
            released = md_release.get(norm(m.id), "")
        deps = sorted(r["deprecated"] for r in m.recs
                      if r["deprecated"] and r["deprecated"] < "2090"
                      and (r["prov"] in (fpv, "openrouter")))
        deprecated = deps[0] if deps else ""
        if not deprecated and any(r["dep_flag"] for r in m.recs if r["prov"] == fpv):
            deprecated = today
        head = offerings[0]["price"]
        row = OrderedDict([
            ("id", m.id), ("name", name), ("vendor", m.vendor),
            ("family", family_of(m.id)), ("released", released),
            ("deprecated", deprecated), ("context", int(ctx)),
            ("max_output", int(mo) if mo else 0),
            ("input", [x for x in ("text", "image", "audio", "video", "pdf") if x in inp]),
            ("output", sorted(outp)),
            ("caps", [c for c in ("tools", "parallel_tools", "vision", "json_schema",
                                  "reasoning", "prompt_caching", "audio_input",
                                  "pdf_input") if c in caps]),
            ("tier", tier_of(m.id, head)), ("quality", None),
            ("quality_source", None), ("quality_date", None), ("quality_by_category", {}),
            ("aliases", sorted(a for a in m.aliases if a != m.id)),
            ("offerings", offerings),
        ])
        out_models.append(row)
    out_models.sort(key=lambda r: (r["vendor"], r["id"]))
    return out_models, log, disagreements, today


# --------------------------------------------------------------------------
# output + check
# --------------------------------------------------------------------------

def clean_num(x):
    if isinstance(x, float) and x == int(x) and abs(x) < 1e15:
        return int(x)
    return x


def clean(o):
    if isinstance(o, dict):
        return OrderedDict((k, clean(v)) for k, v in o.items())
    if isinstance(o, list):
        return [clean(v) for v in o]
    if isinstance(o, float):
        return clean_num(o)
    return o


def write(models, today, path, sources):
    lines = [json.dumps(clean(m), separators=(",", ":"), ensure_ascii=False) for m in models]
    text = '{"version":1,"generated":"%s","quality_sources":%s,"models":[\n%s\n]}\n' % (
        today, json.dumps(sources, separators=(",", ":")), ",\n".join(lines))
    with open(path, "w") as f:
        f.write(text)
    return len(text.encode())


def check(models):
    errs = []
    seen = {}
    for m in models:
        for name in [m["id"]] + m["aliases"]:
            if name in seen and seen[name] != m["id"]:
                errs.append("duplicate id/alias %s (%s, %s)" % (name, seen[name], m["id"]))
            seen[name] = m["id"]
        if m["id"] != m["id"].lower():
            errs.append("id not lowercase: " + m["id"])
        if not m["context"] or m["context"] <= 0:
            errs.append("no context: " + m["id"])
        if not m["offerings"]:
            errs.append("no offerings: " + m["id"])
        for o in m["offerings"]:
            p = o["price"]
            if p["in"] is None or p["out"] is None or p["in"] < 0 or p["out"] < 0:
                errs.append("bad price: %s %s" % (m["id"], o["provider"]))
            if o["provider"] not in PROVIDER_ORDER:
                errs.append("unknown provider %s" % o["provider"])
        if m["offerings"] and all(o["price"]["in"] == 0 and o["price"]["out"] == 0 for o in m["offerings"]):
            errs.append("free model: " + m["id"])
        if m["tier"] not in ("light", "standard", "strong", "frontier"):
            errs.append("bad tier " + m["id"])
    vendors = defaultdict(int)
    for m in models:
        vendors[m["vendor"]] += 1
    if len(models) < 250:
        errs.append("only %d models" % len(models))
    if len(vendors) < 12:
        errs.append("only %d vendors" % len(vendors))
    for fam in ("openai", "anthropic", "google", "deepseek", "xai", "qwen", "mistral",
                "meta", "moonshot", "zhipu"):
        if vendors.get(fam, 0) == 0:
            errs.append("missing vendor " + fam)
    return errs, vendors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--litellm", required=True)
    ap.add_argument("--genai", required=True)
    ap.add_argument("--models-dev", required=True)
    ap.add_argument("--openrouter", required=True)
    ap.add_argument("--out", default="data/catalog.json")
    ap.add_argument("--date", help="generation date (default: today)")
    ap.add_argument("--check", action="store_true", help="fail on sanity errors")
    ap.add_argument("--verbose", "-v", action="store_true")
    for board in ("lmarena", "livebench", "aider"):
        ap.add_argument("--" + board, metavar="REPO", default=os.environ.get("MEGAROUTER_" + board.upper()),
                        help="git repository of the %s leaderboard (default: $MEGAROUTER_%s)" % (board, board.upper()))
    args = ap.parse_args()
    models, log, dis, today = build(args)
    sources = catalog_quality.load_sources(args.lmarena, args.livebench, args.aider)
    if not sources:
        print("warning: no leaderboard given (--lmarena/--livebench/--aider): quality stays null for every model")
    quality_summary = catalog_quality.attach(models, sources)
    errs, vendors = check(models)
    size = write(models, today, args.out, catalog_quality.source_records(sources))
    n_off = sum(len(m["offerings"]) for m in models)
    multi = sum(1 for m in models if len(m["offerings"]) >= 2)
    tiers = defaultdict(int)
    provs = defaultdict(int)
    for m in models:
        tiers[m["tier"]] += 1
        for o in m["offerings"]:
            provs[o["provider"]] += 1
    if args.verbose:
        for line in log:
            print("  " + line)
        print("first-party source disagreements (>2%, first source wins):")
        for d in dis:
            print("  " + d)
    print("wrote %s: %d bytes, %d models, %d vendors, %d offerings, %d with >=2 offerings"
          % (args.out, size, len(models), len(vendors), n_off, multi))
    print("per vendor: " + ", ".join("%s=%d" % kv for kv in sorted(vendors.items(), key=lambda kv: -kv[1])))
    print("per provider: " + ", ".join("%s=%d" % kv for kv in sorted(provs.items(), key=lambda kv: -kv[1])))
    print("tiers: " + ", ".join("%s=%d" % (t, tiers[t]) for t in ("light", "standard", "strong", "frontier")))
    print(quality_summary)
    if errs:
        print("CHECK FAILED:")
        for e in errs:
            print("  " + e)
        if args.check:
            sys.exit(1)
    else:
        print("check OK")


if __name__ == "__main__":
    main()
