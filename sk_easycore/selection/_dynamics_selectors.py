"""Selectors ranking a training-dynamics score of the proxy: GraNd, EL2N, forgetting, HardCore."""

from numbers import Integral

from scipy.stats import rankdata
from sklearn.utils._param_validation import Interval

from ._proxy import ProxyScoreSelector, proxy_attribute

__all__ = ["EL2NSelector", "ForgettingSelector", "GraNdSelector", "HardCoreSelector"]

_COMMON = """
    frac : float in (0, 1], default=0.3
        Fraction of the rows to keep (of each class when ``class_balanced``).
    class_balanced : bool, default=True
        Rank within each class and keep the same fraction of each.
    memory : None, str or joblib.Memory, default=None
        Also cache fitted proxies on disk (they are always cached in memory
        when seeded).
    random_state : int, RandomState instance or None, default=None
        Seeds the proxy when its own ``random_state`` is None; selectors with
        the same proxy and ``random_state`` share its training.
    verbose : int, default=0
        1 shows the proxy's training progress bar (0: silent).
"""


class _EarlyScoreSelector(ProxyScoreSelector):
    """Mean of one proxy attribute over ``n_repeats`` trainings of ``score_epoch`` epochs."""

    _attribute = None
    _parameter_constraints = {
        **ProxyScoreSelector._parameter_constraints,
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "score_epoch": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self, proxy=None, *, frac=0.3, n_repeats=1, score_epoch=None, class_balanced=True,
        memory=None, random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.frac = frac
        self.n_repeats = n_repeats
        self.score_epoch = score_epoch
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _scores(self, X, y):
        proxy = self._fit_proxy(X, y, n_repeats=self.n_repeats, score_epoch=self.score_epoch)
        self.proxies_ = list(getattr(proxy, "runs_", [proxy]))
        return proxy_attribute(proxy, self._attribute, type(self).__name__)


_EARLY = """
    n_repeats : int, default=1
        Average the score over this many proxy trainings with consecutive seeds
        (the paper uses 10 initializations).
    score_epoch : int or None, default=None
        Train each proxy this many epochs and score at that point (the paper
        scores early: epoch 20 of 200). None: the shared proxy's full training,
        so that with ``n_repeats=1`` no extra training happens.
"""


class GraNdSelector(_EarlyScoreSelector):
    __doc__ = """Keep the rows with the largest gradient norm (GraNd), early in training.

    GraNd [1]_ scores a sample by the expected L2 norm of its loss gradient
    with respect to the weights. As in the common cheap form (and DeepCore),
    only the last layer's gradient is used; for logits ``W h + b`` it has the
    closed form ``||softmax - onehot|| * sqrt(||h||^2 + 1)``, computed at the
    proxy's final weights, in eval mode (the proxy's ``grand_``). Keeps the
    highest.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``grand_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON.rstrip() + _EARLY + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        Mean last-layer gradient norm over the repeats.
    proxies_ : list of estimator
        The fitted proxies, one per repeat; ``proxy_`` is the first.
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Paul, Ganguli, Dziugaite. "Deep Learning on a Data Diet: Finding
       Important Examples Early in Training." NeurIPS 2021.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import GraNdSelector
    >>> X, y = load_digits_images()
    >>> proxy = TrainingDynamics(max_epochs=2)
    >>> selector = GraNdSelector(proxy, frac=0.1, random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_), selector.scores_.shape
    (30, (300,))
    """
    _attribute = "grand_"


class EL2NSelector(_EarlyScoreSelector):
    __doc__ = """Keep the rows with the largest error L2 norm (EL2N), early in training.

    EL2N [1]_ is ``||softmax(f(x)) - onehot(y)||_2``, computed at the proxy's
    final weights in eval mode (the proxy's ``el2n_``), averaged over
    ``n_repeats`` initializations. Keeps the highest.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``el2n_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON.rstrip() + _EARLY + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        Mean EL2N over the repeats.
    proxies_ : list of estimator
        The fitted proxies, one per repeat; ``proxy_`` is the first.
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Paul, Ganguli, Dziugaite. "Deep Learning on a Data Diet: Finding
       Important Examples Early in Training." NeurIPS 2021.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import EL2NSelector
    >>> X, y = load_digits_images()
    >>> selector = EL2NSelector(TrainingDynamics(max_epochs=2), n_repeats=2, score_epoch=1,
    ...                         random_state=0).fit(X[:300], y[:300])
    >>> len(selector.proxies_), bool(selector.scores_.max() <= 2 ** 0.5)
    (2, True)
    """
    _attribute = "el2n_"


class _ProxyAttributeSelector(ProxyScoreSelector):
    _attribute = None

    def __init__(
        self, proxy=None, *, frac=0.3, class_balanced=True, memory=None,
        random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _scores(self, X, y):
        return proxy_attribute(self._fit_proxy(X, y), self._attribute, type(self).__name__)


class ForgettingSelector(_ProxyAttributeSelector):
    __doc__ = """Keep the most forgotten rows: most correct -> incorrect transitions in training.

    Toneva et al. [1]_ count, for every sample, the forgetting events during
    training: the sample is classified correctly at one recorded epoch and
    incorrectly at the next (in the proxy's training step, ``mode="train"``).
    Samples never classified correctly count as forgotten more than any other
    (the proxy's ``forgetting_``). Keeps the highest; ties (most samples have
    0 or 1 events) break by the proxy's mean training loss, higher first, then
    by row order.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``forgetting_`` and ``loss_`` (default
        :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        Forgetting events (never-learned rows: the number of recorded epochs + 1).
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Toneva, Sordoni, des Combes, Trischler, Bengio, Gordon. "An Empirical
       Study of Example Forgetting during Deep Neural Network Learning." ICLR 2019.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import ForgettingSelector
    >>> X, y = load_digits_images()
    >>> selector = ForgettingSelector(TrainingDynamics(max_epochs=2), frac=0.2,
    ...                               random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    60
    """
    _attribute = "forgetting_"

    def _ranking(self):
        loss = getattr(self.proxy_, "loss_", None)
        if loss is None:
            return self.scores_
        # a tie-break strictly inside [count, count + 1): higher loss ranks higher
        return self.scores_ + rankdata(loss, method="ordinal") / (len(loss) + 1.0)


class HardCoreSelector(_ProxyAttributeSelector):
    __doc__ = """Keep the hardest fraction: the rows with the highest AIGN (EasyCore's opposite).

    The proxy's ``scores_`` (AIGN for :class:`~sk_easycore.scoring.TrainingDynamics`
    and :class:`~sk_easycore.scoring.AIGNScorer`), ranked from the top: the
    control that shows what keeping the boundary samples does [1]_.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``scores_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        AIGN of every row.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    See Also
    --------
    EasyCoreSelector : the lowest AIGN.

    References
    ----------
    .. [1] Ramesh, Roy, Ravikumar, Roy, Srinivasan. "The Easy Path to Robustness:
       Coreset Selection using Sample Hardness." arXiv:2510.11018, 2025.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import HardCoreSelector
    >>> X, y = load_digits_images()
    >>> selector = HardCoreSelector(TrainingDynamics(max_epochs=2), frac=0.5,
    ...                             random_state=0).fit(X[:300], y[:300])
    >>> hard = selector.sample_indices_
    >>> bool(selector.scores_[hard].mean() > selector.scores_.mean())
    True
    """
    _attribute = "scores_"
