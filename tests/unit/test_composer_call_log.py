"""The call-log composer: every item and setting of the reference's composer in each format, updates in place,
HTML escaping, and real extension payloads as inputs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appconnect.composer import (
    DEFAULT_SETTINGS,
    LOG_FORMATS,
    CallLogInputs,
    LogFormat,
    compose_call_log,
    escape_html,
    unescape_html,
)
from appconnect.composer import call_log as call_log_items
from appconnect.composer.call_log import legs_journey

PLAIN: LogFormat = "text/plain"
HTML: LogFormat = "text/html"
MARKDOWN: LogFormat = "text/markdown"
OFFSET = "-07:00"  # the user's timezoneOffset as Pipedrive reports it

RECORDING = "https://media.ringcentral.com/restapi/v1.0/account/400100000001/recording/recording-1001/content"

# a real extension payload: POST /callLog as the extension sends it.
CREATE_BODY: dict[str, Any] = {
    "logInfo": {
        "uri": "https://platform.ringcentral.com/restapi/v1.0/account/400100000001/call-log/call-log-id?view=Simple",
        "id": "call-log-id",
        "sessionId": "call-log-session",
        "startTime": "2026-07-14T02:30:00.000Z",
        "telephonySessionId": "call-log-telephony-session",
        "duration": 125,
        "type": "Voice",
        "direction": "Outbound",
        "action": "Phone Call",
        "result": "Call connected",
        "to": {"phoneNumber": "+14155550199", "name": "Test Contact", "location": "San Francisco, CA"},
        "from": {
            "phoneNumber": "+14155550101",
            "name": "Test Agent",
            "location": "San Francisco, CA",
            "extensionNumber": "101",
        },
        "recording": {
            "uri": "https://platform.ringcentral.com/restapi/v1.0/account/400100000001/recording/recording-1001",
            "id": "recording-1001",
            "type": "OnDemand",
            "contentUri": RECORDING,
            "link": RECORDING,
        },
        "extensionNumber": "101",
    },
    "contactId": "call-log-contact",
    "contactType": "Contact",
    "contactName": "Test Contact",
    "note": "Deterministic call note",
    "aiNote": "",
    "transcript": "",
    "additionalSubmission": {},
}

# a real extension payload: the "Detailed" record of a forwarded inbound call, with legs.
DETAILED_LOG_INFO: dict[str, Any] = {
    "id": "call-log-detailed-forwarded",
    "sessionId": "call-log-detailed-session",
    "startTime": "2026-07-14T02:30:00.000Z",
    "telephonySessionId": "s-call-log-detailed-session",
    "duration": 54,
    "type": "Voice",
    "direction": "Inbound",
    "action": "Phone Call",
    "result": "Accepted",
    "to": {"phoneNumber": "+14155550101"},
    "from": {"phoneNumber": "+14155550199", "name": "Test Contact", "location": "San Francisco, CA"},
    "legs": [
        {
            "startTime": "2026-07-14T02:30:00.000Z",
            "duration": 54,
            "direction": "Inbound",
            "result": "Accepted",
            "to": {"phoneNumber": "+14155550101", "name": "Test Agent", "extensionNumber": "101"},
            "from": {"phoneNumber": "+14155550199", "name": "Test Contact"},
            "legType": "Accept",
        },
        {
            "startTime": "2026-07-14T02:30:00.000Z",
            "duration": 54,
            "direction": "Inbound",
            "result": "Accepted",
            "to": {"phoneNumber": "+14155550101", "name": "Test Agent", "extensionNumber": "101"},
            "from": {"phoneNumber": "+14155550199", "name": "Test Contact"},
            "legType": "Accept",
            "extension": {"id": "400200000001"},
        },
        {
            "startTime": "2026-07-14T02:30:04.000Z",
            "duration": 50,
            "direction": "Outbound",
            "action": "FindMe",
            "result": "Accepted",
            "to": {"phoneNumber": "+14155550188", "name": "Agent Mobile", "extensionNumber": "101"},
            "from": {"phoneNumber": "+14155550199", "name": "Test Agent"},
            "legType": "FindMe",
        },
    ],
}

# a real extension payload: PATCH /callLog.
UPDATE_BODY: dict[str, Any] = {
    "sessionId": "call-log-session",
    "extensionNumber": "101",
    "subject": "Updated deterministic call",
    "note": "Updated deterministic note",
    "startTime": "2026-07-14T02:30:00.000Z",
    "duration": 245,
    "result": "Call connected",
    "direction": "Outbound",
    "from": {"phoneNumber": "+14155550101", "extensionNumber": "101", "name": "Test Agent"},
    "to": {"phoneNumber": "+14155550199", "name": "Test Contact", "location": "San Francisco, CA"},
    "recordingLink": "https://media.ringcentral.com/restapi/v1.0/account/400100000001/recording/recording-1002/content",
    "recordingDownloadLink": (
        "https://media.ringcentral.com/restapi/v1.0/account/400100000001/recording/recording-1002/content?download=true"
    ),
    "aiNote": "Deterministic AI note",
    "transcript": "Deterministic transcript",
    "legs": [
        {
            "startTime": "2026-07-14T02:30:00.000Z",
            "duration": 245,
            "direction": "Outbound",
            "result": "Call connected",
            "to": {"phoneNumber": "+14155550199", "name": "Test Contact", "extensionNumber": "101"},
            "from": {"phoneNumber": "+14155550101", "name": "Test Agent", "extensionNumber": "101"},
            "legType": "SipToPstnMetered",
        }
    ],
    "ringSenseTranscript": "ACE transcript",
    "ringSenseSummary": "ACE summary",
    "ringSenseAIScore": 91,
    "ringSenseBulletedSummary": "- First point\n- Second point",
    "ringSenseLink": "https://ringsense.example.test/call-log",
    "additionalSubmission": {"disposition": "Resolved"},
}


def compose(
    inputs: CallLogInputs,
    log_format: LogFormat,
    user_settings: dict[str, Any] | None = None,
    existing_body: str = "",
    timezone_offset: str | float | None = OFFSET,
) -> str:
    return compose_call_log(
        inputs,
        log_format=log_format,
        user_settings=user_settings,
        timezone_offset=timezone_offset,
        existing_body=existing_body,
    )


def switched(**values: bool) -> dict[str, Any]:
    return {setting_id: {"value": value} for setting_id, value in values.items()}


def pipedrive_note(body: str) -> str:
    """How a connector reads the agent note back out of an HTML body (Pipedrive's getCallLog), unescaped."""
    return unescape_html(
        body.split("<b>Agent notes</b>")[1].split("<b>Call details</b>")[0].replace("<br>", "")
    )


ALL_ON = switched(**dict.fromkeys(DEFAULT_SETTINGS, True))
ALL_OFF = switched(**dict.fromkeys(DEFAULT_SETTINGS, False))


def create_body(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(CREATE_BODY)
    for key, value in overrides.items():
        if key.startswith("logInfo."):
            body["logInfo"][key.removeprefix("logInfo.")] = value
        else:
            body[key] = value
    return body


def everything() -> CallLogInputs:
    """The client's create payload with every optional item filled in."""
    body = create_body(
        **{
            "logInfo.customSubject": "Outbound call to Test Contact",
            "logInfo.legs": DETAILED_LOG_INFO["legs"],
        },
        aiNote="AI summary line 1\nline 2\n\n",
        transcript="A: hi\nB: hello",
        voicemailLink="https://media.ringcentral.com/voicemail/1",
        ringSenseTranscript="ACE transcript\n",
        ringSenseSummary="ACE summary",
        ringSenseAIScore=91,
        ringSenseBulletedSummary="- First point\n- Second point",
        ringSenseLink="https://ringsense.example.test/call-log",
    )
    return CallLogInputs.from_create_request(body)


# --- Whole bodies for the extension's own payload --------------------------------------------------------

EXPECTED_CREATE = {
    PLAIN: (
        "- Note: Deterministic call note\n- Date/Time: 2026-07-13 07:30:00 PM\n"
        f"- Duration: 2 minutes, 5 seconds\n- Result: Call connected\n- Call recording link: {RECORDING}\n"
    ),
    HTML: (
        "<b>Agent notes</b><br>Deterministic call note<br><br><b>Call details</b><br>"
        "<li><b>Date/time</b>: 2026-07-13 07:30:00 PM</li><li><b>Duration</b>: 2 minutes, 5 seconds</li>"
        "<li><b>Result</b>: Call connected</li>"
        f'<li><b>Call recording link</b>: <a target="_blank" href="{RECORDING}">open</a></li>'
    ),
    MARKDOWN: (
        "## Agent notes\nDeterministic call note\n\n## Call details\n"
        "**Date/Time**: 2026-07-13 07:30:00 PM\n**Duration**: 2 minutes, 5 seconds\n"
        f"**Result**: Call connected\n**Call recording link**: {RECORDING}\n"
    ),
}


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_the_extensions_call_payload_when_composed_with_default_settings_then_reference_body(
    log_format: LogFormat,
) -> None:
    inputs = CallLogInputs.from_create_request(CREATE_BODY)
    assert compose(inputs, log_format) == EXPECTED_CREATE[log_format]


def test_given_every_item_enabled_when_composed_as_html_then_items_in_reference_order() -> None:
    assert compose(everything(), HTML, ALL_ON) == (
        "<b>Agent notes</b><br>Deterministic call note<br><br><b>Call details</b><br>"
        "<li><b>Session Id</b>: call-log-session</li>"
        "<li><b>RingCentral user name</b>: Test Agent</li>"
        "<li><b>RingCentral number and extension</b>: +14155550101 </li>"
        "<li><b>Summary</b>: Outbound call to Test Contact</li>"
        "<li><b>Recipient phone number</b>: +14155550199</li>"
        "<li><b>Date/time</b>: 2026-07-13 07:30:00 PM</li>"
        "<li><b>Duration</b>: 2 minutes, 5 seconds</li>"
        "<li><b>Result</b>: Call connected</li>"
        f'<li><b>Call recording link</b>: <a target="_blank" href="{RECORDING}">open</a></li>'
        '<li><b>Voicemail recording link</b>: <a target="_blank" href="https://media.ringcentral.com/voicemail/1">'
        "open</a></li>"
        "<div><b>AI Note</b><br>AI summary line 1<br>line 2</div><br>"
        "<div><b>Transcript</b><br>A: hi<br>B: hello</div><br>"
        "<div><b>ACE transcript</b><br>ACE transcript</div>"
        "<div><b>ACE summary</b><br>ACE summary</div>"
        "<li><b>Call score</b>: 91</li>"
        "<div><b>ACE bulleted summary</b><br>- First point<br>- Second point</div>"
        '<li><b>ACE recording link</b>: <a target="_blank" href="https://ringsense.example.test/call-log">open</a></li>'
        "<div><b>Call journey</b><br>Received call at Test Agent, +14155550101, ext 101"
        "<br>Transferred to Test Agent, +14155550101, ext 101, duration: 54 seconds"
        "<br>Transferred to Test Agent, +14155550199, duration: 50 seconds</div>"
    )


def test_given_every_item_enabled_when_composed_as_plain_text_then_items_in_reference_order() -> None:
    assert compose(everything(), PLAIN, ALL_ON) == (
        "- Note: Deterministic call note\n"
        "- Session Id: call-log-session\n"
        "- RingCentral user name: Test Agent\n"
        "- RingCentral number and extension: +14155550101 \n"
        "- Summary: Outbound call to Test Contact\n"
        "- Contact Number: +14155550199\n"
        "- Date/Time: 2026-07-13 07:30:00 PM\n"
        "- Duration: 2 minutes, 5 seconds\n"
        "- Result: Call connected\n"
        f"- Call recording link: {RECORDING}\n"
        "- Voicemail recording link: https://media.ringcentral.com/voicemail/1\n"
        "\n- AI Note:\nAI summary line 1\nline 2\n--- END\n"
        "\n- Transcript:\nA: hi\nB: hello\n--- END\n"
        "\n- ACE transcript:\nACE transcript\n--- END\n"
        "\n- ACE summary:\nACE summary\n--- END\n"
        "- Call score: 91\n"
        "\n- ACE bulleted summary:\n- First point\n- Second point\n--- END\n"
        "- ACE recording link: https://ringsense.example.test/call-log\n"
        "- Call journey:\nReceived call at Test Agent, +14155550101, ext 101\n"
        "Transferred to Test Agent, +14155550101, ext 101, duration: 54 seconds\n"
        "Transferred to Test Agent, +14155550199, duration: 50 seconds\n--- JOURNEY END\n"
    )


def test_given_every_item_enabled_when_composed_as_markdown_then_items_in_reference_order() -> None:
    assert compose(everything(), MARKDOWN, ALL_ON) == (
        "## Agent notes\nDeterministic call note\n\n## Call details\n"
        "**Session Id**: call-log-session\n"
        "**RingCentral user name**: Test Agent\n"
        "**RingCentral number and extension**: +14155550101 \n"
        "**Summary**: Outbound call to Test Contact\n"
        "**Contact Number**: +14155550199\n"
        "**Date/Time**: 2026-07-13 07:30:00 PM\n"
        "**Duration**: 2 minutes, 5 seconds\n"
        "**Result**: Call connected\n"
        f"**Call recording link**: {RECORDING}\n"
        "**Voicemail recording link**: https://media.ringcentral.com/voicemail/1\n"
        "### AI Note\nAI summary line 1\nline 2\n"
        "### Transcript\nA: hi\nB: hello\n"
        "### ACE transcript\nACE transcript\n"
        "### ACE summary\nACE summary\n"
        "**Call score**: 91\n"
        "### ACE bulleted summary\n- First point\n- Second point\n"
        "**ACE recording link**: https://ringsense.example.test/call-log\n"
        "### Call journey\nReceived call at Test Agent, +14155550101, ext 101\n"
        "Transferred to Test Agent, +14155550101, ext 101, duration: 54 seconds\n"
        "Transferred to Test Agent, +14155550199, duration: 50 seconds\n"
    )


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_every_setting_off_when_composed_then_empty_body(log_format: LogFormat) -> None:
    assert compose(everything(), log_format, ALL_OFF) == ""


# --- The reference composer's worked examples -----------------------------------------------------------


def test_given_the_specs_plain_text_example_when_composed_then_byte_for_byte() -> None:
    inputs = CallLogInputs(
        note="Test note",
        subject="Test Call",
        start_time="2024-01-15T10:30:00Z",
        duration=120,
        result="Completed",
    )
    assert compose(inputs, PLAIN, timezone_offset="+00:00") == (
        "- Note: Test note\n- Summary: Test Call\n- Date/Time: 2024-01-15 10:30:00 AM\n"
        "- Duration: 2 minutes\n- Result: Completed\n"
    )


def test_given_the_specs_html_example_when_composed_then_byte_for_byte() -> None:
    inputs = CallLogInputs(
        session_id="session-123",
        direction="Inbound",
        from_party={"phoneNumber": "+14155550100", "name": "Jane Smith"},
        to_party={"phoneNumber": "+16505550199", "name": "Agent Bob"},
        contact_phone_number="+14155550100",
        note="Discussed renewal.",
        subject="Inbound call from Jane",
        start_time="2024-01-15T10:30:00Z",
        duration=125,
        result="Accepted",
        recording_link="https://media.example/rec/1",
        ai_note="AI summary line 1\nline 2",
        transcript="A: hi\nB: hello",
        legs=[
            {
                "direction": "Inbound",
                "to": {"name": "Agent Bob", "phoneNumber": "+16505550199", "extensionNumber": "101"},
            },
            {"direction": "Inbound", "duration": 65, "to": {"name": "Agent Carol", "extensionNumber": "102"}},
        ],
    )
    on = switched(addCallSessionId=True, addRingCentralUserName=True, addRingCentralNumber=True)
    on |= switched(addCallLogContactNumber=True)
    assert compose(inputs, HTML, on, timezone_offset="-08:00") == (
        "<b>Agent notes</b><br>Discussed renewal.<br><br><b>Call details</b><br>"
        "<li><b>Session Id</b>: session-123</li><li><b>RingCentral user name</b>: Agent Bob</li>"
        "<li><b>RingCentral number and extension</b>: +16505550199 </li>"
        "<li><b>Summary</b>: Inbound call from Jane</li><li><b>Caller phone number</b>: +14155550100</li>"
        "<li><b>Date/time</b>: 2024-01-15 02:30:00 AM</li><li><b>Duration</b>: 2 minutes, 5 seconds</li>"
        "<li><b>Result</b>: Accepted</li><li><b>Call recording link</b>: "
        '<a target="_blank" href="https://media.example/rec/1">open</a></li>'
        "<div><b>AI Note</b><br>AI summary line 1<br>line 2</div><br>"
        "<div><b>Transcript</b><br>A: hi<br>B: hello</div><br>"
        "<div><b>Call journey</b><br>Received call at Agent Bob, +16505550199, ext 101<br>"
        "Transferred to Agent Carol, ext 102, duration: 65 seconds</div>"
    )


def test_given_the_specs_plain_text_update_example_when_composed_then_byte_for_byte() -> None:
    existing = (
        "- Note: old\n- Summary: S\n- Date/Time: 2024-01-15 10:30:00 AM\n- Duration: pending\n"
        "- Result: In Progress\n- Call recording link: pending\n"
    )
    inputs = CallLogInputs(
        note="new note", duration=3725, result="Call connected", recording_link="https://rec/2"
    )
    assert compose(inputs, PLAIN, existing_body=existing) == (
        "- Note: new note\n- Summary: S\n- Date/Time: 2024-01-15 10:30:00 AM\n"
        "- Duration: 1 hour, 2 minutes, 5 seconds\n- Result: Call connected\n- Call recording link: https://rec/2\n"
    )


# --- Each item and its setting, in each format ------------------------------------------------------------

# setting id -> (text expected in the body per format when the item is on, a marker per format that must be
# absent when it is off)
ITEMS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "addCallLogNote": (
        {
            PLAIN: "- Note: Deterministic call note\n",
            HTML: "<b>Agent notes</b><br>Deterministic call note<br><br><b>Call details</b><br>",
            MARKDOWN: "## Agent notes\nDeterministic call note\n\n## Call details\n",
        },
        {PLAIN: "- Note:", HTML: "Agent notes", MARKDOWN: "## Agent notes"},
    ),
    "addCallSessionId": (
        {
            PLAIN: "- Session Id: call-log-session\n",
            HTML: "<li><b>Session Id</b>: call-log-session</li>",
            MARKDOWN: "**Session Id**: call-log-session\n",
        },
        {PLAIN: "Session Id", HTML: "Session Id", MARKDOWN: "Session Id"},
    ),
    "addRingCentralUserName": (
        {
            PLAIN: "- RingCentral user name: Test Agent\n",
            HTML: "<li><b>RingCentral user name</b>: Test Agent</li>",
            MARKDOWN: "**RingCentral user name**: Test Agent\n",
        },
        {PLAIN: "RingCentral user name", HTML: "RingCentral user name", MARKDOWN: "RingCentral user name"},
    ),
    "addRingCentralNumber": (
        {
            PLAIN: "- RingCentral number and extension: +14155550101 \n",
            HTML: "<li><b>RingCentral number and extension</b>: +14155550101 </li>",
            MARKDOWN: "**RingCentral number and extension**: +14155550101 \n",
        },
        {PLAIN: "RingCentral number", HTML: "RingCentral number", MARKDOWN: "RingCentral number"},
    ),
    "addCallLogSubject": (
        {
            PLAIN: "- Summary: Outbound call to Test Contact\n",
            HTML: "<li><b>Summary</b>: Outbound call to Test Contact</li>",
            MARKDOWN: "**Summary**: Outbound call to Test Contact\n",
        },
        {PLAIN: "Summary:", HTML: "<b>Summary</b>", MARKDOWN: "**Summary**"},
    ),
    "addCallLogContactNumber": (
        {
            PLAIN: "- Contact Number: +14155550199\n",
            HTML: "<li><b>Recipient phone number</b>: +14155550199</li>",
            MARKDOWN: "**Contact Number**: +14155550199\n",
        },
        {PLAIN: "Contact Number", HTML: "phone number", MARKDOWN: "Contact Number"},
    ),
    "addCallLogDateTime": (
        {
            PLAIN: "- Date/Time: 2026-07-13 07:30:00 PM\n",
            HTML: "<li><b>Date/time</b>: 2026-07-13 07:30:00 PM</li>",
            MARKDOWN: "**Date/Time**: 2026-07-13 07:30:00 PM\n",
        },
        {PLAIN: "Date/Time", HTML: "Date/time", MARKDOWN: "Date/Time"},
    ),
    "addCallLogDuration": (
        {
            PLAIN: "- Duration: 2 minutes, 5 seconds\n",
            HTML: "<li><b>Duration</b>: 2 minutes, 5 seconds</li>",
            MARKDOWN: "**Duration**: 2 minutes, 5 seconds\n",
        },
        {PLAIN: "Duration:", HTML: "<b>Duration</b>", MARKDOWN: "**Duration**"},
    ),
    "addCallLogResult": (
        {
            PLAIN: "- Result: Call connected\n",
            HTML: "<li><b>Result</b>: Call connected</li>",
            MARKDOWN: "**Result**: Call connected\n",
        },
        {PLAIN: "Result:", HTML: "<b>Result</b>", MARKDOWN: "**Result**"},
    ),
    "addCallLogRecording": (
        {
            PLAIN: f"- Call recording link: {RECORDING}\n- Voicemail recording link: ",
            HTML: f'<li><b>Call recording link</b>: <a target="_blank" href="{RECORDING}">open</a></li>'
            "<li><b>Voicemail recording link</b>: ",
            MARKDOWN: f"**Call recording link**: {RECORDING}\n**Voicemail recording link**: ",
        },
        {PLAIN: "Call recording", HTML: "Voicemail recording", MARKDOWN: "Call recording"},
    ),
    "addCallLogAiNote": (
        {
            PLAIN: "\n- AI Note:\nAI summary line 1\nline 2\n--- END\n",
            HTML: "<div><b>AI Note</b><br>AI summary line 1<br>line 2</div><br>",
            MARKDOWN: "### AI Note\nAI summary line 1\nline 2\n",
        },
        {PLAIN: "AI Note", HTML: "AI Note", MARKDOWN: "AI Note"},
    ),
    "addCallLogTranscript": (
        {
            PLAIN: "\n- Transcript:\nA: hi\nB: hello\n--- END\n",
            HTML: "<div><b>Transcript</b><br>A: hi<br>B: hello</div><br>",
            MARKDOWN: "### Transcript\nA: hi\nB: hello\n",
        },
        {PLAIN: "- Transcript", HTML: "<b>Transcript", MARKDOWN: "### Transcript"},
    ),
    "addCallLogRingSenseRecordingTranscript": (
        {
            PLAIN: "\n- ACE transcript:\nACE transcript\n--- END\n",
            HTML: "<div><b>ACE transcript</b><br>ACE transcript</div>",
            MARKDOWN: "### ACE transcript\nACE transcript\n",
        },
        {PLAIN: "ACE transcript:", HTML: "<b>ACE transcript", MARKDOWN: "### ACE transcript"},
    ),
    "addCallLogRingSenseRecordingSummary": (
        {
            PLAIN: "\n- ACE summary:\nACE summary\n--- END\n",
            HTML: "<div><b>ACE summary</b><br>ACE summary</div>",
            MARKDOWN: "### ACE summary\nACE summary\n",
        },
        {PLAIN: "ACE summary:", HTML: "<b>ACE summary", MARKDOWN: "### ACE summary"},
    ),
    "addCallLogRingSenseRecordingAIScore": (
        {
            PLAIN: "- Call score: 91\n",
            HTML: "<li><b>Call score</b>: 91</li>",
            MARKDOWN: "**Call score**: 91\n",
        },
        {PLAIN: "Call score", HTML: "Call score", MARKDOWN: "Call score"},
    ),
    "addCallLogRingSenseRecordingBulletedSummary": (
        {
            PLAIN: "\n- ACE bulleted summary:\n- First point\n- Second point\n--- END\n",
            HTML: "<div><b>ACE bulleted summary</b><br>- First point<br>- Second point</div>",
            MARKDOWN: "### ACE bulleted summary\n- First point\n- Second point\n",
        },
        {PLAIN: "bulleted", HTML: "bulleted", MARKDOWN: "bulleted"},
    ),
    "addCallLogRingSenseRecordingLink": (
        {
            PLAIN: "- ACE recording link: https://ringsense.example.test/call-log\n",
            HTML: '<li><b>ACE recording link</b>: <a target="_blank" href="https://ringsense.example.test/call-log">'
            "open</a></li>",
            MARKDOWN: "**ACE recording link**: https://ringsense.example.test/call-log\n",
        },
        {PLAIN: "ACE recording link", HTML: "ACE recording link", MARKDOWN: "ACE recording link"},
    ),
    "addCallLogLegs": (
        {
            PLAIN: "- Call journey:\nReceived call at Test Agent, +14155550101, ext 101\n",
            HTML: "<div><b>Call journey</b><br>Received call at Test Agent, +14155550101, ext 101<br>",
            MARKDOWN: "### Call journey\nReceived call at Test Agent, +14155550101, ext 101\n",
        },
        {PLAIN: "Call journey", HTML: "Call journey", MARKDOWN: "Call journey"},
    ),
}


def test_given_the_items_table_when_compared_with_the_settings_then_every_setting_is_covered() -> None:
    assert set(ITEMS) == set(DEFAULT_SETTINGS)


@pytest.mark.parametrize("log_format", LOG_FORMATS)
@pytest.mark.parametrize("setting_id", list(ITEMS))
def test_given_default_settings_when_composed_then_each_item_follows_its_default(
    setting_id: str, log_format: LogFormat
) -> None:
    present, marker = ITEMS[setting_id]
    body = compose(everything(), log_format)
    if DEFAULT_SETTINGS[setting_id]:
        assert present[log_format] in body
    else:
        assert marker[log_format] not in body


@pytest.mark.parametrize("log_format", LOG_FORMATS)
@pytest.mark.parametrize("setting_id", list(ITEMS))
def test_given_a_setting_switched_when_composed_then_only_its_item_changes(
    setting_id: str, log_format: LogFormat
) -> None:
    present, marker = ITEMS[setting_id]
    on = compose(everything(), log_format, ALL_OFF | switched(**{setting_id: True}))
    off = compose(everything(), log_format, ALL_ON | switched(**{setting_id: False}))
    assert present[log_format] in on
    assert marker[log_format] not in off
    for other_id, (other_present, _) in ITEMS.items():
        if other_id != setting_id and other_id != "addCallLogNote":
            assert other_present[log_format] in off


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_settings_stored_as_null_or_malformed_when_composed_then_defaults_apply(
    log_format: LogFormat,
) -> None:
    odd = {"addCallLogDuration": {"value": None}, "addCallLogResult": "yes", "addCallSessionId": {}}
    assert compose(everything(), log_format, odd) == compose(everything(), log_format)


def test_given_an_inbound_call_when_composed_as_html_then_caller_label_and_own_party_values() -> None:
    body = create_body(**{"logInfo.direction": "Inbound"})
    body["logInfo"]["from"], body["logInfo"]["to"] = (
        {"phoneNumber": "+14155550199", "name": "Test Contact", "extensionNumber": "205"},
        {"phoneNumber": "+14155550101", "name": "Test Agent", "extensionNumber": "101"},
    )
    settings_on = switched(
        addRingCentralUserName=True, addRingCentralNumber=True, addCallLogContactNumber=True
    )
    html = compose(CallLogInputs.from_create_request(body), HTML, settings_on)
    assert "<li><b>RingCentral user name</b>: Test Agent</li>" in html
    # The reference pairs the RingCentral number with the other party's extension (quirk kept).
    assert "<li><b>RingCentral number and extension</b>: +14155550101 205</li>" in html
    assert "<li><b>Caller phone number</b>: +14155550199</li>" in html
    plain = compose(CallLogInputs.from_create_request(body), PLAIN, settings_on)
    assert "- Contact Number: +14155550199\n" in plain


# --- Durations, dates and time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "text"),
    [(125, "2 minutes, 5 seconds"), (3601, "1 hour, 1 second"), ("pending", "pending"), (0, "0 seconds")],
)
@pytest.mark.parametrize(
    ("log_format", "template"),
    [(PLAIN, "- Duration: {}\n"), (HTML, "<li><b>Duration</b>: {}</li>"), (MARKDOWN, "**Duration**: {}\n")],
)
def test_given_a_duration_when_composed_then_reference_wording(
    duration: int | str, text: str, log_format: LogFormat, template: str
) -> None:
    assert template.format(text) in compose(CallLogInputs(duration=duration), log_format)


