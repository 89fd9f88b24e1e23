"""Users stored the way a login stores them, for tests that start from a connected user."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from appconnect import session, settings, users
from local.sandbox import SandboxServer


def store_user(
    platform: str,
    *,
    token_expiry: float | None,
    user_id: str | None = None,
    access_token: str = "access",
    refresh_token: str = "refresh",
) -> tuple[str, str]:
    """A connected user of ``platform`` (tokens encrypted as a login stores them) and a JWT for them."""
    user_id = user_id or f"{uuid.uuid4().int % 10**9}-{platform}"
    model = users.save_login(
        users.Login(
            user_id=user_id,
            platform=platform,
            name="Jordan Lee",
            hostname="sandbox.pipedrive.com",
            access_token=access_token,
            refresh_token=refresh_token,
            token_expiry=token_expiry,
            timezone_name="",
            timezone_offset="",
            platform_additional_info={},
            rc_account_id=None,
            hashed_rc_account_id=None,
            hashed_rc_extension_id=None,
        ),
        lambda hostname, _info: hostname,
    )
    return user_id, session.issue(model.id, platform, generation=int(model.session_generation or 0))


def connected_pipedrive_user(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """Jordan Lee of a freshly reset Pipedrive sandbox, connected with tokens the sandbox issued, and the
    server pointed at the sandbox: the JWT the extension holds."""
    base = sandbox.urls()["pipedrive"]
    for name, value in {
        "PIPEDRIVE_API_URL": base,
        "PIPEDRIVE_OAUTH_URL": base,
        "PIPEDRIVE_COMPANY_URL": base,
        "PIPEDRIVE_CLIENT_ID": "sandbox-pipedrive-client",
        "PIPEDRIVE_CLIENT_SECRET": "sandbox-pipedrive-secret",
        "PIPEDRIVE_ALLOWED_HOSTS": "*.pipedrive.com,127.0.0.1",
    }.items():
        monkeypatch.setenv(name, value)
    settings.reload()
    requests.post(f"{sandbox.url}/__sandbox/pipedrive/reset", timeout=10)
    tokens = requests.post(
        f"{sandbox.url}/__sandbox/pipedrive/tokens", json={"user_id": 12345}, timeout=10
    ).json()
    model = users.save_login(
        users.Login(
            user_id="12345-pipedrive",
            platform="pipedrive",
            name="Jordan Lee",
            hostname="sandbox.pipedrive.com",
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            token_expiry=time.time() + 3600,
            timezone_name="America/New_York",
            timezone_offset="-04:00",
            platform_additional_info={"companyId": 7001},
            rc_account_id=None,
            hashed_rc_account_id=None,
            hashed_rc_extension_id=None,
        ),
        lambda hostname, _info: hostname,
    )
    return session.issue(model.id, "pipedrive", generation=int(model.session_generation or 0))
