"""Every row of the states-and-answers table of issue 3 (the contract), as twilio-python sees it.

| situation | create (same service, To) | check | fetch / update |
| none pending | 201, new verification, new code | 404 / 20404 | 404 / 20404 |
| pending, sends < max | 201, same VE sid and same code re-sent, send_code_attempts grows, expiry unchanged | wrong: 200
  pending, valid false; right: 200 approved, valid true | 200 |
| pending, sends = max | 429 / 60203, nothing sent | as above | 200 |
| the check that uses the last allowed attempt, wrong | — | 200 max_attempts_reached, valid false | — |
| max_attempts_reached, still within validity | 429 / 60202 | 429 / 60202 (right code too, same body) | 200,
  status max_attempts_reached |
| approved, canceled, or past validity | 201, new verification | 404 / 20404 (Twilio's message text) | 404 / 20404 |

Past validity is reached by moving `expires_at` into the past in the database (its clock is authoritative).
"""

import re

from harness import psql, twilio_error


def other_code(code: str) -> str:
    """A well-formed code of the same length that is not `code`."""
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))


def expire(verifyd, sid: str) -> None:
    psql(verifyd.database_url, f"UPDATE verifications SET expires_at = now() - interval '1 second' WHERE sid = '{sid}'")


def stored_status(verifyd, sid: str) -> str:
    return psql(verifyd.database_url, f"SELECT status FROM verifications WHERE sid = '{sid}'")


def assert_check_not_found(info, service_sid: str) -> None:
    message = info.value.msg
    assert f"/Services/{service_sid}/VerificationCheck was not found" in message, message
    assert re.search(r"The requested resource /Services/VA[0-9a-f]{32}/VerificationCheck was not found", message)


def assert_nothing_sent(verifyd, client, sentinel_service, number: str, since: int, sentinel: str) -> None:
    """Nothing was delivered to `number` since `since`. A send to `sentinel` afterwards proves the log has caught up."""
    client.verify.v2.services(sentinel_service).verifications.create(to=sentinel, channel="sms")
    verifyd.wait_for_code(sentinel, since=since)
    assert verifyd.latest_code(number, since=since) is None, "a code was delivered although the create was refused"


# --- none pending ---------------------------------------------------------------------------------------------------


def test_none_pending_check_is_404_with_twilio_message(client, new_service, new_number):
    service_sid = new_service()
    with twilio_error(404, 20404) as info:
        client.verify.v2.services(service_sid).verification_checks.create(to=new_number(), code="123456")
    assert_check_not_found(info, service_sid)
    assert info.value.method == "POST"


def test_none_pending_fetch_and_update_are_404(client, new_service):
    service = client.verify.v2.services(new_service())
    unknown = "VE" + "ab" * 16
    with twilio_error(404, 20404):
        service.verifications(unknown).fetch()
    with twilio_error(404, 20404):
        service.verifications(unknown).update(status="canceled")
    with twilio_error(404, 20404):
        service.verification_checks.create(verification_sid=unknown, code="123456")


