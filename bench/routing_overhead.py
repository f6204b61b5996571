#!/usr/bin/env python3
"""What routing costs a request inside the proxy, by prompt size: megarouter's
own time per request (x-megarouter-overhead-ms, the upstream's wait left out)
and the gateway's CPU per request, for a named model with a short prompt and
for auto routing (analyser, learned difficulty predictor, the catalog scan)
with a short, a 150-word and a 3,000-word prompt. Sequential keep-alive
requests, keyless gateway (--no-governance) in front of megarouter-mock, one
provider (openai) configured. Run it against two builds to compare them.

Usage: BUILD_DIR=build bench/routing_overhead.py [--requests N]
Standard library only."""
import json
import os
import statistics
import sys
import tempfile

import gateway_run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
N = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 2000
SENTENCE = "Explain how the scheduler decides which task runs next, and why it matters for latency. "
CASES = [("gpt-4o-mini, 'Say hello'", "gpt-4o-mini", "Say hello"),
         ("auto, 'Say hello'", "auto", "Say hello"),
         ("auto, 150 words", "auto", SENTENCE * 10),
         ("auto, 3,000 words", "auto", SENTENCE * 200)]


def main():
    work = tempfile.mkdtemp(prefix="megarouter-routing-bench-")
    mock, mock_port = gateway_run.start_mock(BUILD, work)
    config = f'[providers.openai]\nbase_url = "http://127.0.0.1:{mock_port}/v1"\napi_key = "mock"\n'
    try:
        print(f"# routing overhead: {BUILD}, {N} sequential requests per run, keyless gateway, mock upstream, "
              f"median of 3 runs")
        print(f"{'request':<28} {'overhead p50':>13} {'overhead p99':>13} {'gateway CPU/request':>20}")
        for label, model, prompt in CASES:
            body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 16})
            runs = [gateway_run.measure(BUILD, work, config, body, N) for _ in range(3)]
            p50 = statistics.median(r[0] for r in runs)
            p99 = statistics.median(r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            print(f"{label:<28} {p50 * 1000:>10.0f} us {p99 * 1000:>10.0f} us {cpu:>17.1f} us")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
