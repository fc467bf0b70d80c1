"""Reports: corner, trace and predictive-check plots, summary tables and an HTML page."""

import html
import warnings
from pathlib import Path

import arviz as az
import matplotlib

matplotlib.use("Agg")
import corner  # noqa: E402
import numpy as np  # noqa: E402

from astrozoo import problems  # noqa: E402
from astrozoo.figures import save_figure  # noqa: E402
from astrozoo.files import atomic_write, check_writable  # noqa: E402
from astrozoo.inference.diagnostics import convergence  # noqa: E402
from astrozoo.inference.provenance import read as read_provenance  # noqa: E402


def report_variables(idata, problem=None) -> list[str]:
    """The problem's report variables, or else the first eight posterior variables."""
    if problem is not None and problem.report:
        return [v for v in problem.report if v in idata.posterior]
    return list(idata.posterior.data_vars)[:8]


SHOWN_PER_DIMENSION = 3
"""How many entries of a vector variable (one per galaxy, star, ...) the plots and tables show."""


def shown_posterior(idata, var_names) -> az.InferenceData:
    """The report variables, each dimension beyond chain and draw cut to its first entries.

    A catalogue fit has one value per galaxy; a corner plot of thousands of
    them says nothing. The plots, the Markdown summary and the page show the
    first :data:`SHOWN_PER_DIMENSION` entries; ``summary.csv`` keeps them all.
    """
    posterior = idata.posterior[var_names]
    extra = {d: slice(0, SHOWN_PER_DIMENSION) for d in posterior.dims if d not in ("chain", "draw")}
    return az.InferenceData(posterior=posterior.isel(extra))


def markdown_table(frame) -> str:
    """A pandas DataFrame as a GitHub-flavoured Markdown table."""
    header = "| | " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|---" * (len(frame.columns) + 1) + "|"
    rows = ["| " + str(i) + " | " + " | ".join(f"{v:.4g}" for v in row) + " |" for i, row in frame.iterrows()]
    return "\n".join([header, rule, *rows]) + "\n"


def _write_text(text: str, path: Path) -> Path:
    with atomic_write(path) as part:
        part.write_text(text)
    return path


def corner_columns(posterior, var_names) -> tuple[np.ndarray, list[str]]:
    """The draws as a (draws, quantities) array, one column per entry of each variable, and their labels.

    Labels follow :func:`arviz.summary`: ``name`` for a scalar, ``name[coordinate, ...]`` for an entry.
    """
    columns, labels = [], []
    for name in var_names:
        values = posterior[name]
        extra = [d for d in values.dims if d not in ("chain", "draw")]
        draws = values.sizes["chain"] * values.sizes["draw"]
        columns.append(values.transpose("chain", "draw", *extra).values.reshape(draws, -1))
        for index in np.ndindex(*(values.sizes[d] for d in extra)):
            coords = ", ".join(str(values[d].values[i]) for d, i in zip(extra, index))
            labels.append(f"{name}[{coords}]" if extra else name)
    return np.concatenate(columns, axis=1), labels


def corner_gap(samples: np.ndarray) -> str | None:
    """Why no corner plot can be drawn of ``samples`` (draws × quantities), or None when one can."""
    draws, quantities = samples.shape
    if draws < max(2, quantities):
        return f"no corner plot: {draws} draw(s) of {quantities} quantities"
    if not np.isfinite(samples).all():
        return "no corner plot: some draws are NaN or infinite"
    return None


def corner_plot(samples: np.ndarray, labels: list[str], path: Path, problem=None) -> Path:
    """Corner plot of ``samples`` (see :func:`corner_gap`); a quantity that never moves gets a narrow range around it."""
    truths = None
    if problem is not None and problem.references:
        truths = [problem.references[v].mean if v in problem.references else None for v in labels]
    low, high = samples.min(axis=0), samples.max(axis=0)
    pad = np.where(high > low, 0.0, np.maximum(np.abs(low), 1.0) * 1e-6)
    fig = corner.corner(samples, labels=labels, truths=truths, range=list(zip(low - pad, high + pad)),
                        show_titles=True, title_fmt=".3g")
    return save_figure(fig, path)


def trace_plot(idata, var_names, path: Path) -> Path:
    axes = az.plot_trace(idata, var_names=var_names, compact=True)
    return save_figure(axes.ravel()[0].figure, path)


PREDICTIVE_SHOWN = 100
"""Replicated data sets a predictive check draws at most."""


