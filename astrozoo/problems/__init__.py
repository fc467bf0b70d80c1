"""The problem registry: a problem is data.

A :class:`Problem` names a model, a loader for its data, default inference
settings, the variables to report and published reference values. The CLI,
the demo, the reports, the benchmarks and the tests iterate over
:data:`PROBLEMS`. Adding a problem is one entry in a field's module: every module of
this package (``astrozoo.problems.<field>``) is a field and lists its
problems in ``PROBLEMS``.
"""

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """A published value with its 1σ uncertainty and where it comes from."""

    mean: float
    sd: float
    source: str


@dataclass(frozen=True)
class Problem:
    """One fit the zoo knows how to run.

    Attributes:
        name: registry key, e.g. ``"line-outliers"``.
        title: one line for listings.
        model: the NumPyro model function.
        load: returns the model's keyword arguments, observations included.
        observed: names of the keyword arguments that hold observations
            (left out for prior and posterior predictive simulation).
        method: default driver, ``"nuts"``, ``"svi"`` or ``"map"``.
        settings: default keyword arguments of that driver.
        report: the variables to summarise, plot and benchmark.
        references: variable -> published value, where one exists.
        plots: extra report figures, each ``f(idata, outdir) -> list of paths``.
        fit: a custom fitting function ``f(problem, method, **settings) -> InferenceData``
            for problems the plain drivers do not serve (None: use the drivers).
        citation: where the model or the data come from.
        in_demo: whether ``astrozoo demo`` (``make demo``) fits it; False for
            reference formulations kept for comparison, too slow for a demo.
    """

    name: str
    title: str
    model: Callable
    load: Callable[[], dict]
    observed: tuple[str, ...] = ("y",)
    method: str = "nuts"
    settings: Mapping = field(default_factory=dict)
    report: tuple[str, ...] = ()
    references: Mapping[str, Reference] = field(default_factory=dict)
    plots: tuple[Callable, ...] = ()
    fit: Callable | None = None
    citation: str = ""
    in_demo: bool = True

    def predictive_kwargs(self, data: dict) -> dict:
        """The loaded data without the observations."""
        return {k: v for k, v in data.items() if k not in self.observed}


_FIELDS = ("line",) + tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "line"))
PROBLEMS: dict[str, Problem] = {}


def _collect() -> None:
    for module in _FIELDS:
        for problem in importlib.import_module(f"astrozoo.problems.{module}").PROBLEMS:
            if problem.name in PROBLEMS:
                raise ValueError(f"problem {problem.name!r} is registered twice")
            PROBLEMS[problem.name] = problem


def get(name: str) -> Problem:
    """The registered problem ``name``; ValueError listing the known names otherwise."""
    if not PROBLEMS:
        _collect()
    if name not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r}; known problems: {', '.join(PROBLEMS)}")
    return PROBLEMS[name]


def all_problems() -> list[Problem]:
    """Every registered problem, in registry order."""
    if not PROBLEMS:
        _collect()
    return list(PROBLEMS.values())