def test_none_pending_create_is_201_new_verification(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    assert first.status == "pending" and len(first.send_code_attempts) == 1
    assert verifyd.wait_for_code(number, since=since)


# --- pending, sends < max -------------------------------------------------------------------------------------------


def test_pending_resend_keeps_sid_and_code(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    expires_before = psql(verifyd.database_url, f"SELECT expires_at FROM verifications WHERE sid = '{first.sid}'")

    since = verifyd.log_offset()
    second = service.verifications.create(to=number, channel="sms")
    assert second.sid == first.sid
    assert second.status == "pending"
    assert verifyd.wait_for_code(number, since=since) == code, "the re-send carried another code"
    assert len(second.send_code_attempts) == 2
    attempt_sids = [attempt["attempt_sid"] for attempt in second.send_code_attempts]
    assert attempt_sids[0] == first.send_code_attempts[0]["attempt_sid"]
    assert len(set(attempt_sids)) == 2
    expires_after = psql(verifyd.database_url, f"SELECT expires_at FROM verifications WHERE sid = '{first.sid}'")
    assert expires_after == expires_before, "a re-send moved the expiry"

    # The re-send may use another channel; the code is still the same.
    since = verifyd.log_offset()
    third = service.verifications.create(to=number, channel="call")
    assert third.sid == first.sid
    assert [a["channel"] for a in third.send_code_attempts] == ["SMS", "SMS", "CALL"]
    assert verifyd.wait_for_code(number, since=since) == code

    fetched = service.verifications(first.sid).fetch()
    assert (fetched.status, len(fetched.send_code_attempts)) == ("pending", 3)
    checked = service.verification_checks.create(to=number, code=code)
    assert (checked.sid, checked.status, checked.valid) == (first.sid, "approved", True)


def test_pending_wrong_check_then_right_check(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    for _ in range(4):  # up to one short of the default maximum of 5
        checked = service.verification_checks.create(to=number, code=other_code(code))
        assert (checked.sid, checked.status, checked.valid) == (started.sid, "pending", False)
    assert service.verifications(started.sid).fetch().status == "pending"
    checked = service.verification_checks.create(to=number, code=code)
    assert (checked.status, checked.valid) == ("approved", True)


def test_resend_does_not_reset_failed_checks(client, verifyd, raw_service, new_number):
    service = client.verify.v2.services(raw_service(MaxCheckAttempts=2))
    number = new_number()
    since = verifyd.log_offset()
    service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=other_code(code)).status == "pending"
    service.verifications.create(to=number, channel="sms")  # re-send
    assert service.verification_checks.create(to=number, code=other_code(code)).status == "max_attempts_reached"


# --- pending, sends = max ----------------------------------------------------------------------------------------


def test_pending_at_max_sends_create_is_429_60203_and_nothing_sent(
    client, verifyd, raw_service, new_service, new_number
):
    service_sid = raw_service(MaxSendAttempts=2)
    service = client.verify.v2.services(service_sid)
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    second = service.verifications.create(to=number, channel="sms")
    assert second.sid == first.sid and len(second.send_code_attempts) == 2

    since = verifyd.log_offset()
    with twilio_error(429, 60203):
        service.verifications.create(to=number, channel="sms")
    with twilio_error(429, 60203):
        service.verifications.create(to=number, channel="call")
    assert_nothing_sent(verifyd, client, new_service(), number, since, new_number())

    # Fetch is 200 and the refused creates left no attempt behind; checks work as before.
    fetched = service.verifications(first.sid).fetch()
    assert (fetched.status, len(fetched.send_code_attempts)) == ("pending", 2)
    checked = service.verification_checks.create(to=number, code=other_code(code))
    assert (checked.status, checked.valid) == ("pending", False)
    checked = service.verification_checks.create(to=number, code=code)
    assert (checked.sid, checked.status, checked.valid) == (first.sid, "approved", True)


def test_cancel_at_max_sends_allows_a_new_verification(client, verifyd, raw_service, new_number):
    """Twilio: 60203 is cleared by a check, expiry or Status=canceled."""
    service = client.verify.v2.services(raw_service(MaxSendAttempts=1))
    number = new_number()
    first = service.verifications.create(to=number, channel="sms")
    with twilio_error(429, 60203):
        service.verifications.create(to=number, channel="sms")
    assert service.verifications(first.sid).update(status="canceled").status == "canceled"
    since = verifyd.log_offset()
    second = service.verifications.create(to=number, channel="sms")
    assert second.sid != first.sid and second.status == "pending"
    code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=code).status == "approved"


def test_malformed_code_is_60200_and_uses_no_attempt(client, verifyd, raw_service, new_number):
    service = client.verify.v2.services(raw_service(MaxCheckAttempts=1))
    number = new_number()
    since = verifyd.log_offset()
    service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    for malformed in ["abc", "12", "12345678901"]:
        with twilio_error(400, 60200) as info:
            service.verification_checks.create(to=number, code=malformed)
        assert "Invalid parameter: Code" in info.value.msg
    checked = service.verification_checks.create(to=number, code=code)
    assert (checked.status, checked.valid) == ("approved", True)


# --- the check that uses the last allowed attempt; max_attempts_reached ----------------------------------------------


def test_last_wrong_check_is_max_attempts_reached(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    statuses = [service.verification_checks.create(to=number, code=other_code(code)) for _ in range(5)]
    assert [c.status for c in statuses] == ["pending"] * 4 + ["max_attempts_reached"]
    assert statuses[-1].valid is False
    assert statuses[-1].sid == started.sid


def test_max_attempts_reached_refuses_checks_and_creates_with_60202(client, verifyd, raw_service, new_number):
    service = client.verify.v2.services(raw_service(MaxCheckAttempts=2))
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=other_code(code)).status == "pending"
    last = service.verification_checks.create(to=number, code=other_code(code))
    assert (last.status, last.valid) == ("max_attempts_reached", False)

    with twilio_error(429, 60202) as right:
        service.verification_checks.create(to=number, code=code)
    with twilio_error(429, 60202) as wrong:
        service.verification_checks.create(to=number, code=other_code(code))
    assert right.value.msg == wrong.value.msg, "the right code is refused differently from a wrong one"
    with twilio_error(429, 60202):
        service.verification_checks.create(verification_sid=started.sid, code=code)

    since = verifyd.log_offset()
    with twilio_error(429, 60202):
        service.verifications.create(to=number, channel="sms")
    assert verifyd.latest_code(number, since=since) is None

    fetched = service.verifications(started.sid).fetch()
    assert (fetched.sid, fetched.status, fetched.valid) == (started.sid, "max_attempts_reached", False)
    # The table's fetch / update column: 200, status max_attempts_reached (neither approves nor frees the slot).
    for status in ["approved", "canceled"]:
        updated = service.verifications(started.sid).update(status=status)
        assert (updated.sid, updated.status, updated.valid) == (started.sid, "max_attempts_reached", False)
    with twilio_error(429, 60202):
        service.verifications.create(to=number, channel="sms")


def test_max_attempts_reached_past_validity_allows_a_new_verification(client, verifyd, raw_service, new_number):
    service = client.verify.v2.services(raw_service(MaxCheckAttempts=1))
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=other_code(code)).status == "max_attempts_reached"
    expire(verifyd, started.sid)

    with twilio_error(404, 20404):
        service.verification_checks.create(to=number, code=code)
    since = verifyd.log_offset()
    renewed = service.verifications.create(to=number, channel="sms")
    assert renewed.sid != started.sid and renewed.status == "pending"
    new_code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=new_code).status == "approved"


