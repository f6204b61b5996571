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
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading

import gateway_run

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


def run(work, mock_port, traces_port):
    config = f'[providers.openai]\nbase_url = "http://127.0.0.1:{mock_port}/v1"\napi_key = "mock"\n'
    if traces_port:
        config += f'[telemetry]\notlp_endpoint = "http://127.0.0.1:{traces_port}"\n'
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}],
                       "max_tokens": 16})
    traceparent = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    return gateway_run.measure(BUILD, work, config, body, N, traceparent, settle_s=1.5)  # the exporter's last batch


def main():
    work = tempfile.mkdtemp(prefix="megarouter-tracing-bench-")
    mock, mock_port = gateway_run.start_mock(BUILD, work)
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
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
