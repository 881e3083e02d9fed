"""One cell of a study: train a target model on a given coreset under one regime, attack it.

A cell is ``(method, fraction, regime, seed)``. The coreset is chosen before (in the
study's process, from the proxies of the seed); the cell trains a fresh model on it,
with the seed's initialisation and the study's recipe, and measures clean and
adversarial test accuracy. A :class:`CellTask` holds all it needs, data source and
network included, so it runs the same in this process, a worker process or on a Dask
worker.
"""

import dataclasses
import hashlib
import logging
import time

import numpy as np

from ..data import input_shape, take
from ..models import lr_scheduler, make_default_net
from ..results import FULL, CellRecord, Metric, cell_key
from ..robustness import AdversarialTrainingClassifier
from ..utils import initialize_net, redraw_parameters, torch_seed
from ._environment import environment, versions
from ._evaluate import attack_details, attack_metrics, evaluate

__all__ = ["Cell", "CellTask", "describe_net", "environment", "net_epochs", "run_cell",
           "study_net", "target_model", "train_cell", "versions"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Cell:
    """Coordinates of one cell of a study.

    Parameters
    ----------
    method : str
        The coreset method (``"full"`` for the full data).
    fraction : float
        The coreset fraction (1 for the full data).
    regime : str
        The training regime.
    seed : int
        The seed.

    Examples
    --------
    >>> Cell("easycore", 0.3, "standard", 0).key
    'easycore__f0.3__standard__s0'
    """

    method: str
    fraction: float
    regime: str
    seed: int

    @property
    def key(self):
        """File-name-safe identifier, e.g. ``easycore__f0.3__standard__s0``."""
        return cell_key(self.method, self.fraction, self.regime, self.seed)


@dataclasses.dataclass(frozen=True)
class CellTask:
    """Everything one cell needs: the study's configuration, the coreset, data and network.

    Picklable whatever the network and data are: ``net`` and ``source`` are
    pickled with cloudpickle.

    Parameters
    ----------
    config : StudyConfig
    cell : Cell
    indices : array-like of int or None
        The coreset's rows; None for the full-data model.
    source : DataSource
        Where the data comes from (loaded in the process that runs the cell).
    net : None, skorch.NeuralNetClassifier or callable, default=None
        The recipe's model, a net to clone, or a factory ``(n_classes, X_example) -> net``.
    select_s : float, default=0.0
        Seconds the selection took.

    Examples
    --------
    >>> import pickle
    >>> task = CellTask(None, Cell("random", 0.3, "standard", 0), [0, 2], None,
    ...                 net=lambda n_classes, X: None)
    >>> pickle.loads(pickle.dumps(task)).cell.key
    'random__f0.3__standard__s0'
    """

    config: object
    cell: Cell
    indices: object
    source: object
    net: object = None
    select_s: float = 0.0

    # The user's network and data loader travel inside the task, pickled with
    # cloudpickle whatever the transport's own pickler is (Dask pickles by reference
    # unless the top-level object is registered), so a factory from a module the
    # workers cannot import arrives too once its module is registered by value.
    def __getstate__(self):
        import cloudpickle

        state = dict(self.__dict__)
        for name in ("net", "source"):
            state[name] = cloudpickle.dumps(state[name])
        return state

    def __setstate__(self, state):
        import pickle

        for name in ("net", "source"):
            state[name] = pickle.loads(state[name])
        self.__dict__.update(state)


def target_epochs(config, n_train, n_full):
    """Epochs of a model trained on ``n_train`` of ``n_full`` rows under the study's budget."""
    epochs = config.recipe.epochs
    if config.budget == "steps" and n_train < n_full:
        # as many optimizer steps as the full-data model: more epochs on fewer rows
        return int(round(epochs * n_full / n_train))
    return epochs


def describe_net(net):
    """How a study records its network: ``"recipe"``, or the user's net with a parameter hash.

    Examples
    --------
    >>> describe_net(None)
    'recipe'
    """
    import joblib
    import torch
    from skorch import NeuralNet

    if net is None:
        return "recipe"
    if isinstance(net, NeuralNet):
        module = net.module if isinstance(net.module, type) else type(net.module)
        # a module instance stands for its architecture: its weights are redrawn from
        # every cell's seed, so they are not part of the study's identity
        params = {k: repr(v) if isinstance(v, torch.nn.Module) else v
                  for k, v in net.get_params(deep=False).items()}
        try:
            digest = joblib.hash(params)
        except Exception:  # noqa: BLE001 -- unpicklable parameters: hash their text
            digest = hashlib.md5(repr(sorted(params.items())).encode()).hexdigest()
        return f"{type(net).__name__}({getattr(module, '__qualname__', module)}) {digest[:12]}"
    if callable(net):
        return f"factory {getattr(net, '__module__', '?')}:{getattr(net, '__qualname__', net)}"
    raise TypeError("net must be None, a skorch NeuralNetClassifier or a callable "
                    f"(n_classes, X_example) -> net; got {type(net).__name__}.")


def net_epochs(net, data):
    from skorch import NeuralNet

    if isinstance(net, NeuralNet):
        return int(net.max_epochs)
    with torch_seed(0):  # a forked generator: the caller's random state stays as it was
        return int(net(data.n_classes, data.example()).max_epochs)


def study_net(config, net, data, n_classes, *, epochs, seed=None, with_schedule=True,
              with_augment=True):
    """The unfitted skorch net of a study: the recipe's model, or the user's network.

    Parameters
    ----------
    config : StudyConfig
    net : None, skorch.NeuralNetClassifier or callable
        None builds the recipe's model (:func:`~sk_easycore.models.make_default_net`);
        a net is cloned; a callable is called as ``net(n_classes, X_example)``.
        Every net gets ``max_epochs=epochs`` and ``train_split=None``.
    data : StudyData
    n_classes : int
        Outputs of the network.
    epochs : int
        Its training epochs.
    seed : int or None, default=None
        The factory is called under :func:`~sk_easycore.utils.torch_seed` of it,
        and a module given as an instance (in the net or the factory's net) gets
        its weights redrawn from it (on a copy), so that the net, its hash and
        its training depend on the seed only. None: neither.
    with_schedule : bool, default=True
        The recipe's learning-rate schedule as a skorch callback (adversarial
        training takes it separately).
    with_augment : bool, default=True
        The recipe's augmentation in the net's training iterator (adversarial
        training augments its batches itself, before the attack).

    Returns
    -------
    net : skorch.NeuralNetClassifier

    Examples
    --------
    >>> from sk_easycore.experiments import study_config
    >>> from sk_easycore.experiments._data import resolve_data
    >>> net = study_net(study_config("digits"), None, resolve_data("digits").load(), 10,
    ...                 epochs=3)
    >>> net.module.__name__, net.max_epochs, net.train_split
    ('SmallCNN', 3, None)
    """
    import torch
    from sklearn.base import clone
    from skorch import NeuralNet

    recipe = config.recipe
    if net is None:
        built = make_default_net(
            input_shape(data.X_train), n_classes, model=recipe.model,
            optimizer=recipe.optimizer, lr=recipe.lr, momentum=recipe.momentum,
            weight_decay=recipe.weight_decay, batch_size=recipe.batch_size, max_epochs=epochs,
            scheduler=recipe.scheduler if with_schedule else "none",
            augment=recipe.augment if with_augment else "none", precision=recipe.precision,
            channels_last=recipe.channels_last, compile=recipe.compile)
        if recipe.standardize:
            # standardized inside the model, per column or channel (dimension 1): eps stays
            # in the raw units of the data
            axes = (0, *range(2, data.X_train.ndim))
            std = data.X_train.std(axis=axes)
            built.set_params(module__mean=data.X_train.mean(axis=axes).tolist(),
                             module__std=np.where(std > 0, std, 1.0).tolist())
    elif isinstance(net, NeuralNet):
        built = clone(net)
    else:
        with torch_seed(seed):
            built = net(n_classes, data.example())
        if not isinstance(built, NeuralNet):
            raise TypeError(f"the net factory must return a skorch NeuralNetClassifier; got "
                            f"{type(built).__name__}.")
        if isinstance(built.module, torch.nn.Module):
            built = clone(built)  # the factory may return a module it keeps: redraw a copy
    if net is not None and seed is not None and isinstance(built.module, torch.nn.Module):
        with torch_seed(seed):
            redraw_parameters(built.module)
    if net is not None and with_augment and recipe.augment != "none":
        from torch.utils.data import DataLoader

        from ..data import DeviceLoader

        if built.iterator_train is DeviceLoader:
            built.set_params(iterator_train__augment=recipe.augment)
        elif built.iterator_train is not DataLoader:
            raise ValueError(f"augment={recipe.augment!r} replaces the net's iterator_train, "
                             f"but yours is {built.iterator_train!r}: augment in it yourself "
                             "and set augment='none'.")
        else:
            built.set_params(iterator_train=DeviceLoader, iterator_train__augment=recipe.augment,
                             iterator_train__device=built.device)
    return built.set_params(max_epochs=epochs, train_split=None)


def target_model(task, data, y, epochs):
    """The unfitted model of a cell, to train on labels ``y`` for ``epochs``.

    Build, initialise and train a standard net under ``torch_seed(task.cell.seed)``.

    Parameters
    ----------
    task : CellTask
    data : StudyData
    y : ndarray
        The labels of the cell's training rows.
    epochs : int

    Returns
    -------
    model : skorch.NeuralNetClassifier or AdversarialTrainingClassifier
    """
    config, cell = task.config, task.cell
    recipe = config.recipe
    if cell.regime == "standard":
        # skorch uses labels as output indices: one output per class of the full data
        return study_net(config, task.net, data, data.n_classes, epochs=epochs, seed=cell.seed)
    # the adversarial trainer maps labels through classes_: one output per class present
    net = study_net(config, task.net, data, len(np.unique(y)), epochs=epochs, seed=cell.seed,
                    with_schedule=False, with_augment=False)
    return AdversarialTrainingClassifier(
        net, method=cell.regime, eps=recipe.train_eps, eps_step=recipe.train_eps_step,
        max_iter=recipe.train_max_iter,
        scheduler=lr_scheduler(recipe.scheduler, epochs, lr=recipe.lr),
        clip_values=recipe.clip_values, augment=recipe.augment, random_state=cell.seed,
        **({"inner": recipe.trades_inner} if cell.regime == "trades" else {}),
    )


def _train(task, data, indices, epochs):
    X, y = take(data.X_train, indices), data.y_train[indices]
    if task.cell.regime == "standard":
        with torch_seed(task.cell.seed):
            return initialize_net(target_model(task, data, y, epochs)).partial_fit(X, y)
    return target_model(task, data, y, epochs).fit(X, y)


def run_cell(task):
    """Train and attack one cell's model; return its :class:`~sk_easycore.results.CellRecord`.

    Parameters
    ----------
    task : CellTask

    Returns
    -------
    record : CellRecord

    Examples
    --------
    >>> from sk_easycore.experiments import study_config
    >>> from sk_easycore.experiments._data import resolve_data
    >>> config = study_config("digits", methods=["random"], seeds=1, epochs=1,
    ...                       attacks=["fgsm"], eps=[0.1])
    >>> task = CellTask(config, Cell("random", 0.1, "standard", 0), list(range(0, 1347, 10)),
    ...                 resolve_data("digits"))
    >>> record = run_cell(task)
    >>> record.n_train, sorted(m.key for m in record.metrics)
    (135, ['clean', 'fgsm@0.1'])
    """
    return train_cell(task)[0]


def train_cell(task):
    """:func:`run_cell`, returning the trained model too: ``(record, model)``."""
    config, cell = task.config, task.cell
    start_all = time.perf_counter()
    data = task.source.load()
    n_full = len(data.y_train)
    indices = np.arange(n_full) if task.indices is None else np.asarray(task.indices)
    timings = {"select_s": float(task.select_s)}

    start = time.perf_counter()
    epochs = target_epochs(config, len(indices), n_full)
    # the same initialisation for every method of a seed: a paired comparison
    model = _train(task, data, indices, epochs)
    timings["train_s"] = time.perf_counter() - start

    start = time.perf_counter()
    report = evaluate(config, model, data, cell.seed, config.attacks, config.recipe.eps)
    timings["eval_s"] = time.perf_counter() - start
    metrics = {Metric("clean"): report.clean_accuracy, **attack_metrics(report)}
    timings["total_s"] = time.perf_counter() - start_all + timings["select_s"]

    classes, counts = np.unique(data.y_train[indices], return_counts=True)
    record = CellRecord(
        method=cell.method, fraction=cell.fraction, regime=cell.regime, seed=cell.seed,
        metrics=metrics, key=cell.key, n_train=int(len(indices)), epochs=epochs,
        sample_indices=None if task.indices is None else [int(i) for i in indices],
        class_counts={str(data.classes[c]): int(n) for c, n in zip(classes.tolist(),
                                                                 counts.tolist())},
        timings=timings, config=config.to_dict(), versions=versions(),
        environment=environment(_device(model)), attack_details=attack_details(report),
    )
    return record, model


def _device(model):
    net = getattr(model, "net_", model)  # the adversarial trainer's net, or the net
    return getattr(net, "device", None)


def study_cells(config):
    """Every cell of a study, full-data rows included, seed-major order.

    The random-coreset frontier adds ``random`` at each of its fractions
    that is not already a cell (a fraction of both is trained once).
    """
    cells = []
    for seed in config.seeds:
        for regime in config.regimes:
            cells.append(Cell(FULL, 1.0, regime, seed))
            grid = [Cell(m, f, regime, seed) for m in config.methods for f in config.fractions]
            keys = {c.key for c in grid}  # by key: 0.3 and 0.30000000000000004 are one cell
            cells += grid + [Cell("random", f, regime, seed) for f in config.frontier
                             if Cell("random", f, regime, seed).key not in keys]
    return cells
