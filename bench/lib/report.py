"""bench/results/<name>.json (every record of the run, plus the targets) and <name>.md (the tables) from records."""

from __future__ import annotations

import json

CHECK_OPS = ("check-wrong", "check-right", "auth")
OP_NAMES = {
    "check-wrong": "check, wrong code",
    "check-right": "check, right code (each once)",
    "start": "start, SMS, Twilio at once",
    "start-slow": "start, SMS, Twilio in 200 ms",
    "auth": "POST /auth/{number}/{token}, right code",
}


def load(path: str) -> list[dict]:
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


class Run:
    def __init__(self, records: list[dict]) -> None:
        self.records = records
        self.info = next((r for r in records if r.get("kind") == "run"), {})
        self.http = [r for r in records if r.get("kind") == "http" and r.get("phase") != "10m"]
        self.pgbench = [r for r in records if r.get("kind") == "pgbench"]

    def ceiling(self, which: str, script: str, connections) -> float | None:
        for r in self.pgbench:
            if r["ceiling"] == which and r["script"] == script and r["connections"] == connections:
                return r["tps"]
        return None

    def closed(self, op: str, instances: int, connections: int) -> dict | None:
        found = [r for r in self.http if r["op"] == op and r["instances"] == instances
                 and r["connections"] == connections and r["mode"] == "closed"]
        return found[-1] if found else None

    def ratios(self, r: dict) -> tuple[str, str]:
        c = r["connections"]
        if r["op"] in CHECK_OPS:
            four = self.ceiling("reference", "check_wrong", c)
            one = self.ceiling("reference", "one_statement_check_wrong", c)
            own = self.ceiling("verifyd", "check_wrong", c)
            reference = f"{ratio(r['rps'], four)} / {ratio(r['rps'], one)}"
        else:
            reference = ratio(r["rps"], self.ceiling("reference", "start_outbox", c))
            own = self.ceiling("verifyd", "start", c)
        return reference, ratio(r["rps"], own)


def ratio(value, ceiling) -> str:
    return f"{value / ceiling:.2f}" if ceiling else "–"


def p(r: dict, key: str, which: str = "latency_ms") -> str:
    return fmt(r.get(which, {}).get(key), 1)


