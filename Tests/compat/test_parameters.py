"""Parameter errors on verifications (400 / 60200, 403 / 60204) and custom codes, through twilio-python."""

from harness import twilio_error


def test_to_without_plus_is_60200(client, new_service):
    service = client.verify.v2.services(new_service())
    with twilio_error(400, 60200) as info:
        service.verifications.create(to="4155550100", channel="sms")
    assert "Invalid parameter: To" in info.value.msg


def test_to_not_e164_is_60200(client, new_service):
    service = client.verify.v2.services(new_service())
    for to in ["+0155550100", "+1234567890123456", "+1415555O100", "user@example.com"]:
        with twilio_error(400, 60200):
            service.verifications.create(to=to, channel="sms")


def test_check_to_without_plus_is_60200(client, new_service):
    service = client.verify.v2.services(new_service())
    with twilio_error(400, 60200):
        service.verification_checks.create(to="4155550100", code="123456")


def test_unsupported_channel_is_60200(client, new_service, new_number):
    service = client.verify.v2.services(new_service())
    for channel in ["email", "whatsapp", "SMS-ish"]:
        with twilio_error(400, 60200) as info:
            service.verifications.create(to=new_number(), channel=channel)
        assert "Invalid parameter: Channel" in info.value.msg


def test_custom_code_without_custom_codes_is_60204(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    with twilio_error(403, 60204):
        service.verifications.create(to=number, channel="sms", custom_code="482913")
    # Nothing was started: a check finds nothing and no code went out.
    with twilio_error(404, 20404):
        service.verification_checks.create(to=number, code="482913")
    assert verifyd.latest_code(number, since=since) is None


def test_custom_code_is_the_code_that_checks(client, verifyd, new_service, new_number):
    service_sid = new_service(custom_code_enabled=True)
    service = client.verify.v2.services(service_sid)
    assert service.fetch().custom_code_enabled is True
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms", custom_code="482913")
    assert started.status == "pending"
    assert verifyd.wait_for_code(number, since=since) == "482913"

    checked = service.verification_checks.create(to=number, code="482914")
    assert (checked.status, checked.valid) == ("pending", False)
    checked = service.verification_checks.create(to=number, code="482913")
    assert (checked.sid, checked.status, checked.valid) == (started.sid, "approved", True)


def test_custom_code_service_still_generates_codes(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service(custom_code_enabled=True, code_length=5))
    number = new_number()
    since = verifyd.log_offset()
    service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    assert len(code) == 5
    assert service.verification_checks.create(to=number, code=code).status == "approved"
