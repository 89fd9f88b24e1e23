"""A logging request reads the company's admin config (settings and user mappings) once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appconnect import admin_configs
from tests.api.pipedrive_world import call_log_body, message_body, new_session_id
from tests.reliability.test_crash_recovery import (  # noqa: F401 - the fixtures this module uses
    pipedrive_user,
    post_call_log,
    post_message_log,
    sandbox,
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    load = admin_configs.load

    def counting(hashed_account_id: str | None) -> Any:
        seen.append(hashed_account_id)
        return load(hashed_account_id)

    monkeypatch.setattr(admin_configs, "load", counting)
    return seen


def test_given_a_call_to_log_when_posted_then_the_admin_config_is_read_once(
    pipedrive_user: str,  # noqa: F811
    reads: list[Any],
) -> None:
    answer = json.loads(
        post_call_log(pipedrive_user, call_log_body(new_session_id()), remaining_ms=20_000)["body"]
    )

    assert answer["successful"] is True, answer
    assert len(reads) == 1


def test_given_a_message_to_log_when_posted_then_the_admin_config_is_read_once(
    pipedrive_user: str,  # noqa: F811
    reads: list[Any],
) -> None:
    body = message_body(int(new_session_id()), "Are you free at 3?", conversation=new_session_id())
    answer = json.loads(post_message_log(pipedrive_user, body, remaining_ms=20_000)["body"])

    assert answer["successful"] is True, answer
    assert len(reads) == 1
