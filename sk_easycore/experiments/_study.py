"""run_study: every (method, fraction, regime, seed) cell, resumable, serial or parallel.

A study runs in two phases. Here, in the calling process: the data is loaded, every
seed's proxy is trained once (cached in ``<out>/proxies/``) and every pending cell's
coreset is selected from it. Then the cells, each a :class:`CellTask` carrying its
coreset, data source and network, train and attack their models, here or in worker
processes or on a Dask cluster. Cells whose coresets are identical (the class-matched
control under class-balanced selection draws exactly ``random``'s rows) are trained
once and recorded for each, marked ``same_coreset_as``.
"""

import dataclasses
import hashlib
import logging
import os
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from ..results import (FULL, StudyResult, StudyStore, atomic_write_text, check_study_folder,
                       config_differences, differences_csv, is_writable, summary_csv,
                       summary_markdown)
from ..scoring import AveragedDynamics, PrecomputedDynamics, TrainingDynamics
from ._cells import (Cell, CellTask, describe_net, environment, net_epochs, run_cell,
                     study_cells, study_net)
from ._config import DEFAULT_FRONTIER, Recipe, StudyConfig
from ._data import default_recipe, resolve_data
from ._devices import claimed_device, open_slots, resolve_devices
from ._guards import check_column_scales, check_full_model, usable_frontier
from ._log import log_to
from ._methods import build_selector
from ._netcheck import check_net
from ._registry import RECIPES, named_recipe

__all__ = ["run_study", "study_config", "write_report"]

logger = logging.getLogger("sk_easycore.experiments")

_RECIPE_FIELDS = {f.name for f in dataclasses.fields(Recipe)}
_NET_FIELDS = ("model", "optimizer", "lr", "momentum", "weight_decay", "batch_size",
               "scheduler", "standardize", "precision", "channels_last", "compile")


def prepare_study(data="digits", *, net=None, data_root=None, recipe=None, **params):
    """Resolve and load the data, choose the recipe, check every setting.

    Returns ``(config, source, loaded_data)``; see :func:`run_study` for the
    parameters.
    """
    source = resolve_data(data, data_root)
    loaded = source.load()
    recipe_overrides = {k: params.pop(k) for k in list(params) if k in _RECIPE_FIELDS}
    if isinstance(recipe, str):
        recipe = named_recipe(recipe)
    elif recipe is not None and not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be None, a recipe name ({', '.join(RECIPES)}) or a "
                        f"Recipe; got {type(recipe).__name__}.")
    if recipe is None:
        recipe = (source.recipe if source.recipe is not None
                  else default_recipe(loaded, own_net=net is not None))
    if net is not None:
        check_net(net, loaded)  # a wrong factory or output size: one line, before any training
        epochs = net_epochs(net, loaded)
        own = {k: None for k in _NET_FIELDS
               if k not in ("standardize", "precision", "channels_last", "compile")}
        recipe = dataclasses.replace(recipe, **own, standardize=False, precision="fp32",
                                     channels_last=False, compile=False, epochs=epochs,
                                     proxy_epochs=epochs)
    unknown = set(recipe_overrides) - _RECIPE_FIELDS
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}.")
    if net is not None:
        ignored = sorted(k for k, v in recipe_overrides.items()
                         if k in _NET_FIELDS and v is not None)
        if ignored:
            raise ValueError(f"{ignored} belong to the recipe's own model; with net= your "
                             "network's own settings are used: set them on it.")
    recipe = recipe.replace(**recipe_overrides)
    params["frontier"] = usable_frontier(  # the default grid drops what the data cannot take
        params.get("frontier", DEFAULT_FRONTIER), loaded.y_train,
        params.get("class_balanced", True), given="frontier" in params)
    config = StudyConfig.create(source.name, loaded.fingerprint(), recipe,
                                net=describe_net(net), data_root=source.data_root, **params)
    return config, source, loaded


def study_config(data="digits", *, net=None, data_root=None, **params):
    """The checked configuration a study with these settings would have (nothing is trained).

    Parameters
    ----------
    data : str or tuple, default="digits"
        The data (see :func:`run_study`); it is loaded, to be fingerprinted.
    net : None, skorch net or callable, default=None
        The network (see :func:`run_study`).
    data_root : str or None, default=None
        The folder a registered dataset is read from.
    **params
        The study's settings and recipe overrides (see :func:`run_study`).

    Returns
    -------
    config : StudyConfig

    Examples
    --------
    >>> config = study_config(methods=("easycore", "random"), seeds=2, epochs=5)
    >>> config.methods, config.seeds, config.recipe.epochs
    (('easycore', 'random', 'matched_random'), (0, 1), 5)
    """
    return prepare_study(data, net=net, data_root=data_root, **params)[0]


