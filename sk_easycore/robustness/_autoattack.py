"""Standard AutoAttack (the version RobustBench reports) through ART, and ART's own default suite.

Croce & Hein (ICML 2020), version "standard": APGD-CE, APGD-T (targeted DLR
loss, the 9 classes ranked 2 to 10 by the clean logits as targets), FAB-T and
Square with 5000 queries, each with one restart and each run only on the
samples every attack before it failed on. ART's ``AutoAttack`` runs another
suite by default (APGD-CE and APGD-DLR with 5 restarts, DeepFool, Square);
:func:`~sk_easycore.robustness.build_art_default_autoattack` keeps that one available.

ART's ``difference_logits_ratio`` loss is not AutoAttack's targeted DLR: with
``targeted=True`` ART takes the labels as the target ``t`` and minimizes
``-(z_t - max_{j != t} z_j) / (z_pi1 - z_pi3)``, where AutoAttack maximizes
``-(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2)`` for the true class ``y``
(``z_pi1 >= z_pi2 >= ...`` the sorted logits), and ART's targeted mode keeps an
example only if it is classified as the target, where AutoAttack's APGD-T
counts any misclassification. Here APGD-T is ART's
``AutoProjectedGradientDescent`` run untargeted on a second ART classifier that
shares the model and whose loss is :func:`~sk_easycore.robustness.targeted_dlr_loss`; the target
travels inside the labels ART passes to the loss (``one_hot(y) -
one_hot(t)``: its argmax is the true class ART checks, its argmin the target).

ART is imported only when an attack is built: :class:`StandardAutoAttack`
subclasses ART's ``EvasionAttack``, so it is made by a cached factory and
reached through the module's ``__getattr__``.
"""

import contextlib
import functools
import logging
import time
from numbers import Integral

import numpy as np
import torch

from ._dlr import TargetedDLRLoss, encode_targets
from ._ops import check_attack_params, label_indices

__all__ = ["STANDARD_ATTACKS", "StandardAutoAttack", "build_standard_autoattack"]

logger = logging.getLogger(__name__)

STANDARD_ATTACKS = ("apgd-ce", "apgd-t", "fab-t", "square")


def _art_norm(norm):
    return np.inf if norm == "inf" else norm


_STANDARD_DOC = """Standard AutoAttack (Croce & Hein 2020, version "standard") through ART.

    Runs, in order, each on the samples still classified correctly:

    1. **APGD-CE**: ART's ``AutoProjectedGradientDescent`` with the
       cross-entropy loss, ``n_iter`` iterations, ``n_restarts`` random starts,
       initial step ``2 * eps``;
    2. **APGD-T**: the same with AutoAttack's targeted DLR loss
       (:func:`targeted_dlr_loss`), once per target among the classes ranked
       2, 3, ..., ``n_target_classes + 1`` by the clean logits;
    3. **FAB-T**: :class:`~sk_easycore.robustness._fab.FABTargeted` with the
       same targets;
    4. **Square**: ART's ``SquareAttack`` with ``n_queries`` queries and
       ``p_init=0.8`` (image inputs of rank 4 only, others skip it with a
       warning; ART's SquareAttack fails on images of side 4 or less).

    Each attack's examples are projected onto the ``eps``-ball and
    ``clip_values`` (exactly, see ``_attacks.project``) before they are
    checked, and a sample counts as broken by the first attack that
    misclassifies it. With fewer than ``n_target_classes + 1`` classes every
    other class is a target. Randomness (APGD's and Square's starts, FAB's
    restarts) comes from numpy's and torch's global generators: seed them for
    reproducible runs (``adversarial_accuracy`` does).

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The model to attack; it must output logits and know its
        ``input_shape``.
    norm : {"inf", 2}, default="inf"
        Threat model.
    eps : float > 0, default=0.3
        Perturbation budget, in the units of ``x``.
    n_iter : int, default=100
        Iterations of APGD-CE, of APGD-T per target and of FAB-T per target.
    n_restarts : int, default=1
        Restarts of each attack.
    n_target_classes : int, default=9
        Targets of APGD-T and FAB-T, at most ``nb_classes - 1``.
    n_queries : int, default=5000
        Square's queries (its ``max_iter``).
    attacks : tuple of str, default=("apgd-ce", "apgd-t", "fab-t", "square")
        The attacks to run: any of these four, always run in this order.
    batch_size : int, default=128
        Batch size of the attacks and of prediction.
    verbose : bool, default=False
        ART's progress bars and log lines, and one INFO line per attack.

    Attributes
    ----------
    breakdown_ : dict
        After :meth:`generate`: ``{"clean": misclassified without attack,
        attack: samples it broke, ...}`` in the order run; its values plus
        ``robust_.sum()`` add up to the number of samples.
    robust_ : ndarray of bool, shape (n_samples,)
        Still classified correctly after every attack.
    timings_ : dict
        Seconds each attack took.
    targeted : bool
        False: ``generate`` takes the true labels.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from art.estimators.classification import PyTorchClassifier
    >>> from sk_easycore.robustness._autoattack import StandardAutoAttack
    >>> from sk_easycore.utils import torch_seed
    >>> with torch_seed(0):
    ...     model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3))
    >>> clf = PyTorchClassifier(model, loss=torch.nn.CrossEntropyLoss(), input_shape=(1, 8, 8),
    ...                         nb_classes=3, clip_values=(0.0, 1.0))
    >>> x = np.random.default_rng(0).uniform(size=(20, 1, 8, 8)).astype(np.float32)
    >>> y = clf.predict(x).argmax(1)
    >>> attack = StandardAutoAttack(clf, eps=0.05, n_queries=200)
    >>> x_adv = attack.generate(x, y)
    >>> x_adv.shape, bool(np.abs(x_adv - x).max() <= 0.05)
    ((20, 1, 8, 8), True)
    >>> list(attack.breakdown_)
    ['clean', 'apgd-ce', 'apgd-t', 'fab-t', 'square']
    >>> sum(attack.breakdown_.values()) + int(attack.robust_.sum())
    20
    """


