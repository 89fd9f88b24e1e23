"""The local stack keeps the template's secrets where AWS does: in a Secrets Manager secret (moto), made from
the generated dev secrets, read by the functions through Powertools Parameters, under their IAM policies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from appconnect import secrets, settings
from appconnect.errors import ConfigurationError
from local import config, iam
from local.aws import EmbeddedAws, Provisioned, aws_client, deprovision, provision
from local.resources import local_parameters, secret_keys
from local.template import cached_template

DEV = {
    "APP_SERVER_SECRET_KEY": "dev-jwt-key-" + "j" * 40,
    "HASH_KEY": "dev-hash-key-" + "h" * 40,
}


@pytest.fixture(scope="module")
def provisioned() -> Iterator[tuple[EmbeddedAws, Provisioned, dict[str, Any]]]:
    template = cached_template()
    aws = EmbeddedAws().start()
    done = provision(
        aws.endpoint_url,
        template,
        parameters=local_parameters(template, DEV),
        prefix="secrets-test-",
        create_secrets=True,
    )
    yield aws, done, template
    deprovision(aws.endpoint_url, done)
    aws.stop()


@pytest.fixture
def stack_env(
    provisioned: tuple[EmbeddedAws, Provisioned, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The functions' environment as the local stack sets it: the secret's ARN, no secret value."""
    aws, done, _ = provisioned
    for name, value in config.forced_aws_environment(aws.endpoint_url).items():
        monkeypatch.setenv(name, value)
    for name in (*config.UNSET_ENV, "APP_SERVER_SECRET_KEY", "HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APPCONNECT_SECRETS_ID", done.secrets["AppSecrets"])
    settings.reload()
    yield done.secrets["AppSecrets"]
    monkeypatch.undo()
    settings.reload()


def test_given_the_template_when_provisioned_locally_then_the_secret_holds_the_dev_values(
    provisioned: tuple[EmbeddedAws, Provisioned, dict[str, Any]],
) -> None:
    aws, done, template = provisioned
    stored = aws_client("secretsmanager", aws.endpoint_url).get_secret_value(
        SecretId=done.secrets["AppSecrets"]
    )
    document = json.loads(stored["SecretString"])
    assert set(document) == set(secret_keys(template))
    assert document["APP_SERVER_SECRET_KEY"] == DEV["APP_SERVER_SECRET_KEY"]
    assert document["HASH_KEY"] == DEV["HASH_KEY"]
    # the sandbox's development credentials, by their setting names
    assert document["PIPEDRIVE_CLIENT_SECRET"] == config.DEV_PARAMETER_VALUES["PIPEDRIVE_CLIENT_SECRET"]
    assert done.resources["AppSecrets"].ref == done.secrets["AppSecrets"]


def test_given_the_secrets_arn_when_a_function_reads_a_secret_then_powertools_reads_it_from_moto(
    stack_env: str,
) -> None:
    assert settings.get_settings().require_jwt_secret() == DEV["APP_SERVER_SECRET_KEY"]
    assert settings.connector_setting("redtail", "API_KEY") == config.DEV_PARAMETER_VALUES["REDTAIL_API_KEY"]


def test_given_a_function_whose_policy_lacks_the_secret_when_it_reads_one_then_access_is_denied(
    stack_env: str, provisioned: tuple[EmbeddedAws, Provisioned, dict[str, Any]]
) -> None:
    _, done, template = provisioned
    policies = iam.function_policies(
        template, parameters=local_parameters(template, DEV), resources=done.resources
    )
    iam.install()
    try:
        secrets.clear_cache()
        with iam.acting_as(policies["FindContactFunction"]):
            assert settings.get_settings().require_hash_key() == DEV["HASH_KEY"]
        secrets.clear_cache()
        denied = policies["FindContactFunction"].without("secretsmanager:GetSecretValue")
        with iam.acting_as(denied), pytest.raises(ConfigurationError, match="cannot read the secret"):
            settings.get_settings().require_hash_key()
        secrets.clear_cache()
        # the scheduler is granted no secret: it needs none
        scheduler = policies["TokenRefreshSchedulerFunction"]
        with iam.acting_as(scheduler), pytest.raises(ConfigurationError, match="cannot read the secret"):
            settings.get_settings().require_jwt_secret()
    finally:
        secrets.clear_cache()
        iam.uninstall()


def test_given_a_secret_call_when_mapped_for_iam_then_it_names_the_secrets_arn() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"
    assert iam.requests_for("secretsmanager", "GetSecretValue", {"SecretId": arn}) == [
        iam.Request("secretsmanager:GetSecretValue", arn)
    ]
    (by_name,) = iam.requests_for("secretsmanager", "GetSecretValue", {"SecretId": "x"})
    assert by_name.resource == "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-??????"


def test_given_the_local_stack_when_started_then_the_functions_environment_holds_the_secrets_arn_only(
    tmp_path: Any,
) -> None:
    from local.stack import LocalStack

    stack = LocalStack(
        ports=config.Ports(api=0, dynamodb=0, sandbox=0),
        state_dir=tmp_path,
        with_sandbox=False,
        serve_http=False,
        poll_queues=False,
        warm_handlers=False,
        apply_environment=False,
    )
    with stack:
        assert stack.environment is not None
        assert stack.provisioned is not None
        values = stack.environment.values
        assert values["APPCONNECT_SECRETS_ID"] == stack.provisioned.secrets["AppSecrets"]
        assert not [name for name in values if settings.is_secret(name)]
        assert "TOKEN_ENCRYPTION_LOCAL_KEY" in values  # not a template secret: the local KMS stand-in
