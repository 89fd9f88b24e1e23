"""Local development configuration: the one place for ports, names and development-only values.

Nothing here is deployed. ``python -m local`` and the test fixtures read it; the functions see its values
only through the environment the local stack sets for them (see :func:`function_environment`).

Every environment name the local stack sets or reads is listed in this module:

* :data:`TOOL_ENV` - read by ``local/`` itself (ports);
* :data:`FORCED_AWS_ENV` - always set, so local code can never reach real AWS;
* :func:`connector_environment` - points each connector at the sandbox CRMs;
* :data:`GENERATED_SECRETS` - development secrets generated once and kept under ``.local-state/``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REGION = "us-east-1"
#: moto's default account: ARNs and queue URLs carry it
ACCOUNT_ID = "123456789012"
STACK_NAME = "appconnect-local"
#: local physical names are this prefix + the template's logical id (``appconnect-local-UsersTable``)
RESOURCE_PREFIX = f"{STACK_NAME}-"
#: the API id that stands in for API Gateway's in events and ``!Ref HttpApi``
API_ID = "local"
STATE_DIR = ROOT / ".local-state"

DEFAULT_API_PORT = 3000
DEFAULT_DYNAMODB_PORT = 8000
DEFAULT_SANDBOX_PORT = 8100

#: environment read by the local tooling itself (for the README's configuration table)
TOOL_ENV: dict[str, str] = {
    "PORT": f"port of the local API (default {DEFAULT_API_PORT}; 0 = any free port)",
    "DYNAMODB_PORT": (
        f"port of the embedded DynamoDB, moto (default {DEFAULT_DYNAMODB_PORT}; a free port when taken; "
        "0 = any free port)"
    ),
    "SANDBOX_PORT": f"port of the sandbox CRMs (default {DEFAULT_SANDBOX_PORT}; 0 = any free port)",
}

#: these never come from the developer's shell: they keep every AWS call on the embedded moto server
FORCED_AWS_ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "DYNAMODB_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_EC2_METADATA_DISABLED",
    "APPCONNECT_STAGE",
)
#: removed from the process environment so boto3 cannot pick up a developer's real AWS identity
UNSET_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

#: dev-only secrets: generated once per checkout, stored in .local-state/dev-secrets.json (gitignored). Those
#: the template keeps in Secrets Manager go into the local stack's secret, not the functions' environment.
GENERATED_SECRETS = ("APP_SERVER_SECRET_KEY", "HASH_KEY", "TOKEN_ENCRYPTION_LOCAL_KEY")

#: dev-only values for template parameters, by the environment name the template gives them.
#: The OAuth clients and the Redtail partner key are the sandbox's own development credentials.
DEV_PARAMETER_VALUES: dict[str, str] = {
    "PIPEDRIVE_CLIENT_ID": "sandbox-pipedrive-client",
    "PIPEDRIVE_CLIENT_SECRET": "sandbox-pipedrive-secret",
    "BULLHORN_CLIENT_ID": "sandbox-bullhorn-client",
    "BULLHORN_CLIENT_SECRET": "sandbox-bullhorn-secret",
    "REDTAIL_API_KEY": "sandbox-redtail-partner-key",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}

#: local hosts a client-supplied CRM URL may point at, appended to each CRM's own patterns
LOCAL_ALLOWED_HOSTS = "127.0.0.1,localhost"


@dataclass(frozen=True)
class Ports:
    api: int
    dynamodb: int
    sandbox: int


def schedule_seconds_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``LOCAL_SCHEDULE_SECONDS``: how often the local stack fires the scheduled functions (60; 0: never)."""
    raw = (os.environ if environ is None else environ).get("LOCAL_SCHEDULE_SECONDS", "").strip()
    try:
        value = float(raw) if raw else 60.0
    except ValueError:
        raise SystemExit(f"LOCAL_SCHEDULE_SECONDS must be a number of seconds, got {raw!r}") from None
    return max(value, 0.0)


def ports_from_env(environ: Mapping[str, str] | None = None) -> Ports:
    """The ports asked for in ``PORT``, ``DYNAMODB_PORT`` and ``SANDBOX_PORT`` (defaults otherwise)."""
    environ = os.environ if environ is None else environ

    def port(name: str, default: int) -> int:
        raw = environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SystemExit(f"{name} must be a port number, got {raw!r}") from None
        if not 0 <= value <= 65535:
            raise SystemExit(f"{name} must be between 0 and 65535, got {value}")
        return value

    return Ports(
        api=port("PORT", DEFAULT_API_PORT),
        dynamodb=port("DYNAMODB_PORT", DEFAULT_DYNAMODB_PORT),
        sandbox=port("SANDBOX_PORT", DEFAULT_SANDBOX_PORT),
    )


def forced_aws_environment(aws_endpoint_url: str) -> dict[str, str]:
    """AWS settings of every local function: all of boto3 and PynamoDB go to the embedded moto server."""
    return {
        # boto3 >= 1.28 sends every service to this endpoint (DynamoDB, SQS, KMS); no core code needed
        "AWS_ENDPOINT_URL": aws_endpoint_url,
        # what appconnect.settings reads for PynamoDB's Meta.host
        "DYNAMODB_ENDPOINT_URL": aws_endpoint_url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # dummy credentials: moto accepts any, and no real identity can leak into a local request
        "AWS_ACCESS_KEY_ID": "local-dev-access-key",
        "AWS_SECRET_ACCESS_KEY": "local-dev-secret-key",
        "AWS_EC2_METADATA_DISABLED": "true",
        "APPCONNECT_STAGE": "local",
    }


