# shellcheck shell=bash
# Python virtualenvs for the test steps, in git-ignored folders: .venv/ (Tests/compat), .venv-docker/ (docker/
# checks), .venv-openapi/ (Tests/openapi).

# ensure_venv DIR REQUIREMENTS: (re)creates DIR when REQUIREMENTS or the Python version changed since the last install.
ensure_venv() {
    local venv=$1 requirements=$2 stamp wanted
    stamp=$venv/.verifyd-requirements.sha256
    wanted=$({
        python3 --version 2>&1
        cat "$requirements"
    } | sha256sum | cut -d' ' -f1)
    if [[ -x $venv/bin/python && -r $stamp && $(<"$stamp") == "$wanted" ]]; then
        return 0
    fi
    step "Creating $venv from $requirements"
    # Explicit returns: callers use this in a condition, where set -e does not apply.
    rm -rf "$venv" || return 1
    python3 -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" || return 1
    printf '%s\n' "$wanted" >"$stamp"
}
