"""The Verification Attempts API through twilio-python: list with filters and paging, fetch, and the summary."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from harness import psql, twilio_error
from twilio.base.exceptions import TwilioException

VL = re.compile(r"^VL[0-9a-f]{32}$")


def started_attempts(client, verifyd, service_sid, numbers):
    """Starts a verification per number, sends the first one a second time and approves it; returns its attempts
    (both sends) and the attempts of the others."""
    service = client.verify.v2.services(service_sid)
    others = []
    for number in numbers[1:]:
        others.append(service.verifications.create(to=number, channel="sms").send_code_attempts[0]["attempt_sid"])
    since = verifyd.log_offset()
    first = service.verifications.create(to=numbers[0], channel="sms")
    again = service.verifications.create(to=numbers[0], channel="sms")
    assert again.sid == first.sid and len(again.send_code_attempts) == 2
    code = verifyd.wait_for_code(numbers[0], since=since)
    assert service.verification_checks.create(to=numbers[0], code=code).status == "approved"
    return [attempt["attempt_sid"] for attempt in again.send_code_attempts], others


def test_list_with_filters_and_paging(client, verifyd, new_service, new_number, database_url):
    service_sid = new_service()
    numbers = [new_number() for _ in range(3)]
    converted, unconverted = started_attempts(client, verifyd, service_sid, numbers)
    attempts = client.verify.v2.verification_attempts

    listed = attempts.list(verify_service_sid=service_sid, page_size=2)
    assert len(listed) == 4, "list() followed next_page_url to the end"
    assert sorted(a.sid for a in listed) == sorted(converted + unconverted)
    assert [a.date_created for a in listed] == sorted((a.date_created for a in listed), reverse=True)
    assert all(VL.match(a.sid) and a.service_sid == service_sid for a in listed)
    assert [a.sid for a in attempts.stream(verify_service_sid=service_sid, page_size=1, limit=3)] == [
        a.sid for a in listed[:3]
    ]

    by_status = attempts.list(verify_service_sid=service_sid, status="converted")
    assert sorted(a.sid for a in by_status) == sorted(converted)
    assert {a.conversion_status for a in by_status} == {"converted"}
    by_number = attempts.list(channel_data_to=numbers[1])
    assert [a.sid for a in by_number] == [unconverted[0]]
    by_verification = attempts.list(verification_sid=listed[-1].verification_sid)
    assert {a.verification_sid for a in by_verification} == {listed[-1].verification_sid}
    assert attempts.list(verify_service_sid=service_sid, channel="call") == []

    now = datetime.now(timezone.utc)
    window = attempts.list(
        verify_service_sid=service_sid,
        date_created_after=now - timedelta(minutes=10),
        date_created_before=now + timedelta(minutes=1),
    )
    assert len(window) == 4
    assert attempts.list(verify_service_sid=service_sid, date_created_before=now - timedelta(minutes=10)) == []

    # The start path records the destination's region; set it here as it would.
    psql(
        database_url,
        f"""UPDATE delivery_attempts a SET destination_region = 'US' FROM verifications v
            WHERE v.bucket = a.bucket AND v.sid = a.verification_sid AND v.service_sid = '{service_sid}'""",
    )
    assert len(attempts.list(verify_service_sid=service_sid, country="US")) == 4
    assert attempts.list(verify_service_sid=service_sid, country="CA") == []


def test_fetch(client, verifyd, new_service, new_number):
    service_sid = new_service()
    number = new_number()
    converted, _ = started_attempts(client, verifyd, service_sid, [number])

    attempt = client.verify.v2.verification_attempts(converted[0]).fetch()
    assert attempt.sid == converted[0]
    assert attempt.account_sid == verifyd.account_sid
    assert attempt.service_sid == service_sid
    assert attempt.conversion_status == "converted"
    assert attempt.channel == "sms"
    assert attempt.price is None
    assert attempt.channel_data["to"] == number
    assert attempt.channel_data["status"] == "confirmed"
    assert attempt.url == f"{verifyd.base_url}/v2/Attempts/{attempt.sid}"
    assert attempt.date_created.tzinfo is not None and attempt.date_updated >= attempt.date_created

    with twilio_error(404, 20404):
        client.verify.v2.verification_attempts("VL" + "0" * 32).fetch()


def test_summary(client, verifyd, new_service, new_number):
    service_sid = new_service()
    started_attempts(client, verifyd, service_sid, [new_number() for _ in range(3)])
    summary = client.verify.v2.verification_attempts_summary().fetch(verify_service_sid=service_sid)
    assert (summary.total_attempts, summary.total_converted, summary.total_unconverted) == (4, 2, 2)
    assert summary.conversion_rate_percentage == "50.000000000"
    assert summary.url == f"{verifyd.base_url}/v2/Attempts/Summary"

    prefixed = client.verify.v2.verification_attempts_summary().fetch(
        verify_service_sid=service_sid, destination_prefix="+1415", channel="sms"
    )
    assert prefixed.total_attempts == 4
    empty = client.verify.v2.verification_attempts_summary().fetch(verify_service_sid=service_sid, country="JP")
    assert (empty.total_attempts, empty.conversion_rate_percentage) == (0, None)


def test_malformed_filters_are_60200(client):
    # A list page that fails is the library's plain TwilioException carrying the response, not a TwilioRestException.
    for filters in ({"verify_service_sid": "VE" + "0" * 32}, {"status": "approved"}):
        with pytest.raises(TwilioException) as info:
            client.verify.v2.verification_attempts.list(**filters)
        response = info.value.args[1]
        assert (response.status_code, json.loads(response.text)["code"]) == (400, 60200), filters
    with twilio_error(400, 60200):
        client.verify.v2.verification_attempts_summary().fetch(date_created_after="last tuesday")