def test_given_no_duration_when_composed_then_no_duration_line() -> None:
    assert compose(CallLogInputs(result="Missed"), PLAIN) == "- Result: Missed\n"


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        ("-07:00", "2026-07-13 07:30:00 PM"),
        ("+05:30", "2026-07-14 08:00:00 AM"),
        (-420, "2026-07-13 07:30:00 PM"),
        ("-420", "2026-07-13 07:30:00 PM"),
        (5.5, "2026-07-14 08:00:00 AM"),
        (None, "2026-07-14 02:30:00 AM"),
    ],
)
def test_given_the_users_timezone_offset_when_composed_then_start_time_in_that_zone(
    offset: str | float | None, expected: str
) -> None:
    body = compose(CallLogInputs(start_time="2026-07-14T02:30:00.000Z"), PLAIN, timezone_offset=offset)
    assert body == f"- Date/Time: {expected}\n"


def test_given_a_log_date_format_setting_when_composed_then_start_time_in_that_format() -> None:
    inputs = CallLogInputs(start_time=1784082600000)  # epoch milliseconds, as some clients send it
    user_settings = {"logDateFormat": {"value": "DD/MM/YYYY HH:mm"}}
    assert (
        compose(inputs, HTML, user_settings, timezone_offset="+00:00")
        == "<li><b>Date/time</b>: 15/07/2026 02:30</li>"
    )


