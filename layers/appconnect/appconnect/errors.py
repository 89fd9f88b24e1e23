"""The error hierarchy and the reference's response conventions, in one place.

Two families:

* :class:`ApiError` subclasses stop a request and become an HTTP response (status, content type, body)
  exactly as the extension expects them (docs/compatibility.md).
* :class:`CrmError` subclasses are raised by the shared CRM client and connectors; an operation turns them
  into the reference's ``{successful: false, returnMessage}`` answer with :func:`crm_failure`.
"""

from __future__ import annotations

import sys
from typing import Any

TEXT_CONTENT_TYPE = "text/html; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"

AUTHORIZE_CRM_MESSAGE = "Please go to Settings and authorize CRM platform"
DATABASE_FAILED = "Database operation failed"


class AppConnectError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(AppConnectError):
    """The deployment is missing or has a malformed setting: an operator must fix it."""


# --- errors that become an HTTP response -----------------------------------------------------------------


class ApiError(AppConnectError):
    """An error answered to the client as is: ``status`` plus a text or JSON body."""

    status: int = 400

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self._body = body

    def body(self) -> Any:
        """The response body: a ``str`` is sent as text, anything else as JSON."""
        return self._body if self._body is not None else self.message


class BadRequest(ApiError):
    """The request is wrong (a missing or malformed parameter): 400 with a message a person can act on."""

    status = 400


class JsonBadRequest(BadRequest):
    """400 with the reference's JSON shape ``{"error": message}``."""

    def body(self) -> Any:
        return {"error": self.message}


class AuthorizationRequired(BadRequest):
    """No usable App Connect JWT. The reference answers 400 with this exact text; clients key on it."""

    def __init__(self) -> None:
        super().__init__(AUTHORIZE_CRM_MESSAGE)


class UserMissing(AuthorizationRequired):
    """A valid JWT whose user no longer exists or holds no CRM credentials. Each JWT route answers its own
    "not found" (:mod:`appconnect.route_auth`); elsewhere it answers like a missing JWT."""


class SessionRevoked(ApiError):
    """The CRM session can no longer be refreshed: 401 with ``errorCode: CRM_SESSION_REVOKED``."""

    status = 401

    def __init__(self) -> None:
        super().__init__("User session expired. Please connect again.")

    def body(self) -> Any:
        return {
            "successful": False,
            "returnMessage": return_message(self.message, "warning"),
            "errorCode": "CRM_SESSION_REVOKED",
        }


class AdminForbidden(ApiError):
    status = 403

    def __init__(self) -> None:
        super().__init__("Admin validation failed")


class NotImplementedOperation(ApiError):
    """A declared route whose operation has not been built yet: 501, never a fake success."""

    status = 501

    def __init__(self, operation: str) -> None:
        super().__init__(f"{operation} is not implemented on this server yet.")
        self.operation = operation

    def body(self) -> Any:
        return {"successful": False, "error": self.message, "operation": self.operation}


class ConnectorNotBuilt(ApiError):
    """The platform's connector does not offer what the request needs (Bullhorn and Redtail before their
    connectors are built): 501 with a clear message, on every route, logins included."""

    status = 501

    def __init__(self, crm: str, method: str) -> None:
        super().__init__(
            f"{crm} is not supported by this server yet: its connector does not implement {method}."
        )
        self.crm = crm

    def body(self) -> Any:
        return {
            "successful": False,
            "error": self.message,
            "returnMessage": return_message(f"{self.crm} is not supported by this server yet", "warning"),
        }


# --- errors raised by CRM calls ----------------------------------------------------------------------------


