"""The house's shape, kept by a test: the domain stays plain Python, and no request path scans."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "chalicelib" / "domain"
FORBIDDEN = {"chalice", "boto3", "botocore", "pynamodb", "aws_lambda_powertools", "fpdf", "openpyxl"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_domain_imports_only_the_standard_library_and_itself():
    offenders = {}
    for path in DOMAIN.rglob("*.py"):
        outside = {
            name
            for name in _imported_modules(path)
            if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "__future__"
        }
        if outside:
            offenders[path.name] = outside
    assert offenders == {}


def test_the_forbidden_list_would_be_caught():
    # The check above must fail for an adapter import; prove it on a module that has one.
    assert FORBIDDEN & {name.split(".")[0] for name in _imported_modules(ROOT / "chalicelib" / "storage" / "models.py")}


def test_no_code_under_chalicelib_scans_a_table():
    offenders = []
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"scan", "parallel_scan"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
