"""Growing a study: new metrics of a finished cell, measured on its kept weights.

A folder grows when a run asks for more of the grid than it holds (see
:func:`~sk_easycore.results.grid_union`). New seeds, methods, fractions and regimes are
new cells, run as any other. New attacks and budgets are measurements of cells already
trained: a :class:`GrowTask` rebuilds the cell's model the way :func:`train_cell` built
it, loads the weights kept in ``models/<key>.pt`` (read with
:func:`~sk_easycore.utils.load_weights`, which runs nothing from the file), checks that
it gives the recorded clean accuracy, and measures only the missing metrics, each seeded
as a run measuring all of them at once would seed it. Without kept weights, or with a
clean accuracy that differs, the whole cell is trained again.
"""

import dataclasses
import io
import logging
import time

import numpy as np

from ..data import input_shape
from ..results import Metric, grid_union, method_order
from ..utils import initialize_net, load_weights, torch_seed
from ._cells import Cell, CellTask, target_model, train_cell
from ._config import ATTACKS, REGIMES
from ._evaluate import attack_details, attack_metrics, evaluate

__all__ = ["GrowTask", "grid_order", "grow_cell", "missing_metrics", "model_weights"]

logger = logging.getLogger("sk_easycore.experiments")


def grid_order():
    """The sort keys of the grid's lists kept in display order (the others are sorted)."""
    return {"methods": method_order, "regimes": REGIMES.index, "attacks": ATTACKS.index}


def missing_metrics(record, config):
    """The ``(attack, eps)`` of ``config`` that ``record`` lacks, in the config's order.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from sk_easycore.results import CellRecord
    >>> record = CellRecord("random", 0.3, "standard", 0, {"clean": 0.9, "fgsm@0.1": 0.5})
    >>> config = SimpleNamespace(attacks=("fgsm", "pgd"), recipe=SimpleNamespace(eps=(0.1,)))
    >>> missing_metrics(record, config)
    (('pgd', 0.1),)
    """
    return tuple((attack, eps) for attack in config.attacks for eps in config.recipe.eps
                 if Metric(attack, eps) not in record.metrics)


def covering(config, record):
    """``config`` with the attacks and budgets of ``record``'s metrics added to its own.

    A cell trained again keeps every metric it had. A budget is taken as the
    record's configuration gave it (``2 / 255``), not as its metric's key rounds
    it (``0.007843``), and only when the run's budgets lack it: each metric is
    measured once.

    Examples
    --------
    >>> from sk_easycore.experiments import study_config
    >>> from sk_easycore.results import CellRecord
    >>> config = study_config(methods=["random"], attacks=["pgd"], eps=[2 / 255, 0.1])
    >>> record = CellRecord("random", 0.3, "standard", 0,
    ...                     {"clean": 0.9, "fgsm@0.007843": 0.5, "pgd@0.007843": 0.4},
    ...                     config={"recipe": {"eps": [2 / 255]}})
    >>> again = covering(config, record)
    >>> again.attacks, again.recipe.eps == (2 / 255, 0.1)
    (('fgsm', 'pgd'), True)
    """
    old = [m for m in record.metrics if not m.is_clean]
    attacks = sorted(set(config.attacks) | {m.attack for m in old}, key=ATTACKS.index)
    stored = list(((record.config or {}).get("recipe") or {}).get("eps") or ())
    eps = list(config.recipe.eps)
    for metric in old:
        if not any(Metric(metric.attack, e) == metric for e in eps):
            eps.append(next((e for e in stored if Metric(metric.attack, e) == metric),
                            metric.eps))
    return dataclasses.replace(config, attacks=tuple(attacks),
                               recipe=config.recipe.replace(eps=sorted(set(eps))))


def model_weights(model):
    """The bytes of ``torch.save`` of a trained cell model's state dict (on the CPU)."""
    import torch

    net = getattr(model, "net_", model)  # the adversarial trainer's net, or the net
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in net.module_.state_dict().items()}, buffer)
    return buffer.getvalue()


