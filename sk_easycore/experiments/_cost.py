"""What a study would cost, before it runs: the dry run's counts and its estimated device time.

The counts follow the study's own logic (:func:`study_cells`, the coreset sizes of
:func:`~sk_easycore.base.selection_groups`, :func:`target_epochs` under the budget, the
class-matched control trained once), and the time is those counts times the rates
:func:`~sk_easycore.experiments._calibrate.calibrate` measures on this device::

    training  = sum over models of  batches x s_per_batch[regime] + fixed[regime]
    proxies   = proxy batches x s_per_batch[standard] + fixed[standard] per proxy
    attacks   = sum over models, attacks and eps of  images x steps x s_per_image_step + fixed
    autoattack = models x eps x images x s_per_image[autoattack]   (an order of magnitude)

Nothing is written: an existing folder is only read, to count its finished cells.
"""

import dataclasses
import json
import math
from pathlib import Path

from ..base import selection_groups
from ..results import FULL, config_differences
from ._calibrate import AUTOATTACKS, calibrate
from ._cells import Cell, study_cells, target_epochs
from ._grow import covering, missing_metrics
from ._methods import MATCHED_CONTROL, METHODS, _accepted, selector_ref

__all__ = ["StudyPlan", "plan_study"]


@dataclasses.dataclass(frozen=True)
class Training:
    """The target models of one (regime, fraction): how many, on how many rows, how long."""

    regime: str
    fraction: float
    models: int
    rows: int
    epochs: int
    batches: int  # per model


@dataclasses.dataclass(frozen=True)
class StudyPlan:
    """What a study still has to do, and how long that should take on this device.

    Made by ``run_study(..., dry_run=True)``; ``print(plan)`` gives the report
    the command line prints with ``--dry-run``.

    Parameters
    ----------
    out : Path
        The study folder (read, never written).
    n_cells, n_finished : int
        Cells of the study, and those already in the folder.
    pending : tuple of str
        Keys of the cells still to run.
    n_copies : int
        Pending cells whose coreset is another's (the class-matched control
        under class-balanced selection draws random's rows): recorded, not trained.
    batch_size : int
        Rows per training batch (the recipe's or the network's).
    proxies : tuple of (int, int, int)
        ``(seed, epochs, batches)`` of each proxy training still needed (fewer
        if ``proxies/`` already caches them).
    trainings : tuple of Training
        Target models to train, by regime and fraction.
    attack_work : dict
        ``{attack: image-steps}`` of FGSM and PGD over every model and eps.
    autoattack_images : dict
        ``{attack: images}`` AutoAttack runs on, over every model and eps.
    calibration : Calibration
        The measured rates.
    seconds : dict
        Estimated device seconds: ``proxies``, one entry per regime,
        ``attacks`` and each AutoAttack.
    n_jobs : int
        Cell processes of the run (the estimate is device time, summed over them).
    devices : tuple of str
        The CUDA devices the cells would run on (none: this machine's CPU).
    measured : tuple of str
        Finished cells asked for new attacks or eps, measured on their kept
        weights (nothing trained).
    retrained : tuple of str
        Finished cells asked for new attacks or eps whose weights are not kept:
        trained again (counted in ``trainings``).

    Examples
    --------
    >>> import tempfile
    >>> from sk_easycore.experiments import run_study
    >>> plan = run_study(tempfile.mkdtemp(), "digits", dry_run=True, verbose=0,
    ...                  methods=["random"], fractions=[0.3], seeds=1, epochs=1,
    ...                  attacks=["fgsm"], eps=[0.1], frontier=())
    >>> plan.pending, plan.attack_work
    (('full__f1__standard__s0', 'random__f0.3__standard__s0'), {'fgsm': 900})
    >>> print(plan)  # doctest: +ELLIPSIS
    dry run of ...: nothing trained, nothing written
    cells: 2 in the study, 0 finished, 2 to run (2 models to train, 0 sharing another cell's coreset)
    ...
    """

    out: Path
    n_cells: int
    n_finished: int
    pending: tuple
    n_copies: int
    batch_size: int
    proxies: tuple
    trainings: tuple
    attack_work: dict
    autoattack_images: dict
    calibration: object
    seconds: dict
    n_jobs: int = 1
    devices: tuple = ()
    measured: tuple = ()
    retrained: tuple = ()

    @property
    def total_seconds(self):
        """The estimated device time of everything still to run, in seconds."""
        return float(sum(self.seconds.values()))

    def __str__(self):
        rates = self.calibration.rates
        lines = [f"dry run of {self.out}: nothing trained, nothing written",
                 f"cells: {self.n_cells} in the study, {self.n_finished} finished, "
                 f"{len(self.pending)} to run ({len(self.pending) - self.n_copies} models to "
                 f"train, {self.n_copies} sharing another cell's coreset)"]
        if self.measured or self.retrained:
            lines.append(f"finished cells asked for new attacks or eps: {len(self.measured)} "
                         f"measured on their kept weights, {len(self.retrained)} trained again "
                         "(no weights kept)")
        if self.proxies:
            epochs = sum(e for _, e, _ in self.proxies)
            lines.append(f"proxies: {len(self.proxies)} trainings on the full data, "
                         f"{epochs} epochs, {sum(b for _, _, b in self.proxies)} batches of "
                         f"{self.batch_size} (fewer if proxies/ caches some)")
        if self.trainings:
            lines.append(f"target models:  {'regime':<9} {'fraction':>8} {'models':>6} "
                         f"{'rows':>7} {'epochs':>6} {'batches':>10}")
            for t in self.trainings:
                lines.append(f"                {t.regime:<9} {t.fraction:>8g} {t.models:>6} "
                             f"{t.rows:>7} {t.epochs:>6} {t.models * t.batches:>10}")
        for attack, work in self.attack_work.items():
            lines.append(f"attack {attack}: {work:,} image x step")
        for attack, images in self.autoattack_images.items():
            lines.append(f"{attack}: {images:,} images (its cost per image is not a number "
                         "of steps)")
        lines.append(f"calibration on {self.calibration.device} "
                     f"({self.calibration.seconds:.1f} s):")
        for path, rate in rates.items():
            fixed = f" + {rate.fixed:.3g} s per run" if rate.fixed else ""
            note = f" ({rate.note})" if rate.note else ""
            lines.append(f"  {path:<15} {rate.per_unit:.4g} s per {rate.unit}{fixed}{note}")
        parts = ", ".join(f"{k} {_duration(v)}" for k, v in self.seconds.items())
        where = (f"{self.n_jobs} processes on {', '.join(self.devices)}" if self.devices
                 else f"{self.n_jobs} process(es) on this machine's CPU")
        lines.append(f"estimated device time: {_duration(self.total_seconds)} ({parts}); "
                     f"summed over the cells, which --n-jobs spreads over {where}")
        if any(a in AUTOATTACKS for a in self.seconds):
            lines.append("  AutoAttack's part is an order of magnitude: an image a trained "
                         "model gets wrong costs nothing, one it keeps robust runs all four "
                         "attacks, one broken by the first stops there")
        return "\n".join(lines)