def test_given_an_unreadable_start_time_when_composed_then_invalid_date_like_moment() -> None:
    assert compose(CallLogInputs(start_time="yesterday"), PLAIN) == "- Date/Time: Invalid date\n"


# --- Call journey -----------------------------------------------------------------------------------------


def test_given_the_forwarded_call_record_when_journey_built_then_one_line_per_leg() -> None:
    assert legs_journey(DETAILED_LOG_INFO["legs"]) == [
        "Received call at Test Agent, +14155550101, ext 101",
        "Transferred to Test Agent, +14155550101, ext 101, duration: 54 seconds",
        "Transferred to Test Agent, +14155550199, duration: 50 seconds",
    ]


def test_given_outbound_and_pstn_to_sip_legs_when_journey_built_then_reference_parties() -> None:
    legs: list[dict[str, Any]] = [
        {"direction": "Outbound", "from": {"phoneNumber": "+14155550101", "name": "Test Agent"}, "to": {}},
        {
            "direction": "Outbound",
            "legType": "PstnToSip",
            "duration": 1,
            "from": {},
            "to": {"extensionNumber": "102"},
        },
        {"direction": "Inbound", "duration": 9, "to": {"name": "Nobody"}},
    ]
    assert legs_journey(legs) == [
        "Made call from Test Agent, +14155550101",
        "Transferred to ext 102, duration: 1 second",
        "Transferred to , duration: 9 seconds",
    ]


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_no_legs_when_composed_then_no_journey(log_format: LogFormat) -> None:
    assert compose(CallLogInputs(legs=[]), log_format) == ""


