"""What one study cell produced: ``CellRecord``, with its metrics keyed by ``Metric``."""

import dataclasses
import math
from typing import Any

__all__ = ["CellRecord", "Metric", "as_record"]


@dataclasses.dataclass(frozen=True, eq=False)
class Metric:
    """One measured quantity: accuracy under ``attack`` at budget ``eps`` (``"clean"``: none).

    The one place where a metric is written as text (``key``: ``"clean"``,
    ``"pgd@0.1"``) and read back (:meth:`parse`): cell files, CSV columns and
    plotting all go through it.

    A metric equals (and hashes like) its text, so a table keyed by metrics
    can be read with ``"pgd@0.1"`` too.

    Parameters
    ----------
    attack : str
        ``"clean"`` or an attack name (``"fgsm"``, ``"pgd"``, ``"autoattack"``, ...).
    eps : float, default=0.0
        The budget, in the units of the model's input; 0 for ``"clean"``.

    Examples
    --------
    >>> Metric("pgd", 0.1).key, Metric.parse("pgd@0.1") == Metric("pgd", 0.1)
    ('pgd@0.1', True)
    >>> {Metric("pgd", 0.1): 0.4}["pgd@0.1"]
    0.4
    >>> sorted([Metric("pgd", 0.2), Metric("clean"), Metric("fgsm", 0.1)], key=Metric.sort_key)
    [Metric(attack='clean', eps=0.0), Metric(attack='fgsm', eps=0.1), Metric(attack='pgd', eps=0.2)]
    """

    attack: str
    eps: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "eps", float(self.eps))
        if self.attack == "clean" and self.eps != 0:
            raise ValueError(f"the clean metric has eps 0; got {self.eps}.")
        if "@" in self.attack or not self.attack:
            raise ValueError(f"an attack name must be non-empty without '@'; got {self.attack!r}.")

    @property
    def key(self):
        """The metric as text: ``"clean"`` or ``"<attack>@<eps>"`` (4 significant digits)."""
        return "clean" if self.attack == "clean" else f"{self.attack}@{self.eps:.4g}"

    @property
    def is_clean(self):
        """True for the clean accuracy."""
        return self.attack == "clean"

    @classmethod
    def parse(cls, key):
        """The metric a ``key`` stands for (a Metric is returned unchanged)."""
        if isinstance(key, Metric):
            return key
        attack, _, eps = str(key).partition("@")
        return cls(attack, float(eps) if eps else 0.0)

    def sort_key(self):
        """Clean first, then by attack name and eps."""
        return (not self.is_clean, self.attack, self.eps)

    def title(self):
        """A short label for figures: ``"clean"`` or ``"PGD eps=0.1"``."""
        return "clean" if self.is_clean else f"{self.attack.upper()} eps={self.eps:g}"

    def __str__(self):
        return self.key

    def __eq__(self, other):
        if isinstance(other, Metric):
            return self.key == other.key
        if isinstance(other, str):
            return self.key == other
        return NotImplemented

    def __hash__(self):
        return hash(self.key)