@functools.cache
def _standard_class():
    """Define StandardAutoAttack on first use, so that ART is imported only then."""
    from art.attacks.attack import EvasionAttack
    from art.attacks.evasion import AutoProjectedGradientDescent, SquareAttack
    from art.estimators.classification import PyTorchClassifier
    from art.estimators.classification.classifier import ClassifierMixin
    from art.estimators.estimator import BaseEstimator, LossGradientsMixin

    from ._ops import input_gradients_only, project
    from ._fab import FABTargeted
    from ._guards import art_quiet

    class StandardAutoAttack(EvasionAttack):
        __doc__ = _STANDARD_DOC

        attack_params = EvasionAttack.attack_params + [
            "norm", "eps", "n_iter", "n_restarts", "n_target_classes", "n_queries", "attacks",
            "batch_size", "verbose",
        ]
        _estimator_requirements = (BaseEstimator, LossGradientsMixin, ClassifierMixin)

        def __init__(self, classifier, norm="inf", eps=0.3, n_iter=100, n_restarts=1,
                     n_target_classes=9, n_queries=5000, attacks=STANDARD_ATTACKS,
                     batch_size=128, verbose=False):
            super().__init__(estimator=classifier)
            self.norm = norm
            self.eps = eps
            self.n_iter = n_iter
            self.n_restarts = n_restarts
            self.n_target_classes = n_target_classes
            self.n_queries = n_queries
            self.attacks = attacks
            self.batch_size = batch_size
            self.verbose = verbose
            self._check_params()

        def _check_params(self):
            super()._check_params()
            if not isinstance(self.estimator, PyTorchClassifier):
                raise TypeError(
                    "StandardAutoAttack needs an ART PyTorchClassifier; got "
                    f"{type(self.estimator).__name__}."
                )
            check_attack_params(self)
            if not isinstance(self.n_queries, Integral) or isinstance(self.n_queries, bool) \
                    or self.n_queries < 1:
                raise ValueError(f"n_queries must be an int >= 1; got {self.n_queries!r}.")
            attacks = (self.attacks,) if isinstance(self.attacks, str) else tuple(self.attacks)
            unknown = [a for a in attacks if a not in STANDARD_ATTACKS]
            if unknown or not attacks or len(set(attacks)) != len(attacks):
                raise ValueError(
                    f"attacks must be distinct names among {STANDARD_ATTACKS}; "
                    f"got {self.attacks!r}."
                )
            self.attacks = tuple(a for a in STANDARD_ATTACKS if a in attacks)

        def _predict(self, x):
            return np.argmax(self.estimator.predict(x, batch_size=self.batch_size), axis=1)

        def generate(self, x, y=None, **kwargs):
            """Run the attacks in turn; return the adversarial examples.

            Parameters
            ----------
            x : ndarray of shape (n_samples, ...)
                Inputs inside ``clip_values``.
            y : ndarray of shape (n_samples,) or (n_samples, nb_classes), or None
                True labels (indices or one-hot); None uses the predictions.
            **kwargs
                Ignored (ART's interface).

            Returns
            -------
            x_adv : ndarray of x's shape, float32
                Every row inside the ``eps``-ball around its input and inside
                ``clip_values``; the input itself where every attack failed.
            """
            x = np.asarray(x, dtype=np.float32)
            logits = self.estimator.predict(x, batch_size=self.batch_size)
            predicted = np.argmax(logits, axis=1)
            if y is None:
                logger.info("StandardAutoAttack: no labels given, attacking the predictions")
                y = predicted
            y = label_indices(y, len(x))
            ranked = np.argsort(-logits, axis=1, kind="stable")
            robust = predicted == y
            x_adv = x.copy()
            self.breakdown_ = {"clean": int(np.sum(~robust))}
            self.timings_ = {}
            with art_quiet(self.verbose), input_gradients_only(self.estimator.model):
                for name in self.attacks:
                    runs = self._runs(name, x, ranked)
                    if runs is None:
                        continue
                    start, broken = time.perf_counter(), 0
                    for run in runs:
                        todo = np.flatnonzero(robust)
                        if todo.size == 0:
                            break
                        adv = self._within_budget(run(x[todo], y[todo], todo), x[todo])
                        fooled = self._predict(adv) != y[todo]
                        x_adv[todo[fooled]] = adv[fooled]
                        robust[todo[fooled]] = False
                        broken += int(fooled.sum())
                    self.breakdown_[name] = broken
                    self.timings_[name] = time.perf_counter() - start
                    log = logger.info if self.verbose else logger.debug
                    log("%s broke %d samples in %.1f s; robust accuracy %.4f", name, broken,
                        self.timings_[name], robust.mean())
            self.robust_ = robust
            return x_adv

        def _within_budget(self, adv, x):
            adv = np.array(adv, dtype=np.float32)
            broken = ~np.isfinite(adv.reshape(len(adv), -1)).all(axis=1)
            adv[broken] = x[broken]  # never hand on a NaN an ART part may have made
            clip = self.estimator.clip_values
            clip = None if clip is None else tuple(clip)
            return project(adv, x, float(self.eps), self.norm, clip)

        def _runs(self, name, x, ranked):
            """The callables ``(x, y, rows) -> x_adv`` that make up one attack, or None to skip."""
            common = dict(norm=_art_norm(self.norm), eps=float(self.eps),
                          batch_size=self.batch_size, verbose=self.verbose)
            n_targets = min(self.n_target_classes, self.estimator.nb_classes - 1)
            if name == "apgd-ce":
                apgd = AutoProjectedGradientDescent(
                    self.estimator, eps_step=2 * float(self.eps), max_iter=self.n_iter,
                    targeted=False, nb_random_init=self.n_restarts, loss_type="cross_entropy",
                    **common,
                )
                return [lambda x_, y_, rows: apgd.generate(x_, y=y_)]
            if name == "apgd-t":
                apgd = AutoProjectedGradientDescent(
                    self._dlr_classifier(), eps_step=2 * float(self.eps), max_iter=self.n_iter,
                    targeted=False, nb_random_init=self.n_restarts, loss_type=None, **common,
                )
                nb_classes = self.estimator.nb_classes

                def run(rank):
                    return lambda x_, y_, rows: apgd.generate(
                        x_, y=encode_targets(y_, ranked[rows, rank], nb_classes))

                return [run(rank) for rank in range(1, n_targets + 1)]
            if name == "fab-t":
                fab = FABTargeted(
                    self.estimator, norm=self.norm, eps=float(self.eps), n_iter=self.n_iter,
                    n_restarts=self.n_restarts, n_target_classes=n_targets,
                    batch_size=self.batch_size, verbose=self.verbose,
                )
                return [lambda x_, y_, rows: fab.generate(x_, y_)]
            if x.ndim != 4:
                logger.warning("StandardAutoAttack skips Square: ART's SquareAttack needs "
                               "images of shape (n, C, H, W); got x of rank %d", x.ndim)
                return None
            square = SquareAttack(self.estimator, max_iter=self.n_queries, p_init=0.8,
                                  nb_restarts=self.n_restarts, **common)

            def run_square(x_, y_, rows):
                # ART's L2 Square divides 0 by 0 for its first proposal on images of side < 10
                # (NaN, so rejected): keep that quiet
                with np.errstate(invalid="ignore", divide="ignore"):
                    return square.generate(x_, y=y_)

            return [run_square]

        def _dlr_classifier(self):
            """A second ART classifier on the same module, whose loss is the targeted DLR."""
            clf = self.estimator
            cuda = clf.device.type == "cuda"
            where = torch.cuda.device(clf.device) if cuda else contextlib.nullcontext()
            with where:
                return PyTorchClassifier(
                    model=clf.model, loss=TargetedDLRLoss(), input_shape=clf.input_shape,
                    nb_classes=clf.nb_classes, optimizer=None, channels_first=clf.channels_first,
                    clip_values=clf.clip_values, preprocessing_defences=clf.preprocessing_defences,
                    postprocessing_defences=clf.postprocessing_defences,
                    preprocessing=clf.preprocessing, device_type="gpu" if cuda else "cpu",
                )

    StandardAutoAttack.__module__ = __name__
    StandardAutoAttack.__qualname__ = "StandardAutoAttack"
    return StandardAutoAttack


