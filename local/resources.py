"""Local stand-ins for the template's resources, and the intrinsic functions that refer to them.

CloudFormation resolves ``!Ref``, ``!GetAtt``, ``!Sub`` and ``!Join`` at deploy time; the local stack does the
same against the local physical resources (moto tables and queues, the local API) so that the functions
see the values they would see in AWS, pointing at local things.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from local import config

#: the marker CloudFormation's ``AWS::NoValue`` resolves to: the key is dropped
NO_VALUE = object()


class UnresolvableError(ValueError):
    """An intrinsic function the local stack cannot evaluate."""


@dataclass(frozen=True)
class PhysicalResource:
    """What ``!Ref`` returns for a resource, and its ``!GetAtt`` attributes."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


def local_name(logical_id: str) -> str:
    """The local physical name of a resource: ``appconnect-local-UsersTable``."""
    return f"{config.RESOURCE_PREFIX}{logical_id}"


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{config.REGION}:{config.ACCOUNT_ID}:{resource}"


def pseudo_parameters() -> dict[str, str]:
    return {
        "AWS::Region": config.REGION,
        "AWS::AccountId": config.ACCOUNT_ID,
        "AWS::StackName": config.STACK_NAME,
        "AWS::StackId": arn("cloudformation", f"stack/{config.STACK_NAME}/local"),
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against local values.

    ``parameters``: parameter logical id -> local value; ``resources``: logical id -> physical resource.
    A resource the local stack does not create still resolves (to a placeholder naming it), so a template
    that refers to log groups or roles loads; its value is never used for anything local.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        parameters: Mapping[str, str],
        resources: Mapping[str, PhysicalResource],
    ) -> None:
        self._template_resources: Mapping[str, Any] = template.get("Resources", {}) or {}
        self._conditions: Mapping[str, Any] = template.get("Conditions", {}) or {}
        self._parameters = parameters
        self._resources = resources
        self._pseudo = pseudo_parameters()

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._resources:
            return self._resources[name].ref
        if name in self._template_resources:
            return local_name(name)
        raise UnresolvableError(f"!Ref {name}: no such parameter or resource in the template")

    def get_att(self, name: str, attribute: str) -> str:
        resource = self._resources.get(name)
        if resource is not None and attribute in resource.attributes:
            return resource.attributes[attribute]
        if name in self._template_resources:
            return f"local:{name}.{attribute}"
        raise UnresolvableError(f"!GetAtt {name}.{attribute}: no such resource in the template")

    def sub(self, text: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(self.resolve(variables[expression]))
            if "." in expression and not expression.startswith("AWS::"):
                resource, attribute = expression.split(".", 1)
                return self.get_att(resource, attribute)
            return str(self.ref(expression))

        return _SUB_VARIABLE.sub(replace, text)

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            raise UnresolvableError(f"Condition {name} is not defined")
        return bool(self.resolve(self._conditions[name]))

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function evaluated (``AWS::NoValue`` entries dropped)."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(arg)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": lambda arg: self.ref(str(arg)),
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::Join": lambda arg: str(arg[0]).join(
                str(self.resolve(part)) for part in self.resolve(arg[1])
            ),
            "Fn::Select": lambda arg: self.resolve(arg[1])[int(self.resolve(arg[0]))],
            "Fn::Split": lambda arg: str(self.resolve(arg[1])).split(str(arg[0])),
            "Fn::If": self._fn_if,
            "Fn::Equals": lambda arg: self.resolve(arg[0]) == self.resolve(arg[1]),
            "Fn::Not": lambda arg: not self.resolve(arg[0]),
            "Fn::And": lambda arg: all(self.resolve(item) for item in arg),
            "Fn::Or": lambda arg: any(self.resolve(item) for item in arg),
            "Condition": lambda arg: self.condition(str(arg)),
        }

    def _fn_get_att(self, arg: Any) -> str:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        return self.get_att(str(arg[0]), str(self.resolve(arg[1])))

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            return self.sub(str(arg[0]), arg[1] if len(arg) > 1 else {})
        return self.sub(str(arg), {})

    def _fn_if(self, arg: Any) -> Any:
        condition, when_true, when_false = arg
        return self.resolve(when_true if self.condition(str(condition)) else when_false)


