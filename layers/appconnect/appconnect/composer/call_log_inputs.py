"""What a call-log body is composed from: :class:`CallLogInputs`, read from a create or update request.

The reference takes each item's value from a different place in ``POST /callLog`` and ``PATCH /callLog``
bodies; the two constructors here take them from the same places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from appconnect.composer.formatting import DateInput, js_str

__all__ = ["CallLogInputs", "Party"]

Party = Mapping[str, Any]
"""A call party as RingCentral reports it: ``{phoneNumber?, extensionNumber?, name?}``."""


class CallLogInputs(NamedTuple):
    """What a call-log body is composed from; every field is optional (``None``: not given).

    Build one from a request with :meth:`from_create_request` / :meth:`from_update_request`, or directly.
    """

    session_id: str | None = None
    direction: str | None = None
    from_party: Party | None = None
    to_party: Party | None = None
    legs: Sequence[Mapping[str, Any]] | None = None
    contact_phone_number: str | None = None
    note: str | None = None
    subject: str | None = None
    start_time: DateInput = None
    duration: int | float | str | None = None
    result: str | None = None
    recording_link: str | None = None
    voicemail_link: str | None = None
    ai_note: str | None = None
    transcript: str | None = None
    ring_sense_transcript: str | None = None
    ring_sense_summary: str | None = None
    ring_sense_ai_score: str | int | float | None = None
    ring_sense_bulleted_summary: str | None = None
    ring_sense_link: str | None = None

    @classmethod
    def from_create_request(cls, body: Mapping[str, Any]) -> CallLogInputs:
        """Inputs of ``POST /callLog`` as the reference takes them from the request body.

        The subject is ``logInfo.customSubject``; the contact number is ``logInfo.from`` for an inbound
        call and ``logInfo.to`` otherwise; the recording is ``logInfo.recording.link``; the voicemail is
        ``voicemailLink`` or ``logInfo.voicemail.link``.
        """
        log_info = _mapping(body.get("logInfo"))
        direction = _opt_str(log_info.get("direction"))
        from_party = _opt_mapping(log_info.get("from"))
        to_party = _opt_mapping(log_info.get("to"))
        contact_party = from_party if direction == "Inbound" else to_party
        voicemail_link = body.get("voicemailLink")
        if voicemail_link is None:
            voicemail_link = _mapping(log_info.get("voicemail")).get("link")
        return cls(
            session_id=_opt_str(log_info.get("sessionId")),
            direction=direction,
            from_party=from_party,
            to_party=to_party,
            legs=_opt_legs(log_info.get("legs")),
            contact_phone_number=_opt_str((contact_party or {}).get("phoneNumber")),
            note=_opt_str(body.get("note")),
            subject=_opt_str(log_info.get("customSubject")),
            start_time=log_info.get("startTime"),
            duration=log_info.get("duration"),
            result=_opt_str(log_info.get("result")),
            recording_link=_opt_str(_mapping(log_info.get("recording")).get("link")),
            voicemail_link=_opt_str(voicemail_link),
            ai_note=_opt_str(body.get("aiNote")),
            transcript=_opt_str(body.get("transcript")),
            **_ring_sense(body),
        )

    @classmethod
    def from_update_request(cls, body: Mapping[str, Any], *, session_id: str | None) -> CallLogInputs:
        """Inputs of ``PATCH /callLog``: the stored log's session id plus the fields of the request body.

        There is no contact number on update (the reference adds it on create only).
        """
        legs = _opt_legs(body.get("legs"))
        return cls(
            session_id=session_id,
            direction=_opt_str(body.get("direction")),
            from_party=_opt_mapping(body.get("from")),
            to_party=_opt_mapping(body.get("to")),
            legs=legs if legs is not None else [],
            note=_opt_str(body.get("note")),
            subject=_opt_str(body.get("subject")),
            start_time=body.get("startTime"),
            duration=body.get("duration"),
            result=_opt_str(body.get("result")),
            recording_link=_opt_str(body.get("recordingLink")),
            voicemail_link=_opt_str(body.get("voicemailLink")),
            ai_note=_opt_str(body.get("aiNote")),
            transcript=_opt_str(body.get("transcript")),
            **_ring_sense(body),
        )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _opt_mapping(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else js_str(value)


def _opt_legs(value: object) -> list[Mapping[str, Any]] | None:
    if not isinstance(value, list):
        return None
    return [leg for leg in value if isinstance(leg, Mapping)]


def _ring_sense(body: Mapping[str, Any]) -> dict[str, Any]:
    score = body.get("ringSenseAIScore")
    return {
        "ring_sense_transcript": _opt_str(body.get("ringSenseTranscript")),
        "ring_sense_summary": _opt_str(body.get("ringSenseSummary")),
        "ring_sense_ai_score": score if isinstance(score, str | int | float) else None,
        "ring_sense_bulleted_summary": _opt_str(body.get("ringSenseBulletedSummary")),
        "ring_sense_link": _opt_str(body.get("ringSenseLink")),
    }
