"""A study folder: its configuration, one JSON file per finished cell, written atomically.

Layout of ``<out>/``::

    study.json          the configuration (the union of its runs' grids); another study is refused
    cells/<key>.json    one finished cell each (a :class:`CellRecord`)
    models/<key>.pt     the weights of a cell's model (kept to measure new attacks on it later)
    damaged/            cell files found damaged, set aside (their cells run again)
    proxies/            cached proxy trainings shared by the cells of a seed
    study.log           the log of every run in this folder
    .locks/             the file locks of the runs using the folder

A cell file is written to a temporary file in the same folder, flushed to disk and
renamed over its final name, so a run killed at any moment leaves either the complete
file or none: a restart redoes only the unfinished cells and never sees a half-written
one. Runs sharing a folder hold file locks (:mod:`filelock`): one around reading and
writing ``study.json`` (so two runs with different settings cannot both start), one per
live run, and one per cell being computed (so two runs of the same study share the cells,
none computed twice, and a run removes only the temporary files of a cell it holds).
"""


import dataclasses
import glob
import json
import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ._folder import _as_json, check_study_folder, config_differences
from ._identity import grid_union, study_identity
from ._io import atomic_write, atomic_write_text
from ._records import as_record, cell_key

__all__ = ["StudyStore"]

logger = logging.getLogger(__name__)

# study.json is read, compared and written within a second; a longer wait means a stuck run
_CONFIG_LOCK_TIMEOUT_S = 120


