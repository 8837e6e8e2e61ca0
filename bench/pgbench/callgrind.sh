#!/usr/bin/env bash
# PostgreSQL instructions per execution of one SQL text, counted by callgrind in a single-user backend: stable on a
# busy machine, where pgbench's transactions per second are not.
#
#   bench/pgbench/callgrind.sh DATADIR DB FILE [run|plan]
#
# DATADIR is a stopped copy of a cluster (single-user mode needs it to itself), DB a database in it, FILE the SQL:
# statements separated by a semicolon and an empty line, with literals for parameters. `run` executes FILE inside
# BEGIN … ROLLBACK (so every execution sees the same data); `plan` runs EXPLAIN on it (parse, analysis and planning
# only). Prepared statements: set PREPARE to their PREPARE commands and make FILE the EXECUTEs. The figure is
# (instructions of 60 executions − those of 20) / 40, so start-up and cold caches cancel out.
set -euo pipefail
datadir=$1 db=$2 file=$3 mode=${4:-run}
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d)
# The server runs as postgres and writes its profile here.
chmod 777 "$work"
trap 'rm -rf "$work"' EXIT
statements=$(cat "$file")

instructions() {
    local count=$1 input=$work/input.sql
    printf '%s\n\n' "${PREPARE:-}" > "$input"
    for ((i = 0; i < count; i++)); do
        if [[ $mode == plan ]]; then
            printf 'EXPLAIN %s;\n\n' "$statements" >> "$input"
        else
            printf 'BEGIN;\n\n%s;\n\nROLLBACK;\n\n' "$statements" >> "$input"
        fi
    done
    chmod 644 "$input"
    runuser -u postgres -- valgrind --tool=callgrind --callgrind-out-file="$work/out.cg" \
        "$bindir/postgres" --single -j -D "$datadir" "$db" < "$input" > /dev/null 2> "$work/log"
    grep -o 'Collected : [0-9]*' "$work/log" | grep -o '[0-9]*$'
}

few=$(instructions 20)
many=$(instructions 60)
echo "$(((many - few) / 40)) instructions per $mode"
