"""What operators and a second instance add, seen through twilio-python: blocked phones (`verifyd phones block`),
services made with `verifyd services create`, a second `verifyd serve` on the same database accepting the secondary
token, JSON bodies, and resources verifyd does not serve."""

import secrets

import pytest
from twilio.rest import Client

from harness import http_request, twilio_error


def test_blocked_phone_gets_403_60410_and_nothing_sent(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    status, lines, stderr = verifyd.admin("phones", "block", number, "--reason", "compat suite")
    assert status == 0, stderr
    assert lines == [{"phone": number, "blocked": True}]

    since = verifyd.log_offset()
    with twilio_error(403, 60410):
        service.verifications.create(to=number, channel="sms")
    with twilio_error(403, 60410):
        service.verifications.create(to=number, channel="call")
    assert verifyd.latest_code(number, since=since) is None

    status, _, stderr = verifyd.admin("phones", "unblock", number)
    assert status == 0, stderr
    started = service.verifications.create(to=number, channel="sms")
    assert started.status == "pending"
    assert verifyd.wait_for_code(number, since=since)


def test_service_made_by_the_admin_command_is_served(client, verifyd, new_number):
    status, lines, stderr = verifyd.admin("services", "create", "--friendly-name", "Admin made", "--code-length", "5")
    assert status == 0, stderr
    assert len(lines) == 1 and lines[0]["code_length"] == 5
    sid = lines[0]["sid"]

    fetched = client.verify.v2.services(sid).fetch()
    assert (fetched.friendly_name, fetched.code_length) == ("Admin made", 5)
    number = new_number()
    since = verifyd.log_offset()
    client.verify.v2.services(sid).verifications.create(to=number, channel="sms")
    assert len(verifyd.wait_for_code(number, since=since)) == 5

    status, listed, _ = verifyd.admin("services", "list")
    assert status == 0
    assert [line["sid"] for line in listed].count(sid) == 1


def test_second_instance_with_secondary_token(client, verifyd, verifyd_factory, new_service, new_number):
    """Two processes on one database: start on one, re-send and check on the other, authenticated with the secondary
    token that the second one accepts during rotation."""
    secondary = secrets.token_hex(16)
    other = verifyd_factory(
        VERIFYD_ACCOUNT_SID=verifyd.account_sid,
        VERIFYD_AUTH_TOKEN=verifyd.auth_token,
        VERIFYD_AUTH_TOKEN_SECONDARY=secondary,
        VERIFYD_CODE_KEY=verifyd.code_key,
    )
    rotated = Client(verifyd.account_sid, secondary)
    rotated.verify.base_url = other.base_url

    service_sid = new_service()
    number = new_number()
    since = verifyd.log_offset()
    started = client.verify.v2.services(service_sid).verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)

    other_since = other.log_offset()
    resent = rotated.verify.v2.services(service_sid).verifications.create(to=number, channel="call")
    assert resent.sid == started.sid and len(resent.send_code_attempts) == 2
    assert other.wait_for_code(number, since=other_since) == code, "the other instance re-sent another code"

    checked = rotated.verify.v2.services(service_sid).verification_checks.create(to=number, code=code)
    assert (checked.sid, checked.status, checked.valid) == (started.sid, "approved", True)
    with twilio_error(404, 20404):
        client.verify.v2.services(service_sid).verification_checks.create(to=number, code=code)

    # The first instance was not given the secondary token.
    stale = Client(verifyd.account_sid, secondary)
    stale.verify.base_url = verifyd.base_url
    with twilio_error(401, 20003):
        stale.verify.v2.services(service_sid).fetch()


def test_json_bodies_are_accepted(verifyd, new_service, new_number):
    auth = (verifyd.account_sid, verifyd.auth_token)
    base = f"{verifyd.base_url}/v2/Services/{new_service()}"
    number = new_number()
    since = verifyd.log_offset()
    started = http_request("POST", f"{base}/Verifications", json_body={"To": number, "Channel": "sms"}, auth=auth)
    assert started.status == 201, started.body
    code = verifyd.wait_for_code(number, since=since)
    checked = http_request("POST", f"{base}/VerificationCheck", json_body={"To": number, "Code": code}, auth=auth)
    assert checked.status == 200
    assert (checked.json()["status"], checked.json()["valid"]) == ("approved", True)


def test_unserved_resource_is_404_20404(client, new_service):
    service = client.verify.v2.services(new_service())
    with twilio_error(404, 20404):
        service.webhooks.create(friendly_name="events", event_types=["*"], webhook_url="https://example.com/hook")
