"""Verify services through twilio-python: create, fetch, list, stream, update, delete, and the 60200 refusals."""

import json
import re

from harness import friendly_name, twilio_error

SID = re.compile(r"^VA[0-9a-f]{32}$")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_create_fetch_update_delete(client, verifyd):
    services = client.verify.v2.services
    name = friendly_name("Lifecycle")

    created = services.create(friendly_name=name, code_length=7)
    assert SID.match(created.sid)
    assert created.friendly_name == name
    assert created.code_length == 7
    assert created.account_sid == verifyd.account_sid
    assert created.custom_code_enabled is False
    assert created.url == f"{verifyd.base_url}/v2/Services/{created.sid}"
    assert created.links["verifications"] == f"{created.url}/Verifications"
    assert created.links["verification_checks"] == f"{created.url}/VerificationCheck"
    assert created.date_created is not None and created.date_created.tzinfo is not None  # parsed as ISO 8601 UTC

    fetched = services(created.sid).fetch()
    assert (fetched.sid, fetched.friendly_name, fetched.code_length) == (created.sid, name, 7)

    renamed = friendly_name("Renamed")
    updated = services(created.sid).update(friendly_name=renamed, code_length=8)
    assert (updated.sid, updated.friendly_name, updated.code_length) == (created.sid, renamed, 8)
    fetched = services(created.sid).fetch()
    assert (fetched.friendly_name, fetched.code_length) == (renamed, 8)

    assert services(created.sid).delete() is True
    with twilio_error(404, 20404):
        services(created.sid).fetch()
    with twilio_error(404, 20404):
        services(created.sid).delete()
    with twilio_error(404, 20404):
        services(created.sid).update(friendly_name=friendly_name())


def test_code_length_is_used_by_new_codes(client, verifyd, new_number):
    service = client.verify.v2.services.create(friendly_name=friendly_name("Length"), code_length=4)
    client.verify.v2.services(service.sid).update(code_length=9)
    number = new_number()
    since = verifyd.log_offset()
    client.verify.v2.services(service.sid).verifications.create(to=number, channel="sms")
    assert re.fullmatch(r"\d{9}", verifyd.wait_for_code(number, since=since))


def test_invalid_code_length_is_60200(client, new_service):
    with twilio_error(400, 60200) as info:
        client.verify.v2.services.create(friendly_name=friendly_name(), code_length=3)
    assert "CodeLength" in info.value.msg
    with twilio_error(400, 60200):
        client.verify.v2.services.create(friendly_name=friendly_name(), code_length=11)

    sid = new_service(code_length=6)
    with twilio_error(400, 60200):
        client.verify.v2.services(sid).update(code_length=3)
    assert client.verify.v2.services(sid).fetch().code_length == 6


def test_invalid_friendly_name_is_60200(client):
    with twilio_error(400, 60200):
        client.verify.v2.services.create(friendly_name="x" * 31)
    with twilio_error(400, 60200):
        client.verify.v2.services.create(friendly_name="Call 4155550100")  # a phone number in the SMS text


def test_list_and_stream_return_every_service_exactly_once(client, new_service):
    mine = [new_service(friendly_name=friendly_name("Paging")) for _ in range(5)]
    services = client.verify.v2.services

    streamed = [service.sid for service in services.stream(page_size=2)]
    assert len(streamed) == len(set(streamed)), "stream() returned a service twice"
    for sid in mine:
        assert streamed.count(sid) == 1
    assert all(SID.match(sid) for sid in streamed)

    listed = [service.sid for service in services.list(page_size=2)]
    assert sorted(listed) == sorted(streamed)

    limited = services.list(limit=3, page_size=2)
    assert len(limited) == 3
    assert len({service.sid for service in limited}) == 3
    assert [service.sid for service in limited] == streamed[:3]

    # One page of everything agrees with the paged walk.
    assert sorted(service.sid for service in services.list(page_size=1000)) == sorted(streamed)


def test_page_metadata_uses_public_url(client, verifyd, new_service):
    for _ in range(3):
        new_service()
    page = client.verify.v2.services.page(page_size=2)
    first = list(page)
    assert len(first) == 2
    next_url = page.next_page_url
    assert next_url is not None and next_url.startswith(f"{verifyd.base_url}/v2/Services?")
    second = list(page.next_page())
    assert len(second) >= 1
    assert not {s.sid for s in first} & {s.sid for s in second}


def test_dates_are_twilio_format(client, verifyd, new_service):
    sid = new_service()
    raw = client.request("GET", f"{verifyd.base_url}/v2/Services/{sid}")
    assert raw.status_code == 200
    body = json.loads(raw.text)
    assert DATE.match(body["date_created"]) and DATE.match(body["date_updated"])
