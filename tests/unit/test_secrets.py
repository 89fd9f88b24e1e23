"""The secrets of a deployed stack: read from Secrets Manager on first use, through Powertools Parameters'
cache, never at import, never logged (appconnect.secrets, appconnect.settings.secret_setting)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from appconnect import secrets, settings
from appconnect.errors import ConfigurationError
from appconnect.hashing import hash_id
from appconnect.session import issue, verify

LAYER = Path(__file__).resolve().parents[2] / "layers" / "appconnect"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appconnect-AppSecrets-AbCdEf"
DOCUMENT = {
    "APP_SERVER_SECRET_KEY": "from-secrets-manager-jwt-key-0123456789abcdef",
    "HASH_KEY": "from-secrets-manager-hash-key-0123456789abcdef",
    "PIPEDRIVE_CLIENT_SECRET": "from-secrets-manager-pipedrive",
    "BULLHORN_CLIENT_SECRET": "",
    "REDTAIL_API_KEY": "from-secrets-manager-redtail",
}


class FakeSecretsManager:
    """A boto3 Secrets Manager client: counts GetSecretValue calls, fails when told to."""

    def __init__(self, document: dict[str, str] | str) -> None:
        self.document = document
        self.calls: list[str] = []
        self.fail = False

    def get_secret_value(self, SecretId: str, **_: Any) -> dict[str, Any]:
        self.calls.append(SecretId)
        if self.fail:
            raise RuntimeError("ThrottlingException: rate exceeded")
        text = self.document if isinstance(self.document, str) else json.dumps(self.document)
        return {"ARN": SecretId, "SecretString": text}


@pytest.fixture
def secrets_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSecretsManager]:
    """The stack's environment: the secret's ARN, and stray environment values the secret must win over."""
    client = FakeSecretsManager(dict(DOCUMENT))
    monkeypatch.setenv("APPCONNECT_SECRETS_ID", SECRET_ARN)
    monkeypatch.setenv("PIPEDRIVE_CLIENT_SECRET", "stray-environment-value")
    settings.reload()
    secrets.use_provider(SecretsProvider(boto3_client=client))
    yield client
    monkeypatch.delenv("APPCONNECT_SECRETS_ID")
    settings.reload()


def test_given_no_secret_named_when_a_secret_is_read_then_it_comes_from_the_environment() -> None:
    # development and the unit tests (tests/unit/conftest.py sets APP_SERVER_SECRET_KEY and HASH_KEY)
    assert settings.get_settings().secrets_id == ""
    assert settings.get_settings().require_jwt_secret() == "unit-test-jwt-secret-0123456789abcdef"


def test_given_the_secret_when_read_many_times_then_secrets_manager_is_asked_once(
    secrets_manager: FakeSecretsManager,
) -> None:
    current = settings.get_settings()
    assert current.require_jwt_secret() == DOCUMENT["APP_SERVER_SECRET_KEY"]
    assert current.require_hash_key() == DOCUMENT["HASH_KEY"]
    token = issue("user-1", "pipedrive", settings=current)
    assert verify(token, settings=current) is not None
    hash_id("12345")
    assert secrets_manager.calls == [SECRET_ARN]


def test_given_the_secret_when_a_connector_reads_its_client_secret_then_the_secret_wins_over_the_environment(
    secrets_manager: FakeSecretsManager,
) -> None:
    assert settings.connector_setting("pipedrive", "CLIENT_SECRET") == DOCUMENT["PIPEDRIVE_CLIENT_SECRET"]
    assert settings.connector_setting("redtail", "API_KEY") == DOCUMENT["REDTAIL_API_KEY"]
    # empty in the secret: the connector's default, as an unset variable gives
    assert settings.connector_setting("bullhorn", "CLIENT_SECRET", "dflt") == "dflt"


def test_given_the_secret_when_a_connector_reads_a_plain_setting_then_secrets_manager_is_not_asked(
    secrets_manager: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPEDRIVE_CLIENT_ID", "client-id")
    settings.reload()
    assert settings.connector_setting("pipedrive", "CLIENT_ID") == "client-id"
    assert settings.connector_setting("pipedrive", "API_URL", "https://api.pipedrive.com") == (
        "https://api.pipedrive.com"
    )
    assert secrets_manager.calls == []


def test_given_the_secret_when_older_than_its_max_age_then_read_again(
    secrets_manager: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETS_MAX_AGE_S", "1")
    settings.reload()
    secrets.use_provider(SecretsProvider(boto3_client=secrets_manager))
    settings.secret_setting("HASH_KEY")
    provider = secrets._secrets_provider()
    for key in list(provider.store):  # as if the entry were older than its max age
        provider.store[key] = provider.store[key]._replace(ttl=provider.store[key].ttl.replace(year=2000))
    settings.secret_setting("HASH_KEY")
    assert len(secrets_manager.calls) == 2


def test_given_secrets_manager_failing_on_the_first_read_when_a_secret_is_needed_then_configuration_error(
    secrets_manager: FakeSecretsManager,
) -> None:
    secrets_manager.fail = True
    with pytest.raises(ConfigurationError) as raised:
        settings.get_settings().require_jwt_secret()
    assert "rate exceeded" not in str(raised.value)
    assert "APPCONNECT_SECRETS_ID" in str(raised.value)


def test_given_secrets_manager_failing_on_a_later_read_when_a_secret_is_needed_then_the_last_value_serves(
    secrets_manager: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from appconnect import observability

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.logger.formatter)
    observability.logger._logger.addHandler(handler)
    monkeypatch.setattr(observability.logger._logger, "level", logging.INFO)
    monkeypatch.setattr(observability.logger._logger, "disabled", False)
    assert settings.secret_setting("HASH_KEY") == DOCUMENT["HASH_KEY"]
    secrets._secrets_provider().clear_cache()  # expired
    secrets_manager.fail = True
    assert settings.secret_setting("HASH_KEY") == DOCUMENT["HASH_KEY"]
    assert len(secrets_manager.calls) == 2
    observability.logger._logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "secret refresh failed" in logged
    assert all(value not in logged for value in DOCUMENT.values() if value)


@pytest.mark.parametrize("content", ["not json", '["a list"]'])
def test_given_a_secret_that_is_not_a_json_object_when_read_then_the_error_does_not_show_it(
    secrets_manager: FakeSecretsManager, content: str
) -> None:
    secrets_manager.document = content
    with pytest.raises(ConfigurationError) as raised:
        settings.secret_setting("HASH_KEY")
    assert content not in str(raised.value)


def test_given_the_secret_lacking_the_jwt_key_when_required_then_configuration_error_names_it(
    secrets_manager: FakeSecretsManager,
) -> None:
    secrets_manager.document = {"HASH_KEY": "h" * 40}
    with pytest.raises(ConfigurationError, match="APP_SERVER_SECRET_KEY is not set"):
        settings.get_settings().require_jwt_secret()


def test_given_a_fresh_interpreter_when_the_secrets_module_is_imported_then_powertools_and_boto3_wait() -> (
    None
):
    probe = (
        "import sys, appconnect.secrets, appconnect.settings; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'aws_lambda_powertools')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(LAYER)},
    )
    assert out.stdout.strip() == "[]"


def test_given_the_settings_module_when_its_names_are_listed_then_the_readme_documents_each() -> None:
    source = (LAYER / "appconnect" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'(?:_text|_int|_flag|_log_level|os\.environ\.get)\(\s*"([A-Z0-9_]+)"', source))
    assert {"APPCONNECT_SECRETS_ID", "SECRETS_MAX_AGE_S"} <= names
    readme = (LAYER.parents[1] / "README.md").read_text(encoding="utf-8")
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
