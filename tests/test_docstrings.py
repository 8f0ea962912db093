"""Every public class, and every function a package exports in `__all__`, says what it is.

A newcomer reads the docstring before the code: `Agent`, `TickContext`, a stage, a source. Classes
are read from the source (a dataclass without one gets a generated signature as its `__doc__`,
which says nothing); the functions a package exports are checked on the imported package.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("glasses_agent", "streams", "firmware_bridge", "tools")


def _files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _classes_without_docstring(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [f"{_module(path)}.{node.name}" for node in tree.body
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and not ast.get_docstring(node)]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_class_has_a_docstring(package):
    missing = [name for path in _files(package) for name in _classes_without_docstring(path)]
    assert not missing, "public classes without a docstring:\n  " + "\n  ".join(missing)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_function_has_a_docstring(package):
    missing = []
    for path in _files(package):
        if path.name != "__init__.py":
            continue
        module = importlib.import_module(_module(path))
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and not (obj.__doc__ or "").strip():
                missing.append(f"{module.__name__}.{name}")
    assert not missing, "exported functions without a docstring:\n  " + "\n  ".join(missing)
