#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The PostgreSQL client beside pgbench, same statements, same cluster, same run; not part of scripts/test.
#
#   bench/pg-microbench/run.sh [ROUNDS] [SECONDS]     default 3 rounds of 5 s per kind
#   CALLGRIND=1 bench/pg-microbench/run.sh            instructions per query instead (valgrind --tool=callgrind)
#
# Starts a throwaway cluster with default durability (fsync and synchronous_commit on), 1000 rows in
# bench_counters, then per round and kind (select, update, tx): pgbench -M extended (unnamed statements, as verifyd
# sends by default), the client, pgbench -M prepared, the client with --prepared. 64 tasks share 8 connections;
# pgbench runs 8 clients. Quote the ratio to pgbench, and repeat: the machine may be shared.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=../../scripts/lib/common.sh
source "$here/../../scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/postgres.sh
source "$here/../../scripts/lib/postgres.sh"
rounds=${1:-3}
seconds=${2:-5}

step "Build (release)"
swift build -c release --package-path "$here" --product pg-microbench
binary="$(swift build -c release --package-path "$here" --show-bin-path)/pg-microbench"

pg_find_bindir
scratch=$(mktemp -d /tmp/pgmb.XXXXXX)
pg_make_dir "$scratch" 755
pg_make_dir "$scratch/s" 755
trap 'pg_stop "$scratch/data" immediate || true; rm -rf "$scratch"' EXIT
port=$(free_port)
pg_init "$scratch/data"
pg_start "$scratch/data" "$port" "$scratch/s" "$scratch/log" -c max_connections=100
as_pg_user psql -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE bench"
as_pg_user psql -q -h 127.0.0.1 -p "$port" -U postgres -d bench -c "CREATE TABLE bench_counters (
    id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
    INSERT INTO bench_counters SELECT g, 0 FROM generate_series(1, 1000) g"
db="host=127.0.0.1 port=$port user=postgres dbname=bench"

if [[ ${CALLGRIND:-0} == 1 ]]; then
    # valgrind 3.19 cannot read the toolchain's debug info: measure a copy without it.
    objcopy --strip-debug "$binary" "$scratch/pg-microbench"
    for kind in select update tx; do
        for extra in "" --prepared; do
            totals=()
            for n in 960 4992; do
                totals+=("$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$scratch/pg-microbench" \
                    --db "$db" --count "$n" --query "$kind" $extra 2>&1 | awk '/Collected/ {print $4}')")
            done
            say "$kind $extra: $(((totals[1] - totals[0]) / 4032)) instructions per query"
        done
    done
    exit 0
fi

pgb() {
    as_pg_user pgbench -h 127.0.0.1 -p "$port" -U postgres -n -M "$1" -c 8 -j 2 -T "$seconds" -f "$here/$2.sql" bench \
        2>/dev/null | awk '/^tps/ {print int($3)}'
}
client() { "$binary" --db "$db" --seconds "$seconds" --query "$@" | sed 's/queries=[0-9]* //'; }
for ((round = 1; round <= rounds; round++)); do
    for kind in select update tx; do
        say "$kind | pgbench $(pgb extended "$kind") | client $(client "$kind") | pgbench -M prepared" \
            "$(pgb prepared "$kind") | client --prepared $(client "$kind" --prepared) | load $(cut -d' ' -f1 /proc/loadavg)"
    done
done
