"""The statements verifyd really ran, from pg_stat_statements, held against the pgbench scripts of its ceiling.

Both sides go through pg_stat_statements, so both are normalised the same way (constants become $n). What remains
to ignore: parameter numbers and the casts pgbench needs to give a parameter the type verifyd binds it with
(`$1::int8`), the bench_*() helpers that make per-transaction strings in pgbench (which has no string arithmetic),
whitespace, a trailing semicolon and letter case. A statement counts as part of an operation when it runs at least
once every two requests; the dispatcher, the expiry sweep and readiness probes run far less often.
"""

from __future__ import annotations

import json
import re

from ledger import psql

_HELPER = re.compile(r"bench_\w+\([^()]*\)")
_PARAMETER = re.compile(r"\$\d+(::\w+)?")


def normalise(query: str) -> str:
    query = _HELPER.sub("$", query)
    query = _PARAMETER.sub("$", query)
    query = re.sub(r"\s+", " ", query).strip().rstrip(";").strip()
    query = re.sub(r"\s*([(),=<>*+-])\s*", r"\1", query)
    return query.lower()


def reset(admin: str) -> None:
    psql(admin, "SELECT pg_stat_statements_reset()")


def snapshot(admin: str, database: str, operations: int) -> dict[str, float]:
    """{normalised statement: calls per operation} for the statements of `database` run at least every 2nd op."""
    rows = psql(
        admin,
        """SELECT regexp_replace(s.query, '\s+', ' ', 'g'), s.calls
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = :'database'""",
        database=database,
    )
    per_op: dict[str, float] = {}
    for query, calls in rows:
        key = normalise(query)
        per_op[key] = per_op.get(key, 0) + int(calls) / max(operations, 1)
    return {key: round(value, 2) for key, value in per_op.items() if value >= 0.5}


def drift(verifyd: dict[str, float], script: dict[str, float]) -> list[str]:
    """Differences between what verifyd ran and what the pgbench script ran, per operation."""
    problems = []
    for key in sorted(set(verifyd) | set(script)):
        ours, theirs = verifyd.get(key), script.get(key)
        if ours is None:
            problems.append(f"only in the pgbench script ({theirs}/txn): {key}")
        elif theirs is None:
            problems.append(f"only in verifyd ({ours}/request): {key}")
        elif abs(ours - theirs) > 0.25:
            problems.append(f"verifyd runs it {ours}/request, the script {theirs}/txn: {key}")
    return problems


def save(path: str, data: dict) -> None:
    with open(path, "w") as out:
        json.dump(data, out, indent=1, sort_keys=True)
