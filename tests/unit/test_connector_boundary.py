"""The typed connector boundary: every connector method has the base class's exact signature, the type
checker refuses one that does not, and an unknown keyword is an error, never swallowed."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from appconnect.connector import INTERFACES, Connector, CrmUser
from appconnect.connector.base import EXTENSIONS
from appconnect.connector.registry import get_connector, known_platforms

ROOT = Path(__file__).resolve().parents[2]
METHODS = sorted({*INTERFACES.values(), *EXTENSIONS.values()} - {"get_auth_type", "get_log_format_type"})


def _built() -> list[str]:
    return [p for p in known_platforms() if type(get_connector(p)).implements("getUserInfo")]


@pytest.mark.parametrize("platform", _built())
def test_given_a_built_connector_when_inspected_then_each_method_has_the_base_signature(
    platform: str,
) -> None:
    connector_class = type(get_connector(platform))
    for name in METHODS:
        if not connector_class.implements(
            next(k for k, v in {**INTERFACES, **EXTENSIONS}.items() if v == name)
        ):
            continue
        ours = inspect.signature(getattr(connector_class, name))
        base = inspect.signature(getattr(Connector, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default) for p in base.parameters.values()
        ], f"{platform}.{name}"


@pytest.mark.parametrize("platform", _built())
def test_given_a_misspelled_keyword_when_a_connector_is_called_then_it_is_refused(platform: str) -> None:
    user = CrmUser(id=f"1-{platform}", platform=platform)
    with pytest.raises(TypeError, match="phone_numbr"):
        get_connector(platform).find_contact(  # type: ignore[call-arg]
            user=user, auth_header="Basic x", phone_number="+14155550142", phone_numbr="+14155550142"
        )


BAD_CONNECTOR = textwrap.dedent(
    """
    from typing import Any

    from appconnect.connector import Connector, CrmUser


    class MisspeltConnector(Connector):
        def find_contact(
            self,
            *,
            user: CrmUser,
            auth_header: str,
            phone_numbr: str,
            overriding_format: str = "",
            is_extension: bool = False,
        ) -> dict[str, Any]:
            return {}

        def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> list[Any]:
            return []
    """
)


def test_given_a_connector_with_a_wrong_parameter_name_or_return_type_when_type_checked_then_mypy_fails(
    tmp_path: Path,
) -> None:
    module = tmp_path / "misspelt_connector.py"
    module.write_text(BAD_CONNECTOR, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--follow-imports=silent", str(module)],
        cwd=ROOT,
        env={"PATH": "", "MYPYPATH": str(ROOT / "layers" / "appconnect")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert 'Signature of "find_contact" incompatible with supertype' in checked.stdout
    assert 'Return type "list[Any]" of "find_contact_with_name" incompatible' in checked.stdout
