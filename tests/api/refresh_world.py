"""The scheduled token refresh against a local stack of its own, over real HTTP and real SQS.

The stack is started for the token-refresh tests alone: failed SQS messages come back after a second
(``--retry-failed-messages-after``) so a poison message reaches the dead-letter queue within the test, and
moto's request recorder is on (``MOTO_RECORDER_FILEPATH``), so a test can read every DynamoDB operation the
functions made (the embedded DynamoDB serves another process: its requests are the only record of them).

Users are stored with the product's own code (``users.save_login``: tokens encrypted with the stack's
development key, the expiry index attributes set as a login sets them) pointed at the stack's DynamoDB,
and their tokens are real sandbox grants minted through the control API.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from local.aws import recorded_dynamodb_requests
from tests.sandbox_client import SandboxClient
from tests.stack import StackProcess, start_stack

#: the sandbox's Pipedrive user the minted grants belong to (the App Connect users are ours alone)
SANDBOX_PIPEDRIVE_USER = 12345
PIPEDRIVE_HOSTNAME = "sandbox.pipedrive.com"
#: the scheduler's window with the template's period (300 s): 2 * 300 + 120
WINDOW_S = 720
SCHEDULER = "TokenRefreshSchedulerFunction"


def grant_type(entry: dict[str, Any]) -> str:
    """The grant of a token request in a sandbox journal (form body or query string)."""
    for part in ("form", "query"):
        value = (entry.get(part) or {}).get("grant_type")
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return ""


def used_refresh_token(entry: dict[str, Any]) -> str:
    for part in ("form", "query"):
        value = (entry.get(part) or {}).get("refresh_token")
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return ""


class Sandbox(SandboxClient):
    """One OAuth sandbox CRM (``pipedrive``, ``bullhorn``) of the refresh stack."""

    def mint(self, expires_in: int, user_id: int = SANDBOX_PIPEDRIVE_USER) -> dict[str, Any]:
        """A real grant (access and refresh token) of the sandbox, as a login would get."""
        return dict(self.own("POST", "tokens", {"user_id": user_id, "expires_in": expires_in}))

    def revoke(self, token: str) -> None:
        assert self.own("POST", "expire", {"token": token, "revoke": True})["revoked"] is True

    def refresh_grants(self) -> list[dict[str, Any]]:
        """The ``grant_type=refresh_token`` calls of the token endpoint, oldest first."""
        return [e for e in self.journal("POST", "/oauth/token$") if grant_type(e) == "refresh_token"]

    def refreshes_by_token(self) -> Counter[str]:
        """How many times each refresh token was presented."""
        return Counter(used_refresh_token(e) for e in self.refresh_grants())


# -- the stack ----------------------------------------------------------------------------------------------


@dataclass
class RefreshStack:
    """The stack, its SQS queues and the recording of its DynamoDB requests."""

    stack: StackProcess
    recording: Path
    queue_url: str
    dead_letter_url: str
    sqs: Any
    http: requests.Session = field(default_factory=requests.Session)
    #: worker batches logged before this many are left out of :meth:`worker_batches` (see :meth:`mark`)
    batches_seen: int = 0

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    @property
    def sandbox_url(self) -> str:
        assert self.stack.sandbox_url is not None
        return self.stack.sandbox_url

    def sandbox(self, system: str) -> Sandbox:
        return Sandbox(self.http, self.sandbox_url, system)

    def run_scheduler(self) -> int:
        """Fire the scheduler once, as EventBridge would; how many users it queued."""
        response = self.http.post(f"{self.api_url}/__local/schedules/{SCHEDULER}", timeout=120)
        assert response.status_code == 200, response.text
        return int(response.json()["queued"])

    def local_description(self) -> dict[str, Any]:
        response = self.http.get(f"{self.api_url}/__local", timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())

    # -- SQS ----------------------------------------------------------------------------------------------

    def queue_counts(self, url: str | None = None) -> tuple[int, int]:
        """(visible, in flight) messages of the queue (the refresh queue by default)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url or self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def wait_until_drained(self, timeout: float = 120.0, messages: int | None = None) -> None:
        """Wait until the worker has taken every message off the refresh queue.

        ``messages``: how many messages the worker will have handled since :meth:`mark` by then; the wait
        watches the stack's log until then, which costs the stack nothing (moto computes every queue
        attribute by walking all the messages, so frequent ``GetQueueAttributes`` on a long queue would
        steal the worker's time)."""
        started = time.monotonic()
        if messages is not None:
            while sum(batch["messages"] for batch in self.worker_batches()) < messages:
                if time.monotonic() - started > timeout:
                    raise AssertionError(f"the worker handled fewer than {messages} messages in {timeout} s")
                time.sleep(0.25)
        idle_since: float | None = None
        while time.monotonic() - started < timeout:
            if self.queue_counts() == (0, 0):
                # the last batch is deleted before the poller logs it: a short quiet spell settles it
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= 0.3:
                    return
            else:
                idle_since = None
            time.sleep(0.1)
        raise AssertionError(f"the refresh queue still holds {self.queue_counts()} after {timeout} s")

    def send_raw(self, *bodies: str) -> None:
        """Put messages straight on the refresh queue, in one batch (as the scheduler sends them)."""
        answer = self.sqs.send_message_batch(
            QueueUrl=self.queue_url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)],
        )
        assert not answer.get("Failed"), answer

    def dead_letters(self) -> list[str]:
        """The bodies in the dead-letter queue (received and put back at once)."""
        bodies = []
        answer = self.sqs.receive_message(
            QueueUrl=self.dead_letter_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=0
        )
        for message in answer.get("Messages") or []:
            bodies.append(str(message["Body"]))
        return bodies

    def mark(self) -> None:
        """From now on :meth:`worker_batches` answers only the batches logged after this call."""
        self.batches_seen += len(self.worker_batches())

    def worker_batches(self) -> list[dict[str, Any]]:
        """The worker's batches logged since :meth:`mark`: ``{messages, failed, durationMs ...}``."""
        batches = []
        for line in self.stack.stdout().splitlines():
            if '"source": "sqs:' not in line and '"source":"sqs:' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and str(record.get("source", "")).startswith("sqs:"):
                batches.append(record)
        return batches[self.batches_seen :]

    # -- DynamoDB requests ----------------------------------------------------------------------------

    def _recorder(self, action: str) -> requests.Response:
        response = self.http.post(f"{self.stack.dynamodb_url}/moto-api/recorder/{action}", timeout=30)
        assert response.status_code == 200, response.text
        return response

    @contextmanager
    def recording_dynamodb(self) -> Iterator[list[DynamoCall]]:
        """Record every DynamoDB request the embedded server receives in the block; the list is filled
        when the block ends."""
        self._recorder("reset-recording")
        self._recorder("start-recording")
        calls: list[DynamoCall] = []
        try:
            yield calls
        finally:
            self._recorder("stop-recording")
            calls.extend(dynamodb_calls(self.recording.read_text(encoding="utf-8")))
            self._recorder("reset-recording")


