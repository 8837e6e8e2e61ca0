# shellcheck shell=bash
# Static checks of the deployment files in docker/, for scripts/test: hadolint on every Dockerfile, compose.yaml
# against the Compose specification's JSON schema, and haproxy.cfg through `haproxy -c` in both of its flavours and
# for a log format that could write a path (a number, a code).
# hadolint and the schema come from PyPI packages in a virtualenv (docker/check-requirements.txt), HAProxy from
# Debian (deps.sh); nothing is downloaded while checking. Needs venv.sh.

# docker_check VENV: runs every check and prints the output of those that fail. Sets docker_failures to their names;
# returns 1 when the tools could not be installed.
docker_check() {
    local venv=$1 output dockerfiles
    docker_failures=()
    ensure_venv "$venv" docker/check-requirements.txt || return 1

    dockerfiles=(docker/*Dockerfile)
    if ! output=$("$venv/bin/hadolint" --config .hadolint.yaml --no-color "${dockerfiles[@]}" 2>&1); then
        printf '%s\n' "$output" >&2
        docker_failures+=(hadolint)
    fi

    if ! output=$("$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker/compose.yaml 2>&1); then
        printf '%s\n' "$output" >&2
        docker_failures+=(compose-schema)
    fi

    # The environments of haproxy.cfg's two flavours (see its header). -c binds and connects nothing, so the
    # loopback addresses are placeholders.
    docker_check_haproxy compose VERIFYD_BALANCER=compose
    docker_check_haproxy loopback VERIFYD_BALANCER=loopback VERIFYD_BALANCER_BIND=127.0.0.1:18080 \
        VERIFYD_BALANCER_SERVER_1=127.0.0.1:18081 VERIFYD_BALANCER_SERVER_2=127.0.0.1:18082 \
        VERIFYD_BALANCER_SERVER_3=127.0.0.1:18083

    # The request line, URI, path or query string in a log format (%r, %HU, %HP, %HPO, %HQ, with or without
    # {flags}; the samples path, url, query, base, capture.req.uri), or a predefined format that has them
    # (option httplog, httpslog), outside comments.
    local leaks='%(\{[^}]*\})?(r|HU|HPO|HP|HQ)([^A-Za-z]|$)|%\[(pathq?|url|query|baseq?|capture\.req\.uri)'
    if grep -nE "^[^#]*($leaks|option[[:space:]]+https?log)" docker/haproxy.cfg >&2; then
        say "docker/haproxy.cfg: the lines above can log a path; the original routes carry numbers and codes"
        docker_failures+=(haproxy-logs)
    fi
}

# docker_check_haproxy FLAVOUR NAME=VALUE...: `haproxy -c` on docker/haproxy.cfg in that environment.
docker_check_haproxy() {
    local flavour=$1 output
    shift
    # -dW: a warning fails the check too.
    if ! output=$(env "$@" haproxy -dW -c -f docker/haproxy.cfg 2>&1); then
        printf 'haproxy -c, %s flavour:\n%s\n' "$flavour" "$output" >&2
        docker_failures+=("haproxy-$flavour")
    fi
}
