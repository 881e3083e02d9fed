"""A study folder: its configuration, one JSON file per finished cell, written atomically.

Layout of ``<out>/``::

    study.json          the configuration (and its hash); a different one is refused
    cells/<key>.json    one finished cell each: configuration, seed, metrics, timings, versions
    proxies/            cached proxy trainings shared by the cells of a seed (joblib.Memory)
    study.log           the log of every run in this folder

A cell file is written to a temporary file in the same folder, flushed to disk and
renamed over its final name (``os.replace`` is atomic on POSIX and Windows), so a run
killed at any moment leaves either the complete file or none: a restart redoes only the
unfinished cells and never sees a half-written one. Temporary files of a killed run are
ignored and removed.
"""

import json
import os
import tempfile
from pathlib import Path

__all__ = ["StudyStore", "atomic_write", "atomic_write_text"]


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` atomically (temporary file, fsync, rename).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> atomic_write_text(path, "{}")
    >>> path.read_text()
    '{}'
    """
    atomic_write(path, lambda f: f.write(text))


def atomic_write(path, write, *, binary=False):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``.

    The data is flushed to disk before the rename, so a reader sees the old file
    or the complete new one, never a part; on any error the temporary file is
    removed and ``path`` is left as it was. Text is written as UTF-8.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class StudyStore:
    """The results folder of one study.

    Parameters
    ----------
    root : str or Path
        The output folder (created if missing).

    Examples
    --------
    >>> import tempfile
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> store.open({"dataset": "digits", "seeds": [0]})
    >>> store.save_cell("random__f0.3__standard__s0", {"metrics": {"clean": 0.9}})
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
        """Create the folder for ``config``, or check that it already holds this study.

        Raises
        ------
        ValueError
            If the folder holds results of a different configuration; the message
            lists the settings that differ.
        """
        config = json.loads(json.dumps(config, sort_keys=True))  # as it will be stored
        self.cells.mkdir(parents=True, exist_ok=True)
        self.proxies.mkdir(exist_ok=True)
        for stale in self.cells.glob(".*.tmp"):
            stale.unlink()  # left by a run killed while writing
        if self.config_path.exists():
            old = self.load_config()
            if old != config:
                keys = sorted(set(old) | set(config))
                diff = [f"{k}: {old.get(k)!r} (folder) != {config.get(k)!r} (now)"
                        for k in keys if old.get(k) != config.get(k)]
                raise ValueError(
                    f"{self.root} holds results of a different study configuration; "
                    "refusing to mix them. Differences:\n  " + "\n  ".join(diff)
                    + "\nUse another --out folder, or delete this one to start over."
                )
        else:
            atomic_write_text(self.config_path, json.dumps(config, indent=2, sort_keys=True))

    def load_config(self):
        """The configuration stored in the folder."""
        if not self.config_path.exists():
            raise FileNotFoundError(
                f"{self.root} is not a study folder: {self.config_path.name} is missing."
            )
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    def save_cell(self, key, record):
        """Write one finished cell atomically."""
        atomic_write_text(self.cells / f"{key}.json", json.dumps(record, indent=2, sort_keys=True))

    def finished_keys(self):
        """Keys of the cells already written."""
        return {p.stem for p in self.cells.glob("*.json")}

    def load_cells(self):
        """All finished cells, sorted by key."""
        return [json.loads(p.read_text(encoding="utf-8"))
                for p in sorted(self.cells.glob("*.json"))]
