"""Authentication as twilio-python sends it: the root pair, a wrong token, and API keys made with `verifyd keys`."""

import re
import secrets

import pytest
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from harness import friendly_name, http_request, twilio_error


def client_for(
    verifyd, username: str, password: str, account_sid: str | None = None, forwarded_for: str | None = None
) -> Client:
    twilio = Client(username, password, account_sid, http_client=ForwardedFor(forwarded_for) if forwarded_for else None)
    twilio.verify.base_url = verifyd.base_url
    return twilio


class ForwardedFor(TwilioHttpClient):
    """Sends X-Forwarded-For, as a balancer in front of verifyd would."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def request(self, method, url, params=None, data=None, headers=None, **kwargs):
        headers = dict(headers or {}, **{"X-Forwarded-For": self.address})
        return super().request(method, url, params=params, data=data, headers=headers, **kwargs)


def create_key(verifyd, name: str = "compat") -> dict:
    status, lines, stderr = verifyd.admin("keys", "create", "--name", name)
    assert status == 0, stderr
    assert len(lines) == 1, lines
    key = lines[0]
    assert re.fullmatch(r"SK[0-9a-f]{32}", key["sid"]), key
    assert key["secret"]
    return key


def test_wrong_token_is_401_20003(verifyd, new_service, new_number):
    service_sid = new_service()
    wrong = client_for(verifyd, verifyd.account_sid, "0" * 32)
    with twilio_error(401, 20003):
        wrong.verify.v2.services.create(friendly_name=friendly_name())
    with twilio_error(401, 20003):
        wrong.verify.v2.services(service_sid).fetch()
    with twilio_error(401, 20003):
        wrong.verify.v2.services(service_sid).verifications.create(to=new_number(), channel="sms")
    # Lists are read through a page object, which raises TwilioException (no status or code) on any non-200.
    with pytest.raises(TwilioException, match="Unable to fetch page"):
        wrong.verify.v2.services.list(limit=1)


def test_unknown_account_is_401_20003(verifyd, new_service):
    service_sid = new_service()
    stranger = client_for(verifyd, "AC" + "1" * 32, verifyd.auth_token)
    with twilio_error(401, 20003):
        stranger.verify.v2.services(service_sid).fetch()


def test_failed_logins_past_the_limit_are_429_20429_even_with_the_right_token(verifyd_factory):
    server = verifyd_factory(VERIFYD_AUTH_FAILURE_LIMIT="2", VERIFYD_TRUSTED_PROXIES="127.0.0.1")
    address = f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    wrong = client_for(server, server.account_sid, "0" * 32, forwarded_for=address)
    for _ in range(2):
        with twilio_error(401, 20003):
            wrong.verify.v2.services.create(friendly_name=friendly_name())
    right = client_for(server, server.account_sid, server.auth_token, forwarded_for=address)
    with twilio_error(429, 20429):
        right.verify.v2.services.create(friendly_name=friendly_name())
    elsewhere = client_for(server, server.account_sid, server.auth_token, forwarded_for="198.19.0.1")
    assert elsewhere.verify.v2.services.create(friendly_name=friendly_name()).sid.startswith("VA")


def test_missing_credentials_are_401(verifyd):
    response = http_request("GET", f"{verifyd.base_url}/v2/Services")
    assert response.status == 401
    assert response.json()["code"] == 20003


def test_api_key_works_until_revoked(verifyd, new_number):
    key = create_key(verifyd)
    keyed = client_for(verifyd, key["sid"], key["secret"], verifyd.account_sid)

    service = keyed.verify.v2.services.create(friendly_name=friendly_name("Keyed"))
    assert service.account_sid == verifyd.account_sid
    number = new_number()
    since = verifyd.log_offset()
    started = keyed.verify.v2.services(service.sid).verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    checked = keyed.verify.v2.services(service.sid).verification_checks.create(to=number, code=code)
    assert (checked.sid, checked.status) == (started.sid, "approved")

    # A wrong secret for a real key is refused.
    with twilio_error(401, 20003):
        client_for(verifyd, key["sid"], key["secret"] + "x", verifyd.account_sid).verify.v2.services(service.sid).fetch()

    status, lines, stderr = verifyd.admin("keys", "revoke", key["sid"])
    assert status == 0, stderr
    assert lines == [{"sid": key["sid"], "revoked": True}]

    with twilio_error(401, 20003):
        keyed.verify.v2.services(service.sid).fetch()
    with twilio_error(401, 20003):
        keyed.verify.v2.services(service.sid).verifications.create(to=number, channel="sms")

    # The listing shows it revoked and never shows the secret again.
    status, lines, _ = verifyd.admin("keys", "list")
    assert status == 0
    listed = [line for line in lines if line["sid"] == key["sid"]]
    assert listed and listed[0]["revoked"] is True and "secret" not in listed[0]

    # Revoking it again is a refused request (exit 1).
    status, _, _ = verifyd.admin("keys", "revoke", key["sid"])
    assert status == 1


def test_keys_create_refuses_an_empty_name(verifyd):
    status, lines, _ = verifyd.admin("keys", "create", "--name", "")
    assert status == 1
    assert all("secret" not in line for line in lines)