# --- approved, canceled, past validity --------------------------------------------------------------------------


def test_approved_then_create_is_new_verification(client, verifyd, new_service, new_number):
    service_sid = new_service()
    service = client.verify.v2.services(service_sid)
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=code).status == "approved"

    with twilio_error(404, 20404) as info:
        service.verification_checks.create(to=number, code=code)
    assert_check_not_found(info, service_sid)
    with twilio_error(404, 20404):
        service.verifications(first.sid).fetch()
    with twilio_error(404, 20404):
        service.verifications(first.sid).update(status="canceled")

    since = verifyd.log_offset()
    second = service.verifications.create(to=number, channel="sms")
    assert second.sid != first.sid
    assert (second.status, len(second.send_code_attempts)) == ("pending", 1)
    new_code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=new_code).sid == second.sid


def test_canceled_then_check_fetch_404_and_create_is_new(client, verifyd, new_service, new_number):
    service_sid = new_service()
    service = client.verify.v2.services(service_sid)
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)

    canceled = service.verifications(first.sid).update(status="canceled")
    assert (canceled.sid, canceled.status, canceled.valid) == (first.sid, "canceled", False)

    with twilio_error(404, 20404) as info:
        service.verification_checks.create(to=number, code=code)
    assert_check_not_found(info, service_sid)
    with twilio_error(404, 20404):
        service.verification_checks.create(verification_sid=first.sid, code=code)
    with twilio_error(404, 20404):
        service.verifications(first.sid).fetch()
    with twilio_error(404, 20404):
        service.verifications(first.sid).update(status="approved")

    second = service.verifications.create(to=number, channel="sms")
    assert second.sid != first.sid and second.status == "pending"
    assert len(second.send_code_attempts) == 1


def test_past_validity_check_404_and_create_is_new(client, verifyd, new_service, new_number):
    service_sid = new_service()
    service = client.verify.v2.services(service_sid)
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)
    expire(verifyd, first.sid)

    with twilio_error(404, 20404) as info:
        service.verification_checks.create(to=number, code=code)
    assert_check_not_found(info, service_sid)
    with twilio_error(404, 20404):
        service.verifications(first.sid).fetch()
    with twilio_error(404, 20404):
        service.verifications(first.sid).update(status="approved")
    assert stored_status(verifyd, first.sid) == "expired"

    since = verifyd.log_offset()
    second = service.verifications.create(to=number, channel="sms")
    assert second.sid != first.sid
    assert (second.status, len(second.send_code_attempts)) == ("pending", 1)
    new_code = verifyd.wait_for_code(number, since=since)
    assert service.verification_checks.create(to=number, code=new_code).status == "approved"


def test_past_validity_create_without_check_is_new(client, verifyd, new_service, new_number):
    """A create is the first thing to meet the expired verification: it must not re-send the old one."""
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    first = service.verifications.create(to=number, channel="sms")
    old_code = verifyd.wait_for_code(number, since=since)
    expire(verifyd, first.sid)

    since = verifyd.log_offset()
    second = service.verifications.create(to=number, channel="sms")
    assert second.sid != first.sid and len(second.send_code_attempts) == 1
    new_code = verifyd.wait_for_code(number, since=since)
    assert stored_status(verifyd, first.sid) == "expired"
    if new_code != old_code:  # the old code is dead (equal only by a one-in-a-million chance)
        checked = service.verification_checks.create(to=number, code=old_code)
        assert (checked.status, checked.valid) == ("pending", False)
    checked = service.verification_checks.create(to=number, code=new_code)
    assert (checked.sid, checked.status) == (second.sid, "approved")


# --- update ---------------------------------------------------------------------------------------------------------


def test_update_approved_approves_without_code(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    number = new_number()
    since = verifyd.log_offset()
    started = service.verifications.create(to=number, channel="sms")
    code = verifyd.wait_for_code(number, since=since)

    approved = service.verifications(started.sid).update(status="approved")
    assert (approved.sid, approved.status, approved.valid) == (started.sid, "approved", True)
    with twilio_error(404, 20404):
        service.verification_checks.create(to=number, code=code)
    with twilio_error(404, 20404):
        service.verifications(started.sid).fetch()


def test_update_with_other_status_is_60200(client, verifyd, new_service, new_number):
    service = client.verify.v2.services(new_service())
    started = service.verifications.create(to=new_number(), channel="sms")
    with twilio_error(400, 60200):
        service.verifications(started.sid).update(status="pending")
    assert service.verifications(started.sid).fetch().status == "pending"