def resources_of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties of every resource of ``resource_type``."""
    return {
        logical_id: dict(resource.get("Properties", {}) or {})
        for logical_id, resource in (template.get("Resources", {}) or {}).items()
        if resource.get("Type") == resource_type
    }


def environment_variables(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Function logical id -> its environment (Globals merged with the function's own, unresolved)."""
    globals_env = (
        ((template.get("Globals", {}) or {}).get("Function", {}) or {}).get("Environment", {}) or {}
    ).get("Variables", {}) or {}
    merged = {}
    for logical_id, props in resources_of_type(template, "AWS::Serverless::Function").items():
        own = (props.get("Environment", {}) or {}).get("Variables", {}) or {}
        merged[logical_id] = {**globals_env, **own}
    return merged


def parameter_env_names(template: Mapping[str, Any]) -> dict[str, list[str]]:
    """Parameter logical id -> the environment names it is assigned to through ``!Ref``."""
    names: dict[str, list[str]] = {name: [] for name in template.get("Parameters", {}) or {}}
    for variables in environment_variables(template).values():
        for env_name, value in variables.items():
            if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in names:
                bucket = names[value["Ref"]]
                if env_name not in bucket:
                    bucket.append(env_name)
    for env_name, parameter in secret_keys(template).items():
        if parameter in names and env_name not in names[parameter]:
            names[parameter].append(env_name)
    return names


_SECRET_KEY = re.compile(r'"([A-Za-z0-9_]+)"\s*:\s*"\$\{([A-Za-z0-9]+)\}"')


def secret_keys(template: Mapping[str, Any]) -> dict[str, str]:
    """Key -> parameter, of every Secrets Manager secret whose ``SecretString`` is a ``!Sub`` of a JSON
    object with ``"KEY": "${Parameter}"`` members (the keys are the settings' names: ``HASH_KEY`` ...)."""
    keys: dict[str, str] = {}
    for props in resources_of_type(template, "AWS::SecretsManager::Secret").values():
        text = props.get("SecretString")
        if isinstance(text, dict) and set(text) == {"Fn::Sub"}:
            sub = text["Fn::Sub"]
            for key, parameter in _SECRET_KEY.findall(str(sub[0] if isinstance(sub, list) else sub)):
                keys[key] = parameter
    return keys


def local_parameters(template: Mapping[str, Any], secrets_: Mapping[str, str]) -> dict[str, str]:
    """Parameter logical id -> its local development value (see :func:`local.config.parameter_value`)."""
    parameters = template.get("Parameters", {}) or {}
    env_names = parameter_env_names(template)
    return {
        name: config.parameter_value(env_names.get(name, []), definition or {}, secrets_)
        for name, definition in parameters.items()
    }


def deployed_default_environment(template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Function logical id -> the environment AWS gives it when the stack is deployed with every
    parameter's ``Default`` (a parameter without one, a secret, gets a placeholder as long as its
    ``MinLength``; resources resolve to placeholder names). What the cold-start benchmark and the
    import-graph test run the handlers under, so both see the deployed defaults (tracing included)."""
    parameters = {}
    for name, definition in (template.get("Parameters", {}) or {}).items():
        definition = definition or {}
        default = definition.get("Default")
        if default is None:
            default = f"placeholder-{name}".ljust(int(definition.get("MinLength", 0) or 0), "x")
        parameters[name] = str(default)
    resolver = Resolver(template, parameters=parameters, resources={})
    environments = {}
    for logical_id, variables in environment_variables(template).items():
        resolved = {name: resolver.resolve(raw) for name, raw in variables.items()}
        environments[logical_id] = {
            name: _env_text(value) for name, value in resolved.items() if value is not NO_VALUE
        }
    return environments


@dataclass(frozen=True)
class MergedEnvironment:
    values: dict[str, str]
    #: names that two functions set to different values (one process cannot honour both)
    conflicts: tuple[str, ...]
    #: names whose value refers to a template resource (a local table, queue ...): never overridden
    resource_backed: tuple[str, ...] = ()


def merged_function_environment(template: Mapping[str, Any], resolver: Resolver) -> MergedEnvironment:
    """The union of every function's resolved environment: all local handlers share one process."""
    values: dict[str, str] = {}
    conflicts: set[str] = set()
    resource_backed: set[str] = set()
    resources = template.get("Resources", {}) or {}
    for variables in environment_variables(template).values():
        for name, raw in variables.items():
            value = resolver.resolve(raw)
            if value is NO_VALUE:
                continue
            text = _env_text(value)
            if name in values and values[name] != text:
                conflicts.add(name)
            values[name] = text
            if _refers_to(raw, resources):
                resource_backed.add(name)
    return MergedEnvironment(
        values=values, conflicts=tuple(sorted(conflicts)), resource_backed=tuple(sorted(resource_backed))
    )


