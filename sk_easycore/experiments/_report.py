"""The report of a study folder: summary.md, the CSV files and the figures, from its cells."""

import logging

from ..results import (FULL, StudyResult, StudyStore, atomic_write_text, differences_csv,
                       is_writable, summary_csv, summary_markdown)
from ._guards import check_full_model
from ._log import log_to

__all__ = ["write_report"]

logger = logging.getLogger("sk_easycore.experiments")


def write_report(out):
    """Write ``summary.md``, ``summary.csv``, ``differences.csv`` and the figures of a study.

    The figures (``summary.png``, one ``robustness_<regime>_<attack>.png`` per
    regime and attack and, with a random frontier, one ``frontier_<regime>_<attack>.png``;
    see :func:`sk_easycore.plotting.save_study_figures`) are
    written beside ``summary.md``, which embeds them. Every file is written
    atomically. A damaged cell file (invalid JSON, stored under another cell's
    name, or of another configuration than ``study.json``) is named in a
    warning and left out; the next run of the study sets it aside and runs its
    cell again. In a read-only folder nothing is written (a warning says so).
    A full-data model near chance is a
    :class:`~sk_easycore.experiments.NearChanceWarning` and a line in ``study.log``.

    Parameters
    ----------
    out : str or Path
        A study folder.

    Returns
    -------
    result : StudyResult
        The folder's usable records; ``result.damaged`` lists the files left
        out and why, ``result.files`` the files written.

    Examples
    --------
    >>> import tempfile
    >>> from sk_easycore.results import StudyStore
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> store.open({"data": "digits"})
    >>> for method, fraction, clean in [("random", 0.3, 0.9), ("full", 1.0, 0.97)]:
    ...     store.save_cell({"regime": "standard", "method": method, "seed": 0,
    ...                      "fraction": fraction, "metrics": {"clean": clean, "pgd@0.1": 0.5}})
    >>> store.close()
    >>> result = write_report(store.root)
    >>> sorted(p.name for p in store.root.iterdir() if p.is_file())  # doctest: +NORMALIZE_WHITESPACE
    ['differences.csv', 'robustness_standard_pgd.png', 'study.json', 'study.log',
     'summary.csv', 'summary.md', 'summary.png']
    >>> "![summary](summary.png)" in (store.root / "summary.md").read_text()
    True
    """
    store = StudyStore(out)
    store.load_config()  # not a study folder: the error, before a log file is made
    if not is_writable(store.root):  # no study.log either: the report is printed, not written
        return _write_report(out)
    with log_to(store.log_path):
        return _write_report(out)


def _write_report(out):
    from ..plotting import save_study_figures

    store = StudyStore(out)
    config = store.load_config()
    records, damaged = store.scan_cells()
    for path, reason in damaged:
        logger.warning("left out %s: %s", path, reason)
    result = StudyResult(store.root, records, damaged=[(p.name, why) for p, why in damaged])
    if records:
        check_full_model(records)
    if records and not is_writable(store.root):
        logger.warning("%s is read-only: summary.md, the CSV files and the figures are not "
                       "written", store.root)
    elif records:
        # the figures compare coresets: none yet (only full-data cells finished), no figures
        figures = ([p.name for p in save_study_figures(store.root, records, config=config)]
                   if any(r.method != FULL for r in records) else [])
        atomic_write_text(store.root / "summary.md",
                          summary_markdown(records, figures=figures, config=config))
        atomic_write_text(store.root / "summary.csv", summary_csv(records))
        atomic_write_text(store.root / "differences.csv", differences_csv(records, config=config))
        result.files = ["summary.md", "summary.csv", "differences.csv", *figures]
    return result