def markdown(run: Run, targets: list[dict]) -> str:
    info = run.info
    finish = next((r for r in run.records if r.get("kind") == "finish"), {})
    out = [
        f"# Benchmark {info.get('started', '')}" + (f" to {finish['finished']}" if finish else ""),
        "",
        f"verifyd {info.get('commit', '?')}{' (uncommitted changes)' if info.get('dirty') else ''}, release build; "
        f"{info.get('cores', '?')} cores, load average {info.get('load_average', '?')} at the start; "
        f"{info.get('duration_s', '?')} s per run; PostgreSQL with fsync and synchronous_commit on; HAProxy "
        f"{info.get('haproxy', '?')} in front of every topology; wrk with 2 threads on loopback. Latencies in ms, "
        "CPU in ms per request (verifyd: its processes; PostgreSQL: every backend). Produced by `scripts/bench`.",
        "",
    ]
    if run.pgbench:
        levels = sorted({r["connections"] for r in run.pgbench})
        out += ["## PostgreSQL ceilings (pgbench, same cluster, same run)", "",
                "| script | " + " | ".join(f"{c} clients: tps (PG CPU ms/txn)" for c in levels) + " |",
                "|---|" + "---|" * len(levels)]
        names = {
            ("reference", "check_wrong"): "reference: check as 4 statements (-M prepared)",
            ("reference", "one_statement_check_wrong"): "reference: check as 1 statement (-M prepared)",
            ("reference", "start_outbox"): "reference: start + outbox row (-M prepared)",
            ("verifyd", "check_wrong"): "verifyd's own check statements (-M extended, pipelined)",
            ("verifyd", "start"): "verifyd's own start statements (-M extended, pipelined)",
        }
        for key, label in names.items():
            rows = {r["connections"]: r for r in run.pgbench if (r["ceiling"], r["script"]) == key}
            if rows:
                cells = ["–" if c not in rows
                         else "stalled: no transaction completed" if rows[c].get("stalled")
                         else f"{fmt(rows[c]['tps'])} ({fmt(rows[c]['cpu_postgres_ms_per_op'], 3)})"
                         for c in levels]
                out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("")

    closed = [r for r in run.http if r["mode"] == "closed"]
    if closed:
        out += ["## verifyd behind HAProxy (closed loop)", "",
                "Ratios: a check to the reference 4-statement / one-statement ceilings, a start to the reference "
                "start ceiling; \"own SQL\" to verifyd's statements run by pgbench at the same concurrency.", "",
                "| operation | instances | connections | req/s | errors | p50 | p99 | p99.9 | × reference | "
                "× own SQL | verifyd CPU | PG CPU | peak RSS MB |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(closed, key=lambda r: (list(OP_NAMES).index(r["op"]), r["instances"], r["connections"])):
            reference, own = run.ratios(r)
            errors = r["errors"] + r["unexpected"]
            note = " (pool ran out)" if r.get("pool_ran_out") else ""
            out.append(
                f"| {OP_NAMES[r['op']]} | {r['instances']} | {r['connections']} | {fmt(r['rps'])}{note} | {errors} | "
                f"{p(r, 'p50')} | {p(r, 'p99')} | {p(r, 'p99.9')} | {reference} | {own} | "
                f"{fmt(r.get('cpu_verifyd_ms_per_op'), 3)} | {fmt(r.get('cpu_postgres_ms_per_op'), 3)} | "
                f"{', '.join(fmt(m, 1) for m in r.get('peak_rss_mb', []))} |")
        out.append("")

    paced = [r for r in run.http if r["mode"] == "paced"]
    if paced:
        out += ["## Half the highest rate, open loop", "",
                "A paced wrk script (`bench/lua/verifyd.lua`) holds the rate the way wrk2 does and times each request "
                "from its scheduled send, so a stall counts in the tail instead of slowing the load (coordinated "
                "omission). wrk's own figures, from the actual send, are beside it; the closed-loop runs above "
                "under-report their tails for the same reason.", "",
                "| operation | instances | connections | rate asked | achieved | errors | p50 | p99 | p99.9 | "
                "wrk's p99 from send |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in paced:
            out.append(
                f"| {OP_NAMES[r['op']]} | {r['instances']} | {r['connections']} | {fmt(r.get('rate'))} | "
                f"{fmt(r['rps'])} | {r['errors'] + r['unexpected']} | {p(r, 'p50', 'scheduled_latency_ms')} | "
                f"{p(r, 'p99', 'scheduled_latency_ms')} | {p(r, 'p99.9', 'scheduled_latency_ms')} | {p(r, 'p99')} |")
        out.append("")

    ten = [r for r in run.records if r.get("kind") == "http" and r.get("phase") == "10m"]
    if ten:
        out += ["## Check with 10 million rows in verifications", "",
                "| table | mode | rate asked | req/s | p50 | p99 | p99.9 |", "|---|---|---|---|---|---|---|"]
        for r in ten:
            lat = "scheduled_latency_ms" if r["mode"] == "paced" else "latency_ms"
            out.append(f"| {r['table']} | {r['mode']} | {fmt(r.get('rate'))} | {fmt(r['rps'])} | {p(r, 'p50', lat)} | "
                       f"{p(r, 'p99', lat)} | {p(r, 'p99.9', lat)} |")
        out.append("")

    startups = [r for r in run.records if r.get("kind") == "startup"]
    if startups:
        out += ["## Fixed costs", "", "Every start of an instance: from the process start to its first 200 on /readyz, "
                "and its RSS a second later.", "",
                "| instances | instance | Twilio latency | database | start to /readyz 200 (ms) | idle RSS MB |",
                "|---|---|---|---|---|---|"]
        for r in startups:
            latency = f"{r['twilio_ms']} ms" if "twilio_ms" in r else "–"
            out.append(f"| {r['instances']} | {r['instance']} | {latency} | "
                       f"{r.get('database', '–')} | {fmt(r['ready_ms'], 1)} | {fmt(r['rss_mb'][0], 1)} |")
        out.append("")

    series = [r for r in run.http if r.get("rss_mb_every_second")]
    for r in series:
        values = [s[0] for s in r["rss_mb_every_second"]]
        out += [f"Memory during the {r['duration_s']:.0f} s {OP_NAMES[r['op']]} run at {r['connections']} "
                f"connections (RSS MB, every second): {', '.join(fmt(v, 0) for v in values)}.", ""]

    ledgers = [r for r in run.records if r.get("kind") == "ledger"]
    if ledgers:
        failed = [r for r in ledgers if not r["ok"]]
        out += ["## Nothing lost", "",
                f"{len(ledgers) - len(failed)} of {len(ledgers)} checks passed: every created verification's SMS "
                "reached the fake exactly once and every attempt ended `sent`; every approved answer has its "
                "committed row; every wrong-code answer counted its attempt and none approved."]
        for r in failed:
            details = {k: v for k, v in r.items() if k not in ("kind", "record", "ok")}
            out.append(f"- FAILED: `{json.dumps(details)}`")
        out.append("")

    balancers = [r for r in run.records if r.get("kind") == "balancer"]
    if balancers:
        out += ["Instances HAProxy took out of rotation (its /readyz check failed twice) during the runs: "
                + ", ".join(f"{r['downs']} with {r['instances']} instance(s) and Twilio answering in "
                            f"{r['twilio_ms']} ms" for r in balancers) + ".", ""]

    drifts = [r for r in run.records if r.get("kind") == "drift"]
    if drifts:
        out += ["## Statement drift", ""]
        for r in drifts:
            if r["ok"]:
                out.append(f"- {r['label']}: the pgbench script runs the statements verifyd ran.")
            else:
                out.append(f"- {r['label']}: **the pgbench script no longer matches verifyd**:")
                out += [f"  - `{problem}`" for problem in r["problems"]]
        out.append("")

    if targets:
        out += ["## Targets (issue 7)", "", "| target | measured | met |", "|---|---|---|"]
        for t in targets:
            out.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
        out.append("")
    return "\n".join(out)


def evaluate(run: Run) -> list[dict]:
    targets = []

    def add(target: str, measured: str, met: bool) -> None:
        targets.append({"target": target, "measured": measured, "met": bool(met)})

    for op in ("check-wrong", "check-right"):
        r = run.closed(op, 1, 64)
        four = run.ceiling("reference", "check_wrong", 64)
        if r and four:
            add(f"{op} ≥ 0.6 × reference 4-statement ceiling at 64", f"{r['rps'] / four:.2f}", r["rps"] >= 0.6 * four)
        one = run.ceiling("reference", "one_statement_check_wrong", 64)
        if r and one:
            add(f"(stretch) {op} ≥ 0.5 × one-statement ceiling at 64", f"{r['rps'] / one:.2f}", r["rps"] >= 0.5 * one)
        for paced in (x for x in run.http if x["op"] == op and x["mode"] == "paced"):
            p99 = paced.get("scheduled_latency_ms", {}).get("p99")
            if p99 is not None:
                add(f"{op} p99 ≤ 10 ms at half load, {paced['instances']} instance(s)", f"{p99} ms", p99 <= 10)
    r, ceiling = run.closed("start", 1, 64), run.ceiling("reference", "start_outbox", 64)
    if r and ceiling:
        add("start (Twilio at once) ≥ 0.5 × reference start ceiling at 64", f"{r['rps'] / ceiling:.2f}",
            r["rps"] >= 0.5 * ceiling)
    r = run.closed("start-slow", 1, 256)
    if r:
        add("start (Twilio 200 ms) ≥ 1,000 req/s at 256, one instance", fmt(r["rps"]), r["rps"] >= 1000)
        add("… p99 ≤ 400 ms", f"{r['latency_ms']['p99']} ms", r["latency_ms"]["p99"] <= 400)
        add("… no errors", str(r["errors"] + r["unexpected"]), r["errors"] + r["unexpected"] == 0)
        values = [s[0] for s in r.get("rss_mb_every_second", [])]
        if len(values) > 10:
            settled = values[5]
            add("… memory flat over the run (last within 10 % of the value after 5 s)",
                f"{settled:.0f} → {values[-1]:.0f} MB", values[-1] <= settled * 1.1)
    for r3 in (x for x in run.http if x["instances"] == 3 and x["mode"] == "closed"):
        r1 = run.closed(r3["op"], 1, r3["connections"])
        if r1:
            add(f"3 instances ≥ 1 instance: {r3['op']} at {r3['connections']}", f"{r3['rps'] / r1['rps']:.2f}",
                r3["rps"] >= r1["rps"])
    startups = [x for x in run.records if x.get("kind") == "startup"]
    if startups:
        idle = max(x["rss_mb"][0] for x in startups)
        ready = max(x["ready_ms"] for x in startups)
        add("idle RSS ≤ 40 MB", f"{idle:.1f} MB (highest)", idle <= 40)
        add("ready ≤ 1 s", f"{ready:.0f} ms (slowest)", ready <= 1000)
    peaks = [m for x in run.http for m in x.get("peak_rss_mb", [])]
    if peaks:
        add("RSS ≤ 150 MB under the heaviest load", f"{max(peaks):.1f} MB", max(peaks) <= 150)
    ten = {x["table"]: x for x in run.records
           if x.get("kind") == "http" and x.get("phase") == "10m" and x.get("mode") == "paced"}
    if "empty" in ten and "10m" in ten:
        empty, full = (ten[k]["scheduled_latency_ms"]["p99"] for k in ("empty", "10m"))
        add("10 M rows: check p99 within 20 % of the empty table", f"{empty} → {full} ms", full <= empty * 1.2)
    errors = sum(x["errors"] + x["unexpected"] for x in run.records if x.get("kind") == "http")
    add("no errors at any level", str(errors), errors == 0)
    ledgers = [x for x in run.records if x.get("kind") == "ledger"]
    if ledgers:
        lost = sum(not x["ok"] for x in ledgers)
        add("nothing lost (SMS exactly once, approvals and attempts committed)", f"{lost} failed checks", lost == 0)
    return targets


def write(records_path: str, out: str) -> None:
    records = load(records_path)
    run = Run(records)
    targets = evaluate(run)
    with open(out + ".json", "w") as f:
        json.dump({"run": run.info, "targets": targets, "records": records}, f, indent=1)
        f.write("\n")
    with open(out + ".md", "w") as f:
        f.write(markdown(run, targets) + "\n")
