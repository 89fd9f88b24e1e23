"""The scheduled token refresh (appconnect.scheduled) with its collaborators stubbed: the window arithmetic,
what the scheduler sends, what ``refresh_user`` answers for each kind of user and failure, and how the worker
reports a batch. The same paths against a real stack are in tests/api/test_token_refresh_schedule.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from appconnect import scheduled, settings, token_refresh, users
from appconnect.connector import Connector, CrmUser, StatusResult, UnknownPlatform
from appconnect.errors import (
    AuthorizationRequired,
    CrmAuthError,
    CrmRateLimited,
    CrmUnavailable,
    SessionRenewalFailed,
    SessionRevoked,
)
from appconnect.models import UserModel
from tests.unit.conftest import LambdaContext

NOW = 1_800_000_000.0


class FakePipedrive(Connector):
    platform = "pipedrive"
    display_name = "Pipedrive"
    auth_type = "oauth"


class FakeBullhorn(Connector):
    """A CRM with sessions of its own: ``validate_session`` is what ``authValidation`` calls."""

    platform = "bullhorn"
    display_name = "Bullhorn"
    auth_type = "oauth"

    def validate_session(self, *, user: CrmUser, auth_header: str) -> StatusResult:
        raise AssertionError("called through the stubbed context only")


def stored(user_id: str = "42-pipedrive", platform: str = "pipedrive", **values: Any) -> UserModel:
    defaults: dict[str, Any] = {
        "platform": platform,
        "encrypted_access_token": "v1.local.old-access",
        "encrypted_refresh_token": "v1.local.refresh",
        "token_expiry": NOW + 300,
        "session_generation": 0,
    }
    defaults.update(values)
    return UserModel(user_id, **defaults)


class Calls:
    """What the stubs saw."""

    def __init__(self) -> None:
        self.refreshes: list[tuple[str, float]] = []
        self.validations: list[str] = []
        self.metrics: list[tuple[str, float]] = []


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    seen = Calls()

    def add_metric(*, name: str, unit: Any, value: float, **_: Any) -> None:
        seen.metrics.append((name, value))

    monkeypatch.setattr(scheduled.metrics, "add_metric", add_metric)
    return seen


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, calls: Calls) -> dict[str, Any]:
    """One stored user (``world["user"]``, None: gone) and what the refresh does (``world["refresh"]``)."""
    state: dict[str, Any] = {"user": stored(), "refresh": None, "validate": None}

    def load(user_id: str) -> UserModel | None:
        user = state["user"]
        return user if user is not None and user.id == user_id else None

    def refresh_if_expiring(
        model: UserModel, connector: Connector, margin_s: float = 0, seen_expiry: int | None = None
    ) -> UserModel:
        calls.refreshes.append((model.id, margin_s))
        outcome = state["refresh"]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome if outcome is not None else model

    def get_connector(platform: str) -> Connector:
        known: dict[str, Connector] = {"pipedrive": FakePipedrive(), "bullhorn": FakeBullhorn()}
        if platform not in known:
            raise UnknownPlatform(platform)
        return known[platform]

    class Context:
        def __init__(self, model: UserModel) -> None:
            self.model = model

        def call(self, method: Any, /, **_: Any) -> Any:
            calls.validations.append(self.model.id)
            if isinstance(state["validate"], BaseException):
                raise state["validate"]
            return StatusResult(successful=True)

    import appconnect.context

    monkeypatch.setattr(users, "load", load)
    monkeypatch.setattr(token_refresh, "refresh_if_expiring", refresh_if_expiring)
    monkeypatch.setattr(scheduled, "get_connector", get_connector)
    monkeypatch.setattr(appconnect.context, "context_of", lambda model, connector: Context(model))
    return state


# -- the window -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "window"), [(300, 720), (60, 240), (0, 120), (3600, 7320)])
def test_given_a_period_when_computing_the_window_then_two_periods_and_the_request_margin(
    period: int, window: int
) -> None:
    assert scheduled.window_s(period) == window == 2 * period + token_refresh.REFRESH_MARGIN_S


def test_given_now_when_finding_due_users_then_each_shard_queried_up_to_now_plus_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queries: list[tuple[str, dict[str, Any]]] = []

    def query(hash_key: str, range_key_condition: Any = None, **_: Any) -> Iterator[UserModel]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        expression = range_key_condition.serialize(names, values)
        queries.append((hash_key, {"expression": expression, "names": names, "values": values}))
        yield UserModel(f"{hash_key}-user", token_expires_at=int(NOW))

    monkeypatch.setattr(UserModel.token_expiry_index, "query", query)

    due = list(scheduled.due_users(NOW + 0.9, 300))

    # each with the expiry it was seen with, so the worker can tell a refresh that happened since
    assert due == [(f"oauth#{shard}-user", int(NOW)) for shard in range(users.REFRESH_SHARDS)]
    assert [shard for shard, _ in queries] == ["oauth#0", "oauth#1", "oauth#2", "oauth#3"]
    for _, condition in queries:
        assert condition["expression"] == "#0 <= :0"
        assert condition["names"] == {"tokenExpiresAt": "#0"}
        # inclusive, whole seconds (tokenExpiresAt is stored as int(expiry))
        assert condition["values"] == {":0": {"N": str(int(NOW + 0.9 + 720))}}


def test_given_a_token_expiring_at_the_edge_of_the_window_when_checked_then_scheduler_and_worker_agree() -> (
    None
):
    """The scheduler queues ``tokenExpiresAt <= now + window``; the worker, a moment later, refreshes when
    the expiry is ``< now + window``: a user queued at the edge is refreshed, not skipped as fresh."""
    edge = stored(token_expiry=NOW + 720)
    assert int(edge.token_expiry) <= int(NOW + scheduled.window_s(300))
    assert token_refresh.is_expiring(edge, now=NOW + 0.5, margin_s=scheduled.window_s(300))
    assert not token_refresh.is_expiring(edge, now=NOW - 1, margin_s=scheduled.window_s(300))


# -- the scheduler ------------------------------------------------------------------------------------------


class FakeSqs:
    def __init__(self, failing: set[str] | None = None) -> None:
        self.batches: list[list[dict[str, str]]] = []
        self.failing = failing or set()

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert QueueUrl == "https://sqs.local/q"
        self.batches.append(Entries)
        failed = [
            {"Id": e["Id"], "SenderFault": False, "Code": "InternalError"}
            for e in Entries
            if json.loads(e["MessageBody"])["userId"] in self.failing
        ]
        return {"Successful": [], "Failed": failed} if failed else {"Successful": []}


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch, calls: Calls) -> Iterator[FakeSqs]:
    sqs = FakeSqs()
    monkeypatch.setenv("TOKEN_REFRESH_QUEUE_URL", "https://sqs.local/q")
    monkeypatch.setenv("TOKEN_REFRESH_PERIOD_S", "300")
    settings.reload()
    monkeypatch.setattr(scheduled, "_sqs", lambda region: sqs)
    yield sqs
    monkeypatch.undo()
    settings.reload()


def test_given_23_due_users_when_scheduling_then_one_message_each_ten_a_call(
    queue: FakeSqs, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    seen: list[tuple[float, int]] = []

    def due_users(now: float, period_s: int) -> Iterator[tuple[str, int]]:
        seen.append((now, period_s))
        yield from ((f"{i}-pipedrive", 1_800_000_000 + i) for i in range(23))

    monkeypatch.setattr(scheduled, "due_users", due_users)

    assert scheduled.schedule(now=NOW) == 23

    assert seen == [(NOW, 300)]
    assert [len(batch) for batch in queue.batches] == [10, 10, 3]
    bodies = [json.loads(entry["MessageBody"]) for batch in queue.batches for entry in batch]
    assert bodies == [{"userId": f"{i}-pipedrive", "expiresAt": 1_800_000_000 + i} for i in range(23)]
    for batch in queue.batches:
        assert len({entry["Id"] for entry in batch}) == len(batch)  # ids unique within a call
    assert calls.metrics == [("TokenRefreshesQueued", 23)]


def test_given_no_due_user_when_scheduling_then_nothing_sent(
    queue: FakeSqs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduled, "due_users", lambda now, period_s: iter(()))
    assert scheduled.schedule(now=NOW) == 0
    assert queue.batches == []


def test_given_sqs_refusing_some_entries_when_scheduling_then_only_those_sent_are_counted(
    queue: FakeSqs, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue.failing = {"3-pipedrive", "12-pipedrive"}
    monkeypatch.setattr(
        scheduled, "due_users", lambda now, period_s: ((f"{i}-pipedrive", 1) for i in range(15))
    )
    assert scheduled.schedule(now=NOW) == 13


def test_given_no_queue_configured_when_scheduling_then_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOKEN_REFRESH_QUEUE_URL", raising=False)
    settings.reload()
    with pytest.raises(RuntimeError, match="TOKEN_REFRESH_QUEUE_URL"):
        scheduled.schedule(now=NOW)


# -- refresh_user -------------------------------------------------------------------------------------------


def test_given_a_user_that_is_gone_when_refreshing_then_gone_and_nothing_called(
    world: dict[str, Any], calls: Calls
) -> None:
    world["user"] = None
    assert scheduled.refresh_user("42-pipedrive") == "gone"
    assert calls.refreshes == []
    assert calls.metrics == []


def test_given_a_logged_out_user_when_refreshing_then_gone_and_nothing_called(
    world: dict[str, Any], calls: Calls
) -> None:
    world["user"] = stored(encrypted_access_token=None, encrypted_refresh_token=None, token_expiry=None)
    assert scheduled.refresh_user("42-pipedrive") == "gone"
    assert calls.refreshes == []


def test_given_a_user_marked_for_reconnect_when_refreshing_then_gone_without_asking_the_crm_again(
    world: dict[str, Any], calls: Calls
) -> None:
    world["user"] = stored(needs_reconnect=True)
    assert scheduled.refresh_user("42-pipedrive") == "gone"
    assert calls.refreshes == []


def test_given_an_unknown_platform_when_refreshing_then_gone(world: dict[str, Any], calls: Calls) -> None:
    world["user"] = stored("7-retired", platform="retired")
    assert scheduled.refresh_user("7-retired") == "gone"
    assert calls.refreshes == []


def test_given_a_logout_during_the_refresh_when_refreshing_then_gone(
    world: dict[str, Any], calls: Calls
) -> None:
    world["refresh"] = AuthorizationRequired()
    assert scheduled.refresh_user("42-pipedrive") == "gone"
    assert calls.metrics == []


def test_given_a_token_due_when_refreshing_then_refreshed_with_the_scheduler_window_and_counted(
    world: dict[str, Any], calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN_REFRESH_PERIOD_S", "60")
    settings.reload()
    world["refresh"] = stored(encrypted_access_token="v1.local.new-access", token_expiry=NOW + 3600)

    assert scheduled.refresh_user("42-pipedrive") == "refreshed"

    assert calls.refreshes == [("42-pipedrive", 240)]  # 2 * 60 + 120: the window, not a request's margin
    assert calls.metrics == [("TokensRefreshed", 1)]
    assert calls.validations == []  # Pipedrive has no session of its own to check


def test_given_a_token_already_fresh_when_refreshing_then_fresh_and_not_counted(
    world: dict[str, Any], calls: Calls
) -> None:
    assert scheduled.refresh_user("42-pipedrive") == "fresh"
    assert calls.metrics == []


def test_given_the_crm_refusing_the_grant_when_refreshing_then_revoked_and_the_metric(
    world: dict[str, Any], calls: Calls
) -> None:
    world["refresh"] = SessionRevoked()
    assert scheduled.refresh_user("42-pipedrive") == "revoked"
    assert calls.metrics == [("SessionsRevoked", 1)]


@pytest.mark.parametrize(
    ("failure", "metric"),
    [
        (
            SessionRenewalFailed("the token endpoint did not answer", platform="pipedrive"),
            "TokenRefreshFailedCrm",
        ),
        (CrmUnavailable("503", status=503, platform="pipedrive"), "TokenRefreshFailedCrmUnavailable"),
        (CrmRateLimited("429", platform="pipedrive"), "TokenRefreshFailedCrmRateLimited"),
    ],
    ids=["renewal-failed", "crm-unavailable", "rate-limited"],
)
def test_given_the_crm_failing_when_refreshing_then_retry_later_and_the_metric(
    world: dict[str, Any], calls: Calls, failure: Exception, metric: str
) -> None:
    world["refresh"] = failure
    with pytest.raises(scheduled.RetryLater) as raised:
        scheduled.refresh_user("42-pipedrive")
    assert raised.value.__cause__ is failure
    assert calls.metrics == [(metric, 1)]


def test_given_a_crm_with_sessions_when_refreshing_then_its_session_is_checked_too(
    world: dict[str, Any], calls: Calls
) -> None:
    world["user"] = stored("456-bullhorn", platform="bullhorn")
    assert scheduled.refresh_user("456-bullhorn") == "fresh"
    assert calls.validations == ["456-bullhorn"]


def test_given_a_crm_session_check_failing_when_refreshing_then_retry_later(
    world: dict[str, Any], calls: Calls
) -> None:
    world["user"] = stored("456-bullhorn", platform="bullhorn")
    world["validate"] = CrmAuthError("401", status=401, platform="bullhorn")
    with pytest.raises(scheduled.RetryLater):
        scheduled.refresh_user("456-bullhorn")
    assert calls.metrics == [("TokenRefreshFailedCrmAuthError", 1)]


def test_given_the_session_check_finding_the_grant_revoked_when_refreshing_then_revoked(
    world: dict[str, Any], calls: Calls
) -> None:
    world["user"] = stored("456-bullhorn", platform="bullhorn")
    world["validate"] = SessionRevoked()
    assert scheduled.refresh_user("456-bullhorn") == "revoked"
    assert calls.metrics == [("SessionsRevoked", 1)]


# -- the worker: partial batch failures -------------------------------------------------------------------


def sqs_record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:TokenRefreshQueue",
        "awsRegion": "us-east-1",
    }


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_given_a_batch_with_poison_and_failing_messages_when_the_worker_runs_then_only_those_are_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handled: list[str] = []

    def refresh_user(user_id: str, seen_expiry: int | None = None) -> str:
        handled.append(user_id)
        if user_id == "down-pipedrive":
            raise scheduled.RetryLater("CrmUnavailable")
        return "refreshed"

    monkeypatch.setattr(scheduled, "refresh_user", refresh_user)
    event = {
        "Records": [
            sqs_record("ok-1", '{"userId": "1-pipedrive"}'),
            sqs_record("not-json", "not json"),
            sqs_record("no-user", '{"user": "2-pipedrive"}'),
            sqs_record("not-a-string", '{"userId": 3}'),
            sqs_record("a-list", '["4-pipedrive"]'),
            sqs_record("down", '{"userId": "down-pipedrive"}'),
            sqs_record("ok-2", '{"userId": "5-pipedrive"}'),
        ]
    }

    result = scheduled.worker_handler(event, LambdaContext(remaining_ms=60_000))

    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": "not-json"},
            {"itemIdentifier": "no-user"},
            {"itemIdentifier": "not-a-string"},
            {"itemIdentifier": "a-list"},
            {"itemIdentifier": "down"},
        ]
    }
    assert handled == ["1-pipedrive", "down-pipedrive", "5-pipedrive"]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_given_a_batch_that_all_succeeds_when_the_worker_runs_then_no_failure_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcomes = iter(["refreshed", "fresh", "revoked", "gone"])
    monkeypatch.setattr(scheduled, "refresh_user", lambda user_id, seen_expiry=None: next(outcomes))
    event = {"Records": [sqs_record(f"m{i}", json.dumps({"userId": f"{i}-pipedrive"})) for i in range(4)]}

    assert scheduled.worker_handler(event, LambdaContext()) == {"batchItemFailures": []}