# --- Updates in place ---------------------------------------------------------------------------------------


def pending_server_side_log() -> CallLogInputs:
    """What server-side logging creates before the call ends: duration and recording still pending."""
    return CallLogInputs.from_create_request(
        create_body(
            note="Initial note",
            **{
                "logInfo.duration": "pending",
                "logInfo.result": "In Progress",
                "logInfo.customSubject": "Outbound call to Test Contact",
                "logInfo.recording": {"link": "pending"},
            },
        )
    )


EXPECTED_AFTER_PATCH = {
    PLAIN: (
        "- Note: Updated deterministic note\n- Summary: Updated deterministic call\n"
        "- Date/Time: 2026-07-13 07:30:00 PM\n- Duration: 4 minutes, 5 seconds\n- Result: Call connected\n"
        f"- Call recording link: {UPDATE_BODY['recordingLink']}\n"
        "\n- AI Note:\nDeterministic AI note\n--- END\n"
        "\n- Transcript:\nDeterministic transcript\n--- END\n"
        "\n- ACE transcript:\nACE transcript\n--- END\n"
        "\n- ACE summary:\nACE summary\n--- END\n"
        "- Call score: 91\n"
        "\n- ACE bulleted summary:\n- First point\n- Second point\n--- END\n"
        "- ACE recording link: https://ringsense.example.test/call-log\n"
        "- Call journey:\nMade call from Test Agent, +14155550101, ext 101\n--- JOURNEY END\n"
    ),
    HTML: (
        "<b>Agent notes</b><br>Updated deterministic note<br><br><b>Call details</b><br>"
        "<li><b>Summary</b>: Updated deterministic call</li>"
        "<li><b>Date/time</b>: 2026-07-13 07:30:00 PM</li>"
        "<li><b>Duration</b>: 4 minutes, 5 seconds</li>"
        "<li><b>Result</b>: Call connected</li>"
        "<li><b>Call recording link</b>: "
        f'<a target="_blank" href="{UPDATE_BODY["recordingLink"]}">open</a></li>'
        "<div><b>AI Note</b><br>Deterministic AI note</div><br>"
        "<div><b>Transcript</b><br>Deterministic transcript</div><br>"
        "<div><b>ACE transcript</b><br>ACE transcript</div>"
        "<div><b>ACE summary</b><br>ACE summary</div>"
        "<li><b>Call score</b>: 91</li>"
        "<div><b>ACE bulleted summary</b><br>- First point<br>- Second point</div>"
        '<li><b>ACE recording link</b>: <a target="_blank" href="https://ringsense.example.test/call-log">open</a></li>'
        "<div><b>Call journey</b><br>Made call from Test Agent, +14155550101, ext 101</div>"
    ),
    MARKDOWN: (
        "## Agent notes\nUpdated deterministic note\n\n## Call details\n"
        "**Summary**: Updated deterministic call\n**Date/Time**: 2026-07-13 07:30:00 PM\n"
        "**Duration**: 4 minutes, 5 seconds\n**Result**: Call connected\n"
        f"**Call recording link**: {UPDATE_BODY['recordingLink']}\n"
        "### AI Note\nDeterministic AI note\n### Transcript\nDeterministic transcript\n"
        "### ACE transcript\nACE transcript\n### ACE summary\nACE summary\n**Call score**: 91\n"
        "### ACE bulleted summary\n- First point\n- Second point\n"
        "**ACE recording link**: https://ringsense.example.test/call-log\n"
        "### Call journey\nMade call from Test Agent, +14155550101, ext 101\n"
    ),
}


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_a_pending_log_when_the_extension_patches_it_then_lines_replaced_in_place(
    log_format: LogFormat,
) -> None:
    created = compose(pending_server_side_log(), log_format)
    update = CallLogInputs.from_update_request(UPDATE_BODY, session_id="call-log-session")
    updated = compose(update, log_format, existing_body=created)
    assert updated == EXPECTED_AFTER_PATCH[log_format]
    assert "Initial note" not in updated
    assert "pending" not in updated
    assert "In Progress" not in updated


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_a_patched_log_when_patched_again_with_the_same_values_then_unchanged(
    log_format: LogFormat,
) -> None:
    update = CallLogInputs.from_update_request(UPDATE_BODY, session_id="call-log-session")
    once = compose(update, log_format, existing_body=compose(pending_server_side_log(), log_format))
    assert compose(update, log_format, existing_body=once) == once


