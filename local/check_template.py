"""Check template.yaml the way CI does, offline and without AWS credentials.

Run with the SAM CLI's own interpreter (it carries samtranslator and cfn-lint)::

    .venv-sam/bin/python local/check_template.py [TEMPLATE]

Two checks, both must pass:

1. ``sam validate --lint`` on the SAM template itself.
2. cfn-lint on the plain CloudFormation the SAM translator makes of it. cfn-lint alone reads a SAM template
   too leniently (a misspelled runtime or a ``!Ref`` to a missing resource get through), so the template is
   translated first, here, with no AWS calls: local code paths become placeholder S3 locations and the
   managed-policy lookup (which would call IAM) answers from an empty map. The template names managed
   policies only through SAM itself, which writes their full ARNs.

Exit status 0 when both checks pass, 1 otherwise; every finding is printed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"

# Values the translator may substitute for pseudo parameters; any syntactically valid ones will do.
PSEUDO_PARAMETERS: dict[str, Any] = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::StackName": "appconnect-template-check",
    "AWS::StackId": (
        f"arn:aws:cloudformation:{REGION}:123456789012:stack/appconnect-template-check/"
        "00000000-0000-0000-0000-000000000000"
    ),
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}
PLACEHOLDER_BUCKET = "s3://appconnect-template-check"

# Resource types whose code path is a local directory until `sam package` uploads it.
_LOCAL_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


class OfflineManagedPolicyLoader:
    """Stands in for samtranslator's IAM-backed loader: knows no managed policy names, calls nothing."""

    def load(self) -> dict[str, str]:
        return {}


def sam_validate_lint(template: Path) -> list[str]:
    """Findings of ``sam validate --lint`` (empty when it passes)."""
    sam = Path(sys.executable).with_name("sam")
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", REGION),
    }
    result = subprocess.run(  # noqa: S603 - a fixed argv: the SAM CLI next to this interpreter
        [str(sam), "validate", "--lint", "--template-file", str(template)],
        capture_output=True,
        text=True,
        env=env,
        cwd=template.parent,
        check=False,
    )
    if result.returncode == 0:
        return []
    output = (result.stdout + result.stderr).strip()
    return [f"sam validate --lint: {output or f'exit status {result.returncode}'}"]


def _placeholder_code_locations(template: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy(template)

    def replace(properties: dict[str, Any], key: str) -> None:
        value = properties.get(key)
        if isinstance(value, str) and not value.startswith("s3://"):
            properties[key] = f"{PLACEHOLDER_BUCKET}/{value.strip('/') or 'root'}.zip"

    replace(template.get("Globals", {}).get("Function", {}), "CodeUri")
    for resource in template.get("Resources", {}).values():
        key = _LOCAL_CODE_PROPERTIES.get(resource.get("Type", ""))
        if key:
            replace(resource.setdefault("Properties", {}), key)
    return template


def translate(template_text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The template as plain CloudFormation, translated offline; or None and the reasons it could not be."""
    from cfnlint.decode.decode import decode_str
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    # The translator reads the region from a boto3 session (no AWS call is made).
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    decoded, problems = decode_str(template_text)
    if problems or decoded is None:
        return None, [f"parse: {problem}" for problem in problems] or ["parse: empty template"]
    # cfn-lint's decoder keeps line numbers in dict/str subclasses; the translator wants plain data.
    sam_template = _placeholder_code_locations(json.loads(json.dumps(decoded)))
    try:
        translated = transform(sam_template, dict(PSEUDO_PARAMETERS), OfflineManagedPolicyLoader())
    except InvalidDocumentException as error:
        return None, [f"sam translate: {cause.message}" for cause in error.causes] or [
            f"sam translate: {error}"
        ]
    return translated, []


def lint_translated(cloudformation: dict[str, Any]) -> list[str]:
    """cfn-lint findings (errors and warnings) on plain CloudFormation, one line per distinct finding."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(cloudformation, indent=1), config=ManualArgs(regions=[REGION]))
    places: dict[tuple[str, str], list[str]] = {}
    for match in matches:
        if match.rule.id.startswith("I"):
            continue
        message = match.message if len(match.message) <= 240 else match.message[:240] + "..."
        path = match.path_string if getattr(match, "path_string", "") else ""
        places.setdefault((match.rule.id, message), []).append(path)
    findings = []
    for (rule_id, message), paths in places.items():
        where = (
            f" at {paths[0]}" + (f" and {len(paths) - 1} more place(s)" if len(paths) > 1 else "")
            if paths[0]
            else ""
        )
        findings.append(f"cfn-lint (translated) {rule_id}: {message}{where}")
    return findings


def check(template: Path) -> list[str]:
    """Every finding of both checks; empty when the template passes."""
    findings = sam_validate_lint(template)
    translated, problems = translate(template.read_text(encoding="utf-8"))
    findings += problems
    if translated is not None:
        findings += lint_translated(translated)
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("template", nargs="?", type=Path, default=DEFAULT_TEMPLATE)
    args = parser.parse_args(argv)
    template: Path = args.template.resolve()
    findings = check(template)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{template}: {len(findings)} problem(s)", file=sys.stderr)
        return 1
    print(f"{template}: sam validate --lint and cfn-lint on the translated template pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
