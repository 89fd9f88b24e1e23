"""What every user of a Bullhorn corporation sees alike: the note actions (``commentActionList``) and the
status picklists of leads, candidates and contacts, kept for a day in the deployment's account cache.
"""

from __future__ import annotations

from typing import Any

from appconnect.connector import AccountCache
from appconnect.connector.helpers import in_parallel
from connectors.bullhorn.api import BullhornApi

TTL_S = 24 * 3600
#: App Connect's contact types and the Bullhorn entity each is
ENTITIES = {"Contact": "ClientContact", "Candidate": "Candidate", "Lead": "Lead"}


def _statuses(api: BullhornApi, entity: str) -> list[dict[str, Any]]:
    meta = api.get(f"meta/{entity}", params={"fields": "status"})
    for field in meta.get("fields") or []:
        if isinstance(field, dict) and field.get("name") == "status":
            return [
                {"const": o.get("value"), "title": o.get("label")}
                for o in field.get("options") or []
                if isinstance(o, dict)
            ]
    return []


def fetch(api: BullhornApi) -> dict[str, Any]:
    """The four lists, read at once."""
    actions, leads, candidates, contacts = in_parallel(
        [
            lambda: api.get("settings/commentActionList").get("commentActionList") or [],
            lambda: _statuses(api, "Lead"),
            lambda: _statuses(api, "Candidate"),
            lambda: _statuses(api, "ClientContact"),
        ]
    )
    return {
        "commentActionList": [{"const": a, "title": a} for a in actions if isinstance(a, str)],
        "leadStatuses": leads,
        "candidateStatuses": candidates,
        "contactStatuses": contacts,
    }


def account_data(api: BullhornApi, cache: AccountCache | None) -> dict[str, Any]:
    """The corporation's lists: from the cache, else read (and cached for a day)."""
    key = f"bullhorn-data-{api.corporation}"
    cached = cache.get(key) if cache is not None else None
    if isinstance(cached, dict):
        return cached
    data = fetch(api)
    if cache is not None:
        cache.put(key, data, TTL_S)
    return data
