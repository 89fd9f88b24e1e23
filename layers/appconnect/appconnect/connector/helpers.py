"""Small helpers every connector needs: parallel CRM calls, who an admin assigned a log to, durations and
the shared-SMS content the core composes."""

from __future__ import annotations

import contextvars
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

from appconnect.composer import (
    MessageLogFormat,
    MessageLogText,
    UtcOffset,
    append_message_to_log,
    compose_message_log,
)
from appconnect.connector.types import LoginResult, MessageLogWrite, ReturnMessage
from appconnect.errors import CrmBadRequest, details, return_message

#: threads shared by every invocation of a warm Lambda (Insightly's phone lookup runs 48 searches at once)
MAX_PARALLEL = 48

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                # Module-level: a warm Lambda keeps the threads and their keep-alive connections.
                _executor = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="crm")
    return _executor


def in_parallel(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at the same time; their results in order, or the first failure once all have ended.

    Each call runs in a copy of the caller's context, so the invocation deadline bounds its timeouts.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    futures: list[Future[Any]] = [_pool().submit(contextvars.copy_context().run, call) for call in calls]
    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
    error = next((f.exception() for f in futures if f in done and f.exception() is not None), None)
    if error is not None:
        wait(futures)  # let the others end before the client they share is read
        raise error
    return [future.result() for future in futures]


def assigned_crm_user_id(
    submission: Mapping[str, Any] | None, user_mappings: Iterable[Mapping[str, Any]] | None, platform: str
) -> str | None:
    """The CRM user id an admin assigned a log to (server-side logging), or None.

    First the assignee's App Connect JWT (its user id is ``<crm user id>-<platform>``; the reference read an
    id the users of most CRMs never store), then the admin's mapping of the assignee's RingCentral
    extension (``rcExtensionId`` a string or a list).
    """
    submission = submission or {}
    if not submission.get("isAssignedToUser"):
        return None
    token = submission.get("adminAssignedUserToken")
    if isinstance(token, str) and token:
        from appconnect.session import verify

        session = verify(token)
        suffix = f"-{platform}"
        if session is not None and session.platform == platform and session.user_id.endswith(suffix):
            return session.user_id[: -len(suffix)] or None
    rc_id = submission.get("adminAssignedUserRcId")
    if rc_id in (None, ""):
        return None
    for mapping in user_mappings or []:
        extensions = mapping.get("rcExtensionId")
        ids: Iterable[Any] = extensions if isinstance(extensions, list) else [extensions]
        if str(rc_id) in {str(i) for i in ids if i not in (None, "")}:
            crm_user_id = mapping.get("crmUserId")
            if crm_user_id not in (None, ""):
                return str(crm_user_id)
    return None


def duration_seconds(value: Any) -> float | None:
    """A call duration in seconds (a number or numeric text); None for ``"pending"``, blanks and junk."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number) or number < 0:
        return None
    return number


def shared_sms_parts(content: Any) -> tuple[str, str, Any] | None:
    """``(subject, body, conversation start)`` of the shared-SMS content the core passes
    (``shared_sms_log_content``: a mapping or the composer's tuple), or None unless both texts are set."""
    if content is None:
        return None
    if isinstance(content, Mapping):
        subject, body = content.get("subject"), content.get("body")
        when = content.get("conversationCreatedDate", content.get("conversation_created_date"))
    else:
        subject, body = getattr(content, "subject", None), getattr(content, "body", None)
        when = getattr(content, "conversation_created_date", None)
    if not subject or not body:
        return None
    return str(subject), str(body), when


def correspondent_names(correspondents: Iterable[Any] | None) -> list[str | None]:
    """Names of a group SMS's other correspondents (each a contact, or the contact list cached for a
    number, whose first entry counts)."""
    names: list[str | None] = []
    for entry in correspondents or []:
        first = entry[0] if isinstance(entry, list | tuple) and entry else entry
        name = first.get("name") if isinstance(first, Mapping) else None
        names.append(str(name) if name else None)
    return names


def login_failure(detail: str, message: str = "Could not load user information") -> LoginResult:
    """A failed ``get_user_info``: the reference's warning (ttl 3000) with one detail line."""
    return LoginResult(user=None, message=return_message(message, "warning", 3000, details=details(detail)))


def new_contact_entry(**extra: Any) -> dict[str, Any]:
    """The "Create new contact..." entry the extension shows last in every lookup's list (``extra``: the
    connector's own keys, such as ``additionalInfo``)."""
    return {"id": "createNewContact", "name": "Create new contact...", **extra, "isNewContact": True}


def message_log_text(
    request: MessageLogWrite, *, log_format: MessageLogFormat, user_name: str, utc_offset: UtcOffset
) -> MessageLogText:
    """The new log of ``request``'s message (an SMS conversation-day, a voicemail or a fax), written by
    ``user_name`` and dated in ``utc_offset``."""
    contact = request.contact_info
    return compose_message_log(
        log_format=log_format,
        message=request.message or {},
        contact_name=str(contact.get("name") or ""),
        contact_phone_number=str(contact.get("phoneNumber") or ""),
        user_name=user_name,
        utc_offset=utc_offset,
        recording_link=request.recording_link,
        fax_doc_link=request.fax_doc_link,
        correspondent_names=correspondent_names(request.correspondents),
    )


def with_message_appended(
    existing: str,
    request: MessageLogWrite,
    *,
    log_format: MessageLogFormat,
    user_name: str,
    utc_offset: UtcOffset,
) -> str:
    """``existing`` (a conversation-day's log) with ``request``'s message added."""
    contact = request.contact_info
    return append_message_to_log(
        existing,
        log_format=log_format,
        message=request.message or {},
        contact_name=str(contact.get("name") or ""),
        contact_phone_number=str(contact.get("phoneNumber") or ""),
        user_name=user_name,
        utc_offset=utc_offset,
    )


def assignment_message(
    submission: Mapping[str, Any] | None,
    assignee: object | None,
    done_message: str,
    display_name: str,
    *,
    ttl: int = 2000,
) -> ReturnMessage:
    """The answer to a log written (``done_message``, such as ``"Call logged"``) once the connector has
    tried the admin's assignment (server-side logging): the plain success when none was asked or
    ``assignee`` (the CRM user the record now belongs to) is set; else a warning that the record was
    written but not assigned, owned by the user who logged it. ``display_name`` is the CRM's name."""
    if not (submission or {}).get("isAssignedToUser") or assignee not in (None, ""):
        return return_message(done_message, "success", ttl)
    return return_message(
        f"{done_message}, but not assigned: no {display_name} user is mapped to this RingCentral user",
        "warning",
        5000,
        details=details(
            "It belongs to the user who logged it. An admin can map this RingCentral user to a "
            f"{display_name} user in App Connect's user mapping."
        ),
    )


def numeric_id(value: Any, what: str, crm_record: str, platform: str) -> int:
    """A CRM's integer id from a number or digit text (``what`` names the field, ``crm_record`` the kind of
    record, for the message); anything else is a :class:`CrmBadRequest`, so nothing is written."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if text.isdigit():
        return int(text)
    raise CrmBadRequest(f"{what} {value!r} is not a {crm_record} id", platform=platform)
