#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# verifyd's own instructions per request, counted by callgrind: stable on a busy machine, where req/s are not, so it
# judges a change to the request path (issue 7). Not part of scripts/test.
#
#   bench/request-instructions.sh [BINARY]     default: the release build (built first); a BINARY given is used
#                                              with the fake-twilio beside it, and nothing is built
#
# Starts a throwaway PostgreSQL and the fake Twilio (answering at once), runs one verifyd under
# `valgrind --tool=callgrind`, and sends requests one at a time on one keep-alive connection (starts, wrong-code
# checks, then right-code checks of the starts' numbers with the codes the fake received): per operation a
# warm-up, a dump (which zeroes callgrind's counters), the measured requests, another dump. The figure is the
# second dump's total over the measured requests: every thread of verifyd (HTTP, the PostgreSQL poll thread,
# libcurl's thread), nothing of PostgreSQL or the fake. The profiles are kept for callgrind_annotate.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
lib=$here/../scripts/lib
# shellcheck source=../scripts/lib/common.sh
source "$lib/common.sh"
# shellcheck source=../scripts/lib/postgres.sh
source "$lib/postgres.sh"
# shellcheck source=../scripts/lib/benchstack.sh
source "$lib/benchstack.sh"
cd "$VERIFYD_ROOT"

warmup=${WARMUP:-200}
measured=${MEASURED:-1000}
binary=${1:-}
if [[ -z $binary ]]; then
    swift build -c release --product verifyd
    swift build -c release --product fake-twilio
    binary="$(swift build -c release --show-bin-path)/verifyd"
fi
fake_binary="$(dirname "$binary")/fake-twilio"

scratch=$(mktemp -d /tmp/vri.XXXXXX)
chmod 755 "$scratch"
records=$scratch/records.jsonl
database=verifyd
tool() { python3 "$VERIFYD_ROOT/bench/lib/benchtool.py" "$@"; }
json_field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])[sys.argv[1]])' "$1"; }
cleanup() {
    local pid
    for pid in "${started[@]}"; do stop_pid "$pid"; done
    [[ -n $datadir ]] && pg_stop "$datadir" fast
    say "Profiles and logs: $scratch"
}
trap cleanup EXIT

start_postgres
sql postgres -c 'CREATE DATABASE verifyd'
admin_command migrate >/dev/null
bench_service=$(create_service Bench)
auth_service=$(create_service Original)
start_fake 0

# valgrind 3.19 cannot read the toolchain's debug info: profile a copy without it (symbols stay). It also dies in
# dispatch_main's sigsuspend; the preloaded shim works around that (see the file).
objcopy --strip-debug "$binary" "$scratch/verifyd"
cc -shared -fPIC -O2 -o "$scratch/sigsuspend.so" bench/valgrind-sigsuspend.c
port=$(free_port)
env -i PATH="$PATH" HOME="${HOME:-/root}" DATABASE_URL="$(conninfo verifyd)" \
    VERIFYD_HOST=127.0.0.1 VERIFYD_PORT="$port" VERIFYD_PUBLIC_URL="http://127.0.0.1:$port" \
    VERIFYD_ACCOUNT_SID="$root_sid" VERIFYD_AUTH_TOKEN="$root_token" VERIFYD_CODE_KEY="$code_key" \
    VERIFYD_DEFAULT_SERVICE="$auth_service" VERIFYD_SHUTDOWN_DRAIN_SECONDS=0 \
    VERIFYD_DELIVERY=twilio TWILIO_ACCOUNT_SID="$twilio_sid" TWILIO_AUTH_TOKEN="$twilio_token" \
    TWILIO_FROM=+15005550006 TWILIO_API_URL="$fake_url" LD_PRELOAD="$scratch/sigsuspend.so" \
    VERIFYD_PREFIX_MIN_APPROVED_PERCENT=0 VERIFYD_API_KEY_STARTS_PER_HOUR=100000000 \
    VERIFYD_API_KEY_CHECKS_PER_HOUR=100000000 \
    valgrind --tool=callgrind --callgrind-out-file="$scratch/callgrind.%p" "$scratch/verifyd" serve \
    >>"$scratch/verifyd.log" 2>&1 &
pid=$!
started+=("$pid")
tool wait-ready "http://127.0.0.1:$port/readyz" --since-ns "$(date +%s%N)" --timeout 300 >/dev/null ||
    die "verifyd did not become ready under valgrind; see $scratch/verifyd.log"

# measure OP: the warm-up, a dump, the measured requests, a dump; prints instructions per request.
measure() {
    local op=$1 before after
    python3 -c "$driver" "$op" "$warmup" 0
    callgrind_control -d "$op-warmup" "$pid" >/dev/null
    before=$(find "$scratch" -name 'callgrind.*' | sort | tail -n1)
    python3 -c "$driver" "$op" "$measured" "$warmup"
    callgrind_control -d "$op" "$pid" >/dev/null
    after=$(find "$scratch" -name 'callgrind.*' -newer "$before" | sort | tail -n1)
    awk -v n="$measured" -v op="$op" '/^(summary|totals):/ { print op ": " int($2 / n) " instructions per request"; exit }' "$after"
}

# One request at a time on one connection: starts of fresh numbers (OFFSET on), wrong-code checks cycling over
# the numbers the warm-up's starts created (a code of 000000 is wrong but for a one-in-a-million chance), or
# right-code checks of the numbers the starts created (OFFSET on), with the codes the fake Twilio received, each once.
driver=$(
    cat <<PY
import http.client, json, sys, urllib.parse
sys.path.insert(0, "$VERIFYD_ROOT/bench/lib")
from ledger import _CODE, fake_get
op, count, offset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", $port, timeout=120)
headers = {"Authorization": "$auth_header", "Content-Type": "application/x-www-form-urlencoded"}
codes = {}
if op == "check-right":
    for message in fake_get("$fake_url", "/_fake/messages"):
        codes[message["to"]] = _CODE.search(message["body"]).group(1)
for i in range(count):
    number = "+1201%07d" % (2000000 + offset + i)
    if op == "start":
        path, want = "/v2/Services/$bench_service/Verifications", 201
        # Exchange 200 and up: libphonenumber refuses a NANP exchange that starts with 0 or 1.
        form = {"To": number, "Channel": "sms"}
    elif op == "check-right":
        path, want = "/v2/Services/$bench_service/VerificationCheck", 200
        form = {"To": number, "Code": codes[number]}
    else:
        path, want = "/v2/Services/$bench_service/VerificationCheck", 200
        form = {"To": "+1201%07d" % (2000000 + i % $warmup), "Code": "000000"}
    connection.request("POST", path, body=urllib.parse.urlencode(form), headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != want:
        raise SystemExit(f"{op}: {response.status} {body[:200]!r}")
    if op == "check-right" and json.loads(body)["status"] != "approved":
        raise SystemExit(f"{op}: not approved: {body[:200]!r}")
PY
)

step "Instructions per request (callgrind, $measured requests after $warmup)"
measure start
measure check-wrong
measure check-right
