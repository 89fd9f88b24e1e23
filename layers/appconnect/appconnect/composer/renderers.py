"""One renderer per log format: how each call-log item looks in it and how it is found again on update.

:class:`Renderer` names every item the call-log composer writes and gives it the format's standard line
(``item_line``, found again by ``item_pattern``); :class:`HtmlRenderer`, :class:`MarkdownRenderer` and
:class:`PlainRenderer` hold their format's markup and override only the items whose reference pattern or
wording differs from that standard. Nothing here decides *whether* an item is written: that is the items
table in :mod:`appconnect.composer.call_log`.

Every method takes the current body and returns it with the item replaced in place (first match of its
pattern, the new text inserted literally) or added.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Final

from appconnect.composer.formatting import (
    HTML,
    MARKDOWN,
    PLAIN_TEXT,
    LogFormat,
    escape_html,
    require_log_format,
)

__all__ = [
    "HtmlRenderer",
    "MarkdownRenderer",
    "PlainRenderer",
    "Renderer",
    "is_web_link",
    "renderer_for",
]


def replace_first(body: str, pattern: str, replacement: str, flags: int = 0) -> str | None:
    """Replace the first match of ``pattern`` with ``replacement`` taken literally; ``None`` if no match."""
    regex = re.compile(pattern, flags)
    if regex.search(body) is None:
        return None
    return regex.sub(lambda _match: replacement, body, count=1)


def upsert(body: str, pattern: str, replacement: str, flags: int = 0, *, addition: str | None = None) -> str:
    """Replace the first match of ``pattern``, or append ``addition`` (default: the replacement)."""
    replaced = replace_first(body, pattern, replacement, flags)
    if replaced is not None:
        return replaced
    return body + (replacement if addition is None else addition)


def trim_trailing_newlines(text: str) -> str:
    return text.rstrip("\n")


_WEB_LINK: Final = re.compile(r"https?://[^\s/?#\\]+", re.IGNORECASE)


def is_web_link(link: str) -> bool:
    """True for an absolute ``http``/``https`` URL: the only kind written as a clickable link.

    Anything else (``javascript:``, ``data:``, a relative path) would run or resolve in the CRM's page."""
    return _WEB_LINK.match(link.strip()) is not None


