"""Composers of the bodies written into CRM activities: call logs and message logs.

Pure functions with no I/O, no CRM knowledge and only standard-library imports: a connector (or the core)
passes the log format its CRM uses and gets the text back. See docs/compatibility.md ("Composer") for how
the output relates to the reference server's.

Public API:

* :func:`compose_call_log` with :class:`CallLogInputs`: a call-log body in ``text/html``, ``text/markdown``
  or ``text/plain``, created or updated in place; the individual ``upsert_*`` functions live in
  :mod:`appconnect.composer.call_log` for connectors that update single items, each format's markup in
  :mod:`appconnect.composer.renderers`.
* :func:`compose_message_log` / :func:`append_message_to_log`: SMS, voicemail and fax logs.
* :func:`compose_shared_sms_log`: a shared-inbox SMS conversation.
* :func:`seconds_to_hours_minutes_seconds`, :func:`format_date` (moment.js patterns, in
  :mod:`appconnect.composer.moment`), :func:`utc_offset_minutes`, :func:`escape_html`,
  :func:`unescape_html`, :func:`media_reader_link`, :func:`js_number`: helpers.
"""

from __future__ import annotations

from appconnect.composer.call_log import DEFAULT_SETTINGS, CallLogInputs, compose_call_log, setting_value
from appconnect.composer.formatting import (
    HTML,
    LOG_FORMATS,
    MARKDOWN,
    PLAIN_TEXT,
    LogFormat,
    UtcOffset,
    escape_html,
    js_number,
    media_reader_link,
    parse_instant,
    seconds_to_hours_minutes_seconds,
    unescape_html,
    utc_offset_minutes,
)
from appconnect.composer.messages import (
    CREATED_VIA,
    MessageKind,
    MessageLogFormat,
    MessageLogText,
    append_message_to_log,
    compose_message_log,
    message_kind,
    message_subject,
)
from appconnect.composer.moment import format_date
from appconnect.composer.shared_sms import SharedSmsLogContent, compose_shared_sms_log

__all__ = [
    "CREATED_VIA",
    "DEFAULT_SETTINGS",
    "HTML",
    "LOG_FORMATS",
    "MARKDOWN",
    "PLAIN_TEXT",
    "CallLogInputs",
    "LogFormat",
    "MessageKind",
    "MessageLogFormat",
    "MessageLogText",
    "SharedSmsLogContent",
    "UtcOffset",
    "append_message_to_log",
    "compose_call_log",
    "compose_message_log",
    "compose_shared_sms_log",
    "escape_html",
    "format_date",
    "js_number",
    "media_reader_link",
    "message_kind",
    "message_subject",
    "parse_instant",
    "seconds_to_hours_minutes_seconds",
    "setting_value",
    "unescape_html",
    "utc_offset_minutes",
]
