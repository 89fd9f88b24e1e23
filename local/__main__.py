"""``python -m local``: run the local stack (what ``make run`` does), or invoke one function.

    python -m local                        # API on :3000 (PORT), DynamoDB on :8000, sandboxes on :8100
    python -m local invoke TokenRefreshSchedulerFunction [--event events/x.json] [--stack URL]
    python -m local --no-iam               # do not hold each function to its template policy (local.iam)

Ctrl-C or SIGTERM stops everything it started and exits with status 0, however many arrive together (a
process-group SIGTERM, Ctrl-C pressed twice); one more signal a few seconds into a stop that hangs exits at
once.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from local import config
from local.template import TEMPLATE_PATH


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--template", type=Path, default=TEMPLATE_PATH, help="SAM template (default: template.yaml)"
    )
    parser.add_argument("--state-dir", type=Path, default=config.STATE_DIR, help="where dev secrets are kept")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run the local stack (the default)")
    _run_options(run)
    _run_options(parser)

    invoke = sub.add_parser("invoke", help="invoke one function with an event and print its result")
    invoke.add_argument("function", help="the template's logical id, e.g. TokenRefreshSchedulerFunction")
    invoke.add_argument(
        "--event", type=Path, help="event JSON file (default: {}; a schedule event for scheduled functions)"
    )
    invoke.add_argument(
        "--stack", metavar="URL", help="send it to a running stack (http://127.0.0.1:3000) instead"
    )
    _iam_option(invoke)
    return parser


def _iam_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-iam",
        action="store_true",
        help="do not check the functions' AWS calls against their template policies (checked by default)",
    )


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ready-file", type=Path, help="write the stack's URLs here as JSON once it serves")
    parser.add_argument("--no-sandbox", action="store_true", help="do not start the sandbox CRMs")
    parser.add_argument(
        "--retry-failed-messages-after",
        type=int,
        metavar="SECONDS",
        help="visibility timeout for SQS messages the worker failed (default: the queue's own)",
    )
    parser.add_argument(
        "--schedule-every",
        type=float,
        metavar="SECONDS",
        default=None,
        help="fire the scheduled functions (the token-refresh scheduler) this often; 0: only on demand "
        "(default: LOCAL_SCHEDULE_SECONDS or 60)",
    )
    _iam_option(parser)


class StopSignals:
    """Ctrl-C and SIGTERM as a stop request that the main thread waits for.

    A signal handler runs between two bytecodes of the main thread, which may hold any lock at that moment
    (the one inside ``threading.Event.wait``, a stream's buffer lock), so the handler takes none: it only
    notes the time of the first signal in an attribute, and the interpreter's wakeup fd
    (:func:`signal.set_wakeup_fd`) writes a byte to a pipe that :meth:`wait` selects on. Signals that arrive
    within :attr:`FORCE_AFTER_S` of the first are the same request; one after that, while the stop is still
    running, exits at once (``os._exit``, which takes no lock either).
    """

    FORCE_AFTER_S = 3.0

    def __init__(self) -> None:
        self.first_at: float | None = None
        self._read_fd, self._write_fd = os.pipe()
        for fd in (self._read_fd, self._write_fd):
            os.set_blocking(fd, False)

    def install(self) -> None:
        signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if self.first_at is None:
            self.first_at = now
        elif now - self.first_at > self.FORCE_AFTER_S:
            os.write(2, b"python -m local: stopping took too long; exiting at once\n")
            os._exit(128 + signum)

    @property
    def requested(self) -> bool:
        return self.first_at is not None

    def wait(self, timeout: float) -> bool:
        """Whether a stop was requested, waiting up to ``timeout`` seconds (a signal ends the wait)."""
        if not self.requested:
            select.select([self._read_fd], [], [], timeout)
            try:
                while os.read(self._read_fd, 512):
                    pass
            except BlockingIOError:
                pass
        return self.requested

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            os.close(fd)


def run(args: argparse.Namespace) -> int:
    from local.stack import LocalStack

    stop = StopSignals()
    stop.install()

    stack = LocalStack(
        template_path=args.template,
        state_dir=args.state_dir,
        with_sandbox=not args.no_sandbox,
        retry_visibility_timeout=args.retry_failed_messages_after,
        schedule_every=args.schedule_every
        if args.schedule_every is not None
        else config.schedule_seconds_from_env(),
        enforce_iam=not args.no_iam,
    )
    try:
        stack.start()
    except SystemExit as exc:
        print(f"python -m local: {exc}", file=sys.stderr)
        return 1
    try:
        print(stack.banner(), flush=True)
        if args.ready_file is not None:
            assert stack.urls is not None
            document = {**stack.urls.as_dict(), "startupSeconds": round(stack.startup_seconds, 3)}
            tmp = args.ready_file.with_name(args.ready_file.name + ".tmp")
            tmp.write_text(json.dumps(document), encoding="utf-8")
            tmp.replace(args.ready_file)
        while not stop.wait(1.0):
            pass
    finally:
        print("stopping the local stack ...", flush=True)
        stack.stop()
    print("stopped.", flush=True)
    return 0


def invoke(args: argparse.Namespace) -> int:
    event_text = args.event.read_text(encoding="utf-8") if args.event else None
    if args.stack:
        import requests

        url = f"{args.stack.rstrip('/')}/__local/"
        from local.resources import schedule_triggers
        from local.template import load_template

        scheduled = {t.function_id for t in schedule_triggers(load_template(args.template))}
        if event_text is None and args.function in scheduled:
            response = requests.post(f"{url}schedules/{args.function}", timeout=120)
        else:
            response = requests.post(f"{url}invoke/{args.function}", data=event_text or "{}", timeout=120)
        print(json.dumps(response.json(), indent=2))
        return 0 if response.ok else 1

    import os

    from local.stack import LocalStack
    from local.triggers import scheduled_event

    # stdout carries the result only: whatever the function prints (logs, metrics) goes to stderr
    result_out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stack = LocalStack(
        template_path=args.template,
        state_dir=args.state_dir,
        serve_http=False,
        poll_queues=False,
        warm_handlers=False,
        enforce_iam=not args.no_iam,
    )
    stack.start()
    try:
        assert stack.api is not None
        if args.function not in stack.api.functions:
            print(f"no function {args.function} in {args.template}", file=sys.stderr)
            return 2
        if event_text is not None:
            event = json.loads(event_text)
        elif args.function in stack.api.schedules:
            event = scheduled_event(stack.api.schedules[args.function])
        else:
            event = {}
        invocation = stack.api.invoke(args.function, event)
        sys.stdout.flush()
        if invocation.ok:
            print(json.dumps(invocation.result, indent=2), file=result_out, flush=True)
            return 0
        assert invocation.error is not None
        print(
            json.dumps(invocation.error.payload(invocation.request_id), indent=2), file=result_out, flush=True
        )
        return 1
    finally:
        stack.stop()
        result_out.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "invoke":
        return invoke(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
