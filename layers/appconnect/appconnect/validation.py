"""Shape checks of what the extension sends, so a malformed field is a 400 naming it, never a 500.

Only types are checked (values stay the connectors' and composers' business): a field may be absent or
null, but when present it must have the type the extension sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appconnect.errors import BadRequest

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


def call_log_request(body: Mapping[str, Any], log_info: Mapping[str, Any]) -> None:
    check(body, CALL_LOG_BODY)
    check(log_info, CALL_LOG_INFO, "logInfo.")
    for side in ("from", "to"):
        party = log_info.get(side)
        if isinstance(party, Mapping):
            check(party, PARTY, f"logInfo.{side}.")


def call_log_update(body: Mapping[str, Any]) -> None:
    check(body, CALL_LOG_UPDATE)
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
