"""Read template.yaml: the one source of routes, functions and tables for the local stack and the tests.

CloudFormation short-form tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...) are loaded as their long form
(``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``) so callers see the same structure CloudFormation sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "ToJsonString",
    "Length",
)


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~15x faster


class _CfnLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that understands CloudFormation's short-form intrinsic functions."""


def _construct(tag: str, loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {tag: value}


def _constructor(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return _construct(tag, loader, node)

    return construct


for _name in _TAGS:
    _CfnLoader.add_constructor(f"!{_name}", _constructor(_name))
for _name in _FN_TAGS:
    _CfnLoader.add_constructor(f"!{_name}", _constructor(f"Fn::{_name}"))


def load_template(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """Parse a SAM/CloudFormation template into plain dicts."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - _CfnLoader derives from SafeLoader
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a template")
    return data


@dataclass(frozen=True)
class Route:
    method: str
    path: str


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    code_uri: str
    routes: tuple[Route, ...]
    events: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


def functions(template: dict[str, Any] | None = None) -> list[FunctionSpec]:
    """Every AWS::Serverless::Function with its HttpApi routes."""
    template = template if template is not None else cached_template()
    globals_fn = template.get("Globals", {}).get("Function", {})
    specs = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**globals_fn, **resource.get("Properties", {})}
        events = props.get("Events", {}) or {}
        routes = tuple(
            Route(str(ev["Properties"]["Method"]).upper(), str(ev["Properties"]["Path"]))
            for ev in events.values()
            if ev.get("Type") == "HttpApi"
        )
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                handler=str(props["Handler"]),
                code_uri=str(props.get("CodeUri", "")),
                routes=routes,
                events=events,
                properties=props,
            )
        )
    return specs


def tables(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties of every AWS::DynamoDB::Table."""
    template = template if template is not None else cached_template()
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }


@lru_cache(maxsize=1)
def cached_template() -> dict[str, Any]:
    return load_template()
