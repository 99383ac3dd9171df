"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests without a network.

    with FakeOpenAI([reply(json.dumps(rule)), reply("not json")]) as server:
        ChatOpenAI(base_url=server.base_url, api_key="test", model="fake-model")

Each request to POST /v1/chat/completions takes the next scripted step: a content string, a
tool call, a delay (to provoke a client timeout) or an HTTP error. Every request body is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    content: str | None = None
    tool_args: dict[str, Any] | None = None
    delay_s: float = 0.0
    status: int = 200


def reply(content: str, delay_s: float = 0.0) -> Step:
    return Step(content=content, delay_s=delay_s)


def tool_reply(args: dict[str, Any]) -> Step:
    return Step(tool_args=args)


def error(status: int) -> Step:
    return Step(status=status)


class FakeOpenAI:
    def __init__(self, steps: list[Step], model: str = "fake-model"):
        self.steps = list(steps)
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def _next(self) -> Step:
        with self._lock:
            if not self.steps:
                return Step(status=500, content="no scripted reply left")
            return self.steps.pop(0)

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                    fake.paths.append(self.path)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                step = fake._next()
                if step.delay_s:
                    time.sleep(step.delay_s)
                if step.status != 200:
                    self._send(step.status, {"error": {"message": step.content or "error", "type": "server_error"}})
                    return
                message: dict[str, Any] = {"role": "assistant", "content": step.content}
                finish = "stop"
                if step.tool_args is not None:
                    tool_name = "tsunagu_rule"
                    for t in body.get("tools") or []:
                        tool_name = t.get("function", {}).get("name", tool_name)
                    message = {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "call_1", "type": "function", "function": {"name": tool_name, "arguments": json.dumps(step.tool_args, ensure_ascii=False)}}
                        ],
                    }
                    finish = "tool_calls"
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(fake.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", fake.model),
                        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    },
                )

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def messages(self, i: int) -> list[dict[str, Any]]:
        return self.requests[i]["messages"]

    def text_of(self, i: int) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.messages(i))