@dataclasses.dataclass(frozen=True)
class GrowTask:
    """A finished cell a run asks new metrics of.

    Parameters
    ----------
    task : CellTask
        The cell, to train again if need be: its coreset is the record's, its
        configuration the run's, covering the record's own metrics too.
    record : CellRecord
        The cell's record.
    missing : tuple of (str, float)
        The ``(attack, eps)`` to measure.
    weights : bytes or None, default=None
        The kept weights (None: train the cell again).
    """

    task: CellTask
    record: object
    missing: tuple
    weights: bytes = None

    @classmethod
    def create(cls, config, record, source, net, weights=None):
        """The task of ``record`` under the run's ``config``."""
        cell = Cell(record.method, record.fraction, record.regime, record.seed)
        task = CellTask(covering(config, record), cell, record.sample_indices, source, net,
                        record.timings.get("select_s", 0.0))
        return cls(task, record, missing_metrics(record, config), weights)


def restore_model(task, data, indices, epochs, weights, name):
    """The cell's model as :func:`train_cell` built it, with the kept ``weights`` loaded."""
    from sklearn.base import clone

    cell = task.cell
    y = data.y_train[indices]
    model = target_model(task, data, y, epochs)
    if cell.regime == "standard":
        with torch_seed(cell.seed):
            net = initialize_net(model)
    else:  # the fitted state of an AdversarialTrainingClassifier: its net and labels
        net = initialize_net(clone(model.net))
        net.module_.eval()
        model.classes_, model.net_, model.n_iter_ = np.unique(y), net, epochs
        model.input_shape_ = tuple(input_shape(data.X_train)[1:])
    net.module_.load_state_dict(load_weights(weights, name, device=net.device))
    return model


def _measured(grow):
    """The record with the missing metrics measured on the kept weights, or why not (a str)."""
    task, old = grow.task, grow.record
    data = task.source.load()
    indices = (np.arange(len(data.y_train)) if old.sample_indices is None
               else np.asarray(old.sample_indices))
    try:
        model = restore_model(task, data, indices, old.epochs, grow.weights,
                              f"models/{old.key}.pt")
    except (ValueError, RuntimeError) as exc:  # damaged, or another architecture's weights
        return f"its kept weights cannot be loaded ({exc})"
    start = time.perf_counter()
    groups = {}  # attacks by the budgets they lack: one report each
    for attack in dict.fromkeys(a for a, _ in grow.missing):
        groups.setdefault(tuple(e for a, e in grow.missing if a == attack), []).append(attack)
    metrics, details = {}, {}
    for eps, attacks in groups.items():
        report = evaluate(task.config, model, data, task.cell.seed, attacks, eps)
        if report.clean_accuracy != old.metrics[Metric("clean")]:
            return (f"its kept weights give a clean accuracy of {report.clean_accuracy!r}, not "
                    f"the recorded {old.metrics[Metric('clean')]!r}")
        metrics.update(attack_metrics(report))
        details.update(attack_details(report))
    from ._environment import environment

    added = {"metrics": [m.key for m in metrics], "eval_s": time.perf_counter() - start,
             "device": environment(getattr(model, "net_", model).device)["device"]}
    return dataclasses.replace(
        old, metrics={**old.metrics, **metrics}, attack_details={**old.attack_details, **details},
        config=grid_union(old.config, task.config.to_dict(), grid_order()),
        added=[*old.added, added])


def grow_cell(grow):
    """Measure a finished cell's missing metrics: ``(record, model or None, note or None)``.

    On the kept weights when they load and give the recorded clean accuracy
    (the model is None: nothing was trained); otherwise the cell is trained
    again, and the note says why.
    """
    if grow.weights is None:
        note = "no weights of it are kept"
    else:
        measured = _measured(grow)
        if not isinstance(measured, str):
            return measured, None, None
        note = measured
    record, model = train_cell(grow.task)
    return record, model, f"{grow.record.key} is trained again to measure new metrics: {note}"
