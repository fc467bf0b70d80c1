"""MkDocs hook: lay the installed package tree out for mkdocstrings, and list submodules.

astrozoo installs four source folders under one name (pyproject.toml,
``package-dir``): ``astrozoo/`` as ``astrozoo``, ``models/`` as
``astrozoo.models``, ``inference/`` as ``astrozoo.inference`` and ``data/`` as
``astrozoo.data``. Griffe, which reads the sources statically for
mkdocstrings (nothing is imported), finds packages by folder, so before each
build this hook makes ``build/api-src/astrozoo/`` a tree of symbolic links with
the installed layout: every entry of ``astrozoo/`` plus the three other folders.

A reference page may hold the line ``<!-- submodules: astrozoo.inference -->``;
the hook replaces it with one ``:::`` block per public submodule found on disk,
so modules added later appear on the next build without editing the page, and
the names a package re-exports are documented once, in their module.

The docstrings cross-reference in reStructuredText roles (``:func:`~a.b.c```),
which Markdown leaves as text. After rendering, a role with a full
``astrozoo.`` path becomes a link to that object's entry (an optional
cross-reference: no warning when the object is not in the reference), and any
other role becomes plain code.
"""

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREE = ROOT / "build" / "api-src" / "astrozoo"
SUBPACKAGES = ("models", "inference", "data")
MARKER = re.compile(r"^<!-- submodules: ([\w.]+) -->$", re.MULTILINE)
ROLE = re.compile(r":(?:mod|func|class|meth|attr|data|obj|exc):<code>(~?)([\w.]+)</code>")


def on_startup(command, dirty):
    """Lay the link tree out before any plugin starts (MkDocs ``on_startup`` event).

    mkdocstrings drops search paths that do not exist when it sets up its
    handler, which can happen before ``on_config`` reaches this hook.
    """
    lay_out()


def on_config(config):
    """Lay the link tree out again for each build (``on_config``), so ``mkdocs serve`` sees new files."""
    lay_out()
    return config


def lay_out():
    """(Re)build ``build/api-src/astrozoo/``: links to every entry of ``astrozoo/`` and to the other folders."""
    if TREE.exists():
        shutil.rmtree(TREE)
    TREE.mkdir(parents=True)
    for entry in (ROOT / "astrozoo").iterdir():
        if entry.name != "__pycache__":
            (TREE / entry.name).symlink_to(entry)
    for name in SUBPACKAGES:
        (TREE / name).symlink_to(ROOT / name, target_is_directory=True)


def submodules(package):
    """Public submodules of ``package`` (dotted name), sorted, from the link tree.

    Raises:
        ValueError: if ``package`` is not a package folder of the tree.
    """
    folder = TREE.parent.joinpath(*package.split("."))
    if not (folder / "__init__.py").is_file():
        raise ValueError(f"submodules: {package!r} is not a package of {TREE.parent}")
    names = [p.stem for p in folder.glob("*.py") if not p.name.startswith("_")]
    names += [p.name for p in folder.iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_")]
    return [f"{package}.{name}" for name in sorted(names)]


def on_page_markdown(markdown, page, config, files):
    """Expand each submodules marker into ``:::`` blocks (MkDocs ``on_page_markdown`` event)."""
    def blocks(match):
        return "\n\n".join(f"::: {name}\n    options:\n      heading_level: 2" for name in submodules(match[1]))

    return MARKER.sub(blocks, markdown)


def on_page_content(html, page, config, files):
    """Turn reStructuredText roles left in the rendered docstrings into links or code (``on_page_content``)."""
    def reference(match):
        short, name = match[1], match[2]
        title = f"<code>{name.rsplit('.', 1)[-1] if short else name.lstrip('.')}</code>"
        if name.startswith("astrozoo."):
            return f'<autoref optional identifier="{name}">{title}</autoref>'
        return title

    return ROLE.sub(reference, html)