class CrmError(AppConnectError):
    """A CRM call failed. ``status`` is the CRM's HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, platform: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.platform = platform
        #: the CRM's parsed error body, when it sent JSON (never shown to users: it may echo input)
        self.body: Any = None


class CrmAuthError(CrmError):
    """The CRM rejected the credentials (401/403)."""


class CrmCredentialsRevoked(CrmAuthError):
    """The stored credential itself is dead (a Redtail user key that was revoked or reset): the user must
    connect again. Answered as an expired session: 401 with ``errorCode: CRM_SESSION_REVOKED``."""


class CrmSessionExpired(CrmAuthError):
    """The CRM session opened with the user's OAuth token (Bullhorn's ``BhRestToken``) is no longer valid;
    the OAuth grant may well be. The core opens a new session, once for all concurrent requests, and
    retries the call once."""


class CrmNotFound(CrmError):
    """The CRM record does not exist (404)."""


class CrmBadRequest(CrmError):
    """The CRM refused the request as invalid (400, 409, 422)."""


class CrmRateLimited(CrmError):
    """The CRM answered 429; ``retry_after`` seconds when it said."""

    def __init__(
        self, message: str, *, status: int | None = 429, platform: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status, platform=platform)
        self.retry_after = retry_after


class CrmUnavailable(CrmError):
    """The CRM failed (5xx), timed out or dropped the connection."""


class CrmBadAnswer(CrmError):
    """The CRM answered 2xx with something its API never returns (``null``, not JSON): not a "not found"."""


class SessionRenewalFailed(CrmError):
    """The CRM session could not be renewed now (token endpoint down, refused the client, or another
    request's renewal took too long); the grant itself may still be good, so the user is not logged out."""


# --- the reference's returnMessage conventions -----------------------------------------------------------


def return_message(
    message: str, message_type: str = "warning", ttl: int = 5000, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {"message": message, "messageType": message_type, "ttl": ttl}
    if details is not None:
        result["details"] = details
    return result


def details(*texts: str, numeric_ids: bool = False) -> list[dict[str, Any]]:
    """The reference's ``details`` block: one "Details" section with a text item per line. Its item ids are
    strings (``"1"``), except in the operation messages of a failed CRM call, where they are numbers."""
    return [
        {
            "title": "Details",
            "items": [
                {"id": i if numeric_ids else str(i), "type": "text", "text": text}
                for i, text in enumerate(texts, 1)
            ],
        }
    ]


_OPERATION_MESSAGES = {
    "createCallLog": (
        "Error creating call log",
        "Please check if your account has permission to CREATE logs.",
    ),
    "updateCallLog": (
        "Error updating call log",
        "Please check if the log entity still exists on {platform} and "
        "your account has permission to EDIT logs.",
    ),
    "getCallLog": ("Error getting call log", "Please check if your account has permission to READ logs."),
    "createMessageLog": (
        "Error creating message log",
        "Please check if your account has permission to CREATE logs.",
    ),
    "updateMessageLog": (
        "Error updating message log",
        "Please check if the log entity still exists on "
        "{platform} and your account has permission to EDIT logs.",
    ),
    "findContact": ("Error finding contact", "Please check if your account has permission to GET contacts."),
    "createContact": (
        "Error creating contact",
        "Please check if your account has permission to CREATE contacts.",
    ),
    "findContactWithName": (
        "Error searching contacts",
        "Please check if your account has permission to GET contacts.",
    ),
}


def crm_failure(error: CrmError, operation: str, platform: str) -> dict[str, Any]:
    """The ``{successful: false, returnMessage}`` answer (HTTP 200) for a failed CRM call.

    Kept from the reference: 429 is "Rate limit exceeded" and an auth failure asks to reconnect.
    Fixed: a CRM 404 or 400 is no longer reported as "Authorization error" (docs/compatibility.md).
    """
    if isinstance(error, CrmRateLimited):
        wait = f"in {int(error.retry_after)} seconds" if error.retry_after else "in the next minute"
        message = return_message(
            "Rate limit exceeded",
            details=details(
                f"You have exceeded the maximum number of requests allowed by {platform}. "
                f"Please try again {wait}. If the problem persists please contact support."
            ),
        )
    elif isinstance(error, CrmAuthError):
        message = return_message(
            "Authorization error",
            details=details(
                f"It seems like there's something wrong with your authorization of {platform}. "
                f"Please Logout and then Connect your {platform} account within this extension."
            ),
        )
    elif isinstance(error, SessionRenewalFailed):
        message = return_message(
            f"Could not renew your {platform} session",
            details=details(
                f"App Connect could not renew your {platform} session just now ({error}). Please try again "
                "in a moment. If it keeps failing, ask your administrator to check the server's "
                f"{platform} app settings."
            ),
        )
    elif isinstance(error, CrmNotFound):
        title, _ = _OPERATION_MESSAGES.get(operation, (f"Error performing {operation}", ""))
        message = return_message(
            title,
            details=details(
                f"The record was not found on {platform}. It may have been deleted.", numeric_ids=True
            ),
        )
    else:
        title, text = _OPERATION_MESSAGES.get(
            operation,
            (f"Error performing {operation}", "Please check if your account has the necessary permissions."),
        )
        texts = [text.format(platform=platform)]
        if isinstance(error, CrmBadRequest) and str(error):
            texts.append(f"{platform} said: {error}")
        elif isinstance(error, CrmUnavailable):
            texts.append(f"{platform} is not responding right now. Please try again in a moment.")
        message = return_message(title, details=details(*texts, numeric_ids=True))
    return {"successful": False, "returnMessage": message}


#: operations whose failed CRM call is not the usual HTTP 200 ``{successful:false, returnMessage}``
_LOGIN_FAILURES = {
    # the reference answers an exception during the code exchange or user lookup 400 {"error": message}
    "oauthCallback": lambda error, _platform: (400, {"error": str(error) or "The CRM refused the login."}),
    # and an API-key login's failure 400 with the operation message
    "apiKeyLogin": lambda error, platform: (400, crm_failure(error, "apiKeyLogin", platform)),
}


def crm_failure_answer(error: CrmError, operation: str, platform: str) -> tuple[int, Any]:
    """(status, body) for a failed CRM call in ``operation``: the one place that decides it."""
    special = _LOGIN_FAILURES.get(operation)
    if special is not None:
        return special(error, platform)
    if isinstance(error, CrmCredentialsRevoked):
        revoked = SessionRevoked()
        return revoked.status, revoked.body()
    return 200, crm_failure(error, operation, platform)


def database_failure() -> dict[str, Any]:
    return {"successful": False, "returnMessage": return_message(DATABASE_FAILED)}


# --- AWS briefly unable to answer ------------------------------------------------------------------------

#: AWS error codes of a service briefly unable to answer: throttled past botocore's own retries, failing
#: inside, or overloaded. A refusal that will not change by itself (``AccessDeniedException``: the
#: function's policy; ``ValidationException``: our request) is not among them: that stays a 500.
TRANSIENT_AWS_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "KMSInternalException",
        "DependencyTimeoutException",
        "KeyUnavailableException",
        "RequestThrottled",
        "InternalError",
    }
)


