"""The local stack: template.yaml's API, functions, tables and queues on this machine, without Docker.

:class:`LocalStack` starts, in order: the embedded AWS (moto) with the template's keys, queues and tables;
the sandbox CRMs (when ``local.sandbox`` is present); the process environment of the functions; the API
(:class:`LocalApi` behind :class:`local.server.ApiServer`); the SQS pollers. Handlers are imported on
first use and, in the background, right after start-up. :meth:`LocalStack.stop` stops all of it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from local import config, iam
from local.apigw import (
    Cors,
    HttpRequest,
    HttpResponse,
    MalformedIntegrationResponse,
    Router,
    build_event,
    integration_response,
    internal_server_error,
    json_response,
    new_request_id,
    not_found,
)
from local.aws import (
    EmbeddedAws,
    Provisioned,
    aws_client,
    deprovision,
    plan_names,
    port_is_free,
    provision,
)
from local.console import Console
from local.lambda_runtime import Invocation, LocalFunction, functions_from_template, prepare_sys_path
from local.resources import (
    PhysicalResource,
    QueueTrigger,
    Resolver,
    ScheduleTrigger,
    arn,
    http_api_cors,
    local_parameters,
    merged_function_environment,
    queue_triggers,
    resources_of_type,
    schedule_triggers,
    secret_keys,
)
from local.server import ApiServer
from local.template import TEMPLATE_PATH, functions, load_template
from local.triggers import SqsPoller, scheduled_event

LOCAL_PREFIX = "/__local"
SANDBOX_SYSTEMS = ("pipedrive", "bullhorn", "insightly", "redtail", "ringcentral")


class Output:
    """Thread-safe line writer for the access log (stdout) and errors (stderr)."""

    def __init__(self, out: IO[str] | None = None, err: IO[str] | None = None) -> None:
        self._out = out
        self._err = err
        self._lock = threading.Lock()

    def _write(self, stream: IO[str], line: str) -> None:
        with self._lock:
            stream.write(line + "\n")
            stream.flush()

    def info(self, line: str = "") -> None:
        self._write(self._out or sys.stdout, line)

    def error(self, line: str) -> None:
        self._write(self._err or sys.stderr, line)

    def record(self, document: dict[str, Any]) -> None:
        self.info(json.dumps(document, separators=(",", ":")))

    def error_record(self, document: dict[str, Any]) -> None:
        self.error(json.dumps(document, separators=(",", ":")))


def _now_iso() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


class LocalApi:
    """API Gateway in front of the local functions, plus the local-only endpoints under ``/__local``.

    Access log: one JSON line per request with time, requestId, method, path (never the query string:
    it may carry ``jwtToken``), status, durationMs and function. Headers and bodies are never logged.
    """

    def __init__(
        self,
        *,
        functions: dict[str, LocalFunction],
        router: Router[LocalFunction],
        cors: Cors | None,
        schedules: dict[str, ScheduleTrigger],
        output: Output,
        iam_enforced: bool = False,
        console: Console | None = None,
    ) -> None:
        self.functions = functions
        self.router = router
        self.cors = cors
        self.schedules = schedules
        self.output = output
        self.iam_enforced = iam_enforced
        #: the browser console under /__local/console (local only; None: not served)
        self.console = console

    def handle(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = new_request_id()
        function_id: str | None = None
        try:
            if request.raw_path == LOCAL_PREFIX or request.raw_path.startswith(LOCAL_PREFIX + "/"):
                function_id, response = self._local_endpoint(request, request_id)
            elif self.cors is not None and Cors.is_preflight(request):
                response = self.cors.preflight(request)
            else:
                function_id, response = self._api(request, request_id)
                if self.cors is not None:
                    response = self.cors.apply(request, response)
        except Exception as exc:
            self.output.error_record(
                {
                    "level": "ERROR",
                    "time": _now_iso(),
                    "requestId": request_id,
                    "message": f"local stack: {exc!r}",
                }
            )
            response = internal_server_error()
        response.headers.append(("apigw-requestid", request_id))
        self.output.record(
            {
                "time": _now_iso(),
                "requestId": request_id,
                "method": request.method,
                "path": request.raw_path,
                "status": response.status,
                "durationMs": round((time.perf_counter() - started) * 1000, 2),
                "function": function_id,
            }
        )
        return response

    def _api(self, request: HttpRequest, request_id: str) -> tuple[str | None, HttpResponse]:
        from urllib.parse import unquote

        match = self.router.match(request.method, unquote(request.raw_path))
        if match is None:
            return None, not_found()
        function = match.target
        event = build_event(
            request, route_key=match.route_key, path_parameters=match.path_parameters, request_id=request_id
        )
        invocation = function.invoke(event, request_id=request_id)
        if not invocation.ok:
            self._log_failure(invocation)
            return function.logical_id, internal_server_error()
        try:
            return function.logical_id, integration_response(invocation.result)
        except MalformedIntegrationResponse as exc:
            self.output.error_record(
                {
                    "level": "ERROR",
                    "time": _now_iso(),
                    "requestId": request_id,
                    "function": function.logical_id,
                    "message": f"malformed Lambda proxy response (API Gateway answers 500): {exc}",
                }
            )
            return function.logical_id, internal_server_error()

    def _log_failure(self, invocation: Invocation) -> None:
        assert invocation.error is not None
        self.output.error_record(
            {
                "level": "ERROR",
                "time": _now_iso(),
                "function": invocation.function_id,
                **invocation.error.payload(invocation.request_id),
            }
        )

    def invoke(self, function_id: str, event: Any, request_id: str | None = None) -> Invocation:
        invocation = self.functions[function_id].invoke(event, request_id=request_id)
        if not invocation.ok:
            self._log_failure(invocation)
        return invocation

    def _local_endpoint(self, request: HttpRequest, request_id: str) -> tuple[str | None, HttpResponse]:
        parts = [part for part in request.raw_path[len(LOCAL_PREFIX) :].split("/") if part]
        if not parts and request.method == "GET":
            return None, json_response(200, self.describe())
        if parts[:1] == ["console"] and self.console is not None:
            return None, self.console.handle(request)
        if len(parts) == 2 and parts[0] == "schedules" and request.method == "POST":
            trigger = self.schedules.get(parts[1])
            if trigger is None:
                return None, json_response(404, {"message": f"no scheduled function {parts[1]}"})
            return trigger.function_id, self._invocation_response(
                self.invoke(trigger.function_id, scheduled_event(trigger), request_id)
            )
        if len(parts) == 2 and parts[0] == "invoke" and request.method == "POST":
            if parts[1] not in self.functions:
                return None, json_response(404, {"message": f"no function {parts[1]}"})
            try:
                event = json.loads(request.body) if request.body.strip() else {}
            except ValueError:
                return None, json_response(400, {"message": "the request body must be the event, as JSON"})
            return parts[1], self._invocation_response(self.invoke(parts[1], event, request_id))
        return None, not_found()

    @staticmethod
    def _invocation_response(invocation: Invocation) -> HttpResponse:
        """Like Lambda's Invoke API: the payload, or the error document with X-Amz-Function-Error (502)."""
        if invocation.ok:
            return json_response(200, invocation.result)
        assert invocation.error is not None
        return json_response(
            502, invocation.error.payload(invocation.request_id), [("x-amz-function-error", "Unhandled")]
        )

    def describe(self) -> dict[str, Any]:
        return {
            "routes": {key: function_id for key, function_id in self.router.route_keys},
            "schedules": sorted(self.schedules),
            "functions": sorted(self.functions),
            "iam": "enforced" if self.iam_enforced else "off",
            "console": self.console.url if self.console is not None else None,
        }


