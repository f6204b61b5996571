#!/usr/bin/env python3
"""Stream soak for bench/proxy_bench.sh: a minimal asyncio SSE upstream that can
hold thousands of concurrent OpenAI-format streams (`upstream` mode), and a
client that opens N concurrent streaming requests against a gateway and checks
that each ends with [DONE] (`clients` mode). Standard library only."""
import asyncio
import json
import os
import sys
import time


async def upstream(port_file: str, chunks: int, delay_s: float) -> None:
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                try:
                    model = json.loads(body).get("model", "m")
                except ValueError:
                    model = "m"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")

                def chunk(payload: str) -> None:
                    data = payload.encode()
                    writer.write(b"%x\r\n%s\r\n" % (len(data), data))

                for i in range(chunks):
                    event = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}]}
                    chunk("data: " + json.dumps(event) + "\n\n")
                    await writer.drain()
                    await asyncio.sleep(delay_s)
                end = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                usage = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [],
                         "usage": {"prompt_tokens": 10, "completion_tokens": chunks, "total_tokens": 10 + chunks}}
                chunk("data: " + json.dumps(end) + "\n\n" + "data: " + json.dumps(usage) + "\n\ndata: [DONE]\n\n")
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    with open(port_file, "w") as out:
        out.write(str(server.sockets[0].getsockname()[1]))
    async with server:
        await server.serve_forever()


async def clients(base: str, count: int, model: str, timeout_s: float) -> None:
    host, port = base.replace("http://", "").split("/")[0].split(":")
    path = "/v1/chat/completions"
    body = json.dumps({"model": model, "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Authorization: Bearer {os.environ.get('SOAK_KEY', 'bench')}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body

    async def one() -> bool:
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(request)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(-1), timeout_s)
            writer.close()
            return b"[DONE]" in data
        except Exception:
            return False

    start = time.time()
    results = await asyncio.gather(*(one() for _ in range(count)))
    print(json.dumps({"streams": count, "completed": sum(results), "seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    if sys.argv[1] == "upstream":
        asyncio.run(upstream(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    else:
        asyncio.run(clients(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])))
