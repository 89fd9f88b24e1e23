"""Properties of the composers: a note written into a call-log body is what the connector reads back.

``GET /callLog`` answers the note the connector parses out of the CRM's body, and ``PATCH /callLog``
recomposes that body: whatever a user types must come back as typed, after the create and after any
number of updates, markup and entities included (the HTML composer escapes, the parser unescapes).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from appconnect.composer import CallLogInputs, compose_call_log, escape_html
from connectors.insightly.records import parse_agent_note as insightly_note
from connectors.pipedrive.formatting import parse_agent_note as pipedrive_note

#: a note as a person types it on one line: any printable text, markup, entities and SQL included
NOTE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\r\n"),
    min_size=1,
    max_size=80,
).filter(lambda note: note.strip() == note and note != "")
MARKUP_NOTE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE users; --",
        '<img src=x onerror="alert(1)">',
        "Tom &amp; Jerry &lt;b&gt;",
        "cost $& and $1 and $$",
        "</b><b>Call details</b>",
    ]
)
EXAMPLES = settings(max_examples=150, deadline=None)


def _compose(note: str, log_format: str, existing_body: str = "") -> str:
    return compose_call_log(
        CallLogInputs(note=note, duration=125, result="Accepted", start_time="2026-07-14T10:00:00Z"),
        log_format=log_format,  # type: ignore[arg-type]
        user_settings=None,
        timezone_offset="+00:00",
        existing_body=existing_body,
    )


@EXAMPLES
@given(first=NOTE | MARKUP_NOTE, second=NOTE | MARKUP_NOTE)
def test_given_any_note_when_logged_and_updated_as_html_then_pipedrive_reads_back_each_note_as_typed(
    first: str, second: str
) -> None:
    created = _compose(first, "text/html")
    assert pipedrive_note(created) == first
    updated = _compose(second, "text/html", existing_body=created)
    assert pipedrive_note(updated) == second
    assert _compose(second, "text/html", existing_body=updated) == updated


@EXAMPLES
@given(note=NOTE | MARKUP_NOTE)
def test_given_any_note_when_composed_as_html_then_it_enters_the_body_only_as_escaped_text(note: str) -> None:
    placeholder = "NOTEPLACEHOLDER"
    assert _compose(note, "text/html") == _compose(placeholder, "text/html").replace(
        placeholder, escape_html(note)
    )


@EXAMPLES
@given(first=NOTE | MARKUP_NOTE, second=NOTE | MARKUP_NOTE)
def test_given_any_note_when_logged_and_updated_as_plain_text_then_insightly_reads_back_each_note(
    first: str, second: str
) -> None:
    created = _compose(first, "text/plain")
    assert insightly_note(created) == first
    updated = _compose(second, "text/plain", existing_body=created)
    assert insightly_note(updated) == second
    assert _compose(second, "text/plain", existing_body=updated) == updated
