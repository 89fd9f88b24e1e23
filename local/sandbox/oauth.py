"""An in-memory OAuth 2.0 authorization server shared by the OAuth sandboxes (Pipedrive, Bullhorn,
RingCentral): clients, single-use authorization codes, access tokens with expiry, refresh tokens with a
configurable rotation policy, revocation, and direct minting for tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from local.sandbox.core import Clock, JsonDict, Tokens

ROTATE = "rotate"  # every refresh returns a new refresh token; the used one is dead (single-use)
REUSE = "reuse"  # the refresh token stays valid and is returned again


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)


@dataclass
class Grant:
    token: str
    kind: str
    user_id: Any
    client_id: str | None
    expires_at: float | None
    redirect_uri: str | None = None
    used: bool = False
    revoked: bool = False
    refresh_token: str | None = None
    scope: str = ""

    def describe(self) -> JsonDict:
        return asdict(self)


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: Any
    scope: str


class OAuthServer:
    def __init__(
        self,
        tokens: Tokens,
        clock: Clock,
        access_ttl: int,
        refresh_ttl: int | None = None,
        code_ttl: int = 300,
        scope: str = "",
    ) -> None:
        self._tokens = tokens
        self._clock = clock
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.code_ttl = code_ttl
        self.scope = scope
        self.rotation = ROTATE
        self.clients: dict[str, Client] = {}
        self.grants: dict[str, Grant] = {}

    def clear(self) -> None:
        self.clients.clear()
        self.grants.clear()

    # -- clients -------------------------------------------------------------------------------------------
    def add_client(self, client_id: str, client_secret: str, redirect_uris: list[str] | None = None) -> None:
        self.clients[client_id] = Client(client_id, client_secret, list(redirect_uris or []))

    def client(self, client_id: str | None) -> Client | None:
        return self.clients.get(client_id or "")

    def authenticate_client(self, client_id: str | None, client_secret: str | None) -> Client:
        if not client_id or client_secret is None:
            raise OAuthError("invalid_client", "cannot retrieve client credentials", 401)
        client = self.clients.get(client_id)
        if client is None or client.client_secret != client_secret:
            raise OAuthError("invalid_client", "client is invalid", 401)
        return client

    def check_redirect(self, client: Client, redirect_uri: str | None) -> None:
        if not redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is not a valid URI")
        if client.redirect_uris and redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", "redirect_uri is invalid")

    # -- grants --------------------------------------------------------------------------------------------
    def issue_code(self, client_id: str, redirect_uri: str | None, user_id: Any) -> str:
        code = self._tokens.new("code")
        self.grants[code] = Grant(
            code, "code", user_id, client_id, self._clock.now() + self.code_ttl, redirect_uri=redirect_uri
        )
        return code

    def exchange_code(self, client: Client, code: str | None, redirect_uri: str | None) -> TokenSet:
        grant = self.grants.get(code or "")
        if grant is None or grant.kind != "code" or grant.client_id != client.client_id or grant.used:
            raise OAuthError("invalid_grant", "authorization_code is invalid")
        if grant.expires_at is not None and self._clock.now() >= grant.expires_at:
            raise OAuthError("invalid_grant", "authorization_code has expired")
        if grant.redirect_uri and redirect_uri != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        grant.used = True
        return self.mint(grant.user_id, client.client_id)

    def refresh(self, client: Client, refresh_token: str | None) -> TokenSet:
        grant = self.grants.get(refresh_token or "")
        if (
            grant is None
            or grant.kind != "refresh"
            or grant.client_id not in (None, client.client_id)
            or grant.used
            or grant.revoked
        ):
            raise OAuthError("invalid_grant", "refresh_token is invalid")
        if grant.expires_at is not None and self._clock.now() >= grant.expires_at:
            raise OAuthError("invalid_grant", "refresh_token has expired")
        if self.rotation == ROTATE:
            grant.used = True
            return self.mint(grant.user_id, client.client_id)
        access = self._new_access(grant.user_id, client.client_id, grant.token, None)
        return TokenSet(access.token, grant.token, self.access_ttl, grant.user_id, self.scope)

    def mint(
        self,
        user_id: Any,
        client_id: str | None = None,
        expires_in: int | None = None,
        refresh_expires_in: int | None = None,
    ) -> TokenSet:
        now = self._clock.now()
        refresh_ttl = refresh_expires_in if refresh_expires_in is not None else self.refresh_ttl
        refresh = Grant(
            self._tokens.new("refresh"),
            "refresh",
            user_id,
            client_id,
            None if refresh_ttl is None else now + refresh_ttl,
            scope=self.scope,
        )
        self.grants[refresh.token] = refresh
        access = self._new_access(user_id, client_id, refresh.token, expires_in)
        ttl = self.access_ttl if expires_in is None else expires_in
        return TokenSet(access.token, refresh.token, ttl, user_id, self.scope)

    def _new_access(self, user_id: Any, client_id: str | None, refresh: str, expires_in: int | None) -> Grant:
        ttl = self.access_ttl if expires_in is None else expires_in
        access = Grant(
            self._tokens.new("access"),
            "access",
            user_id,
            client_id,
            self._clock.now() + ttl,
            refresh_token=refresh,
            scope=self.scope,
        )
        self.grants[access.token] = access
        return access

    def access_user(self, token: str | None) -> tuple[Any, str | None]:
        """``(user_id, None)`` for a live access token, else ``(None, reason)`` with reason
        ``missing`` / ``unknown`` / ``expired`` / ``revoked``."""
        if not token:
            return None, "missing"
        grant = self.grants.get(token)
        if grant is None or grant.kind != "access":
            return None, "unknown"
        if grant.revoked:
            return None, "revoked"
        if grant.expires_at is not None and self._clock.now() >= grant.expires_at:
            return None, "expired"
        return grant.user_id, None

    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token; revoking a refresh token kills the access tokens it issued."""
        grant = self.grants.get(token)
        if grant is None:
            return False
        grant.revoked = True
        if grant.kind == "refresh":
            for other in self.grants.values():
                if other.kind == "access" and other.refresh_token == token:
                    other.revoked = True
        return True

    def expire(self, token: str | None = None, every: bool = False) -> list[str]:
        """Make one token (or every access token) expire now."""
        now = self._clock.now()
        changed = []
        for grant in self.grants.values():
            if (every and grant.kind == "access") or grant.token == token:
                grant.expires_at = now - 1
                changed.append(grant.token)
        return changed

    def describe(self) -> JsonDict:
        return {
            "clients": [asdict(c) for c in self.clients.values()],
            "grants": [g.describe() for g in self.grants.values()],
            "rotation": self.rotation,
        }


def token_response(tokens: TokenSet, **extra: Any) -> JsonDict:
    body: JsonDict = {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "refresh_token": tokens.refresh_token,
    }
    body.update(extra)
    return body
