"""run_study: every (method, fraction, regime, seed) cell, resumable, serial or parallel."""

import dataclasses
import logging
import os
import time
from contextlib import ExitStack, contextmanager

from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from ._cells import FULL, Cell, run_cell
from ._methods import MATCHED_CONTROL, check_methods, prepare_proxies
from ._recipes import load_dataset, recipe_for
from ._scores import load_scores
from ._store import StudyStore, atomic_write_text
from ._summary import differences_csv, summary_csv, summary_markdown

__all__ = ["StudyResult", "run_study", "study_config", "write_report"]

logger = logging.getLogger("sk_easycore.experiments")

REGIMES = ("standard", "trades", "pgd")
BUDGETS = ("epochs", "steps")


def study_config(dataset="digits", methods=("easycore", "random"), fractions=(0.1, 0.3, 0.5),
                 regimes=("standard",), attacks=("fgsm", "pgd"), eps=None, seeds=3,
                 budget="epochs", scoring_runs=1, class_balanced=True, data_root=None,
                 scores=None, **recipe_overrides):
    """The full, validated, JSON-serialisable configuration of a study.

    EasyCore's class-matched random control is added whenever ``easycore`` is a
    method; the full-data model is always a row and is not listed.

    Parameters
    ----------
    dataset : str, default="digits"
        A key of ``DATASETS``.
    methods : sequence of str, default=("easycore", "random")
        Coreset methods, names of ``METHOD_NAMES``.
    fractions : sequence of float, default=(0.1, 0.3, 0.5)
        Coreset fractions, each in (0, 1).
    regimes : sequence of {"standard", "trades", "pgd"}, default=("standard",)
        How target models are trained.
    attacks : sequence of {"fgsm", "pgd", "autoattack"}, default=("fgsm", "pgd")
        The attacks every model faces.
    eps : sequence of float or None, default=None
        Evaluation budgets (L-inf, input units); None uses the recipe's.
    seeds : int or sequence of int, default=3
        A count (seeds ``0 .. seeds - 1``) or the seeds.
    budget : {"epochs", "steps"}, default="epochs"
        Coreset models train the recipe's epochs, or as many optimizer steps
        as the full-data model.
    scoring_runs : int, default=1
        Proxies GraNd and EL2N average over.
    class_balanced : bool, default=True
        Select within every class.
    data_root : str, Path or None, default=None
        CIFAR's local folder.
    scores : str, Path or None, default=None
        A file of :func:`save_scores` to take AIGN and forgetting from.
    **recipe_overrides
        :class:`Recipe` fields (``epochs``, ``lr``, ``batch_size``,
        ``proxy_epochs``, ...) overriding the dataset's recipe.

    Returns
    -------
    config : dict
        The settings as stored in the study folder's ``study.json``.

    Examples
    --------
    >>> config = study_config(methods=("easycore", "random"), seeds=2, epochs=5)
    >>> config["methods"], config["seeds"], config["recipe"]["epochs"]
    (['easycore', 'random', 'matched_random'], [0, 1], 5)
    """
    recipe = recipe_for(dataset).replace(eps=eps, **recipe_overrides)
    methods = check_methods(methods)
    if "easycore" in methods and MATCHED_CONTROL not in methods:
        methods.append(MATCHED_CONTROL)
    for name, values, allowed in (("regimes", regimes, REGIMES),
                                  ("attacks", attacks, ("fgsm", "pgd", "autoattack"))):
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise ValueError(f"{name} must be a non-empty subset of {allowed}; got {list(values)}.")
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}.")
    fractions = [float(f) for f in fractions]
    if not fractions or any(not 0 < f < 1 for f in fractions):
        raise ValueError(f"fractions must lie in (0, 1) (the full data is always a row of "
                         f"the table); got {fractions}.")
    seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seeds or int(scoring_runs) < 1:
        raise ValueError("seeds and scoring_runs must be at least 1.")
    if any(e <= 0 for e in recipe.eps):
        raise ValueError(f"eps must be positive; got {list(recipe.eps)}.")
    return {
        "dataset": dataset, "data_root": None if data_root is None else os.fspath(data_root),
        "methods": methods, "fractions": fractions, "regimes": list(regimes),
        "attacks": list(attacks), "seeds": seeds, "budget": budget,
        "scoring_runs": int(scoring_runs), "class_balanced": bool(class_balanced),
        "scores": None if scores is None else os.fspath(scores),
        "recipe": {**dataclasses.asdict(recipe), "eps": list(recipe.eps)},
    }


