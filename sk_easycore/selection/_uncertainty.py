"""UncertaintySelector: the rows the proxy is least sure about (confidence, entropy, margin)."""

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ._dynamics_selectors import _COMMON
from ._proxy import ProxyScoreSelector, proxy_attribute

__all__ = ["UncertaintySelector", "uncertainty_scores"]

METHODS = ("least_confidence", "entropy", "margin")


def uncertainty_scores(probas, method="least_confidence"):
    """Uncertainty of each row of predicted probabilities; higher = more uncertain.

    Parameters
    ----------
    probas : array-like of shape (n_samples, n_classes)
        Predicted class probabilities (rows sum to 1).
    method : {"least_confidence", "entropy", "margin"}, default="least_confidence"
        ``1 - max_k p_k``; ``-sum_k p_k log p_k``; or ``1 - (p_(1) - p_(2))``,
        one minus the gap between the two largest probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1, 0.0], [0.4, 0.35, 0.25]])
    >>> uncertainty_scores(p).round(3).tolist()
    [0.1, 0.6]
    >>> uncertainty_scores(p, "margin").round(3).tolist()
    [0.2, 0.95]
    """
    probas = np.asarray(probas, dtype=np.float64)
    if method == "least_confidence":
        return 1.0 - probas.max(axis=1)
    if method == "entropy":
        return -np.sum(probas * np.log(np.clip(probas, 1e-12, None)), axis=1)
    if method == "margin":
        top2 = np.sort(probas, axis=1)[:, -2:]
        return 1.0 - (top2[:, 1] - top2[:, 0])
    raise ValueError(f"method must be one of {METHODS}; got {method!r}.")


class UncertaintySelector(ProxyScoreSelector):
    __doc__ = """Keep the rows whose prediction is most uncertain.

    Scores the proxy's final probabilities (``probas_``, eval mode) by least
    confidence, entropy or margin [1]_ (see :func:`uncertainty_scores`) and
    keeps the most uncertain, in every method (higher score = more
    uncertain; DeepCore keeps the most certain in its entropy and margin
    branches).

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``probas_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    method : {"least_confidence", "entropy", "margin"}, default="least_confidence"
        The uncertainty measure.
    """ + _COMMON + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        Uncertainty of every row (higher = more uncertain).
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Coleman et al. "Selection via Proxy: Efficient Data Selection for
       Deep Learning." ICLR 2020.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import UncertaintySelector
    >>> X, y = load_digits_images()
    >>> selector = UncertaintySelector(TrainingDynamics(max_epochs=2), method="entropy",
    ...                                frac=0.1, random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """

    _parameter_constraints = {
        **ProxyScoreSelector._parameter_constraints,
        "method": [StrOptions(set(METHODS))],
    }

    def __init__(
        self, proxy=None, *, method="least_confidence", frac=0.3, class_balanced=True,
        memory=None, random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.method = method
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _scores(self, X, y):
        proxy = self._fit_proxy(X, y)
        return uncertainty_scores(proxy_attribute(proxy, "probas_", "UncertaintySelector"),
                                  self.method)
