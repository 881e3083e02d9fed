"""run_study: every (method, fraction, regime, seed) cell, resumable, growable, in parallel.

A study runs in two phases. Here, in the calling process: the data is loaded, every
seed's proxy is trained once (cached in ``<out>/proxies/``) and every pending cell's
coreset is selected from it. Then the cells, each a :class:`CellTask` carrying its
coreset, data source and network, train and attack their models, here or in worker
processes or on a Dask cluster (:mod:`._dispatch`). Cells whose coresets are identical
(the class-matched control under class-balanced selection draws exactly ``random``'s
rows) are trained once and recorded for each, marked ``same_coreset_as``. A finished
cell asked for new attacks or budgets is measured on its kept weights (:mod:`._grow`).
"""

import dataclasses
import logging
import os
import time
from pathlib import Path

from tqdm.auto import tqdm

from ..results import FULL, StudyStore, check_study_folder, config_differences, method_order
from ..scoring import AveragedDynamics, PrecomputedDynamics, TrainingDynamics
from ._cells import describe_net, net_epochs, study_cells, study_net
from ._config import DEFAULT_FRONTIER, Recipe, StudyConfig
from ._data import default_recipe, resolve_data
from ._dispatch import placement, plan_tasks, rewrite_copies, run_tasks
from ._environment import environment
from ._grow import GrowTask, grid_order, missing_metrics
from ._guards import check_column_scales, usable_frontier
from ._log import log_to
from ._methods import build_selector
from ._netcheck import check_net
from ._registry import RECIPES, named_recipe
from ._report import _write_report, write_report

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


def _select_coresets(config, pending, net, data, memory, verbose):
    """Select every pending cell's coreset here, from the seed's shared proxy."""
    proxies = {}
    jobs = {(c.method, c.fraction, c.seed) for c in pending if c.method != FULL}
    order = sorted(jobs, key=lambda j: (j[2], method_order(j[0]), j[1]))
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
              devices=None, dask_scheduler=None, dry_run=False, keep_models=True, verbose=1,
              **params):
    """Run (or resume) a study and write its report; return a :class:`StudyResult`.

    Parameters
    ----------
    out : str or Path
        The study folder. Finished cells found there are skipped; a folder
        holding other data, another network or another recipe is refused,
        naming what differs. A folder of the same study grows: more methods,
        fractions, regimes, seeds, attacks or budgets than it holds compute
        only the new cells and metrics, and ``study.json`` and the report hold
        everything the folder holds.
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
    keep_models : bool, default=True
        Keep every trained cell's weights in ``<out>/models/<key>.pt`` (a
        ResNet-18 takes 45 MB, the digits CNN 0.6 MB), so that a later
        run asking for new attacks or budgets measures them on these weights
        instead of training the cell again. Not part of the study's identity.
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
    devices = placement(devices, dask_scheduler)
    if not dry_run:
        check_study_folder(out)  # before the data is loaded: a bad --out fails at once
    config, source, loaded = prepare_study(data, net=net, data_root=data_root, recipe=recipe,
                                           **params)
    if dry_run:
        from ._cost import plan_study

        return plan_study(out, config, loaded, net, n_jobs=n_jobs, devices=devices)
    store = StudyStore(out)
    # where the proxies are trained and the coresets selected (each cell records its own)
    here = environment(_net_device(net, loaded, config))
    store.open({**config.to_dict(), "environment": here}, order=grid_order())
    try:
        with log_to(store.log_path):
            first = store.load_config().get("environment")
            if first is not None and first != here:
                logger.warning("this run's environment differs from the first run's in %s (%s): "
                               "its numbers may differ in the last bits and beyond", out,
                               "; ".join(config_differences(first, here)))
            check_column_scales(loaded.X_train, config.recipe, own_net=net is not None)
            _run_pending(store, config, net, loaded, source, n_jobs, dask_scheduler, verbose,
                         devices, keep_models)
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
                 devices=(), keep=True):
    """Run the cells no run has finished, sharing them with any other run of this study.

    Each round sets damaged cell files aside, takes (file-locks) the unfinished
    cells no other run holds, and the finished ones lacking a metric this run
    asks for, and runs them; when other runs hold all of them, it waits for one
    and looks again.
    """
    cells = study_cells(config)
    first, tried = True, set()
    while True:
        records, damaged = store.scan_cells()
        store.set_aside(damaged)
        finished = {r.key: r for r in records}
        pending = [c for c in cells if c.key not in finished]
        growing = _growing(config, cells, finished, tried)
        if first:
            logger.info("study in %s: %d cells, %d finished, %d to run, %d to measure again",
                        store.root, len(cells), len(cells) - len(pending), len(pending),
                        len(growing))
            first = False
        if not pending and not growing:
            return
        mine = [c for c in pending if store.claim(c.key)]
        grow = [k for k in growing if store.claim(k, finished=True)]
        if not mine and not grow:
            waited = pending[0].key if pending else growing[0]
            logger.info("another run holds the %d cells left; waiting for %s",
                        len(pending) + len(growing), waited)
            store.wait_for(waited)
            continue
        try:
            grow_tasks = []
            for key in grow:
                tried.add(key)
                record = store.read_cell(key)  # as it is now that this run holds it
                if record is None:
                    continue
                if not missing_metrics(record, config):  # its copies lag behind it
                    rewrite_copies(store, record, finished.values())
                    continue
                grow_tasks.append(GrowTask.create(config, record, source, net))
                if not store.model_path(key).is_file():
                    logger.info("%s: no weights of it are kept; it is trained again to "
                                "measure new metrics", key)
            selections = _select_coresets(config, mine, net, loaded, os.fspath(store.proxies),
                                          verbose)
            tasks, copies = plan_tasks(config, mine, finished, selections, source, net,
                                       grow_tasks)
            run_tasks(tasks, copies, store, n_jobs, dask_scheduler, verbose, devices, keep)
        finally:
            for key in [c.key for c in mine] + grow:
                store.release(key)


def _growing(config, cells, finished, tried):
    """Keys of the finished cells to measure again: those lacking a metric, or their source.

    A copy (``same_coreset_as``) grows through the cell whose coreset it repeats;
    one whose source holds the metrics already is rewritten from it. A cell this
    run has tried already is left (with a warning), so a run always ends.
    """
    keys = []
    for cell in cells:
        record = finished.get(cell.key)
        if record is None or not missing_metrics(record, config):
            continue
        source = finished.get(record.same_coreset_as)
        key = record.key if source is None else source.key
        if key in tried:
            logger.warning("%s still lacks %s after this run measured it", cell.key,
                           missing_metrics(record, config))
        elif key not in keys:
            keys.append(key)
    return keys