def study_cells(config):
    """Every cell of a study, full-data rows included, seed-major order."""
    cells = []
    for seed in config["seeds"]:
        for regime in config["regimes"]:
            cells.append(Cell(FULL, 1.0, regime, seed))
            cells += [Cell(m, f, regime, seed) for m in config["methods"]
                      for f in config["fractions"]]
    return cells


class StudyResult:
    """The records of a study folder and their summary.

    Made by :func:`run_study` and :func:`write_report`; ``print(result)`` gives
    the summary tables.

    Parameters
    ----------
    out : Path
        The study folder.
    records : list of dict
        One per finished cell.

    Attributes
    ----------
    records : list of dict
        One per finished cell.
    out : Path
        The study folder.

    Examples
    --------
    >>> result = StudyResult("results/toy", [
    ...     {"regime": "standard", "method": "random", "fraction": 0.3, "seed": 0,
    ...      "metrics": {"clean": 0.9}}])
    >>> print(result.markdown().splitlines()[4])
    | standard | random | 0.3 | 90.0 +- n/a (1) |
    """

    def __init__(self, out, records):
        self.out, self.records = out, records

    def markdown(self):
        """The summary table as Markdown."""
        return summary_markdown(self.records)

    def __str__(self):
        return self.markdown()


@contextmanager
def _log_to(path):
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger("sk_easycore")
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous or logging.INFO, logging.INFO))
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def _run_one(config, cell, proxy_memory, threads):
    if threads is not None:  # a worker process: share the cores among the workers
        import torch

        torch.set_num_threads(threads)
    start = time.perf_counter()
    record = run_cell(config, cell, proxy_memory)
    record["timings"]["total_s"] = time.perf_counter() - start
    return record


def run_study(out, *, n_jobs=1, dask_scheduler=None, verbose=1, **config_params):
    """Run (or resume) a study and write its report; return a :class:`StudyResult`.

    Parameters
    ----------
    out : str or Path
        The study folder. Finished cells found there are skipped; a folder holding
        a different configuration is refused.
    n_jobs : int, default=1
        Cells run in this many processes on this machine (torch threads per
        process: the machine's cores divided by ``n_jobs``; more threads than
        cores make OpenMP threads spin against each other and slow torch down
        many times over).
    dask_scheduler : str or None, default=None
        Address of a running Dask distributed scheduler: cells are sent to its
        workers through joblib's Dask backend (needs the ``distributed`` package),
        one torch thread per cell, as many cells at once as the workers have
        threads. Proxies are trained here first and read by the workers from the
        study folder, which must therefore be on a filesystem they share.
    verbose : int, default=1
        0: silent; 1: a progress bar over cells.
    **config_params
        The study's settings, see :func:`study_config`.

    Returns
    -------
    result : StudyResult
        Every finished cell's record.

    See Also
    --------
    study_config : The settings.
    write_report : The summary files and figures, written at the end of every run.

    Examples
    --------
    A tiny study: random 30% coresets against the full data, one seed, one epoch.

    >>> import tempfile
    >>> result = run_study(tempfile.mkdtemp(), verbose=0, methods=["random"], fractions=[0.3],
    ...                    attacks=["fgsm"], eps=[0.1], seeds=1, epochs=1)
    >>> sorted((r["method"], r["fraction"]) for r in result.records)
    [('full', 1.0), ('random', 0.3)]
    >>> sorted(p.name for p in result.out.glob("*.png"))
    ['robustness_standard_fgsm.png', 'summary.png']
    """
    config = study_config(**config_params)
    store = StudyStore(out)
    store.open(config)
    cells = study_cells(config)
    done = store.finished_keys()
    pending = [c for c in cells if c.key not in done]
    with _log_to(store.log_path):
        logger.info("study in %s: %d cells, %d finished, %d to run", out, len(cells),
                    len(cells) - len(pending), len(pending))
        if pending:
            data = load_dataset(config["dataset"], config["data_root"])
            scores_file = None if config["scores"] is None else load_scores(
                config["scores"], data[0], data[1])
            # Proxies first, once per seed: the cells then read them from the disk cache.
            prepare_proxies(config, data, os.fspath(store.proxies), scores_file, verbose)
            _run_pending(config, pending, store, n_jobs, dask_scheduler, verbose)
        result = write_report(out)
    return result