def __getattr__(name):
    if name == "StandardAutoAttack":
        return _standard_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_standard_autoattack(classifier, *, eps, norm="inf", batch_size=128, verbose=False,
                              n_iter=100, n_restarts=1, n_target_classes=9, n_queries=5000,
                              attacks=STANDARD_ATTACKS):
    """Standard AutoAttack (APGD-CE, APGD-T, FAB-T, Square) on an ART classifier.

    The version RobustBench reports; see :class:`StandardAutoAttack` for what
    each part does. The defaults are the standard version's; the other
    keywords exist for quick runs and ablations.

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The model to attack, for example from :func:`to_art_classifier`.
    eps : float > 0
        Perturbation budget, in the units of the inputs.
    norm : {"inf", 2}, default="inf"
        Threat model.
    batch_size : int, default=128
        Batch size of the attacks.
    verbose : bool, default=False
        ART's progress bars and log lines.
    n_iter, n_restarts, n_target_classes, n_queries, attacks
        As in :class:`StandardAutoAttack` (standard: 100, 1, 9, 5000, all four).

    Returns
    -------
    attack : StandardAutoAttack
        An ART ``EvasionAttack``; ``attack.generate(x, y)`` with the true
        labels, then ``attack.breakdown_``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from art.estimators.classification import PyTorchClassifier
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    >>> clf = PyTorchClassifier(model, loss=torch.nn.CrossEntropyLoss(), input_shape=(1, 4, 4),
    ...                         nb_classes=3, clip_values=(0.0, 1.0))
    >>> attack = build_standard_autoattack(clf, eps=0.03)
    >>> type(attack).__name__, attack.attacks, attack.n_target_classes, attack.n_queries
    ('StandardAutoAttack', ('apgd-ce', 'apgd-t', 'fab-t', 'square'), 9, 5000)
    """
    return _standard_class()(
        classifier, norm=norm, eps=eps, n_iter=n_iter, n_restarts=n_restarts,
        n_target_classes=n_target_classes, n_queries=n_queries, attacks=attacks,
        batch_size=batch_size, verbose=verbose,
    )


# The class exists only once ART is imported, so its docstring is handed to doctest here.
__test__ = {"StandardAutoAttack": _STANDARD_DOC}
