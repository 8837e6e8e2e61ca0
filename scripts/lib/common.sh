# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test. Source this file first; it sets VERIFYD_ROOT.

VERIFYD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export VERIFYD_ROOT

say() { printf '%s\n' "$*" >&2; }
step() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# The checkout's path hashed to 8 hex characters: names per-checkout folders outside the checkout.
checkout_hash() { printf '%s' "$VERIFYD_ROOT" | sha256sum | cut -c1-8; }

# loopback_port PORT: binds 127.0.0.1:PORT for a moment and prints the port bound (PORT 0: any free one); fails
# when PORT is taken. free_port picks a port nothing listens on; port_if_free keeps a remembered one when possible.
loopback_port() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except (OSError, ValueError, OverflowError):
    sys.exit(1)
print(s.getsockname()[1])
s.close()
PY
}
free_port() { loopback_port 0; }
port_if_free() { loopback_port "$1"; }

# Random bytes from /dev/urandom, as lowercase hex or base64.
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
random_base64() { head -c "$1" /dev/urandom | base64 -w0; }
