"""Every third-party module the shipped packages import is declared in pyproject.toml.

`pip install .` installs only [project].dependencies; a module that arrived in the developers'
environment through a dev extra (scipy came with scikit-image and motmetrics) imports fine in the
test suite and fails on a user's machine. The live microphone's PyAudio is the one import an extra
(`live`) carries, and `streams/sources/microphone.py` says so when it is missing.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("glasses_agent", "streams", "firmware_bridge", "tools")
OWN = set(SHIPPED) | {"tests"}
EXTRA_IMPORTS = {"pyaudio": "live"}  # imported only where the extra's feature is asked for


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normalised(re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0]) for r in requirements}


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the shipped files that import it (absolute imports, stdlib left out)."""
    found: dict[str, set[str]] = {}
    for package in SHIPPED:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_module_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _requirement_names(project["dependencies"])
    extras = {name: _requirement_names(reqs) for name, reqs in project["optional-dependencies"].items()}
    distributions = metadata.packages_distributions()
    undeclared = []
    for module, files in sorted(_third_party_imports().items()):
        names = {_normalised(d) for d in distributions.get(module, [module])}
        extra = EXTRA_IMPORTS.get(module)
        wanted = extras.get(extra, set()) if extra else declared
        if not names & wanted:
            undeclared.append(f"{module} ({', '.join(sorted(names))}) imported by {', '.join(sorted(files))}")
    assert not undeclared, "imported but not in [project].dependencies:\n" + "\n".join(undeclared)