class Renderer(ABC):
    """A log format's markup for every call-log item; the defaults write the format's standard line."""

    log_format: ClassVar[LogFormat]
    item_flags: ClassVar[int] = 0
    """Regex flags an item's line is found again with."""
    value_pattern: ClassVar[str] = r"[^\n]*"
    """What an item's value matches when its line is found again."""

    # --- The format's markup --------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """User text as it goes into a line (escaped in HTML)."""
        return value

    def lines(self, text: str) -> str:
        """Multi-line user text as it goes into a section."""
        return text

    def link(self, link: str) -> str:
        """A link as it goes into a line."""
        return link

    @abstractmethod
    def item_line(self, label: str, value: str) -> str:
        """An item's line; ``value`` is already markup (see :meth:`text`)."""

    @abstractmethod
    def item_pattern(self, label: str, value_pattern: str) -> str:
        """The pattern an item's line is found again by, its value matching ``value_pattern``."""

    @abstractmethod
    def agent_note(self, body: str, note: str) -> str:
        """The agent's note, at the top of the body (item 1)."""

    @abstractmethod
    def section(self, body: str, title: str, text: str) -> str:
        """A multi-line section under ``title``."""

    @abstractmethod
    def ring_sense_link(self, body: str, link: str) -> str:
        """``ACE recording link`` (item 18)."""

    # --- Items written as the format's standard line ------------------------------------------------

    def item(self, body: str, label: str, value: str, *, flags: int | None = None) -> str:
        """A one-line item: replaces the line of the same label (matched with ``flags``) or is appended."""
        line = self.item_line(label, self.text(value))
        pattern = self.item_pattern(label, self.value_pattern)
        return upsert(body, pattern, line, self.item_flags if flags is None else flags)

    def pending_item(self, body: str, label: str, value: str, *, flags: int | None = None) -> str:
        """A one-line item added once; an existing value is replaced only while it is ``(pending...)``."""
        line = self.item_line(label, self.text(value))
        pattern = self.item_pattern(label, f"({self.value_pattern})")
        match = re.search(pattern, body, self.item_flags if flags is None else flags)
        if match is None:
            return body + line
        if match.group(1).strip() != "(pending...)":
            return body
        return body[: match.start()] + line + body[match.end() :]

    def session_id(self, body: str, session_id: str) -> str:
        return self.item(body, "Session Id", session_id)

    def user_name(self, body: str, user_name: str) -> str:
        return self.pending_item(body, "RingCentral user name", user_name)

    def number_and_extension(self, body: str, value: str) -> str:
        return self.item(body, "RingCentral number and extension", value)

    def subject(self, body: str, subject: str) -> str:
        return self.item(body, "Summary", subject)

    def contact_number(self, body: str, phone_number: str, direction: str | None) -> str:
        return self.item(body, "Contact Number", phone_number)

    def date_time(self, body: str, formatted: str) -> str:
        return self.item(body, "Date/Time", formatted)

    def duration(self, body: str, formatted: str) -> str:
        return self.item(body, "Duration", formatted)

    def result(self, body: str, result: str) -> str:
        return self.item(body, "Result", result)

    def recording(self, body: str, label: str, link: str) -> str:
        """A call or voicemail recording link (items 10 and 11)."""
        return self.item(body, label, link)

    def score(self, body: str, score: str) -> str:
        return self.item(body, "Call score", score)

    # --- Sections -----------------------------------------------------------------------------------

    def ai_note(self, body: str, note: str) -> str:
        return self.section(body, "AI Note", note)

    def transcript(self, body: str, transcript: str) -> str:
        return self.section(body, "Transcript", transcript)

    def ring_sense_transcript(self, body: str, transcript: str) -> str:
        return self.section(body, "ACE transcript", transcript)

    def ring_sense_summary(self, body: str, summary: str) -> str:
        return self.section(body, "ACE summary", summary)

    def ring_sense_bulleted_summary(self, body: str, summary: str) -> str:
        return self.section(body, "ACE bulleted summary", summary)

    def journey(self, body: str, lines: Sequence[str]) -> str:
        """The call journey, one line per leg (item 19)."""
        return self.section(body, "Call journey", "\n".join(lines))


_HTML_LINK_VALUE: Final = r"<a[^>]*>[^<]*</a>|[^<]+"


