"""One measurement of scripts/bench: runs wrk or pgbench, takes CPU and memory readings around it, appends a record.

CPU comes from /proc/PID/stat (utime + stime, in clock ticks): the verifyd processes, and for PostgreSQL the
postmaster with everything it reaped (cutime + cstime) plus every live child, so backends that exit during the run
still count. Peak RSS is VmHWM, reset before the run by writing 5 to /proc/PID/clear_refs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name is in parentheses and may hold spaces; fields after it are plain.
    return text[text.rindex(")") + 2 :].split()


def process_cpu(pid: int, reaped: bool = False) -> float:
    """CPU seconds of PID (user + system), with its reaped children's when `reaped`."""
    fields = _stat_fields(pid)
    # After the name: state=0, ppid=1, ... utime=11, stime=12, cutime=13, cstime=14.
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat_fields(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return found


def postgres_cpu(postmaster: int) -> float:
    total = process_cpu(postmaster, reaped=True)
    for child in children(postmaster):
        try:
            total += process_cpu(child)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def memory_kb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return {"rss_kb": values.get("VmRSS", 0), "hwm_kb": values.get("VmHWM", 0)}


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class Readings:
    """CPU of verifyd and PostgreSQL across a run, and each verifyd's peak RSS during it."""

    def __init__(self, verifyd_pids: list[int], postmaster: int | None) -> None:
        self.verifyd_pids = verifyd_pids
        self.postmaster = postmaster
        for pid in verifyd_pids:
            reset_peak(pid)
        self.verifyd_start = sum(process_cpu(pid) for pid in verifyd_pids)
        self.postgres_start = postgres_cpu(postmaster) if postmaster else 0.0

    def finish(self, operations: int) -> dict:
        verifyd = sum(process_cpu(pid) for pid in self.verifyd_pids) - self.verifyd_start
        postgres = (postgres_cpu(self.postmaster) - self.postgres_start) if self.postmaster else 0.0
        per = max(operations, 1)
        result = {
            "cpu_postgres_s": round(postgres, 2),
            "cpu_postgres_ms_per_op": round(postgres * 1000 / per, 4),
        }
        if self.verifyd_pids:
            result.update(
                {
                    "cpu_verifyd_s": round(verifyd, 2),
                    "cpu_verifyd_ms_per_op": round(verifyd * 1000 / per, 4),
                    "peak_rss_mb": [round(memory_kb(pid)["hwm_kb"] / 1024, 1) for pid in self.verifyd_pids],
                }
            )
        return result


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"p50": at(50), "p99": at(99), "p99.9": at(99.9), "max": ordered[-1]}


