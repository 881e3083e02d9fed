"""One cell of a study: select with one method, train under one regime, attack, record.

A cell is ``(method, fraction, regime, seed)``. For a given seed every method
selects from the same proxy training (cached on disk in the study folder, so it is
trained once even when cells run in other processes), and every target model starts
from the same initialisation and trains with the same recipe; only the rows differ.
"""

import dataclasses
import logging
import platform
import time

import numpy as np

from ..robustness import AdversarialTrainingClassifier, robustness_report
from ..utils import torch_seed
from ._methods import make_selector
from ._recipes import Recipe, load_dataset, lr_schedule, make_net
from ._scores import load_scores

__all__ = ["Cell", "run_cell", "versions"]

logger = logging.getLogger(__name__)

FULL = "full"


@dataclasses.dataclass(frozen=True)
class Cell:
    """Coordinates of one cell."""

    method: str
    fraction: float
    regime: str
    seed: int

    @property
    def key(self):
        """File-name-safe identifier, e.g. ``easycore__f0.3__standard__s0``."""
        return f"{self.method}__f{self.fraction:g}__{self.regime}__s{self.seed}"


def versions():
    """Versions of Python, this library and its main dependencies."""
    import art
    import imblearn
    import sklearn
    import skorch
    import torch

    from .. import __version__

    return {"python": platform.python_version(), "sk_easycore": __version__,
            "torch": torch.__version__, "skorch": skorch.__version__,
            "sklearn": sklearn.__version__, "imblearn": imblearn.__version__,
            "art": art.__version__, "numpy": np.__version__}


def _target_epochs(config, n_train, n_full):
    epochs = config["recipe"]["epochs"]
    if config["budget"] == "steps" and n_train < n_full:
        # as many optimizer steps as the full-data model: more epochs on fewer rows
        return int(round(epochs * n_full / n_train))
    return epochs


def _train(recipe, regime, X, y, n_classes, epochs, seed):
    if regime == "standard":
        # skorch uses labels as output indices: one output per class of the full data
        with torch_seed(seed):
            return make_net(recipe, X, n_classes, epochs=epochs).fit(X, y)
    # the adversarial trainer maps labels through classes_: one output per class present
    net = make_net(recipe, X, len(np.unique(y)), epochs=epochs, with_schedule=False)
    model = AdversarialTrainingClassifier(
        net, method=regime, eps=recipe.train_eps, eps_step=recipe.train_eps_step,
        max_iter=recipe.train_max_iter, scheduler=lr_schedule(recipe, epochs),
        random_state=seed,
    )
    return model.fit(X, y)


def run_cell(config, cell, proxy_memory, data=None):
    """Run one cell and return its record (a JSON-serialisable dict).

    Parameters
    ----------
    config : dict
        The study configuration (see :func:`~sk_easycore.experiments.run_study`).
    cell : Cell
        The cell to run.
    proxy_memory : str
        Folder of the on-disk proxy cache shared by the study's cells.
    data : tuple or None
        ``(X_train, y_train, X_test, y_test)``; loaded from the configuration if None.
    """
    recipe = Recipe(**{**config["recipe"], "eps": tuple(config["recipe"]["eps"])})
    if data is None:
        data = load_dataset(config["dataset"], config.get("data_root"))
    X_train, y_train, X_test, y_test = data
    scores_file = None if config["scores"] is None else load_scores(config["scores"], X_train,
                                                                     y_train)
    timings = {}

    start = time.perf_counter()
    if cell.method == FULL:
        indices = np.arange(len(y_train))
    else:
        selector = make_selector(cell.method, cell.fraction, cell.seed, config, X_train,
                                 y_train, proxy_memory, scores_file)
        selector.fit(X_train, y_train)
        indices = selector.sample_indices_
    timings["select_s"] = time.perf_counter() - start

    start = time.perf_counter()
    epochs = _target_epochs(config, len(indices), len(y_train))
    # the same initialisation for every method of a seed: a paired comparison
    model = _train(recipe, cell.regime, X_train[indices], y_train[indices],
                   len(np.unique(y_train)), epochs, cell.seed)
    timings["train_s"] = time.perf_counter() - start

    start = time.perf_counter()
    report = robustness_report(
        model, X_test, y_test, attacks=tuple(config["attacks"]), eps=recipe.eps,
        max_iter=recipe.eval_max_iter, random_state=cell.seed,
    )
    timings["eval_s"] = time.perf_counter() - start
    metrics = {"clean": report.clean_accuracy}
    for row in report.to_records():
        if row["attack"] != "clean":
            metrics[f"{row['attack']}@{row['eps']:.4g}"] = row["accuracy"]

    classes, counts = np.unique(y_train[indices], return_counts=True)
    return {
        "key": cell.key, **dataclasses.asdict(cell),
        "n_train": int(len(indices)), "epochs": epochs,
        "sample_indices": [int(i) for i in indices] if cell.method != FULL else None,
        "class_counts": {str(c): int(n) for c, n in zip(classes.tolist(), counts.tolist())},
        "metrics": metrics, "timings": timings, "config": config, "versions": versions(),
    }
