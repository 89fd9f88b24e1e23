"""The connector SDK's shared helpers: who an admin assigned a log to, what the answer says about it, and
parallel calls."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from appconnect import deadline, session
from appconnect.connector.helpers import assigned_crm_user_id, assignment_message, in_parallel

MAPPINGS: list[dict[str, Any]] = [
    {"crmUserId": "808", "rcExtensionId": ["101", "102"]},
    {"crmUserId": "909", "rcExtensionId": "103"},
]


def test_given_no_assignment_when_asked_then_none() -> None:
    assert assigned_crm_user_id({"adminAssignedUserRcId": "101"}, MAPPINGS, "pipedrive") is None


def test_given_assignee_jwt_of_the_same_platform_when_asked_then_its_crm_user_id() -> None:
    token = session.issue("4242-pipedrive", "pipedrive")
    submission = {"isAssignedToUser": True, "adminAssignedUserToken": token, "adminAssignedUserRcId": "101"}
    assert assigned_crm_user_id(submission, MAPPINGS, "pipedrive") == "4242"


def test_given_assignee_jwt_of_another_platform_when_asked_then_the_mapping_decides() -> None:
    token = session.issue("4242-insightly", "insightly")
    submission = {"isAssignedToUser": True, "adminAssignedUserToken": token, "adminAssignedUserRcId": "102"}
    assert assigned_crm_user_id(submission, MAPPINGS, "pipedrive") == "808"


@pytest.mark.parametrize(("rc_id", "expected"), [("103", "909"), (101, "808"), ("999", None), ("", None)])
def test_given_mapped_extension_when_asked_then_mapped_crm_user(rc_id: object, expected: str | None) -> None:
    submission = {"isAssignedToUser": True, "adminAssignedUserRcId": rc_id}
    assert assigned_crm_user_id(submission, MAPPINGS, "pipedrive") == expected


@pytest.mark.parametrize(
    ("submission", "assignee"),
    [
        ({}, None),
        ({"isAssignedToUser": False, "adminAssignedUserRcId": "999"}, None),
        ({"isAssignedToUser": True, "adminAssignedUserRcId": "103"}, 909),
        ({"isAssignedToUser": True, "adminAssignedUserRcId": "103"}, "909"),
    ],
    ids=["nothing-asked", "not-assigned-to-a-user", "assigned-id", "assigned-text-id"],
)
def test_given_no_assignment_asked_or_an_assignee_when_answered_then_the_plain_success(
    submission: dict[str, Any], assignee: object
) -> None:
    assert assignment_message(submission, assignee, "Message logged", "Pipedrive", ttl=1000) == {
        "message": "Message logged",
        "messageType": "success",
        "ttl": 1000,
    }


@pytest.mark.parametrize("assignee", [None, ""])
def test_given_assignment_asked_but_no_assignee_when_answered_then_logged_but_not_assigned_warning(
    assignee: object,
) -> None:
    submission = {"isAssignedToUser": True, "adminAssignedUserRcId": "999"}

    answer = assignment_message(submission, assignee, "Call logged", "Redtail")

    assert answer["message"] == (
        "Call logged, but not assigned: no Redtail user is mapped to this RingCentral user"
    )
    assert (answer["messageType"], answer["ttl"]) == ("warning", 5000)
    [detail] = answer["details"][0]["items"]
    assert "map this RingCentral user to a Redtail user" in detail["text"]


def test_given_no_submission_when_answered_then_the_plain_success_with_the_default_ttl() -> None:
    assert assignment_message(None, None, "Call logged", "Bullhorn") == {
        "message": "Call logged",
        "messageType": "success",
        "ttl": 2000,
    }


def test_given_three_calls_when_run_in_parallel_then_all_run_at_once_and_results_keep_their_order() -> None:
    together = threading.Barrier(3, timeout=5)  # breaks unless the three calls are running at the same time

    def call(value: int) -> int:
        together.wait()
        return value

    assert in_parallel([lambda v=v: call(v) for v in (1, 2, 3)]) == [1, 2, 3]  # type: ignore[misc]


def test_given_a_failing_call_when_run_in_parallel_then_its_error_after_the_others_end() -> None:
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        finished.set()

    def boom() -> None:
        raise ValueError("crm said no")

    with pytest.raises(ValueError, match="crm said no"):
        in_parallel([slow, boom])
    assert finished.is_set()


def test_given_a_deadline_when_run_in_parallel_then_each_call_sees_it() -> None:
    deadline.start(5_000)
    seen = in_parallel([deadline.remaining, deadline.remaining])
    assert all(0 < value <= 4.0 for value in seen)


@pytest.mark.parametrize(("value", "expected"), [(701, 701), ("701", 701), (" 701 ", 701)])
def test_given_a_number_or_digit_text_when_read_as_a_crm_id_then_that_integer(
    value: object, expected: int
) -> None:
    from appconnect.connector.helpers import numeric_id

    assert numeric_id(value, "contactId", "Bullhorn person", "bullhorn") == expected


@pytest.mark.parametrize("value", [True, None, "", "-5", "7a", 7.5, "not-a-number"])
def test_given_anything_else_when_read_as_a_crm_id_then_a_bad_request_naming_it(value: object) -> None:
    from appconnect.connector.helpers import numeric_id
    from appconnect.errors import CrmBadRequest

    with pytest.raises(CrmBadRequest, match="is not a Redtail contact id"):
        numeric_id(value, "contactId", "Redtail contact", "redtail")
