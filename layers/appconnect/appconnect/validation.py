"""Shape checks of what the extension sends, so a malformed field is a 400 naming it, never a 500.

Mostly types are checked (values stay the connectors' and composers' business): a field may be absent or
null, but when present it must have the type the extension sends. A few values are checked too, where no
CRM can take them (some crashed connectors): a call's time that cannot be read as a time, a duration no
call can have, a new contact's number that is no phone number, a name of more than 1,000 characters, and a
setting that is not a setting object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appconnect.errors import BadRequest

#: ten years: longer than any call, and short enough for every date calculation a connector makes
MAX_DURATION_S = 10 * 365 * 86_400
#: a name or subject longer than this is not one (CRMs cut or refuse far shorter ones)
MAX_NAME_LENGTH = 1_000
#: a number as people write one: digits with ``+``, spaces, dashes, dots, brackets, ``*`` or ``#``
_PHONE = re.compile(r"[+\d\s().*#-]{1,40}")

TEXT: tuple[type, ...] = (str,)
NUMBER_OR_TEXT: tuple[type, ...] = (str, int, float)
OBJECT: tuple[type, ...] = (dict,)
LIST: tuple[type, ...] = (list,)

_DESCRIPTIONS: dict[tuple[type, ...], str] = {
    TEXT: "text",
    NUMBER_OR_TEXT: "a number or text",
    OBJECT: "an object",
    LIST: "a list",
}


def check(container: Mapping[str, Any], fields: Mapping[str, tuple[type, ...]], where: str = "") -> None:
    """A 400 naming the first field of ``container`` whose value has none of its allowed types."""
    for name, types in fields.items():
        value = container.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            raise BadRequest(f"{where}{name} must be {_DESCRIPTIONS.get(types, 'valid')}.")


PARTY = {"phoneNumber": TEXT, "name": TEXT, "extensionNumber": TEXT}

CALL_LOG_INFO = {
    "id": NUMBER_OR_TEXT,
    "sessionId": NUMBER_OR_TEXT,
    "telephonySessionId": NUMBER_OR_TEXT,
    "direction": TEXT,
    "from": OBJECT,
    "to": OBJECT,
    "startTime": NUMBER_OR_TEXT,
    "duration": NUMBER_OR_TEXT,
    "result": TEXT,
    "recording": OBJECT,
    "voicemail": OBJECT,
    "legs": LIST,
    "customSubject": TEXT,
    "accountId": NUMBER_OR_TEXT,
    "extensionNumber": NUMBER_OR_TEXT,
    "hashedExtensionId": TEXT,
}
CALL_LOG_BODY = {
    "note": TEXT,
    "aiNote": TEXT,
    "transcript": TEXT,
    "voicemailLink": TEXT,
    "contactName": TEXT,
    "contactType": TEXT,
    "contactId": NUMBER_OR_TEXT,
    "ringSenseTranscript": TEXT,
    "ringSenseSummary": TEXT,
    "ringSenseAIScore": NUMBER_OR_TEXT,
    "ringSenseBulletedSummary": TEXT,
    "ringSenseLink": TEXT,
}
CALL_LOG_UPDATE = {
    **CALL_LOG_BODY,
    "sessionId": NUMBER_OR_TEXT,
    "subject": TEXT,
    "startTime": NUMBER_OR_TEXT,
    "duration": NUMBER_OR_TEXT,
    "result": TEXT,
    "direction": TEXT,
    "from": OBJECT,
    "to": OBJECT,
    "legs": LIST,
    "recordingLink": TEXT,
    "recordingDownloadLink": TEXT,
}
MESSAGE = {
    "id": NUMBER_OR_TEXT,
    "type": TEXT,
    "direction": TEXT,
    "subject": TEXT,
    "from": OBJECT,
    "to": LIST,
    "creationTime": NUMBER_OR_TEXT,
    "lastModifiedTime": NUMBER_OR_TEXT,
    "attachments": LIST,
}


def _duration(value: Any, name: str) -> None:
    """A duration that is a number (or numeric text) must be one a call can have; ``"pending"`` stays."""
    if value is None or isinstance(value, bool):
        return
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return
    if seconds != seconds or abs(seconds) > MAX_DURATION_S:  # NaN, infinities and absurd lengths
        raise BadRequest(f"{name} must be a number of seconds, at most {MAX_DURATION_S}.")


def _time(value: Any, name: str) -> None:
    """A call's time, when given, must be readable: epoch milliseconds or ISO 8601 (or RFC 2822) text."""
    if value is None or value == "":
        return
    from appconnect.composer.formatting import parse_instant

    if parse_instant(value) is None:
        raise BadRequest(
            f"{name} must be a time: epoch milliseconds or ISO 8601 text such as 2026-07-14T10:00:00Z."
        )