@pytest.mark.parametrize(
    ("log_format", "note_line", "duration_line"),
    [
        (PLAIN, "- Note: second\n", "- Duration: 1 hour, 1 second\n"),
        (
            HTML,
            "<b>Agent notes</b><br>second<br><br><b>Call details</b><br>",
            "<li><b>Duration</b>: 1 hour, 1 second</li>",
        ),
        (MARKDOWN, "## Agent notes\nsecond\n\n## Call details\n", "**Duration**: 1 hour, 1 second\n"),
    ],
)
def test_given_a_note_and_duration_when_updated_then_replaced_not_duplicated(
    log_format: LogFormat, note_line: str, duration_line: str
) -> None:
    created = compose(CallLogInputs(note="first", duration=125, result="Accepted"), log_format)
    updated = compose(CallLogInputs(note="second", duration=3601), log_format, existing_body=created)
    assert updated.startswith(note_line)
    assert duration_line in updated
    assert updated.count("first") == 0
    assert updated.count("Duration") == 1
    assert updated.count("Accepted") == 1


def test_given_a_plain_text_body_with_legacy_agent_notes_label_when_updated_then_note_line_replaced() -> None:
    existing = "- Agent notes: typed in the CRM\n- Duration: pending\n"
    updated = compose(CallLogInputs(note="new", duration=60), PLAIN, existing_body=existing)
    assert updated == "- Note: new\n- Duration: 1 minute\n"