class HtmlRenderer(Renderer):
    """``text/html``: ``<li><b>Label</b>: value</li>`` items and ``<div>`` sections; all user text escaped."""

    log_format = HTML
    item_flags = re.IGNORECASE
    value_pattern = r"[^<\n]+"

    def text(self, value: str) -> str:
        return escape_html(value)

    def lines(self, text: str) -> str:
        return re.sub(r"\r\n|\r|\n", "<br>", escape_html(text))

    def link(self, link: str) -> str:
        """An "open" link for a web URL; any other text is written escaped, as text."""
        if not is_web_link(link):
            return escape_html(link)
        return f'<a target="_blank" href="{escape_html(link)}">open</a>'

    def item_line(self, label: str, value: str) -> str:
        return f"<li><b>{label}</b>: {value}</li>"

    def item_pattern(self, label: str, value_pattern: str) -> str:
        # An item written by us or by older versions, with or without <li>, up to </li> or the next tag.
        return rf"(?:<li>)?<b>{re.escape(label)}</b>:\s*(?:{value_pattern})(?:</li>|(?=<|\Z))"

    def agent_note(self, body: str, note: str) -> str:
        safe = self.text(note)
        replaced = replace_first(
            body,
            r"<b>Agent notes</b>[\s\S]+?Call details</b>",
            f"<b>Agent notes</b><br>{safe}<br><br><b>Call details</b>",
        )
        return (
            replaced
            if replaced is not None
            else f"<b>Agent notes</b><br>{safe}<br><br><b>Call details</b><br>{body}"
        )

    def contact_number(self, body: str, phone_number: str, direction: str | None) -> str:
        label = "Recipient phone number" if direction == "Outbound" else "Caller phone number"
        return self.item(body, label, phone_number)

    def date_time(self, body: str, formatted: str) -> str:
        return self.item(body, "Date/time", formatted)

    def recording(self, body: str, label: str, link: str) -> str:
        """An "open" link, or ``(pending...)`` until it is a URL; added before the first ``</ul>``, if any."""
        line = self.item_line(label, self.link(link) if is_web_link(link) else "(pending...)")
        replaced = replace_first(body, self.item_pattern(label, _HTML_LINK_VALUE), line, self.item_flags)
        if replaced is not None:
            return replaced
        if "</ul>" in body:
            return body.replace("</ul>", f"{line}</ul>", 1)
        return body + line

    def ring_sense_link(self, body: str, link: str) -> str:
        label = "ACE recording link"
        pattern = self.item_pattern(label, _HTML_LINK_VALUE)
        return upsert(body, pattern, self.item_line(label, self.link(link)), self.item_flags)

    def section(self, body: str, title: str, text: str) -> str:
        return self._section(body, title, self.lines(text))

    def _section(self, body: str, title: str, markup: str, *, then: str = "") -> str:
        block = f"<div><b>{title}</b><br>{markup}</div>"
        return upsert(
            body, rf"<div><b>{re.escape(title)}</b><br>[\s\S]*?</div>", block, addition=block + then
        )

    # The AI note and transcript are followed by a line break when added; the ACE summaries lose their
    # trailing newlines (in HTML only, as in the reference); the journey's legs are escaped one by one.

    def ai_note(self, body: str, note: str) -> str:
        return self._section(body, "AI Note", self.lines(note), then="<br>")

    def transcript(self, body: str, transcript: str) -> str:
        return self._section(body, "Transcript", self.lines(transcript), then="<br>")

    def ring_sense_summary(self, body: str, summary: str) -> str:
        return super().ring_sense_summary(body, trim_trailing_newlines(summary))

    def ring_sense_bulleted_summary(self, body: str, summary: str) -> str:
        return super().ring_sense_bulleted_summary(body, trim_trailing_newlines(summary))

    def journey(self, body: str, lines: Sequence[str]) -> str:
        return self._section(body, "Call journey", "<br>".join(self.lines(line) for line in lines))


# A Markdown section ends at the next section or at one of the two items the composer writes after a section.
_MARKDOWN_NEXT: Final = r"### |\*\*Call score\*\*: |\*\*ACE recording link\*\*: "


class MarkdownRenderer(Renderer):
    """``text/markdown``: ``**Label**: value`` lines under ``## Call details`` and ``### Title`` sections."""

    log_format = MARKDOWN

    def item_line(self, label: str, value: str) -> str:
        return f"**{label}**: {value}\n"

    def item_pattern(self, label: str, value_pattern: str) -> str:
        return rf"\*\*{re.escape(label)}\*\*: {value_pattern}\n?"

    def agent_note(self, body: str, note: str) -> str:
        replaced = replace_first(
            body, r"## Agent notes\n[\s\S]*?\n## Call details", f"## Agent notes\n{note}\n\n## Call details"
        )
        if replaced is not None:
            return replaced
        if body.startswith("## Call details"):
            return f"## Agent notes\n{note}\n\n{body}"
        return f"## Agent notes\n{note}\n\n## Call details\n{body}"

    # The reference finds these two items in any letter case in Markdown (not the others).

    def user_name(self, body: str, user_name: str) -> str:
        return self.pending_item(body, "RingCentral user name", user_name, flags=re.IGNORECASE)

    def number_and_extension(self, body: str, value: str) -> str:
        return self.item(body, "RingCentral number and extension", value, flags=re.IGNORECASE)

    def ring_sense_link(self, body: str, link: str) -> str:
        label = "ACE recording link"
        line = self.item_line(label, self.link(link))
        return upsert(body, rf"\*\*{label}\*\*:\s*[^<\n]+(?=\n|\Z)\n?", line, re.IGNORECASE)

    def section(self, body: str, title: str, text: str) -> str:
        block = f"### {title}\n{text}\n"
        return upsert(body, rf"### {re.escape(title)}\n[\s\S]*?(?:\n(?={_MARKDOWN_NEXT})|\n\Z|\Z)", block)


