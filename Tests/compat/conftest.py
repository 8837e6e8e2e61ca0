"""Fixtures for the Twilio-library compatibility suite. Run it with scripts/test (see harness.py for the details).

- `verifyd`: one `verifyd serve` for the whole session, on a fresh database, with console delivery and freshly
  generated root credentials. Attributes: base_url, account_sid, auth_token, database_url, log_path, plus
  wait_for_code(number, since=...), latest_code(number) and log_offset().
- `client`: twilio.rest.Client(account_sid, auth_token) whose Verify domain points at that server.
- `verifyd_factory`: starts further servers (e.g. with other settings) on the same database; stopped at the end.
- `new_number()`: a phone number no other test uses (the session server and database are shared; the console log
  masks numbers as `+1***23`, so the last two digits differ too: at most 100 per session).
- `new_service(**kwargs)`: a service created with the library (`services.create`), returns its SID.
- `raw_service(**params)`: a service created by POSTing Twilio-style (PascalCase) parameters with `client.request`,
  for verifyd's own settings the library does not know (`MaxSendAttempts`, `MaxCheckAttempts`, ...); returns its SID.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets

import pytest

from harness import VerifydServer, conninfo_with_database, friendly_name, psql, require_env

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


_numbers = itertools.count(1000)


@pytest.fixture
def new_number():
    def make() -> str:
        number = next(_numbers)
        assert number < 1100, "out of test numbers whose masks differ"
        return f"+1415555{number:04d}"

    return make


@pytest.fixture
def new_service(client):
    def make(**kwargs) -> str:
        kwargs.setdefault("friendly_name", friendly_name())
        return client.verify.v2.services.create(**kwargs).sid

    return make


@pytest.fixture
def raw_service(client, verifyd):
    def make(**params) -> str:
        params.setdefault("FriendlyName", friendly_name())
        response = client.request(
            "POST", f"{verifyd.base_url}/v2/Services", data={k: str(v) for k, v in params.items()}
        )
        assert response.status_code == 201, response.text
        body = json.loads(response.text)
        for name, value in params.items():
            snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
            if snake in body and name != "FriendlyName":
                assert str(body[snake]).lower() == str(value).lower(), (name, body[snake])
        return body["sid"]

    return make