@dataclass
class StackUrls:
    api: str
    dynamodb: str
    sandbox: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"api": self.api, "dynamodb": self.dynamodb, "sandbox": self.sandbox}


def _sandbox_class() -> Any:
    """``local.sandbox.SandboxServer`` when that package exists (it is built separately), else None."""
    try:
        from local.sandbox import SandboxServer  # type: ignore[attr-defined,unused-ignore]
    except ModuleNotFoundError as exc:
        if exc.name in ("local.sandbox",):
            return None
        raise
    return SandboxServer


class LocalStack:
    """Everything ``python -m local`` runs. ``start()`` then ``stop()``; usable as a context manager."""

    def __init__(
        self,
        *,
        template_path: Path | str = TEMPLATE_PATH,
        ports: config.Ports | None = None,
        state_dir: Path = config.STATE_DIR,
        with_sandbox: bool = True,
        serve_http: bool = True,
        poll_queues: bool = True,
        warm_handlers: bool = True,
        apply_environment: bool = True,
        retry_visibility_timeout: int | None = None,
        schedule_every: float = 0,
        output: Output | None = None,
        root: Path = config.ROOT,
        enforce_iam: bool = False,
    ) -> None:
        self.template_path = Path(template_path)
        self.ports = ports or config.ports_from_env()
        self.state_dir = state_dir
        self.with_sandbox = with_sandbox
        self.serve_http = serve_http
        self.poll_queues = poll_queues
        self.warm_handlers = warm_handlers
        self.apply_environment = apply_environment
        self.retry_visibility_timeout = retry_visibility_timeout
        #: fire every scheduled function this often, in seconds (0: only on demand)
        self.schedule_every = schedule_every
        self._timer_stop = threading.Event()
        self._timer_thread: threading.Thread | None = None
        #: check each function's AWS calls against its template policy (local.iam); python -m local does
        self.enforce_iam = enforce_iam
        self.output = output or Output()
        self.root = root
        self.notices: list[str] = []
        self.template: dict[str, Any] = {}
        self.aws: EmbeddedAws | None = None
        self.sandbox: Any = None
        self.server: ApiServer | None = None
        self.api: LocalApi | None = None
        self.provisioned: Provisioned | None = None
        self.environment: config.FunctionEnvironment | None = None
        self.pollers: list[SqsPoller] = []
        self.queue_triggers: list[QueueTrigger] = []
        self.urls: StackUrls | None = None
        self.startup_seconds = 0.0
        self._warm_thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        started = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started
        return self

    def _start(self) -> None:
        self.template = load_template(self.template_path)
        # bind the API first: its URL goes into the functions' environment (APP_SERVER)
        if self.serve_http:
            try:
                self.server = ApiServer(config.HOST, self.ports.api)
            except OSError as exc:
                raise SystemExit(
                    f"cannot listen on {config.HOST}:{self.ports.api} ({exc.strerror}); "
                    "stop what uses it or set PORT to another port"
                ) from None
            api_url = f"http://{config.HOST}:{self.server.port}"
        else:
            api_url = f"http://{config.HOST}:{self.ports.api}"

        self.aws = EmbeddedAws(port=self._available(self.ports.dynamodb, "DYNAMODB_PORT")).start()
        sandbox_url = self._start_sandbox()

        secrets = config.dev_secrets(self.state_dir)
        # the secrets the template keeps in Secrets Manager: provisioned there (the developer's shell may
        # override a value), and kept out of the functions' environment, which holds only the secret's ARN
        in_secret = secret_keys(self.template)
        from_shell = {name: os.environ[name] for name in in_secret if os.environ.get(name, "").strip()}
        parameters = local_parameters(self.template, {**secrets, **from_shell})
        extra = self._non_aws_resources(api_url)
        self.provisioned = provision(
            self.aws.endpoint_url,
            self.template,
            parameters=parameters,
            extra_resources=extra,
            create_secrets=True,
        )
        resolver = Resolver(self.template, parameters=parameters, resources=self.provisioned.resources)
        merged = merged_function_environment(self.template, resolver)
        if merged.conflicts:
            self.notices.append(
                "functions set these variables differently; one process serves all, the last one wins: "
                + ", ".join(merged.conflicts)
            )
        self.environment = config.function_environment(
            merged.values,
            aws_endpoint_url=self.aws.endpoint_url,
            sandbox_url=sandbox_url,
            api_url=api_url,
            secrets_={name: value for name, value in secrets.items() if name not in in_secret},
            resource_backed=merged.resource_backed,
        )
        if self.apply_environment:
            for name in config.UNSET_ENV:
                os.environ.pop(name, None)
            os.environ.update(self.environment.values)
        prepare_sys_path(self.template, self.root)

        local_functions = functions_from_template(self.template, self.root)
        if self.enforce_iam:
            self._enforce_policies(local_functions, parameters)
        router: Router[LocalFunction] = Router()
        for spec in functions(self.template):
            for route in spec.routes:
                router.add(route.method, route.path, local_functions[spec.logical_id])
        cors_config = http_api_cors(self.template)
        schedules = {trigger.function_id: trigger for trigger in schedule_triggers(self.template)}
        self.api = LocalApi(
            functions=local_functions,
            router=router,
            cors=Cors(resolver.resolve(cors_config)) if cors_config is not None else None,
            schedules=schedules,
            output=self.output,
            iam_enforced=self.enforce_iam,
            console=Console(api_url, sandbox_url if self.sandbox is not None else None)
            if self.serve_http
            else None,
        )
        self.urls = StackUrls(
            api=api_url, dynamodb=self.aws.endpoint_url, sandbox=sandbox_url if self.sandbox else None
        )

        if self.server is not None:
            self.server.app = self.api
            self.server.start()
        self.queue_triggers = queue_triggers(self.template)
        if self.poll_queues:
            self._start_pollers()
        if self.warm_handlers:
            self._warm_thread = threading.Thread(target=self._warm, name="warm-handlers", daemon=True)
            self._warm_thread.start()
        if self.schedule_every > 0 and schedules:
            self._timer_thread = threading.Thread(target=self._fire_schedules, name="schedules", daemon=True)
            self._timer_thread.start()

    def _fire_schedules(self) -> None:
        """Fire every scheduled function each ``schedule_every`` seconds, as EventBridge would."""
        assert self.api is not None
        while not self._timer_stop.wait(self.schedule_every):
            for trigger in self.api.schedules.values():
                try:
                    self.api.invoke(trigger.function_id, scheduled_event(trigger))
                except Exception as error:  # a failing run is logged by the function; the timer goes on
                    self.notices.append(f"{trigger.function_id} failed on its timer: {error}")

    def stop(self) -> None:
        """Stop everything this stack started (idempotent)."""
        self._timer_stop.set()
        for poller in self.pollers:
            poller.request_stop()
        if self.server is not None:
            self.server.stop()
            self.server = None
        for poller in self.pollers:
            poller.stop()
        self.pollers = []
        if self.sandbox is not None:
            try:
                self.sandbox.stop()
            finally:
                self.sandbox = None
        if self.aws is not None:
            if self.provisioned is not None:
                deprovision(self.aws.endpoint_url, self.provisioned)
            self.aws.stop()
            self.aws = None

    # -- pieces ----------------------------------------------------------------------------------------------

    def _available(self, port: int, env_name: str) -> int:
        if port == 0 or port_is_free(port):
            return port
        self.notices.append(f"port {port} ({env_name}) is taken: using a free port instead")
        return 0

    def _start_sandbox(self) -> str:
        sandbox_class = _sandbox_class() if self.with_sandbox else None
        port = self.ports.sandbox
        if sandbox_class is None:
            if self.with_sandbox:
                # HOOK: local/sandbox (issue 3) provides SandboxServer; until it exists the connector URLs
                # still point at where it will listen.
                self.notices.append(
                    "sandbox CRMs not available (local/sandbox is missing): connectors point at it anyway"
                )
            return f"http://{config.HOST}:{port or config.DEFAULT_SANDBOX_PORT}"
        if port == 0 or not port_is_free(port):
            if port != 0:
                self.notices.append(f"port {port} (SANDBOX_PORT) is taken: using a free port instead")
            port = _free_port()
        self.sandbox = sandbox_class(host=config.HOST, port=port)
        self.sandbox.start()
        return str(self.sandbox.url).rstrip("/")

    def _enforce_policies(
        self, local_functions: dict[str, LocalFunction], parameters: dict[str, str]
    ) -> None:
        """Give each function its template policy and hook botocore (before any handler is imported)."""
        assert self.provisioned is not None
        try:
            policies = iam.function_policies(
                self.template, parameters=parameters, resources=self.provisioned.resources
            )
        except iam.PolicyError as exc:
            raise SystemExit(f"IAM enforcement: {exc}") from None
        iam.install()
        for logical_id, function in local_functions.items():
            function.policy = policies[logical_id]

    def _non_aws_resources(self, api_url: str) -> dict[str, PhysicalResource]:
        """What ``!Ref``/``!GetAtt`` of the API, the functions and the layers resolve to locally."""
        resources: dict[str, PhysicalResource] = {}
        for logical_id in resources_of_type(self.template, "AWS::Serverless::HttpApi"):
            resources[logical_id] = PhysicalResource(
                ref=config.API_ID, attributes={"ApiEndpoint": api_url, "ApiId": config.API_ID}
            )
        for logical_id in resources_of_type(self.template, "AWS::Serverless::Function"):
            name = f"{config.RESOURCE_PREFIX}{logical_id}"
            resources[logical_id] = PhysicalResource(
                ref=name, attributes={"Arn": arn("lambda", f"function:{name}")}
            )
        for logical_id in resources_of_type(self.template, "AWS::Serverless::LayerVersion"):
            resources[logical_id] = PhysicalResource(ref=arn("lambda", f"layer:{logical_id}:1"))
        return resources

    def _start_pollers(self) -> None:
        assert self.aws is not None
        assert self.provisioned is not None
        assert self.api is not None
        for trigger in self.queue_triggers:
            if not trigger.enabled or trigger.queue_id not in self.provisioned.queues:
                continue
            queue = self.provisioned.resources[trigger.queue_id]
            poller = SqsPoller(
                sqs_client=aws_client("sqs", self.aws.endpoint_url),
                queue_url=self.provisioned.queues[trigger.queue_id],
                queue_arn=queue.attributes["Arn"],
                invoke=self._invoker(trigger.function_id),
                batch_size=trigger.batch_size,
                report_batch_item_failures=trigger.report_batch_item_failures,
                retry_visibility_timeout=self.retry_visibility_timeout,
                on_batch=self._batch_logger(trigger),
            )
            self.pollers.append(poller.start())

    def _invoker(self, function_id: str) -> Callable[[dict[str, Any]], Invocation]:
        assert self.api is not None
        api = self.api
        return lambda event: api.invoke(function_id, event)

    def _batch_logger(self, trigger: QueueTrigger) -> Callable[[Invocation, int, int], None]:
        def log(invocation: Invocation, received: int, failed: int) -> None:
            self.output.record(
                {
                    "time": _now_iso(),
                    "requestId": invocation.request_id,
                    "source": f"sqs:{trigger.queue_id}",
                    "messages": received,
                    "failed": failed,
                    "durationMs": round(invocation.duration_ms, 2),
                    "function": trigger.function_id,
                }
            )

        return log

    def _warm(self) -> None:
        assert self.api is not None
        ordered = sorted(self.api.functions.values(), key=lambda fn: fn.logical_id != "IsAliveFunction")
        for function in ordered:
            if self.server is None and self.serve_http:
                return
            try:
                function.load()
            except Exception as exc:
                self.output.error_record(
                    {
                        "level": "ERROR",
                        "time": _now_iso(),
                        "function": function.logical_id,
                        "message": f"handler {function.handler_spec} does not import",
                        "errorType": type(exc).__name__,
                        "errorMessage": str(exc),
                    }
                )

    def wait_until_warm(self, timeout: float = 30.0) -> None:
        if self._warm_thread is not None:
            self._warm_thread.join(timeout)

    # -- what it prints --------------------------------------------------------------------------------------

    def banner(self) -> str:
        assert self.urls is not None
        assert self.api is not None
        assert self.provisioned is not None
        assert self.environment is not None
        api = self.urls.api
        lines = [
            f"App Connect local stack is up in {self.startup_seconds:.2f} s ({self.template_path.name})",
            "",
        ]
        if self.api.console is not None:
            lines += [f"Console: open {self.api.console.url} to try every connector in a browser", ""]
        lines.append(f"API (API Gateway HTTP API, payload 2.0)  {api}")
        for key, function_id in self.api.router.route_keys:
            method, path = key.split(" ", 1)
            lines.append(f"  {method:<7} {api}{path:<34} {function_id}")
        if self.api.schedules:
            every = f", and every {self.schedule_every:g} s" if self.schedule_every > 0 else ""
            lines += ["", f"Scheduled functions (fire on demand{every}):"]
            for function_id in sorted(self.api.schedules):
                lines.append(f"  curl -X POST {api}{LOCAL_PREFIX}/schedules/{function_id}")
        lines.append(
            "IAM: each function may make only the AWS calls its template policy allows"
            if self.enforce_iam
            else "IAM: not enforced (--no-iam): functions may make any AWS call"
        )
        lines.append(
            f"Invoke a function with an event: curl -X POST {api}{LOCAL_PREFIX}/invoke/<LogicalId> -d @e.json"
        )
        lines += ["", f"Embedded DynamoDB, SQS, KMS and Secrets Manager (moto)  {self.urls.dynamodb}"]
        for logical_id, name in self.provisioned.tables.items():
            lines.append(f"  table {name:<40} ({logical_id})")
        for logical_id, url in self.provisioned.queues.items():
            consumer = next((t.function_id for t in self.queue_triggers if t.queue_id == logical_id), None)
            suffix = f" -> {consumer}" if consumer else ""
            lines.append(f"  queue {url}{suffix}")
        for logical_id, secret_arn in self.provisioned.secrets.items():
            lines.append(f"  secret {secret_arn} ({logical_id}; read by the functions on first use)")
        lines.append("")
        if self.urls.sandbox:
            lines.append(f"Sandbox CRMs  {self.urls.sandbox}  (control API {self.urls.sandbox}/__sandbox)")
            for system in SANDBOX_SYSTEMS:
                lines.append(f"  {system:<12} {self.urls.sandbox}/{system}")
        lines.append("Connector environment (the functions' values):")
        for name in config.connector_env_names():
            lines.append(f"  {name}={self.environment.values.get(name, '')}")
        sandbox = (
            self.urls.sandbox or f"http://{config.HOST}:{self.ports.sandbox or config.DEFAULT_SANDBOX_PORT}"
        )
        for label, value in config.connector_hints(sandbox).items():
            lines.append(f"  {label}: {value}")
        if self.environment.from_shell:
            lines.append(
                "From your shell (override the local defaults): " + ", ".join(self.environment.from_shell)
            )
        lines.append(f"Dev secrets (generated, never printed): {self.state_dir / 'dev-secrets.json'}")
        for notice in self.notices:
            lines.append(f"NOTE: {notice}")
        lines += ["", "Try:"]
        if self.api.console is not None:
            lines.append(f"  open {self.api.console.url} in a browser (log in, pop a call, log it, log out)")
        lines += [
            f"  curl -s {api}/isAlive",
            f"  curl -s '{api}/crmManifest?platformName=pipedrive'",
            "",
            "One JSON access-log line per request follows. Ctrl-C stops everything.",
        ]
        return "\n".join(lines)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((config.HOST, 0))
        return int(probe.getsockname()[1])


__all__ = ["LocalApi", "LocalStack", "Output", "StackUrls", "plan_names"]
