"""The embedded AWS of the local stack: moto's server on loopback, provisioned from template.yaml.

DynamoDB tables and SQS queues (and, on request, KMS keys and Secrets Manager secrets) are created from the
template's own Properties (no second copy of any key schema). Tests that need only DynamoDB use
:func:`start_embedded_aws`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local import config
from local.resources import PhysicalResource, Resolver, arn, local_name, resources_of_type

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

#: CloudFormation-only keys of a table's Properties (or a GSI's) that CreateTable does not take
_TABLE_KEYS_NOT_IN_CREATE = {
    "TableName",
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
    "ContributorInsightsSpecification",
    "KinesisStreamSpecification",
    "ImportSourceSpecification",
    "ResourcePolicy",
    "DeletionProtectionEnabled",
}
_INDEX_KEYS_NOT_IN_CREATE = {"ContributorInsightsSpecification"}
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


class _SerialisedDynamoDB:
    """DynamoDB makes each item write atomic; moto's backend does not lock. Serialising DynamoDB calls
    gives conditional writes the same all-or-nothing guarantee under concurrent requests (other services,
    such as SQS long polls, are not held up)."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            with self._lock:
                return list(self._app(environ, start_response))
        return self._app(environ, start_response)


class EmbeddedAws:
    """moto's server in a background thread, bound to ``host:port`` (0 = any free port)."""

    def __init__(self, host: str = config.HOST, port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmbeddedAws:
        # moto and werkzeug are imported here, not at module load, so importing local stays cheap
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """Quiet: the local stack writes its own access log."""

        app = _SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._host, self._port, app, threaded=True, request_handler=QuietHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="moto", daemon=True
        )
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not started")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def client(self, service: str) -> Any:
        return aws_client(service, self.endpoint_url)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def aws_client(service: str, endpoint_url: str, session: Any = None) -> Any:
    """A boto3 client for the embedded server (dummy credentials, fixed region)."""
    import boto3

    return (session or boto3.session.Session()).client(
        service,
        endpoint_url=endpoint_url,
        region_name=config.REGION,
        aws_access_key_id="local-dev-access-key",
        aws_secret_access_key="local-dev-secret-key",
    )


# -- DynamoDB -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRequest:
    """What the template's Properties of one table turn into: CreateTable, then the TTL and backup calls."""

    create: dict[str, Any]
    time_to_live: dict[str, Any] | None
    point_in_time_recovery: bool


def table_request(table_name: str, properties: Mapping[str, Any]) -> TableRequest:
    """Translate a table's CloudFormation Properties (intrinsics already resolved) into API calls."""
    create: dict[str, Any] = {
        key: value for key, value in properties.items() if key not in _TABLE_KEYS_NOT_IN_CREATE
    }
    create["TableName"] = table_name
    for index_key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if index_key in create:
            create[index_key] = [
                {k: v for k, v in index.items() if k not in _INDEX_KEYS_NOT_IN_CREATE}
                for index in create[index_key]
            ]
    sse = create.pop("SSESpecification", None)
    if sse:
        create["SSESpecification"] = {
            "Enabled": bool(sse.get("SSEEnabled", False)),
            **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
        }
    stream = create.pop("StreamSpecification", None)
    if stream:
        create["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    ttl = properties.get("TimeToLiveSpecification")
    pitr = properties.get("PointInTimeRecoverySpecification") or {}
    return TableRequest(
        create=create,
        time_to_live=(
            {"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl.get("Enabled", True))}
            if ttl
            else None
        ),
        point_in_time_recovery=bool(pitr.get("PointInTimeRecoveryEnabled", False)),
    )


def create_table(client: Any, request: TableRequest) -> None:
    client.create_table(**request.create)
    name = request.create["TableName"]
    if request.time_to_live is not None:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=request.time_to_live)
    if request.point_in_time_recovery:
        client.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )


# -- provisioning -------------------------------------------------------------------------------------------


@dataclass
class Provisioned:
    """The local physical resources created from the template."""

    #: logical id -> local table name
    tables: dict[str, str] = field(default_factory=dict)
    #: logical id -> local queue URL
    queues: dict[str, str] = field(default_factory=dict)
    #: logical id -> local secret ARN
    secrets: dict[str, str] = field(default_factory=dict)
    #: logical id -> physical resource (for the resolver)
    resources: dict[str, PhysicalResource] = field(default_factory=dict)


