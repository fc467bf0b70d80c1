"""The source folders install under one import name, subpackages included, and every imported package is declared."""

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_package_is_installed_under_astrozoo():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    installed = set(config["packages"])
    mapped = {folder: name for name, folder in config["package-dir"].items()}
    found = set()
    for folder, name in mapped.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *relative)))
    assert found <= installed, f"not listed in pyproject.toml packages: {sorted(found - installed)}"
    assert not any(name.split(".")[0] != "astrozoo" for name in installed)


# Import names whose distribution is named differently on the package index.
DISTRIBUTIONS = {"sedpy": "astro-sedpy", "zero_point": "gaiadr3-zeropoint", "yaml": "pyyaml"}


def third_party_imports() -> dict[str, str]:
    """Top-level module -> one file importing it, for every absolute import in the installed source."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {}
    for folder in config["package-dir"].values():
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top != "astrozoo":
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def declared_distributions() -> set[str]:
    """Normalised names (PEP 503) of the distributions in ``[project] dependencies``."""
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = (re.match(r"[A-Za-z0-9._-]+", requirement).group(0) for requirement in requirements)
    return {re.sub(r"[-_.]+", "-", name).lower() for name in names}


def test_every_imported_package_is_declared():
    declared = declared_distributions()
    imported = third_party_imports()
    assert {"jax", "numpyro", "scipy", "xarray", "platformdirs", "sedpy"} <= set(imported)  # the scan sees them
    missing = {
        module: where for module, where in imported.items()
        if re.sub(r"[-_.]+", "-", DISTRIBUTIONS.get(module, module)).lower() not in declared
    }
    assert not missing, f"imported but not in pyproject.toml dependencies (module: a file importing it): {missing}"
