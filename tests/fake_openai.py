"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests (stdlib HTTP, one thread).

``reply`` is what the model "says" (streamed word by word when the client asks for a stream, with
``delay_s`` between words; ``pause_after`` words it may stall ``pause_s``), or ``hang_s`` makes it
wait longer than the client's time-out before answering. While
streaming it watches its socket: ``disconnected`` is set when the client closes the connection
before the reply is complete (what an abandoned answer must do)."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.reply = ""
        self.hang_s = 0.0
        self.word_delay_s = 0.0  # pause between streamed words (a slow model, for UI tests)
        self.delay_s = 0.0
        self.pause_after: int | None = None  # stall after this many words (a model that hangs)
        self.pause_s = 0.0
        self.requests: list[dict[str, Any]] = []
        self.disconnected = threading.Event()
        self.completed = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def peer_closed(self) -> bool:
                readable, _, _ = select.select([self.connection], [], [], 0)
                if not readable:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                if fake.hang_s:
                    time.sleep(fake.hang_s)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    self.wfile.flush()
                    words = fake.reply.split(" ")
                    for i, word in enumerate(words):
                        delta = word if i == 0 else " " + word
                        if fake.delay_s:
                            time.sleep(fake.delay_s)
                        if self.peer_closed():
                            fake.disconnected.set()
                            return
                        chunk = {
                            "id": "x",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": body["model"],
                            "choices": [
                                {
                                    "index": 0,
                                    "delta": {"role": "assistant", "content": delta},
                                    "finish_reason": None,
                                }
                            ],
                        }
                        try:
                            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                            self.wfile.flush()
                        except OSError:
                            fake.disconnected.set()
                            return
                        if fake.word_delay_s:
                            time.sleep(fake.word_delay_s)
                        if fake.pause_after == i + 1:
                            stall_end = time.monotonic() + fake.pause_s
                            while time.monotonic() < stall_end:
                                if self.peer_closed():
                                    fake.disconnected.set()
                                    return
                                time.sleep(0.05)
                    done = {
                        "id": "x",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": body["model"],
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    }
                    self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                    fake.completed += 1
                    return
                payload = json.dumps(
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": fake.reply},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