@dataclasses.dataclass(frozen=True)
class CellRecord:
    """The record of one finished cell ``(method, fraction, regime, seed)`` of a study.

    Written to ``cells/<key>.json`` by the study (:meth:`to_dict` is that JSON)
    and read back by :meth:`from_dict`; summaries and figures take these.

    Parameters
    ----------
    method, fraction, regime, seed
        The cell's coordinates.
    metrics : dict of {Metric: float}
        Accuracy per metric (keys may be given as text, ``"pgd@0.1"``).
    key : str or None, default=None
        The cell's file name; None derives it from the coordinates.
    n_train : int or None
        Rows the model was trained on.
    epochs : int or None
        Epochs it was trained.
    sample_indices : list of int or None
        The coreset's rows (None for the full data).
    class_counts : dict
        ``{label: rows}`` of the coreset.
    timings : dict
        Seconds spent selecting, training and evaluating.
    same_coreset_as : str or None
        The key of the cell whose identical coreset was trained once for both
        (then the metrics are that cell's).
    config : dict
        The study's configuration.
    versions : dict
        Library versions.
    environment : dict
        What the floats depend on beyond the configuration: torch threads, CPU
        capability, device, machine and versions (see
        :func:`sk_easycore.experiments.environment`).
    attack_details : dict
        ``{metric key: dict}``: what standard AutoAttack's parts broke, per
        budget (``"autoattack@0.1"``): ``n_samples``, ``samples`` (the test
        images attacked), ``broken_by`` (``"clean"`` or part: test-image
        indices), ``seconds``, ``skipped``.
    added : list of dict
        The metrics measured later, by a run that asked for new attacks or
        budgets, on the model's kept weights: one ``{"metrics": [keys],
        "eval_s": seconds, "device": device}`` per such run.

    Examples
    --------
    >>> record = CellRecord("random", 0.3, "standard", 0, {"clean": 0.9, "pgd@0.1": 0.4})
    >>> record.key, record.metrics[Metric("pgd", 0.1)]
    ('random__f0.3__standard__s0', 0.4)
    >>> CellRecord.from_dict(record.to_dict()) == record
    True
    """

    method: str
    fraction: float
    regime: str
    seed: int
    metrics: dict
    key: str = None
    n_train: int = None
    epochs: int = None
    sample_indices: Any = None
    class_counts: dict = dataclasses.field(default_factory=dict)
    timings: dict = dataclasses.field(default_factory=dict)
    same_coreset_as: str = None
    config: dict = dataclasses.field(default_factory=dict)
    versions: dict = dataclasses.field(default_factory=dict)
    environment: dict = dataclasses.field(default_factory=dict)
    attack_details: dict = dataclasses.field(default_factory=dict)
    added: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        object.__setattr__(self, "fraction", float(self.fraction))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "metrics", {Metric.parse(k): float(v)
                                             for k, v in self.metrics.items()})
        if self.key is None:
            object.__setattr__(self, "key", cell_key(self.method, self.fraction, self.regime,
                                                     self.seed))

    def to_dict(self):
        """The record as JSON-ready data (metrics keyed by their text)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["metrics"] = {m.key: v for m, v in self.metrics.items()}
        return data

    @classmethod
    def from_dict(cls, data):
        """A record from :meth:`to_dict`'s data (unknown keys are an error)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"not a cell record: unknown fields {sorted(unknown)}.")
        return cls(**data)

    def accuracy(self, attack="clean", eps=0.0):
        """The accuracy under ``attack`` at ``eps`` (compared with a relative tolerance)."""
        for metric, value in self.metrics.items():
            if metric.attack == attack and math.isclose(metric.eps, eps, rel_tol=1e-9):
                return value
        raise KeyError(f"{self.key} has no {Metric(attack, eps).key} metric; "
                       f"it has {[m.key for m in self.metrics]}.")


def cell_key(method, fraction, regime, seed):
    """File-name-safe identifier of a cell, e.g. ``easycore__f0.3__standard__s0``.

    Parameters
    ----------
    method : str
    fraction : float
    regime : str
    seed : int

    Returns
    -------
    key : str

    Examples
    --------
    >>> cell_key("full", 1.0, "trades", 2)
    'full__f1__trades__s2'
    """
    return f"{method}__f{float(fraction):g}__{regime}__s{int(seed)}"


def as_record(record):
    """A :class:`CellRecord` from a record or from a dict holding its fields.

    Parameters
    ----------
    record : CellRecord or dict
        At least ``method``, ``fraction``, ``regime``, ``seed`` and ``metrics``.

    Returns
    -------
    record : CellRecord

    Examples
    --------
    >>> as_record({"method": "random", "fraction": 0.3, "regime": "standard", "seed": 1,
    ...            "metrics": {"clean": 0.9}}).key
    'random__f0.3__standard__s1'
    """
    if isinstance(record, CellRecord):
        return record
    if not isinstance(record, dict) or not {"method", "fraction", "regime", "seed",
                                           "metrics"} <= set(record):
        raise TypeError("a cell record is a CellRecord or a dict with 'method', 'fraction', "
                        f"'regime', 'seed' and 'metrics'; got {type(record).__name__}.")
    return CellRecord.from_dict(record)
