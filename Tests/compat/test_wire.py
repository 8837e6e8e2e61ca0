"""The wire as Twilio's clients see it, checked with urllib where twilio-python hides it: every 429 carries
`Retry-After` (the library does not expose headers on its exceptions), error bodies are Twilio's four keys and nothing
else, resources have every key Twilio sends, dates are `YYYY-MM-DDTHH:MM:SSZ`, validity follows the service."""

import re

from harness import http_request, psql, twilio_error

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
VERIFICATION_KEYS = {
    "sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "date_created", "date_updated",
    "lookup", "amount", "payee", "send_code_attempts", "sna", "url",
}  # fmt: skip
CHECK_KEYS = {
    "sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "amount", "payee",
    "sna_attempts_error_codes", "date_created", "date_updated",
}  # fmt: skip

ERROR_KEYS = {"code", "message", "more_info", "status"}


def assert_429(response, code: int) -> int:
    assert response.status == 429, (response.status, response.body)
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert (body["status"], body["code"]) == (429, code)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    retry_after = response.headers.get("retry-after")
    assert retry_after is not None, "429 without Retry-After"
    assert retry_after.isdigit() and int(retry_after) >= 1, retry_after
    return int(retry_after)


def test_retry_after_on_60203(client, verifyd, raw_service, new_number):
    service_sid = raw_service(MaxSendAttempts=1)
    number = new_number()
    auth = (verifyd.account_sid, verifyd.auth_token)
    url = f"{verifyd.base_url}/v2/Services/{service_sid}/Verifications"

    first = http_request("POST", url, form={"To": number, "Channel": "sms"}, auth=auth)
    assert first.status == 201, first.body
    refused = http_request("POST", url, form={"To": number, "Channel": "sms"}, auth=auth)
    retry_after = assert_429(refused, 60203)
    assert retry_after <= 600, "Retry-After is later than the verification's expiry"

    with twilio_error(429, 60203):  # the library agrees
        client.verify.v2.services(service_sid).verifications.create(to=number, channel="sms")


def test_retry_after_on_60202(verifyd, raw_service, new_number):
    service_sid = raw_service(MaxCheckAttempts=1)
    number = new_number()
    auth = (verifyd.account_sid, verifyd.auth_token)
    base = f"{verifyd.base_url}/v2/Services/{service_sid}"

    since = verifyd.log_offset()
    assert http_request("POST", f"{base}/Verifications", form={"To": number, "Channel": "sms"}, auth=auth).status == 201
    code = verifyd.wait_for_code(number, since=since)
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    last = http_request("POST", f"{base}/VerificationCheck", form={"To": number, "Code": wrong}, auth=auth)
    assert last.status == 200 and last.json()["status"] == "max_attempts_reached"

    right = http_request("POST", f"{base}/VerificationCheck", form={"To": number, "Code": code}, auth=auth)
    assert_429(right, 60202)
    again = http_request("POST", f"{base}/VerificationCheck", form={"To": number, "Code": wrong}, auth=auth)
    assert_429(again, 60202)
    assert again.body == right.body, "the right code is refused with another body than a wrong one"
    create = http_request("POST", f"{base}/Verifications", form={"To": number, "Channel": "sms"}, auth=auth)
    assert_429(create, 60202)


def test_error_bodies_are_twilio_shape(verifyd, new_number):
    auth = (verifyd.account_sid, verifyd.auth_token)
    missing = http_request("GET", f"{verifyd.base_url}/v2/Services/VA{'0' * 32}", auth=auth)
    assert missing.status == 404
    assert set(missing.json()) == ERROR_KEYS
    assert (missing.json()["status"], missing.json()["code"]) == (404, 20404)

    invalid = http_request("POST", f"{verifyd.base_url}/v2/Services", form={"FriendlyName": "x" * 40}, auth=auth)
    assert invalid.status == 400
    assert set(invalid.json()) == ERROR_KEYS
    assert invalid.json()["code"] == 60200


def test_verification_and_check_shapes(verifyd, new_service, new_number):
    auth = (verifyd.account_sid, verifyd.auth_token)
    service_sid = new_service()
    base = f"{verifyd.base_url}/v2/Services/{service_sid}"
    number = new_number()
    since = verifyd.log_offset()

    started = http_request("POST", f"{base}/Verifications", form={"To": number, "Channel": "sms"}, auth=auth)
    assert started.status == 201
    body = started.json()
    assert set(body) == VERIFICATION_KEYS
    assert (body["lookup"], body["sna"], body["amount"], body["payee"]) == ({}, None, None, None)
    assert DATE.match(body["date_created"]) and DATE.match(body["date_updated"])
    attempt = body["send_code_attempts"][0]
    assert {"time", "channel", "attempt_sid"} <= set(attempt)
    assert DATE.match(attempt["time"]) and attempt["channel"] == "SMS"
    assert body["url"] == f"{base}/Verifications/{body['sid']}"

    fetched = http_request("GET", f"{base}/Verifications/{body['sid']}", auth=auth)
    assert fetched.status == 200 and set(fetched.json()) == VERIFICATION_KEYS

    code = verifyd.wait_for_code(number, since=since)
    checked = http_request("POST", f"{base}/VerificationCheck", form={"To": number, "Code": code}, auth=auth)
    assert checked.status == 200
    assert set(checked.json()) == CHECK_KEYS
    assert checked.json()["sna_attempts_error_codes"] == []
    assert (checked.json()["sid"], checked.json()["status"], checked.json()["valid"]) == (body["sid"], "approved", True)


def test_library_parses_dates(client, new_service, new_number):
    service = client.verify.v2.services(new_service())
    started = service.verifications.create(to=new_number(), channel="sms")
    # twilio-python returns the raw string when a date is not in Twilio's format.
    assert started.date_created.tzinfo is not None and started.date_updated.tzinfo is not None


def test_code_validity_follows_the_service(verifyd, raw_service, new_number):
    auth = (verifyd.account_sid, verifyd.auth_token)
    service_sid = raw_service(CodeValiditySeconds=120)
    started = http_request(
        "POST",
        f"{verifyd.base_url}/v2/Services/{service_sid}/Verifications",
        form={"To": new_number(), "Channel": "sms"},
        auth=auth,
    )
    assert started.status == 201
    # Both timestamps come from the database in the creating transaction, so no clock or load enters the comparison.
    seconds = psql(
        verifyd.database_url,
        "SELECT round(extract(epoch FROM expires_at - created_at)) FROM verifications "
        f"WHERE sid = '{started.json()['sid']}'",
    )
    assert 119 <= float(seconds) <= 121, seconds
