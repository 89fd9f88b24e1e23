"""The typed connector boundary: every connector method has the base class's exact signature, the type
checker refuses one that does not, and an unknown keyword is an error, never swallowed."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from appconnect.connector import INTERFACES, Connector, ContactLookup, CrmUser
from appconnect.connector.base import EXTENSIONS
from appconnect.connector.registry import get_connector, known_platforms

ROOT = Path(__file__).resolve().parents[2]
METHODS = sorted({*INTERFACES.values(), *EXTENSIONS.values()} - {"get_auth_type", "get_log_format_type"})


def _built() -> list[str]:
    return [p for p in known_platforms() if type(get_connector(p)).implements("getUserInfo")]


def _parameters(function: object, skip_first: bool) -> list[tuple[str, object, object, object]]:
    parameters = list(inspect.signature(function).parameters.values())[1 if skip_first else 0 :]
    return [(p.name, p.kind, p.default, p.annotation) for p in parameters]


@pytest.mark.parametrize("platform", _built())
def test_given_a_built_connector_when_inspected_then_each_method_has_the_base_signature(
    platform: str,
) -> None:
    connector_class = type(get_connector(platform))
    checked = 0
    for name in METHODS:
        if not connector_class.implements(
            next(k for k, v in {**INTERFACES, **EXTENSIONS}.items() if v == name)
        ):
            continue
        ours = getattr(connector_class, name)  # a bound module function (conf, *, ...) or a method
        assert _parameters(ours, skip_first=True) == _parameters(getattr(Connector, name), skip_first=True), (
            f"{platform}.{name}"
        )
        assert (
            inspect.signature(ours).return_annotation
            == inspect.signature(getattr(Connector, name)).return_annotation
        ), f"{platform}.{name}"
        checked += 1
    assert checked, f"{platform} implements no interface"


@pytest.mark.parametrize("platform", _built())
def test_given_a_misspelled_keyword_when_a_connector_is_called_then_it_is_refused(platform: str) -> None:
    user = CrmUser(id=f"1-{platform}", platform=platform)
    lookup = ContactLookup(phone_number="+14155550142")
    with pytest.raises(TypeError, match="phone_numbr"):
        get_connector(platform).find_contact(  # type: ignore[call-arg]
            user=user, auth_header="Basic x", request=lookup, phone_numbr="+14155550142"
        )
    with pytest.raises(TypeError, match="phone_numbr"):
        ContactLookup(phone_numbr="+14155550142")  # type: ignore[call-arg]


BAD_CONNECTOR = textwrap.dedent(
    """
    from appconnect.connector import ContactLookup, ContactMatches, Connector, CreatedContact, CrmUser
    from appconnect.connector import NewContact


    class Contacts(Connector):
        def find_contact(
            self, *, user: CrmUser, auth_headers: str, request: ContactLookup
        ) -> ContactMatches:
            return ContactMatches(contacts=[])

        def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> list[dict]:
            return []

        def create_contact(self, *, user: CrmUser, auth_header: str, request: NewContact) -> CreatedContact:
            return CreatedContact(contact={"id": request.phone_numbr})
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
    errors = checked.stdout.splitlines()
    assert any('Signature of "find_contact" incompatible with supertype' in e for e in errors), checked.stdout
    assert any('Return type "list[dict[Any, Any]]" of "find_contact_with_name"' in e for e in errors), (
        checked.stdout
    )
    assert any('"NewContact" has no attribute "phone_numbr"' in e for e in errors), checked.stdout
