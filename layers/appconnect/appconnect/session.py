"""The App Connect session JWT: issued at login, carried by the extension on every call.

Wire format as the reference (HS256, payload ``{id, platform}``, 14 days, a fresh token handed back in
``x-refreshed-jwt-token`` once 7 days or less remain), hardened: the algorithm is pinned and ``exp``,
``iat``, ``iss`` and ``aud`` are required.

PyJWT is imported by the first :func:`issue` or :func:`verify` that has a token, not with this module: it
loads the ``cryptography`` package (X.509, RSA, EC), about 40 ms. The functions that never see a JWT (health,
manifest, the scheduled ones) never pay it; the others pay it on their first request that carries one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from appconnect.settings import Settings, get_settings

ALGORITHM = "HS256"
_DAY = 86_400


@dataclass(frozen=True)
class Session:
    """Who is calling: the stored user's id and the CRM platform, from a verified JWT."""

    user_id: str
    platform: str
    issued_at: int
    expires_at: int
    #: the user's session generation when issued; logout moves it on, so older tokens stop working
    generation: int = 0


def issue(
    user_id: str,
    platform: str,
    *,
    generation: int = 0,
    now: float | None = None,
    settings: Settings | None = None,
) -> str:
    """A signed session JWT for ``user_id`` on ``platform``."""
    import jwt

    settings = settings or get_settings()
    issued = int(now if now is not None else time.time())
    payload = {
        "id": str(user_id),
        "platform": platform,
        "iat": issued,
        "exp": issued + settings.jwt_lifetime_days * _DAY,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "gen": int(generation),
    }
    return jwt.encode(payload, settings.require_jwt_secret(), algorithm=ALGORITHM)


def verify(token: str, *, now: float | None = None, settings: Settings | None = None) -> Session | None:
    """The session of a valid token, or ``None`` for a bad signature, an expired or a malformed token."""
    settings = settings or get_settings()
    if not token:
        return None
    import jwt

    current = now if now is not None else time.time()
    try:
        # exp is checked below against ``current`` so tests can move the clock; PyJWT still requires it.
        claims = jwt.decode(
            token,
            settings.require_jwt_secret(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud"], "verify_exp": False},
        )
        if int(claims["exp"]) <= current:
            return None
    except (jwt.PyJWTError, TypeError, ValueError):
        return None
    user_id, platform = claims.get("id"), claims.get("platform")
    if not isinstance(user_id, str) or not user_id or not isinstance(platform, str) or not platform:
        return None
    generation = claims.get("gen", 0)
    return Session(
        user_id=user_id,
        platform=platform,
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
        generation=generation if isinstance(generation, int) else -1,
    )


def needs_refresh(session: Session, *, now: float | None = None, settings: Settings | None = None) -> bool:
    """True when 7 days or less remain: the caller gets a fresh token in ``x-refreshed-jwt-token``."""
    settings = settings or get_settings()
    current = now if now is not None else time.time()
    return session.expires_at - current <= settings.jwt_refresh_window_days * _DAY
