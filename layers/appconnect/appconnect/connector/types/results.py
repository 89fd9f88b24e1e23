"""Results shared by several interfaces: a record written, a record updated, a status, and the reference to a
logged record the call-log operations hand back (see :mod:`appconnect.connector.types`)."""

from __future__ import annotations

from dataclasses import dataclass

from appconnect.connector.types import LogId, ReturnMessage


@dataclass(frozen=True, kw_only=True)
class LogResult:
    """A record written: ``log_id`` None means nothing was created (``message`` says why)."""

    log_id: LogId | None
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateResult:
    """A record updated: ``updated_note`` is the note as the CRM now holds it (call logs)."""

    updated_note: str | None = None
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class StatusResult:
    successful: bool
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class LogRef:
    """A logged record: the CRM's id and the contact it was logged against."""

    log_id: LogId
    contact_id: str | None = None
