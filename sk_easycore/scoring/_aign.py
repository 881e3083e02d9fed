"""AIGNScorer: each sample's Average Input Gradient Norm over training."""

import logging
import time
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from ..data import LabeledDataset, check_input, input_shape
from ..utils import initialize_net, int_seed, torch_seed
from ..models import make_default_net
from ._recorder import InputGradientRecorder

__all__ = ["AIGNScorer"]

logger = logging.getLogger(__name__)


class AIGNScorer(BaseEstimator):
    """Score sample hardness as the Average Input Gradient Norm (AIGN).

    ``fit(X, y)`` trains a clone of ``net`` on all the samples (no validation
    split) and records, for every recorded epoch ``e`` and sample ``i``, the L2
    norm ``||d loss(f_e(x_i), y_i) / d x_i||_2``. The score of a sample is the
    mean over recorded epochs; higher means harder. EasyCore keeps the lowest.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier or None, default=None
        The network to train (cloned, never modified). Any module skorch
        accepts works, and ``X`` keeps its rank (images stay 4-D). Its
        ``train_split`` is set to None so that every sample is scored. If None,
        :func:`~sk_easycore.models.make_default_net` builds a small CNN (4-D X),
        1-D CNN (3-D X) or residual MLP (2-D X) trained for 20 epochs.
    mode : {"train", "eval"}, default="train"
        ``"train"``: take the norm from the training step's own backward pass
        (no extra pass over the data; the mean reduction of the loss is undone).
        With batch normalization in train mode the samples of a batch are
        coupled through the batch statistics, so the value approximates the
        eval-mode one. ``"eval"``: a separate pass in eval mode over the raw
        arrays (no augmentation) after every ``every`` epochs; exact per sample.
    every : int, default=1
        Record epochs ``every, 2 * every, ...`` only.
    keep_history : bool, default=True
        Keep the per-epoch norms in ``aign_history_`` (n_recorded x n_samples
        float32: 460 MB for ImageNet x 90 epochs). If False only a running sum
        per sample is kept.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and batch shuffling (torch's generators are
        forked, so the caller's random state is left unchanged). Seeded, a net
        whose module is an instance starts from weights drawn from the seed too
        (:func:`~sk_easycore.utils.initialize_net`), not from the instance's.
    verbose : int, default=0
        1 shows a progress bar over epochs; 2 also skorch's epoch table for the
        default net.

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        AIGN of each sample: the mean of its recorded norms.
    aign_history_ : ndarray of shape (n_recorded_epochs, n_samples) or None
        The recorded norms, one row per recorded epoch (None unless
        ``keep_history``).
    recorded_epochs_ : ndarray of shape (n_recorded_epochs,)
        The 1-based epochs that were recorded.
    net_ : skorch.NeuralNetClassifier
        The trained net (labels encoded as ``0 .. n_classes - 1``).
    classes_ : ndarray of shape (n_classes,)
        The labels, in the order of the net's outputs.
    n_features_in_ : int
        Size of the second axis of ``X``.

    See Also
    --------
    sk_easycore.selection.EasyCoreSelector : keep the lowest-AIGN fraction.

    References
    ----------
    .. [1] Ramesh, Roy, Ravikumar, Roy, Srinivasan. "The Easy Path to Robustness:
       Coreset Selection using Sample Hardness." arXiv:2510.11018, 2025.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.scoring import AIGNScorer
    >>> from sk_easycore.selection import EasyCoreSelector
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=3, iterator_train__shuffle=True, verbose=0)
    >>> scorer = AIGNScorer(net, random_state=0).fit(X[:200], y[:200])
    >>> scorer.scores_.shape, scorer.aign_history_.shape
    ((200,), (3, 200))

    Scores are a property of the data: compute them once with one model and
    select for another by passing the array as the scorer:

    >>> scores = scorer.scores_
    >>> X_easy, y_easy = EasyCoreSelector(scorer=scores, frac=0.3).fit_resample(
    ...     X[:200], y[:200])
    >>> X_easy.shape
    (60, 1, 8, 8)
    """

    _parameter_constraints = {
        "net": [HasMethods(["initialize", "partial_fit"]), None],
        "mode": [StrOptions({"train", "eval"})],
        "every": [Interval(Integral, 1, None, closed="left")],
        "keep_history": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, net=None, *, mode="train", every=1, keep_history=True, random_state=None, verbose=0
    ):
        self.net = net
        self.mode = mode
        self.every = every
        self.keep_history = keep_history
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Train the net on all of ``(X, y)`` and record every sample's AIGN.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
            Training inputs of any rank (arrays and DataFrames are validated and
            cast to float32), or a map-style dataset of ``(x, label)`` items,
            read batch by batch and never held in memory.
        y : array-like of shape (n_samples,) or None
            Class labels; None takes a dataset's own labels.

        Returns
        -------
        self : AIGNScorer
            The fitted scorer.
        """
        self._validate_params()
        X, y = check_input(self, X, y)
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        y_encoded = y_encoded.astype(np.int64, copy=False)

        net = self._make_net(input_shape(X))
        seed = int_seed(self.random_state)

        recorder = self._make_recorder(len(X))
        start = time.perf_counter()
        with torch_seed(seed):
            initialize_net(net, redraw=seed is not None)
            with recorder.recording(net):
                net.partial_fit(LabeledDataset(X, y_encoded, with_index=True), y_encoded)
        if not recorder.epochs_:
            raise ValueError(
                f"No epoch was recorded: every={self.every} exceeds the net's "
                f"max_epochs={net.max_epochs}. Use every <= max_epochs."
            )
        unseen = np.flatnonzero(recorder.count_ == 0)
        if unseen.size:
            raise RuntimeError(
                f"{unseen.size} samples never reached a recorded training step (first: "
                f"{unseen[:5].tolist()}); does the net drop batches (drop_last=True) "
                "or sample rows itself?"
            )
        self._set_fitted(net, recorder, X, y_encoded)
        logger.info(
            "AIGN of %d samples over %d recorded epochs (%s mode) in %.1f s",
            len(X), len(recorder.epochs_), self.mode, time.perf_counter() - start,
        )
        return self

    # Steps a subclass that records more during the same training overrides.
    def _make_net(self, shape):
        if self.net is None:
            net = make_default_net(shape, len(self.classes_), verbose=max(self.verbose - 1, 0))
        else:
            net = clone(self.net)
        return net.set_params(train_split=None)

    def _make_recorder(self, n_samples):
        return InputGradientRecorder(
            n_samples, mode=self.mode, every=self.every,
            keep_history=self.keep_history, verbose=self.verbose,
        )

    def _set_fitted(self, net, recorder, X, y):
        self.net_ = net
        self.scores_ = recorder.sum_ / recorder.count_
        self.recorded_epochs_ = np.asarray(recorder.epochs_)
        self.aign_history_ = np.stack(recorder.history_) if self.keep_history else None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags
