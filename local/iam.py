"""Each local function may make only the AWS calls its template policy allows, as its IAM role would in AWS.

moto does not evaluate IAM, so without this a handler doing a ``PutItem`` where its function is granted only
``UpdateItem`` passes every local test and fails in AWS with ``AccessDeniedException``. Here:

* :func:`function_policies` reads every function's ``Policies`` from the template, intrinsic functions
  resolved to the local ARNs (account 123456789012, us-east-1), plus the managed policies SAM attaches by
  itself (basic execution, X-Ray when ``Tracing: Active``, the SQS poller's when the function has an SQS
  event);
* :func:`acting_as` makes a policy the current one for the code it wraps. It is a :mod:`contextvars`
  variable, so each thread (each concurrent request) sees only its own invocation's policy; code outside
  any invocation (provisioning, the SQS poller) is not checked;
* :func:`install` hooks ``botocore.session.Session.create_client``, so every botocore client made
  afterwards (PynamoDB's, boto3's, the core's KMS client) checks each call in its ``before-parameter-build``
  event and, when denied, answers in ``before-call`` with the error AWS would send, without a request:
  botocore then raises the ``ClientError`` AWS's answer would raise (PynamoDB wraps it as it would). Event
  handlers cannot be registered process-wide in botocore: each client copies its session's handlers when it
  is created and PynamoDB makes a new session per thread, hence the hook at client creation.

An API call is authorised as IAM does: ``dynamodb:<Operation>`` on the table ARN (the index ARN for a
Query or Scan with ``IndexName``; each table of a batch; each item's own action and table in a
transaction), ``kms:<Operation>`` on the key ARN, ``sqs:<Operation>`` on the queue ARN (batch operations
need their single-message action), ``secretsmanager:<Operation>`` on the secret's ARN (a secret named by
name rather than ARN is checked as ``...:secret:<name>-??????``, the ARN's random suffix unknown). Calls to
other services are checked on the action only. Statements with ``Condition``, ``NotAction`` or
``NotResource``, SAM policy templates and unknown managed policies are refused when the stack starts (they
cannot be evaluated faithfully here); ``python -m local --no-iam`` turns enforcement off.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from local import config
from local.resources import PhysicalResource, Resolver, local_name, resources_of_type

ALLOW = "Allow"
DENY = "Deny"

#: the AWS managed policies SAM attaches to a function's role by itself, as (action, resource) statements
MANAGED_POLICIES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AWSLambdaBasicExecutionRole": (
        ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
        ("*",),
    ),
    "AWSXRayDaemonWriteAccess": (
        (
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ),
        ("*",),
    ),
    "AWSLambdaSQSQueueExecutionRole": (
        (
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ),
        ("*",),
    ),
}
_MANAGED_ARN_PREFIXES = ("arn:aws:iam::aws:policy/service-role/", "arn:aws:iam::aws:policy/")

#: SQS answers a denied call with the query protocol's code (botocore maps it back), and HTTP 403
_DENIED_CODES: Mapping[str, tuple[str, int]] = {"sqs": ("AccessDenied", 403)}
_DEFAULT_DENIED = ("AccessDeniedException", 400)

#: SQS batch operations are authorised as their single-message action
_SQS_BATCH_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
#: what each kind of TransactWriteItems/TransactGetItems entry needs
_TRANSACT_ACTIONS = {
    "ConditionCheck": "ConditionCheckItem",
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "Get": "GetItem",
}
#: statement keys the local check cannot evaluate (Principal does not belong in an identity policy)
_UNSUPPORTED_KEYS = {"Condition", "NotAction", "NotResource", "Principal", "NotPrincipal"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class PolicyError(ValueError):
    """A function's policy that the local stack cannot evaluate faithfully."""


