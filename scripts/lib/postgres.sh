# shellcheck shell=bash
# Running throwaway and development PostgreSQL clusters from a script. PostgreSQL refuses to run as root, so when the
# script is root every server command runs as the postgres system user through runuser; otherwise as the caller.

# The OS user that runs server processes: postgres when we are root, empty (the caller) otherwise.
pg_server_user() {
    if is_root; then printf 'postgres'; fi
}

as_pg_user() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}


# Makes DIR (and parents) and hands it to the server user with MODE.
pg_make_dir() {
    local dir=$1 mode=${2:-700}
    mkdir -p "$dir"
    if is_root; then chown postgres:postgres "$dir"; fi
    chmod "$mode" "$dir"
}

# Sets PG_BINDIR to the folder holding initdb, pg_ctl and postgres. pg_config comes with libpq-dev and may name a
# folder without server binaries, so check it and fall back to the newest /usr/lib/postgresql/*/bin.
pg_find_bindir() {
    if [[ -n ${PG_BINDIR:-} ]]; then
        [[ -x $PG_BINDIR/initdb ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        return 0
    fi
    local candidate
    candidate=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n $candidate && -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
        PG_BINDIR=$candidate
        return 0
    fi
    candidate=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $candidate ]] || die "no PostgreSQL server binaries (initdb) found: install the postgresql package"
    PG_BINDIR=$(dirname "$candidate")
}

# The postmaster's PID recorded in DATADIR/postmaster.pid, if any.
pg_recorded_pid() {
    local pidfile=$1/postmaster.pid
    [[ -r $pidfile ]] || return 1
    head -n 1 "$pidfile"
}

# True when PID is a live (not zombie) postgres process. pg_ctl's own check (kill -0) is fooled by a zombie or by
# another program that was given the same PID after a crash.
pg_pid_alive() {
    local pid=$1 stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $stat == *"(postgres) "[!Z]* ]]
}

pg_is_running() {
    local pid
    pid=$(pg_recorded_pid "$1") || return 1
    pg_pid_alive "$pid"
}

# The port of the running cluster in DATADIR (line 4 of postmaster.pid).
pg_running_port() { sed -n 4p "$1/postmaster.pid"; }

# Removes DATADIR/postmaster.pid when the process it names is gone (a crash, kill -9, a reboot).
pg_clear_stale_pid() {
    local datadir=$1 pid
    pid=$(pg_recorded_pid "$datadir") || return 0
    if ! pg_pid_alive "$pid"; then
        say "Removing stale $datadir/postmaster.pid (PID $pid is not running)"
        rm -f "$datadir/postmaster.pid"
    fi
}

# pg_init DATADIR [initdb options...]: a new cluster with superuser postgres and trust authentication.
pg_init() {
    local datadir=$1
    shift
    as_pg_user "$PG_BINDIR/initdb" -D "$datadir" -U postgres -A trust -E UTF8 --locale=C "$@" >/dev/null
}

# pg_start DATADIR PORT SOCKDIR LOGFILE [-c name=value ...]: starts the cluster listening on 127.0.0.1:PORT only.
# After a kill -9 the old server's children may hold its shared memory for a moment, so a failed start is retried.
pg_start() {
    local datadir=$1 port=$2 sockdir=$3 logfile=$4
    shift 4
    local options="-p $port -k $sockdir -c listen_addresses=127.0.0.1 $*" attempt
    pg_clear_stale_pid "$datadir"
    for attempt in 1 2 3; do
        if as_pg_user "$PG_BINDIR/pg_ctl" -D "$datadir" -l "$logfile" -w -t 60 -o "$options" start >/dev/null; then
            return 0
        fi
        say "PostgreSQL did not start (attempt $attempt); last lines of $logfile:"
        tail -n 5 "$logfile" >&2 || true
        pg_clear_stale_pid "$datadir"
        sleep 2
    done
    return 1
}

# pg_stop DATADIR [fast|immediate|smart]
pg_stop() {
    local datadir=$1 mode=${2:-fast}
    pg_is_running "$datadir" || return 0
    as_pg_user "$PG_BINDIR/pg_ctl" -D "$datadir" -m "$mode" -w -t 60 stop >/dev/null
}