def phone_number(value: str, name: str = "phoneNumber") -> None:
    """A number a CRM can store: ``+``, digits and the usual separators, at least one digit."""
    if not _PHONE.fullmatch(value) or not any(character.isdigit() for character in value):
        raise BadRequest(f"{name} must be a phone number such as +14155550142.")


def names(container: Mapping[str, Any], fields: tuple[str, ...], where: str = "") -> None:
    """Names and subjects of at most :data:`MAX_NAME_LENGTH` characters."""
    for field in fields:
        value = container.get(field)
        if isinstance(value, str) and len(value) > MAX_NAME_LENGTH:
            raise BadRequest(f"{where}{field} must be at most {MAX_NAME_LENGTH} characters.")


def call_log_request(body: Mapping[str, Any], log_info: Mapping[str, Any]) -> None:
    check(body, CALL_LOG_BODY)
    check(log_info, CALL_LOG_INFO, "logInfo.")
    names(body, ("contactName",))
    names(log_info, ("customSubject",), "logInfo.")
    _duration(log_info.get("duration"), "logInfo.duration")
    _time(log_info.get("startTime"), "logInfo.startTime")
    for side in ("from", "to"):
        party = log_info.get(side)
        if isinstance(party, Mapping):
            check(party, PARTY, f"logInfo.{side}.")


def call_log_update(body: Mapping[str, Any]) -> None:
    check(body, CALL_LOG_UPDATE)
    names(body, ("contactName", "subject"))
    _duration(body.get("duration"), "duration")
    _time(body.get("startTime"), "startTime")
    for side in ("from", "to"):
        party = body.get(side)
        if isinstance(party, Mapping):
            check(party, PARTY, f"{side}.")


def messages(items: list[Any]) -> None:
    for index, message in enumerate(items):
        if not isinstance(message, Mapping):
            raise BadRequest(f"logInfo.messages[{index}] must be an object.")
        check(message, MESSAGE, f"logInfo.messages[{index}].")
        if message.get("id") in (None, ""):
            # the id is what keeps a message from being logged twice: without it nothing can be claimed
            raise BadRequest(f"logInfo.messages[{index}].id is required.")
        sender = message.get("from")
        if isinstance(sender, Mapping):
            check(sender, PARTY, f"logInfo.messages[{index}].from.")


#: the typed fields of a setting entry (``{value, customizable, options ...}``); ``value`` may be anything
SETTING_FIELDS: dict[str, tuple[type, str]] = {
    "options": (list, "a list"),
    "customizable": (bool, "true or false"),
    "isCustomizable": (bool, "true or false"),
    "isRemoved": (bool, "true or false"),
}


def user_settings(changes: Mapping[str, Any]) -> None:
    """Each entry of a ``userSettings`` update is a setting object, its typed fields of their type: every
    reader (the extension, the admin merge) takes a setting as ``{value, ...}``."""
    for key, entry in changes.items():
        if not isinstance(entry, Mapping):
            raise BadRequest(f'userSettings.{key} must be an object such as {{"value": ...}}.')
        for field, (kind, description) in SETTING_FIELDS.items():
            if field in entry and not isinstance(entry[field], kind):
                raise BadRequest(f"userSettings.{key}.{field} must be {description}.")
