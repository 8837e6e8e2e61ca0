"""Starts a real `verifyd serve` for the compatibility tests and reads what it prints.

scripts/test prepares the environment this module reads (see the top of scripts/test):
VERIFYD_TEST_DATABASE_URL, VERIFYD_TEST_BINARY. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import time
import urllib.error
import urllib.parse
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
                # No test watches readiness during shutdown; the default 5 s drain only slows every teardown.
                "VERIFYD_SHUTDOWN_DRAIN_SECONDS": "0",
                # Every server of the session shares one database and one client address (127.0.0.1), so the
                # refusal tests of the whole session would add up to the failed-login limit; the throttle's own
                # test sets a low one and names its clients through X-Forwarded-For.
                "VERIFYD_AUTH_FAILURE_LIMIT": "10000",
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

    def admin(self, *args: str, timeout: float = 60) -> tuple[int, list[dict], str]:
        """Runs `verifyd ARGS…` as an operator would (only DATABASE_URL set) and returns its exit status, the JSON
        objects it printed (one per line, as the admin commands promise) and its stderr."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(_SERVER_ENV_PREFIXES) and key not in _SERVER_ENV_NAMES
        }
        env["DATABASE_URL"] = self.database_url
        result = subprocess.run(
            [self.binary, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
        objects = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return result.returncode, objects, result.stderr

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
    """How the server prints a phone number: `+14155550100` -> `+1***00` (six digits or more stay hidden)."""
    return number[:2] + "***" + number[-2:]


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

    Text: `... SMS to +1***00: Your Acme verification code is: 123456` (the last code after the number).
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


# --- Raw HTTP and Twilio errors, for what the helper library does not show ---------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def friendly_name(prefix: str = "Compat") -> str:
    """A Twilio-valid friendly name (letters, spaces; no more than 4 digits), unique enough to tell services apart.
    The random part has no `h` or `w`, so it can never spell `http` or `www` (names that look like links are 60200)."""
    letters = string.ascii_lowercase.replace("h", "").replace("w", "")
    return f"{prefix} " + "".join(secrets.choice(letters) for _ in range(10))


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def http_request(
    method: str,
    url: str,
    form: dict[str, str] | None = None,
    json_body: object | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 10,
) -> RawResponse:
    """One request with urllib (no proxy); error statuses are returned, not raised. Header names are lower-cased."""
    headers = {"Accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    if auth is not None:
        headers["Authorization"] = basic_auth(*auth)
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with no_proxy_opener().open(request, timeout=timeout) as response:
            return RawResponse(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return RawResponse(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


@contextlib.contextmanager
def twilio_error(status: int, code: int):
    """Expects the block to raise exactly twilio's TwilioRestException (not TwilioServiceException, which the library
    raises for RFC 9457 bodies) with this HTTP status and Twilio error code. Yields pytest's ExceptionInfo."""
    import pytest
    from twilio.base.exceptions import TwilioRestException

    with pytest.raises(TwilioRestException) as info:
        yield info
    error = info.value
    assert type(error) is TwilioRestException, f"raised {type(error).__name__}, not TwilioRestException"
    assert (error.status, error.code) == (status, code), (
        f"expected {status} / {code}, got {error.status} / {error.code}: {error.msg}"
    )
