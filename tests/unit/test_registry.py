"""Connectors load by platform name, lazily, and only from the connectors package."""

from __future__ import annotations

import sys

import pytest

from appconnect.connector import Connector, UnknownPlatform, get_connector, known_platforms


def test_given_the_four_crms_when_listed_then_all_present() -> None:
    assert set(known_platforms()) >= {"pipedrive", "bullhorn", "insightly", "redtail"}


@pytest.mark.parametrize(
    ("platform", "auth_type", "log_format"),
    [
        ("pipedrive", "oauth", "text/html"),
        ("bullhorn", "oauth", "text/html"),
        ("insightly", "apiKey", "text/plain"),
        ("redtail", "apiKey", "text/html"),
    ],
)
def test_given_platform_when_loaded_then_its_declared_facts(
    platform: str, auth_type: str, log_format: str
) -> None:
    connector = get_connector(platform)
    assert isinstance(connector, Connector)
    assert connector.platform == platform
    assert connector.get_auth_type() == auth_type
    assert connector.get_log_format_type() == log_format


@pytest.mark.parametrize("name", ["", "salesforce", "os", "pipedrive.connector", "../x", "PIPEDRIVE"])
def test_given_unknown_or_hostile_name_when_loaded_then_unknown_platform(name: str) -> None:
    with pytest.raises(UnknownPlatform, match="Connector not found for platform"):
        get_connector(name)


def test_given_one_platform_requested_when_loaded_then_others_stay_unimported() -> None:
    for name in [m for m in sys.modules if m.startswith("connectors.redtail")]:
        del sys.modules[name]
    get_connector.cache_clear()
    get_connector("pipedrive")
    assert "connectors.redtail" not in sys.modules


def test_given_connector_without_overrides_when_asked_then_only_auth_type_implemented() -> None:
    class Bare(Connector):
        platform = "bare"

    assert Bare.implements("getAuthType")
    assert not Bare.implements("findContact")
    assert not Bare.implements("noSuchInterface")

    class WithFind(Bare):
        def find_contact(self, **kwargs: object) -> dict[str, object]:
            return {"successful": True}

    assert WithFind.implements("findContact")