def predictive_plot(idata, group: str, path: Path) -> Path:
    """Observed data against at most :data:`PREDICTIVE_SHOWN` replicated data sets (group 'posterior' or 'prior')."""
    sizes = idata[f"{group}_predictive"].sizes
    shown = min(PREDICTIVE_SHOWN, sizes["chain"] * sizes["draw"])
    axes = az.plot_ppc(idata, group=group, num_pp_samples=shown, random_seed=0)
    axes = np.atleast_1d(axes)
    return save_figure(axes.ravel()[0].figure, path)


def write_report(idata, outdir) -> Path:
    """Write plots, summary tables and ``index.html`` for one fit into ``outdir``.

    Any fit with a posterior will do, however few its draws: a plot that
    cannot be drawn (a corner plot of one draw) is named on the page instead.
    Each file is written atomically (:func:`astrozoo.files.atomic_write`).

    Returns:
        The path of ``index.html``.

    Raises:
        ValueError: ``idata`` has no posterior group.
        OSError: ``outdir`` cannot be written (checked before anything is drawn).
    """
    if "posterior" not in idata.groups():
        raise ValueError(f"a report needs a posterior group; the fit has {', '.join(idata.groups()) or 'none'}")
    outdir = check_writable(outdir, folder=True)
    outdir.mkdir(parents=True, exist_ok=True)
    name = idata.attrs.get("problem")
    problem = problems.get(name) if name in {p.name for p in problems.all_problems()} else None
    var_names = report_variables(idata, problem)
    with atomic_write(outdir / "summary.csv") as part:
        az.summary(idata, var_names=var_names).to_csv(part)
    shown = shown_posterior(idata, var_names)
    summary = az.summary(shown)
    _write_text(markdown_table(summary), outdir / "summary.md")
    samples, labels = corner_columns(shown.posterior, var_names)
    notes = [gap] if (gap := corner_gap(samples)) else []
    figures = [] if notes else [corner_plot(samples, labels, outdir / "corner.png", problem)]
    if idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"] > 1:
        figures.append(trace_plot(shown, var_names, outdir / "trace.png"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz's KDE warnings on discrete-looking data
        for group, file in (("posterior", "ppc.png"), ("prior", "prior_ppc.png")):
            if f"{group}_predictive" not in idata.groups():
                continue
            if "observed_data" in idata.groups():
                figures.append(predictive_plot(idata, group, outdir / file))
            else:
                notes.append(f"no {group} predictive check: the fit has no observed_data group")
    for plot in problem.plots if problem else ():
        figures.extend(Path(p) for p in problems.resolve(plot)(idata, outdir))
    numbers = {}
    for summarise in problem.summaries if problem else ():
        numbers |= problems.resolve(summarise)(idata)
    return _write_html(idata, problem, summary, figures, notes, outdir, convergence(idata, var_names), numbers)


def provenance_section(attrs) -> str:
    """The "Provenance" HTML section: what made the fit, from its ``attrs``.

    Lists the problem, driver, seed, creation time, package versions, wall
    times [s], every driver setting and each data file with its sha256 (see
    :mod:`astrozoo.inference.provenance`). Attributes a file lacks are left out.
    """
    attrs = read_provenance(attrs)
    plain = ["problem", "inference", "method", "seed", "created"]
    plain += sorted(k for k in attrs if k.endswith("_version"))
    plain += sorted(k for k in attrs if k.endswith("_seconds"))
    rows = [(k, attrs[k]) for k in plain if k in attrs]
    rows += [(f"setting {k}", v) for k, v in sorted(attrs.get("settings", {}).items())]
    rows += [(f"data {f.get('name', '')}", f"{f.get('path', '')} (sha256 {f.get('sha256', '')})")
             for f in attrs.get("data_files", [])]
    if not rows:
        return ""
    cells = "".join(f"<tr><td>{html.escape(str(k))}</td><td><code>{html.escape(str(v))}</code></td></tr>" for k, v in rows)
    return f"<h2>Provenance</h2><table>{cells}</table>"


def loo_section(idata) -> str:
    """The "Leave-one-out cross-validation" HTML section: PSIS-LOO over every observed point
    (:func:`astrozoo.inference.comparison.loo`), naming the points of highest Pareto k̂."""
    from astrozoo.inference.comparison import PARETO_K_LIMIT, loo

    title = "<h2>Leave-one-out cross-validation (PSIS-LOO)</h2>"
    if idata.attrs.get("inference") == "laplace-per-object":
        return (f"{title}<p>Not computed for a catalogue fit: each object's parameters are fitted to its "
                "own data only, so leaving an object out predicts it from the prior.</p>")
    if "log_likelihood" not in idata.groups():
        return f"{title}<p>Not computed: the fit has no log_likelihood group.</p>"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz warns of high k̂, which the table shows
        result = loo(idata)
    worst = ", ".join(f"{site}[{index}] k̂ = {k:.2f}" for site, index, k in result.worst if k > PARETO_K_LIMIT)
    rows = [("elpd_loo", f"{result.elpd_loo:.2f} ± {result.se:.2f}"), ("p_loo", f"{result.p_loo:.2f}"),
            ("data points", result.points),
            (f"points with Pareto k̂ > {PARETO_K_LIMIT}", f"{result.bad_k}" + (f" ({worst})" if worst else ""))]
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"{title}<table>{cells}</table>"


COVERAGE_NOTES = {
    "svi": "SVI intervals can badly under-cover: on the line problem's design the default mean-field "
           "fit covers the truth in 0.5 % of mocks at the 68 % level. Check against NUTS.",
    "laplace-per-object": "Per-object Laplace intervals under-cover on the SED catalogue: 45-62 % of truths "
                          "within the 68 % intervals, 65-85 % within the 95 % ones. Treat them as indicative.",
    "laplace": "Laplace intervals are exact only for a Gaussian posterior.",
}
"""What the report says of the intervals of each approximate method (measured in docs/calibration.md)."""


def coverage_note(attrs) -> str:
    """The report's warning about the intervals of the fit's method, if it is approximate."""
    inference = str(attrs.get("inference", ""))
    note = next((text for prefix, text in COVERAGE_NOTES.items() if inference.startswith(prefix)), "")
    return f"<p><strong>Intervals:</strong> {html.escape(note)} See docs/calibration.md.</p>" if note else ""


def _numbers_section(numbers: dict) -> str:
    """The problem's summaries (e.g. reduced χ² at the posterior mean) as an HTML table."""
    if not numbers:
        return ""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>" for k, v in numbers.items())
    return f"<h2>Fit summaries</h2><table>{rows}</table>"


def _write_html(idata, problem, summary, figures, notes, outdir: Path, diagnostics, numbers: dict) -> Path:
    title = problem.title if problem else idata.attrs.get("problem", "fit")
    references = ""
    if problem is not None and problem.references:
        rows = "".join(
            f"<tr><td>{html.escape(v)}</td><td>{ref.mean:g} ± {ref.sd:g}</td>"
            f"<td>{summary.loc[v, 'mean']:.4g} ± {summary.loc[v, 'sd']:.4g}</td><td>{html.escape(ref.source)}</td></tr>"
            for v, ref in problem.references.items()
            if v in summary.index
        )
        references = (
            "<h2>Published values</h2><table><tr><th>variable</th><th>published</th>"
            f"<th>this fit</th><th>source</th></tr>{rows}</table>"
        )
    images = "".join(f'<figure><img src="{f.name}" alt="{f.stem}"><figcaption>{f.stem}</figcaption></figure>' for f in figures)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} img{{max-width:100%}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>Problem <code>{html.escape(str(idata.attrs.get("problem", "")))}</code>, inference
<code>{html.escape(str(idata.attrs.get("inference", idata.attrs.get("method", ""))))}</code>.
{html.escape(problem.citation) if problem else ""}</p>
<p>Diagnostics: {html.escape(str(diagnostics))}</p>
{coverage_note(idata.attrs)}
<h2>Summary</h2>{summary.to_html(float_format=lambda v: f"{v:.4g}")}
<p><a href="summary.csv">summary.csv</a> · <a href="summary.md">summary.md</a></p>
{references}
{_numbers_section(numbers)}
{loo_section(idata)}
<h2>Figures</h2>{"".join(f"<p>{html.escape(note)}</p>" for note in notes)}{images}
{provenance_section(idata.attrs)}
</body></html>
"""
    return _write_text(page, outdir / "index.html")


def write_index(entries, outdir) -> Path:
    """A top-level ``index.html`` linking each ``(name, title, report index path)``."""
    outdir = Path(outdir)
    items = "".join(
        f'<li><a href="{Path(path).relative_to(outdir).as_posix()}">{html.escape(name)}</a>: {html.escape(title)}</li>'
        for name, title, path in entries
    )
    return _write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>astrozoo reports</title></head>'
        f"<body><h1>astrozoo reports</h1><ul>{items}</ul></body></html>\n",
        outdir / "index.html",
    )
