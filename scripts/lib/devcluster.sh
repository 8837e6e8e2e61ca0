# shellcheck shell=bash
# The development cluster of scripts/run: created on first use, reused later, on a port that stays the same while it
# is free. Sets started_datadir when this process started the server (and so must stop it).

# The local cluster's home: .data/postgres in the checkout when the postgres user can reach it, else /var/tmp.
dev_cluster_base() {
    mkdir -p "$VERIFYD_ROOT/.data"
    if ! is_root || as_pg_user test -x "$VERIFYD_ROOT/.data" 2>/dev/null; then
        printf '%s/.data/postgres' "$VERIFYD_ROOT"
    else
        printf '/var/tmp/verifyd-%s' "$(checkout_hash)"
    fi
}

# Starts (creating on first use) the development cluster and sets DATABASE_URL to its verifyd database.
start_dev_cluster() {
    pg_find_bindir
    local base datadir sockdir port=""
    base=$(dev_cluster_base)
    datadir=$base/pgdata
    sockdir=/tmp/vd-$(checkout_hash)
    pg_make_dir "$base" 700
    pg_make_dir "$sockdir" 755

    if [[ ! -f $datadir/PG_VERSION ]]; then
        step "Creating a PostgreSQL cluster in $datadir"
        pg_init "$datadir"
    fi

    if pg_is_running "$datadir"; then
        # Another scripts/run of this checkout owns it; share it and leave it running when we exit.
        port=$(pg_running_port "$datadir")
        say "PostgreSQL is already running from $datadir on port $port (started elsewhere; it will be left running)"
    else
        # Keep last time's port when it is free, so the printed DATABASE_URL stays the same between runs.
        if [[ -r $base/port ]]; then port=$(port_if_free "$(<"$base/port")" || true); fi
        [[ -n $port ]] || port=$(free_port)
        step "Starting PostgreSQL on 127.0.0.1:$port"
        pg_start "$datadir" "$port" "$sockdir" "$base/server.log" || die "PostgreSQL failed to start; see $base/server.log"
        # shellcheck disable=SC2034  # read by scripts/run's cleanup
        started_datadir=$datadir
        printf '%s\n' "$port" >"$base/port"
    fi

    local admin=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
    if [[ -z $("${admin[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'verifyd'") ]]; then
        "${admin[@]}" -d postgres -c 'CREATE DATABASE verifyd'
    fi
    export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/verifyd"
}
