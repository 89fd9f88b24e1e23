"""SMS, voicemail and fax log texts: created, appended the same day, escaped in HTML."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appconnect.composer import (
    CREATED_VIA,
    MessageLogFormat,
    append_message_to_log,
    compose_message_log,
    message_kind,
    message_subject,
)

HTML: MessageLogFormat = "text/html"
PLAIN: MessageLogFormat = "text/plain"

# a real extension payload: the SMS message of POST /messageLog.
SMS_MESSAGE: dict[str, Any] = {
    "uri": "https://platform.ringcentral.com/restapi/v1.0/account/178009004/extension/178009004/message-store/6424569004",
    "id": 6424569004,
    "to": [{"phoneNumber": "+14155550101", "name": "Test Agent"}],
    "from": {"phoneNumber": "+14155550199", "name": "Message Contact", "location": "San Mateo, CA"},
    "type": "SMS",
    "creationTime": "2026-07-14T03:00:00.000Z",
    "readStatus": "Unread",
    "direction": "Inbound",
    "availability": "Alive",
    "subject": "Deterministic message",
    "messageStatus": "Received",
    "conversationId": "8031152018338945839",
    "lastModifiedTime": "2026-07-14T03:00:01.000Z",
}
# a real extension payload: an outbound SMS (Delivered) of the same day.
OUTBOUND_MESSAGE: dict[str, Any] = {
    "id": "6424569007",
    "to": [{"phoneNumber": "+14155550199", "name": "Message Contact"}],
    "from": {"phoneNumber": "+14155550101", "name": "Test Agent"},
    "type": "SMS",
    "creationTime": "2026-07-14T03:05:00.000Z",
    "direction": "Outbound",
    "subject": "Delivered outbound SMS",
    "messageStatus": "Delivered",
}
VOICEMAIL_LINK = (
    "https://media.ringcentral.com/restapi/v1.0/account/178009004/extension/178009004/message-store/6424569014"
    "/content/6424569014"
)
VOICEMAIL_MESSAGE: dict[str, Any] = {
    "id": 6424569014,
    "from": {"phoneNumber": "+14155550199", "name": "Message Contact"},
    "type": "VoiceMail",
    "creationTime": "2026-07-14T03:00:00.000Z",
    "attachments": [
        {"type": "AudioRecording", "contentType": "audio/x-wav", "vmDuration": 25, "link": VOICEMAIL_LINK}
    ],
    "direction": "Inbound",
    "subject": "Voice message",
}
FAX_LINK = (
    "https://media.ringcentral.com/restapi/v1.0/account/178009004/extension/178009004/message-store/6424569015"
    "/content/6424569015"
)
FAX_MESSAGE: dict[str, Any] = {
    "id": "6424569015",
    "from": {"phoneNumber": "+14155550199", "location": "San Mateo, CA"},
    "type": "Fax",
    "creationTime": "2026-07-14T03:00:00.000Z",
    "attachments": [{"type": "RenderedDocument", "contentType": "application/pdf", "link": FAX_LINK}],
    "direction": "Inbound",
    "subject": "+14155550199",
}

CONTACT = {"contact_name": "Message Contact", "contact_phone_number": "+14155550199"}


def sms(log_format: MessageLogFormat, message: dict[str, Any] | None = None, **extra: Any) -> Any:
    values: dict[str, Any] = {"user_name": "Test Agent", "utc_offset": "+00:00", **CONTACT, **extra}
    return compose_message_log(log_format=log_format, message=message or SMS_MESSAGE, **values)


def append(body: str, log_format: MessageLogFormat, message: dict[str, Any], **extra: Any) -> str:
    values: dict[str, Any] = {"user_name": "Test Agent", "utc_offset": "+00:00", **CONTACT, **extra}
    return append_message_to_log(body, log_format=log_format, message=message, **values)


EXPECTED_SMS_HTML = (
    "<br><b>SMS conversation with Message Contact - 26/07/14</b><br>"
    "<b>Conversation summary</b><br>Tuesday, July 14, 2026<br>Participants<br>"
    "<ul><li><b>Test Agent</b><br></li><li><b>Message Contact</b></li></ul><br>"
    "Conversation(1 messages)<br>BEGIN<br>------------<br>"
    "<ul><li>Message Contact (+14155550199) 03:00 AM<br><b>Deterministic message</b></li></ul>"
    "------------<br>END<br><br>--- Created via RingCentral App Connect"
)
EXPECTED_SMS_PLAIN = (
    "\nConversation summary\nTuesday, July 14, 2026\nParticipants\n    Test Agent\n    Message Contact\n"
    "\nConversation(1 messages)\nBEGIN\n------------\n"
    "Message Contact (+14155550199) 03:00 AM\nDeterministic message\n\n"
    "------------\nEND\n\n--- Created via RingCentral App Connect"
)


def test_given_the_extensions_sms_when_logged_as_html_then_reference_subject_and_body() -> None:
    text = sms(HTML)
    assert text.kind == "SMS"
    assert text.subject == "SMS conversation with Message Contact - 26/07/14"
    assert text.body == EXPECTED_SMS_HTML


def test_given_the_extensions_sms_when_logged_as_plain_text_then_reference_body_without_subject_line() -> (
    None
):
    text = sms(PLAIN, utc_offset=None)
    assert text.subject == "SMS conversation with Message Contact - 26/07/14"
    assert text.body == EXPECTED_SMS_PLAIN


def test_given_the_connectors_spec_example_when_logged_as_html_then_byte_for_byte() -> None:
    message = {
        "direction": "Inbound",
        "creationTime": "2026-07-14T03:00:00.000Z",
        "subject": "Can you send the renewal options?",
    }
    text = compose_message_log(
        log_format=HTML,
        message=message,
        contact_name="Maya Patel",
        contact_phone_number="+14155550142",
        user_name="Jordan Lee",
    )
    assert text.body == (
        "<br><b>SMS conversation with Maya Patel - 26/07/14</b><br><b>Conversation summary</b><br>"
        "Tuesday, July 14, 2026<br>Participants<br><ul><li><b>Jordan Lee</b><br></li>"
        "<li><b>Maya Patel</b></li></ul><br>Conversation(1 messages)<br>BEGIN<br>------------<br>"
        "<ul><li>Maya Patel (+14155550142) 03:00 AM<br><b>Can you send the renewal options?</b></li></ul>"
        "------------<br>END<br><br>"
        "--- Created via RingCentral App Connect"
    )


def test_given_the_insightly_spec_example_when_logged_as_plain_text_then_byte_for_byte() -> None:
    text = compose_message_log(
        log_format=PLAIN,
        message={
            "direction": "Inbound",
            "creationTime": "2024-01-15T10:00:00Z",
            "subject": "Test message content",
        },
        contact_name="John Doe",
        contact_phone_number="+14155551234",
        user_name="Test User",
    )
    assert text.body == (
        "\nConversation summary\nMonday, January 15, 2024\nParticipants\n    Test User\n    John Doe\n\n"
        "Conversation(1 messages)\nBEGIN\n------------\n"
        "John Doe (+14155551234) 10:00 AM\nTest message content\n\n"
        "------------\nEND\n\n--- Created via RingCentral App Connect"
    )


def test_given_an_outbound_first_message_when_logged_then_sender_is_the_agent() -> None:
    text = sms(HTML, OUTBOUND_MESSAGE)
    assert "<ul><li>Test Agent 03:05 AM<br><b>Delivered outbound SMS</b></li></ul>" in text.body


def test_given_a_group_sms_when_logged_then_each_other_correspondent_is_a_participant() -> None:
    html = sms(HTML, correspondent_names=["Second Message Contact", None]).body
    assert (
        "<li><b>Message Contact</b></li><li><b>Second Message Contact</b></li>"
        "<li><b>Unknown</b></li></ul><br>"
    ) in html
    plain = sms(PLAIN, correspondent_names=["Second Message Contact", None]).body
    assert "    Message Contact\n    Second Message Contact\n    Unknown\nConversation(1 messages)" in plain


@pytest.mark.parametrize(
    ("offset", "subject_date", "time"),
    [
        ("-05:00", "26/07/13", "10:00 PM"),
        ("+05:30", "26/07/14", "08:30 AM"),
        (-300, "26/07/13", "10:00 PM"),
        (None, "26/07/14", "03:00 AM"),
    ],
)
def test_given_the_users_offset_when_logged_then_dates_and_times_in_that_zone(
    offset: str | int | None, subject_date: str, time: str
) -> None:
    text = sms(HTML, utc_offset=offset)
    assert text.subject == f"SMS conversation with Message Contact - {subject_date}"
    assert f"Message Contact (+14155550199) {time}<br>" in text.body


# --- Appending later messages of the same conversation-day ---------------------------------------------


def test_given_an_sms_log_when_a_later_message_arrives_then_appended_and_count_incremented_in_html() -> None:
    body = append(EXPECTED_SMS_HTML, HTML, OUTBOUND_MESSAGE)
    assert body == EXPECTED_SMS_HTML.replace("Conversation(1 messages)", "Conversation(2 messages)").replace(
        "</li></ul>------------",
        "</li><li>Test Agent 03:05 AM<br><b>Delivered outbound SMS</b></li></ul>------------",
    )


def test_given_an_sms_log_when_a_later_message_arrives_then_appended_and_counted_in_plain_text() -> None:
    body = append(EXPECTED_SMS_PLAIN, PLAIN, OUTBOUND_MESSAGE, utc_offset=None)
    assert body == (
        "\nConversation summary\nTuesday, July 14, 2026\nParticipants\n    Test Agent\n    Message Contact\n"
        "\nConversation(2 messages)\nBEGIN\n------------\n"
        "Message Contact (+14155550199) 03:00 AM\nDeterministic message\n\n"
        "Test Agent 03:05 AM\nDelivered outbound SMS\n"
        "------------\nEND\n\n--- Created via RingCentral App Connect"
    )


@pytest.mark.parametrize("log_format", [HTML, PLAIN])
def test_given_several_messages_when_appended_one_by_one_then_oldest_first_and_counted(
    log_format: MessageLogFormat,
) -> None:
    body = sms(log_format).body
    for minute in range(1, 5):
        later = copy.deepcopy(OUTBOUND_MESSAGE)
        later["creationTime"] = f"2026-07-14T03:0{minute}:00.000Z"
        later["subject"] = f"reply {minute}"
        body = append(body, log_format, later)
    assert "Conversation(5 messages)" in body
    positions = [body.index(f"reply {minute}") for minute in range(1, 5)]
    assert positions == sorted(positions)
    assert body.index("reply 4") < body.index("END")


def test_given_message_text_mentioning_messages_when_appended_then_only_the_counter_changes() -> None:
    # The reference's greedy counter pattern could swallow text up to a later " messages"; ours cannot.
    first = copy.deepcopy(SMS_MESSAGE)
    first["subject"] = "I sent 3 messages) already"
    body = append(sms(PLAIN, first).body, PLAIN, OUTBOUND_MESSAGE)
    assert "Conversation(2 messages)" in body
    assert "I sent 3 messages) already" in body


def test_given_a_body_edited_in_the_crm_when_appended_then_left_as_it_is_where_markers_are_gone() -> None:
    assert append("someone rewrote this note", HTML, OUTBOUND_MESSAGE) == "someone rewrote this note"


# --- Voicemail and fax ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("log_format", "expected"),
    [
        (
            HTML,
            "<br><b>Voicemail left by Message Contact - 26/07/14</b><br>Voicemail recording link: "
            f"{VOICEMAIL_LINK} <br><br>--- Created via RingCentral App Connect",
        ),
        (PLAIN, f"Voicemail recording link: {VOICEMAIL_LINK} \n\n--- Created via RingCentral App Connect"),
    ],
)
def test_given_a_voicemail_when_logged_then_reference_text(
    log_format: MessageLogFormat, expected: str
) -> None:
    text = sms(log_format, VOICEMAIL_MESSAGE, recording_link=VOICEMAIL_LINK)
    assert text.kind == "Voicemail"
    assert text.subject == "Voicemail left by Message Contact - 26/07/14"
    assert text.body == expected


@pytest.mark.parametrize(
    ("log_format", "expected"),
    [
        (
            HTML,
            "<br><b>Fax document sent from Message Contact - 26/07/14</b><br>Fax document link: "
            f"{FAX_LINK} <br><br>--- Created via RingCentral App Connect",
        ),
        (PLAIN, f"Fax document link: {FAX_LINK} \n\n--- Created via RingCentral App Connect"),
    ],
)
def test_given_a_fax_when_logged_then_reference_text(log_format: MessageLogFormat, expected: str) -> None:
    text = sms(log_format, FAX_MESSAGE, fax_doc_link=FAX_LINK)
    assert text.kind == "Fax"
    assert text.subject == "Fax document sent from Message Contact - 26/07/14"
    assert text.body == expected


@pytest.mark.parametrize(
    ("recording", "fax", "kind"),
    [
        ("https://vm", None, "Voicemail"),
        ("https://vm", "https://fax", "Voicemail"),
        (None, "https://fax", "Fax"),
        (None, None, "SMS"),
        ("", "", "SMS"),
    ],
)
def test_given_attachment_links_when_classified_then_voicemail_before_fax_before_sms(
    recording: str | None, fax: str | None, kind: str
) -> None:
    assert message_kind(recording, fax) == kind


def test_given_a_kind_when_subject_built_then_reference_wording() -> None:
    when = "2026-07-14T03:00:00.000Z"
    assert message_subject("SMS", "Ann", when, None) == "SMS conversation with Ann - 26/07/14"
    assert message_subject("Voicemail", "Ann", when, None) == "Voicemail left by Ann - 26/07/14"
    assert message_subject("Fax", "Ann", when, None) == "Fax document sent from Ann - 26/07/14"


# --- HTML escaping (a fix: the reference inserted names and texts raw) -------------------------------------

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#039;x&#039;)&lt;/script&gt;"


def test_given_markup_in_names_and_text_when_logged_as_html_then_escaped_but_subject_field_is_plain() -> None:
    message = copy.deepcopy(SMS_MESSAGE)
    message["subject"] = SCRIPT
    text = compose_message_log(
        log_format=HTML,
        message=message,
        contact_name=SCRIPT,
        contact_phone_number=SCRIPT,
        user_name=SCRIPT,
        correspondent_names=[SCRIPT],
    )
    assert "<script>" not in text.body
    assert text.body.count(ESCAPED) == 7
    assert text.subject == f"SMS conversation with {SCRIPT} - 26/07/14"


def test_given_markup_in_a_later_message_when_appended_as_html_then_escaped() -> None:
    message = copy.deepcopy(OUTBOUND_MESSAGE)
    message["subject"] = SCRIPT
    body = append(EXPECTED_SMS_HTML, HTML, message, user_name="Bob & Co")
    assert f"<li>Bob &amp; Co 03:05 AM<br><b>{ESCAPED}</b></li>" in body
    assert "<script>" not in body


def test_given_a_link_with_markup_when_logged_as_html_then_escaped() -> None:
    text = sms(HTML, VOICEMAIL_MESSAGE, recording_link='https://vm/1?a=1&b="<x>"')
    assert "Voicemail recording link: https://vm/1?a=1&amp;b=&quot;&lt;x&gt;&quot; <br>" in text.body


def test_given_markup_when_logged_as_plain_text_then_verbatim() -> None:
    message = copy.deepcopy(SMS_MESSAGE)
    message["subject"] = SCRIPT
    assert f"\n{SCRIPT}\n" in sms(PLAIN, message).body


@given(st.text(st.characters(codec="utf-8"), min_size=1))
def test_given_any_message_text_when_logged_as_html_then_no_raw_markup_from_it(text: str) -> None:
    message = {**SMS_MESSAGE, "subject": text}
    body = sms(HTML, message).body
    assert body.startswith("<br><b>SMS conversation with Message Contact")
    assert body.endswith(f"------------<br>END<br><br>{CREATED_VIA}")
    assert "<" not in body.split("<b>", 5)[-1].split("</b></li>")[0]


def test_given_a_missing_message_text_when_logged_then_empty_not_undefined() -> None:
    message = {key: value for key, value in SMS_MESSAGE.items() if key != "subject"}
    assert "<br><b></b></li>" in sms(HTML, message).body


def test_given_markdown_when_a_message_log_is_composed_then_value_error() -> None:
    with pytest.raises(ValueError, match="text/html or text/plain"):
        sms("text/markdown")  # type: ignore[arg-type]
