"""Health and manifest operations through their real Lambda handlers."""

from __future__ import annotations

import json
from typing import Any

import crm_manifest
import implemented_interfaces
import is_alive
import pytest
import release_notes
import server_version_info

from appconnect import settings
from tests.unit.conftest import LambdaContext, http_event


def invoke(module: Any, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = module.handler(http_event("GET", path, query=query), LambdaContext())
    return result


def test_given_running_server_when_is_alive_then_200_text_ok() -> None:
    result = invoke(is_alive, "/isAlive")
    assert result["statusCode"] == 200
    assert result["body"] == "OK"
    assert result["headers"]["content-type"].startswith("text/plain")


def test_given_manifest_when_server_version_info_then_its_version() -> None:
    result = invoke(server_version_info, "/serverVersionInfo")
    manifest = json.loads(invoke(crm_manifest, "/crmManifest")["body"])
    assert json.loads(result["body"]) == {"version": manifest["version"]}


def test_given_pipedrive_when_manifest_requested_then_only_pipedrive_pointing_at_this_api() -> None:
    result = invoke(crm_manifest, "/crmManifest", {"platformName": "pipedrive"})
    assert result["statusCode"] == 200
    manifest = json.loads(result["body"])
    assert list(manifest["platforms"]) == ["pipedrive"]
    server = "https://abc123.execute-api.us-east-1.amazonaws.com"
    assert manifest["serverUrl"] == server
    oauth = manifest["platforms"]["pipedrive"]["auth"]["oauth"]
    assert oauth["redirectUri"] == f"{server}/pipedrive-redirect"
    assert oauth["authUrl"] == "https://oauth.pipedrive.com/oauth/authorize"
    assert "${" not in result["body"]


def test_given_configured_client_and_sandbox_when_manifest_requested_then_they_show(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPEDRIVE_CLIENT_ID", "client-123")
    monkeypatch.setenv("PIPEDRIVE_OAUTH_URL", "http://127.0.0.1:8100/pipedrive")
    monkeypatch.setenv("APP_SERVER", "https://api.example.com/")
    settings.reload()
    manifest = json.loads(invoke(crm_manifest, "/crmManifest", {"platformName": "pipedrive"})["body"])
    oauth = manifest["platforms"]["pipedrive"]["auth"]["oauth"]
    assert oauth["clientId"] == "client-123"
    assert oauth["authUrl"] == "http://127.0.0.1:8100/pipedrive/oauth/authorize"
    assert manifest["serverUrl"] == "https://api.example.com"


def test_given_no_platform_name_when_manifest_requested_then_all_four_platforms() -> None:
    manifest = json.loads(invoke(crm_manifest, "/crmManifest")["body"])
    assert set(manifest["platforms"]) == {"pipedrive", "bullhorn", "insightly", "redtail"}
    assert manifest["author"]["name"]


def test_given_unknown_platform_when_manifest_requested_then_400_platform_not_found() -> None:
    result = invoke(crm_manifest, "/crmManifest", {"platformName": "salesforce"})
    assert result["statusCode"] == 400
    assert result["body"] == "Platform not found"


def test_given_no_platform_when_implemented_interfaces_then_400_please_provide_platform() -> None:
    result = invoke(implemented_interfaces, "/implementedInterfaces")
    assert result["statusCode"] == 400
    assert result["body"] == "Please provide platform."


@pytest.mark.parametrize("platform", ["salesforce", "../etc", "Pipedrive"])
def test_given_unknown_platform_when_implemented_interfaces_then_400_json_error(platform: str) -> None:
    result = invoke(implemented_interfaces, "/implementedInterfaces", {"platform": platform})
    assert result["statusCode"] == 400
    assert json.loads(result["body"]) == {"error": f"Connector not found for platform: {platform}"}


def test_given_oauth_connector_when_implemented_interfaces_then_oauth_info_reported_not_basic_auth() -> None:
    body = json.loads(
        invoke(implemented_interfaces, "/implementedInterfaces", {"platform": "pipedrive"})["body"]
    )
    assert body["getAuthType"] is True
    assert "getOauthInfo" in body
    assert "getBasicAuth" not in body
    assert body["confirmAppointment"] is False
    assert body["cacheCallNote"] is False
    assert all(isinstance(value, bool) for value in body.values())


def test_given_api_key_connector_when_implemented_interfaces_then_basic_auth_reported() -> None:
    body = json.loads(
        invoke(implemented_interfaces, "/implementedInterfaces", {"platform": "insightly"})["body"]
    )
    assert "getBasicAuth" in body
    assert "getOauthInfo" not in body


def test_given_use_cache_when_implemented_interfaces_then_cache_call_note_true(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USE_CACHE", "true")
    settings.reload()
    body = json.loads(
        invoke(implemented_interfaces, "/implementedInterfaces", {"platform": "redtail"})["body"]
    )
    assert body["cacheCallNote"] is True


def test_given_release_notes_when_requested_then_each_version_has_global_list() -> None:
    body = json.loads(invoke(release_notes, "/releaseNotes")["body"])
    assert body
    for entry in body.values():
        assert isinstance(entry["global"], list)
        assert all(item["type"] in {"New", "Better", "Fix"} for item in entry["global"])
