"""Call logs, effectively once and scoped to their owner.

Every record is keyed by (owner user id, call session id): another user's JWT finds nothing, and a
retry or a concurrent duplicate of ``POST /callLog`` gets the first request's ``logId`` instead of a
second CRM activity (see :mod:`appconnect.claims`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from appconnect import admin_configs, hashing, validation
from appconnect.account_cache import DynamoAccountCache
from appconnect.connector import LogId, LogRef
from appconnect.context import authenticate, connector_for, load_user
from appconnect.errors import (
    BadRequest,
    UserMissing,
    return_message,
)
from appconnect.http import Request
from appconnect.models import CacheModel, CallLogModel
from appconnect.observability import MetricUnit, metrics
from appconnect.operations import NOTHING_CALLED, object_field, with_last_message
from appconnect.settings import get_settings

MAX_SESSION_IDS = 5
NOTE_CACHE_TTL = timedelta(hours=1)
_COMPOSED_FORMATS = ("text/html", "text/plain", "text/markdown")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _session_ids(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [part.strip() for part in raw.split(",") if part.strip()][:MAX_SESSION_IDS]


@dataclass(frozen=True)
class ExtensionIdentity:
    """Which extension a call log belongs to (the reference's identity): the extension number and the hashed
    extension id, each ``""`` when the request did not say."""

    extension_number: str = ""
    hashed_extension_id: str = ""

    @classmethod
    def of(cls, *sources: Mapping[str, Any], hash_rc_extension_id: bool = True) -> ExtensionIdentity:
        """From the first source that names each value (``body`` before ``body.logInfo``). Server-side logging
        sends the raw ``rcExtensionId``, hashed here as the extension hashes its own id."""
        number = next((s["extensionNumber"] for s in sources if s.get("extensionNumber") is not None), None)
        hashed = next((s["hashedExtensionId"] for s in sources if s.get("hashedExtensionId")), None)
        if not hashed and hash_rc_extension_id:
            raw = next((s["rcExtensionId"] for s in sources if s.get("rcExtensionId")), None)
            hashed = hashing.hash_id(raw) if raw else None
        return cls(_text(number), _text(hashed))

    def log_key(self, session_id: str) -> str:
        """The record key: one per call session and extension."""
        if self.hashed_extension_id:
            return f"{session_id}#h:{self.hashed_extension_id}"
        if self.extension_number:
            return f"{session_id}#e:{self.extension_number}"
        return f"{session_id}#"

    def best_match(self, records: list[CallLogModel]) -> CallLogModel | None:
        """The caller's record among a session's records, as the reference picks it: the same hashed
        extension id; else a record without one for the same extension number; else one that names no
        extension at all. Without a hashed id: the same extension number (any record when none is given)."""
        ordered = sorted(records, key=lambda r: (r.hashed_extension_id or "", r.extension_number or ""))
        legacy = [r for r in ordered if not r.hashed_extension_id]
        if self.hashed_extension_id:
            candidates = [r for r in ordered if r.hashed_extension_id == self.hashed_extension_id]
            if self.extension_number:
                candidates += [r for r in legacy if r.extension_number == self.extension_number]
            candidates += [r for r in legacy if not r.extension_number]
        elif self.extension_number:
            candidates = [r for r in ordered if r.extension_number == self.extension_number]
        else:
            candidates = ordered
        return candidates[0] if candidates else None


def _logged_records(user_id: str, session_id: str) -> list[CallLogModel]:
    """The owner's logged records of one call session (one per extension that logged it)."""
    return [
        record
        for record in CallLogModel.query(
            user_id, CallLogModel.log_key.startswith(f"{session_id}#"), consistent_read=True
        )
        if record.session_id == session_id and record.status == "logged" and record.log_id
    ]


def _records(user_id: str, session_ids: list[str], identity: ExtensionIdentity) -> dict[str, CallLogModel]:
    found = {}
    for session_id in dict.fromkeys(session_ids):
        record = _owned_record(user_id, session_id, identity)
        if record is not None:
            found[session_id] = record
    return found


def get_call_log(request: Request) -> dict[str, Any]:
    """GET /callLog?sessionIds=: which of these calls the caller logged, and optionally the CRM's copy."""
    loaded = load_user(request)
    model = loaded[1]
    session_ids = _session_ids(request.param("sessionIds"))
    if not session_ids:
        return {"successful": False}
    identity = ExtensionIdentity.of(request.query, hash_rc_extension_id=False)
    found = _records(model.id, session_ids, identity)
    logs: list[dict[str, Any]] = []
    if request.param("requireDetails") != "true":
        for session_id in session_ids:
            record = found.get(session_id)
            logs.append(
                {"sessionId": session_id, "matched": True, "logId": record.log_id}
                if record
                else {"sessionId": session_id, "matched": False}
            )
        return {"successful": True, "logs": logs, "returnMessage": None}
    context = authenticate(request, loaded)
    last_message: Any = NOTHING_CALLED
    for session_id in session_ids:
        record = found.get(session_id)
        if record is None or session_id == "0":
            logs.append({"sessionId": session_id, "matched": False})
            continue
        result = context.call(context.connector.get_call_log, request=_ref(record))
        last_message = result.message
        logs.append(
            {
                "sessionId": session_id,
                "matched": True,
                "logId": record.log_id,
                "logData": result.call_log_info(),
            }
        )
    return with_last_message({"successful": True, "logs": logs}, last_message)


def _cached_note(user_id: str, session_id: str) -> str | None:
    try:
        entry = CacheModel.get(f"note#{user_id}#{session_id}")
    except CacheModel.DoesNotExist:
        return None
    if entry.ttl is not None and entry.ttl < datetime.now(UTC):
        return None
    note = (entry.data or {}).get("note")
    return note if isinstance(note, str) else None


def create_call_log(request: Request) -> dict[str, Any]:
    """POST /callLog: log the call once, whatever retries or duplicates arrive."""
    # imported here, not with the module: of the five functions this module serves, only this one claims
    from appconnect import claims

    body = request.json_body()
    log_info = body.get("logInfo")
    if not isinstance(log_info, dict) or not _text(log_info.get("sessionId")):
        raise BadRequest("logInfo with a sessionId is required.")
    validation.call_log_request(body, log_info)
    session_id = _text(log_info["sessionId"])
    additional_submission = object_field(body, "additionalSubmission")
    loaded = load_user(request)
    session, model = loaded
    direction = log_info.get("direction")
    party = log_info.get("from") if direction == "Inbound" else log_info.get("to")
    contact_number = _text((party or {}).get("phoneNumber")) if isinstance(party, dict) else ""
    contact_id = body.get("contactId")
    if not contact_id or contact_id in (0, "0"):
        return {
            "successful": False,
            "returnMessage": return_message(f"Contact not found for number {contact_number}", ttl=5000),
        }
    contact_info = {
        "id": contact_id,
        "phoneNumber": contact_number,
        "type": body.get("contactType") or "",
        "name": body.get("contactName") or "",
    }

    # everything that can refuse the request runs before the claim, so a refusal leaves nothing behind
    connector = connector_for(session)
    note = body.get("note")
    if not note and get_settings().use_cache and request.headers.get("user-agent") == "SSCL":
        note = _cached_note(model.id, session_id)
    composed = ""
    log_format = connector.get_log_format_type()
    if log_format in _COMPOSED_FORMATS:
        from appconnect.composer import CallLogInputs, LogFormat, compose_call_log  # loaded by the connector

        composed = compose_call_log(
            CallLogInputs.from_create_request({**body, "note": note}),
            log_format=cast(LogFormat, log_format),
            user_settings=dict(model.user_settings or {}),
            timezone_offset=connector.log_utc_offset(
                stored_offset=model.timezone_offset or "", user_settings=dict(model.user_settings or {})
            ),
        )

    identity = ExtensionIdentity.of(body, log_info)
    claim = claims.claim(
        CallLogModel,
        model.id,
        identity.log_key(session_id),
        session_id=session_id,
        platform=session.platform,
        contact_id=_text(contact_id),
        telephony_session_id=_text(log_info.get("telephonySessionId") or log_info.get("id")) or None,
        extension_number=identity.extension_number or None,
        hashed_extension_id=identity.hashed_extension_id or None,
    )
    if claim.outcome is claims.Outcome.LOGGED:
        metrics.add_metric(name="DuplicatesPrevented", unit=MetricUnit.Count, value=1)
        return {
            "successful": True,
            "logId": _answered_log_id(claim.record),
            "returnMessage": return_message("Call log already exists", "success", 2000),
        }
    if claim.outcome is claims.Outcome.BUSY:
        return {
            "successful": False,
            "returnMessage": return_message(
                "This call is being logged by another request. Please check again in a moment.", ttl=3000
            ),
        }

    from appconnect.connector import CallLogWrite  # the call-log types: loaded with the connector already

    with claims.preparing(claim):
        context = authenticate(request, loaded)
        # the account RingCentral vouched for at login, never the rc-account-id header or the body's
        hashed_account = context.model.hashed_rc_account_id
        company_settings, company_mappings = admin_configs.for_logging(hashed_account)
        write = CallLogWrite(
            contact_info=contact_info,
            call_log=log_info,
            note=note,
            additional_submission=additional_submission,
            hashed_account_id=hashed_account,
            admin_settings=company_settings,
            user_mappings=company_mappings,
            ai_note=body.get("aiNote"),
            transcript=body.get("transcript"),
            voicemail_link=body.get("voicemailLink") or (log_info.get("voicemail") or {}).get("link"),
            cache=DynamoAccountCache(connector.platform),
            composed_log_details=composed,
        )

    def recover(since: float) -> LogId | None:
        return context.call(connector.find_call_log, request=write, since=since)

    done = claims.run(
        claim,
        write=lambda: context.call(connector.create_call_log, request=write),
        recover=recover if type(connector).implements("findCallLog") else None,
    )
    if done.recovered:
        return {
            "successful": True,
            "logId": done.log_id,
            "returnMessage": return_message("Call logged", "success", 2000),
        }
    message = done.result.message if done.result else None
    if not done.log_id:
        return {"successful": False, "returnMessage": message}
    # the CRM's id as the connector gave it: a number stays a number (the extension compares it)
    return {"successful": True, "logId": done.log_id, "returnMessage": message}


def _answered_log_id(record: CallLogModel) -> Any:
    """The stored CRM id in the type the CRM gave it."""
    if record.log_id_is_number and record.log_id and record.log_id.lstrip("-").isdigit():
        return int(record.log_id)
    return record.log_id


def _ref(record: CallLogModel) -> LogRef:
    return LogRef(log_id=record.log_id or "", contact_id=record.contact_id)


def _owned_record(user_id: str, session_id: str, identity: ExtensionIdentity) -> CallLogModel | None:
    return identity.best_match(_logged_records(user_id, session_id))


def update_call_log(request: Request) -> dict[str, Any]:
    """PATCH /callLog: update the caller's own log in place (note, subject, duration, recording ...)."""
    body = request.json_body()
    session_id = _text(body.get("sessionId"))
    if not session_id:
        raise BadRequest("sessionId is required.")
    validation.call_log_update(body)
    additional_submission = object_field(body, "additionalSubmission")
    loaded = load_user(request)
    record = _owned_record(loaded[1].id, session_id, ExtensionIdentity.of(body))
    if record is None:
        return {"successful": False}
    context = authenticate(request, loaded)
    connector = context.connector
    hashed_account = context.model.hashed_rc_account_id  # vouched for at login, never the header
    company_settings, company_mappings = admin_configs.for_logging(hashed_account)
    composed = ""
    log_format = connector.get_log_format_type()
    if log_format in _COMPOSED_FORMATS:
        from appconnect.composer import CallLogInputs, LogFormat, compose_call_log  # loaded by the connector

        # as the reference: the fields are written over an empty body when the current one cannot be read,
        # unless the log or the session is gone
        current = context.read_or_none(
            connector.get_call_log,
            unless=lambda error: error.status in (401, 403, 404),
            request=_ref(record),
        )
        existing_body = (current.full_body or current.note or "") if current else ""
        inputs = CallLogInputs.from_update_request(body, session_id=session_id)
        composed = compose_call_log(
            inputs,
            log_format=cast(LogFormat, log_format),
            user_settings=context.user.user_settings,
            timezone_offset=connector.log_utc_offset(
                stored_offset=context.user.timezone_offset, user_settings=context.user.user_settings
            ),
            existing_body=existing_body,
        )
    from appconnect.connector import CallLogUpdate  # the call-log types: loaded with the connector already

    update = CallLogUpdate(
        log_id=record.log_id,
        contact_id=record.contact_id,
        subject=body.get("subject"),
        note=body.get("note"),
        start_time=body.get("startTime"),
        duration=body.get("duration"),
        result=body.get("result"),
        recording_link=body.get("recordingLink"),
        additional_submission=additional_submission,
        composed_log_details=composed,
        admin_settings=company_settings,
        user_mappings=company_mappings,
    )
    result = context.call(connector.update_call_log, request=update)
    return {
        "successful": True,
        "logId": record.log_id,
        "updatedNote": result.updated_note,
        "returnMessage": result.message,
    }


def upsert_call_disposition(request: Request) -> dict[str, Any]:
    """PUT /callDisposition: set the deal/lead/... of the caller's own log."""
    body = request.json_body()
    session_id = _text(body.get("sessionId"))
    if not session_id:
        raise BadRequest("sessionId is required.")
    dispositions = object_field(body, "dispositions")
    # the log first, then the user, as the reference answers them; but a JWT a logout ended is refused
    # before anything of its user is read
    session = request.require_session()
    loaded = None
    with contextlib.suppress(UserMissing):
        loaded = load_user(request)
    record = _owned_record(
        session.user_id, session_id, ExtensionIdentity.of(body, hash_rc_extension_id=False)
    )
    if record is None:
        return {"successful": False, "returnMessage": return_message("Cannot find log", ttl=3000)}
    context = authenticate(request, loaded)
    from appconnect.connector import DispositionUpdate  # call-log types: loaded with the connector already

    result = context.call(
        context.connector.upsert_call_disposition,
        request=DispositionUpdate(log_id=record.log_id, dispositions=dispositions),
    )
    answer: dict[str, Any] = {"successful": bool(result.log_id)}
    if result.message is not None:
        answer["returnMessage"] = result.message
    return answer


def cache_call_note(request: Request) -> dict[str, Any]:
    """POST /callLog/cacheNote: keep the agent's note for server-side logging (owner-scoped, 1 hour)."""
    body = request.json_body()
    session_id, note = _text(body.get("sessionId")), body.get("note")
    if not session_id or not isinstance(note, str):
        raise BadRequest("sessionId and note are required.")
    session = request.require_session()
    with contextlib.suppress(UserMissing):  # the reference does not look the user up; a logout still counts
        load_user(request)
    owner = session.user_id
    CacheModel(
        f"note#{owner}#{session_id}", kind="note", owner=owner, data={"note": note}, ttl=NOTE_CACHE_TTL
    ).save()
    return {"successful": True, "returnMessage": "Note cache saved"}
