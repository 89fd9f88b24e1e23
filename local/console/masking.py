"""Secrets out of what the console shows: tokens, API keys, passwords, JWTs and authorization codes.

The console shows connector authors the protocol as it runs: the sandbox's records and the requests the
sandbox received. Both carry live credentials (OAuth tokens, Bullhorn sessions, Redtail user keys, the
password of each seeded user), which are masked here before they leave the local stack. The page masks the
exchanges it makes itself with the same rules (``maskValue`` in ``static/console.js``).

A value is masked when its key names a secret (:data:`SECRET_KEY`), when it looks like one whatever its key
(a JWT, a sandbox credential), or, inside a URL or form text, when it is the value of a secret parameter.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "••••••"

#: keys whose values are secrets (case-insensitive): anything naming a token, secret or password ...
SECRET_KEY = re.compile(
    r"token|secret|password|^(?:authorization|proxy-authorization|cookie|set-cookie|code|api_?keys?|user_?key|"
    r"credentials?)$",
    re.IGNORECASE,
)
#: ... except what only describes one (``tokenUrl``, ``token_type``, ``refresh_token_expires_in``)
NOT_SECRET_KEY = re.compile(
    r"(?:url|uri|type|kind|expires_in|expires_at|expiry|ttl|rotation)$", re.IGNORECASE
)
#: a JWT (three base64url parts, the first two JSON objects)
JWT = re.compile(r"eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+")
#: a sandbox credential: sbx-<system>-<kind>-<n>-<checksum> (the kind is kept: it says what it is)
SANDBOX_CREDENTIAL = re.compile(r"\b(sbx-[a-z]{2}-[a-z]+-)\d{6}-[0-9a-f]{8}\b")
#: a secret parameter of a URL, a query string or a form body (also percent-encoded, inside another URL)
SECRET_PARAMETER = re.compile(
    r"(?P<name>(?:^|[?&#\s\"']|%26|%3F)(?:code|access_token|refresh_token|id_token|client_secret|password|apiKey|"
    r"api_key|jwtToken|BhRestToken|rcAccessToken|token)(?:=|%3D))(?P<value>(?:(?!%26)[^&#\s\"'])+)",
    re.IGNORECASE,
)
#: an Authorization header value: the scheme stays, the credential goes
AUTHORIZATION = re.compile(r"^(?P<scheme>Basic|Bearer|Userkeyauth)\s+\S.*$", re.IGNORECASE)


def mask_text(text: str) -> str:
    """``text`` with every JWT, sandbox credential and secret parameter value masked."""
    text = JWT.sub(MASK, text)
    text = SANDBOX_CREDENTIAL.sub(lambda match: match.group(1) + MASK, text)
    return SECRET_PARAMETER.sub(lambda match: match.group("name") + MASK, text)


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key)) and not NOT_SECRET_KEY.search(key)


def mask_secret(value: Any) -> Any:
    """The value of a secret key, masked whatever its type (a list or mapping of secrets entirely: the
    keys of a mapping may be secrets too). An Authorization header keeps its scheme."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if MASK in value:
            return value
        scheme = AUTHORIZATION.match(value)
        if scheme:
            return f"{scheme.group('scheme')} {MASK}"
        credential = SANDBOX_CREDENTIAL.fullmatch(value)
        return credential.group(1) + MASK if credential else MASK
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [mask_secret(item) for item in value]
    return MASK


def mask(document: Any) -> Any:
    """A copy of a JSON document with its secrets masked."""
    if isinstance(document, dict):
        return {
            key: mask_secret(value) if is_secret_key(str(key)) else mask(value)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [mask(item) for item in document]
    if isinstance(document, str):
        return mask_text(document)
    return document
