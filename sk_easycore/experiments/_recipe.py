"""How every model of a study trains and is attacked: ``Recipe``, a frozen dataclass.

Checked once when made, serialised by :meth:`Recipe.to_dict`, and part of a
study's configuration (``_config.StudyConfig``).
"""

import dataclasses
import math
from numbers import Integral, Real

__all__ = ["ATTACKS", "BUDGETS", "REGIMES", "Recipe"]

REGIMES = ("standard", "trades", "pgd")
BUDGETS = ("epochs", "steps")
ATTACKS = ("fgsm", "pgd", "autoattack", "autoattack_art")
AUGMENTATIONS = ("none", "crop_flip")


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")
    return int(value)


def _positive_real(name, value, *, allow_zero=False):
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}.")
    return float(value)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How every model of a study trains and is attacked (the same for every method).

    A frozen dataclass, checked when made: every parameter is an attribute of
    the same name, and :meth:`replace` makes a changed copy. Each registered
    dataset has one (:func:`~sk_easycore.experiments.recipe_for`); data of
    your own gets one chosen by its shape and size
    (:func:`~sk_easycore.experiments.default_recipe`).

    Parameters
    ----------
    model : str or None
        A key of :data:`sk_easycore.models.MODELS` (``"small_cnn"``, ``"small_cnn1d"``,
        ``"small_mlp"``, ``"residual_mlp"``, ``"resnet18"``); None when the
        study trains a network of your own (``net=``), whose module,
        optimizer, learning rate and batch size are used as given.
    optimizer : {"adam", "sgd"} or None, default="adam"
        The optimizer of every model (None with a network of your own).
    lr, momentum, weight_decay : float or None, default=1e-3, 0.9, 0.0
        Its learning rate, momentum (SGD only) and weight decay.
    batch_size : int or None, default=64
        Rows per batch.
    epochs : int, default=30
        Epochs of a full-data model (coreset models: see the study's ``budget``).
    scheduler : {"cosine", "onecycle", "none"} or None, default="none"
        Learning-rate schedule over a model's epochs (``"onecycle"``: up to
        ``lr`` and down again, see :func:`~sk_easycore.models.lr_scheduler`).
    proxy_epochs : int, default=20
        Epochs of the proxy trained to compute AIGN and the other scores.
    eps : tuple of float, default=(0.05, 0.1, 0.2)
        Evaluation budgets (L-inf, in the units of the data).
    train_eps, train_eps_step : float, default=0.1, 0.025
        Budget and step of the PGD used inside TRADES and PGD adversarial training.
    train_max_iter, eval_max_iter : int, default=10, 20
        PGD iterations for training and for evaluation.
    attack_batch_size : int, default=128
        Rows attacked at once in evaluation (large on a GPU).
    autoattack_samples : int or None, default=None
        Run ``"autoattack"`` on this many test images only: a stratified
        subset drawn with seed 0, the same for every model of the study
        (None: every test image).
    clip_values : tuple (min, max) or None, default=(0.0, 1.0)
        The valid input range attacks stay in (pixels); None for unbounded
        inputs (tables).
    standardize : bool, default=False
        Standardize the input columns inside the model (mean and std of the
        training rows), so that eps stays in the raw units (tables).
    augment : {"none", "crop_flip"}, default="none"
        Training augmentation of every model: ``"crop_flip"`` is a random crop
        with 4-pixel zero padding and a horizontal flip (CIFAR), applied to
        each batch on the model's device, before any attack; never in
        evaluation or in eval-mode scoring passes.
    precision : {"fp32", "bf16"}, default="fp32"
        ``"bf16"``: the recipe's model runs under bfloat16 autocast (a GPU fast
        path; logits, losses and attack gradients stay float32).
    channels_last : bool, default=False
        The recipe's model keeps weights and image batches channels_last (GPU).
    compile : bool, default=False
        Compile the recipe's model with ``torch.compile`` (a GPU option).
    name : str or None, default=None
        The named recipe this one started from (``"paper"`` or ``"fast"``,
        see :data:`~sk_easycore.experiments.RECIPES`), recorded with the
        other fields; a folder refuses a study of another recipe.
    trades_inner : {"kl", "ce"}, default="kl"
        The inner maximization of TRADES training: TRADES' own KL term from a
        small Gaussian start, or ART's PGD on the cross-entropy
        (:class:`~sk_easycore.robustness.AdversarialTrainingClassifier`'s ``inner``).

    Examples
    --------
    >>> recipe = Recipe(model="small_cnn")
    >>> recipe.epochs, recipe.eps
    (30, (0.05, 0.1, 0.2))
    >>> recipe.replace(epochs=5, eps=[0.2, 0.1]).eps
    (0.1, 0.2)
    >>> Recipe(model="small_cnn", epochs=0)
    Traceback (most recent call last):
        ...
    ValueError: epochs must be an int >= 1; got 0.
    """

    model: str = None
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
    attack_batch_size: int = 128
    autoattack_samples: int = None
    clip_values: tuple = (0.0, 1.0)
    standardize: bool = False
    augment: str = "none"
    trades_inner: str = "kl"
    precision: str = "fp32"
    channels_last: bool = False
    compile: bool = False
    name: str = None

    def __post_init__(self):
        from ..models import MODELS

        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if self.model is not None and self.model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)} (or None with a network "
                             f"of your own); got {self.model!r}.")
        if self.optimizer not in (None, "adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd'; got {self.optimizer!r}.")
        if self.scheduler not in (None, "cosine", "onecycle", "none"):
            raise ValueError(f"scheduler must be 'cosine', 'onecycle' or 'none'; got "
                             f"{self.scheduler!r}.")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16'; got {self.precision!r}.")
        set_("channels_last", bool(self.channels_last))
        set_("compile", bool(self.compile))
        if self.name is not None and not isinstance(self.name, str):
            raise ValueError(f"name must be a string or None; got {self.name!r}.")
        if self.trades_inner not in ("kl", "ce"):
            raise ValueError(f"trades_inner must be 'kl' or 'ce'; got {self.trades_inner!r}.")
        if self.augment not in AUGMENTATIONS:
            raise ValueError(f"augment must be one of {AUGMENTATIONS}; got {self.augment!r}.")
        for name in ("lr", "momentum", "weight_decay"):
            value = getattr(self, name)
            if value is not None:
                set_(name, _positive_real(name, value, allow_zero=name != "lr"))
        if self.batch_size is not None:
            set_("batch_size", _positive_int("batch_size", self.batch_size))
        for name in ("epochs", "proxy_epochs", "train_max_iter", "eval_max_iter",
                     "attack_batch_size"):
            set_(name, _positive_int(name, getattr(self, name)))
        if self.autoattack_samples is not None:
            set_("autoattack_samples", _positive_int("autoattack_samples",
                                                     self.autoattack_samples))
        # sorted: the same budgets in another order are the same study
        eps = tuple(sorted({_positive_real("eps", e) for e in (self.eps or ())}))
        if not eps:
            raise ValueError("eps must hold at least one budget.")
        set_("eps", eps)
        set_("train_eps", _positive_real("train_eps", self.train_eps))
        set_("train_eps_step", _positive_real("train_eps_step", self.train_eps_step))
        if self.train_eps_step > self.train_eps:
            raise ValueError(f"train_eps_step={self.train_eps_step} exceeds train_eps="
                             f"{self.train_eps}.")
        if self.clip_values is not None:
            low, high = (float(v) for v in self.clip_values)
            if not low < high:
                raise ValueError(f"clip_values must be (min, max) with min < max; got "
                                 f"{self.clip_values!r}.")
            set_("clip_values", (low, high))
        set_("standardize", bool(self.standardize))

    def replace(self, **changes):
        """A checked copy with the given fields changed (None values are ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"Unknown recipe fields {sorted(unknown)}.")
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """The recipe as JSON-ready data."""
        data = dataclasses.asdict(self)
        data["eps"] = list(self.eps)
        data["clip_values"] = None if self.clip_values is None else list(self.clip_values)
        return data

    @classmethod
    def from_dict(cls, data):
        """A recipe from :meth:`to_dict`'s data."""
        return cls(**data)
