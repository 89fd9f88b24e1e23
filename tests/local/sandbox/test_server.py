"""The sandbox server as a process and as a library: standalone start, URLs, concurrency, lifecycle."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from local.sandbox import SandboxServer
from tests.local.sandbox.conftest import Sandbox

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_given_sandbox_port_when_run_as_module_then_prints_urls_and_serves(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "SANDBOX_PORT": str(port), "PYTHONPATH": str(ROOT)}
    log = tmp_path / "out.txt"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.sandbox"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/__sandbox", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert response.json()["systems"]["redtail"] == f"http://127.0.0.1:{port}/redtail"
        output = log.read_text()
        assert f"http://127.0.0.1:{port}/pipedrive" in output
        assert f"RINGCENTRAL_SERVER=http://127.0.0.1:{port}/ringcentral" in output
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_given_port_zero_when_started_then_free_port_chosen_and_stop_releases_it():
    server = SandboxServer(port=0).start()
    port = server.port
    assert port != 0
    assert requests.get(f"{server.url}/__sandbox", timeout=2).status_code == 200
    server.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_given_server_when_connector_env_asked_then_every_url_points_at_it(sandbox: Sandbox):
    env = sandbox.server.connector_env()
    assert env["PIPEDRIVE_COMPANY_URL"] == f"{sandbox.url}/pipedrive/c/{{hostname}}"
    assert env["REDTAIL_API_URL"] == f"{sandbox.url}/redtail/api/public/v1"
    assert env["RINGCENTRAL_SERVER"] == f"{sandbox.url}/ringcentral"


def test_given_company_host_segment_when_calling_pipedrive_then_same_company_api(sandbox: Sandbox):
    token = sandbox.control("POST", "pipedrive/tokens", {}, expect=201)["access_token"]
    url = f"{sandbox.base('pipedrive')}/c/sandbox.pipedrive.com/api/v2/persons/101"
    response = sandbox.http.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.json()["data"]["name"] == "Maya Patel"
    assert sandbox.journal("pipedrive")[-1]["path"] == "/c/sandbox.pipedrive.com/api/v2/persons/101"


def test_given_concurrent_writes_when_sent_in_parallel_then_every_record_gets_a_unique_id(sandbox: Sandbox):
    token = sandbox.control("POST", "pipedrive/tokens", {}, expect=201)["access_token"]
    url = f"{sandbox.base('pipedrive')}/v1/persons"

    def create(n: int) -> int:
        with requests.Session() as http:
            response = http.post(
                url, json={"name": f"Parallel {n}"}, headers={"Authorization": f"Bearer {token}"}
            )
            return response.json()["data"]["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(40)))
    assert len(set(ids)) == 40
    assert sorted(ids) == list(range(min(ids), min(ids) + 40))


def test_given_chunked_body_when_posted_then_read_in_full(sandbox: Sandbox):
    token = sandbox.control("POST", "pipedrive/tokens", {}, expect=201)["access_token"]
    body = (part for part in [b'{"name": ', b'"Chunked Person"}'])
    response = sandbox.http.post(
        f"{sandbox.base('pipedrive')}/v1/persons",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Chunked Person"