def make_proxy(config, net, data, seed=None):
    """The study's proxy: a TrainingDynamics of the recipe's (or the user's) network.

    Averaged over ``scoring_runs`` seeds when more than one, or read from the
    scores file when ``config.scores`` is set; every method reads it.

    Parameters
    ----------
    config : StudyConfig
    net : None, skorch net or callable
        The study's network.
    data : StudyData
    seed : int or None, default=None
        The seed the network is built from (see :func:`study_net`).

    Returns
    -------
    proxy : TrainingDynamics, AveragedDynamics or PrecomputedDynamics
        Unfitted and unseeded: each selector seeds it with its cell's seed.

    Examples
    --------
    >>> from sk_easycore.experiments._data import resolve_data
    >>> config = study_config("digits", scoring_runs=2, proxy_epochs=4)
    >>> proxy = make_proxy(config, None, resolve_data("digits").load())
    >>> type(proxy).__name__, proxy.n_runs, proxy.proxy.net.max_epochs
    ('AveragedDynamics', 2, 4)
    """
    proxy_net = study_net(config, net, data, data.n_classes, epochs=config.recipe.proxy_epochs,
                          seed=seed)
    if config.scores is not None:
        return PrecomputedDynamics(config.scores, net=proxy_net)
    proxy = TrainingDynamics(proxy_net)
    if config.scoring_runs > 1:
        proxy = AveragedDynamics(proxy, n_runs=config.scoring_runs)
    return proxy


def _coreset_key(regime, seed, indices):
    return (regime, seed, hashlib.sha1(np.ascontiguousarray(indices, np.int64)).hexdigest())


def _select_coresets(config, pending, net, data, memory, verbose):
    """Select every pending cell's coreset here, from the seed's shared proxy."""
    proxies = {}
    jobs = {(c.method, c.fraction, c.seed) for c in pending if c.method != FULL}
    order = sorted(jobs, key=lambda j: (j[2], config.methods.index(j[0]), j[1]))
    selections = {}
    bar = tqdm(order, desc="coresets", disable=not verbose)
    for method, fraction, seed in bar:
        if seed not in proxies:
            proxies[seed] = make_proxy(config, net, data, seed=seed)
            _show_progress(proxies[seed], verbose)
        # the first selector of a seed trains its proxy: its epochs get a bar of their own
        bar.set_postfix_str(f"{method} f={fraction:g} seed {seed}")
        selector = build_selector(method, proxy=proxies[seed], fraction=fraction,
                                  class_balanced=config.class_balanced, memory=memory,
                                  random_state=seed)
        start = time.perf_counter()
        selector.fit(data.X_train, data.y_train)
        selections[(method, fraction, seed)] = (selector.sample_indices_,
                                                time.perf_counter() - start)
        logger.info("selected %s f=%g seed %d: %d rows", method, fraction, seed,
                    len(selector.sample_indices_))
    return selections


def _show_progress(proxy, verbose):
    """Give the proxy's training a progress bar over epochs (cached fits ignore ``verbose``)."""
    params = proxy.get_params()
    for name in ("verbose", "proxy__verbose"):
        if name in params:
            proxy.set_params(**{name: int(bool(verbose))})
            return