@dataclass(frozen=True)
class DynamoCall:
    operation: str
    table: str
    index: str | None
    body: dict[str, Any]


def dynamodb_calls(recording: str) -> list[DynamoCall]:
    """The DynamoDB operations of a moto recording (other services' requests are left out)."""
    return [
        DynamoCall(
            operation=operation,
            table=str(body.get("TableName", "")),
            index=body.get("IndexName"),
            body=body,
        )
        for operation, body in recorded_dynamodb_requests(recording)
    ]


def _queue_url(sqs: Any, suffix: str) -> str:
    urls = sqs.list_queues().get("QueueUrls") or []
    matches = [url for url in urls if url.rstrip("/").rsplit("/", 1)[-1].endswith(suffix)]
    assert len(matches) == 1, (suffix, urls)
    return str(matches[0])


def start_refresh_stack(directory: Path) -> RefreshStack:
    """A stack of its own: failed messages retried after 1 s, moto's recorder writing to ``directory``."""
    import boto3

    recording = directory / "dynamodb-recording.jsonl"
    recording.parent.mkdir(parents=True, exist_ok=True)
    recording.touch()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTO_RECORDER_FILEPATH", str(recording))
        patch.delenv("MOTO_ENABLE_RECORDING", raising=False)
        stack = start_stack(directory / "stack", "--retry-failed-messages-after", "1")
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    return RefreshStack(
        stack=stack,
        recording=recording,
        queue_url=_queue_url(sqs, "TokenRefreshQueue"),
        dead_letter_url=_queue_url(sqs, "TokenRefreshDeadLetterQueue"),
        sqs=sqs,
    )