def deprovision(endpoint_url: str, provisioned: Provisioned) -> None:
    """Delete the tables and queues :func:`provision` created.

    moto keeps its state per process, not per server: a second embedded server in the same process (one
    test module after another) would otherwise find the first one's tables and fail to create its own.
    """
    dynamodb = aws_client("dynamodb", endpoint_url)
    for name in provisioned.tables.values():
        with contextlib.suppress(Exception):
            dynamodb.delete_table(TableName=name)
    sqs = aws_client("sqs", endpoint_url)
    for url in provisioned.queues.values():
        with contextlib.suppress(Exception):
            sqs.delete_queue(QueueUrl=url)
    if provisioned.secrets:
        secretsmanager = aws_client("secretsmanager", endpoint_url)
        for secret_arn in provisioned.secrets.values():
            with contextlib.suppress(Exception):
                secretsmanager.delete_secret(SecretId=secret_arn, ForceDeleteWithoutRecovery=True)


def plan_names(template: Mapping[str, Any], prefix: str = config.RESOURCE_PREFIX) -> Provisioned:
    """The local names of the template's tables and queues, before anything exists."""
    plan = Provisioned()
    for logical_id in resources_of_type(template, "AWS::DynamoDB::Table"):
        name = f"{prefix}{logical_id}"
        plan.tables[logical_id] = name
        plan.resources[logical_id] = PhysicalResource(
            ref=name, attributes={"Arn": arn("dynamodb", f"table/{name}")}
        )
    return plan


