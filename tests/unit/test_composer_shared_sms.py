"""The shared-SMS composer: a shared-inbox conversation in each log format."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from appconnect.composer import LOG_FORMATS, LogFormat, compose_shared_sms_log

# a real extension payload: the shared-SMS conversation (logInfo with owner, assignee and entities).
SHARED_CONVERSATION: dict[str, Any] = {
    "conversationId": "shared-create-conversation",
    "conversationLogId": "shared-create-conversation-log",
    "correspondents": [{"phoneNumber": "+14155550199", "name": "Message Contact"}],
    "messages": [
        {
            "id": "shared-create-message",
            "to": [{"phoneNumber": "+14155550101", "name": "Test Agent"}],
            "from": {"phoneNumber": "+14155550199", "name": "Message Contact", "location": "San Mateo, CA"},
            "type": "SMS",
            "creationTime": "2026-07-14T03:00:00.000Z",
            "direction": "Inbound",
            "subject": "Deterministic message",
            "lastModifiedTime": "2026-07-14T03:00:00.000Z",
        }
    ],
    "owner": {"name": "Shared Inbox Owner"},
    "assignee": {"name": "Assigned Agent"},
    "entities": [
        {
            "recordType": "AliveMessage",
            "direction": "Inbound",
            "from": {"name": "Shared Inbox Owner"},
            "creationTime": "2026-07-14T03:00:00.000Z",
            "lastModifiedTime": "2026-07-14T03:00:00.000Z",
            "subject": "Shared message body",
        }
    ],
    "creationTime": "2026-07-14T03:00:00.000Z",
}

EXPECTED: dict[str, tuple[str, str]] = {
    "text/plain": (
        "SMS conversation with Message Contact",
        "Conversation summary\nStarted: Monday, July 13, 2026 at 08:00 PM\n"
        "Ended: Monday, July 13, 2026 at 08:00 PM\n"
        "Duration: 0 d 0 h \n\nParticipants\n* Message Contact (customer)\n* Shared Inbox Owner\n\n"
        "Owner: Shared Inbox Owner\n\nConversation (1 message)\nBEGIN\n------------\n"
        "Message Contact said on 2026-07-13 08:00 PM:\nShared message body\n\n------------\nEND",
    ),
    "text/html": (
        "SMS conversation with Message Contact",
        "<div><b>Conversation summary</b><br>Started: Monday, July 13, 2026 at 08:00 PM<br>"
        "Ended: Monday, July 13, 2026 at 08:00 PM<br>Duration: 0 d 0 h<br></div><br>"
        "<div><b>Participants</b><ul><li>Message Contact (customer)</li><li>Shared Inbox Owner</li>"
        "</ul></div>"
        "<div>Owner: <b>Shared Inbox Owner</b></div><br><div><b>Conversation (1 message)</b></div>"
        "<div>BEGIN</div><hr><p><b>Message Contact</b> said on 2026-07-13 08:00 PM:<br>"
        "Shared message body</p>"
        "<hr><div>END</div>",
    ),
    "text/markdown": (
        "**SMS conversation with Message Contact**",
        "## Conversation summary\nStarted: Monday, July 13, 2026 at 08:00 PM\n"
        "Ended: Monday, July 13, 2026 at 08:00 PM\nDuration: 0 d 0 h \n\n### Participants\n"
        "* Message Contact (customer)\n* Shared Inbox Owner\n\nOwner: **Shared Inbox Owner**\n\n"
        "### Conversation (1 message)\nBEGIN\n---\n**Message Contact** said on 2026-07-13 08:00 PM:\n"
        "Shared message body\n\n---\nEND",
    ),
}


def compose(
    conversation: dict[str, Any], log_format: LogFormat = "text/plain", offset: str | None = "-07:00"
) -> tuple[str, str]:
    content = compose_shared_sms_log(
        log_format=log_format,
        conversation=conversation,
        contact_name="Message Contact",
        timezone_offset=offset,
    )
    return content.subject, content.body


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_the_extensions_shared_conversation_when_composed_then_reference_subject_and_body(
    log_format: LogFormat,
) -> None:
    assert compose(SHARED_CONVERSATION, log_format) == EXPECTED[log_format]


def test_given_a_conversation_when_composed_then_its_start_is_returned_for_the_activity_date() -> None:
    content = compose_shared_sms_log(
        log_format="text/html", conversation=SHARED_CONVERSATION, contact_name="Message Contact"
    )
    assert content.conversation_created_date == datetime(2026, 7, 14, 3, 0, tzinfo=UTC)


def busy_conversation() -> dict[str, Any]:
    conversation = copy.deepcopy(SHARED_CONVERSATION)
    conversation["creationTime"] = 1784084400000  # 2026-07-15T03:00:00Z, epoch ms
    conversation["messages"] = [
        {"id": "1", "lastModifiedTime": "2026-07-16T06:00:00.000Z"},
        {"id": "2", "lastModifiedTime": 1784084400000},
    ]
    conversation["owner"] = {"name": "Support", "extensionType": "Department", "extensionId": "7"}
    conversation["entities"] = [
        {
            "recordType": "ThreadCreatedHint",
            "creationTime": "2026-07-15T03:00:00.000Z",
            "initiator": {"name": "Ann"},
        },
        {
            "recordType": "AliveMessage",
            "direction": "Inbound",
            "creationTime": "2026-07-15T03:01:00.000Z",
            "text": "Hello?",
            "from": {"name": "Message Contact"},
        },
        {
            "recordType": "ThreadAssignedHint",
            "creationTime": "2026-07-15T03:02:00.000Z",
            "assignee": {"name": "Bob"},
            "initiator": {"name": "Ann"},
        },
        {
            "recordType": "AliveNote",
            "creationTime": "2026-07-15T03:03:00.000Z",
            "body": "VIP customer",
            "author": {"name": "Bob"},
        },
        {
            "recordType": "AliveMessage",
            "direction": "Outbound",
            "creationTime": "2026-07-15T03:04:00.000Z",
            "subject": "Hi, Bob here",
            "author": {"name": "Bob"},
        },
        {"recordType": "ThreadAssignedHint", "creationTime": "2026-07-15T03:05:00.000Z"},
        {"recordType": "AliveNote", "creationTime": "2026-07-15T03:06:00.000Z", "text": "no author"},
    ]
    return conversation


def test_given_a_busy_queue_conversation_when_composed_as_plain_text_then_everything_newest_first() -> None:
    _, body = compose(busy_conversation(), offset=None)
    assert body == (
        "Conversation summary\n"
        "Started: Wednesday, July 15, 2026 at 03:00 AM\n"
        "Ended: Thursday, July 16, 2026 at 06:00 AM\n"
        "Duration: 1 d 3 h \n\n"
        "Participants\n* Message Contact (customer)\n* Ann\n* Message Contact\n* Bob\n\n"
        "Receiving call queue: Support\n\n"
        "Conversation (2 messages, 2 notes)\nBEGIN\n------------\n"
        "Unknown left a note on 2026-07-15 03:06 AM:\nno author\n\n"
        "Conversation assigned to Unknown\n\n"
        "Bob said on 2026-07-15 03:04 AM:\nHi, Bob here\n\n"
        "Bob left a note on 2026-07-15 03:03 AM:\nVIP customer\n\n"
        "Conversation assigned to Bob\n\n"
        "Message Contact said on 2026-07-15 03:01 AM:\nHello?\n\n"
        "------------\nEND"
    )


def test_given_a_busy_queue_conversation_when_composed_as_html_then_entries_as_paragraphs() -> None:
    _, body = compose(busy_conversation(), "text/html", offset=None)
    assert "<div>Receiving call queue: <b>Support</b></div><br>" in body
    assert "<div><b>Conversation (2 messages, 2 notes)</b></div>" in body
    assert (
        "<hr><p><b>Unknown</b> left a note on 2026-07-15 03:06 AM:<br>no author</p>"
        "<p><i>Conversation assigned to <b>Unknown</b></i></p>"
        "<p><b>Bob</b> said on 2026-07-15 03:04 AM:<br>Hi, Bob here</p>"
    ) in body


def test_given_a_busy_queue_conversation_when_composed_as_markdown_then_markdown_entries() -> None:
    _, body = compose(busy_conversation(), "text/markdown", offset=None)
    assert "Receiving call queue: **Support**\n\n### Conversation (2 messages, 2 notes)\n" in body
    assert "*Conversation assigned to **Bob***\n\n" in body
    assert "**Bob** left a note on 2026-07-15 03:03 AM:\nVIP customer\n\n" in body


@pytest.mark.parametrize(
    ("owner", "line"),
    [
        ({"name": "Sales Queue"}, "Receiving call queue: Sales Queue"),
        ({"name": "Front desk", "extensionType": "Department"}, "Receiving call queue: Front desk"),
        ({"name": "Dana", "extensionType": "User"}, "Owner: Dana"),
    ],
)
def test_given_an_owner_when_composed_then_queue_or_owner_line(owner: dict[str, str], line: str) -> None:
    conversation = {**SHARED_CONVERSATION, "owner": owner}
    assert f"\n\n{line}\n\n" in compose(conversation)[1]


def test_given_no_owner_or_entities_when_composed_then_no_owner_line_and_zero_messages() -> None:
    conversation = {
        key: value for key, value in SHARED_CONVERSATION.items() if key not in ("owner", "entities")
    }
    body = compose(conversation)[1]
    assert "Owner" not in body
    assert "Conversation (0 messages)\nBEGIN\n------------\n------------\nEND" in body


def test_given_epoch_millisecond_times_when_composed_then_newest_first_and_latest_end() -> None:
    conversation = copy.deepcopy(SHARED_CONVERSATION)
    conversation["creationTime"] = 1784084400000
    conversation["messages"] = [{"lastModifiedTime": 1784084400000 + 25 * 3_600_000}]
    conversation["entities"] = [
        {
            "recordType": "AliveMessage",
            "direction": "Inbound",
            "creationTime": 1784084400000,
            "text": "first",
        },
        {
            "recordType": "AliveMessage",
            "direction": "Inbound",
            "creationTime": 1784084460000,
            "text": "second",
        },
    ]
    body = compose(conversation, offset="+00:00")[1]
    assert "Duration: 1 d 1 h \n" in body
    assert body.index("second") < body.index("first")


def test_given_no_conversation_start_when_composed_then_now_is_used() -> None:
    conversation = {key: value for key, value in SHARED_CONVERSATION.items() if key != "creationTime"}
    now = datetime(2026, 7, 20, 12, 0, tzinfo=UTC)
    content = compose_shared_sms_log(
        log_format="text/plain", conversation=conversation, contact_name="Message Contact", now=now
    )
    assert content.body.startswith("Conversation summary\nStarted: Monday, July 20, 2026 at 12:00 PM\n")
    assert content.conversation_created_date == now


SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#039;x&#039;)&lt;/script&gt;"


def test_given_markup_in_names_and_texts_when_composed_as_html_then_escaped() -> None:
    conversation = copy.deepcopy(SHARED_CONVERSATION)
    conversation["owner"] = {"name": SCRIPT}
    conversation["entities"] = [
        {"recordType": "AliveMessage", "direction": "Outbound", "author": {"name": SCRIPT}, "text": SCRIPT},
        {"recordType": "AliveNote", "author": {"name": SCRIPT}, "text": SCRIPT},
        {"recordType": "ThreadAssignedHint", "assignee": {"name": SCRIPT}},
    ]
    content = compose_shared_sms_log(log_format="text/html", conversation=conversation, contact_name=SCRIPT)
    assert "<script>" not in content.body
    assert content.body.count(ESCAPED) == 8
    assert content.subject == f"SMS conversation with {SCRIPT}"


def test_given_markup_when_composed_as_plain_text_then_verbatim() -> None:
    conversation = {**SHARED_CONVERSATION, "owner": {"name": SCRIPT}}
    assert f"Owner: {SCRIPT}\n" in compose(conversation)[1]
