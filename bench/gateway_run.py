"""Shared by the Python benchmarks that drive one `megarouter serve` with
sequential keep-alive requests in front of megarouter-mock: starting the
mock and the gateway, and measuring megarouter's own time per request
(x-megarouter-overhead-ms) and the gateway's CPU per request. Standard
library only."""
import http.client
import os
import statistics
import subprocess
import tempfile
import time

WARM_UP = 200


def wait_file(path, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        time.sleep(0.05)
    raise RuntimeError("timeout waiting for " + path)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_mock(build, work):
    """megarouter-mock on a free port: (process, port)."""
    port_file = os.path.join(work, "mock.port")
    mock = subprocess.Popen([os.path.join(build, "megarouter-mock"), "--port", "0", "--port-file", port_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return mock, int(wait_file(port_file))


def measure(build, work, config, body, requests, headers=None, settle_s=0.0):
    """A keyless gateway with `config` (TOML text) serving `requests` POSTs of
    `body` to /v1/chat/completions after a warm-up: (overhead p50 ms, overhead
    p99 ms, gateway CPU us per request). `settle_s`: wait before reading the
    CPU figure (for work the gateway finishes off the request path)."""
    home = tempfile.mkdtemp(dir=work)
    open(os.path.join(home, "config.toml"), "w").write(config)
    port_file = os.path.join(home, "port")
    env = dict(os.environ, MEGAROUTER_HOME=home, HOME=home)
    proc = subprocess.Popen([os.path.join(build, "megarouter"), "serve", "--no-governance", "--port", "0",
                             "--port-file", port_file], env=env, stderr=subprocess.DEVNULL)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(wait_file(port_file)))
        all_headers = {"content-type": "application/json", **(headers or {})}
        overhead = []
        for i in range(requests + WARM_UP):
            if i == WARM_UP:
                cpu_before = cpu_seconds(proc.pid)
            conn.request("POST", "/v1/chat/completions", body, all_headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"status {answer.status}")
            if i >= WARM_UP:
                overhead.append(float(answer.getheader("x-megarouter-overhead-ms")))
        time.sleep(settle_s)
        cpu = cpu_seconds(proc.pid) - cpu_before
        overhead.sort()
        return statistics.median(overhead), overhead[int(len(overhead) * 0.99)], cpu / requests * 1e6
    finally:
        proc.terminate()
        proc.wait()