# -- users stored by the product's own code, in the stack's DynamoDB ------------------------------------


@contextmanager
def product_against(stack: StackProcess) -> Iterator[None]:
    """The product's code in this process pointed at the stack's tables, development key and JWT secret."""
    from appconnect import crypto, models, settings
    from tests.api.stack_tables import stack_table

    _, users_table = stack_table(stack.dynamodb_url, "UsersTable")
    _, cache_table = stack_table(stack.dynamodb_url, "CacheTable")
    values = {
        "USERS_TABLE": users_table,
        "CACHE_TABLE": cache_table,
        "DYNAMODB_ENDPOINT_URL": stack.dynamodb_url,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local-dev-access-key",
        "AWS_SECRET_ACCESS_KEY": "local-dev-secret-key",
        "TOKEN_ENCRYPTION_LOCAL_KEY": stack.dev_secret("TOKEN_ENCRYPTION_LOCAL_KEY"),
        "APP_SERVER_SECRET_KEY": stack.dev_secret("APP_SERVER_SECRET_KEY"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("JWT_ISSUER", "JWT_AUDIENCE", "JWT_LIFETIME_DAYS", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        for name, value in values.items():
            patch.setenv(name, value)
        models.bind(settings.reload())
        crypto.reset()
        try:
            yield
        finally:
            patch.undo()
            models.bind(settings.reload())
            crypto.reset()


@dataclass(frozen=True)
class StoredUser:
    user_id: str
    jwt: str
    access_token: str
    refresh_token: str


def store_user(
    user_id: str,
    platform: str,
    *,
    access_token: str,
    refresh_token: str | None,
    token_expiry: float | None,
    hostname: str = PIPEDRIVE_HOSTNAME,
    additional_info: dict[str, Any] | None = None,
    session: dict[str, Any] | None = None,
) -> StoredUser:
    """A connected user saved as a login saves one (call inside :func:`product_against`)."""
    from appconnect import session as jwt_session
    from appconnect import users

    model = users.save_login(
        users.Login(
            user_id=user_id,
            platform=platform,
            name="Jordan Lee",
            hostname=hostname,
            access_token=access_token,
            refresh_token=refresh_token,
            token_expiry=token_expiry,
            timezone_name="America/New_York",
            timezone_offset="-04:00",
            platform_additional_info=dict(additional_info or {}),
            rc_account_id=None,
            hashed_rc_account_id=None,
            hashed_rc_extension_id=None,
            session=session,
        ),
        lambda home, _info: home,
    )
    token = jwt_session.issue(model.id, platform, generation=int(model.session_generation or 0))
    return StoredUser(user_id, token, access_token, refresh_token or "")


def store_pipedrive_users(
    sandbox: Sandbox,
    prefix: str,
    count: int,
    *,
    expires_in: int,
    mint: Callable[[int], dict[str, Any]] | None = None,
) -> list[StoredUser]:
    """``count`` Pipedrive users, each with a grant of their own minted by the sandbox, whose access tokens
    expire in ``expires_in`` seconds (both in the sandbox and in what is stored)."""
    minted = [(mint or sandbox.mint)(expires_in) for _ in range(count)]
    stored = []
    for i, tokens in enumerate(minted):
        stored.append(
            store_user(
                f"{prefix}{i}-pipedrive",
                "pipedrive",
                access_token=str(tokens["access_token"]),
                refresh_token=str(tokens["refresh_token"]),
                token_expiry=time.time() + int(tokens["expires_in"]),
                additional_info={"companyId": 7001},
            )
        )
    return stored


def form_of(entry: dict[str, Any]) -> dict[str, str]:
    """A journal entry's form parameters (single values)."""
    form = entry.get("form")
    if isinstance(form, dict):
        return {k: (v[0] if isinstance(v, list) else str(v)) for k, v in form.items()}
    text = entry.get("text") or ""
    return {k: v[0] for k, v in parse_qs(str(text)).items()}
