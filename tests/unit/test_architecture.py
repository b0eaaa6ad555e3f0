"""The house's shape, kept by tests: imports point inward, the domain stays plain Python, use cases
live in the services, repositories know only their tables, and no request path scans."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
DOMAIN = CHALICELIB / "domain"
ADAPTERS = {"storage", "messaging", "renderers", "security"}
AWS_AND_LIBRARIES = {"chalice", "boto3", "botocore", "pynamodb", "aws_lambda_powertools", "fpdf", "openpyxl", "segno"}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved to `chalicelib.…` names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join((*base, *(node.module.split(".") if node.module else ())))
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return names


def _layer_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "chalicelib" and len(parts) > 1 else None


def _offenders(folder: Path, forbidden_layers: set[str], forbidden_packages: set[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        bad = {
            name
            for name in _imports(path)
            if _layer_of(name) in forbidden_layers or name.split(".")[0] in forbidden_packages
        }
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_domain_imports_only_the_standard_library_and_itself():
    offenders = {}
    for path in DOMAIN.rglob("*.py"):
        outside = {
            name
            for name in _imports(path)
            if name.split(".")[0] not in sys.stdlib_module_names
            and name.split(".")[0] != "__future__"
            and _layer_of(name) != "domain"
        }
        if outside:
            offenders[path.name] = outside
    assert offenders == {}


def test_handlers_reach_adapters_only_through_the_services():
    assert _offenders(CHALICELIB / "handlers", ADAPTERS, {"boto3", "botocore", "pynamodb", "fpdf", "openpyxl"}) == {}


def test_services_see_ports_not_adapters():
    forbidden_layers = ADAPTERS | {"handlers", "bootstrap", "telemetry"}
    assert _offenders(CHALICELIB / "services", forbidden_layers, AWS_AND_LIBRARIES) == {}


def test_adapters_never_call_the_services_or_the_handlers():
    for layer in sorted(ADAPTERS):
        assert _offenders(CHALICELIB / layer, {"services", "handlers", "bootstrap"}, {"chalice"}) == {}, layer


def test_a_repository_knows_only_its_own_tables():
    """Only the transaction writer puts items of several aggregates together, and it only builds items:
    no storage module uses another's repository."""
    offenders = {}
    for path in sorted((CHALICELIB / "storage").glob("*.py")):
        borrowed = {
            name.rsplit(".", 1)[1]
            for name in _imports(path)
            if _layer_of(name) == "storage" and name.rsplit(".", 1)[1].endswith("Repository")
        }
        if borrowed:
            offenders[path.name] = borrowed
    assert offenders == {}


def test_the_checks_would_catch_an_offender():
    # The wiring module imports every adapter, relatively and lazily: the detector must see them all.
    seen = {_layer_of(name) for name in _imports(CHALICELIB / "bootstrap.py")}
    assert seen >= ADAPTERS
    assert _offenders(CHALICELIB, ADAPTERS, set())["chalicelib/bootstrap.py"]


def test_no_code_under_chalicelib_scans_a_table():
    offenders = []
    for path in CHALICELIB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"scan", "parallel_scan"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
