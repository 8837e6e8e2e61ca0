"""Fixtures for the Twilio-library compatibility suite. Run it with scripts/test (see harness.py for the details).

- `verifyd`: one `verifyd serve` for the whole session, on a fresh database, with console delivery and freshly
  generated root credentials. Attributes: base_url, account_sid, auth_token, database_url, log_path, plus
  wait_for_code(number, since=...), latest_code(number) and log_offset().
- `client`: twilio.rest.Client(account_sid, auth_token) whose Verify domain points at that server.
- `verifyd_factory`: starts further servers (e.g. with other settings) on the same database; stopped at the end.
"""

from __future__ import annotations

import os
import secrets

import pytest

from harness import VerifydServer, conninfo_with_database, psql, require_env

# requests (inside the twilio library) honours HTTP(S)_PROXY; the server under test is on loopback.
for _name in ("NO_PROXY", "no_proxy"):
    os.environ[_name] = ",".join(filter(None, ["127.0.0.1,localhost,::1", os.environ.get(_name)]))


@pytest.fixture(scope="session")
def database_url():
    """A fresh database in the throwaway cluster, dropped at the end of the session."""
    admin_url = require_env("VERIFYD_TEST_DATABASE_URL")
    name = "verifyd_compat_" + secrets.token_hex(4)
    psql(admin_url, f'CREATE DATABASE "{name}"')
    yield conninfo_with_database(admin_url, name)
    try:
        psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except RuntimeError:
        pass


@pytest.fixture(scope="session")
def verifyd_factory(database_url, tmp_path_factory):
    """start(**extra_env) -> a running VerifydServer on the session database (already migrated)."""
    binary = require_env("VERIFYD_TEST_BINARY")
    servers: list[VerifydServer] = []
    migrated = False

    def start(**extra_env: str) -> VerifydServer:
        nonlocal migrated
        log_dir = tmp_path_factory.mktemp("verifyd")
        server = VerifydServer(
            binary=binary, database_url=database_url, log_path=log_dir / "verifyd.log", extra_env=extra_env
        )
        if not migrated:
            server.migrate()
            migrated = True
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(grace=10)


@pytest.fixture(scope="session")
def verifyd(verifyd_factory) -> VerifydServer:
    return verifyd_factory()


@pytest.fixture
def client(verifyd):
    from twilio.rest import Client

    twilio = Client(verifyd.account_sid, verifyd.auth_token)
    twilio.verify.base_url = verifyd.base_url
    return twilio
