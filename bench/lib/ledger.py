"""Nothing lost: what the fake Twilio received and what verifyd answered, held against what PostgreSQL committed.

- Every verification created in a phase has its SMS at the fake exactly once, no SMS goes to a number without a
  verification, and every delivery attempt ended `sent`.
- Every check answered `approved` (a 200 on /auth) has its verification committed as approved.
- Every wrong-code check answered 200 counted its attempt (the attempts committed are at least the answers).

Codes for right-code checks are read the honest way, from the SMS bodies the fake received.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path

_CODE = re.compile(r"code is: (\d{4,10})")


def psql(conninfo: str, sql: str, **variables: str) -> list[list[str]]:
    """Runs SQL (with psql :'name' variables) and returns the rows as lists of text."""
    command = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", conninfo]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    completed = subprocess.run(command, input=sql, capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise SystemExit(f"psql failed: {completed.stderr.strip()}")
    return [line.split("\t") for line in completed.stdout.splitlines() if line]


def psql_for_numbers(conninfo: str, numbers: list[str], sql: str, **variables: str) -> list[list[str]]:
    """Runs SQL that may join `bench_numbers (phone)`, a temporary table of `numbers` (sent through standard input:
    tens of thousands of numbers are too long for one command-line argument)."""
    script = "CREATE TEMP TABLE bench_numbers (phone text PRIMARY KEY);\nCOPY bench_numbers FROM STDIN;\n"
    script += "".join(number + "\n" for number in dict.fromkeys(numbers)) + "\\.\n" + sql
    return psql(conninfo, script, **variables)


def fake_get(base: str, path: str):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(base + path, timeout=60) as response:
        return json.loads(response.read())


def fake_reset(base: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(base + "/_fake/reset", data=b"", method="POST"), timeout=60).read()


def settle(conninfo: str, service: str, prefix: str, timeout: float = 120) -> int:
    """Waits until no attempt of the phase is still being sent (abandoned requests finish server-side)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = psql(
            conninfo,
            """SELECT count(*) FROM delivery_attempts a JOIN verifications v
                 ON v.bucket = a.bucket AND v.sid = a.verification_sid
               WHERE v.service_sid = :'service' AND v.phone LIKE :'prefix' || '%'
                 AND a.status IN ('sending', 'queued')""",
            service=service,
            prefix=prefix,
        )
        busy = int(rows[0][0])
        if busy == 0 or time.monotonic() > deadline:
            return busy
        time.sleep(0.5)


def sms_ledger(conninfo: str, fake: str, service: str, prefix: str, pool_out: str | None, wrong: bool) -> dict:
    """Checks a phase's verifications against the fake's messages; writes "phone code" lines for a pool."""
    still_sending = settle(conninfo, service, prefix)
    messages = [m for m in fake_get(fake, "/_fake/messages") if m["to"].startswith(prefix)]
    rows = psql(
        conninfo,
        """SELECT v.phone, count(DISTINCT v.sid), count(a.sid),
                  count(a.sid) FILTER (WHERE a.status IN ('sent', 'delivered'))
             FROM verifications v LEFT JOIN delivery_attempts a
               ON a.bucket = v.bucket AND a.verification_sid = v.sid
            WHERE v.service_sid = :'service' AND v.phone LIKE :'prefix' || '%'
            GROUP BY v.phone""",
        service=service,
        prefix=prefix,
    )
    attempts = {phone: (int(verifications), int(total), int(sent)) for phone, verifications, total, sent in rows}
    received: dict[str, list[str]] = {}
    for message in messages:
        received.setdefault(message["to"], []).append(message["body"])
    missing = [phone for phone in attempts if phone not in received]
    duplicated = [phone for phone, bodies in received.items() if len(bodies) > attempts.get(phone, (0, 0, 0))[1]]
    orphans = [phone for phone in received if phone not in attempts]
    not_sent = [phone for phone, (_, total, sent) in attempts.items() if sent != total]
    if pool_out is not None:
        with open(pool_out, "w") as out:
            for phone, bodies in received.items():
                if len(bodies) != 1 or phone not in attempts:
                    continue
                found = _CODE.search(bodies[0])
                if not found:
                    continue
                code = found.group(1)
                if wrong:
                    code = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
                out.write(f"{phone} {code}\n")
    fake_reset(fake)
    return {
        "verifications": sum(v for v, _, _ in attempts.values()),
        "messages": len(messages),
        "missing_sms": len(missing),
        "duplicate_sms": len(duplicated),
        "sms_without_verification": len(orphans),
        "attempts_not_sent": len(not_sent),
        "still_sending_after_wait": still_sending,
        "ok": not (missing or duplicated or orphans or not_sent or still_sending),
    }


def approvals(conninfo: str, service: str, pool: str, out_dir: str) -> dict:
    """Every approved answer has its committed approved row; how many approvals committed without an answer."""
    lines = Path(pool).read_text().split("\n")
    answered = set()
    for path in Path(out_dir).glob("approved.*"):
        answered.update(int(x) for x in path.read_text().split())
    phones = [lines[i].split()[0] for i in sorted(answered) if i >= 0]
    status = dict(
        psql_for_numbers(
            conninfo,
            phones,
            """SELECT v.phone, v.status FROM verifications v JOIN bench_numbers USING (phone)
                WHERE v.service_sid = :'service'""",
            service=service,
        )
    )
    committed = psql_for_numbers(
        conninfo,
        [line.split()[0] for line in lines if line],
        """SELECT count(*) FROM verifications v JOIN bench_numbers USING (phone)
            WHERE v.service_sid = :'service' AND v.status = 'approved'""",
        service=service,
    )
    lost = [phone for phone in phones if status.get(phone) != "approved"]
    return {
        "approved_answers": len(phones),
        "approved_rows": int(committed[0][0]),
        "approved_answer_without_row": len(lost),
        "ok": not lost,
    }


def attempts(conninfo: str, service: str, pool: str, answered: int) -> dict:
    """Wrong-code checks: the attempts committed are at least the 200 answers, and none approved."""
    phones = [line.split()[0] for line in Path(pool).read_text().splitlines() if line]
    rows = psql_for_numbers(
        conninfo,
        phones,
        """SELECT coalesce(sum(v.check_attempts), 0), count(*) FILTER (WHERE v.status = 'approved')
             FROM verifications v JOIN bench_numbers USING (phone) WHERE v.service_sid = :'service'""",
        service=service,
    )
    counted, approved = int(rows[0][0]), int(rows[0][1])
    return {
        "answers": answered,
        "attempts_committed": counted,
        "approved_by_wrong_code": approved,
        "ok": counted >= answered and approved == 0,
    }