def _aws_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` or a PynamoDB error, shortened (``...#Code``,
    ``AWS.SimpleQueueService.Code``: ``Code``)."""
    code = getattr(error, "cause_response_code", None)
    if code is None:
        response = getattr(error, "response", None)
        if isinstance(response, dict):
            code = (response.get("Error") or {}).get("Code")
    return str(code).rsplit("#", 1)[-1].rsplit(".", 1)[-1] if code else None


def aws_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is DynamoDB or KMS briefly unable to answer: a throttle or an
    internal error that outlasted botocore's retries, or the endpoint unreachable. Looked up without
    importing botocore: a request that never loaded it cannot have failed in it."""
    botocore_errors = sys.modules.get("botocore.exceptions")
    # no connection (refused, timed out) or no answer on it (closed, read timeout)
    unreachable = tuple(
        getattr(botocore_errors, name) for name in ("ConnectionError", "HTTPClientError") if botocore_errors
    )
    seen: BaseException | None = error
    for _ in range(8):  # the chain: PynamoDB wraps botocore's error; the core adds its own on top
        if seen is None:
            return False
        if _aws_code(seen) in TRANSIENT_AWS_CODES:
            return True
        if unreachable and isinstance(seen, unreachable):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def aws_unavailable_answer(operation: str) -> tuple[int, Any]:
    """(status, body) when DynamoDB or KMS could not answer: the reference's database-error answer
    (``handleDatabaseError``: HTTP 200, "Database operation failed"); a login answers 400 ``{"error"}`` as
    the reference answers any exception in a login."""
    if operation in _LOGIN_FAILURES:
        return 400, {"error": DATABASE_FAILED}
    return 200, database_failure()
