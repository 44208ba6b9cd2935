"""Schemathesis hooks of .ci/openapi-fuzz.sh.

The OpenAPI document describes every rule of a create request that a JSON Schema can express. Two rules of
POST /v1/admin/notices it states in words only, because they depend on the moment and on the server's root,
not on the request alone: `ends_at` must be in the future (and after `starts_at` and `show_from`), and a link
must point at a host the root allows. Generated requests would break them by chance and get a 422 the
document announces; this moves generated times into the future, in order, and points generated links at the
fuzzed server's link host. Only values the schema already accepts are touched, so negative cases stay
negative.
"""

import datetime
import os
import re

import schemathesis

LINK_HOST = os.environ.get("NOTICE_FUZZ_LINK_HOST", "status.example.org")
TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


@schemathesis.hook
def before_call(context, case, kwargs):
    """Every request of every phase passes here (the coverage phase does not use the `map_*` hooks)."""
    operation = case.operation
    if operation.method.upper() != "POST" or operation.path != "/v1/admin/notices":
        return
    if isinstance(case.body, dict):
        case.body = repaired(case.body)


def repaired(body):
    body = dict(body)
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    for hours, key in enumerate(("show_from", "starts_at", "ends_at")):
        value = body.get(key)
        if isinstance(value, str) and TIME.match(value):
            body[key] = (soon + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    link = body.get("link")
    if isinstance(link, str) and link.startswith("https://") and len(link) <= 512:
        body["link"] = f"https://{LINK_HOST}/incident"
    return body
