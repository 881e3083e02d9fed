"""A study folder: its configuration, one JSON file per finished cell, written atomically.

Layout of ``<out>/``::

    study.json          the configuration; a different one is refused
    cells/<key>.json    one finished cell each (a :class:`CellRecord`)
    proxies/            cached proxy trainings shared by the cells of a seed (joblib.Memory)
    study.log           the log of every run in this folder

A cell file is written to a temporary file in the same folder, flushed to disk and
renamed over its final name, so a run killed at any moment leaves either the complete
file or none: a restart redoes only the unfinished cells and never sees a half-written
one. Temporary files of a killed run are ignored and removed.
"""

import json
from pathlib import Path

from ._io import atomic_write_text
from ._records import as_record

__all__ = ["StudyStore", "config_differences"]


def _flatten(data, prefix=""):
    if not isinstance(data, dict):
        return {prefix: data}
    flat = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}{key}.") if isinstance(value, dict)
                    else {f"{prefix}{key}": value})
    return flat


def config_differences(old, new):
    """The settings two JSON configurations disagree on, as ``dotted.name: old != new`` lines.

    The ``environment`` entry (threads, CPU, versions of the run that created the
    folder) is a record, not a setting: it is never compared.

    Parameters
    ----------
    old, new : dict
        Configurations (nested dicts are compared field by field).

    Returns
    -------
    lines : list of str
        One line per differing field, sorted; empty when they are equal.

    Examples
    --------
    >>> config_differences({"seeds": [0], "recipe": {"lr": 0.1, "epochs": 3}},
    ...                    {"seeds": [0], "recipe": {"lr": 0.01, "epochs": 3}})
    ['recipe.lr: 0.1 (folder) != 0.01 (now)']
    """
    old, new = (_flatten({k: v for k, v in c.items() if k != "environment"})
                for c in (old, new))
    return [f"{k}: {old.get(k)!r} (folder) != {new.get(k)!r} (now)"
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


class StudyStore:
    """The results folder of one study.

    Parameters
    ----------
    root : str or Path
        The output folder (created by :meth:`open` if missing).

    Attributes
    ----------
    root, cells, config_path, proxies, log_path : Path
        The folder, its ``cells/``, ``study.json``, ``proxies/`` and ``study.log``.

    Examples
    --------
    >>> import tempfile
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> store.open({"data": "digits", "seeds": [0]})
    >>> store.save_cell({"method": "random", "fraction": 0.3, "regime": "standard", "seed": 0,
    ...                  "metrics": {"clean": 0.9}})
    >>> store.finished_keys()
    {'random__f0.3__standard__s0'}
    """

    def __init__(self, root):
        self.root = Path(root)
        self.cells = self.root / "cells"
        self.config_path = self.root / "study.json"
        self.proxies = self.root / "proxies"
        self.log_path = self.root / "study.log"

    def open(self, config):
        """Create the folder for ``config`` (a JSON-ready dict), or check it holds this study.

        Raises
        ------
        ValueError
            If the folder holds results of a different configuration; the message
            names the settings that differ, and only those.
        """
        config = json.loads(json.dumps(config, sort_keys=True))  # as it will be stored
        self.cells.mkdir(parents=True, exist_ok=True)
        self.proxies.mkdir(exist_ok=True)
        for stale in self.cells.glob(".*.tmp"):
            stale.unlink()  # left by a run killed while writing
        if self.config_path.exists():
            diff = config_differences(self.load_config(), config)
            if diff:
                raise ValueError(
                    f"{self.root} holds results of a different study; refusing to mix them. "
                    "Differences:\n  " + "\n  ".join(diff)
                    + "\nUse another --out folder, or delete this one to start over."
                )
        else:
            atomic_write_text(self.config_path, json.dumps(config, indent=2, sort_keys=True))

    def load_config(self):
        """The configuration stored in the folder, as a dict."""
        if not self.config_path.exists():
            raise FileNotFoundError(
                f"{self.root} is not a study folder: {self.config_path.name} is missing."
            )
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    def save_cell(self, record):
        """Write one finished cell (a :class:`CellRecord` or its dict) atomically."""
        record = as_record(record)
        atomic_write_text(self.cells / f"{record.key}.json",
                          json.dumps(record.to_dict(), indent=2, sort_keys=True))

    def finished_keys(self):
        """Keys of the cells already written."""
        return {p.stem for p in self.cells.glob("*.json")}

    def load_cells(self):
        """All finished cells as :class:`CellRecord`, sorted by key."""
        return [as_record(json.loads(p.read_text(encoding="utf-8")))
                for p in sorted(self.cells.glob("*.json"))]
