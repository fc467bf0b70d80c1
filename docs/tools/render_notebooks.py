"""Execute the field notebooks and store them, with their figures, for the guide.

``make notebooks`` runs this script. Each ``notebooks/<field>.py`` (jupytext
percent format) is executed top to bottom in a fresh kernel, in a temporary
working folder, with ``ASTROZOO_NOTEBOOK_QUICK=1`` (the reduced sizes the tests
use; ``--full`` runs the full sizes), and written to
``docs/<field>/notebook.ipynb``, which mkdocs-jupyter renders without executing
anything. To keep the stored files small and readable, a figure shown twice by
one cell (a returned figure and matplotlib's inline display) is kept once,
figures are re-encoded as 256-colour PNG, progress bars keep their final state,
paths inside this checkout are written relative to it, and execution
timestamps are dropped.

Usage: ``python docs/tools/render_notebooks.py [--full] [FIELD ...]``.
"""

import argparse
import base64
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("line", "gaia", "sed", "supernova", "vlbi")
CELL_TIMEOUT_S = 1800


def small_png(encoded):
    """Re-encode a base64 PNG as a 256-colour palette PNG; keep the original if that is not smaller."""
    image = Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
    smaller = base64.b64encode(buffer.getvalue()).decode("ascii")
    return smaller if len(smaller) < len(encoded) else encoded


def as_printed(text):
    """Stream text as a terminal shows it: each line keeps what follows its last carriage return
    (a progress bar's final state), and tqdm's notice that Jupyter widgets are missing is dropped."""
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    kept, skip = [], False
    for line in lines:
        if "TqdmWarning: IProgress not found" in line:
            skip = True  # the warning and the source line printed after it
            continue
        if not (skip and line.startswith("  from .autonotebook")):
            kept.append(line)
        skip = False
    return "\n".join(kept)


def tidy(notebook):
    """Drop repeated figures within a cell, shrink the PNGs, tidy stream text and remove timestamps."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        seen, outputs = set(), []
        for output in cell.outputs:
            if output.output_type == "stream":
                if outputs and outputs[-1].output_type == "stream" and outputs[-1].name == output.name:
                    outputs[-1].text += output.text  # one stream, written in pieces (a bar's updates)
                    continue
            png = output.get("data", {}).get("image/png")
            if png is not None:
                if png in seen:
                    continue
                seen.add(png)
                output["data"]["image/png"] = small_png(png)
            outputs.append(output)
        for output in outputs:
            if output.output_type == "stream":
                output.text = as_printed(output.text).replace(f"{ROOT}/", "")
        cell.outputs = [o for o in outputs if o.output_type != "stream" or o.text.strip()]
    return notebook


def render(field, full):
    """Execute ``notebooks/<field>.py`` and write ``docs/<field>/notebook.ipynb``; return seconds taken."""
    notebook = jupytext.read(ROOT / "notebooks" / f"{field}.py")
    os.environ["ASTROZOO_NOTEBOOK_QUICK"] = "0" if full else "1"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows the figures
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": folder}}).execute()
    seconds = time.perf_counter() - start
    out = ROOT / "docs" / field / "notebook.ipynb"
    nbformat.write(tidy(notebook), out)
    print(f"{field}: executed in {seconds:.0f} s, {out.relative_to(ROOT)} {out.stat().st_size / 1e3:.0f} kB")
    return seconds


def main(argv=None):
    """Parse the command line and render the chosen notebooks (all five by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fields", nargs="*", default=list(FIELDS), metavar="FIELD", help=f"any of {FIELDS}")
    parser.add_argument("--full", action="store_true", help="the full sizes, not ASTROZOO_NOTEBOOK_QUICK=1")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.fields) - set(FIELDS))
    if unknown:
        raise ValueError(f"fields: unknown {unknown}; choose from {FIELDS}")
    total = sum(render(field, args.full) for field in args.fields)
    print(f"all: {total:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
