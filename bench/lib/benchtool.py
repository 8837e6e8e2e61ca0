#!/usr/bin/env python3
"""The parts of scripts/bench that are easier in Python: measuring one run, reading /proc, checking that nothing
was lost, comparing statements, writing the report. Each subcommand is called by scripts/bench; records are JSON
lines appended to the run's records file, which `report` turns into bench/results/<date>.json and .md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
import statements  # noqa: E402


TEXT_TAGS = {"commit", "started", "finished", "haproxy", "op", "mode", "phase", "ceiling", "script", "table", "database"}


def tags(pairs: list[str] | None) -> dict:
    """key=value pairs; values that parse as JSON (numbers, booleans) are stored as such, except text tags."""
    result = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        try:
            result[key] = value if key in TEXT_TAGS else json.loads(value)
        except json.JSONDecodeError:
            result[key] = value
    return result


def emit(args, record: dict) -> None:
    record = {**tags(args.set), **record}
    if args.record:
        measure.append_record(args.record, record)
    print(json.dumps(record))


def wait_ready(args) -> None:
    url = urllib.parse.urlsplit(args.url)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=2)
            connection.request("GET", url.path)
            if connection.getresponse().status == 200:
                print(round((time.time_ns() - args.since_ns) / 1e6, 1))
                return
        except OSError:
            pass
        time.sleep(0.002)
    raise SystemExit(f"{args.url} did not answer 200 within {args.timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        p = sub.add_parser(name, **kwargs)
        p.add_argument("--record", help="append the record to this JSON-lines file")
        p.add_argument("--set", action="append", help="key=value tags stored in the record")
        return p

    p = sub.add_parser("wait-ready", help="milliseconds from --since-ns until URL answers 200")
    p.add_argument("url")
    p.add_argument("--since-ns", type=int, required=True)
    p.add_argument("--timeout", type=float, default=60)

    command("note", help="a record of the given tags only")

    p = command("memory", help="VmRSS and VmHWM of processes, in MB")
    p.add_argument("pids", type=int, nargs="+")

    p = command("wrk", help="one wrk run of bench/lua/verifyd.lua")
    p.add_argument("--script", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--op", required=True)
    p.add_argument("--connections", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--duration", type=int, required=True)
    p.add_argument("--timeout", type=int, default=30)
    p.add_argument("--rate", type=float)
    p.add_argument("--pool")
    p.add_argument("--uses", type=int, default=1)
    p.add_argument("--prefix")
    p.add_argument("--limit", type=int)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--verifyd-pids", default="")
    p.add_argument("--postmaster", type=int)
    p.add_argument("--fake", help="the fake Twilio, for --stop-at-messages")
    p.add_argument("--stop-at-messages", type=int, help="stop once the fake has received this many SMS")
    p.add_argument("--sample-rss", action="store_true", help="record verifyd's RSS every second")

    p = command("pgbench", help="one pgbench run")
    p.add_argument("--pgbench", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--conninfo", required=True)
    p.add_argument("--connections", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--duration", type=int, required=True)
    p.add_argument("--protocol", default="extended")
    p.add_argument("--define", action="append")
    p.add_argument("--postmaster", type=int)

    p = command("sms-ledger", help="a phase's verifications against the fake's messages; writes a code pool")
    p.add_argument("--db", required=True)
    p.add_argument("--fake", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--pool-out")
    p.add_argument("--wrong", action="store_true", help="write a wrong code for each number instead")

    p = command("approvals", help="every approved answer has its committed row")
    p.add_argument("--db", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--pool", required=True)
    p.add_argument("--out-dir", required=True)

    p = command("attempts", help="wrong-code checks: the attempts were committed and none approved")
    p.add_argument("--db", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--pool", required=True)
    p.add_argument("--answered", type=int, required=True)

    p = sub.add_parser("statements-reset")
    p.add_argument("--admin", required=True)

    p = sub.add_parser("statements", help="save the statements a database ran per operation")
    p.add_argument("--admin", required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--operations", type=int, required=True)
    p.add_argument("--out", required=True)

    p = command("drift", help="fail when verifyd's statements differ from its pgbench script's")
    p.add_argument("verifyd")
    p.add_argument("script")
    p.add_argument("--label", required=True)

    sub.add_parser("summary", help="one line about the record on standard input")

    p = sub.add_parser("rps", help="req/s of the last (or best) closed-loop run of an operation, 0 if none")
    p.add_argument("records")
    p.add_argument("--op", required=True)
    p.add_argument("--instances", type=int, required=True)
    p.add_argument("--connections", type=int, help="only runs at this level")
    p.add_argument("--best", action="store_true", help="the highest instead of the last")

    p = sub.add_parser("report", help="bench/results/<name>.json and .md from the records")
    p.add_argument("records")
    p.add_argument("--out", required=True, help="path without extension")

    args = parser.parse_args()
    if args.command == "wait-ready":
        wait_ready(args)
    elif args.command == "note":
        emit(args, {})
    elif args.command == "memory":
        mb = [measure.memory_kb(pid) for pid in args.pids]
        emit(args, {"rss_mb": [round(m["rss_kb"] / 1024, 1) for m in mb]})
    elif args.command == "wrk":
        emit(args, {"kind": "http", **measure.run_wrk(args)})
    elif args.command == "pgbench":
        emit(args, {"kind": "pgbench", **measure.run_pgbench(args)})
    elif args.command == "sms-ledger":
        emit(
            args,
            {"kind": "ledger", "check": "sms", **ledger.sms_ledger(
                args.db, args.fake, args.service, args.prefix, args.pool_out, args.wrong)},
        )
    elif args.command == "approvals":
        emit(args, {"kind": "ledger", "check": "approvals", **ledger.approvals(
            args.db, args.service, args.pool, args.out_dir)})
    elif args.command == "attempts":
        emit(args, {"kind": "ledger", "check": "attempts", **ledger.attempts(
            args.db, args.service, args.pool, args.answered)})
    elif args.command == "statements-reset":
        statements.reset(args.admin)
    elif args.command == "statements":
        statements.save(args.out, statements.snapshot(args.admin, args.database, args.operations))
    elif args.command == "drift":
        ours = json.loads(Path(args.verifyd).read_text())
        theirs = json.loads(Path(args.script).read_text())
        problems = statements.drift(ours, theirs)
        emit(args, {"kind": "drift", "label": args.label, "ok": not problems, "problems": problems})
        if problems:
            sys.exit(1)
    elif args.command == "summary":
        r = json.loads(sys.stdin.read().splitlines()[-1])
        latency = r.get("scheduled_latency_ms") or r["latency_ms"]
        print(f"{r['rps']:.0f} req/s, {r['errors'] + r['unexpected']} errors, p50 {latency['p50']} ms, "
              f"p99 {latency['p99']} ms{' (pool ran out)' if r['pool_ran_out'] else ''}")
    elif args.command == "rps":
        runs = [r["rps"] for r in report.load(args.records)
                if r.get("kind") == "http" and r.get("mode") == "closed" and r.get("op") == args.op
                and r.get("instances") == args.instances
                and args.connections in (None, r.get("connections"))]
        print((max(runs) if args.best else runs[-1]) if runs else 0)
    elif args.command == "report":
        report.write(args.records, args.out)


if __name__ == "__main__":
    main()
