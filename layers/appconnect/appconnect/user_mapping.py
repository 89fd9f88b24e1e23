"""Which RingCentral extension is which CRM user: the admin's mappings, and the automatic matching that
proposes them.

A mapping is ``{crmUserId, rcExtensionId: [ids]}`` (a legacy single id is read as a list). Matching pairs
a CRM user with the first extension of the same email, else of the same name; a missing email or name
matches nothing (the reference matched two blanks). An extension is mapped to one CRM user at most.
Mappings the matching made carry ``auto: true``; the others are the admin's own, which a
re-initialisation keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def extension_ids(mapping: Mapping[str, Any]) -> list[str]:
    value = mapping.get("rcExtensionId")
    values: Iterable[Any] = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "")]


def normalised(mappings: Iterable[Any], *, keep_auto: bool = True) -> list[dict[str, Any]]:
    """Mappings as stored: ``crmUserId``, a list of string ``rcExtensionId`` (a legacy single id converted)
    and ``auto`` for those the matching made; nothing else. ``keep_auto=False``: an admin's save, whose
    mappings are all the admin's own."""
    result = []
    for mapping in mappings:
        if isinstance(mapping, Mapping) and mapping.get("crmUserId") not in (None, ""):
            entry: dict[str, Any] = {
                "crmUserId": str(mapping["crmUserId"]),
                "rcExtensionId": extension_ids(mapping),
            }
            if keep_auto and mapping.get("auto") is True:
                entry["auto"] = True
            result.append(entry)
    return result


def _name(extension: Mapping[str, Any]) -> str:
    name = str(extension.get("name") or "").strip()
    if name:
        return name
    return f"{extension.get('firstName') or ''} {extension.get('lastName') or ''}".strip()


def _same(a: Any, b: Any) -> bool:
    left, right = str(a or "").strip().lower(), str(b or "").strip().lower()
    return bool(left) and left == right


def match(
    crm_user: Mapping[str, Any], extensions: Sequence[Mapping[str, Any]], taken: set[str]
) -> Mapping[str, Any] | None:
    """The extension this CRM user is, by email first, then by name; never one already mapped."""
    free = [e for e in extensions if e.get("id") not in (None, "") and str(e.get("id")) not in taken]
    for same in (
        lambda e: _same(e.get("email"), crm_user.get("email")),
        lambda e: _same(_name(e), crm_user.get("name")),
    ):
        found = next((e for e in free if same(e)), None)
        if found is not None:
            return found
    return None


def resolve(
    crm_users: Sequence[Mapping[str, Any]],
    extensions: Sequence[Mapping[str, Any]],
    stored: Sequence[Mapping[str, Any]],
    *,
    rematch: bool,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(items for the admin page, mappings to store)``. ``rematch``: drop the automatic mappings and match
    again (re-initialisation); the admin's own mappings are kept either way."""
    kept = [m for m in normalised(stored) if not (rematch and m.get("auto"))]
    by_crm_user = {m["crmUserId"]: m for m in kept}
    taken = {ext for m in kept for ext in m["rcExtensionId"]}
    by_id = {str(e.get("id")): e for e in extensions if e.get("id") not in (None, "")}
    items = []
    for crm_user in crm_users:
        crm_id = str(crm_user.get("id"))
        mapping = by_crm_user.get(crm_id)
        if mapping is None:
            found = match(crm_user, extensions, taken)
            if found is not None:
                mapping = {"crmUserId": crm_id, "rcExtensionId": [str(found.get("id"))], "auto": True}
                kept.append(mapping)
                by_crm_user[crm_id] = mapping
                taken.add(str(found.get("id")))
        linked = [by_id[i] for i in (mapping or {}).get("rcExtensionId", []) if i in by_id]
        items.append(
            {
                "crmUser": {
                    "id": crm_user.get("id"),
                    "name": crm_user.get("name") or "",
                    "email": crm_user.get("email") or "",
                },
                "rcUser": [
                    {
                        "extensionId": e.get("id"),
                        "name": _name(e),
                        "extensionNumber": e.get("extensionNumber") or "",
                        "email": e.get("email") or "",
                    }
                    for e in linked
                ],
            }
        )
    return items, kept


def validated(mappings: Any) -> list[dict[str, Any]]:
    """Mappings an admin saves: a list of ``{crmUserId, rcExtensionId}``, no extension mapped twice.
    Raises ``ValueError`` with what is wrong."""
    if not isinstance(mappings, list):
        raise ValueError("userMappings must be a list of {crmUserId, rcExtensionId}.")
    result = normalised(mappings, keep_auto=False)
    if len(result) != len(mappings):
        raise ValueError("Every user mapping needs a crmUserId.")
    seen: dict[str, str] = {}
    for mapping in result:
        for extension in mapping["rcExtensionId"]:
            other = seen.setdefault(extension, mapping["crmUserId"])
            if other != mapping["crmUserId"]:
                raise ValueError(
                    f"RingCentral extension {extension} is mapped to two CRM users ({other} and "
                    f"{mapping['crmUserId']}); map it to one."
                )
    return result
