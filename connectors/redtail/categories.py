"""Redtail's activity categories: what a call or message log is filed under.

The user picks one per log (``additionalSubmission.category``), from the choices each contact carries,
with the ``defaultCategory`` setting as the default. Deleted categories are never offered. Every time
the categories are read, the setting's choices are refreshed (the manifest marks it ``dynamicOptions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appconnect.connector import CrmUser
from connectors.redtail.api import RedtailApi

SETTING = "defaultCategory"
#: the reference's default category when the user chose none
DEFAULT_CATEGORY = 2


def active_categories(api: RedtailApi, user: CrmUser) -> list[dict[str, Any]]:
    """The categories not deleted, in Redtail's order; offered to the user's ``defaultCategory`` setting."""
    listed = api.get("/lists/categories").get("categories") or []
    active = [c for c in listed if isinstance(c, dict) and c.get("id") is not None and not c.get("deleted")]
    user.offer_options(SETTING, [{"id": c["id"], "name": c.get("name")} for c in active], DEFAULT_CATEGORY)
    return active


def category_choices(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The choices a contact carries for the log form's category field."""
    return [{"const": c["id"], "title": c.get("name")} for c in categories]


def chosen_category(submission: Mapping[str, Any], user: CrmUser) -> Any:
    """The category the user chose for this log, else their default, else the reference's default."""
    chosen = submission.get("category")
    if chosen not in (None, ""):
        return chosen
    default = user.setting_value(SETTING)
    return default if default not in (None, "") else DEFAULT_CATEGORY
