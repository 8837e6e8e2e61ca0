"""The project's `fake-twilio` executable (Sources/fake-twilio, built beside verifyd) as a process for one run."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

from harness import no_proxy_opener


class FakeTwilio:
    """`fake-twilio --port 0` for one account; `url` is what `TWILIO_API_URL` should be."""

    def __init__(self, verifyd_binary: str, account_sid: str, auth_token: str, log_path: Path) -> None:
        self._command = [
            str(Path(verifyd_binary).with_name("fake-twilio")),
            "--port", "0", "--account-sid", account_sid, "--auth-token", auth_token,
        ]
        self._log_path = log_path
        self._process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 60) -> FakeTwilio:
        with open(self._log_path, "ab") as log:
            self._process = subprocess.Popen(
                self._command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True
            )
        # Its one line on stdout: `listening http://127.0.0.1:PORT`.
        line = self._process.stdout.readline().strip() if self._process.stdout else ""
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"fake-twilio did not start ({line!r}); log {self._log_path}")
        self.url = line.removeprefix("listening ")
        return self

    def stats(self) -> dict:
        with no_proxy_opener().open(self.url + "/_fake/stats", timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