def _duration(seconds):
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _finished(out, config):
    """Usable finished cells of an existing folder, read only; another study is refused."""
    from ..results import StudyStore, study_identity

    store = StudyStore(out)
    if not store.config_path.exists():
        return {}, store
    stored = store.load_config()
    diff = config_differences(study_identity(stored), study_identity(
        json.loads(json.dumps(config.to_dict(), sort_keys=True))))
    if diff:
        raise ValueError(f"{out} holds results of a different study; a run would refuse it. "
                         "Differences:\n  " + "\n  ".join(diff))
    return {r.key: r for r in store.scan_cells()[0]}, store


def _growing(config, cells, finished, store):
    """``(measured, retrained)``: finished cells lacking a metric, by whether weights are kept.

    ``measured`` maps a key to the ``(attack, eps)`` measured on its kept weights;
    ``retrained`` lists the cells trained again (no weights kept).
    """
    measured, retrained = {}, []
    for cell in cells:
        record = finished.get(cell.key)
        if record is None or not missing_metrics(record, config):
            continue
        root = finished.get(record.same_coreset_as, record)
        missing = missing_metrics(root, config)
        if not missing or root.key in measured or any(c.key == root.key for c in retrained):
            continue
        if store.model_path(root.key).is_file():
            measured[root.key] = missing
        else:
            retrained.append(Cell(root.method, root.fraction, root.regime, root.seed))
    return measured, retrained


def _needs_proxy(method):
    factory = METHODS[method]
    accepted = _accepted(factory.resolve() if isinstance(factory, selector_ref) else factory)
    return accepted is None or "proxy" in accepted or "scorer" in accepted