def run_study(out, data="digits", *, net=None, data_root=None, recipe=None, n_jobs=1,
              devices=None, dask_scheduler=None, dry_run=False, verbose=1, **params):
    """Run (or resume) a study and write its report; return a :class:`StudyResult`.

    Parameters
    ----------
    out : str or Path
        The study folder. Finished cells found there are skipped; a folder
        holding another configuration, other data or another network is
        refused, naming what differs.
    data : str or tuple, default="digits"
        A registered dataset (:func:`~sk_easycore.experiments.registered_datasets`;
        add yours with :func:`~sk_easycore.experiments.register_dataset`),
        ``"FILE.npz"`` (arrays ``X_train``, ``y_train``, ``X_test``,
        ``y_test``), ``"imagefolder:ROOT"`` (``ROOT/train`` and ``ROOT/test``),
        the arrays ``(X_train, y_train, X_test, y_test)``, or two map-style
        torch Datasets ``(train, test)`` of ``(x, label)`` items (never loaded
        whole). Arrays become float32; labels are encoded ``0 .. n_classes - 1``.
    net : None, skorch.NeuralNetClassifier or callable, default=None
        The network of every proxy and target model: None takes the recipe's
        model; a net is cloned per cell; a callable is called
        ``net(n_classes, X_example)`` (``X_example``: the first 64 training
        inputs) and returns one. Its module, optimizer, learning rate and
        batch size are used as given; the recipe still sets the epochs
        (default: the net's ``max_epochs``), the attacks and the budgets; every
        net is trained without a validation split. The same seed gives every
        method's model the same initialisation.
    data_root : str or Path or None, default=None
        The folder a registered dataset is read from (CIFAR).
    recipe : None, {"paper", "fast"} or Recipe, default=None
        The recipe every model trains and is attacked by (the fields in
        ``params`` override it): None takes the data's; ``"paper"`` is the
        CIFAR recipe (300 epochs, cosine), ``"fast"`` its 40-epoch one-cycle
        screening version (:data:`~sk_easycore.experiments.RECIPES`). Its
        name is recorded in every cell; a folder of one recipe refuses another.
    n_jobs : int, default=1
        Cells run in this many processes on this machine (torch threads per
        process: the machine's cores divided by ``n_jobs``). On a CUDA machine
        the processes share the GPUs of ``devices``, dealt round-robin.
    devices : None, str or list of str, default=None
        The CUDA devices the cells run on (``"cuda:0,cuda:1"``); None: every
        visible one (none: the CPU). Each running cell holds one of ``n_jobs``
        slots dealt round-robin over them (see ``_devices``); results are those
        of a serial run.
    dask_scheduler : str or None, default=None
        Address of a running Dask distributed scheduler: cells are sent to its
        workers (needs ``distributed``), one torch thread per cell. Coresets are
        selected here first, so the workers need only the data (sent with every
        cell, or read by the registered loader on the worker).
    dry_run : bool, default=False
        Train nothing and write nothing: return the :class:`StudyPlan` of the
        cells still to run, their epochs and attack work, and the device time
        estimated from a short calibration on this device
        (:func:`~sk_easycore.experiments.plan_study`).
    verbose : int, default=1
        0: silent; 1: progress bars over the coresets and the cells.
    **params
        The study's settings (:meth:`StudyConfig.create`): ``methods``,
        ``fractions``, ``regimes``, ``attacks``, ``seeds`` (a count or a list),
        ``budget``, ``scoring_runs``, ``class_balanced``, ``scores``; and any
        :class:`Recipe` field overriding the data's recipe (``epochs``, ``eps``,
        ``proxy_epochs``, ``lr``, ...).

    Returns
    -------
    result : StudyResult or StudyPlan
        Every finished cell's record (a dry run: the plan).

    See Also
    --------
    study_config : The settings, checked.
    write_report : The summary files and figures, written at the end of every run.

    Examples
    --------
    A tiny study: random 30% coresets against the full data, one seed, one epoch.

    >>> import tempfile
    >>> result = run_study(tempfile.mkdtemp(), "digits", verbose=0, methods=["random"],
    ...                    fractions=[0.3], attacks=["fgsm"], eps=[0.1], seeds=1, epochs=1,
    ...                    frontier=())  # no random-coreset frontier: two cells
    >>> sorted((r.method, r.fraction) for r in result.records)
    [('full', 1.0), ('random', 0.3)]
    >>> sorted(p.name for p in result.out.glob("*.png"))
    ['robustness_standard_fgsm.png', 'summary.png']
    """
    out = Path(out).expanduser().resolve()  # workers may run in another folder
    placement = _placement(devices, dask_scheduler)
    if not dry_run:
        check_study_folder(out)  # before the data is loaded: a bad --out fails at once
    config, source, loaded = prepare_study(data, net=net, data_root=data_root, recipe=recipe,
                                           **params)
    if dry_run:
        from ._cost import plan_study

        return plan_study(out, config, loaded, net, n_jobs=n_jobs, devices=placement)
    store = StudyStore(out)
    # where the proxies are trained and the coresets selected (each cell records its own)
    here = environment(_net_device(net, loaded, config))
    store.open({**config.to_dict(), "environment": here})
    try:
        with log_to(store.log_path):
            first = store.load_config().get("environment")
            if first is not None and first != here:
                logger.warning("this run's environment differs from the first run's in %s (%s): "
                               "its numbers may differ in the last bits and beyond", out,
                               "; ".join(config_differences(first, here)))
            check_column_scales(loaded.X_train, config.recipe, own_net=net is not None)
            _run_pending(store, config, net, loaded, source, n_jobs, dask_scheduler, verbose,
                         placement)
            result = _write_report(out)
    finally:
        store.close()
    return result


def _net_device(net, data, config):
    from skorch import NeuralNet

    if net is None:
        return None  # the recipe's nets: default_device()
    if isinstance(net, NeuralNet):
        return net.device
    return study_net(config, net, data, data.n_classes, epochs=1, seed=0).device


