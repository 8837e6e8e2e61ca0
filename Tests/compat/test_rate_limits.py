"""Service Rate Limits, their buckets, the RateLimits parameter and the Safe List through twilio-python, unchanged."""

import re

from harness import twilio_error

RK = re.compile(r"^RK[0-9a-f]{32}$")
BL = re.compile(r"^BL[0-9a-f]{32}$")
GN = re.compile(r"^GN[0-9a-f]{32}$")


def test_rate_limit_lifecycle(client, verifyd, new_service):
    service_sid = new_service()
    rate_limits = client.verify.v2.services(service_sid).rate_limits

    created = rate_limits.create(unique_name="end_user_ip_address", description="Limit by end-user IP")
    assert RK.match(created.sid)
    assert (created.service_sid, created.account_sid) == (service_sid, verifyd.account_sid)
    assert (created.unique_name, created.description) == ("end_user_ip_address", "Limit by end-user IP")
    assert created.url == f"{verifyd.base_url}/v2/Services/{service_sid}/RateLimits/{created.sid}"
    assert created.links["buckets"] == f"{created.url}/Buckets"
    assert created.date_created is not None and created.date_created.tzinfo is not None

    fetched = rate_limits(created.sid).fetch()
    assert (fetched.sid, fetched.unique_name) == (created.sid, "end_user_ip_address")

    updated = rate_limits(created.sid).update(description="Per end user")
    assert (updated.sid, updated.description) == (created.sid, "Per end user")

    others = [rate_limits.create(unique_name=f"key_{index}").sid for index in range(4)]
    assert [limit.sid for limit in rate_limits.list(page_size=2)] == [created.sid, *others]
    assert [limit.sid for limit in rate_limits.stream(page_size=3)] == [created.sid, *others]

    assert rate_limits(created.sid).delete() is True
    with twilio_error(404, 20404):
        rate_limits(created.sid).fetch()
    with twilio_error(404, 20404):
        rate_limits(created.sid).delete()


def test_rate_limit_refusals(client, new_service):
    rate_limits = client.verify.v2.services(new_service()).rate_limits
    rate_limits.create(unique_name="session_id")
    with twilio_error(400, 60208):
        rate_limits.create(unique_name="session_id")
    with twilio_error(400, 60209):
        rate_limits.create(unique_name="not allowed!")
    assert [limit.unique_name for limit in rate_limits.list()] == ["session_id"]


def test_bucket_lifecycle(client, verifyd, new_service):
    service_sid = new_service()
    rate_limit = client.verify.v2.services(service_sid).rate_limits.create(unique_name="user_id")
    buckets = client.verify.v2.services(service_sid).rate_limits(rate_limit.sid).buckets

    created = buckets.create(max=5, interval=60)
    assert BL.match(created.sid)
    assert (created.rate_limit_sid, created.service_sid, created.account_sid) == (
        rate_limit.sid,
        service_sid,
        verifyd.account_sid,
    )
    assert (created.max, created.interval) == (5, 60)
    assert created.url == f"{rate_limit.url}/Buckets/{created.sid}"

    hourly = buckets.create(max=20, interval=3600)
    assert [bucket.sid for bucket in buckets.list()] == [created.sid, hourly.sid]
    assert (buckets(created.sid).fetch().max, buckets(created.sid).fetch().interval) == (5, 60)

    updated = buckets(created.sid).update(max=3)
    assert (updated.max, updated.interval) == (3, 60)
    updated = buckets(created.sid).update(interval=120)
    assert (updated.max, updated.interval) == (3, 120)
    with twilio_error(400, 60211):
        buckets.create(max=1, interval=3600)
    with twilio_error(400, 60200):
        buckets.create(max=0, interval=30)

    assert buckets(created.sid).delete() is True
    with twilio_error(404, 20404):
        buckets(created.sid).fetch()
    assert [bucket.sid for bucket in buckets.list()] == [hourly.sid]


def test_verification_accepts_rate_limits_of_the_service(client, new_service, new_number):
    service_sid = new_service()
    client.verify.v2.services(service_sid).rate_limits.create(unique_name="end_user_ip_address")
    client.verify.v2.services(service_sid).rate_limits.create(unique_name="user_id")
    verifications = client.verify.v2.services(service_sid).verifications

    started = verifications.create(
        to=new_number(), channel="sms", rate_limits={"end_user_ip_address": "203.0.113.7", "user_id": 42}
    )
    assert started.status == "pending"
    with twilio_error(400, 60200) as info:
        verifications.create(to=new_number(), channel="sms", rate_limits={"not_defined": "x"})
    assert "RateLimits" in info.value.msg


def test_safe_list_lifecycle(client, verifyd, new_number):
    number = new_number()
    safelist = client.verify.v2.safelist

    created = safelist.create(phone_number=number)
    assert GN.match(created.sid)
    assert created.phone_number == number
    assert created.url == f"{verifyd.base_url}/v2/SafeList/Numbers/{number}"
    with twilio_error(400, 60411):
        safelist.create(phone_number=number)

    fetched = safelist(number).fetch()
    assert (fetched.sid, fetched.phone_number) == (created.sid, number)

    assert safelist(number).delete() is True
    with twilio_error(404, 20404):
        safelist(number).fetch()
    with twilio_error(404, 20404):
        safelist(number).delete()
    with twilio_error(400, 60200):
        safelist.create(phone_number="4155550100")
