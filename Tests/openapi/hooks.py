"""Schemathesis hooks for verifyd, loaded by run.py (SCHEMATHESIS_HOOKS=hooks, with this folder on PYTHONPATH).

- Webhooks: a request carrying the placeholder credential of the `twilioSignature` scheme (schemathesis.toml) is
  signed as Twilio signs it, over the URL and the form exactly as they will be sent. Requests without it, and
  ignored_auth's probes with a wrong one, go out as they are and must be refused.
- `Tags` and `RateLimits`: a form carries the object's JSON text (the document's `encoding: contentType:
  application/json`), which schemathesis does not do: it spreads an object property over the form as `key=value`
  fields. Such a form is sent as this hook encodes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from urllib.parse import parse_qsl, urlencode

import requests
import schemathesis

PLACEHOLDER = os.environ["VERIFYD_OPENAPI_SIGNATURE_PLACEHOLDER"]
TWILIO_AUTH_TOKEN = os.environ["VERIFYD_OPENAPI_TWILIO_AUTH_TOKEN"]
BASE_URL = os.environ["VERIFYD_OPENAPI_BASE_URL"]
FORM = "application/x-www-form-urlencoded"
JSON_FIELDS = ("Tags", "RateLimits")


def twilio_signature(url: str, form: list[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature (twilio.md §3.1): HMAC-SHA1 over the URL, then each name and its values, sorted."""
    values: dict[str, set[str]] = {}
    for name, value in form:
        values.setdefault(name, set()).add(value)
    text = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(TWILIO_AUTH_TOKEN.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _as_sent(case) -> requests.PreparedRequest:
    data = case.as_transport_kwargs(base_url=BASE_URL)
    return requests.Request(
        method=data["method"],
        url=data["url"],
        params=data.get("params"),
        data=data.get("data"),
        json=data.get("json"),
        headers=data.get("headers"),
    ).prepare()


def _form_field(value) -> list[str]:
    """A generated value as the form field(s) it becomes: lists repeat the name, other structures are JSON."""
    if value is None:
        return []
    if isinstance(value, list):
        return [text for item in value for text in _form_field(item)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, dict):
        return [json.dumps(value)]
    return [str(value)]


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    if (
        case.media_type == FORM
        and isinstance(case.body, dict)
        and any(isinstance(case.body.get(name), dict) for name in JSON_FIELDS)
    ):
        pairs = [(name, text) for name, value in case.body.items() for text in _form_field(value)]
        # Generated text may hold lone surrogates, which UTF-8 cannot carry; schemathesis sends them the same way.
        kwargs["data"] = urlencode(pairs, errors="surrogatepass")
    if not case.headers or case.headers.get("X-Twilio-Signature") != PLACEHOLDER:
        return
    prepared = _as_sent(case)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    try:
        form = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        # verifyd cannot read this form either, so no signature can match; the placeholder goes out and is refused.
        return
    case.headers["X-Twilio-Signature"] = twilio_signature(prepared.url, form)



def _twilio_code(response) -> int | None:
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Drops schemathesis' own false positives; each rule says why it is one. Everything else is kept."""
    # A "negative" form body of "" goes out as no body at all, which an operation whose body is optional accepts
    # (updating a service with nothing to change).
    if (
        failure.code == "ST201"
        and case.media_type == FORM
        and case.body in ("", b"")
        and not response.request.body
        and (case.operation.definition.raw.get("requestBody") or {}).get("required") is not True
    ):
        return False
    # Whether LookupEnabled=false may be set depends on the stored SkipSmsToLandlines, which no schema of a request
    # can know; the document states the rule, and the 400 names it.
    if (
        failure.code == "ST202"
        and case.operation.definition.raw.get("operationId") == "updateService"
        and response.status_code == 400
        and b"Invalid parameter: SkipSmsToLandlines" in (response.content or b"")
    ):
        return False
    # A start's RateLimits may name only rate limits the service has, which no schema of a request can know; the
    # document states the rule, and the 400 names it.
    if (
        failure.code == "ST202"
        and case.operation.definition.raw.get("operationId") == "createVerification"
        and response.status_code == 400
        and b"Invalid parameter: RateLimits" in (response.content or b"")
    ):
        return False
    # Duplicates and caps of the Rate Limit and Safe List APIs depend on what is stored (a number already listed,
    # a UniqueName or Interval already taken, a full service or rate limit), which no schema of a request can know;
    # they are Twilio's documented 400s.
    if (
        failure.code == "ST202"
        and response.status_code == 400
        and _twilio_code(response) in (60207, 60208, 60210, 60211, 60411)
    ):
        return False
    # A start refuses a number the phone metadata knows as neither valid nor possible, which no pattern can say
    # (+10 matches E.164's); the 400 names To, as Twilio's does.
    if (
        failure.code == "ST202"
        and response.status_code == 400
        and b"Invalid parameter: To" in (response.content or b"")
    ):
        return False
    # An Idempotency-Key binds the parameters first sent under it, which no schema of a request can know: generated
    # keys repeat across cases with other bodies, and the 422 is the document's answer to that.
    if (
        failure.code == "ST202"
        and response.status_code == 422
        and b"Idempotency-Key was used with other parameters" in (response.content or b"")
    ):
        return False
    # A day past its month's end (2026-02-30) matches the date's pattern, and DateCreatedBefore earlier than
    # DateCreatedAfter is valid for each alone; the document states both rules, and the 400 names the date.
    if (
        failure.code == "ST202"
        and case.operation.definition.raw.get("operationId") in ("listAttempts", "summarizeAttempts")
        and response.status_code == 400
        and b"Invalid parameter: DateCreated" in (response.content or b"")
    ):
        return False
    # The original routes refuse the same numbers (their national formats go through the same metadata) with their
    # empty 400; the document says so on `number`.
    if (
        failure.code == "ST202"
        and case.operation.definition.raw.get("operationId") in ("sendCodeBySms", "sendCodeByCall")
        and response.status_code == 400
        and not response.content
    ):
        return False
    return True
