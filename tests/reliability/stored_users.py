"""Users stored the way a login stores them, for tests that start from a connected user."""

from __future__ import annotations

import uuid

from appconnect import session, users


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
