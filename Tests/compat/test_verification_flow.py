"""The happy path through twilio-python: start, wrong check, right check, fetch, and checks by VerificationSid."""

import re

from harness import twilio_error

VE = re.compile(r"^VE[0-9a-f]{32}$")
VL = re.compile(r"^VL[0-9a-f]{32}$")


def test_start_wrong_check_right_check(client, verifyd, new_service, new_number):
    service_sid = new_service(code_length=6)
    service = client.verify.v2.services(service_sid)
    number = new_number()

    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms", locale="en")
    assert VE.match(started.sid)
    assert started.service_sid == service_sid
    assert started.account_sid == verifyd.account_sid
    assert started.to == number
    assert started.channel == "sms"
    assert started.status == "pending"
    assert started.valid is False
    assert started.lookup == {}
    assert started.url == f"{verifyd.base_url}/v2/Services/{service_sid}/Verifications/{started.sid}"
    assert len(started.send_code_attempts) == 1
    assert VL.match(started.send_code_attempts[0]["attempt_sid"])
    assert started.send_code_attempts[0]["channel"] == "SMS"
    code = verifyd.wait_for_code(number, since=since)
    assert re.fullmatch(r"\d{6}", code)

    fetched = service.verifications(started.sid).fetch()
    assert (fetched.sid, fetched.status, fetched.valid) == (started.sid, "pending", False)

    wrong = "000000" if code != "000000" else "111111"
    checked = service.verification_checks.create(to=number, code=wrong)
    assert (checked.sid, checked.status, checked.valid) == (started.sid, "pending", False)
    assert checked.to == number and checked.channel == "sms"

    checked = service.verification_checks.create(to=number, code=code)
    assert (checked.sid, checked.status, checked.valid) == (started.sid, "approved", True)

    with twilio_error(404, 20404) as info:
        service.verifications(started.sid).fetch()
    assert f"/Services/{service_sid}/Verifications/{started.sid} was not found" in info.value.msg


def test_check_by_verification_sid(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)

    wrong = str((int(code) + 1) % 10**6).zfill(6)
    checked = service.verification_checks.create(verification_sid=started.sid, code=wrong)
    assert (checked.sid, checked.status, checked.valid) == (started.sid, "pending", False)
    checked = service.verification_checks.create(verification_sid=started.sid, code=code)
    assert (checked.sid, checked.status, checked.valid) == (started.sid, "approved", True)

    # Single use: the same code again finds nothing, by SID or by number.
    with twilio_error(404, 20404):
        service.verification_checks.create(verification_sid=started.sid, code=code)
    with twilio_error(404, 20404):
        service.verification_checks.create(to=number, code=code)


def test_call_channel_and_locale(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="call", locale="es")
    assert (started.channel, started.status) == ("call", "pending")
    assert started.send_code_attempts[0]["channel"] == "CALL"
    code = verifyd.wait_for_code(number, since=since)
    checked = service.verification_checks.create(to=number, code=code)
    assert (checked.status, checked.valid) == ("approved", True)


def test_verifications_are_per_service(client, verifyd, new_service, new_number):
    first = client.verify.v2.services(new_service())
    second = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    started = first.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)

    with twilio_error(404, 20404):
        second.verifications(started.sid).fetch()
    with twilio_error(404, 20404):
        second.verification_checks.create(to=number, code=code)
    assert first.verification_checks.create(to=number, code=code).status == "approved"


def test_unknown_service_is_404(client, new_number):
    service = client.verify.v2.services("VA" + "0" * 32)
    with twilio_error(404, 20404):
        service.verifications.create(to=new_number(), channel="sms")
    with twilio_error(404, 20404):
        service.verification_checks.create(to=new_number(), code="123456")