# A plain-text value that stops before the next item, even one on the same line (the reference's pattern).
_UP_TO_NEXT_ITEM: Final = r"[^\n-]+(?=\n-|\n|\Z)"


class PlainRenderer(Renderer):
    """``text/plain``: ``- Label: value`` lines and sections closed by an ``--- END`` line."""

    log_format = PLAIN_TEXT

    def item_line(self, label: str, value: str) -> str:
        return f"- {label}: {value}\n"

    def item_pattern(self, label: str, value_pattern: str) -> str:
        return rf"- {re.escape(label)}: {value_pattern}\n?"

    def agent_note(self, body: str, note: str) -> str:
        replaced = replace_first(
            # the note ends where the next item begins, blank lines before it kept (the ACE section starts
            # with one), so updating with the same note leaves the body as it was
            body,
            r"- (?:Note|Agent notes): [\s\S]*?(?=\n+- [A-Z][a-zA-Z\s/]*:|\n*\Z)",
            f"- Note: {note}",
        )
        return replaced if replaced is not None else f"- Note: {note}\n{body}"

    def _value_only(self, body: str, label: str, value: str, pattern: str, flags: int = 0) -> str:
        """An item whose ``pattern`` leaves the line's newline in place: it is written only when added."""
        return upsert(body, pattern, f"- {label}: {value}", flags, addition=f"- {label}: {value}\n")

    def contact_number(self, body: str, phone_number: str, direction: str | None) -> str:
        label = "Contact Number"
        return upsert(body, self.item_pattern(label, _UP_TO_NEXT_ITEM), self.item_line(label, phone_number))

    def date_time(self, body: str, formatted: str) -> str:
        # One whole line, whatever it held; line ends as JavaScript's multiline mode sees them.
        pattern = r"(?:\A|(?<=[\n\r\u2028\u2029]))- Date/Time:[^\n\r\u2028\u2029]*"
        return self._value_only(body, "Date/Time", formatted, pattern)

    def duration(self, body: str, formatted: str) -> str:
        return self._value_only(body, "Duration", formatted, rf"- Duration: {_UP_TO_NEXT_ITEM}")

    def result(self, body: str, result: str) -> str:
        return self._value_only(body, "Result", result, rf"- Result: {_UP_TO_NEXT_ITEM}")

    def recording(self, body: str, label: str, link: str) -> str:
        """The link as it is, on a line of its own even after a body without a final newline."""
        line = self.item_line(label, link)
        replaced = replace_first(body, self.item_pattern(label, self.value_pattern), line)
        if replaced is not None:
            return replaced
        if body and not body.endswith("\n"):
            body += "\n"
        return body + line

    def score(self, body: str, score: str) -> str:
        return self._value_only(body, "Call score", score, r"- Call score:\s*[^<\n]+(?=\n|\Z)", re.IGNORECASE)

    def ring_sense_link(self, body: str, link: str) -> str:
        label = "ACE recording link"
        return self._value_only(body, label, link, rf"- {label}:\s*[^<\n]+(?=\n|\Z)", re.IGNORECASE)

    def section(self, body: str, title: str, text: str) -> str:
        return self._section(body, title, text, end="--- END", lead="\n")

    def journey(self, body: str, lines: Sequence[str]) -> str:
        return self._section(body, "Call journey", "\n".join(lines), end="--- JOURNEY END", lead="")

    def _section(self, body: str, title: str, text: str, *, end: str, lead: str) -> str:
        block = f"- {title}:\n{text}\n{end}"
        pattern = rf"- {re.escape(title)}:[\s\S]*?{re.escape(end)}"
        return upsert(body, pattern, block, addition=f"{lead}{block}\n")


_RENDERERS: Final[dict[LogFormat, Renderer]] = {
    renderer.log_format: renderer for renderer in (HtmlRenderer(), MarkdownRenderer(), PlainRenderer())
}


def renderer_for(log_format: str) -> Renderer:
    """The renderer of ``log_format``; ``ValueError`` for a format other than the three composer formats."""
    return _RENDERERS[require_log_format(log_format)]
