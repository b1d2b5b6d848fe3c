"""`make bench` from a fresh clone: everything bench/ imports is installed by the bench
target's own steps.

`make bench` installs the runtime requirements and bench/requirements.txt (Makefile,
targets `$(VENV)/.runtime` and `$(VENV)/.bench`) and runs `npm ci` in bench/, never the
dev requirements. CI runs the bench after `make test`, in a virtualenv that already has
the dev requirements, so a missing bench requirement would only show on a fresh clone;
this test catches it in `make test` instead. Read from the files, nothing is installed.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.servers import ROOT

BENCH = ROOT / "bench"
# Modules bench/ needs that no import statement names: model_server.py asks uvicorn for
# `loop="uvloop", http="httptools"` by name.
NAMED_TO_UVICORN = {"uvloop", "httptools"}


def makefile_rule(target: str) -> tuple[list[str], list[str]]:
    """A Makefile rule's prerequisites and recipe lines."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    for n, line in enumerate(lines):
        if line.startswith(f"{target}:"):
            recipe = []
            for follower in lines[n + 1 :]:
                if not follower.startswith("\t"):
                    break
                recipe.append(follower.strip())
            return line.split(":", 1)[1].split(), recipe
    raise AssertionError(f"the Makefile has no rule for {target}")


def requirement_files(target: str) -> list[str]:
    _prerequisites, recipe = makefile_rule(target)
    return [name for line in recipe for name in re.findall(r"-r (\S+)", line)]


def requirements(path: str) -> list[Requirement]:
    found: list[Requirement] = []
    for raw in (ROOT / path).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(str((ROOT / path).parent.relative_to(ROOT) / line[3:].strip()))
        elif line:
            found.append(Requirement(line))
    return found


def installed_by(files: list[str]) -> set[str]:
    """Distribution names pip installs for these files: the pins and what they require
    (with their extras and this interpreter's markers), as far as this environment has
    them installed to read their metadata from."""
    todo = [req for path in files for req in requirements(path)]
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(key[0])
        try:
            requires = metadata.distribution(req.name).requires or []
        except metadata.PackageNotFoundError:
            continue  # a bench-only pin not installed here; its own name is enough
        for raw in requires:
            dependency = Requirement(raw)
            extras = req.extras or {""}
            if dependency.marker is None or any(
                dependency.marker.evaluate({"extra": extra}) for extra in extras
            ):
                todo.append(dependency)
    return names


def python_imports() -> set[str]:
    """Top-level modules bench/*.py import that are neither stdlib nor the repository's."""
    local = {path.stem for path in BENCH.glob("*.py")} | {"agents_backend"}
    found: set[str] = set()
    for path in BENCH.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - local - {"__future__"}


def test_the_bench_target_installs_the_runtime_and_bench_requirements_only() -> None:
    bench_prerequisites, _ = makefile_rule("bench")
    assert bench_prerequisites == ["bench-deps"]
    deps, _ = makefile_rule("bench-deps")
    assert set(deps) == {"$(VENV)/.bench", "bench/node_modules/.installed"}
    prerequisites, _ = makefile_rule("$(VENV)/.bench")
    assert "$(VENV)/.runtime" in prerequisites
    assert requirement_files("$(VENV)/.bench") == ["bench/requirements.txt"]
    assert "requirements-dev.txt" not in requirement_files("$(VENV)/.runtime")


def test_every_python_module_bench_imports_comes_from_what_make_bench_installs() -> None:
    files = requirement_files("$(VENV)/.runtime") + requirement_files("$(VENV)/.bench")
    installed = installed_by(files)
    providers = metadata.packages_distributions()
    modules = python_imports() | NAMED_TO_UVICORN
    assert {"httpx", "matplotlib", "pymongo"} <= modules  # the scan sees the imports
    missing = {
        module
        for module in modules
        if not {canonicalize_name(d) for d in providers.get(module, [module])} & installed
    }
    assert not missing, f"bench/ imports {sorted(missing)}, which `make bench` does not install"


def test_bench_pins_agree_with_the_dev_pins() -> None:
    bench = {canonicalize_name(r.name): r.specifier for r in requirements("bench/requirements.txt")}
    dev = {canonicalize_name(r.name): r.specifier for r in requirements("requirements-dev.txt")}
    for name in bench.keys() & dev.keys():
        assert bench[name] == dev[name], f"{name}: bench pins {bench[name]}, dev pins {dev[name]}"
    assert all(str(spec).startswith("==") for spec in bench.values()), "pin every bench package"


def test_every_node_module_bench_imports_is_in_its_package_json() -> None:
    package = json.loads((BENCH / "package.json").read_text())
    declared = set(package.get("dependencies", {}))
    imported = {
        name
        for path in BENCH.glob("*.mjs")
        for name in re.findall(r"""from\s+['"]([^'"]+)['"]""", path.read_text())
        if not name.startswith(("node:", "."))
    }
    assert imported == {"socket.io", "socket.io-client"}  # the scan sees the imports
    assert imported <= declared
    assert (BENCH / "package-lock.json").is_file()  # `npm ci` needs the lockfile
