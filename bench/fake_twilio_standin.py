#!/usr/bin/env python3
"""TEMPORARY stand-in for the `fake-twilio` executable (issue 7 §1, being written on another branch).

It implements exactly the contract the benchmark codes against, so scripts/bench can be developed before that
target is merged; at merge scripts/bench switches to `fake-twilio` and this file is deleted.

    fake_twilio_standin.py --host 127.0.0.1 --port 0 --latency-ms 200 --account-sid AC… --auth-token TOKEN

Once listening it prints `listening http://HOST:PORT` on stdout; logs go to stderr; SIGTERM stops it.
- POST /2010-04-01/Accounts/{AC}/Messages.json (and Calls.json), Basic auth with the account SID and token:
  201 with Twilio's JSON after the latency.
- GET /_fake/stats: {"requests": N, "messages": N, "calls": N}
- GET /_fake/messages: [{"sid", "to", "from", "body", "status_callback"}, ...]
- POST /_fake/reset: clears the records.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import email.utils
import json
import secrets
import signal
import sys
import urllib.parse


class Fake:
    def __init__(self, account_sid: str, auth_token: str, latency: float) -> None:
        self.account_sid = account_sid
        self.expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.latency = latency
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.messages: list[dict] = []
        self.calls: list[dict] = []

    async def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        path = path.split("?", 1)[0]
        if path == "/_fake/stats" and method == "GET":
            return 200, {"requests": self.requests, "messages": len(self.messages), "calls": len(self.calls)}
        if path == "/_fake/messages" and method == "GET":
            return 200, self.messages
        if path == "/_fake/reset" and method == "POST":
            self.reset()
            return 200, {}
        self.requests += 1
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/"
        kind = {prefix + "Messages.json": "SM", prefix + "Calls.json": "CA"}.get(path)
        if method != "POST" or kind is None:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if headers.get("authorization") != self.expected_auth:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        sid = kind + secrets.token_hex(16)
        record = {
            "sid": sid,
            "to": form.get("To", ""),
            "from": form.get("From", form.get("MessagingServiceSid", "")),
            "body": form.get("Body", ""),
            "status_callback": form.get("StatusCallback"),
        }
        (self.messages if kind == "SM" else self.calls).append(record)
        now = email.utils.formatdate(usegmt=True).replace("GMT", "+0000")
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": record["to"],
            "from": record["from"],
            "body": record["body"],
            "status": "queued",
            "date_created": now,
            "date_updated": now,
            "error_code": None,
            "error_message": None,
        }


async def serve_connection(fake: Fake, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, payload = await fake.handle(method, target, headers, body)
            data = json.dumps(payload).encode()
            close = headers.get("connection", "").lower() == "close"
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n".encode()
                + data
            )
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    args = parser.parse_args()
    fake = Fake(args.account_sid, args.auth_token, args.latency_ms / 1000)
    server = await asyncio.start_server(
        lambda r, w: serve_connection(fake, r, w), args.host, args.port, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening http://{args.host}:{port}", flush=True)
    print(f"fake twilio stand-in on port {port}, latency {args.latency_ms} ms", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
