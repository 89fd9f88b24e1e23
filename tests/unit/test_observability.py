"""Logs never carry secrets, whatever a log call is handed."""

from __future__ import annotations

import io
import json
import logging

from aws_lambda_powertools import Logger

from appconnect.observability import RedactingFormatter, redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjEtcGlwZWRyaXZlIn0.c2lnbmF0dXJlLXZhbHVl"


def test_given_jwt_in_text_when_redacted_then_gone() -> None:
    assert JWT not in redact(f"token was {JWT} ok")


def test_given_bearer_header_when_redacted_then_value_gone() -> None:
    assert redact("Authorization: Bearer abc.def-123") == "Authorization: Bearer [REDACTED]"


def test_given_secret_json_members_when_redacted_then_values_gone_and_others_kept() -> None:
    text = json.dumps(
        {
            "accessToken": "at-1",
            "refresh_token": "rt-2",
            "apiKey": "k-3",
            "password": "p",
            "platform": "pipedrive",
        }
    )
    cleaned = json.loads(redact(text))
    assert cleaned == {
        "accessToken": "[REDACTED]",
        "refresh_token": "[REDACTED]",
        "apiKey": "[REDACTED]",
        "password": "[REDACTED]",
        "platform": "pipedrive",
    }


def test_given_credentials_in_a_url_when_redacted_then_gone() -> None:
    assert (
        redact("GET /contact?jwtToken=abc&phoneNumber=1") == "GET /contact?jwtToken=[REDACTED]&phoneNumber=1"
    )


def test_given_logger_when_extra_fields_carry_tokens_then_output_has_none() -> None:
    stream = io.StringIO()
    log = Logger(
        service="redaction-test",
        logger_formatter=RedactingFormatter(),
        logger_handler=logging.StreamHandler(stream),
    )
    log.info(
        "user logged in", extra={"accessToken": "plain-secret-token", "jwt": JWT, "user": "42-pipedrive"}
    )
    output = stream.getvalue()
    assert "plain-secret-token" not in output
    assert JWT not in output
    assert "42-pipedrive" in output