def _coreset_rows(y, fraction, class_balanced):
    return sum(k for _, k in selection_groups(y, fraction, class_balanced))


def plan_study(out, config, data, net=None, *, n_jobs=1, devices=(), calibration=None):
    """The dry run of a study: its pending cells, their work and its estimated device time.

    Parameters
    ----------
    out : str or Path
        The study folder (only read, if it exists).
    config : StudyConfig
    data : StudyData
    net : None, skorch net or callable, default=None
        The study's network.
    n_jobs : int, default=1
        Cell processes of the run (reported).
    devices : sequence of str, default=()
        CUDA devices of the run (reported).
    calibration : Calibration or None, default=None
        Rates measured before; None measures them now (:func:`calibrate`).

    Returns
    -------
    plan : StudyPlan
    """

    out = Path(out)
    cells = study_cells(config)
    finished, store = _finished(out, config)
    pending = [c for c in cells if c.key not in finished]
    measured, retrained = _growing(config, cells, finished, store)
    recipe = config.recipe
    if calibration is None:
        calibration = calibrate(config, net, data)
    rates = calibration.rates
    batch_size = calibration.batch_size
    y, n_full, n_test = data.y_train, len(data.y_train), len(data.y_test)

    randoms = {(c.regime, c.fraction, c.seed) for c in cells if c.method == "random"}
    copies = [c for c in pending if c.method == MATCHED_CONTROL and config.class_balanced
              and (c.regime, c.fraction, c.seed) in randoms]
    trained = [c for c in pending if c not in copies] + retrained
    proxies = []
    if config.scores is None:
        for seed in config.seeds:
            if any(c.seed == seed and c.method != FULL and _needs_proxy(c.method)
                   for c in pending):
                epochs = recipe.proxy_epochs * config.scoring_runs
                proxies.append((seed, epochs, epochs * math.ceil(n_full / batch_size)))

    groups = {}
    for cell in trained:
        rows = n_full if cell.method == FULL else _coreset_rows(y, cell.fraction,
                                                                config.class_balanced)
        epochs = target_epochs(config, rows, n_full)
        key = (cell.regime, cell.fraction, rows, epochs)
        groups[key] = groups.get(key, 0) + 1
    trainings = tuple(Training(r, f, m, rows, e, e * math.ceil(rows / batch_size))
                      for (r, f, rows, e), m in sorted(groups.items(), key=lambda i: (
                          config.regimes.index(i[0][0]), -i[0][1])))

    seconds = {}
    if proxies:
        seconds["proxies"] = sum(rates["standard"].seconds(b, 1) for _, _, b in proxies)
    for regime in config.regimes:
        mine = [t for t in trainings if t.regime == regime]
        seconds[regime] = sum(rates[regime].seconds(t.models * t.batches, t.models)
                              for t in mine)
    # every (model, attack, eps) measured: all of a trained model's, the missing ones of the rest
    # (a cell trained again measures its old metrics too: covering's attacks and budgets)
    runs = {a: (len(trained) - len(retrained)) * len(recipe.eps) for a in config.attacks}
    for cell in retrained:
        again = covering(config, finished[cell.key])
        for attack in again.attacks:
            runs[attack] = runs.get(attack, 0) + len(again.recipe.eps)
    for missing in measured.values():
        for attack, _ in missing:
            runs[attack] += 1
    steps = {"fgsm": 1, "pgd": recipe.eval_max_iter}
    attack_work = {a: n * n_test * steps[a] for a, n in runs.items() if a in steps}
    seconds["attacks"] = sum(rates["attack_step"].seconds(runs[a] * n_test * steps[a], runs[a])
                             for a in attack_work)
    aa_images = getattr(config, "autoattack_samples", None) or n_test
    autoattack = {a: n * min(aa_images, n_test) for a, n in runs.items() if a in AUTOATTACKS}
    for attack, images in autoattack.items():
        seconds[attack] = rates[attack].seconds(images, 0)
    return StudyPlan(out=out, n_cells=len(cells), n_finished=len(cells) - len(pending),
                     pending=tuple(c.key for c in pending), n_copies=len(copies),
                     batch_size=batch_size, proxies=tuple(proxies), trainings=trainings,
                     attack_work=attack_work, autoattack_images=autoattack,
                     calibration=calibration, seconds=seconds, n_jobs=n_jobs,
                     devices=tuple(devices), measured=tuple(measured),
                     retrained=tuple(c.key for c in retrained))
