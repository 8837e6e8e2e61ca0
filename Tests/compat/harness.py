"""Starts a real `verifyd serve` for the compatibility tests and reads what it prints.

scripts/test prepares the environment this module reads (see the top of scripts/test):
VERIFYD_TEST_DATABASE_URL, VERIFYD_TEST_BINARY. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HOW_TO_RUN = (
    "Run the compatibility suite with scripts/test (it starts a throwaway PostgreSQL, builds verifyd and exports "
    "VERIFYD_TEST_DATABASE_URL and VERIFYD_TEST_BINARY), or export those variables yourself."
)

# Inherited variables that would change how the server under test behaves: dropped before it starts.
_SERVER_ENV_PREFIXES = ("VERIFYD_", "TWILIO_")
_SERVER_ENV_NAMES = ("DATABASE_URL",)


def require_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set. {HOW_TO_RUN}")
    return value


def no_proxy_opener() -> urllib.request.OpenerDirector:
    """A urllib opener that ignores HTTP(S)_PROXY: the server is on loopback."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_account_sid() -> str:
    return "AC" + secrets.token_hex(16)


def new_auth_token() -> str:
    return secrets.token_hex(16)


def new_code_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def psql(database_url: str, sql: str) -> str:
    """Runs one statement with psql against a libpq conninfo string and returns its unaligned output."""
    result = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database_url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip()


def conninfo_with_database(conninfo: str, database: str) -> str:
    """The same server with another database. In a libpq conninfo string a later keyword wins."""
    return f"{conninfo} dbname={database}"


@dataclass
class VerifydServer:
    """One `verifyd serve` process on a free loopback port, with its own credentials and a log file."""

    binary: str
    database_url: str
    log_path: Path
    account_sid: str = field(default_factory=new_account_sid)
    auth_token: str = field(default_factory=new_auth_token, repr=False)
    code_key: str = field(default_factory=new_code_key, repr=False)
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(_SERVER_ENV_PREFIXES) and key not in _SERVER_ENV_NAMES
        }
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "VERIFYD_HOST": "127.0.0.1",
                "VERIFYD_PORT": str(self.port),
                "VERIFYD_PUBLIC_URL": self.base_url,
                "VERIFYD_DELIVERY": "console",
                "VERIFYD_ACCOUNT_SID": self.account_sid,
                "VERIFYD_AUTH_TOKEN": self.auth_token,
                "VERIFYD_CODE_KEY": self.code_key,
                "VERIFYD_LOG_FORMAT": "text",
            }
        )
        env.update(self.extra_env)
        return env

    def migrate(self, timeout: float = 120) -> None:
        result = subprocess.run(
            [self.binary, "migrate"],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"verifyd migrate exited with {result.returncode}:\n{result.stdout}{result.stderr}"
            )

    def start(self, timeout: float = 60) -> None:
        if not self.port:
            self.port = free_port()
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                [self.binary, "serve"],
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        self.wait_until_ready(timeout)

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = ["/healthz", "/readyz"]
        opener = no_proxy_opener()
        while pending:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"verifyd serve exited with {self.process.returncode} before answering {pending[0]}; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            try:
                with opener.open(self.base_url + pending[0], timeout=2) as response:
                    if response.status == 200:
                        pending.pop(0)
                        continue
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"verifyd did not answer 200 on {pending[0]} within {timeout} s; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def stop(self, grace: float = 10) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log_offset(self) -> int:
        """The log's current size: pass it as `since` to read only codes sent after this point."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def latest_code(self, number: str, since: int = 0) -> str | None:
        return latest_code(self.log_path, number, since)

    def wait_for_code(self, number: str, since: int = 0, timeout: float = 10) -> str:
        """The most recent code sent to `number` after log offset `since`, waiting for delivery to happen."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.latest_code(number, since)
            if code is not None:
                return code
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no code for {mask_number(number)} in {self.log_path} within {timeout} s:\n{self.log_tail()}"
                )
            time.sleep(0.05)


# --- Reading console-delivered codes -------------------------------------------------------------------------------

# A code is a run of 4 to 10 digits standing alone: not part of a longer number, a date or a time.
_CODE = re.compile(r"(?<![\w./-])\d{4,10}(?![\w:/-])")


def mask_number(number: str) -> str:
    """How the server prints a phone number: `+14155550100` -> `+1415***0100`."""
    return number[:5] + "***" + number[-4:]


def _last_code_after(text: str, masked: str) -> str | None:
    index = text.rfind(masked)
    if index < 0:
        return None
    codes = _CODE.findall(text[index + len(masked) :])
    return codes[-1] if codes else None


def _strings(value) -> list[str]:
    """Every string in a decoded JSON value, in document order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def code_in_line(line: str, masked: str) -> str | None:
    """The code a console-delivery log line carries for `masked`, text or JSON.

    Text: `... SMS to +1415***0100: Your Acme verification code is: 123456` (the last code after the number).
    JSON: the same sentence in one string value, or the number in one field (e.g. "to") and the sentence in another
    that says "code".
    """
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            strings = _strings(json.loads(stripped))
        except ValueError:
            strings = None
        if strings is not None:
            for value in reversed(strings):
                code = _last_code_after(value, masked)
                if code is not None:
                    return code
            if any(masked in value for value in strings):
                for value in reversed(strings):
                    if "code" in value.lower():
                        codes = _CODE.findall(value)
                        if codes:
                            return codes[-1]
            return None
    return _last_code_after(line, masked)


def latest_code(log_path: Path, number: str, since: int = 0) -> str | None:
    """The most recent console-delivered code for `number` in the log (from byte offset `since`), or None."""
    masked = mask_number(number)
    try:
        with open(log_path, "rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
    except FileNotFoundError:
        return None
    found = None
    for line in text.splitlines():
        if masked in line:
            code = code_in_line(line, masked)
            if code is not None:
                found = code
    return found
