"""A local stand-in for GatewayAPI's REST API, for tests: records every request and answers as told
(success with an id, 4xx, 5xx, or too slowly). Never the network."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsProvider:
    def __init__(self):
        self.requests: list[dict] = []
        self.answer = "ok"  # "ok", "4xx", "5xx", or "slow"
        self.lock = threading.Lock()
        self._next_id = 1000
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with provider.lock:
                    provider.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")}
                    )
                    provider._next_id += 1
                    message_id = provider._next_id
                if provider.answer == "slow":
                    time.sleep(2)
                status, reply = {
                    "ok": (200, {"ids": [message_id], "usage": {"total_cost": 0.05}}),
                    "4xx": (400, {"code": "0x0216", "message": "invalid recipient"}),
                    "5xx": (500, {"message": "internal error"}),
                    "slow": (200, {"ids": [message_id]}),
                }[provider.answer]
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
