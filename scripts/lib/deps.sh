# shellcheck shell=bash
# The install step shared by scripts/run, scripts/test and scripts/bench: Debian packages, the postgres system user,
# the toolchain.

# haproxy and pgbouncer are the balancer and the pooler of the deployment (docker/): the tests check the balancer's
# configuration and run both on loopback with configurations and ports of their own. Debian's packages may start
# instances of their own (pgbouncer on 127.0.0.1:6432); nothing here relies on them or on those ports.
VERIFYD_APT_PACKAGES=(libpq-dev libcurl4-openssl-dev libphonenumber-dev postgresql python3 python3-venv haproxy pgbouncer)
# What scripts/bench needs on top: the HTTP load generator (haproxy is already above).
VERIFYD_BENCH_APT_PACKAGES=(wrk)

apt_package_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# ensure_apt_packages PACKAGE...: installs those not installed yet (as root; otherwise prints the command and exits).
ensure_apt_packages() {
    local missing=() package
    for package in "$@"; do
        apt_package_installed "$package" || missing+=("$package")
    done
    ((${#missing[@]} > 0)) || return 0
    if ! is_root; then
        say "Missing packages. Run this first, then try again:"
        say "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
    step "Installing ${missing[*]}"
    # Installing postgresql may start Debian's own cluster on 5432; nothing here relies on that port.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_dependencies() {
    command -v swift >/dev/null || die "swift is not on PATH: install the Swift toolchain (https://www.swift.org/install/linux/) and add its usr/bin to PATH"

    if ! command -v dpkg-query >/dev/null; then
        say "warning: not a Debian-like system; make sure these are installed: ${VERIFYD_APT_PACKAGES[*]}"
        return 0
    fi

    ensure_apt_packages "${VERIFYD_APT_PACKAGES[@]}"

    if is_root && ! id -u postgres >/dev/null 2>&1; then
        step "Creating the postgres system user"
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
}

# The benchmark's tools on top of the above.
ensure_bench_dependencies() {
    ensure_dependencies
    if ! command -v dpkg-query >/dev/null; then
        say "warning: not a Debian-like system; make sure these are installed: ${VERIFYD_BENCH_APT_PACKAGES[*]}"
        return 0
    fi
    ensure_apt_packages "${VERIFYD_BENCH_APT_PACKAGES[@]}"
}