def _refers_to(value: Any, resources: Mapping[str, Any]) -> bool:
    """True when ``value`` contains a ``Ref``/``GetAtt``/``Sub`` of one of ``resources``."""
    if isinstance(value, list):
        return any(_refers_to(item, resources) for item in value)
    if not isinstance(value, dict):
        return False
    if set(value) == {"Ref"}:
        return value["Ref"] in resources
    if set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        return (target[0] if isinstance(target, list) else str(target).split(".", 1)[0]) in resources
    if set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        names = {m.split(".", 1)[0] for m in _SUB_VARIABLE.findall(str(text))}
        return bool(names & set(resources))
    return any(_refers_to(item, resources) for item in value.values())


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def http_api_cors(template: Mapping[str, Any]) -> dict[str, Any] | None:
    """The CorsConfiguration of the template's HTTP API (Globals.HttpApi merged), ``None`` when absent.

    ``CorsConfiguration: true`` means what SAM makes of it: every origin.
    """
    globals_api = (template.get("Globals", {}) or {}).get("HttpApi", {}) or {}
    apis = resources_of_type(template, "AWS::Serverless::HttpApi")
    configured = [
        props.get("CorsConfiguration", globals_api.get("CorsConfiguration")) for props in apis.values()
    ]
    if not apis:
        configured = [globals_api.get("CorsConfiguration")]
    for cors in configured:
        if cors is True:
            return {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
        if isinstance(cors, dict):
            return dict(cors)
    return None


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS event source of a function."""

    function_id: str
    queue_id: str
    batch_size: int
    batching_window_s: float
    report_batch_item_failures: bool
    enabled: bool


@dataclass(frozen=True)
class ScheduleTrigger:
    """A Schedule (EventBridge rule) or ScheduleV2 (EventBridge Scheduler) event of a function."""

    function_id: str
    event_name: str
    event_type: str
    expression: str
    #: the configured ``Input`` (a JSON string), if any
    input: str | None


def _queue_id(reference: Any) -> str | None:
    if isinstance(reference, dict):
        if "Fn::GetAtt" in reference:
            target = reference["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
        if "Ref" in reference:
            return str(reference["Ref"])
    return None


def queue_triggers(template: Mapping[str, Any]) -> list[QueueTrigger]:
    triggers = []
    for function_id, props in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in (props.get("Events", {}) or {}).values():
            if event.get("Type") != "SQS":
                continue
            event_props = event.get("Properties", {}) or {}
            queue_id = _queue_id(event_props.get("Queue"))
            if queue_id is None:
                continue
            triggers.append(
                QueueTrigger(
                    function_id=function_id,
                    queue_id=queue_id,
                    batch_size=int(event_props.get("BatchSize", 10)),
                    batching_window_s=float(event_props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (event_props.get("FunctionResponseTypes") or []),
                    enabled=event_props.get("Enabled", True) is not False,
                )
            )
    return triggers


def schedule_triggers(template: Mapping[str, Any]) -> list[ScheduleTrigger]:
    triggers = []
    for function_id, props in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in (props.get("Events", {}) or {}).items():
            if event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            event_props = event.get("Properties", {}) or {}
            expression = event_props.get("Schedule") or event_props.get("ScheduleExpression") or ""
            raw_input = event_props.get("Input")
            triggers.append(
                ScheduleTrigger(
                    function_id=function_id,
                    event_name=event_name,
                    event_type=str(event["Type"]),
                    expression=str(expression),
                    input=None if raw_input is None else str(raw_input),
                )
            )
    return triggers