def _run_pending(config, pending, store, n_jobs, dask_scheduler, verbose):
    threads = None  # serial: leave the caller's torch threads alone
    if dask_scheduler is not None:
        threads = 1  # a Dask worker runs one cell per worker thread
    elif n_jobs != 1:
        n_workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
        threads = max(1, (os.cpu_count() or 1) // n_workers)
    proxy_memory = os.fspath(store.proxies)
    bar = tqdm(total=len(pending), desc="cells", unit="cell", disable=not verbose)
    with ExitStack() as stack:
        if dask_scheduler is not None:
            from distributed import Client

            stack.enter_context(Client(dask_scheduler))
            stack.enter_context(parallel_config(backend="dask"))
            n_jobs = -1
        tasks = (delayed(_run_one)(config, cell, proxy_memory, threads) for cell in pending)
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)
        for record in results:
            store.save_cell(record["key"], record)
            bar.set_postfix_str(record["key"])
            bar.update(1)
            logger.info("finished %s in %.1f s", record["key"], record["timings"]["total_s"])
    bar.close()


def write_report(out):
    """Write ``summary.md``, ``summary.csv``, ``differences.csv`` and the figures of a study.

    The figures (``summary.png`` and one ``robustness_<regime>_<attack>.png`` per
    regime and attack, see :func:`sk_easycore.plotting.save_study_figures`) are
    written beside ``summary.md``, which embeds them. Every file is written
    atomically.

    Parameters
    ----------
    out : str or Path
        A study folder.

    Returns
    -------
    result : StudyResult
        The folder's records.

    Examples
    --------
    >>> import tempfile
    >>> from sk_easycore.experiments._store import StudyStore
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> store.open({"dataset": "digits"})
    >>> for method, fraction, clean in [("random", 0.3, 0.9), ("full", 1.0, 0.97)]:
    ...     store.save_cell(f"{method}", {"regime": "standard", "method": method, "seed": 0,
    ...                     "fraction": fraction, "metrics": {"clean": clean, "pgd@0.1": 0.5}})
    >>> result = write_report(store.root)
    >>> sorted(p.name for p in store.root.glob("*.*"))  # doctest: +NORMALIZE_WHITESPACE
    ['differences.csv', 'robustness_standard_pgd.png', 'study.json', 'summary.csv',
     'summary.md', 'summary.png']
    >>> "![summary](summary.png)" in (store.root / "summary.md").read_text()
    True
    """
    from ..plotting import save_study_figures

    store = StudyStore(out)
    store.load_config()
    records = store.load_cells()
    result = StudyResult(store.root, records)
    if records:
        figures = [p.name for p in save_study_figures(store.root, records)]
        atomic_write_text(store.root / "summary.md", summary_markdown(records, figures=figures))
        atomic_write_text(store.root / "summary.csv", summary_csv(records))
        atomic_write_text(store.root / "differences.csv", differences_csv(records))
    return result
