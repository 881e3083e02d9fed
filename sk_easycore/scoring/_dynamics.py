"""TrainingDynamics: one proxy training, every per-sample score the baselines need."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import is_dataset
from ._aign import AIGNScorer
from ._dynamics_recorder import DynamicsRecorder
from ._probe import check_logits_criterion, forward_outputs

__all__ = ["TrainingDynamics"]


class TrainingDynamics(AIGNScorer):
    """Train one proxy network and record what every coreset baseline scores from it.

    ``fit(X, y)`` trains a clone of ``net`` once, on all rows, exactly as
    :class:`AIGNScorer` does (same seeding, same recording modes), and records
    per sample and recorded epoch: the input-gradient norm (AIGN), the
    cross-entropy, EL2N, the last-layer gradient norm (GraNd) and whether the
    sample is classified correctly. After training, one eval-mode pass gives
    the final probabilities, penultimate embeddings, EL2N and GraNd. The
    selectors of :mod:`sk_easycore.selection` take such a fitted proxy; through
    the fitted-scorer cache, selectors given the same proxy parameters and
    ``random_state`` share one training.

    ``scores_`` is AIGN, so ``EasyCoreSelector(TrainingDynamics(...))`` uses the
    same proxy as the baselines (with the same net and seed its scores equal
    :class:`AIGNScorer`'s bit for bit).

    Parameters
    ----------
    net : skorch.NeuralNetClassifier or None, default=None
        The proxy network (cloned, never modified), trained with
        ``torch.nn.CrossEntropyLoss`` on logits or skorch's ``NLLLoss`` on
        probabilities. None: :func:`~sk_easycore.models.make_default_net`.
    mode : {"train", "eval"}, default="train"
        Where the per-epoch statistics are taken: from the training step's own
        forward and backward pass (no extra pass; the weights move during the
        epoch, as Toneva et al. count forgetting), or from an eval-mode pass
        after every ``every`` epochs. See :class:`AIGNScorer`.
    every : int, default=1
        Record epochs ``every, 2 * every, ...`` only.
    max_epochs : int or None, default=None
        Train this many epochs instead of the net's ``max_epochs``. GraNd and
        EL2N selectors set it to score early in training.
    keep_history : bool, default=False
        Keep the per-epoch rows (``aign_history_`` and ``history_``: 5 float32
        values per sample and epoch, 1.3 GB for CIFAR-10 x 200 epochs). By
        default only running sums are kept.
    keep_outputs : bool, default=True
        Keep ``probas_`` and ``embeddings_`` (n x n_classes and n x d float32:
        2 MB and 100 MB for CIFAR-10 with ResNet-18, 5 GB and 10 GB for ImageNet
        with ResNet-50). Methods that only rank AIGN, EL2N, GraNd or forgetting
        do not need them.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and batch shuffling.
    verbose : int, default=0
        1 shows a progress bar over epochs; 2 also skorch's epoch table for the
        default net.

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        AIGN: the mean recorded input-gradient norm.
    loss_ : ndarray of shape (n_samples,)
        Mean recorded cross-entropy.
    el2n_ : ndarray of shape (n_samples,)
        ``||softmax(f(x)) - onehot(y)||_2`` at the final weights (eval mode).
    grand_ : ndarray of shape (n_samples,) or None
        Last-layer gradient norm at the final weights,
        ``el2n_ * sqrt(||h||^2 + 1)`` with ``h`` the output layer's input; None
        when the module's output is not the output of an ``nn.Linear``.
    forgetting_ : ndarray of shape (n_samples,)
        Number of forgetting events (correct at one recorded epoch, incorrect
        at the next); samples never classified correctly get
        ``len(recorded_epochs_) + 1``, more than any sample can reach.
    learned_ : ndarray of shape (n_samples,)
        Whether the sample was classified correctly at some recorded epoch.
    probas_ : ndarray of shape (n_samples, n_classes) or None
        Final softmax probabilities (eval mode), columns in ``classes_`` order.
    embeddings_ : ndarray of shape (n_samples, n_features_out) or None
        Final penultimate features (eval mode): ``module_.embed(X)`` when the
        module has ``embed`` (every model of :mod:`sk_easycore.models`), else
        the input of the ``nn.Linear`` whose output the module returns.
    history_ : dict of ndarray or None
        With ``keep_history``: ``loss``, ``el2n``, ``grand``, ``correct``, each
        of shape (n_recorded_epochs, n_samples).
    aign_history_, recorded_epochs_, net_, classes_, n_features_in_
        As for :class:`AIGNScorer`.

    See Also
    --------
    AIGNScorer : AIGN alone.

    References
    ----------
    .. [1] Paul, Ganguli, Dziugaite. "Deep Learning on a Data Diet: Finding
       Important Examples Early in Training." NeurIPS 2021 (EL2N, GraNd).
    .. [2] Toneva et al. "An Empirical Study of Example Forgetting during Deep
       Neural Network Learning." ICLR 2019.
    .. [3] Ramesh et al. "The Easy Path to Robustness: Coreset Selection using
       Sample Hardness." arXiv:2510.11018, 2025 (AIGN).

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=2, verbose=0)
    >>> proxy = TrainingDynamics(net, random_state=0).fit(X[:200], y[:200])
    >>> proxy.scores_.shape, proxy.probas_.shape, proxy.embeddings_.shape
    ((200,), (200, 10), (200, 128))
    >>> bool((proxy.grand_ >= proxy.el2n_).all())  # sqrt(||h||^2 + 1) >= 1
    True
    """

    _parameter_constraints = {
        **AIGNScorer._parameter_constraints,
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "keep_outputs": ["boolean"],
    }

    def __init__(
        self, net=None, *, mode="train", every=1, max_epochs=None, keep_history=False,
        keep_outputs=True, random_state=None, verbose=0,
    ):
        self.net = net
        self.mode = mode
        self.every = every
        self.max_epochs = max_epochs
        self.keep_history = keep_history
        self.keep_outputs = keep_outputs
        self.random_state = random_state
        self.verbose = verbose

    def _make_net(self, shape):
        net = super()._make_net(shape)
        check_logits_criterion(net)
        if self.max_epochs is not None:
            net.set_params(max_epochs=self.max_epochs)
        return net

    def _make_recorder(self, n_samples):
        return DynamicsRecorder(
            n_samples, mode=self.mode, every=self.every,
            keep_history=self.keep_history, verbose=self.verbose,
        )

    def _set_fitted(self, net, recorder, X, y):
        super()._set_fitted(net, recorder, X, y)
        self.loss_ = recorder.loss_sum_ / recorder.dynamics_count_
        never = len(recorder.epochs_) + 1
        self.forgetting_ = np.where(recorder.learned_, recorder.forgetting_events_, never)
        self.forgetting_ = self.forgetting_.astype(np.float64)
        self.learned_ = recorder.learned_
        self.history_ = None
        if self.keep_history:
            self.history_ = {
                name: np.stack(rows) for name, rows in recorder.dynamics_history_.items()
            }
            if np.isnan(self.history_["grand"]).all():
                self.history_["grand"] = None
        outputs = forward_outputs(net, X, y, keep_outputs=self.keep_outputs)
        self.el2n_, self.grand_ = outputs["el2n"], outputs["grand"]
        self.probas_, self.embeddings_ = outputs["probas"], outputs["embeddings"]

    def predict_outputs(self, X):
        """Final probabilities and embeddings of new rows, as ``probas_`` and ``embeddings_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
            Inputs shaped like the training rows.

        Returns
        -------
        probas : ndarray of shape (n_samples, n_classes)
        embeddings : ndarray of shape (n_samples, n_features_out) or None
        """
        check_is_fitted(self, "net_")
        if not is_dataset(X):
            X = np.ascontiguousarray(
                validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32))
        outputs = forward_outputs(self.net_, X)
        return outputs["probas"], outputs["embeddings"]