def local_runtime_environment() -> dict[str, str]:
    """Powertools settings that differ locally (defaults: the developer may override them)."""
    return {
        # no X-Ray daemon here
        "POWERTOOLS_TRACE_DISABLED": "true",
        # EMF metric documents would interleave with the access log on stdout; set "false" to see them
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def connector_environment(sandbox_url: str, api_url: str) -> dict[str, str]:
    """Point each connector (and RingCentral) at the sandbox CRMs; the developer's shell may override."""
    sandbox = sandbox_url.rstrip("/")
    return {
        "APP_SERVER": api_url.rstrip("/"),
        "RINGCENTRAL_SERVER": f"{sandbox}/ringcentral",
        "PIPEDRIVE_API_URL": f"{sandbox}/pipedrive",
        "PIPEDRIVE_OAUTH_URL": f"{sandbox}/pipedrive",
        # the sandbox serves every company's API under the same prefix
        "PIPEDRIVE_COMPANY_URL": f"{sandbox}/pipedrive",
        "PIPEDRIVE_ALLOWED_HOSTS": f"*.pipedrive.com,{LOCAL_ALLOWED_HOSTS}",
        # Bullhorn's token and REST URLs come from the client; only the authorize page is configured
        "BULLHORN_AUTH_URL": f"{sandbox}/bullhorn",
        "BULLHORN_ALLOWED_HOSTS": f"*.bullhornstaffing.com,{LOCAL_ALLOWED_HOSTS}",
        # Insightly's API URL is typed in at login: use {sandbox}/insightly/v3.1
        "INSIGHTLY_API_VERSION": "v3.1",
        "INSIGHTLY_ALLOWED_HOSTS": f"*.insightly.com,{LOCAL_ALLOWED_HOSTS}",
        "REDTAIL_API_URL": f"{sandbox}/redtail",
        "REDTAIL_ALLOWED_HOSTS": f"*.redtailtechnology.com,{LOCAL_ALLOWED_HOSTS}",
    }


def connector_hints(sandbox_url: str) -> dict[str, str]:
    """Values a developer types into the extension to reach a sandbox (printed at start-up)."""
    sandbox = sandbox_url.rstrip("/")
    return {
        "Insightly API URL (login form)": f"{sandbox}/insightly/v3.1",
        "Bullhorn tokenUrl (client)": f"{sandbox}/bullhorn/oauth/token",
        "Bullhorn apiUrl (client)": f"{sandbox}/bullhorn/rest-services",
    }


def _generate(name: str) -> str:
    if name == "TOKEN_ENCRYPTION_LOCAL_KEY":
        return base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    return secrets.token_urlsafe(48)


def dev_secrets(state_dir: Path = STATE_DIR, names: tuple[str, ...] = GENERATED_SECRETS) -> dict[str, str]:
    """Development secrets, generated on first use and kept in ``state_dir/dev-secrets.json`` (mode 0600).

    They are random per checkout, never real credentials, and never printed.
    """
    path = state_dir / "dev-secrets.json"
    stored: dict[str, str] = {}
    with contextlib.suppress(FileNotFoundError, ValueError):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            stored = {str(k): str(v) for k, v in loaded.items()}
    missing = [name for name in names if not stored.get(name)]
    if missing:
        stored.update({name: _generate(name) for name in missing})
        state_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(stored, handle, indent=2, sort_keys=True)
        os.replace(tmp, path)
    return {name: stored[name] for name in names}


def parameter_value(
    env_names: list[str], parameter: Mapping[str, object], secrets_: Mapping[str, str]
) -> str:
    """The local value of a template parameter, given the environment names the template assigns it to.

    Order: a generated dev secret, a dev value from :data:`DEV_PARAMETER_VALUES`, the parameter's Default.
    """
    for name in env_names:
        if name in secrets_:
            return secrets_[name]
        if name in DEV_PARAMETER_VALUES:
            return DEV_PARAMETER_VALUES[name]
    default = parameter.get("Default")
    return "" if default is None else str(default)


@dataclass(frozen=True)
class FunctionEnvironment:
    """The process environment of the local functions, and where each value came from."""

    values: dict[str, str]
    #: names whose value the developer's shell supplied (values are never printed)
    from_shell: tuple[str, ...]


def function_environment(
    template_values: Mapping[str, str],
    *,
    aws_endpoint_url: str,
    sandbox_url: str,
    api_url: str,
    secrets_: Mapping[str, str],
    shell: Mapping[str, str] | None = None,
    resource_backed: tuple[str, ...] = (),
) -> FunctionEnvironment:
    """Merge, lowest precedence first: the template's values (``!Ref`` resolved), the local defaults
    (sandbox URLs, dev secrets), the developer's shell, and last the forced values: the AWS settings and
    the ``resource_backed`` names (local table names, queue URLs), which only the local stack knows."""
    shell = os.environ if shell is None else shell
    defaults: dict[str, str] = {
        **template_values,
        **local_runtime_environment(),
        **connector_environment(sandbox_url, api_url),
        **secrets_,
    }
    forced = {
        **{name: defaults[name] for name in resource_backed if name in defaults},
        **forced_aws_environment(aws_endpoint_url),
    }
    values = dict(defaults)
    from_shell = []
    for name in defaults:
        if name in shell and name not in forced and shell[name] != defaults[name]:
            values[name] = shell[name]
            from_shell.append(name)
    values.update(forced)
    return FunctionEnvironment(values=values, from_shell=tuple(sorted(from_shell)))


def connector_env_names(
    sandbox_url: str = "http://127.0.0.1:0", api_url: str = "http://127.0.0.1:0"
) -> list[str]:
    """The connector-related names :func:`connector_environment` sets (printed at start-up)."""
    return list(connector_environment(sandbox_url, api_url))