def provision(
    endpoint_url: str,
    template: Mapping[str, Any],
    *,
    parameters: Mapping[str, str],
    prefix: str = config.RESOURCE_PREFIX,
    extra_resources: Mapping[str, PhysicalResource] | None = None,
    create_kms_keys: bool = False,
    create_secrets: bool = False,
) -> Provisioned:
    """Create every SQS queue and DynamoDB table of ``template`` in the embedded server.

    KMS keys are created only with ``create_kms_keys``: locally the core encrypts with
    TOKEN_ENCRYPTION_LOCAL_KEY instead, and moto's KMS costs ~0.6 s of start-up. Without them a key's
    ``!Ref`` resolves to its local name (``appconnect-local-TokenEncryptionKey``), which no code uses.
    Secrets Manager secrets are created only with ``create_secrets`` (the local stack does): their
    ``SecretString`` resolved with ``parameters`` (the generated dev secrets), so the functions read their
    secrets as in AWS. Without them the functions' secret ARN resolves to a placeholder nothing reads, and
    code under test takes its secrets from the environment.
    Order matters only through references: keys first (tables and queues may name them), then queues (a
    redrive policy names its dead-letter queue's ARN), then tables.
    """
    import boto3

    session = boto3.session.Session()
    done = plan_names(template, prefix)
    done.resources.update(extra_resources or {})
    resolver = Resolver(template, parameters=parameters, resources=done.resources)

    keys = resources_of_type(template, "AWS::KMS::Key") if create_kms_keys else {}
    if keys:
        kms = aws_client("kms", endpoint_url, session)
        for logical_id, props in keys.items():
            description = str(resolver.resolve(props.get("Description", logical_id)))
            metadata = kms.create_key(Description=f"{description} (local)")["KeyMetadata"]
            done.resources[logical_id] = PhysicalResource(
                ref=metadata["KeyId"], attributes={"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}
            )

    secrets = resources_of_type(template, "AWS::SecretsManager::Secret") if create_secrets else {}
    if secrets:
        secretsmanager = aws_client("secretsmanager", endpoint_url, session)
        for logical_id, props in secrets.items():
            created = secretsmanager.create_secret(
                Name=f"{prefix}{logical_id}",
                Description=str(resolver.resolve(props.get("Description", logical_id))),
                SecretString=str(resolver.resolve(props.get("SecretString", "{}"))),
            )
            done.secrets[logical_id] = created["ARN"]
            done.resources[logical_id] = PhysicalResource(
                ref=created["ARN"], attributes={"Id": created["ARN"]}
            )

    queues = resources_of_type(template, "AWS::SQS::Queue")
    if queues:
        sqs = aws_client("sqs", endpoint_url, session)
        for logical_id, props in queues.items():
            fifo = bool(props.get("FifoQueue", False))
            name = f"{prefix}{logical_id}" + (".fifo" if fifo else "")
            attributes = {
                key: _queue_attribute(resolver.resolve(props[key]))
                for key in _QUEUE_ATTRIBUTES
                if key in props
            }
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            queue_arn = arn("sqs", name)
            done.queues[logical_id] = url
            done.resources[logical_id] = PhysicalResource(
                ref=url, attributes={"Arn": queue_arn, "QueueName": name, "QueueUrl": url}
            )
        for logical_id, props in queues.items():
            policies = {
                key: json.dumps(resolver.resolve(props[key]))
                for key in ("RedrivePolicy", "RedriveAllowPolicy")
                if key in props
            }
            if policies:
                sqs.set_queue_attributes(QueueUrl=done.queues[logical_id], Attributes=policies)

    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    if tables:
        dynamodb = aws_client("dynamodb", endpoint_url, session)
        for logical_id, props in tables.items():
            create_table(dynamodb, table_request(done.tables[logical_id], resolver.resolve(props)))
    return done


def _queue_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- for tests that need DynamoDB without the whole stack ---------------------------------------------------


@dataclass
class LocalDynamoDB:
    """A running embedded AWS with the template's tables (see :func:`start_embedded_aws`)."""

    aws: EmbeddedAws
    provisioned: Provisioned
    prefix: str
    template: Mapping[str, Any]

    @property
    def endpoint_url(self) -> str:
        return self.aws.endpoint_url

    @property
    def tables(self) -> dict[str, str]:
        return self.provisioned.tables

    def environment(self) -> dict[str, str]:
        """Environment for code under test: the endpoint, and each env name the template gives a table,
        queue or key (``USERS_TABLE``, ``TOKEN_REFRESH_QUEUE_URL`` ...) with its local value."""
        from local.resources import environment_variables

        env = dict(config.forced_aws_environment(self.endpoint_url))
        for variables in environment_variables(self.template).values():
            for name, value in variables.items():
                target = value.get("Ref") if isinstance(value, dict) else None
                if target in self.provisioned.resources:
                    env[name] = self.provisioned.resources[target].ref
        return env

    def stop(self) -> None:
        deprovision(self.endpoint_url, self.provisioned)
        self.aws.stop()


def start_embedded_aws(
    template: Mapping[str, Any] | None = None, *, prefix: str = config.RESOURCE_PREFIX, port: int = 0
) -> LocalDynamoDB:
    """Start moto on a free port and create the template's tables, queues and keys."""
    from local.resources import local_parameters
    from local.template import cached_template

    template = cached_template() if template is None else template
    aws = EmbeddedAws(port=port).start()
    try:
        parameters = local_parameters(template, {})
        provisioned = provision(aws.endpoint_url, template, parameters=parameters, prefix=prefix)
    except BaseException:
        aws.stop()
        raise
    return LocalDynamoDB(aws=aws, provisioned=provisioned, prefix=prefix, template=template)


def recorded_dynamodb_requests(recording: str) -> list[tuple[str, dict[str, Any]]]:
    """``(operation, request body)`` of each DynamoDB request in a recording of the embedded server (moto's
    recorder: one JSON request a line); other services' requests are left out."""
    requests_seen = []
    for line in recording.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        headers = {str(k).lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
        target = headers.get("x-amz-target", "")
        if not target.startswith("DynamoDB_"):
            continue
        raw = entry.get("body") or ""
        if entry.get("body_encoded"):
            raw = base64.b64decode(raw).decode("utf-8")
        requests_seen.append((target.split(".", 1)[1], json.loads(raw) if raw else {}))
    return requests_seen


def port_is_free(port: int, host: str = config.HOST) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        # like the servers (allow_reuse_address): a port in TIME_WAIT counts as free, a listener does not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


__all__ = [
    "EmbeddedAws",
    "LocalDynamoDB",
    "Provisioned",
    "TableRequest",
    "aws_client",
    "create_table",
    "local_name",
    "plan_names",
    "port_is_free",
    "provision",
    "recorded_dynamodb_requests",
    "start_embedded_aws",
    "table_request",
]
