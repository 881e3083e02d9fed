"""Datasets of the study, each with its default model, training recipe and attack budget.

A recipe is plain data (it is stored in the study's configuration); every method of
a study trains its target model with the same recipe, so no method gets a different
budget. Epsilons are in the units of the data as loaded (pixels in [0, 1]).
"""

import dataclasses
import functools

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier
from skorch.callbacks import LRScheduler

from ..datasets import load_cifar10, load_cifar100, load_digits_images, make_synthetic_2d
from ..models import ResidualMLP, SmallCNN, cifar_resnet18
from ..utils import default_device

__all__ = ["DATASETS", "Recipe", "load_dataset", "lr_schedule", "make_net", "recipe_for"]


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How to train and attack the models of one dataset.

    A frozen dataclass: every parameter is an attribute of the same name, and
    :meth:`replace` makes a changed copy. ``DATASETS`` holds each dataset's
    recipe.

    Parameters
    ----------
    model : str
        Name of the model factory (``"small_cnn"``, ``"residual_mlp"``, ``"resnet18"``).
    optimizer : {"adam", "sgd"}, default="adam"
        The optimizer of every model.
    lr, momentum, weight_decay : float, default=1e-3, 0.9, 0.0
        Its learning rate, momentum (SGD only) and weight decay.
    batch_size : int, default=64
        Rows per batch.
    epochs : int, default=30
        Epochs of a full-data model (coreset models: see the study's ``budget``).
    scheduler : {"cosine", "none"}, default="none"
        Learning-rate schedule over a model's epochs.
    proxy_epochs : int, default=20
        Epochs of the proxy trained to compute AIGN and the other scores.
    eps : tuple of float, default=(0.05, 0.1, 0.2)
        Evaluation budgets (L-inf, in the units of the data).
    train_eps, train_eps_step : float, default=0.1, 0.025
        Budget and step of the PGD used inside TRADES and PGD adversarial training.
    train_max_iter, eval_max_iter : int, default=10, 20
        PGD iterations for training and for evaluation.

    Examples
    --------
    >>> recipe = DATASETS["digits"]
    >>> recipe.model, recipe.epochs, recipe.eps
    ('small_cnn', 30, (0.05, 0.1, 0.2))
    >>> recipe.replace(epochs=5, eps=[0.1]).eps
    (0.1,)
    """

    model: str
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 30
    scheduler: str = "none"
    proxy_epochs: int = 20
    eps: tuple = (0.05, 0.1, 0.2)
    train_eps: float = 0.1
    train_eps_step: float = 0.025
    train_max_iter: int = 10
    eval_max_iter: int = 20

    def replace(self, **changes):
        """A copy with the given fields changed (None values are ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"Unknown recipe fields {sorted(unknown)}.")
        if "eps" in changes:
            changes["eps"] = tuple(float(e) for e in changes["eps"])
        return dataclasses.replace(self, **changes)


DATASETS = {
    "digits": Recipe(model="small_cnn"),
    "synthetic2d": Recipe(
        model="residual_mlp", batch_size=128, epochs=60, proxy_epochs=40,
        eps=(0.01, 0.02, 0.04), train_eps=0.02, train_eps_step=0.005,
    ),
    # The EasyCore paper's CIFAR recipe (ResNet-18, SGD 0.9, lr 0.1, cosine, batch 200,
    # 300 epochs, wd 5e-4; PGD eps 8/255, step 2/255, 10 steps to train, 20 to evaluate).
    "cifar10": Recipe(
        model="resnet18", optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4,
        batch_size=200, epochs=300, scheduler="cosine", proxy_epochs=300,
        eps=(2 / 255, 4 / 255, 8 / 255), train_eps=8 / 255, train_eps_step=2 / 255,
    ),
}
DATASETS["cifar100"] = DATASETS["cifar10"]


def recipe_for(dataset):
    """The default recipe of ``dataset``.

    Examples
    --------
    >>> recipe_for("digits").model
    'small_cnn'
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}; got {dataset!r}.")
    return DATASETS[dataset]


def load_dataset(dataset, data_root=None, synthetic_samples=3000):
    """``(X_train, y_train, X_test, y_test)`` of a study dataset.

    digits and synthetic2d are split once (stratified, fixed seed 0: the same split
    for every seed of a study); CIFAR uses its own train and test files from
    ``data_root``.

    Parameters
    ----------
    dataset : {"digits", "synthetic2d", "cifar10", "cifar100"}
        The dataset's name, a key of ``DATASETS``.
    data_root : str, Path or None, default=None
        The folder holding CIFAR's python version (never downloaded); needed
        for CIFAR only.
    synthetic_samples : int, default=3000
        Points of ``synthetic2d`` before the split (two thirds train).

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Inputs in [0, 1] (float32) and integer labels.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_dataset("digits")
    >>> X_train.shape, X_test.shape
    ((1347, 1, 8, 8), (450, 1, 8, 8))
    """
    recipe_for(dataset)
    if dataset.startswith("cifar"):
        if data_root is None:
            raise ValueError(f"dataset {dataset!r} is read from local files: pass data_root "
                             "(--data-root), the folder holding the CIFAR python version.")
        load = load_cifar10 if dataset == "cifar10" else load_cifar100
        return (*load(data_root, train=True), *load(data_root, train=False))
    if dataset == "digits":
        X, y = load_digits_images()
        test_size = 0.25
    else:
        X, y = make_synthetic_2d(synthetic_samples, random_state=0)
        test_size = 1 / 3
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=0)
    return X_train, y_train, X_test, y_test


def _module(recipe, X, n_classes):
    if recipe.model == "small_cnn":
        return SmallCNN, {"in_channels": X.shape[1], "n_classes": n_classes}
    if recipe.model == "residual_mlp":
        return ResidualMLP, {"in_features": X.shape[1], "n_classes": n_classes}
    if recipe.model == "resnet18":
        return cifar_resnet18, {"num_classes": n_classes}
    raise ValueError(f"Unknown model {recipe.model!r}.")


def lr_schedule(recipe, epochs):
    """``optimizer -> scheduler`` of the recipe over ``epochs`` epochs, or None.

    Examples
    --------
    >>> lr_schedule(recipe_for("cifar10"), 300).keywords
    {'T_max': 300}
    """
    if recipe.scheduler == "cosine":
        return functools.partial(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=epochs)
    return None


def make_net(recipe, X, n_classes, *, epochs=None, with_schedule=True, verbose=0):
    """An unfitted skorch classifier following ``recipe`` for data shaped like ``X``.

    With ``with_schedule`` the recipe's learning-rate schedule is a skorch
    callback; adversarial training, which skorch's loop does not run, takes it
    from ``lr_schedule`` instead.

    Parameters
    ----------
    recipe : Recipe
        Model, optimizer, batch size and schedule.
    X : array-like
        Rows shaped like the training data (the model is chosen and sized by it).
    n_classes : int
        Number of outputs.
    epochs : int or None, default=None
        Epochs to train; None uses ``recipe.epochs``.
    with_schedule : bool, default=True
        Add the recipe's learning-rate schedule as a skorch callback.
    verbose : int, default=0
        skorch's verbosity.

    Returns
    -------
    net : skorch.NeuralNetClassifier
        Unfitted, with no validation split.

    Examples
    --------
    >>> import numpy as np
    >>> net = make_net(recipe_for("digits"), np.zeros((4, 1, 8, 8)), 10, epochs=3)
    >>> net.max_epochs, net.batch_size
    (3, 64)
    """
    epochs = recipe.epochs if epochs is None else int(epochs)
    module, module_params = _module(recipe, np.asarray(X), n_classes)
    optimizer = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[recipe.optimizer]
    params = {"optimizer__weight_decay": recipe.weight_decay}
    if recipe.optimizer == "sgd":
        params["optimizer__momentum"] = recipe.momentum
    callbacks = []
    schedule = lr_schedule(recipe, epochs)
    if with_schedule and schedule is not None:
        callbacks.append(("lr_schedule", LRScheduler(schedule.func, **schedule.keywords)))
    return NeuralNetClassifier(
        module,
        **{f"module__{k}": v for k, v in module_params.items()},
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=optimizer,
        lr=recipe.lr,
        **params,
        max_epochs=epochs,
        batch_size=recipe.batch_size,
        train_split=None,
        iterator_train__shuffle=True,
        callbacks=callbacks,
        device=default_device(),
        verbose=verbose,
    )
