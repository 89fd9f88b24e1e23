"""Scheduled token refresh: every CRM grant kept alive, whatever the number of users, with no scan.

* The scheduler (EventBridge, every ``TOKEN_REFRESH_PERIOD_S``) queries the Users table's
  ``TokenExpiryIndex`` (one query per shard) for the users whose access token expires before two periods
  from now plus a margin, or already has (a user who made no request since: their refresh token must
  still be used before the CRM drops it), and queues them, one user a message, ten messages a call.
* The worker (SQS, partial batch failures, a dead-letter queue after three tries) refreshes each through
  the same single-flight refresh as a request does, so it never races a request into a spurious 401; a
  user queued twice is refreshed once (the second finds the token fresh). A CRM with sessions of its own
  has its session checked too, and renewed when dead. A grant the CRM refuses marks the user: the next
  request answers 401 ``CRM_SESSION_REVOKED`` at once, without calling the CRM.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from appconnect import deadline, token_refresh, users
from appconnect.connector import UnknownPlatform, get_connector
from appconnect.errors import (
    AuthorizationRequired,
    CrmError,
    SessionRenewalFailed,
    SessionRevoked,
    aws_unavailable,
)
from appconnect.http import LambdaHandler, instrument
from appconnect.models import UserModel
from appconnect.observability import MetricUnit, logger, metrics
from appconnect.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

#: messages per SendMessageBatch (SQS's maximum)
SEND_BATCH = 10


def window_s(period_s: int) -> int:
    """How far ahead the scheduler looks: two periods and the request-time margin, so no token lapses
    between two runs even when one is late."""
    return 2 * period_s + token_refresh.REFRESH_MARGIN_S


def due_users(now: float, period_s: int) -> Iterator[tuple[str, int]]:
    """``(user id, tokenExpiresAt)`` of the users whose access token expires within the window (or has),
    from the index only."""
    until = int(now + window_s(period_s))
    for shard in range(users.REFRESH_SHARDS):
        for item in UserModel.token_expiry_index.query(f"oauth#{shard}", UserModel.token_expires_at <= until):
            yield str(item.id), int(item.token_expires_at or 0)


def schedule(now: float | None = None) -> int:
    """Queue every due user; the number queued."""
    return schedule_counts(now)[0]


def schedule_counts(now: float | None = None) -> tuple[int, int]:
    """Queue every due user; (queued, not queued). A batch SQS refuses (throttled, unavailable) is not
    queued this run and the rest still are: its users stay due, and the next run, within the window,
    queues them."""
    settings = get_settings()
    queue_url = settings.token_refresh_queue_url
    if not queue_url:
        raise RuntimeError("TOKEN_REFRESH_QUEUE_URL is not set")
    sqs = _sqs(settings.aws_region)
    batch: list[dict[str, str]] = []
    queued = missed = 0
    for user_id, expires_at in due_users(
        time.time() if now is None else now, settings.token_refresh_period_s
    ):
        body = json.dumps({"userId": user_id, "expiresAt": expires_at})
        batch.append({"Id": str(len(batch)), "MessageBody": body})
        if len(batch) == SEND_BATCH:
            sent = _send(sqs, queue_url, batch)
            queued, missed, batch = queued + sent, missed + len(batch) - sent, []
    if batch:
        sent = _send(sqs, queue_url, batch)
        queued, missed = queued + sent, missed + len(batch) - sent
    metrics.add_metric(name="TokenRefreshesQueued", unit=MetricUnit.Count, value=queued)
    if missed:
        metrics.add_metric(name="TokenRefreshesNotQueued", unit=MetricUnit.Count, value=missed)
    logger.info("token refresh scheduled", extra={"queued": queued, "notQueued": missed})
    return queued, missed


def _sqs(region: str) -> Any:
    """An SQS client (``AWS_ENDPOINT_URL`` locally), from botocore, which PynamoDB has loaded already: boto3's
    import (with s3transfer, multiprocessing ...) would cost the scheduler's cold start about 15 ms."""
    import botocore.session

    return botocore.session.get_session().create_client("sqs", region_name=region)


def _send(sqs: Any, queue_url: str, batch: list[dict[str, str]]) -> int:
    try:
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
    except Exception as error:
        if not aws_unavailable(error):
            raise  # a refusal that lasts (the function's policy, a missing queue): the invocation fails
        logger.warning(
            "token refresh messages not queued", extra={"failed": len(batch), "error": type(error).__name__}
        )
        return 0
    failed = answer.get("Failed") or []
    if failed:
        # the next run queues them again; say so rather than lose them silently
        logger.warning("token refresh messages not queued", extra={"failed": len(failed)})
    return len(batch) - len(failed)


def refresh_user(user_id: str, seen_expiry: int | None = None) -> str:
    """Refresh one queued user; what happened (``refreshed``, ``fresh``, ``revoked``, ``gone``)."""
    model = users.load(user_id)
    if model is None or not model.encrypted_access_token or model.needs_reconnect:
        return "gone"
    try:
        connector = get_connector(model.platform)
    except UnknownPlatform:
        return "gone"
    settings = get_settings()
    before = model.encrypted_access_token
    try:
        margin = window_s(settings.token_refresh_period_s)
        model = token_refresh.refresh_if_expiring(model, connector, margin_s=margin, seen_expiry=seen_expiry)
        if type(connector).implements("authValidation"):
            from appconnect.context import context_of

            context_of(model, connector).call(connector.validate_session)
    except SessionRevoked:
        metrics.add_metric(name="SessionsRevoked", unit=MetricUnit.Count, value=1)
        return "revoked"
    except AuthorizationRequired:
        return "gone"  # logged out meanwhile
    except SessionRenewalFailed as error:
        metrics.add_metric(name="TokenRefreshFailedCrm", unit=MetricUnit.Count, value=1)
        raise RetryLater(str(error)) from error
    except CrmError as error:
        metrics.add_metric(name=f"TokenRefreshFailed{type(error).__name__}", unit=MetricUnit.Count, value=1)
        raise RetryLater(type(error).__name__) from error
    refreshed = model.encrypted_access_token != before
    if refreshed:
        metrics.add_metric(name="TokensRefreshed", unit=MetricUnit.Count, value=1)
    return "refreshed" if refreshed else "fresh"


class RetryLater(Exception):
    """The CRM could not refresh now: the message goes back to the queue (and, after its tries, to the
    dead-letter queue)."""


def _record(record: SQSRecord) -> str:
    body = json.loads(record.body)
    user_id = body.get("userId") if isinstance(body, dict) else None
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("a token-refresh message names no userId")
    seen = body.get("expiresAt")
    return refresh_user(user_id, seen if isinstance(seen, int) and not isinstance(seen, bool) else None)


@cache
def _batch_processor() -> BatchProcessor:
    """Powertools' SQS batch processor, built by the worker's first invocation: its package imports
    asyncio, multiprocessing and every event class (about 20 ms), which the scheduler never needs."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    return BatchProcessor(event_type=EventType.SQS)


def _scheduler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    queued, missed = schedule_counts()
    return {"queued": queued, "notQueued": missed} if missed else {"queued": queued}


def _worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import process_partial_response

    deadline.start(context.get_remaining_time_in_millis() if context is not None else None)
    try:
        return dict(
            process_partial_response(
                event=event, record_handler=_record, processor=_batch_processor(), context=context
            )
        )
    finally:
        deadline.clear()


scheduler_handler: LambdaHandler = instrument(_scheduler)
worker_handler: LambdaHandler = instrument(_worker)