def run_wrk(args) -> dict:
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in list(out_dir.glob("approved.*")) + list(out_dir.glob("latency.*")):
        stale.unlink()
    env = dict(os.environ)
    env.update(
        {
            "BENCH_OP": args.op,
            "BENCH_THREADS": str(args.threads),
            "BENCH_RATE": str(args.rate or 0),
            "BENCH_OUT": str(out_dir),
            "BENCH_POOL": args.pool or "",
            "BENCH_USES": str(args.uses),
            "BENCH_PREFIX": args.prefix or "",
            "BENCH_LIMIT": str(args.limit or 0),
        }
    )
    command = [
        "wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
        "--timeout", f"{args.timeout}s", "-s", args.script, args.url,
    ]
    pids = [int(p) for p in args.verifyd_pids.split(",") if p]
    readings = Readings(pids, args.postmaster)
    rss_series = []
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as wrk:
        # Pool creation stops wrk (SIGINT: it still prints its summary) once the fake has received enough SMS;
        # otherwise wrk runs for its duration, and verifyd's RSS is sampled every second meanwhile.
        seen, since = -1, time.monotonic()
        while wrk.poll() is None:
            time.sleep(0.2 if args.stop_at_messages else 1)
            if args.stop_at_messages:
                received = fake_messages(args.fake)
                if received != seen:
                    seen, since = received, time.monotonic()
                # Enough, or no progress for 5 s (some starts failed, so the count will not be reached).
                if received >= args.stop_at_messages or time.monotonic() - since > 5:
                    wrk.send_signal(signal.SIGINT)
                    break
            if args.sample_rss and wrk.poll() is None:
                rss_series.append([round(memory_kb(pid)["rss_kb"] / 1024, 1) for pid in pids])
        stdout, stderr = wrk.communicate()
    completed = subprocess.CompletedProcess(command, wrk.returncode, stdout, stderr)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("BENCH_RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(line[len("BENCH_RESULT ") :])
    duration = (result["ran_out_us"] or result["duration_us"]) / 1e6
    errors = sum(result["errors"].values())
    record = {
        "requests": result["requests"],
        "duration_s": round(duration, 2),
        "rps": round(result["requests"] / duration, 1),
        "errors": errors,
        "error_kinds": {k: v for k, v in result["errors"].items() if v},
        "unexpected": result["unexpected"],
        "pool_ran_out": bool(result["ran_out_us"]),
        "latency_ms": {k: round(v / 1000, 2) for k, v in result["latency_us"].items() if k != "mean"},
    }
    samples = []
    for path in out_dir.glob("latency.*"):
        samples += [int(x) / 1000 for x in path.read_text().split()]
    if samples:
        record["scheduled_latency_ms"] = {k: round(v, 2) for k, v in percentiles(samples).items()}
    if rss_series:
        record["rss_mb_every_second"] = rss_series
    record.update(readings.finish(result["requests"]))
    return record


def fake_messages(base: str) -> int:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(base + "/_fake/stats", timeout=10) as r:
        return json.loads(r.read())["messages"]


_PGBENCH_TPS = re.compile(r"^tps = ([0-9.]+)", re.M)
_PGBENCH_LATENCY = re.compile(r"^latency average = ([0-9.]+) ms", re.M)
_PGBENCH_FAILED = re.compile(r"^number of failed transactions: (\d+)", re.M)
_PGBENCH_DONE = re.compile(r"^number of transactions actually processed: (\d+)", re.M)


def run_pgbench(args) -> dict:
    command = [
        args.pgbench, "-n", "-c", str(args.connections), "-j", str(args.threads), "-T", str(args.duration),
        "-M", args.protocol, "-f", args.script,
    ]
    # String constants a script needs (pgbench's \set makes numbers only) are in its "-- pgbench -D name=value" lines.
    header = [line[len("-- pgbench -D ") :] for line in Path(args.script).read_text().splitlines()
              if line.startswith("-- pgbench -D ")]
    for definition in header + (args.define or []):
        command += ["-D", definition]
    command.append(args.conninfo)
    readings = Readings([], args.postmaster)
    completed = subprocess.run(command, capture_output=True, text=True)
    tps = _PGBENCH_TPS.search(completed.stdout)
    done_match = _PGBENCH_DONE.search(completed.stdout)
    done = int(done_match.group(1)) if done_match else 0
    if completed.returncode != 0 or (tps is None and done_match is None):
        raise SystemExit(f"pgbench failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    if tps is None or done == 0:
        # On a loaded machine 256 clients can spend the whole run connecting: recorded as stalled (no ceiling, so no
        # ratio) rather than ending the benchmark.
        print(f"warning: pgbench completed no transaction: {args.script}, {args.connections} clients", file=sys.stderr)
        record = {"tps": 0, "transactions": 0, "errors": 0, "stalled": True}
        record.update(readings.finish(0))
        return record
    failed = _PGBENCH_FAILED.search(completed.stdout)
    record = {
        "tps": round(float(tps.group(1)), 1),
        "transactions": done,
        "errors": int(failed.group(1)) if failed else 0,
        "latency_avg_ms": float(_PGBENCH_LATENCY.search(completed.stdout).group(1)),
    }
    record.update(readings.finish(done))
    return record


def append_record(path: str, record: dict) -> None:
    with open(path, "a") as out:
        out.write(json.dumps(record) + "\n")
