"""``make new-connector NAME=acme``: the files a new CRM needs, ready to fill in.

It writes the connector package (a thin class over a mixin per concern, each interface method at the
base class's exact signature and answering 501 until written), a sandbox module
for the local stack, a manifest entry and the conformance fixture. The result passes the structural
checks at once (signatures, manifest, the stack starts) and fails every behavioural scenario of
``tests/conformance/`` with a message that says what to write where, until it is written: nothing
passes by pretending. docs/connectors.md walks through the rest.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
#: the interface methods a new connector starts with, by module (the first by auth type)
MODULES: dict[str, list[str]] = {
    "auth": ["get_user_info", "unauthorize"],
    "contacts": ["find_contact", "find_contact_with_name", "create_contact"],
    "call_logs": [
        "create_call_log",
        "find_call_log",
        "update_call_log",
        "get_call_log",
        "upsert_call_disposition",
    ],
    "messages": ["create_message_log", "find_message_log", "update_message_log"],
    "users": ["get_user_list"],
}
LINE_LENGTH = 110  # pyproject.toml's, so the scaffold is formatted as ``ruff format`` would write it
AUTH_METHOD = {"apiKey": "get_basic_auth", "oauth": "get_oauth_info"}
_TYPING = {"Any": "typing", "Mapping": "collections.abc", "Sequence": "collections.abc"}


#: the mixin class of each module
MIXINS = {
    "auth": "Auth",
    "contacts": "Contacts",
    "call_logs": "CallLogs",
    "messages": "Messages",
    "users": "Users",
}


def _stub(name: str, module: str, method: str) -> tuple[str, set[str]]:
    """A method with the base method's exact signature that answers 501 until it is written, and the names
    its annotations use."""
    from appconnect.connector import Connector

    signature = inspect.signature(getattr(Connector, method))
    lines, names = ["        self,", "        *,"], set()
    for parameter in list(signature.parameters.values())[1:]:
        default = parameter.default
        text = f"        {parameter.name}: {parameter.annotation}"
        if default is not inspect.Parameter.empty:
            text += f" = {json.dumps(default) if isinstance(default, str) else default}"
        lines.append(f"{text},")
        names |= set(re.findall(r"[A-Za-z_]\w*", str(parameter.annotation)))
    names |= set(re.findall(r"[A-Za-z_]\w*", str(signature.return_annotation)))
    arguments = f'self.display_name, "{method} (write it in connectors/{name}/{module}.py)"'
    body = f"        raise ConnectorNotBuilt({arguments})"
    if len(body) > LINE_LENGTH:
        body = f"        raise ConnectorNotBuilt(\n            {arguments}\n        )"
    head = f"    def {method}(\n" + "\n".join(lines) + f"\n    ) -> {signature.return_annotation}:\n"
    return head + body + "\n", names


def _imports(names: set[str]) -> str:
    import appconnect.connector as sdk

    lines = []
    for source in ("collections.abc", "typing"):
        wanted = sorted(n for n in names if _TYPING.get(n) == source)
        if wanted:
            lines.append(f"from {source} import {', '.join(wanted)}\n")
    if lines:
        lines.append("\n")
    sdk_names = sorted(n for n in names | {"Connector"} if n in sdk.__all__)
    lines.append("from appconnect.connector import (\n" + "".join(f"    {n},\n" for n in sdk_names) + ")\n")
    lines.append("from appconnect.errors import ConnectorNotBuilt\n")
    return "".join(lines)


def _methods(module: str, auth: str) -> list[str]:
    return ([AUTH_METHOD[auth]] if module == "auth" else []) + MODULES[module]


def concern_modules(name: str, display: str, auth: str) -> dict[str, str]:
    """``{module: source}``: one module per concern, its mixin's methods answering 501 until written."""
    modules = {}
    for module in MODULES:
        stubs, names = [], set()
        for method in _methods(module, auth):
            stub, used = _stub(name, module, method)
            stubs.append(stub)
            names |= used
        concern = module.replace("_", " ")
        modules[module] = (
            f'"""{display}: {concern} (scaffolded by ``make new-connector``; write each method)."""\n\n'
            "from __future__ import annotations\n\n" + _imports(names) + "\n\n"
            f"class {MIXINS[module]}(Connector):\n"
            f'    """{display}\'s {concern} interfaces."""\n\n' + "\n".join(stubs)
        )
    return modules


def connector_module(name: str, display: str, auth: str) -> str:
    bases = ", ".join(f"{module}.{MIXINS[module]}" for module in MODULES)
    return (
        f'"""{display}: the connector (scaffolded by ``make new-connector``).\n\n'
        "The class declares the facts; the interfaces are methods of a mixin per concern (auth.py,\n"
        "contacts.py, call_logs.py, messages.py, users.py), as connectors/pipedrive does, each checked by\n"
        "mypy against appconnect.connector.Connector. Delete the method of an interface the CRM cannot\n"
        "offer: /implementedInterfaces then reports it false and the conformance suite skips its scenarios,\n"
        "naming the capability.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import ClassVar\n\n"
        "from appconnect.connector import AuthType\n"
        f"from connectors.{name} import {', '.join(sorted(MODULES))}\n\n\n"
        f"class {_class_name(name)}({bases}):\n"
        f'    platform: ClassVar[str] = "{name}"\n'
        f'    display_name: ClassVar[str] = "{display}"\n'
        f'    auth_type: ClassVar[AuthType] = "{auth}"\n'
        '    log_format: ClassVar[str] = "text/plain"\n'
        "    settings: ClassVar[dict[str, str]] = {\n"
        '        "API_URL": "https://api.example.com",\n'
        '        "ALLOWED_HOSTS": "*.example.com",\n'
        "    }\n"
    )


