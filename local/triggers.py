"""The non-HTTP event sources of the local stack: schedules fired on demand, and SQS delivered to a function.

:func:`scheduled_event` is the event EventBridge hands a scheduled function. :class:`SqsPoller` plays
Lambda's event source mapping: it long-polls the local queue, hands batches to the worker as an SQS
event and deletes what succeeded, honouring ``ReportBatchItemFailures``; failed messages stay in the
queue, come back after the visibility timeout and reach the dead-letter queue after ``maxReceiveCount``
(moto applies the redrive policy).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from local import config
from local.lambda_runtime import Invocation
from local.resources import ScheduleTrigger, arn


def scheduled_event(trigger: ScheduleTrigger, now: float | None = None) -> Any:
    """What the function receives when its schedule fires.

    A configured ``Input`` is passed as is (both rule types). A ``Schedule`` rule otherwise sends the
    "Scheduled Event" document; EventBridge Scheduler (``ScheduleV2``) sends ``{}``.
    """
    if trigger.input is not None:
        return json.loads(trigger.input)
    if trigger.event_type == "ScheduleV2":
        return {}
    now = time.time() if now is None else now
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": config.ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "region": config.REGION,
        "resources": [arn("events", f"rule/{config.STACK_NAME}-{trigger.function_id}{trigger.event_name}")],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """Lambda's SQS event for messages returned by ReceiveMessage."""
    records = []
    for message in messages:
        attributes = {key: str(value) for key, value in (message.get("Attributes") or {}).items()}
        message_attributes = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            message_attributes[name] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
        body = message.get("Body", "")
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": body,
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": config.REGION,
            }
        )
    return {"Records": records}


def failed_message_ids(
    invocation: Invocation, message_ids: list[str], report_item_failures: bool
) -> set[str]:
    """Which messages of a batch stay in the queue, by Lambda's rules for an SQS event source."""
    if not invocation.ok:
        return set(message_ids)
    if not report_item_failures:
        return set()
    result = invocation.result
    if not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in message_ids:
            # an empty or unknown identifier fails the whole batch
            return set(message_ids)
        failed.add(identifier)
    return failed


class SqsPoller:
    """Delivers a queue's messages to a function, in a background thread, until :meth:`stop`."""

    def __init__(
        self,
        *,
        sqs_client: Any,
        queue_url: str,
        queue_arn: str,
        invoke: Callable[[dict[str, Any]], Invocation],
        batch_size: int = 10,
        report_batch_item_failures: bool = False,
        wait_seconds: int = 1,
        retry_visibility_timeout: int | None = None,
        on_batch: Callable[[Invocation, int, int], None] | None = None,
    ) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._invoke = invoke
        self._batch_size = max(1, min(batch_size, 10))
        self._report = report_batch_item_failures
        self._wait_seconds = wait_seconds
        #: None keeps the queue's visibility timeout for failed messages (as in AWS); 0 retries at once
        self._retry_visibility_timeout = retry_visibility_timeout
        self._on_batch = on_batch
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SqsPoller:
        self._thread = threading.Thread(target=self._run, name=f"sqs-poller:{self._queue_arn}", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the thread to finish after its current long poll (see :meth:`stop`)."""
        self._stopping.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def poll_once(self) -> int:
        """Receive one batch and deliver it; the number of messages delivered."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages") or []
        if not messages:
            return 0
        invocation = self._invoke(sqs_event(messages, self._queue_arn))
        ids = [message["MessageId"] for message in messages]
        failed = failed_message_ids(invocation, ids, self._report)
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if failed and self._retry_visibility_timeout is not None:
            retry = [message for message in messages if message["MessageId"] in failed]
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self._retry_visibility_timeout,
                    }
                    for i, m in enumerate(retry)
                ],
            )
        if self._on_batch is not None:
            self._on_batch(invocation, len(messages), len(failed))
        return len(messages)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # keep polling: the embedded server may be stopping, or a blip
                if self._stopping.is_set():
                    return
                print(
                    f"sqs poller {self._queue_arn}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True
                )
                self._stopping.wait(1.0)