class StudyStore:
    """The results folder of one study, shared safely by the runs using it.

    Parameters
    ----------
    root : str or Path
        The output folder (created by :meth:`open` if missing).

    Attributes
    ----------
    root, cells, config_path, proxies, log_path, damaged, models : Path
        The folder, its ``cells/``, ``study.json``, ``proxies/``, ``study.log``,
        ``damaged/`` and ``models/``.

    Examples
    --------
    >>> import tempfile
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> store.open({"data": "digits", "seeds": [0]})
    >>> store.save_cell({"method": "random", "fraction": 0.3, "regime": "standard", "seed": 0,
    ...                  "metrics": {"clean": 0.9}})
    >>> store.finished_keys()
    {'random__f0.3__standard__s0'}
    >>> store.close()
    """

    def __init__(self, root):
        self.root = Path(root)
        self.cells = self.root / "cells"
        self.config_path = self.root / "study.json"
        self.proxies = self.root / "proxies"
        self.log_path = self.root / "study.log"
        self.damaged = self.root / "damaged"
        self.models = self.root / "models"
        self._locks = self.root / ".locks"
        self._config = None
        self._run_lock = None
        self._claims = {}

    # ------------------------------------------------------------ configuration

    @contextmanager
    def _config_lock(self):
        lock = FileLock(self._locks / "study.json.lock")
        try:
            lock.acquire(timeout=_CONFIG_LOCK_TIMEOUT_S)
        except Timeout:
            raise TimeoutError(f"another run has held {self.config_path} for "
                               f"{_CONFIG_LOCK_TIMEOUT_S} s; is a run stuck?") from None
        try:
            yield
        finally:
            lock.release()

    def _others_running(self):
        """True when another live run holds its lock in this folder (dead runs' are removed)."""
        for path in self._locks.glob("run-*.lock"):
            if self._run_lock is not None and path == Path(self._run_lock.lock_file):
                continue
            lock = FileLock(path)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return True
            lock.release()
            path.unlink(missing_ok=True)  # its run ended; it never takes the lock again
        return False

    def open(self, config, order=None):
        """Create the folder for ``config`` (a JSON-ready dict), or check it holds this study.

        What identifies the study is compared (:func:`study_identity`): not the
        paths files were read from, nor the order of lists, nor its grid (the
        methods, fractions, regimes, attacks, seeds and budgets it holds). A run
        asking for more of the grid grows the folder: ``study.json`` becomes the
        union of the grids of every run (:func:`grid_union`, sorted by ``order``).

        The run joins the folder until :meth:`close`. A folder holding no
        finished cell, whose runs have all ended (a first run that failed), is
        given the new configuration.

        Raises
        ------
        ValueError
            If the folder holds results of a study of another identity, or another
            run of one is using it; the message names the settings that differ,
            and only those.
        NotADirectoryError, PermissionError
            If the folder cannot be made or written (see :func:`check_study_folder`).
        """
        config = _as_json(config)  # as it will be stored
        check_study_folder(self.root)
        for folder in (self.cells, self.proxies, self._locks):
            folder.mkdir(parents=True, exist_ok=True)
        with self._config_lock():
            self._join()
            if not self.config_path.exists():
                self._write_config(config)
            else:
                stored = self.load_config()
                diff = self._differences(stored, config)
                if diff and (any(self.cells.glob("*.json")) or self._others_running()):
                    self.close()
                    raise ValueError(
                        f"{self.root} holds results of a different study; refusing to mix them. "
                        "Differences:\n  " + "\n  ".join(diff)
                        + "\nUse another --out folder, or delete this one to start over.")
                if diff:
                    logger.warning("%s holds no finished cell: its configuration is replaced "
                                   "(%s)", self.root, "; ".join(diff))
                    self._write_config(config)
                else:
                    config = grid_union(stored, config, order)
                    grown = config_differences(stored, config)
                    if grown:
                        logger.info("the study in %s grows: %s", self.root, "; ".join(grown))
                        self._write_config(config)
            self._config = config

    def _write_config(self, config):
        atomic_write_text(self.config_path, json.dumps(config, indent=2, sort_keys=True))

    @staticmethod
    def _differences(old, new):
        """What identifies the study, compared (:func:`study_identity`)."""
        return config_differences(study_identity(_as_json(old)), study_identity(_as_json(new)))

    def _join(self):
        if self._run_lock is None:
            self._run_lock = FileLock(self._locks / f"run-{uuid.uuid4().hex}.lock")
            self._run_lock.acquire(timeout=0)

    def close(self):
        """Release this run's cells and leave the folder (also done when the store is freed)."""
        for key in list(self._claims):
            self.release(key)
        if self._run_lock is not None:
            self._run_lock.release()
            Path(self._run_lock.lock_file).unlink(missing_ok=True)
            self._run_lock = None

    def load_config(self):
        """The configuration stored in the folder, as a dict."""
        if not self.config_path.is_file():
            raise FileNotFoundError(
                f"{self.root} is not a study folder: {self.config_path.name} is missing.")
        try:
            return json.loads(self.config_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{self.config_path} is damaged ({exc}); restore it, or delete "
                             "the folder to start over.") from None

    @property
    def config(self):
        """The folder's configuration (read once)."""
        if self._config is None:
            self._config = self.load_config()
        return self._config

    # ------------------------------------------------------------ cells

    def claim(self, key, finished=False):
        """Take the cell ``key`` for this run, unless another run holds it or it is finished.

        ``finished=True`` takes a finished cell too (to add metrics to it).

        Returns
        -------
        taken : bool
            True when this run now holds the cell (until :meth:`release`).
        """
        if key in self._claims:
            return True
        lock = FileLock(self._locks / f"{key}.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        if not finished and (self.cells / f"{key}.json").exists():  # another run finished it
            lock.release()
            return False
        for stale in self.cells.glob(glob.escape(f".{key}.json.") + "*.tmp"):
            stale.unlink(missing_ok=True)  # left by a run killed while writing this cell
        self._claims[key] = lock
        return True

    def release(self, key):
        """Let other runs take the cell ``key`` again."""
        lock = self._claims.pop(key, None)
        if lock is not None:
            lock.release()

    def wait_for(self, key):
        """Wait until no run holds the cell ``key`` (it is finished, or its run ended)."""
        with FileLock(self._locks / f"{key}.lock"):
            pass

    def model_path(self, key):
        """Where the trained weights of the cell ``key`` are kept: ``models/<key>.pt``."""
        return self.models / f"{key}.pt"

    def save_model(self, key, weights):
        """Write the cell ``key``'s weights (a saved state dict's bytes) atomically."""
        self.models.mkdir(exist_ok=True)
        atomic_write(self.model_path(key), lambda f: f.write(weights), binary=True)

    def save_cell(self, record):
        """Write one finished cell (a :class:`CellRecord` or its dict) atomically.

        A record without a configuration gets the folder's; a record of another
        grid (a run asking for fewer or other cells) is the same study.

        Raises
        ------
        ValueError
            If the record's configuration differs from the folder's.
        """
        record = as_record(record)
        if not record.config:
            record = dataclasses.replace(record, config=self.config)
        elif self._differences(self.config, record.config):
            raise ValueError(f"refusing to write {record.key} into {self.root}: its "
                             "configuration differs from study.json.")
        atomic_write_text(self.cells / f"{record.key}.json",
                          json.dumps(record.to_dict(), indent=2, sort_keys=True))

    def _check_cell(self, path):
        """The record in ``path``, or the reason it cannot be used (a str)."""
        try:
            record = as_record(json.loads(path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return f"not valid JSON ({exc})"
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            return f"not a cell record ({exc})"
        own = cell_key(record.method, record.fraction, record.regime, record.seed)
        if own != path.stem or record.key != path.stem:
            return f"it holds the cell {own}, not {path.stem}"
        diff = self._differences(self.config, record.config)
        if diff:
            return "its configuration differs from study.json: " + "; ".join(diff[:3]).replace(
                "(now)", "(cell)")
        return record

    def read_cell(self, key):
        """The usable record of the cell ``key``, or None (missing or damaged)."""
        path = self.cells / f"{key}.json"
        checked = self._check_cell(path) if path.is_file() else None
        return None if isinstance(checked, str) else checked

    def scan_cells(self):
        """Every cell file, checked against ``study.json`` and against its file name.

        Returns
        -------
        records : list of CellRecord
            The usable cells, sorted by key.
        damaged : list of (Path, str)
            The others and why each cannot be used (truncated or invalid JSON, a
            record stored under another cell's name, another configuration).
        """
        records, damaged = [], []
        for path in sorted(self.cells.glob("*.json")):
            checked = self._check_cell(path)
            if isinstance(checked, str):
                damaged.append((path, checked))
            else:
                records.append(checked)
        return records, damaged

    def set_aside(self, damaged):
        """Move damaged cell files into ``damaged/``, with a warning each: their cells run again.

        Parameters
        ----------
        damaged : list of (Path, str)
            From :meth:`scan_cells`.
        """
        if not damaged:
            return
        self.damaged.mkdir(exist_ok=True)
        with self._config_lock():
            for path, reason in damaged:
                target, n = self.damaged / path.name, 1
                while target.exists():
                    target, n = self.damaged / f"{path.stem}.{n}{path.suffix}", n + 1
                try:
                    os.replace(path, target)
                except FileNotFoundError:
                    continue  # another run moved it
                logger.warning("%s is damaged: %s; moved to %s, its cell runs again",
                               path, reason, target)

    def finished_keys(self):
        """Keys of the usable cells already written."""
        return {r.key for r in self.scan_cells()[0]}

    def load_cells(self):
        """All usable finished cells as :class:`CellRecord`, sorted by key.

        Damaged cell files (see :meth:`scan_cells`) are left out, with a warning each.
        """
        records, damaged = self.scan_cells()
        for path, reason in damaged:
            logger.warning("left out %s: %s", path, reason)
        return records
