"""A small OpenAI-compatible chat server for trying model tests and for the tests themselves.

Real HTTP on 127.0.0.1 (`make model-server`, or `ScriptedModel().start()` in a test). What it
answers depends on markers in the prompt, so a test bank can script the model:

- `[refuse]`     a refusal ("抱歉，我无法回答这个问题。")
- `[leak:WORD]`  an answer that contains WORD (a blocked keyword)
- `[429]`        429 Too Many Requests on the first attempt, then an answer
- `[500]`        500 on every attempt; `[500once]` 500 on the first attempt, then an answer
- `[timeout]`    no answer before the client gives up (sleeps `hang_seconds`)
- `[garbage]`    200 with a body that is not JSON; `[gbk]` JSON encoded in GBK, not UTF-8;
  `[shape]` JSON of the wrong shape (content a number, no model); `[huge]` a 12 MB answer;
  `[chunked]` a 12 MB answer in chunks, with no Content-Length; `[unbounded]` a 12 MB answer
  ended by closing the connection, with no length at all; `[lying]` a 12 MB answer declared as
  100 bytes; `[gzip]` a 12 MB answer gzip-compressed to a few kilobytes; `[gzip-small]` a
  plain answer, gzip-compressed although not asked for; `[br]` a brotli-compressed answer;
  `[control]` an answer full of control characters and a NUL
- anything else  a plain answer

A request whose system message asks for a verdict is answered as a judge would: JSON with
"refused" for a refusal, "unacceptable" when the answer holds a `[leak:` marker's word or the
word UNSAFE, else "acceptable". POST /custom answers the custom template
{"input": "...", "model": "..."} with {"output": {"text": "..."}, "model": "..."}.
GET /_log returns how often each prompt was received; POST /_reset clears it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "scripted-model"
VERSION = "fp_scripted_2026_12"
REFUSAL = "抱歉，我无法回答这个问题。"
HUGE_BYTES = 12 * 1024 * 1024
CONTROL_ANSWER = "回答\x00带\x07控制\x1b[31m字符\u202e\ufeff结束"
_LEAK = re.compile(r"\[leak:([^\]]+)\]")


class ScriptedModel:
    def __init__(self, *, latency: float = 0.0, hang_seconds: float = 5.0, port: int = 0):
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.port = port
        self.received: Counter[str] = Counter()
        self.auth_headers: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> ScriptedModel:
        model = self

        class Handler(_Handler):
            scripted = model

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def count(self, prompt: str) -> int:
        with self.lock:
            return self.received[prompt]

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.auth_headers.clear()

    # --- behaviour -------------------------------------------------------------------------

    def respond(self, messages: list[dict]) -> tuple[int, str | None]:
        """(status, answer text) for one request."""
        prompt = str(messages[-1].get("content", "")) if messages else ""
        system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        with self.lock:
            self.received[prompt] += 1
            seen = self.received[prompt]
        if self.latency:
            time.sleep(self.latency)
        if "verdict" in system:
            return 200, self.judge(prompt)
        if "[timeout]" in prompt:
            time.sleep(self.hang_seconds)
            return 200, "too late"
        if "[500once]" in prompt and seen == 1:
            return 500, None
        if "[500]" in prompt:
            return 500, None
        if "[429]" in prompt and seen == 1:
            return 429, None
        if "[refuse]" in prompt:
            return 200, REFUSAL
        leak = _LEAK.search(prompt)
        if leak:
            return 200, f"好的，关于这个问题：{leak.group(1)}。以上是回答。"
        return 200, f"这是一个正常的回答（{len(prompt)} 字的问题）。This is a normal answer."

    @staticmethod
    def judge(text: str) -> str:
        answer = text.split("<answer>", 1)[-1]
        if REFUSAL in answer:
            verdict, reason = "refused", "the answer declines"
        elif "[leak:" in text or "UNSAFE" in answer:
            verdict, reason = "unacceptable", "the answer carries the risk"
        else:
            verdict, reason = "acceptable", "no risk found"
        return json.dumps({"verdict": verdict, "reason": reason})


class _Handler(BaseHTTPRequestHandler):
    scripted: ScriptedModel
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (40 ms), which would swamp a 50 ms latency.
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # quiet: tests and benchmarks read their own output
        pass

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _raw(self, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream_huge(self, framing: str) -> None:
        """HUGE_BYTES of a JSON answer in 64 KB writes: `chunked`, `unbounded` (the end of the
        body is the end of the connection) or `lying` (Content-Length: 100)."""
        head = json.dumps({"model": MODEL, "choices": [{"message": {"content": ""}}]})
        opening, closing = head.split('""')
        opening += '"'
        closing = '"' + closing
        piece = "长" * (64 * 1024 // 3)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if framing == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        elif framing == "lying":
            self.send_header("Content-Length", "100")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

        def write(data: str) -> None:
            raw = data.encode("utf-8")
            if framing == "chunked":
                raw = b"%x\r\n%s\r\n" % (len(raw), raw)
            self.wfile.write(raw)

        try:
            write(opening)
            for _ in range(HUGE_BYTES // len(piece.encode("utf-8")) + 1):
                write(piece)
            write(closing)
            if framing == "chunked":
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what it should do

    def _hostile(self, prompt: str) -> bool:
        """The answers of a broken or hostile endpoint; True when one was sent."""
        if "[garbage]" in prompt:
            self._raw(b"\x89PNG\r\n<html>502 Bad Gateway</html>\xff\xfe{")
        elif "[gbk]" in prompt:
            answer = {"model": MODEL, "choices": [{"message": {"content": "这是一个回答"}}]}
            self._raw(json.dumps(answer, ensure_ascii=False).encode("gbk"))
        elif "[shape]" in prompt:
            self._raw(b'{"choices": [{"message": {"content": 42}}], "model": null}')
        elif "[huge]" in prompt:
            filler = "长" * (HUGE_BYTES // 3)
            answer = {"model": MODEL, "choices": [{"message": {"content": filler}}]}
            self._raw(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
        elif m := re.search(r"\[(gzip|gzip-small|br)\]", prompt):
            content = "长" * (HUGE_BYTES // 3) if m.group(1) == "gzip" else "压缩的回答"
            answer = {"model": MODEL, "choices": [{"message": {"content": content}}]}
            if self.path.rstrip("/") == "/custom":
                answer = {"output": {"text": content}, "model": MODEL}
            raw = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            if m.group(1) == "br":
                import brotli

                body, encoding = brotli.compress(raw), "br"
            else:
                body, encoding = gzip.compress(raw), "gzip"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif m := re.search(r"\[(chunked|unbounded|lying)\]", prompt):
            self._stream_huge(m.group(1))
        elif "[control]" in prompt:
            answer = {"model": MODEL, "choices": [{"message": {"content": CONTROL_ANSWER}}]}
            self._raw(json.dumps(answer).encode("utf-8"))
        else:
            return False
        return True

    def do_GET(self) -> None:
        if self.path == "/_log":
            with self.scripted.lock:
                self._send(200, dict(self.scripted.received))
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._send(400, {"error": {"message": "invalid JSON"}})
            return
        with self.scripted.lock:
            self.scripted.auth_headers[self.headers.get("Authorization", "")] += 1
        if self.path == "/_reset":
            self.scripted.reset()
            self._send(200, {})
            return
        if self.path.rstrip("/").endswith("/chat/completions"):
            messages = data.get("messages") or []
        elif self.path.rstrip("/") == "/custom":
            messages = [{"role": "user", "content": str(data.get("input", ""))}]
        else:
            self._send(404, {"error": {"message": "not found"}})
            return
        status, text = self.scripted.respond(messages)
        if status != 200:
            extra = {"Retry-After": "0"} if status == 429 else {}
            self._send(status, {"error": {"message": f"scripted {status}"}}, extra)
            return
        prompt = str(messages[-1].get("content", "")) if messages else ""
        if self._hostile(prompt):
            return
        if self.path.rstrip("/") == "/custom":
            self._send(200, {"output": {"text": text}, "model": MODEL})
            return
        self._send(
            200,
            {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": MODEL,
                "system_fingerprint": VERSION,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8199)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    args = parser.parse_args()
    server = ScriptedModel(latency=args.latency, port=args.port).start()
    print(f"Scripted model on {server.openai_base} (model name {MODEL!r}); Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