def _run_pending(store, config, net, loaded, source, n_jobs, dask_scheduler, verbose,
                 devices=()):
    """Run the cells no run has finished, sharing them with any other run of this study.

    Each round sets damaged cell files aside, takes (file-locks) the unfinished
    cells no other run holds, and runs them; when other runs hold all the
    unfinished cells, it waits for one of them and looks again.
    """
    cells = study_cells(config)
    first = True
    while True:
        records, damaged = store.scan_cells()
        store.set_aside(damaged)
        finished = {r.key: r for r in records}
        pending = [c for c in cells if c.key not in finished]
        if first:
            logger.info("study in %s: %d cells, %d finished, %d to run", store.root, len(cells),
                        len(cells) - len(pending), len(pending))
            first = False
        if not pending:
            return
        mine = [c for c in pending if store.claim(c.key)]
        if not mine:
            logger.info("another run holds the %d unfinished cells; waiting for %s",
                        len(pending), pending[0].key)
            store.wait_for(pending[0].key)
            continue
        try:
            selections = _select_coresets(config, mine, net, loaded, os.fspath(store.proxies),
                                          verbose)
            tasks, copies = _plan(config, mine, finished, selections, source, net)
            _run_tasks(tasks, copies, store, n_jobs, dask_scheduler, verbose, devices)
        finally:
            for cell in mine:
                store.release(cell.key)


def _plan(config, pending, finished, selections, source, net):
    """One task per distinct coreset; the cells repeating one become copies of its record."""
    known = {}
    for record in finished.values():
        if record.sample_indices is not None and record.same_coreset_as is None:
            known[_coreset_key(record.regime, record.seed, record.sample_indices)] = record.key
    tasks, copies = [], {}
    for cell in pending:
        if cell.method == FULL:
            tasks.append(CellTask(config, cell, None, source, net))
            continue
        indices, select_s = selections[(cell.method, cell.fraction, cell.seed)]
        key = _coreset_key(cell.regime, cell.seed, indices)
        if key in known:
            copies.setdefault(known[key], []).append((cell, select_s))
            continue
        known[key] = cell.key
        tasks.append(CellTask(config, cell, indices, source, net, select_s))
    return tasks, copies


def _copy_record(record, cell, select_s):
    timings = {**record.timings, "select_s": float(select_s)}
    return dataclasses.replace(record, method=cell.method, fraction=cell.fraction, key=cell.key,
                               same_coreset_as=record.key, timings=timings)


def _placement(devices, dask_scheduler):
    if dask_scheduler is not None:
        if devices is not None:
            raise ValueError("devices places the cells of --n-jobs on this machine; a Dask "
                             "worker uses the GPU it sees (start one per GPU with "
                             "CUDA_VISIBLE_DEVICES=i).")
        return []
    return resolve_devices(devices)


def _run_one(task, threads, slots=None):
    if threads is not None:  # a worker process: share the cores among the workers
        import torch

        torch.set_num_threads(threads)
    if slots is None:
        return run_cell(task)
    with claimed_device(slots):  # this process's "cuda" is the slot's GPU for the cell
        return run_cell(task)


def _run_tasks(tasks, copies, store, n_jobs, dask_scheduler, verbose, devices=()):
    finished = {r.key: r for r in store.load_cells()}
    for source_key in [k for k in copies if k in finished]:
        for cell, select_s in copies.pop(source_key):
            store.save_cell(_copy_record(finished[source_key], cell, select_s))
    threads = None  # serial: leave the caller's torch threads alone
    n_workers = 1
    if dask_scheduler is not None:
        threads = 1  # a Dask worker runs one cell per worker thread
    elif n_jobs != 1:
        n_workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
        threads = max(1, (os.cpu_count() or 1) // n_workers)
    n_cells = len(tasks) + sum(len(c) for c in copies.values())
    bar = tqdm(total=n_cells, desc="cells", unit="cell", disable=not verbose)
    with ExitStack() as stack:
        slots = open_slots(devices, n_workers, stack)
        if dask_scheduler is not None:
            from distributed import Client

            stack.enter_context(Client(dask_scheduler))
            stack.enter_context(parallel_config(backend="dask"))
            n_jobs = -1
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run_one)(task, threads, slots) for task in tasks)
        for record in results:
            store.save_cell(record)
            store.release(record.key)
            bar.set_postfix_str(record.key)
            bar.update(1)
            logger.info("finished %s in %.1f s", record.key, record.timings["total_s"])
            for cell, select_s in copies.pop(record.key, []):
                store.save_cell(_copy_record(record, cell, select_s))
                store.release(cell.key)
                bar.update(1)
                logger.info("%s: the same coreset as %s, trained once", cell.key, record.key)
    bar.close()


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
        figures = ([p.name for p in save_study_figures(store.root, records)]
                   if any(r.method != FULL for r in records) else [])
        atomic_write_text(store.root / "summary.md",
                          summary_markdown(records, figures=figures, config=config))
        atomic_write_text(store.root / "summary.csv", summary_csv(records))
        atomic_write_text(store.root / "differences.csv", differences_csv(records))
        result.files = ["summary.md", "summary.csv", "differences.csv", *figures]
    return result
