"""What the AppConnectLayer ships (docs/operations.md, "Layer contents"): its own pinned boto3 and botocore,
phonenumbers without its geocoding, carrier and time-zone data, and everything every handler imports.

The static checks read the code and the build files; the last test builds the layer with python3.12 (as
``sam build`` does, through layers/appconnect/Makefile) and imports every handler from it.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from local.resources import deployed_default_environment
from local.template import ROOT, functions, load_template

LAYER_SOURCES = [ROOT / "layers" / "appconnect" / "appconnect", ROOT / "connectors"]
#: phonenumbers' modules whose data the layer leaves out
NOT_SHIPPED = tuple(f"phonenumbers.{name}" for name in ("geocoder", "carrier", "timezone"))
DROPPED_DATA = ("phonenumbers/geodata", "phonenumbers/carrierdata", "phonenumbers/tzdata")
#: unzipped: 106 MB with the phonenumbers data, 65 MB without (Lambda allows 250 MB for all layers and code)
MAX_LAYER_BYTES = 80_000_000


def _imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _ships(name: str, module: str) -> bool:
    return name == module or name.startswith(f"{module}.")


def test_given_the_layers_code_when_read_then_nothing_imports_what_the_layer_leaves_out() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for source in LAYER_SOURCES
        for path in sorted(source.rglob("*.py"))
        for name in sorted(_imported_names(path))
        if any(_ships(name, module) for module in NOT_SHIPPED)
    ]
    assert offenders == []


def _pins() -> dict[str, str]:
    text = (ROOT / "requirements" / "runtime.txt").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE))


def test_given_the_runtime_requirements_then_boto3_and_botocore_are_both_pinned() -> None:
    """The layer's botocore shadows the runtime's; its boto3 must come with it (AWS: "If you deploy your own
    version of a Boto3 dependency, you must also deploy Boto3")."""
    pins = _pins()
    assert "boto3" in pins
    assert "botocore" in pins


def test_given_the_layer_makefile_then_it_drops_phonenumbers_data() -> None:
    makefile = (ROOT / "layers" / "appconnect" / "Makefile").read_text(encoding="utf-8")
    for data in DROPPED_DATA:
        assert f'"$(SITE)/{data}"' in makefile


def _python312() -> str | None:
    """A working python3.12, found as the repository's Makefile finds it (``PY312`` first)."""
    candidates = [os.environ.get("PY312", ""), shutil.which("python3.12") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12.*/bin/python3.12")))
    for candidate in filter(None, candidates):
        check = "import sys; sys.exit(sys.version_info[:2] != (3, 12))"
        if subprocess.run([candidate, "-c", check], capture_output=True, check=False).returncode == 0:
            return candidate
    return None


def test_given_the_built_layer_when_every_handler_is_imported_with_python312_then_all_load(
    tmp_path: Path,
) -> None:
    python = _python312()
    if python is None:
        pytest.skip("no python3.12 here (the layer build needs it too: make build)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    built = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-f",
            str(ROOT / "layers" / "appconnect" / "Makefile"),
            "build-AppConnectLayer",
            f"ARTIFACTS_DIR={tmp_path}",
            f"PYTHON={python}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    site = tmp_path / "python"
    for distribution in ("boto3", "botocore"):
        assert (site / f"{distribution}-{_pins()[distribution]}.dist-info").is_dir()
    for data in DROPPED_DATA:
        assert not (site / data).exists()
    assert sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) < MAX_LAYER_BYTES

    template = load_template()
    environments = deployed_default_environment(template)
    probe = (
        "import importlib, json, sys\n"
        "for name in sys.argv[1:]: importlib.import_module(name)\n"
        "import phonenumbers\n"
        "number = phonenumbers.parse('+14155550142')\n"
        "from appconnect import scheduled\n"
        "print(json.dumps({'valid': phonenumbers.is_valid_number(number),\n"
        "                  'sqs': type(scheduled._sqs('us-east-1')).__name__,\n"
        "                  'boto3': 'boto3' in sys.modules}))\n"
    )
    for tracing in ("true", "false"):  # the default, and TraceSubsegments=true (the X-Ray SDK loads)
        run_env = {
            **env,
            **environments["FindContactFunction"],
            "POWERTOOLS_TRACE_DISABLED": tracing,
            "AWS_REGION": "us-east-1",
            "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "functions")]),
        }
        handlers = sorted(spec.module for spec in functions(template))
        result = subprocess.run(
            [python, "-S", "-c", probe, *handlers],  # -S: the layer and the standard library only
            env=run_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout.strip().splitlines()[-1]) == {
            "valid": True,
            "sqs": "SQS",
            "boto3": False,
        }
