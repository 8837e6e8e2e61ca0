"""Fuzzes verifyd against its OpenAPI document with schemathesis: the OpenAPI step of scripts/test.

One `verifyd serve` on a fresh database in the throwaway cluster, with VERIFYD_DELIVERY=twilio pointed at the
project's `fake-twilio` on loopback (fake_twilio.py): the webhooks are routed, the verifications the fuzzer starts
are sent, and their attempts and calls are there for the stateful phase to call back about. `st run` reads the
document the server serves at /openapi.json, with schemathesis.toml (every check, a fixed seed, a time budget) and
hooks.py (webhook signatures, Tags in forms, schemathesis' own false positives). Afterwards every distinct failure
is listed: check, operation, status, and the request as a curl command (credentials as shell variables; a webhook's
signature is only valid for that run's token).

Environment (scripts/test prepares it): VERIFYD_TEST_DATABASE_URL, VERIFYD_TEST_BINARY. Knobs:
  VERIFYD_OPENAPI_MAX_TIME   seconds of fuzzing (schemathesis.toml's max-time otherwise)
  VERIFYD_OPENAPI_ARGS       extra `st run` arguments, e.g. "--include-path /sms"
  VERIFYD_OPENAPI_REPORT_DIR keep schemathesis' reports (ndjson) there instead of a temporary folder
Exit status: 0 when schemathesis found nothing, 1 when it found something, 2 when the run itself broke.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "compat"))

from fake_twilio import FakeTwilio  # noqa: E402
from harness import VerifydServer, conninfo_with_database, psql, require_env  # noqa: E402

# Not a secret: hooks.py swaps it for a real signature, so only requests that carry it are signed.
SIGNATURE_PLACEHOLDER = "sign-this-request"


def start_server(database_url: str, log_dir: Path, twilio: FakeTwilio, account_sid: str, token: str) -> VerifydServer:
    server = VerifydServer(
        binary=require_env("VERIFYD_TEST_BINARY"),
        database_url=database_url,
        log_path=log_dir / "verifyd.log",
        extra_env={
            "VERIFYD_DELIVERY": "twilio",
            "TWILIO_API_URL": twilio.url,
            "TWILIO_ACCOUNT_SID": account_sid,
            "TWILIO_AUTH_TOKEN": token,
            "TWILIO_FROM": "+15005550006",
            "VERIFYD_LOG_LEVEL": "warning",
        },
    )
    server.migrate()
    server.start()
    return server


def run_schemathesis(server: VerifydServer, report_dir: Path) -> int:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")])),
            "SCHEMATHESIS_HOOKS": "hooks",
            "VERIFYD_OPENAPI_BASE_URL": server.base_url,
            "VERIFYD_OPENAPI_ACCOUNT_SID": server.account_sid,
            "VERIFYD_OPENAPI_AUTH_TOKEN": server.auth_token,
            "VERIFYD_OPENAPI_TWILIO_AUTH_TOKEN": server.extra_env["TWILIO_AUTH_TOKEN"],
            "VERIFYD_OPENAPI_SIGNATURE_PLACEHOLDER": SIGNATURE_PLACEHOLDER,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{server.base_url}/openapi.json",
        "--url",
        server.base_url,
        "--report",
        "ndjson",
        "--report-dir",
        str(report_dir),
    ]
    if os.environ.get("VERIFYD_OPENAPI_MAX_TIME"):
        command += ["--max-time", os.environ["VERIFYD_OPENAPI_MAX_TIME"]]
    command += shlex.split(os.environ.get("VERIFYD_OPENAPI_ARGS", ""))
    print("+", " ".join(shlex.quote(part) for part in command), flush=True)
    # Run in the report folder, so nothing schemathesis writes lands in the checkout.
    return subprocess.run(command, env=env, stdin=subprocess.DEVNULL, cwd=report_dir).returncode


def failures(report_dir: Path) -> OrderedDict[tuple[str, str, str], dict]:
    """Distinct failed checks in schemathesis' ndjson events, keyed by (code, operation, title), each with the
    first request that showed it."""
    found: OrderedDict[tuple[str, str, str], dict] = OrderedDict()
    for path in sorted(report_dir.glob("*.ndjson")):
        for line in path.read_text(errors="replace").splitlines():
            recorder = (json.loads(line).get("ScenarioFinished") or {}).get("recorder") or {}
            interactions = recorder.get("interactions") or {}
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    failure = (check.get("failure_info") or {}).get("failure")
                    if check.get("status") != "failure" or not failure:
                        continue
                    key = (failure.get("code", "?"), failure.get("operation", "?"), failure.get("title", "?"))
                    entry = found.setdefault(
                        key,
                        {"check": check.get("name"), "message": failure.get("message", ""), "count": 0,
                         "interaction": interactions.get(failure.get("case_id")) or interactions.get(case_id) or {}},
                    )
                    entry["count"] += 1
    return found


def curl(interaction: dict) -> str:
    """The request as a curl command; credentials are shown as the variables a reader sets."""
    request = interaction.get("request") or {}
    if not request:
        return ""
    parts = ["curl", "-X", request.get("method", "GET")]
    for name, values in (request.get("headers") or {}).items():
        if name.lower() == "authorization":
            parts += ["-u", '"$VERIFYD_ACCOUNT_SID:$VERIFYD_AUTH_TOKEN"']
            continue
        for value in values:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.get("body") or {}
    if body.get("$base64"):
        data = base64.b64decode(body["$base64"]).decode(errors="backslashreplace")
        parts += ["--data-binary", shlex.quote(data)]
    parts.append(shlex.quote(request.get("uri", "")))
    return " ".join(parts)


def print_summary(found: OrderedDict[tuple[str, str, str], dict]) -> None:
    print("\n== schemathesis: distinct failures (check, operation, status, a request that shows it) ==")
    if not found:
        print("none")
        return
    for number, ((code, operation, title), entry) in enumerate(found.items(), 1):
        status = ((entry["interaction"].get("response") or {}).get("status_code")) or "-"
        print(f"\n{number}. {code} {entry['check']} on {operation}: {title}")
        print(f"   status {status}, seen {entry['count']} times")
        for line in [line for line in entry["message"].splitlines() if line.strip()][:3]:
            print(f"   {line}")
        command = curl(entry["interaction"])
        if command:
            print(f"   {command}")


def main() -> int:
    admin_url = require_env("VERIFYD_TEST_DATABASE_URL")
    name = "verifyd_openapi_" + secrets.token_hex(4)
    psql(admin_url, f'CREATE DATABASE "{name}"')
    server = twilio = None
    try:
        with tempfile.TemporaryDirectory(prefix="verifyd-openapi-") as scratch:
            scratch_path = Path(scratch)
            account_sid, token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
            twilio = FakeTwilio(
                require_env("VERIFYD_TEST_BINARY"), account_sid, token, scratch_path / "fake-twilio.log"
            ).start()
            server = start_server(conninfo_with_database(admin_url, name), scratch_path, twilio, account_sid, token)
            report_dir = Path(os.environ.get("VERIFYD_OPENAPI_REPORT_DIR") or scratch_path / "report")
            report_dir.mkdir(parents=True, exist_ok=True)
            status = run_schemathesis(server, report_dir)
            found = failures(report_dir)
            print_summary(found)
            print(f"\nfake-twilio: {json.dumps(twilio.stats())}")
            if status not in (0, 1):
                print(f"schemathesis exited with {status}: the run itself broke", file=sys.stderr)
                return 2
            return 1 if status == 1 or found else 0
    finally:
        if server is not None:
            server.stop(grace=10)
        if twilio is not None:
            twilio.stop()
        try:
            psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except RuntimeError:
            pass


if __name__ == "__main__":
    sys.exit(main())
