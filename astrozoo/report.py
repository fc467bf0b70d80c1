"""Reports: corner, trace and predictive-check plots, summary tables and an HTML page."""

import html
import warnings
from pathlib import Path

import arviz as az
import matplotlib

matplotlib.use("Agg")
import corner  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from astrozoo import problems  # noqa: E402
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


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def corner_plot(idata, var_names, path: Path, problem=None) -> Path:
    truths = None
    if problem is not None and problem.references:
        truths = [problem.references[v].mean if v in problem.references else None for v in var_names]
    fig = corner.corner(idata, var_names=var_names, truths=truths, show_titles=True, title_fmt=".3g")
    return _save(fig, path)


def trace_plot(idata, var_names, path: Path) -> Path:
    axes = az.plot_trace(idata, var_names=var_names, compact=True)
    return _save(axes.ravel()[0].figure, path)


def predictive_plot(idata, group: str, path: Path) -> Path:
    """Observed data against replicated data sets (group 'posterior' or 'prior')."""
    axes = az.plot_ppc(idata, group=group, num_pp_samples=100, random_seed=0)
    axes = np.atleast_1d(axes)
    return _save(axes.ravel()[0].figure, path)


def write_report(idata, outdir) -> Path:
    """Write plots, summary tables and ``index.html`` for one fit into ``outdir``.

    Returns:
        The path of ``index.html``.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    name = idata.attrs.get("problem")
    problem = problems.get(name) if name in {p.name for p in problems.all_problems()} else None
    var_names = report_variables(idata, problem)
    az.summary(idata, var_names=var_names).to_csv(outdir / "summary.csv")
    shown = shown_posterior(idata, var_names)
    summary = az.summary(shown)
    (outdir / "summary.md").write_text(markdown_table(summary))
    figures = [corner_plot(shown, var_names, outdir / "corner.png", problem)]
    if idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"] > 1:
        figures.append(trace_plot(shown, var_names, outdir / "trace.png"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz's KDE warnings on discrete-looking data
        if "posterior_predictive" in idata.groups():
            figures.append(predictive_plot(idata, "posterior", outdir / "ppc.png"))
        if "prior_predictive" in idata.groups():
            figures.append(predictive_plot(idata, "prior", outdir / "prior_ppc.png"))
    for plot in problem.plots if problem else ():
        figures.extend(Path(p) for p in problems.resolve(plot)(idata, outdir))
    numbers = {}
    for summarise in problem.summaries if problem else ():
        numbers |= problems.resolve(summarise)(idata)
    return _write_html(idata, problem, summary, figures, outdir, convergence(idata, var_names), numbers)


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


def _numbers_section(numbers: dict) -> str:
    """The problem's summaries (e.g. reduced χ² at the posterior mean) as an HTML table."""
    if not numbers:
        return ""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>" for k, v in numbers.items())
    return f"<h2>Fit summaries</h2><table>{rows}</table>"


def _write_html(idata, problem, summary, figures, outdir: Path, diagnostics, numbers: dict) -> Path:
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
<h2>Summary</h2>{summary.to_html(float_format=lambda v: f"{v:.4g}")}
<p><a href="summary.csv">summary.csv</a> · <a href="summary.md">summary.md</a></p>
{references}
{_numbers_section(numbers)}
<h2>Figures</h2>{images}
{provenance_section(idata.attrs)}
</body></html>
"""
    index = outdir / "index.html"
    index.write_text(page)
    return index


def write_index(entries, outdir) -> Path:
    """A top-level ``index.html`` linking each ``(name, title, report index path)``."""
    outdir = Path(outdir)
    items = "".join(
        f'<li><a href="{Path(path).relative_to(outdir).as_posix()}">{html.escape(name)}</a>: {html.escape(title)}</li>'
        for name, title, path in entries
    )
    index = outdir / "index.html"
    index.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>astrozoo reports</title></head>'
        f"<body><h1>astrozoo reports</h1><ul>{items}</ul></body></html>\n"
    )
    return index
