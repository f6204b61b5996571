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
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
N = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 2000
SENTENCE = "Explain how the scheduler decides which task runs next, and why it matters for latency. "
CASES = [("gpt-4o-mini, 'Say hello'", "gpt-4o-mini", "Say hello"),
         ("auto, 'Say hello'", "auto", "Say hello"),
         ("auto, 150 words", "auto", SENTENCE * 10),
         ("auto, 3,000 words", "auto", SENTENCE * 200)]


def wait_file(path, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + path)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(work, mock_port, model, prompt):
    home = tempfile.mkdtemp(dir=work)
    open(os.path.join(home, "config.toml"), "w").write(
        f'[providers.openai]\nbase_url = "http://127.0.0.1:{mock_port}/v1"\napi_key = "mock"\n')
    port_file = os.path.join(home, "port")
    env = dict(os.environ, MEGAROUTER_HOME=home, HOME=home)
    proc = subprocess.Popen([os.path.join(BUILD, "megarouter"), "serve", "--no-governance", "--port", "0",
                             "--port-file", port_file], env=env, stderr=subprocess.DEVNULL)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(wait_file(port_file)))
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 16})
        overhead = []
        for i in range(N + 200):
            if i == 200:  # warm-up done
                cpu_before = cpu_seconds(proc.pid)
            conn.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"status {answer.status}")
            if i >= 200:
                overhead.append(float(answer.getheader("x-megarouter-overhead-ms")))
        cpu = cpu_seconds(proc.pid) - cpu_before
        overhead.sort()
        return statistics.median(overhead), overhead[int(len(overhead) * 0.99)], cpu / N * 1e6
    finally:
        proc.terminate()
        proc.wait()


def main():
    work = tempfile.mkdtemp(prefix="megarouter-routing-bench-")
    mock_file = os.path.join(work, "mock.port")
    mock = subprocess.Popen([os.path.join(BUILD, "megarouter-mock"), "--port", "0", "--port-file", mock_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        mock_port = int(wait_file(mock_file))
        print(f"# routing overhead: {BUILD}, {N} sequential requests per run, keyless gateway, mock upstream, "
              f"median of 3 runs")
        print(f"{'request':<28} {'overhead p50':>13} {'overhead p99':>13} {'gateway CPU/request':>20}")
        for label, model, prompt in CASES:
            runs = [run(work, mock_port, model, prompt) for _ in range(3)]
            p50 = statistics.median(r[0] for r in runs)
            p99 = statistics.median(r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            print(f"{label:<28} {p50 * 1000:>10.0f} us {p99 * 1000:>10.0f} us {cpu:>17.1f} us")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