def test_given_a_multi_line_note_when_updated_in_plain_text_then_whole_note_replaced() -> None:
    created = compose(CallLogInputs(note="line one\n\nline three", duration=5), PLAIN)
    assert created == "- Note: line one\n\nline three\n- Duration: 5 seconds\n"
    assert (
        compose(CallLogInputs(note="short"), PLAIN, existing_body=created)
        == "- Note: short\n- Duration: 5 seconds\n"
    )


def test_given_a_markdown_body_without_notes_when_a_note_is_added_then_it_goes_above_call_details() -> None:
    created = compose(CallLogInputs(duration=5), MARKDOWN, switched(addCallLogNote=False))
    assert created == "**Duration**: 5 seconds\n"
    with_header = "## Call details\n" + created
    assert compose(CallLogInputs(note="n"), MARKDOWN, existing_body=with_header) == (
        "## Agent notes\nn\n\n## Call details\n**Duration**: 5 seconds\n"
    )


def test_given_an_html_recording_pending_when_the_link_arrives_then_pending_replaced_by_link() -> None:
    created = compose(CallLogInputs(recording_link="pending"), HTML)
    assert created == "<li><b>Call recording link</b>: (pending...)</li>"
    updated = compose(CallLogInputs(recording_link="https://rec/2"), HTML, existing_body=created)
    assert updated == '<li><b>Call recording link</b>: <a target="_blank" href="https://rec/2">open</a></li>'


