"""CRM failures become the reference's returnMessage shapes; request errors become their HTTP answers."""

from __future__ import annotations

from appconnect.errors import (
    AdminForbidden,
    AuthorizationRequired,
    CrmAuthError,
    CrmBadRequest,
    CrmCredentialsRevoked,
    CrmNotFound,
    CrmRateLimited,
    CrmUnavailable,
    SessionRevoked,
    crm_failure,
    crm_failure_answer,
    database_failure,
)


def test_given_rate_limit_when_mapped_then_rate_limit_exceeded_with_wait_hint() -> None:
    result = crm_failure(CrmRateLimited("429", retry_after=30), "findContact", "pipedrive")
    assert result["successful"] is False
    message = result["returnMessage"]
    assert message["message"] == "Rate limit exceeded"
    assert message["messageType"] == "warning"
    assert message["ttl"] == 5000
    assert "in 30 seconds" in message["details"][0]["items"][0]["text"]


def test_given_rate_limit_without_retry_after_when_mapped_then_reference_text() -> None:
    text = crm_failure(CrmRateLimited("429"), "findContact", "pipedrive")["returnMessage"]["details"][0][
        "items"
    ][0]
    assert text == {
        "id": "1",
        "type": "text",
        "text": (
            "You have exceeded the maximum number of requests allowed by pipedrive. "
            "Please try again in the next minute. If the problem persists please contact support."
        ),
    }


def test_given_crm_auth_failure_when_mapped_then_asks_to_reconnect() -> None:
    message = crm_failure(CrmAuthError("401", status=401), "createCallLog", "bullhorn")["returnMessage"]
    assert message["message"] == "Authorization error"
    assert "Connect your bullhorn account" in message["details"][0]["items"][0]["text"]


def test_given_crm_not_found_when_mapped_then_not_called_an_authorization_error() -> None:
    message = crm_failure(CrmNotFound("gone", status=404), "updateCallLog", "pipedrive")["returnMessage"]
    assert message["message"] == "Error updating call log"
    assert "not found" in message["details"][0]["items"][0]["text"]


def test_given_crm_outage_when_creating_log_then_operation_message_and_retry_hint() -> None:
    message = crm_failure(CrmUnavailable("503", status=503), "createCallLog", "insightly")["returnMessage"]
    assert message["message"] == "Error creating call log"
    texts = [item["text"] for item in message["details"][0]["items"]]
    assert texts[0] == "Please check if your account has permission to CREATE logs."
    assert "try again" in texts[1]


def test_given_crm_validation_error_when_mapped_then_crm_words_are_shown() -> None:
    message = crm_failure(CrmBadRequest("subject is required", status=400), "createCallLog", "redtail")
    texts = [item["text"] for item in message["returnMessage"]["details"][0]["items"]]
    assert "redtail said: subject is required" in texts


def test_given_unlisted_operation_when_mapped_then_generic_reference_message() -> None:
    message = crm_failure(CrmUnavailable("x"), "upsertCallDisposition", "pipedrive")["returnMessage"]
    assert message["message"] == "Error performing upsertCallDisposition"


def test_given_database_failure_when_mapped_then_reference_message() -> None:
    assert database_failure()["returnMessage"]["message"] == "Database operation failed"


def test_given_request_errors_when_answered_then_reference_status_and_bodies() -> None:
    assert (AuthorizationRequired().status, AuthorizationRequired().body()) == (
        400,
        "Please go to Settings and authorize CRM platform",
    )
    assert (AdminForbidden().status, AdminForbidden().body()) == (403, "Admin validation failed")
    revoked = SessionRevoked()
    assert revoked.status == 401
    assert revoked.body() == {
        "successful": False,
        "errorCode": "CRM_SESSION_REVOKED",
        "returnMessage": {
            "message": "User session expired. Please connect again.",
            "messageType": "warning",
            "ttl": 5000,
        },
    }


def test_given_a_revoked_stored_credential_when_answered_then_401_asking_to_connect_again() -> None:
    status, body = crm_failure_answer(CrmCredentialsRevoked("401", status=401), "findContact", "redtail")
    assert status == 401
    assert body["errorCode"] == "CRM_SESSION_REVOKED"
    assert body["returnMessage"]["message"] == "User session expired. Please connect again."


def test_given_other_credentials_refused_when_answered_then_200_authorization_error() -> None:
    status, body = crm_failure_answer(CrmAuthError("403", status=403), "findContact", "insightly")
    assert status == 200
    assert body["returnMessage"]["message"] == "Authorization error"
