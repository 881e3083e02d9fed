"""AdversarialTrainingClassifier: a skorch net trained by ART's TRADES or PGD training."""

import logging
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from ..data import AUGMENTATIONS, check_input, input_shape, is_dataset
from ..scoring import eval_input_gradient_norms
from ..utils import check_nd_X_y, initialize_net
from ._art import build_art_classifier, check_clip_values
from ._art_trainers import build_trainer
from ._attacks import AttackSpec, check_attack_data
from ._generator import batch_generator, epoch_order
from ._guards import art_quiet, seeded
from ._training_net import make_training_net

__all__ = ["AdversarialTrainingClassifier"]

logger = logging.getLogger(__name__)


class AdversarialTrainingClassifier(ClassifierMixin, BaseEstimator):
    """A skorch network trained adversarially by ART (TRADES or PGD adversarial training).

    ``fit`` clones ``net``, initializes it (weights, criterion, optimizer) and
    hands its module to ART, which trains it one epoch per call, ``max_epochs``
    times; the scheduler, if any, is stepped after every epoch. skorch's own
    training loop and callbacks do not run; ``net_`` is the trained skorch net
    and ``predict`` / ``predict_proba`` use it. As the last step after a
    selector in ``imblearn.pipeline.Pipeline``, one ``fit`` selects the coreset
    and trains on it adversarially.

    Both methods craft ``x_adv`` in eval mode with ``max_iter`` steps of
    ``eps_step``, projected onto the ``eps``-ball and into ``clip_values``
    after each step; ``inner`` chooses what the steps maximize:

    - ``inner="ce"``: ART's ``ProjectedGradientDescent`` on the network's own
      loss (cross-entropy) with the true labels, from a uniform random start in
      the ``eps``-ball.
    - ``inner="kl"`` (TRADES only): TRADES' own inner maximization of
      ``KL(f(x) || f(x_adv))``, label-free, from ``x + 0.001 * N(0, I)``
      (``sk_easycore.robustness._trades.TradesKLAttack``), as in the official
      TRADES code.

    The methods:

    - ``"trades"``: ART's ``AdversarialTrainerTRADESPyTorch``; the loss is
      ``CE(f(x), y) + beta * KL(f(x) || f(x_adv))``, with ``x_adv`` from the
      attack ``inner`` names (by default the KL one, TRADES' own).
    - ``"pgd"``: Madry et al.'s PGD adversarial training, every sample of every
      batch replaced by its adversarial example: ART's ``AdversarialTrainer``
      with ``ratio=1.0``, which is what ``AdversarialTrainerMadryPGD`` builds,
      here with the attack configured explicitly (that class's defaults are in
      0-255 pixel units). ``beta`` is unused; ``inner`` must be ``"ce"`` (or
      None).

    Parameters
    ----------
    net : skorch.NeuralNetClassifier or None, default=None
        The network to train (cloned, never modified). Its criterion must be
        ``CrossEntropyLoss`` (logits) or skorch's default ``NLLLoss``
        (probabilities); its ``optimizer``, ``lr``, ``batch_size`` and
        ``max_epochs`` are used. If None,
        :func:`~sk_easycore.models.make_default_net` builds a small CNN (4-D X)
        or residual MLP (2-D X).
    method : {"trades", "pgd"}, default="trades"
        The training objective (see above).
    eps : float > 0, default=8/255
        Perturbation budget during training, in the units of ``X`` (pixels in
        [0, 1]).
    eps_step : float > 0, default=2/255
        PGD step size, at most ``eps``.
    max_iter : int, default=10
        PGD iterations per batch.
    norm : {"inf", 2}, default="inf"
        Threat model of the training attack.
    inner : {"kl", "ce"} or None, default=None
        The inner maximization that crafts ``x_adv`` (see above): ``"kl"``
        (TRADES' own) or ``"ce"`` (ART's PGD on the cross-entropy). None means
        ``"kl"`` for ``method="trades"`` and ``"ce"`` for ``method="pgd"``;
        ``"kl"`` with ``method="pgd"`` raises a ValueError.
    beta : float >= 0, default=6.0
        TRADES' weight of the KL term.
    max_epochs : int or None, default=None
        Epochs; None uses the net's ``max_epochs``.
    clip_values : tuple of (float, float) or None, default=(0.0, 1.0)
        Valid input range; ``X`` must lie inside it. None for unbounded inputs.
    augment : {"none", "crop_flip"}, default="none"
        Training augmentation (``"crop_flip"``: random crop with 4-pixel padding
        and horizontal flip, for CIFAR), applied to every batch on the net's
        device *before* the inner attack, so that ``x_adv`` perturbs the very
        image the step trains on; never at prediction.
    scheduler : callable or None, default=None
        ``scheduler(optimizer) -> torch.optim.lr_scheduler.LRScheduler``, for
        example ``functools.partial(CosineAnnealingLR, T_max=30)``; stepped once
        after every epoch. (skorch's ``LRScheduler`` callback would not run,
        and ART refuses some schedulers, so a net with one raises.)
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the random starts (torch's
        generators and numpy's global one, each restored afterwards). Seeded, a
        net whose module is an instance starts from weights drawn from the seed
        (:func:`~sk_easycore.utils.initialize_net`).
    record_aign : bool, default=False
        After every epoch, also take each training sample's input-gradient
        norm on its clean input, in eval mode (the quantity of
        ``AIGNScorer(mode="eval")``), so that the AIGN of an adversarially
        trained network can be set beside a standard one's (see
        :func:`~sk_easycore.plotting.plot_score_comparison`). One extra
        forward-backward pass over the data per epoch.
    verbose : int, default=0
        1 shows a bar over epochs and logs each epoch; 2 also ART's bars.

    Attributes
    ----------
    net_ : skorch.NeuralNetClassifier
        The trained net (labels encoded as ``0 .. n_classes - 1``).
    classes_ : ndarray of shape (n_classes,)
        The labels, in the order of the net's outputs.
    n_features_in_ : int
        Size of the second axis of ``X``.
    input_shape_ : tuple of int
        Shape of one input, ``X.shape[1:]``.
    n_iter_ : int
        Epochs trained (scikit-learn's name for a solver's iterations; not to be
        confused with ``max_iter``, the PGD steps per batch).
    aign_ : ndarray of shape (n_samples,)
        With ``record_aign``: each training sample's input-gradient norm,
        averaged over the epochs (rows in the order of ``X``).
    aign_history_ : ndarray of shape (n_epochs, n_samples)
        With ``record_aign``: the norms of every epoch (float32).

    See Also
    --------
    sk_easycore.robustness.adversarial_accuracy : evaluate the trained model.
    sk_easycore.scoring.AIGNScorer : AIGN under standard (skorch) training.

    References
    ----------
    .. [1] Zhang et al. "Theoretically Principled Trade-off between Robustness
       and Accuracy." ICML 2019 (TRADES).
    .. [2] Madry et al. "Towards Deep Learning Models Resistant to Adversarial
       Attacks." ICLR 2018.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.robustness import AdversarialTrainingClassifier
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, module__width=8, criterion=torch.nn.CrossEntropyLoss,
    ...                           optimizer=torch.optim.Adam, lr=3e-3, max_epochs=2,
    ...                           train_split=None, verbose=0)
    >>> clf = AdversarialTrainingClassifier(net, eps=0.1, eps_step=0.05, max_iter=3,
    ...                                     random_state=0).fit(X[:300], y[:300])
    >>> clf.predict(X[300:305]).shape, clf.n_iter_
    ((5,), 2)

    The AIGN of an adversarially trained network, one value per training row:

    >>> clf = clf.set_params(record_aign=True).fit(X[:300], y[:300])
    >>> clf.aign_.shape, clf.aign_history_.shape
    ((300,), (2, 300))
    """

    _parameter_constraints = {
        "net": [HasMethods(["initialize", "predict_proba"]), None],
        "method": [StrOptions({"trades", "pgd"})],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "eps_step": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "norm": [StrOptions({"inf"}), Options(Real, {2, np.inf})],
        "inner": [StrOptions({"kl", "ce"}), None],
        "beta": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "clip_values": ["array-like", None],
        "augment": [StrOptions(set(AUGMENTATIONS))],
        "scheduler": [callable, None],
        "record_aign": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, net=None, *, method="trades", eps=8 / 255, eps_step=2 / 255, max_iter=10,
        norm="inf", inner=None, beta=6.0, max_epochs=None, clip_values=(0.0, 1.0),
        augment="none", scheduler=None, random_state=None, record_aign=False, verbose=0,
    ):
        self.net = net
        self.method = method
        self.eps = eps
        self.eps_step = eps_step
        self.max_iter = max_iter
        self.norm = norm
        self.inner = inner
        self.beta = beta
        self.max_epochs = max_epochs
        self.clip_values = clip_values
        self.augment = augment
        self.scheduler = scheduler
        self.random_state = random_state
        self.record_aign = record_aign
        self.verbose = verbose

    def _make_net(self, X, n_classes):
        """A clone of ``net``, or the default net for ``X`` (standardizing tables inside)."""
        return make_training_net(self.net, X, n_classes, verbose=max(self.verbose - 1, 0))

    def _inner(self):
        """The inner maximization to use: ``inner``, or the method's default for None."""
        if self.inner is None:
            return "kl" if self.method == "trades" else "ce"
        if self.inner == "kl" and self.method != "trades":
            raise ValueError(
                f'inner="kl" (TRADES\' KL inner maximization) needs method="trades"; with '
                f'method={self.method!r}, inner must be "ce" or None.'
            )
        return self.inner

    def fit(self, X, y=None):
        """Train a clone of the net adversarially on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
            Training inputs of any rank, inside ``clip_values`` (cast to
            float32), or a map-style dataset of ``(x, label)`` items, read batch
            by batch.
        y : array-like of shape (n_samples,) or None
            Class labels (any type; encoded through ``classes_``); None takes a
            dataset's own.

        Returns
        -------
        self : AdversarialTrainingClassifier
            The fitted estimator.
        """
        self._validate_params()
        if self.eps_step > self.eps:
            raise ValueError(
                f"eps_step={self.eps_step} is larger than eps={self.eps}: a PGD step must "
                "not exceed the perturbation budget."
            )
        inner = self._inner()
        clip_values = check_clip_values(self.clip_values)
        if is_dataset(X):
            # a dataset is read batch by batch (each batch checked inside clip_values)
            X, y = check_input(self, X, y)
            check_classification_targets(y)
        else:
            shape = np.asarray(y).shape
            if len(shape) == 2 and shape[1] > 1:
                raise ValueError("Multilabel and multioutput targets are not supported.")
            X, y = check_nd_X_y(self, X, y)
            check_classification_targets(y)
            X, _ = check_attack_data(X, None, clip_values, y_required=False)
            X = np.ascontiguousarray(X)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"AdversarialTrainingClassifier needs at least 2 classes in y; got 1 class "
                f"({self.classes_[0]!r})."
            )
        y_encoded = y_encoded.astype(np.int64)
        self.input_shape_ = tuple(input_shape(X)[1:])

        net = self._make_net(X, len(self.classes_))
        max_epochs = self.max_epochs if self.max_epochs is not None else net.max_epochs
        batch_size = len(X) if net.batch_size in (None, -1) else int(net.batch_size)
        spec = AttackSpec.from_args(
            "pgd", self.eps, eps_step=self.eps_step, norm=self.norm, max_iter=self.max_iter,
            batch_size=batch_size,
        )
        start = time.perf_counter()
        with seeded(self.random_state), art_quiet(self.verbose > 1):
            initialize_net(net, redraw=self.random_state is not None)
            classifier, _, _ = build_art_classifier(
                net, clip_values=clip_values, input_shape=self.input_shape_
            )
            if classifier.nb_classes != len(self.classes_):
                raise ValueError(
                    f"The net outputs {classifier.nb_classes} classes but y has "
                    f"{len(self.classes_)} ({self.classes_.tolist()}); set its number of "
                    "outputs to match (e.g. module__n_classes), or use net=None."
                )
            trainer = build_trainer(classifier, spec, method=self.method, inner=inner,
                                    beta=self.beta, verbose=self.verbose > 1)
            scheduler = None if self.scheduler is None else self.scheduler(net.optimizer_)
            generator = batch_generator(X, y_encoded, batch_size, augment=self.augment,
                                        device=net.device, clip_values=clip_values,
                                        on_device=self.method == "trades")
            history = []
            for epoch in tqdm(range(max_epochs), desc=f"{self.method} training",
                              disable=not self.verbose):
                # the rows of every epoch in the order ART's own fit(X, y) would take them
                generator.set_order(epoch_order(len(y_encoded),
                                                consumed_by_trainer=self.method == "pgd"))
                trainer.fit_generator(generator, nb_epochs=1)
                if scheduler is not None:
                    scheduler.step()
                if self.record_aign:
                    history.append(eval_input_gradient_norms(net, X, y_encoded))
                logger.info("%s epoch %d/%d done (%.1f s)", self.method, epoch + 1, max_epochs,
                            time.perf_counter() - start)
            net.module_.eval()
        self.net_ = net
        self.n_iter_ = max_epochs
        if self.record_aign:
            self.aign_history_ = np.stack(history)
            self.aign_ = self.aign_history_.mean(axis=0, dtype=np.float64)
        else:  # a refit without recording must not keep the last fit's norms
            for name in ("aign_", "aign_history_"):
                self.__dict__.pop(name, None)
        return self

    def _check_X(self, X):
        check_is_fitted(self, "net_")
        if is_dataset(X):
            if tuple(input_shape(X)[1:]) != self.input_shape_:
                raise ValueError(
                    f"the dataset has inputs of shape {tuple(input_shape(X)[1:])}; this "
                    f"estimator was fit on inputs of shape {self.input_shape_}.")
            return X
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32,
                          ensure_all_finite=True)
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}; this estimator was fit on "
                f"samples of shape {self.input_shape_}."
            )
        return np.ascontiguousarray(X)

    def predict_proba(self, X):
        """Class probabilities of the trained net.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs shaped like the training inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._check_X(X)  # before touching net_: unfitted -> NotFittedError
        return np.asarray(self.net_.predict_proba(X), dtype=np.float64)

    def predict(self, X):
        """Predicted labels (from ``classes_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs shaped like the training inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        return tags