def test_given_an_html_body_with_a_list_when_a_recording_is_added_then_it_goes_inside_the_list() -> None:
    existing = "<ul><li><b>Result</b>: Missed</li></ul><p>footer</p>"
    updated = compose(CallLogInputs(voicemail_link="https://vm/1"), HTML, existing_body=existing)
    assert updated == (
        '<ul><li><b>Result</b>: Missed</li><li><b>Voicemail recording link</b>: <a target="_blank" '
        'href="https://vm/1">open</a></li></ul><p>footer</p>'
    )


def test_given_an_html_item_written_without_li_when_updated_then_normalised_in_place() -> None:
    existing = "<b>Duration</b>: pending<br><b>Result</b>: Busy<br>"
    updated = compose(CallLogInputs(duration=4, result="Call connected"), HTML, existing_body=existing)
    assert updated == "<li><b>Duration</b>: 4 seconds</li><br><li><b>Result</b>: Call connected</li><br>"


def test_given_a_plain_body_without_trailing_newline_when_a_recording_is_added_then_on_its_own_line() -> None:
    updated = compose(CallLogInputs(recording_link="https://rec/3"), PLAIN, existing_body="- Result: Missed")
    assert updated == "- Result: Missed\n- Call recording link: https://rec/3\n"


@pytest.mark.parametrize(
    ("log_format", "pending_body", "expected"),
    [
        (PLAIN, "- RingCentral user name: (pending...)\n", "- RingCentral user name: Test Agent\n"),
        (
            HTML,
            "<li><b>RingCentral user name</b>: (pending...)</li>",
            "<li><b>RingCentral user name</b>: Test Agent</li>",
        ),
        (MARKDOWN, "**RingCentral user name**: (pending...)\n", "**RingCentral user name**: Test Agent\n"),
    ],
)
def test_given_a_pending_user_name_when_updated_then_filled_but_a_known_name_is_kept(
    log_format: LogFormat, pending_body: str, expected: str
) -> None:
    inputs = CallLogInputs(direction="Outbound", from_party={"name": "Test Agent"})
    user_settings = switched(addRingCentralUserName=True)
    assert compose(inputs, log_format, user_settings, existing_body=pending_body) == expected
    other = CallLogInputs(direction="Outbound", from_party={"name": "Someone Else"})
    assert compose(other, log_format, user_settings, existing_body=expected) == expected


def test_given_an_update_request_when_read_then_no_contact_number_and_empty_legs() -> None:
    inputs = CallLogInputs.from_update_request({"sessionId": "s", "note": "n"}, session_id="s")
    assert inputs.contact_phone_number is None
    assert inputs.legs == []
    assert inputs.duration is None
    on = switched(addCallLogContactNumber=True, addCallSessionId=True)
    assert compose(inputs, PLAIN, on) == "- Note: n\n- Session Id: s\n"


def test_given_a_create_request_with_voicemail_when_read_then_body_link_wins_over_log_info() -> None:
    body = create_body(**{"logInfo.voicemail": {"link": "https://vm/from-log-info"}})
    assert CallLogInputs.from_create_request(body).voicemail_link == "https://vm/from-log-info"
    body["voicemailLink"] = "https://vm/from-body"
    assert CallLogInputs.from_create_request(body).voicemail_link == "https://vm/from-body"


def test_given_an_unknown_log_format_when_composed_then_value_error() -> None:
    with pytest.raises(ValueError, match="unsupported log format"):
        compose_call_log(CallLogInputs(note="x"), log_format="application/json")  # type: ignore[arg-type]


# --- HTML escaping (a fix: the reference inserted user text raw) --------------------------------------------

SCRIPT = "<script>alert('x')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#039;x&#039;)&lt;/script&gt;"


def test_given_a_script_note_when_composed_as_html_then_escaped() -> None:
    body = compose(CallLogInputs(note=SCRIPT), HTML)
    assert body == f"<b>Agent notes</b><br>{ESCAPED_SCRIPT}<br><br><b>Call details</b><br>"
    assert "<script>" not in body


def test_given_markup_in_every_user_field_when_composed_as_html_then_no_user_markup_survives() -> None:
    evil = CallLogInputs(
        session_id=SCRIPT,
        direction="Outbound",
        from_party={"name": SCRIPT, "phoneNumber": SCRIPT, "extensionNumber": SCRIPT},
        to_party={"name": SCRIPT, "extensionNumber": SCRIPT},
        legs=[{"direction": "Inbound", "to": {"name": SCRIPT, "phoneNumber": SCRIPT}}],
        contact_phone_number=SCRIPT,
        note=SCRIPT,
        subject=SCRIPT,
        duration=SCRIPT,
        result=SCRIPT,
        recording_link='https://rec/"><script>',
        voicemail_link=SCRIPT,
        ai_note=SCRIPT,
        transcript=SCRIPT,
        ring_sense_transcript=SCRIPT,
        ring_sense_summary=SCRIPT,
        ring_sense_ai_score=SCRIPT,
        ring_sense_bulleted_summary=SCRIPT,
        ring_sense_link=SCRIPT,
    )
    body = compose(evil, HTML, ALL_ON)
    assert "<script>" not in body
    assert "alert('x')" not in body
    assert body.count(ESCAPED_SCRIPT) >= 17
    assert 'href="https://rec/&quot;&gt;&lt;script&gt;"' in body


