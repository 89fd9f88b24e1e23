"""The call-log renderers: one per log format, looked up by format; an unknown format is refused."""

from __future__ import annotations

import pytest

from appconnect.composer import LOG_FORMATS, LogFormat
from appconnect.composer import call_log as call_log_items
from appconnect.composer.renderers import (
    HtmlRenderer,
    MarkdownRenderer,
    PlainRenderer,
    Renderer,
    renderer_for,
)


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_a_composer_format_when_its_renderer_is_looked_up_then_the_renderer_of_that_format(
    log_format: LogFormat,
) -> None:
    renderer = renderer_for(log_format)
    assert isinstance(renderer, Renderer)
    assert renderer.log_format == log_format
    assert renderer_for(log_format) is renderer


def test_given_the_three_formats_when_looked_up_then_html_markdown_and_plain_renderers() -> None:
    assert isinstance(renderer_for("text/html"), HtmlRenderer)
    assert isinstance(renderer_for("text/markdown"), MarkdownRenderer)
    assert isinstance(renderer_for("text/plain"), PlainRenderer)


def test_given_an_unknown_format_when_a_renderer_is_looked_up_then_value_error() -> None:
    with pytest.raises(ValueError, match="unsupported log format: 'application/json'"):
        renderer_for("application/json")


def test_given_an_unknown_format_when_an_item_is_upserted_then_value_error_not_plain_text() -> None:
    with pytest.raises(ValueError, match="unsupported log format"):
        call_log_items.upsert_call_session_id("", "session-1", "text/rtf")  # type: ignore[arg-type]


def test_given_an_unknown_format_and_no_value_when_an_item_is_upserted_then_body_unchanged() -> None:
    assert call_log_items.upsert_call_session_id("body", None, "text/rtf") == "body"  # type: ignore[arg-type]
