"""The original flow, with the same credentials as the Verify API: `POST /sms` (202), then `/auth/{number}/{code}`
(200 once, 403 after), and 401 without credentials."""

import urllib.parse

from harness import http_request


def auth_url(verifyd, number: str, code: str, encode_plus: bool = True) -> str:
    shown = urllib.parse.quote(number, safe="") if encode_plus else number
    return f"{verifyd.base_url}/auth/{shown}/{code}"


def test_sms_then_auth_once(verifyd, new_number):
    credentials = (verifyd.account_sid, verifyd.auth_token)
    number = new_number()
    since = verifyd.log_offset()
    sent = http_request("POST", f"{verifyd.base_url}/sms", form={"number": number}, auth=credentials)
    assert sent.status == 202
    assert sent.body == b""
    code = verifyd.wait_for_code(number, since=since)

    first = http_request("POST", auth_url(verifyd, number, code), auth=credentials)
    assert first.status == 200
    assert first.body == b""
    again = http_request("POST", auth_url(verifyd, number, code), auth=credentials)
    assert again.status == 403
    assert again.body == b""


def test_auth_with_literal_plus_and_json_body(verifyd, new_number):
    credentials = (verifyd.account_sid, verifyd.auth_token)
    number = new_number()
    since = verifyd.log_offset()
    sent = http_request("POST", f"{verifyd.base_url}/sms", json_body={"number": number}, auth=credentials)
    assert sent.status == 202
    code = verifyd.wait_for_code(number, since=since)

    wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
    assert http_request("POST", auth_url(verifyd, number, wrong, encode_plus=False), auth=credentials).status == 403
    assert http_request("POST", auth_url(verifyd, number, code, encode_plus=False), auth=credentials).status == 200


def test_auth_by_get_counts_the_same(verifyd, new_number):
    credentials = (verifyd.account_sid, verifyd.auth_token)
    number = new_number()
    since = verifyd.log_offset()
    assert http_request("POST", f"{verifyd.base_url}/sms", form={"number": number}, auth=credentials).status == 202
    code = verifyd.wait_for_code(number, since=since)
    wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
    assert http_request("GET", auth_url(verifyd, number, wrong), auth=credentials).status == 403
    assert http_request("GET", auth_url(verifyd, number, code), auth=credentials).status == 200
    assert http_request("GET", auth_url(verifyd, number, code), auth=credentials).status == 403


def test_who_sends_by_call(verifyd, new_number):
    credentials = (verifyd.account_sid, verifyd.auth_token)
    number = new_number()
    since = verifyd.log_offset()
    assert http_request("POST", f"{verifyd.base_url}/who", form={"number": number}, auth=credentials).status == 202
    code = verifyd.wait_for_code(number, since=since)
    assert http_request("POST", auth_url(verifyd, number, code), auth=credentials).status == 200


def test_original_routes_need_credentials(verifyd, new_number):
    number = new_number()
    since = verifyd.log_offset()
    assert http_request("POST", f"{verifyd.base_url}/sms", form={"number": number}).status == 401
    assert http_request("POST", f"{verifyd.base_url}/who", form={"number": number}).status == 401
    wrong = (verifyd.account_sid, "0" * 32)
    assert http_request("POST", f"{verifyd.base_url}/sms", form={"number": number}, auth=wrong).status == 401
    assert verifyd.latest_code(number, since=since) is None

    credentials = (verifyd.account_sid, verifyd.auth_token)
    assert http_request("POST", f"{verifyd.base_url}/sms", form={"number": number}, auth=credentials).status == 202
    code = verifyd.wait_for_code(number, since=since)
    assert http_request("POST", auth_url(verifyd, number, code)).status == 401
    assert http_request("GET", auth_url(verifyd, number, code)).status == 401
    assert http_request("POST", auth_url(verifyd, number, code), auth=wrong).status == 401
    # The refused requests did not use up the code.
    assert http_request("POST", auth_url(verifyd, number, code), auth=credentials).status == 200


def test_sms_with_invalid_number_is_400(verifyd):
    credentials = (verifyd.account_sid, verifyd.auth_token)
    assert http_request("POST", f"{verifyd.base_url}/sms", form={"number": "not a number"}, auth=credentials).status == 400
    assert http_request("POST", f"{verifyd.base_url}/sms", form={}, auth=credentials).status == 400


def test_default_service_is_listed(client, verifyd, new_number):
    credentials = (verifyd.account_sid, verifyd.auth_token)
    assert http_request("POST", f"{verifyd.base_url}/sms", form={"number": new_number()}, auth=credentials).status == 202
    names = [service.friendly_name for service in client.verify.v2.services.stream(page_size=50)]
    assert names.count("verifyd") == 1
