"""Screen-pop latency: GET /contact for a number that matches three Pipedrive persons.

Starts the local stack in-process on free ports (API, embedded DynamoDB, sandbox CRMs), logs in to the
Pipedrive sandbox as the extension does, then measures ``GET /contact`` first without injected latency
(the server's own time) and then with a fixed delay on every sandbox call. The budget the design sets is
two CRM round trips in sequence (the search, then the deals and leads of every person in parallel), so
with ``D`` ms per call the answer must come within ``2.5 x D`` plus the server's own time.

    .venv/bin/python -m bench.screen_pop [--delay-ms 50] [--rounds 30]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from local import config
from local.stack import LocalStack, Output

NUMBER = "+14155550142"


def _login(http: requests.Session, api: str, sandbox: str) -> str:
    consent = http.get(
        f"{sandbox}/pipedrive/oauth/authorize",
        params={
            "client_id": "sandbox-pipedrive-client",
            "redirect_uri": f"{api}/pipedrive-redirect",
            "state": "platform=pipedrive&hostname=sandbox.pipedrive.com",
        },
        allow_redirects=False,
    )
    callback = consent.headers["Location"]
    state = parse_qs(urlsplit(callback).query)["state"][0]
    answer = http.get(f"{api}/oauth-callback", params={"callbackUri": callback, "state": state})
    answer.raise_for_status()
    return str(answer.json()["jwtToken"])


def _measure(http: requests.Session, api: str, token: str, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = http.get(
            f"{api}/contact", params={"phoneNumber": NUMBER}, headers={"Authorization": f"Bearer {token}"}
        )
        timings.append((time.perf_counter() - started) * 1000)
        body = response.json()
        if response.status_code != 200 or not body.get("successful"):
            raise SystemExit(f"GET /contact failed: {response.status_code} {response.text[:200]}")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory() as state,
        LocalStack(
            ports=config.Ports(api=0, dynamodb=0, sandbox=0),
            state_dir=Path(state),
            output=Output(out=io.StringIO(), err=io.StringIO()),
        ) as stack,
    ):
        if stack.urls is None or stack.urls.sandbox is None:
            raise SystemExit("the local stack started without its sandboxes")
        api, sandbox = stack.urls.api, stack.urls.sandbox
        http = requests.Session()
        control = f"{sandbox}/__sandbox/pipedrive"
        # a third person with the same number, typed another way
        http.post(
            f"{control}/seed", json={"persons": [{"name": "Max Patel", "phones": ["+1 (415) 555 0142"]}]}
        )
        token = _login(http, api, sandbox)
        matched = http.get(
            f"{api}/contact", params={"phoneNumber": NUMBER}, headers={"Authorization": f"Bearer {token}"}
        ).json()["contact"]
        persons = [c for c in matched if not c.get("isNewContact")]

        own = _measure(http, api, token, args.rounds)
        http.delete(f"{control}/journal")
        http.post(f"{control}/latency", json={"delay_ms": args.delay_ms})
        delayed = _measure(http, api, token, args.rounds)
        calls = len(http.get(f"{control}/journal").json()["requests"]) / args.rounds
        http.delete(f"{control}/latency")

    own_median = statistics.median(own)
    delayed_median = statistics.median(delayed)
    budget = 2.5 * args.delay_ms + own_median
    print(f"persons matched:                   {len(persons)}")
    print(f"Pipedrive calls per lookup:        {calls:.1f}")
    print(
        f"server's own time (no delay):      median {own_median:.1f} ms, "
        f"p95 {statistics.quantiles(own, n=20)[-1]:.1f} ms"
    )
    print(
        f"with {args.delay_ms:.0f} ms per Pipedrive call:    median {delayed_median:.1f} ms, "
        f"p95 {statistics.quantiles(delayed, n=20)[-1]:.1f} ms"
    )
    verdict = "within" if delayed_median <= budget else "OVER"
    print(f"budget (2.5 x delay + own time):   {budget:.1f} ms -> {verdict}")
    return 0 if delayed_median <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
