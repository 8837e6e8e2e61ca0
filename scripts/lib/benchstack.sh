# shellcheck shell=bash
# The processes of scripts/bench: its PostgreSQL cluster, the fake Twilio, verifyd instances and HAProxy, each
# started in the scratch folder and listed in `started` so the benchmark's exit stops them.
#
# Shares globals with scripts/bench, both ways: it reads scratch, records, binary, fake_binary, database, auth_service and tool
# (benchtool.py); scripts/bench reads pg_port, postmaster, admin, auth_header, front_port and verifyd_pids.
# shellcheck disable=SC2034,SC2154

datadir=""
declare -a started=()

stop_pid() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && ((waited < 300)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

forget_pid() {
    local pid=$1 kept=() other
    for other in "${started[@]}"; do [[ $other == "$pid" ]] || kept+=("$other"); done
    started=("${kept[@]}")
}

# --- PostgreSQL -----------------------------------------------------------------------------------------------

pg_port=""
postmaster=""
admin=""

start_postgres() {
    pg_find_bindir
    datadir=$scratch/pg/data
    pg_make_dir "$scratch/pg" 700
    pg_make_dir "$scratch/sock" 755
    step "Starting PostgreSQL (fsync and synchronous_commit on, pg_stat_statements loaded)"
    pg_init "$datadir"
    pg_port=$(free_port)
    # max_connections: 256 pgbench clients plus the pools of three instances. Durability stays at the defaults,
    # stated here so that a changed default cannot slip in.
    pg_start "$datadir" "$pg_port" "$scratch/sock" "$scratch/pg/server.log" \
        -c fsync=on -c synchronous_commit=on -c max_connections=400 \
        -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top ||
        die "PostgreSQL failed to start; see $scratch/pg/server.log"
    postmaster=$(pg_recorded_pid "$datadir")
    admin="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
    sql postgres -c 'CREATE EXTENSION pg_stat_statements'
}

sql() {
    local database=$1
    shift
    PGOPTIONS='-c client_min_messages=warning' \
        psql -X -q -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$pg_port user=postgres dbname=$database" "$@"
}

conninfo() { printf 'postgresql://postgres@127.0.0.1:%s/%s' "$pg_port" "$1"; }

# --- verifyd, the fake Twilio, HAProxy ------------------------------------------------------------------------

binary=""
fake_binary=""
root_sid="AC$(random_hex 16)"
root_token=$(random_hex 16)
code_key=$(random_base64 32)
twilio_sid="AC$(random_hex 16)"
twilio_token=$(random_hex 16)
auth_header="Basic $(printf '%s:%s' "$root_sid" "$root_token" | base64 -w0)"
fake_url=""
# Room for every start of the 256-connection run with Twilio answering in 200 ms (and the dispatcher) at once: a start
# past the cap answers 503 at once. libcurl's connection limits follow the cap (CurlMultiHandle), so no transfer
# waits for a connection while its timeout runs.
twilio_in_flight=512
fake_pid=""
fake_latency=""
front_port=$(free_port)
stats_port=$(free_port)
haproxy_pid=""
declare -a verifyd_pids=()
server_lines=""

admin_command() { env -i PATH="$PATH" DATABASE_URL="$(conninfo "$database")" "$binary" "$@"; }

create_service() {
    admin_command services create --friendly-name "$1" --max-check-attempts 100 --code-validity 86400 |
        json_field sid
}

# The project's fake Twilio (`fake-twilio`, built beside verifyd), answering every Messages request after `latency` ms.
start_fake() {
    local latency=$1 line="" waited=0
    fake_latency=$latency
    rm -f "$scratch/fake.out"
    "$fake_binary" --host 127.0.0.1 --port 0 --latency-ms "$latency" \
        --account-sid "$twilio_sid" --auth-token "$twilio_token" >"$scratch/fake.out" 2>>"$scratch/fake.log" &
    fake_pid=$!
    started+=("$fake_pid")
    while ! line=$(grep -s -m1 '^listening ' "$scratch/fake.out"); do
        kill -0 "$fake_pid" 2>/dev/null || die "the fake Twilio exited; see $scratch/fake.log"
        ((waited++ < 300)) || die "the fake Twilio did not start listening"
        sleep 0.05
    done
    fake_url=${line#listening }
}

stop_fake() {
    stop_pid "$fake_pid"
    forget_pid "$fake_pid"
}

# start_instances N: N verifyd instances; records the time to /readyz 200 and the idle RSS of each.
start_instances() {
    local count=$1 index port started_ns pid ready
    verifyd_pids=()
    server_lines=""
    for ((index = 1; index <= count; index++)); do
        port=$(free_port)
        started_ns=$(date +%s%N)
        # The abuse counters stay on, so their cost is in the figures, but the benchmark's own traffic (thousands of
        # unapproved starts per prefix, far more than a key's hourly default) must not trip them.
        env -i PATH="$PATH" HOME="${HOME:-/root}" \
            DATABASE_URL="$(conninfo "$database")" \
            VERIFYD_HOST=127.0.0.1 VERIFYD_PORT="$port" VERIFYD_PUBLIC_URL="http://127.0.0.1:$front_port" \
            VERIFYD_ACCOUNT_SID="$root_sid" VERIFYD_AUTH_TOKEN="$root_token" VERIFYD_CODE_KEY="$code_key" \
            VERIFYD_DEFAULT_SERVICE="$auth_service" VERIFYD_SHUTDOWN_DRAIN_SECONDS=0 \
            VERIFYD_DELIVERY=twilio TWILIO_ACCOUNT_SID="$twilio_sid" TWILIO_AUTH_TOKEN="$twilio_token" \
            TWILIO_FROM=+15005550006 TWILIO_API_URL="$fake_url" VERIFYD_TWILIO_MAX_IN_FLIGHT="$twilio_in_flight" \
            VERIFYD_PREFIX_MIN_APPROVED_PERCENT=0 VERIFYD_API_KEY_STARTS_PER_HOUR=100000000 \
            VERIFYD_API_KEY_CHECKS_PER_HOUR=100000000 \
            "$binary" serve >>"$scratch/verifyd-$index.log" 2>&1 &
        pid=$!
        started+=("$pid")
        verifyd_pids+=("$pid")
        ready=$(tool wait-ready "http://127.0.0.1:$port/readyz" --since-ns "$started_ns") ||
            die "verifyd did not become ready; see $scratch/verifyd-$index.log"
        sleep 1
        tool memory "$pid" --record "$records" --set kind=startup --set instances="$count" \
            --set instance="$index" --set ready_ms="$ready" --set twilio_ms="$fake_latency" \
            --set database="$database" >/dev/null
        server_lines+="    server v$index 127.0.0.1:$port"$'\n'
    done
    start_haproxy
}

stop_instances() {
    local pid
    stop_pid "$haproxy_pid"
    forget_pid "$haproxy_pid"
    for pid in "${verifyd_pids[@]}"; do
        stop_pid "$pid"
        forget_pid "$pid"
    done
    verifyd_pids=()
}

# The benchmark's own balancer config: round robin, servers taken out while /readyz fails (as in docker/).
start_haproxy() {
    cat >"$scratch/haproxy.cfg" <<CFG
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s

frontend bench
    bind 127.0.0.1:$front_port
    default_backend verifyd

backend verifyd
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server check inter 2s fall 2 rise 2
$server_lines
listen stats
    bind 127.0.0.1:$stats_port
    stats enable
    stats uri /stats
CFG
    haproxy -W -db -f "$scratch/haproxy.cfg" >>"$scratch/haproxy.log" 2>&1 &
    haproxy_pid=$!
    started+=("$haproxy_pid")
    local waited=0
    until [[ $(balancer_servers_up) == "${#verifyd_pids[@]}" ]]; do
        kill -0 "$haproxy_pid" 2>/dev/null || die "HAProxy exited; see $scratch/haproxy.log"
        ((waited++ < 200)) || die "HAProxy did not see every instance up; see $scratch/haproxy.log"
        sleep 0.1
    done
}

balancer_csv() { python3 -c 'import sys, urllib.request as u; sys.stdout.write(u.build_opener(u.ProxyHandler({})).open(sys.argv[1]).read().decode())' "http://127.0.0.1:$stats_port/stats;csv" 2>/dev/null; }
balancer_servers_up() { balancer_csv | awk -F, '$1 == "verifyd" && $2 ~ /^v[0-9]+$/ && $18 == "UP"' | wc -l; }
# How often HAProxy took an instance out since it started (column 23, chkdown), summed over the servers.
balancer_downs() { balancer_csv | awk -F, '$1 == "verifyd" && $2 ~ /^v[0-9]+$/ { n += $23 } END { print n + 0 }'; }
