"""StudyResult: the records of a study folder, as tables."""

import json
from pathlib import Path

from ._records import as_record
from ._summary import summary_markdown

__all__ = ["StudyResult"]


class StudyResult:
    """The finished cells of a study and their summary.

    Made by :func:`sk_easycore.experiments.run_study` and
    :func:`~sk_easycore.experiments.write_report`; ``print(result)`` gives the
    summary tables, :meth:`to_frame` one row per cell and metric.

    Parameters
    ----------
    out : str or Path
        The study folder.
    records : list of CellRecord or dict
        One per finished cell.
    damaged : list of (str, str), default=()
        Cell files left out of the records, and why.

    Attributes
    ----------
    out : Path
        The study folder.
    records : list of CellRecord
        One per finished cell.
    damaged : list of (str, str)
        Cell files left out, and why (see :meth:`~sk_easycore.results.StudyStore.scan_cells`).
    files : list of str
        The summary files and figures written in ``out`` (empty when none were).

    Examples
    --------
    >>> result = StudyResult("results/toy", [
    ...     {"regime": "standard", "method": "random", "fraction": 0.3, "seed": 0,
    ...      "metrics": {"clean": 0.9, "pgd@0.1": 0.5}}])
    >>> print(next(line for line in result.markdown().splitlines() if "| random |" in line))
    | standard | random | 0.3 | 90.0 +- n/a (1) | 50.0 +- n/a (1) |
    >>> result.to_records()[1]["attack"], result.to_records()[1]["eps"]
    ('pgd', 0.1)
    """

    def __init__(self, out, records, damaged=()):
        self.out = Path(out)
        self.records = [as_record(r) for r in records]
        self.damaged = list(damaged)
        self.files = []

    def markdown(self):
        """The summary as Markdown (what was run read from the folder's ``study.json`` if any)."""
        path = self.out / "study.json"
        config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        return summary_markdown(self.records, config=config)

    def to_records(self):
        """One dict per cell and metric: the cell's coordinates, ``attack``, ``eps``, ``accuracy``.

        Returns
        -------
        rows : list of dict
            Keys ``key``, ``method``, ``fraction``, ``regime``, ``seed``,
            ``n_train``, ``epochs``, ``attack``, ``eps``, ``accuracy``.
        """
        rows = []
        for r in self.records:
            for metric, value in r.metrics.items():
                rows.append({"key": r.key, "method": r.method, "fraction": r.fraction,
                             "regime": r.regime, "seed": r.seed, "n_train": r.n_train,
                             "epochs": r.epochs, "attack": metric.attack, "eps": metric.eps,
                             "accuracy": value})
        return rows

    def to_frame(self):
        """:meth:`to_records` as a pandas DataFrame (pandas must be installed).

        Returns
        -------
        frame : pandas.DataFrame
            One row per cell and metric.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("StudyResult.to_frame needs pandas (pip install pandas); "
                              "to_records() gives the same rows as a list of dicts.") from None
        return pd.DataFrame.from_records(self.to_records())

    def __str__(self):
        return self.markdown()
