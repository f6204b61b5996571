#!/usr/bin/env python3
"""What tracing costs a request: megarouter's own time per request
(x-megarouter-overhead-ms, measured by the gateway itself with the upstream's
wait left out) with OpenTelemetry tracing off, and on with every span exported
to a local OTLP/HTTP sink. Sequential keep-alive requests, keyless gateway
(--no-governance) in front of megarouter-mock; the CPU time of the whole
gateway process per request is reported too, since the exporter's thread
works off the request path.

Usage: bench/tracing_overhead.py [--requests N]   (BUILD_DIR, default build)
Standard library only."""
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
N = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 3000


class Sink(http.server.BaseHTTPRequestHandler):
    spans = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        doc = json.loads(body)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                Sink.spans += len(ss["spans"])
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def wait_file(path):
    for _ in range(200):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        time.sleep(0.05)
    raise RuntimeError("timeout waiting for " + path)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(work, mock_port, traces_port):
    home = tempfile.mkdtemp(dir=work)
    config = f'[providers.openai]\nbase_url = "http://127.0.0.1:{mock_port}/v1"\napi_key = "mock"\n'
    if traces_port:
        config += f'[telemetry]\notlp_endpoint = "http://127.0.0.1:{traces_port}"\n'
    open(os.path.join(home, "config.toml"), "w").write(config)
    port_file = os.path.join(home, "port")
    env = dict(os.environ, MEGAROUTER_HOME=home, HOME=home)
    proc = subprocess.Popen([os.path.join(BUILD, "megarouter"), "serve", "--no-governance", "--port", "0",
                             "--port-file", port_file], env=env, stderr=subprocess.DEVNULL)
    try:
        port = int(wait_file(port_file))
        conn = http.client.HTTPConnection("127.0.0.1", port)
        body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}],
                           "max_tokens": 16})
        overhead = []
        for i in range(N + 200):
            if i == 200:  # warm-up done
                cpu_before = cpu_seconds(proc.pid)
            conn.request("POST", "/v1/chat/completions", body, {"content-type": "application/json",
                                                               "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"status {answer.status}")
            if i >= 200:
                overhead.append(float(answer.getheader("x-megarouter-overhead-ms")))
        time.sleep(1.5)  # the exporter's last batch
        cpu = cpu_seconds(proc.pid) - cpu_before
        overhead.sort()
        return (statistics.median(overhead), overhead[int(len(overhead) * 0.99)], cpu / N * 1e6)
    finally:
        proc.terminate()
        proc.wait()


def main():
    work = tempfile.mkdtemp(prefix="megarouter-tracing-bench-")
    mock_file = os.path.join(work, "mock.port")
    mock = subprocess.Popen([os.path.join(BUILD, "megarouter-mock"), "--port", "0", "--port-file", mock_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        mock_port = int(wait_file(mock_file))
        print(f"# tracing overhead: {N} sequential requests, keyless gateway, mock upstream; median of 3 runs each")
        print(f"{'tracing':<10} {'overhead p50':>13} {'overhead p99':>13} {'gateway CPU/request':>20}")
        for label, traces in (("off", 0), ("on", sink.server_address[1])):
            runs = [run(work, mock_port, traces) for _ in range(3)]
            p50 = statistics.median(r[0] for r in runs)
            p99 = statistics.median(r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            print(f"{label:<10} {p50:>10.3f} ms {p99:>10.3f} ms {cpu:>16.1f} us")
        print(f"# spans the sink received: {Sink.spans} of {3 * (N + 200) * 5} (5 per traced request)")
    finally:
        mock.terminate()
        sink.shutdown()


if __name__ == "__main__":
    main()
