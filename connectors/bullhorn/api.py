"""Bullhorn's REST API and its sessions, on the shared CRM client.

Bullhorn hands out two things: an OAuth access token (10 minutes, refreshed by the core like any OAuth
token) and, for that token, a REST session (``POST {loginUrl}/login`` answers a ``BhRestToken`` and the
corporation's ``restUrl``). Every data call is ``{restUrl}{path}`` with the ``BhRestToken`` header. The
session is the user's encrypted ``session`` (``bhRestToken``, ``restUrl``); a call that finds it dead (401)
raises :class:`~appconnect.errors.CrmSessionExpired`, and the core opens a new one once and retries.

Every URL the client or Bullhorn names (``tokenUrl``, ``apiUrl``, ``restUrl``) passes the outbound-URL
policy (``BULLHORN_ALLOWED_HOSTS``) before it is called or stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appconnect.connector import Connector, CrmUser
from appconnect.connector.client import CrmClient, CrmResponse, ensure_allowed
from appconnect.errors import CrmAuthError, CrmBadAnswer, CrmSessionExpired

PLATFORM = "bullhorn"
#: Bullhorn's rate-limit headers (no ``x-`` prefix), published for the core's log
RATE_LIMIT_HEADERS = ("ratelimit-remaining", "ratelimit-limit", "ratelimit-reset")


def allowed(conf: Connector, url: str) -> str:
    """``url`` normalised, if it is on Bullhorn's hosts (``BULLHORN_ALLOWED_HOSTS``)."""
    return ensure_allowed(url, conf.allowed_hosts(), PLATFORM)


def rest_login(conf: Connector, login_url: str, access_token: str) -> dict[str, Any]:
    """A new REST session for ``access_token``: ``{bhRestToken, restUrl}`` (``restUrl`` ends with ``/``)."""
    base = allowed(conf, login_url).rstrip("/")
    response = CrmClient(PLATFORM, rate_limit_headers=RATE_LIMIT_HEADERS).post(
        f"{base}/login", params={"version": "2.0", "access_token": access_token}
    )
    body = response.body if isinstance(response.body, dict) else {}
    token, rest_url = body.get("BhRestToken"), body.get("restUrl")
    if not isinstance(token, str) or not token or not isinstance(rest_url, str) or not rest_url:
        raise CrmBadAnswer("Bullhorn's REST login answered no session", platform=PLATFORM)
    return {"bhRestToken": token, "restUrl": allowed(conf, rest_url).rstrip("/") + "/"}


class BullhornApi:
    """One invocation's REST calls in the user's session."""

    def __init__(self, conf: Connector, user: CrmUser) -> None:
        token, rest_url = user.session.get("bhRestToken"), user.session.get("restUrl")
        if not token or not rest_url:
            raise CrmSessionExpired("no Bullhorn session is stored for this user", platform=PLATFORM)
        self.rest = allowed(conf, str(rest_url)).rstrip("/") + "/"
        # calls are paced per REST session, the credential Bullhorn counts them under
        self.client = CrmClient(
            PLATFORM, rate_limit_headers=RATE_LIMIT_HEADERS, credential_header="BhRestToken"
        )
        self._headers = {"BhRestToken": str(token), "Accept": "application/json"}

    @property
    def corporation(self) -> str:
        """What tells one Bullhorn corporation from another: its REST URL (``.../rest-services/<corp>/``)."""
        return self.rest

    def _call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            response: CrmResponse = self.client.request(
                method, f"{self.rest}{path}", headers=self._headers, **options
            )
        except CrmAuthError as error:
            if error.status == 401:
                # "Bad 'BhRestToken' or timed-out": the session, not the grant
                raise CrmSessionExpired(str(error), status=401, platform=PLATFORM) from error
            raise
        if isinstance(response.body, dict):
            return response.body
        raise CrmBadAnswer(f"Bullhorn answered {path.split('?')[0]} with something else", platform=PLATFORM)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params=params)

    def search(self, entity: str, query: str, fields: str, count: int = 20) -> list[dict[str, Any]]:
        """``POST search/{entity}`` (Lucene) with the query in the body: the matching records."""
        body = self._call(
            "POST", f"search/{entity}", params={"fields": fields, "count": count}, json_body={"query": query}
        )
        return [r for r in body.get("data") or [] if isinstance(r, dict)]

    def create(self, entity: str, record: Mapping[str, Any]) -> Any:
        """``PUT entity/{entity}``: the new record's id."""
        created = self._call("PUT", f"entity/{entity}", json_body=dict(record))
        if created.get("changedEntityId") is None:
            raise CrmBadAnswer(f"Bullhorn created no {entity}", platform=PLATFORM)
        return created["changedEntityId"]

    def update(self, entity: str, record_id: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``POST entity/{entity}/{id}``: set these fields (the same values twice leave it as once)."""
        return self._call("POST", f"entity/{entity}/{record_id}", json_body=dict(changes), retry=True)

    def record(self, entity: str, record_id: Any, fields: str) -> dict[str, Any]:
        data = self.get(f"entity/{entity}/{record_id}", params={"fields": fields}).get("data")
        return data if isinstance(data, dict) else {}


def lucene_phrase(value: str) -> str:
    """``value`` as a quoted Lucene phrase."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def jpql_string(value: str) -> str:
    """``value`` as a JPQL string literal (a quote in a username must not end it)."""
    return "'" + value.replace("'", "''") + "'"
