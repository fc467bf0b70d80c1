"""The problem registry: a problem is a declaration.

A :class:`Problem` names a model, a loader for its data, the default method,
its settings and a declared start, the variables to report, published
reference values, and the figures and summaries its report adds. It holds no
fitting code: :mod:`astrozoo.fitting` runs every problem the same way. The
CLI, the demo, the reports, the benchmarks and the tests iterate over
:data:`PROBLEMS`. Adding a problem is one entry in a field's module: every module of
this package (``astrozoo.problems.<field>``) is a field and lists its
problems in ``PROBLEMS``.

The declarations import neither JAX nor the models: models, figures and
summaries are named as ``"package.module:function"`` and imported on use, so
listing the problems is fast.
"""

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

METHODS = ("nuts", "svi", "map")
STARTS = ("prior", "prior-median", "best-of-optima", "laplace")


def resolve(path: str):
    """The object named ``"package.module:attribute"``, imported on use."""
    module, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"expected 'package.module:attribute', got {path!r}")
    return getattr(importlib.import_module(module), attribute)


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
        model_path: the NumPyro model, ``"package.module:function"``
            (:attr:`model` imports it).
        load: returns the model's keyword arguments, observations included.
        observed: names of the keyword arguments that hold observations
            (left out for prior and posterior predictive simulation).
        method: default driver, one of :data:`METHODS`.
        settings: default keyword arguments of that driver.
        start: where NUTS chains start, one of :data:`STARTS` (see
            :func:`astrozoo.inference.starts.chain_starts`).
        start_refinement: optional ``"package.module:function"`` that moves
            each candidate starting point of the mode searches before it is
            scored, ``f(values, arrays) -> values`` (see
            :func:`astrozoo.inference.optimize.potential_and_candidates`).
        objects: for catalogue models whose objects are independent, the
            per-object arguments: the problem is then fitted object by object
            (:func:`astrozoo.inference.batched.fit_objects`), with ``method`` "map".
        report: the variables to summarise, plot and benchmark.
        references: variable -> published value, where one exists.
        plots: extra report figures, ``"package.module:function"`` each, as
            ``f(idata, outdir) -> list of paths``.
        summaries: numbers the report adds, ``"package.module:function"``
            each, as ``f(idata) -> {name: value}`` (e.g. reduced χ²).
        citation: where the model or the data come from.
        in_demo: whether ``astrozoo demo`` (``make demo``) fits it; False for
            reference formulations kept for comparison, too slow for a demo.
    """

    name: str
    title: str
    model_path: str
    load: Callable[[], dict]
    observed: tuple[str, ...] = ("y",)
    method: str = "nuts"
    settings: Mapping = field(default_factory=dict)
    start: str = "prior"
    start_refinement: str = ""
    objects: tuple[str, ...] = ()
    report: tuple[str, ...] = ()
    references: Mapping[str, Reference] = field(default_factory=dict)
    plots: tuple[str, ...] = ()
    summaries: tuple[str, ...] = ()
    citation: str = ""
    in_demo: bool = True

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"problem {self.name!r}: method must be one of {METHODS}, got {self.method!r}")
        if self.start not in STARTS:
            raise ValueError(f"problem {self.name!r}: start must be one of {STARTS}, got {self.start!r}")
        if self.objects and self.method != "map":
            raise ValueError(f"problem {self.name!r}: a problem fitted object by object has method 'map'")

    @property
    def model(self) -> Callable:
        """The model function (imported on first use)."""
        return resolve(self.model_path)

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
