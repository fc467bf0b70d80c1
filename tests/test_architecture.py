"""The import graph runs one way (docs/architecture.md).

Every ``import`` statement in the installed source, function-local ones
included, is read with :mod:`ast` (nothing is imported). Modules fall into
layers; each layer may import only the layers listed for it, and the graph
between subpackages (``astrozoo.models.gaia``, ``astrozoo.data.vlbi``, ...)
has no cycle.
"""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = {"astrozoo", "astrozoo.runtime", "astrozoo.files", "astrozoo.validate"}
ALLOWED = {
    "base": {"base"},
    "readers": {"base", "readers"},
    "models": {"base", "models"},
    "inference": {"base", "inference"},
    "synthetic": {"base", "readers", "models", "synthetic"},
    "problems": {"base", "readers", "models", "inference", "synthetic", "problems"},
    "glue": {"base", "readers", "models", "inference", "synthetic", "problems", "glue"},
}


def source_modules() -> dict[str, Path]:
    """Installed module name -> source file, from pyproject's package-dir."""
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    modules = {}
    for package, folder in package_dir.items():
        if package.count(".") > 1:
            continue
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def layer(module: str) -> str:
    if module in BASE:
        return "base"
    for prefix, name in (("astrozoo.models", "models"), ("astrozoo.inference", "inference"),
                         ("astrozoo.problems", "problems")):
        if module == prefix or module.startswith(prefix + "."):
            return name
    if module == "astrozoo.data" or module.startswith("astrozoo.data."):
        return "synthetic" if module.endswith(".synthetic") else "readers"
    return "glue"


def imports(path: Path, known: set[str]) -> set[str]:
    """The astrozoo modules ``path`` imports (``from package import module`` resolved to the module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("astrozoo")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("astrozoo"):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return found


def package_of(module: str, packages: set[str]) -> str:
    """The subpackage holding ``module``; the top-level modules (glue and base) stand for themselves."""
    if module in packages or module.count(".") == 1:
        return module
    return module.rsplit(".", 1)[0]


def test_every_import_goes_to_an_allowed_layer():
    modules = source_modules()
    wrong = []
    for module, path in modules.items():
        for target in imports(path, set(modules)):
            if layer(target) not in ALLOWED[layer(module)]:
                wrong.append(f"{module} ({layer(module)}) imports {target} ({layer(target)})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_subpackages():
    modules = source_modules()
    packages = {m for m, p in modules.items() if p.name == "__init__.py"}
    edges: dict[str, set[str]] = {}
    for module, path in modules.items():
        source = package_of(module, packages)
        for target in imports(path, set(modules)):
            target_package = package_of(target, packages)
            if target_package != source and target not in BASE:
                edges.setdefault(source, set()).add(target_package)

    def cycle_from(node, stack, done):
        if node in stack:
            return stack[stack.index(node):] + [node]
        if node in done:
            return None
        done.add(node)
        for nxt in sorted(edges.get(node, ())):
            found = cycle_from(nxt, stack + [node], done)
            if found:
                return found
        return None

    done: set[str] = set()
    for start in sorted(edges):
        cycle = cycle_from(start, [], done)
        assert cycle is None, " -> ".join(cycle)


def test_the_layer_rules_catch_a_violation():
    assert layer("astrozoo.data.vlbi.uvfits") == "readers"
    assert "models" not in ALLOWED["readers"]
    assert layer("astrozoo.data.vlbi.synthetic") == "synthetic"
    assert "problems" not in ALLOWED["models"] and "models" not in ALLOWED["inference"]
