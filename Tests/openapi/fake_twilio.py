"""Twilio's REST API as verifyd uses it, on loopback: `Messages.json` and `Calls.json` answer 201 with a new SID.

The Swift tests have a fuller fake (Tests/TestSupport/FakeTwilio.swift); the OpenAPI run only needs sends to
succeed, so that verifications start and their webhooks have something to act on.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_RESOURCE = re.compile(r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/(Messages|Calls)\.json$")


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        match = _RESOURCE.match(self.path)
        if match is None:
            self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
            return
        prefix = "SM" if match.group(1) == "Messages" else "CA"
        self.server.sends += 1  # type: ignore[attr-defined]
        self._answer(201, {"sid": prefix + secrets.token_hex(16), "status": "queued", "error_code": None})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's naming)
        pass


class FakeTwilio:
    """Serves on a free loopback port until `stop()`; `url` is what `TWILIO_API_URL` should be."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.sends = 0  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def sends(self) -> int:
        return self._server.sends  # type: ignore[attr-defined]

    def start(self) -> FakeTwilio:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
