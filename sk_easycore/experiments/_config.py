"""The typed configuration of a study: ``Recipe`` (how models train and are attacked) and ``StudyConfig``.

Both are frozen dataclasses, validated once when made, serialised in one place
(:meth:`StudyConfig.to_dict`, stored as the study folder's ``study.json``) and
passed as they are to every step of the study.
"""

import dataclasses
import math
import os
from numbers import Integral, Real

__all__ = ["ATTACKS", "BUDGETS", "DEFAULT_FRONTIER", "REGIMES", "Recipe", "StudyConfig"]

REGIMES = ("standard", "trades", "pgd")
BUDGETS = ("epochs", "steps")
ATTACKS = ("fgsm", "pgd", "autoattack", "autoattack_art")
AUGMENTATIONS = ("none", "crop_flip")
# Random coresets drawn for the accuracy-matched control (results/_frontier.py): dense at
# small fractions, where a coreset's clean accuracy changes fastest and where the coresets
# of the other methods land (EasyCore's easiest rows can teach less than a random 5%), cheap
# to train there, and holding the default fractions, which cost nothing more. A study drops
# the fractions that would keep no row of a class of its data (experiments/_guards.py).
DEFAULT_FRONTIER = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)


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


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Everything a study's results depend on, checked once, stored as ``study.json``.

    Made by :meth:`create` (which checks every setting and names the bad one),
    written by :meth:`to_dict` and read back by :meth:`from_dict`. The data and
    the network are recorded by name and content hash, not stored: a study
    folder refuses to resume on other data or another network.

    Parameters
    ----------
    data : str
        The data's name: a registered dataset, ``"npz:<file name>"``,
        ``"imagefolder:<folder name>"`` (names, not paths: a moved file is the
        same data), or ``"arrays"`` / ``"datasets"`` (or a
        name you gave) for data passed from Python.
    data_hash : str
        Fingerprint of the training and test data (see
        :func:`sk_easycore.data.fingerprint`).
    recipe : Recipe
        How every model trains and is attacked.
    net : str
        ``"recipe"`` (the recipe's model), or a description of your network
        with a hash of its parameters.
    methods : tuple of str
        Coreset methods, names of :data:`~sk_easycore.experiments.METHODS`.
    fractions : tuple of float
        Coreset fractions, each in (0, 1).
    regimes : tuple of str
        Training regimes (``"standard"``, ``"trades"``, ``"pgd"``).
    attacks : tuple of str
        Evaluation attacks.
    seeds : tuple of int
        Seeds; each seeds one proxy and one initialisation of every target model.
    budget : {"epochs", "steps"}
        Coreset models train the recipe's epochs, or as many optimizer steps as
        the full-data model.
    scoring_runs : int
        The proxy's per-sample scores are averaged over this many seeds.
    class_balanced : bool
        Select within every class.
    scores : str or None
        Absolute path of a scores file every method reads its proxy from
        (recorded, not compared: the file is recognised by ``scores_file``).
    data_root : str or None
        Absolute path of the folder a registered dataset is read from
        (recorded, not compared: the data is recognised by ``data_hash``).
    scores_file : str or None
        The scores file's name and content hash
        (:func:`~sk_easycore.results.file_identity`).
    frontier : tuple of float
        Fractions of the random-coreset frontier: random coresets trained
        with the same recipe at each, for every regime and seed (beside the
        study's own cells), against which every method's robust accuracy is
        read at its own clean accuracy
        (:func:`~sk_easycore.results.frontier_differences`). Empty: no
        frontier (and a configuration stored before it existed has none).

    The lists are kept in one order (methods in display order, the others
    sorted), so a study given them in another order is the same study.

    Examples
    --------
    >>> config = StudyConfig.create("digits", "abc", Recipe(model="small_cnn"),
    ...                             methods=["random", "easycore"], seeds=2)
    >>> config.methods, config.seeds
    (('easycore', 'random', 'matched_random'), (0, 1))
    >>> config.frontier
    (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
    >>> StudyConfig.from_dict(config.to_dict()) == config
    True
    """

    data: str
    data_hash: str
    recipe: Recipe
    net: str = "recipe"
    methods: tuple = ("easycore", "random", "matched_random")
    fractions: tuple = (0.1, 0.3, 0.5)
    regimes: tuple = ("standard",)
    attacks: tuple = ("fgsm", "pgd")
    seeds: tuple = (0, 1, 2)
    budget: str = "epochs"
    scoring_runs: int = 1
    class_balanced: bool = True
    scores: str = None
    data_root: str = None
    scores_file: str = None
    frontier: tuple = ()

    @classmethod
    def create(cls, data, data_hash, recipe, *, net="recipe", methods=("easycore", "random"),
               fractions=(0.1, 0.3, 0.5), regimes=("standard",), attacks=("fgsm", "pgd"),
               seeds=3, budget="epochs", scoring_runs=1, class_balanced=True, scores=None,
               data_root=None, frontier=DEFAULT_FRONTIER):
        """Check every setting and make the configuration.

        EasyCore's class-matched random control is added whenever ``easycore``
        is a method; the full-data model is always a row and is not listed.
        ``seeds`` is a count (seeds ``0 .. seeds - 1``) or a list of seeds.
        ``frontier`` is a list of fractions in (0, 1), or ``()`` / None for
        no random-coreset frontier. Paths are made absolute. Every error names
        the setting and what it allows.
        """
        from ..results import method_order
        from ..results import file_identity
        from ._methods import MATCHED_CONTROL, check_methods

        methods = check_methods(methods)
        if "easycore" in methods and MATCHED_CONTROL not in methods:
            methods.append(MATCHED_CONTROL)
        methods = sorted(methods, key=method_order)
        for name, values, allowed in (("regimes", regimes, REGIMES),
                                      ("attacks", attacks, ATTACKS)):
            values = list(values) if not isinstance(values, str) else [values]
            bad = [v for v in values if v not in allowed]
            if bad or not values:
                raise ValueError(f"{name} must be a non-empty subset of {allowed}; got "
                                 f"{values}.")
        regimes = sorted(set(regimes if not isinstance(regimes, str) else [regimes]),
                         key=REGIMES.index)
        attacks = sorted(set(attacks if not isinstance(attacks, str) else [attacks]),
                         key=ATTACKS.index)
        if budget not in BUDGETS:
            raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}.")
        fractions = sorted({float(f) for f in fractions})
        if not fractions or any(not 0 < f < 1 for f in fractions):
            raise ValueError(f"fractions must lie in (0, 1) (the full data is always a row of "
                             f"the table); got {fractions}.")
        frontier = _frontier(frontier)
        if isinstance(seeds, Integral) and not isinstance(seeds, bool):
            seeds = list(range(_positive_int("seeds", seeds)))
        else:
            seeds = [int(s) for s in seeds]
            if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
                raise ValueError(f"seeds must be a count >= 1 or distinct seeds >= 0; got "
                                 f"{seeds}.")
            seeds = sorted(seeds)
        scoring_runs = _positive_int("scoring_runs", scoring_runs)
        if scores is not None and scoring_runs > 1:
            raise ValueError("scores (a scores file) and scoring_runs > 1 exclude each other: "
                             "the file holds one proxy's scores; average them when you make it.")
        absolute = lambda p: None if p is None else os.path.abspath(  # noqa: E731
            os.path.expanduser(os.fspath(p)))
        if not isinstance(recipe, Recipe):
            raise TypeError(f"recipe must be a Recipe; got {type(recipe).__name__}.")
        scores = absolute(scores)
        if scores is not None and not os.path.isfile(scores):
            raise FileNotFoundError(f"no such scores file: {scores} (scores= / --scores takes "
                                    "an .npz written by `sk-easycore score`).")
        if "autoattack" in ([attacks] if isinstance(attacks, str) else list(attacks)) \
                and recipe.clip_values is None:
            raise ValueError("attacks holds 'autoattack', which needs the recipe's clip_values "
                             "(the authors' AutoAttack keeps every example inside a box); the "
                             "recipe has clip_values=None.")
        return cls(
            data=str(data), data_hash=str(data_hash), recipe=recipe, net=str(net),
            methods=tuple(methods), fractions=tuple(fractions), regimes=tuple(regimes),
            attacks=tuple(attacks), seeds=tuple(seeds), budget=budget,
            scoring_runs=scoring_runs, class_balanced=bool(class_balanced),
            scores=scores, data_root=absolute(data_root),
            scores_file=None if scores is None else file_identity(scores),
            frontier=frontier,
        )

    def to_dict(self):
        """The configuration as JSON-ready data (what ``study.json`` holds)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["recipe"] = self.recipe.to_dict()
        for name in ("methods", "fractions", "regimes", "attacks", "seeds", "frontier"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data):
        """A configuration from :meth:`to_dict`'s data."""
        data = dict(data)
        data["recipe"] = Recipe.from_dict(data["recipe"])
        data.setdefault("frontier", ())  # stored before the frontier existed: none
        for name in ("methods", "fractions", "regimes", "attacks", "seeds", "frontier"):
            data[name] = tuple(data[name])
        return cls(**data)


def _frontier(frontier):
    """The frontier's fractions, sorted; None or empty: no frontier."""
    if frontier is None or (isinstance(frontier, str) and frontier.lower() == "none"):
        return ()
    values = [frontier] if isinstance(frontier, (Real, str)) else list(frontier)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, Real)
           or not 0 < v < 1]
    if bad:
        raise ValueError(f"frontier must be fractions in (0, 1) (the full data is always its "
                         f"last point), or () for no frontier; got {frontier!r}.")
    return tuple(sorted({float(v) for v in values}))