def _pattern(text: str, *, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character; nothing else is special."""
    body = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in text)
    return re.compile(body, (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


@dataclass(frozen=True)
class Statement:
    """One Allow or Deny statement: actions (case-insensitive) on resources (case-sensitive)."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    sid: str | None = None
    _action_patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _resource_patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.effect not in (ALLOW, DENY):
            raise PolicyError(f"statement {self.sid or ''}: Effect is Allow or Deny, not {self.effect!r}")
        object.__setattr__(
            self, "_action_patterns", tuple(_pattern(a, ignore_case=True) for a in self.actions)
        )
        object.__setattr__(
            self, "_resource_patterns", tuple(_pattern(r, ignore_case=False) for r in self.resources)
        )

    def covers_action(self, action: str) -> bool:
        return any(pattern.fullmatch(action) for pattern in self._action_patterns)

    def covers(self, action: str, resource: str | None) -> bool:
        """Whether the statement applies; ``resource`` None matches any resource (action-only check)."""
        if not self.covers_action(action):
            return False
        return resource is None or any(pattern.fullmatch(resource) for pattern in self._resource_patterns)


@dataclass(frozen=True)
class Request:
    """What IAM authorises for (part of) an API call."""

    action: str
    #: the resource ARN; None for services whose resources are not mapped (checked on the action only)
    resource: str | None


@dataclass(frozen=True)
class Denial:
    """Why a call is refused: the first request of the call no statement allows (or one denies)."""

    principal: str
    request: Request
    explicit: bool

    @property
    def message(self) -> str:
        action, resource = self.request.action, self.request.resource or "*"
        reason = (
            "with an explicit deny in an identity-based policy"
            if self.explicit
            else f"because no identity-based policy allows the {action} action"
        )
        who = f"User: {self.principal} is not authorized to perform: {action}"
        return f"{who} on resource: {resource} {reason}"


@dataclass(frozen=True)
class Policy:
    """Everything one function's role allows."""

    function_id: str
    #: the assumed-role session the function's calls are made as (named in denial messages)
    principal: str
    statements: tuple[Statement, ...]

    def denial(self, requests: Sequence[Request]) -> Denial | None:
        """None when every request is allowed, else the first refused one (an explicit Deny wins)."""
        for request in requests:
            matching = [s for s in self.statements if s.covers(request.action, request.resource)]
            if any(s.effect == DENY for s in matching):
                return Denial(self.principal, request, explicit=True)
            if not any(s.effect == ALLOW for s in matching):
                return Denial(self.principal, request, explicit=False)
        return None

    def allows(self, action: str, resource: str | None) -> bool:
        return self.denial([Request(action, resource)]) is None

    def without(self, action: str) -> Policy:
        """The same policy with ``action`` removed from every Allow statement (for tests and experiments)."""
        kept = []
        for statement in self.statements:
            if statement.effect == ALLOW:
                actions = tuple(a for a in statement.actions if a.lower() != action.lower())
                if not actions:
                    continue
                statement = Statement(statement.effect, actions, statement.resources, statement.sid)
            kept.append(statement)
        return Policy(self.function_id, self.principal, tuple(kept))


def principal_of(function_id: str, function_name: str | None = None) -> str:
    """The session ARN a function's calls are made as: its role (as SAM names it) and the function name."""
    role = f"{config.STACK_NAME}-{function_id}Role"
    return f"arn:aws:sts::{config.ACCOUNT_ID}:assumed-role/{role}/{function_name or local_name(function_id)}"


# -- the template's policies --------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements_of_document(function_id: str, document: Mapping[str, Any]) -> list[Statement]:
    statements = []
    for raw in _as_list(document.get("Statement")):
        if not isinstance(raw, dict):
            raise PolicyError(f"{function_id}: a policy statement must be a mapping, got {raw!r}")
        unsupported = sorted(set(raw) & _UNSUPPORTED_KEYS)
        if unsupported:
            raise PolicyError(
                f"{function_id}: statement {raw.get('Sid', '')!r} uses {', '.join(unsupported)}, which the "
                "local stack does not evaluate (run python -m local --no-iam to skip enforcement)"
            )
        actions = tuple(str(a) for a in _as_list(raw.get("Action")))
        resources = tuple(str(r) for r in _as_list(raw.get("Resource")))
        if not actions or not resources:
            raise PolicyError(f"{function_id}: statement {raw.get('Sid', '')!r} needs Action and Resource")
        statements.append(Statement(str(raw.get("Effect")), actions, resources, raw.get("Sid")))
    return statements


def _managed(function_id: str, name: str) -> list[Statement]:
    short = name
    for prefix in _MANAGED_ARN_PREFIXES:
        if short.startswith(prefix):
            short = short[len(prefix) :]
    if short not in MANAGED_POLICIES:
        raise PolicyError(
            f"{function_id}: managed policy {name!r} is not known to the local stack "
            f"(known: {', '.join(sorted(MANAGED_POLICIES))}; python -m local --no-iam skips enforcement)"
        )
    actions, resources = MANAGED_POLICIES[short]
    return [Statement(ALLOW, actions, resources, short)]


def implicit_managed_policies(properties: Mapping[str, Any]) -> list[str]:
    """The managed policies SAM attaches to a function's generated role without being asked."""
    names = ["AWSLambdaBasicExecutionRole"]
    if properties.get("Tracing") == "Active":
        names.append("AWSXRayDaemonWriteAccess")
    if any(event.get("Type") == "SQS" for event in (properties.get("Events") or {}).values()):
        names.append("AWSLambdaSQSQueueExecutionRole")
    return names


def function_policy(
    function_id: str, properties: Mapping[str, Any], resolver: Resolver, *, function_name: str | None = None
) -> Policy:
    """One function's policy from its (Globals-merged) Properties, intrinsics resolved by ``resolver``."""
    if "Role" in properties:
        raise PolicyError(
            f"{function_id}: a function with its own Role has policies the template does not show "
            "(python -m local --no-iam skips enforcement)"
        )
    statements: list[Statement] = []
    for name in implicit_managed_policies(properties):
        statements += _managed(function_id, name)
    for policy in _as_list(resolver.resolve(properties.get("Policies"))):
        if isinstance(policy, str):
            statements += _managed(function_id, policy)
        elif isinstance(policy, dict) and "Statement" in policy:
            statements += _statements_of_document(function_id, policy)
        else:
            raise PolicyError(
                f"{function_id}: policy {policy!r} is a SAM policy template or unknown form, which the local "
                "stack does not expand (python -m local --no-iam skips enforcement)"
            )
    return Policy(function_id, principal_of(function_id, function_name), tuple(statements))


def _policy_resources(
    template: Mapping[str, Any], resources: Mapping[str, PhysicalResource]
) -> dict[str, PhysicalResource]:
    """``resources`` plus a stand-in for each KMS key the stack did not create, so that a key's ``!Ref``
    (its local name) and ``!GetAtt .Arn`` name the same key, as they do in AWS."""
    completed = dict(resources)
    for logical_id in resources_of_type(template, "AWS::KMS::Key"):
        if logical_id not in completed:
            name = local_name(logical_id)
            completed[logical_id] = PhysicalResource(
                ref=name, attributes={"Arn": _arn("kms", config.REGION, f"key/{name}"), "KeyId": name}
            )
    return completed


def function_policies(
    template: Mapping[str, Any],
    *,
    parameters: Mapping[str, str],
    resources: Mapping[str, PhysicalResource],
) -> dict[str, Policy]:
    """Logical id -> :class:`Policy` of every function in ``template`` (raises :class:`PolicyError`)."""
    from local.template import functions

    resolver = Resolver(template, parameters=parameters, resources=_policy_resources(template, resources))
    policies = {}
    for spec in functions(dict(template)):
        name = spec.properties.get("FunctionName")
        policies[spec.logical_id] = function_policy(
            spec.logical_id, spec.properties, resolver, function_name=name if isinstance(name, str) else None
        )
    return policies


# -- API call -> IAM requests -------------------------------------------------------------------------------


def _arn(service: str, region: str, resource: str, account: str = config.ACCOUNT_ID) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _table_arn(name: str, region: str) -> str:
    return name if name.startswith("arn:") else _arn("dynamodb", region, f"table/{name}")


def _dynamodb_requests(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        tables = params.get("RequestItems") or {}
        return [Request(f"dynamodb:{operation}", _table_arn(str(t), region)) for t in tables]
    if operation in ("TransactGetItems", "TransactWriteItems"):
        requests = []
        for item in params.get("TransactItems") or []:
            for kind, body in item.items():
                action = _TRANSACT_ACTIONS.get(kind, kind)
                requests.append(Request(f"dynamodb:{action}", _table_arn(str(body.get("TableName")), region)))
        return requests
    action = f"dynamodb:{operation}"
    if "TableName" in params:
        table = _table_arn(str(params["TableName"]), region)
        if operation in ("Query", "Scan") and params.get("IndexName"):
            return [Request(action, f"{table}/index/{params['IndexName']}")]
        return [Request(action, table)]
    for key in ("TableArn", "ResourceArn"):
        if key in params:
            return [Request(action, str(params[key]))]
    return [Request(action, "*")]


def _kms_key_arn(key_id: str, region: str) -> str:
    if key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        return _arn("kms", region, key_id)
    return _arn("kms", region, f"key/{key_id}")


def _kms_requests(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    action = f"kms:{operation}"
    key_id = params.get("KeyId") or params.get("DestinationKeyId")
    if key_id:
        return [Request(action, _kms_key_arn(str(key_id), region))]
    blob = params.get("CiphertextBlob")
    if isinstance(blob, bytes | bytearray):
        # moto's ciphertext starts with the key id (real KMS also knows the key from the ciphertext)
        head = bytes(blob[:36]).decode("ascii", errors="replace")
        if _UUID.fullmatch(head):
            return [Request(action, _kms_key_arn(head, region))]
    return [Request(action, "*")]


def _queue_arn(queue_url: str, region: str) -> str:
    parts = [part for part in urlsplit(queue_url).path.split("/") if part]
    if len(parts) >= 2:
        return _arn("sqs", region, parts[-1], account=parts[-2])
    return _arn("sqs", region, parts[-1] if parts else "*")


def _sqs_requests(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    action = f"sqs:{_SQS_BATCH_ACTIONS.get(operation, operation)}"
    if params.get("QueueUrl"):
        return [Request(action, _queue_arn(str(params["QueueUrl"]), region))]
    if params.get("QueueName"):
        account = str(params.get("QueueOwnerAWSAccountId") or config.ACCOUNT_ID)
        return [Request(action, _arn("sqs", region, str(params["QueueName"]), account=account))]
    return [Request(action, "*")]


def _secretsmanager_requests(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    action = f"secretsmanager:{operation}"
    secret_id = params.get("SecretId")
    if not secret_id:
        return [Request(action, "*")]
    text = str(secret_id)
    if text.startswith("arn:"):
        return [Request(action, text)]
    return [Request(action, _arn("secretsmanager", region, f"secret:{text}-??????"))]


def requests_for(
    service: str, operation: str, params: Mapping[str, Any], region: str = config.REGION
) -> list[Request]:
    """What IAM checks for the API call ``service.operation(**params)`` (``service``: the IAM prefix)."""
    if service == "dynamodb":
        return _dynamodb_requests(operation, params, region)
    if service == "kms":
        return _kms_requests(operation, params, region)
    if service == "sqs":
        return _sqs_requests(operation, params, region)
    if service == "secretsmanager":
        return _secretsmanager_requests(operation, params, region)
    return [Request(f"{service}:{operation}", None)]


# -- the current function's policy --------------------------------------------------------------------------

_current: contextvars.ContextVar[Policy | None] = contextvars.ContextVar("local_iam_policy", default=None)


def current_policy() -> Policy | None:
    """The policy AWS calls are checked against here; None outside any function invocation."""
    return _current.get()


@contextlib.contextmanager
def acting_as(policy: Policy | None) -> Iterator[None]:
    """AWS calls made by this thread (and by copies of its context) inside the block are checked against
    ``policy``; None checks nothing."""
    token = _current.set(policy)
    try:
        yield
    finally:
        _current.reset(token)


# -- the botocore hook --------------------------------------------------------------------------------------

_DENIAL_KEY = "local_iam_denial"
_CHECK_ID = "local-iam-check"
_ANSWER_ID = "local-iam-answer"
_install_lock = threading.Lock()
_original_create_client: Any = None


def _iam_prefix(model: Any) -> str:
    service_model = model.service_model
    return str(service_model.signing_name or service_model.endpoint_prefix or service_model.service_name)


def _check_call(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """``before-parameter-build``: decide, and leave a refusal for :func:`_answer_denied`."""
    policy = _current.get()
    if policy is None:
        return
    region = str(context.get("client_region") or config.REGION)
    denial = policy.denial(requests_for(_iam_prefix(model), model.name, params, region))
    if denial is not None:
        context[_DENIAL_KEY] = denial


class _Body:
    """The ``raw`` of a canned response: what botocore reads the body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def denied_response(denial: Denial, service: str, url: str = "") -> tuple[Any, dict[str, Any]]:
    """The (HTTP response, parsed response) AWS answers a refused call with; botocore raises from it."""
    from botocore.awsrequest import AWSResponse

    code, status = _DENIED_CODES.get(service, _DEFAULT_DENIED)
    request_id = str(uuid.uuid4())
    body = json.dumps({"__type": f"com.amazon.coral.service#{code}", "Message": denial.message}).encode()
    headers = {
        "x-amzn-requestid": request_id,
        "content-type": "application/x-amz-json-1.0",
        "content-length": str(len(body)),
    }
    error: dict[str, Any] = {"Code": code, "Message": denial.message}
    if service == "sqs":
        headers["x-amzn-query-error"] = f"{code};Sender"
        error["Type"] = "Sender"
    parsed = {
        "Error": error,
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        },
    }
    return AWSResponse(url, status, headers, _Body(body)), parsed


def _answer_denied(
    model: Any, params: Mapping[str, Any], context: dict[str, Any], **_: Any
) -> tuple[Any, dict[str, Any]] | None:
    """``before-call``: a refused call gets AWS's error instead of being sent."""
    denial = context.pop(_DENIAL_KEY, None)
    if denial is None:
        return None
    return denied_response(denial, _iam_prefix(model), str(params.get("url", "")))


def enforce_on(client: Any) -> Any:
    """Check every call ``client`` makes from now on (idempotent); returns the client."""
    events = client.meta.events
    events.register("before-parameter-build.*.*", _check_call, unique_id=_CHECK_ID)
    events.register_first("before-call.*.*", _answer_denied, unique_id=_ANSWER_ID)
    return client


def install() -> None:
    """Make every botocore client created from now on check calls against :func:`current_policy`.

    Idempotent, and harmless outside :func:`acting_as` (nothing is checked there). Clients that exist
    already are not affected: install before the first handler runs (the local stack does it at start).
    """
    global _original_create_client
    import botocore.session

    with _install_lock:
        if _original_create_client is not None:
            return
        original = botocore.session.Session.create_client

        @functools.wraps(original)
        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            return enforce_on(original(self, *args, **kwargs))

        botocore.session.Session.create_client = create_client
        _original_create_client = original


def uninstall() -> None:
    """Undo :func:`install` for clients created afterwards (tests)."""
    global _original_create_client
    import botocore.session

    with _install_lock:
        if _original_create_client is None:
            return
        botocore.session.Session.create_client = _original_create_client
        _original_create_client = None


def installed() -> bool:
    return _original_create_client is not None


__all__ = [
    "Denial",
    "Policy",
    "PolicyError",
    "Request",
    "Statement",
    "acting_as",
    "current_policy",
    "denied_response",
    "enforce_on",
    "function_policies",
    "function_policy",
    "install",
    "installed",
    "principal_of",
    "requests_for",
    "uninstall",
]