def sandbox_module(name: str, display: str) -> str:
    return f'''"""{display}'s sandbox for the local stack (scaffolded by ``make new-connector``).

Emulate the CRM's API as the connector calls it: auth, validation and error bodies, search semantics,
pagination and rate-limit headers, as local/sandbox/insightly.py does. Until then every call is a 404.
"""

from __future__ import annotations

from typing import Any

from local.sandbox.core import Sandbox


class {_class_name(name).replace("Connector", "Sandbox")}(Sandbox):
    name = "{name}"

    def register_routes(self) -> None:
        pass  # self.route("GET", "/users/me", self.me) ...

    def load_default_state(self) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {{}}

    def clear_state(self) -> None:
        self.records = {{}}

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        return {{}}

    def dump(self, collection: str | None) -> dict[str, Any]:
        return {{collection or "records": []}}

    def mint(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {{}}

    def expire(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {{}}
'''


def conformance_module(name: str) -> str:
    return f'''"""{name} for the conformance suite (scaffolded by ``make new-connector``): fill in each fact.

tests/conformance/kit.py documents every field; tests/conformance/crms/insightly.py is a worked example.
"""

from __future__ import annotations

from typing import Any

import requests

from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient


def _login(api_url: str, box: SandboxClient) -> Extension:
    client = Extension(requests.Session(), api_url)
    body = {{"platform": "{name}", "apiKey": "sandbox-key", "additionalInfo": {{"apiKey": "sandbox-key"}}}}
    response = client.http.post(f"{{api_url}}/apiKeyLogin", json=body, timeout=60)
    if response.status_code != 200:
        raise AssertionError(
            f"{name}: the login answered {{response.status_code}} {{response.text[:300]}}: write the "
            "connector's login (connectors/{name}/), its sandbox's API (local/sandbox/{name}.py) and "
            "this fixture (tests/conformance/crms/{name}.py)"
        )
    client.jwt = response.json()["jwtToken"]
    return client


def _not_written(*_: Any, **__: Any) -> Any:
    raise AssertionError("{name}: fill in tests/conformance/crms/{name}.py")


WORLD = CrmWorld(
    platform="{name}",
    capabilities=frozenset(),
    login=_login,
    seeded_numbers={{"+14155550142": "the id of the contact the sandbox seeds with this number"}},
    several_matches=("+14155550142", frozenset({{"two ids"}})),
    unknown_number="+14155550000",
    name_search=("a seeded name", "its id"),
    new_contact_type="",
    call_log_body=_not_written,
    message_body=_not_written,
    records=_not_written,
    record_id=_not_written,
    record_text=_not_written,
    disposition=None,
    search_path="/the/search/path",
)
'''


def manifest_entry(name: str, display: str, auth: str) -> dict[str, object]:
    entry: dict[str, object] = {
        "name": name,
        "displayName": display,
        "urlIdentifier": "*.example.com",
        "embedUrls": ["https://*.example.com/*"],
        "auth": {"type": auth},
    }
    if auth == "apiKey":
        entry["auth"] = {
            "type": "apiKey",
            "apiKey": {
                "page": {
                    "title": display,
                    "content": [{"const": "apiKey", "title": "API key", "type": "string", "required": True}],
                }
            },
        }
    return entry


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Connector"


def scaffold(name: str, display: str, auth: str, root: Path = ROOT) -> list[Path]:
    """Write the new connector's files under ``root``; the paths written."""
    if not NAME.match(name):
        raise SystemExit(f"NAME must be lower-case letters, digits and underscores (got {name!r})")
    package = root / "connectors" / name
    if package.exists():
        raise SystemExit(f"connectors/{name} exists already")
    files = {
        package / "__init__.py": f'"""{display}."""\n\nfrom connectors.{name}.connector import '
        f"{_class_name(name)}\n\nCONNECTOR = {_class_name(name)}\n\n"
        f'__all__ = ["CONNECTOR", "{_class_name(name)}"]\n',
        package / "connector.py": connector_module(name, display, auth),
        **{
            package / f"{module}.py": source
            for module, source in concern_modules(name, display, auth).items()
        },
        root / "local" / "sandbox" / f"{name}.py": sandbox_module(name, display),
        root / "tests" / "conformance" / "crms" / f"{name}.py": conformance_module(name),
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    manifest_path = root / "connectors" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["platforms"][name] = manifest_entry(name, display, auth)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*files, manifest_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make new-connector", description=__doc__)
    parser.add_argument("name", help="the platform name: lower-case, e.g. acme")
    parser.add_argument("--display", help="the name users see (default: the name, capitalised)")
    parser.add_argument("--auth", choices=sorted(AUTH_METHOD), default="apiKey")
    arguments = parser.parse_args(argv)
    display = arguments.display or arguments.name.replace("_", " ").title()
    for path in scaffold(arguments.name, display, arguments.auth):
        print(f"wrote {path.relative_to(ROOT)}")
    print(f"next: docs/connectors.md; the conformance suite: pytest tests/conformance -k {arguments.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
