"""Time a few batches of each path a study takes, on this device, through the library's own code.

Each path is timed as a straight line, ``seconds = fixed + per_unit * units``: a
training after a warm-up one, once with 1 batch and once with ``1 + batches``
batches (one epoch each, the study's network, recipe and regime), so that the
difference is the cost of ``batches`` batches and what remains the cost of making
and starting a training; an attack likewise with 1 and ``1 + steps`` PGD steps on
one attack batch of test images. AutoAttack's cost per image is not a number of
steps (each of its four attacks runs only on what the previous left robust), so it
is timed whole on a few images.
"""

import dataclasses
import logging
import time

import numpy as np

from ..data import take
from ..utils import default_device

__all__ = ["Calibration", "calibrate"]

logger = logging.getLogger(__name__)

AUTOATTACKS = ("autoattack", "autoattack_art")


@dataclasses.dataclass(frozen=True)
class Rate:
    """``seconds = fixed + per_unit * units`` for one path, with what was timed."""

    per_unit: float
    fixed: float
    unit: str
    note: str = ""

    def seconds(self, units, runs):
        """Seconds of ``runs`` runs doing ``units`` units in all."""
        return self.per_unit * units + self.fixed * runs


@dataclasses.dataclass(frozen=True)
class Calibration:
    """The measured rates of a study's paths on one device.

    Parameters
    ----------
    device : str
        Where it was measured (``"cpu"`` or the GPU's name).
    batch_size : int
        Rows per training batch of the study's network.
    rates : dict
        ``{path: Rate}``: ``"standard"``, ``"trades"`` and ``"pgd"`` (training, per
        batch and per training), ``"attack_step"`` (per image and PGD step, per
        attack run) and ``"autoattack"`` / ``"autoattack_art"`` (per image).
    seconds : float
        How long the calibration took.
    """

    device: str
    batch_size: int
    rates: dict
    seconds: float


def _device_name():
    device = default_device()
    if device == "cuda":
        import torch

        return f"cuda ({torch.cuda.get_device_name()})"
    return device


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _line(t_short, t_long, units_short, units_long):
    """Slope and intercept through two timings; a negative slope (noise) falls back to the mean."""
    per_unit = (t_long - t_short) / (units_long - units_short)
    if per_unit <= 0:
        return t_long / units_long, 0.0
    return per_unit, max(0.0, t_short - per_unit * units_short)


def _rows(rng, n, k, y=None):
    """``k`` random rows of ``n``; with labels ``y``, of two classes at least (a trainer needs 2)."""
    order = rng.permutation(n)
    rows = order[:min(n, k)]
    if y is not None and len(np.unique(y[rows])) < 2:
        other = next((i for i in order if y[i] != y[rows[0]]), None)
        if other is not None:
            rows = np.append(rows[:-1] if len(rows) > 1 else rows, other)
    return np.sort(rows)


def _calibrate_training(config, net, data, regime, batch_size, batches):
    from ._cells import Cell, CellTask, _train

    rng = np.random.default_rng(0)
    n = len(data.y_train)

    def fit(n_batches):
        indices = _rows(rng, n, n_batches * batch_size, data.y_train)
        task = CellTask(config, Cell("calibration", 0.5, regime, 0), indices, None, net)
        return _timed(lambda: _train(task, data, indices, 1))

    fit(1)  # warm-up: kernels chosen, memory allocated, caches filled
    t_short, _ = fit(1)
    t_long, model = fit(1 + batches)
    per_batch, fixed = _line(t_short, t_long, 1, 1 + batches)
    return Rate(per_batch, fixed, f"batch of {batch_size}"), model


def _calibrate_attack(config, model, data, steps):
    from ..robustness import adversarial_accuracy

    recipe = config.recipe
    indices = _rows(np.random.default_rng(1), len(data.y_test), recipe.attack_batch_size)
    X, y = take(data.X_test, indices), data.y_test[indices]
    eps = max(recipe.eps)

    def attack(max_iter):
        return _timed(lambda: adversarial_accuracy(
            model, X, y, "pgd", eps=eps, max_iter=max_iter, batch_size=recipe.attack_batch_size,
            clip_values=recipe.clip_values, random_state=0))[0]

    attack(1)  # warm-up
    t_short, t_long = attack(1), attack(1 + steps)
    per_step, fixed = _line(t_short, t_long, len(indices), len(indices) * (1 + steps))
    return Rate(per_step, fixed, "image x PGD step", f"batches of {len(indices)}")


def _calibrate_autoattack(config, model, data, name, n_images):
    from ..robustness import adversarial_accuracy

    recipe = config.recipe
    indices = _rows(np.random.default_rng(2), len(data.y_test), n_images)
    X = take(data.X_test, indices)
    # labelled by the model's own predictions: every image is attacked (a misclassified
    # one would be skipped at no cost)
    y = np.asarray(model.predict(X))
    seconds, _ = _timed(lambda: adversarial_accuracy(
        model, X, y, name, eps=max(recipe.eps), batch_size=recipe.attack_batch_size,
        clip_values=recipe.clip_values, random_state=0))
    return Rate(seconds / len(indices), 0.0, "image",
                f"{len(indices)} images of the calibration model, labelled by its own "
                "predictions; an order of magnitude")


def calibrate(config, net, data, *, batches=4, steps=4, autoattack_images=2):
    """Time each path the study takes on this device.

    Parameters
    ----------
    config : StudyConfig
    net : None, skorch net or callable
        The study's network.
    data : StudyData
    batches : int, default=4
        Timed training batches beyond the first, per regime.
    steps : int, default=4
        Timed PGD steps beyond the first, on one attack batch.
    autoattack_images : int, default=2
        Images AutoAttack is timed on (when the study runs it).

    Returns
    -------
    calibration : Calibration
    """
    from ._cells import study_net

    start = time.perf_counter()
    batch_size = study_net(config, net, data, data.n_classes, epochs=1).batch_size
    batch_size = len(data.y_train) if batch_size in (None, -1) else int(batch_size)
    rates = {}
    model = None
    for regime in dict.fromkeys(("standard", *config.regimes)):
        rates[regime], trained = _calibrate_training(config, net, data, regime, batch_size,
                                                     batches)
        model = trained if regime == "standard" else model
        logger.info("calibrated %s: %.4g s per batch", regime, rates[regime].per_unit)
    rates["attack_step"] = _calibrate_attack(config, model, data, steps)
    for name in AUTOATTACKS:
        if name in config.attacks:
            rates[name] = _calibrate_autoattack(config, model, data, name, autoattack_images)
    return Calibration(_device_name(), batch_size, rates, time.perf_counter() - start)