@pytest.mark.parametrize("log_format", [PLAIN, MARKDOWN])
def test_given_a_script_note_when_composed_as_text_then_kept_verbatim(log_format: LogFormat) -> None:
    assert SCRIPT in compose(CallLogInputs(note=SCRIPT, subject=SCRIPT), log_format)


def test_given_an_escaped_note_when_updated_then_replaced_and_parse_back_gives_the_users_text() -> None:
    created = compose(CallLogInputs(note="a < b & c", subject="x > y"), HTML)
    updated = compose(CallLogInputs(note="<i>new</i>", subject="x > y"), HTML, existing_body=created)
    assert updated == (
        "<b>Agent notes</b><br>&lt;i&gt;new&lt;/i&gt;<br><br><b>Call details</b><br>"
        "<li><b>Summary</b>: x &gt; y</li>"
    )
    assert pipedrive_note(updated) == "<i>new</i>"


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_given_replacement_tokens_in_user_text_when_updated_then_inserted_literally(
    log_format: LogFormat,
) -> None:
    created = compose(CallLogInputs(note="old", subject="old"), log_format)
    note, subject = "cost $& $1 \\1 $$", "$'"
    updated = compose(CallLogInputs(note=note, subject=subject), log_format, existing_body=created)
    shown = escape_html if log_format == HTML else str
    assert shown(note) in updated
    assert shown(subject) in updated
    assert "old" not in updated


@given(note=st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), min_size=1))
def test_given_any_single_line_note_when_composed_as_html_then_a_connector_reads_back_the_same_note(
    note: str,
) -> None:
    assert pipedrive_note(compose(CallLogInputs(note=note, duration=1), HTML)) == note


# --- Property: composing then updating with the same values changes nothing -------------------------------

_WORDS = st.text(st.sampled_from("abcXYZ 0123456789.,:;!?()/&<>\"'$\\"), min_size=1, max_size=20).filter(
    lambda text: text.strip() != ""
)
_LINES = st.lists(_WORDS, min_size=1, max_size=3).map("\n".join)
_LINKS = st.sampled_from(["https://rec/1", "https://media.example/a?b=1&c=2", "pending", "http://x/y"])
_PARTY: st.SearchStrategy[dict[str, str]] = st.fixed_dictionaries(
    {},
    optional={
        "name": _WORDS,
        "phoneNumber": st.sampled_from(["+14155550101", "+14155550199"]),
        "extensionNumber": st.sampled_from(["101", "205"]),
    },
)
_LEG: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"direction": st.sampled_from(["Inbound", "Outbound"]), "duration": st.integers(0, 500)},
    optional={"from": _PARTY, "to": _PARTY, "legType": st.sampled_from(["Accept", "PstnToSip", "FindMe"])},
)
_INPUTS = st.builds(
    CallLogInputs,
    session_id=st.none() | _WORDS,
    direction=st.sampled_from(["Inbound", "Outbound"]),
    from_party=st.none() | _PARTY,
    to_party=st.none() | _PARTY,
    legs=st.none() | st.lists(_LEG, max_size=3),
    contact_phone_number=st.none() | st.sampled_from(["+14155550199", "+442071838750"]),
    note=st.none() | _LINES,
    subject=st.none() | _WORDS,
    start_time=st.sampled_from(["2026-07-14T02:30:00.000Z", 1705314600000]),
    duration=st.integers(0, 100_000) | st.just("pending"),
    result=st.none() | _WORDS,
    recording_link=st.none() | _LINKS,
    voicemail_link=st.none() | _LINKS,
    ai_note=st.none() | _LINES,
    transcript=st.none() | _LINES,
    ring_sense_transcript=st.none() | _LINES,
    ring_sense_summary=st.none() | _LINES,
    ring_sense_ai_score=st.none() | st.integers(1, 100),
    ring_sense_bulleted_summary=st.none() | _LINES,
    ring_sense_link=st.none() | st.sampled_from(["https://ringsense.example.test/1", "https://a/b?c=d&e=f"]),
)
_SETTINGS = st.dictionaries(
    st.sampled_from(sorted(DEFAULT_SETTINGS)), st.builds(lambda value: {"value": value}, st.booleans())
)


@settings(max_examples=300, deadline=None)
@given(inputs=_INPUTS, user_settings=_SETTINGS, log_format=st.sampled_from(LOG_FORMATS))
def test_given_any_call_when_composed_then_updated_with_the_same_values_then_body_unchanged(
    inputs: CallLogInputs, user_settings: dict[str, Any], log_format: LogFormat
) -> None:
    created = compose(inputs, log_format, user_settings)
    assert compose(inputs, log_format, user_settings, existing_body=created) == created


def test_given_plain_text_note_and_ace_summary_when_updated_with_the_same_values_then_blank_line_kept() -> (
    None
):
    inputs = CallLogInputs(direction="Inbound", note="0", ring_sense_bulleted_summary="0")
    created = compose_call_log(inputs, log_format="text/plain", user_settings={})
    assert "\n\n- ACE bulleted summary:" in created
    assert (
        compose_call_log(inputs, log_format="text/plain", user_settings={}, existing_body=created) == created
    )


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "//evil.example/x",
    ],
)
@pytest.mark.parametrize(
    "upsert",
    [call_log_items.upsert_ring_sense_link, call_log_items.upsert_call_recording],
    ids=["ace", "recording"],
)
def test_given_a_link_that_is_not_http_when_written_in_html_then_it_is_never_a_clickable_link(
    link: str, upsert: Any
) -> None:
    body = upsert("<ul></ul>", link, "text/html")
    assert "<a " not in body
    assert "href" not in body


@pytest.mark.parametrize("link", ["https://media.ringcentral.com/rec/1", "http://127.0.0.1:8100/rec"])
def test_given_an_http_link_when_written_in_html_then_an_open_link(link: str) -> None:
    body = call_log_items.upsert_ring_sense_link("<ul></ul>", link, "text/html")
    assert f'href="{link}"' in body
