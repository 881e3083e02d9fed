"""Greedy selectors in the proxy's output spaces: herding, k-center greedy, contextual diversity.

Each runs per class when ``class_balanced`` (over all rows otherwise) and keeps
O(n) state: one matrix-vector product per pick, never a pairwise matrix.
"""

import numpy as np
from sklearn.utils import check_random_state

from ..base import selection_groups
from ._dynamics_selectors import _COMMON
from ._proxy import ProxySelector, proxy_attribute

__all__ = [
    "ContextualDiversitySelector", "HerdingSelector", "KCenterGreedySelector",
    "herding", "k_center_greedy",
]

_EPS = 1e-12


def herding(features, k):
    """Greedy herding: pick rows one by one so the running mean tracks the mean of all rows.

    At step ``t`` the row ``x`` minimizing ``||(t + 1) mu - S_t - x||`` is
    added, with ``mu`` the mean of all rows and ``S_t`` the sum of the rows
    picked so far (Welling 2009; Chen, Welling, Smola 2010), without repeats.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_features)
    k : int
        Number of rows to pick.

    Returns
    -------
    order : ndarray of shape (k,)
        Row indices in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> herding(np.array([[-10.0], [-1.0], [0.2], [3.0], [7.8]]), 3).tolist()
    [2, 1, 3]
    """
    features = np.asarray(features, dtype=np.float32)
    mean = features.mean(axis=0, dtype=np.float64)
    squared = np.einsum("ij,ij->i", features, features, dtype=np.float64)
    picked = np.zeros(len(features), dtype=bool)
    total = np.zeros(features.shape[1], dtype=np.float64)
    order = np.empty(k, dtype=np.intp)
    for t in range(k):
        target = (t + 1) * mean - total
        # ||target - x||^2 = ||x||^2 - 2 x . target + const
        cost = squared - 2.0 * (features @ target.astype(np.float32))
        cost[picked] = np.inf
        order[t] = best = int(np.argmin(cost))
        picked[best] = True
        total += features[best]
    return order


def _euclidean_to(features, squared, row):
    d = squared - 2.0 * (features @ features[row]) + squared[row]
    return np.maximum(d, 0.0)


def _symmetric_kl_to(log_p, p, row):
    # (KL(p || q) + KL(q || p)) / 2 = sum (p - q)(log p - log q) / 2
    return 0.5 * ((p - p[row]) * (log_p - log_p[row])).sum(axis=1)


def k_center_greedy(features, k, *, first=0, metric="euclidean"):
    """Farthest-first traversal: each pick is the row farthest from the rows picked so far.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_features)
        Embeddings (``metric="euclidean"``) or probabilities (``"symmetric_kl"``).
    k : int
        Number of rows to pick.
    first : int, default=0
        The first center.
    metric : {"euclidean", "symmetric_kl"}, default="euclidean"
        Squared Euclidean distance (same order as Euclidean), or the symmetric
        KL divergence ``(KL(p||q) + KL(q||p)) / 2`` between rows of probabilities.

    Returns
    -------
    order : ndarray of shape (k,)
        Row indices in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> k_center_greedy(np.array([[0.0], [1.0], [2.0], [10.0], [20.0]]), 4, first=0).tolist()
    [0, 4, 3, 2]
    """
    if metric == "euclidean":
        features = np.asarray(features, dtype=np.float32)
        squared = np.einsum("ij,ij->i", features, features)
        distance_to = lambda row: _euclidean_to(features, squared, row)  # noqa: E731
    else:
        log_p = np.log(np.clip(np.asarray(features, dtype=np.float64), _EPS, None))
        p = np.exp(log_p)
        distance_to = lambda row: _symmetric_kl_to(log_p, p, row)  # noqa: E731
    order = np.empty(k, dtype=np.intp)
    order[0] = first
    nearest = distance_to(first).astype(np.float64)
    nearest[first] = -np.inf
    for t in range(1, k):
        order[t] = best = int(np.argmax(nearest))
        nearest = np.minimum(nearest, distance_to(best))  # picked rows stay at -inf
        nearest[best] = -np.inf
    return order


class _GreedySelector(ProxySelector):
    """Run a greedy ``_order(group_rows, k, rng)`` in every selection group."""

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

    def _select(self, X, y):
        proxy = self._fit_proxy(X, y)
        space = self._space(proxy)
        rng = check_random_state(self.random_state)
        orders = [
            rows[self._order(space[rows], k, rng)]
            for rows, k in selection_groups(y, self.frac, self.class_balanced)
        ]
        self.selection_order_ = np.concatenate(orders)
        return self.selection_order_


class HerdingSelector(_GreedySelector):
    __doc__ = """Herding: in every class, pick rows whose running mean embedding tracks the mean.

    Greedy herding [1]_ [2]_ in the proxy's embedding space (see
    :func:`herding`): the kept rows' mean embedding matches the class mean
    (of all rows when ``class_balanced=False``) ever more closely.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON + """
    Attributes
    ----------
    selection_order_ : ndarray of shape (n_kept,)
        Kept rows in pick order, class after class.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Welling. "Herding Dynamical Weights to Learn." ICML 2009.
    .. [2] Chen, Welling, Smola. "Super-Samples from Kernel Herding." UAI 2010.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import HerdingSelector
    >>> X, y = load_digits_images()
    >>> selector = HerdingSelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                            random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """

    def _space(self, proxy):
        return proxy_attribute(proxy, "embeddings_", type(self).__name__)

    def _order(self, features, k, rng):
        return herding(features, k)


class KCenterGreedySelector(_GreedySelector):
    __doc__ = """k-Center greedy: in every class, cover the embedding space farthest-first.

    Sener and Savarese's [1]_ greedy 2-approximation of the k-center problem
    in the proxy's embedding space (see :func:`k_center_greedy`); the first
    center of every group is drawn from ``random_state``.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON + """
    Attributes
    ----------
    selection_order_ : ndarray of shape (n_kept,)
        Kept rows in pick order, class after class.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Sener, Savarese. "Active Learning for Convolutional Neural Networks:
       A Core-Set Approach." ICLR 2018.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import KCenterGreedySelector
    >>> X, y = load_digits_images()
    >>> selector = KCenterGreedySelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                                  random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """
    _metric = "euclidean"

    def _space(self, proxy):
        return proxy_attribute(proxy, "embeddings_", type(self).__name__)

    def _order(self, features, k, rng):
        return k_center_greedy(features, k, first=int(rng.randint(len(features))),
                               metric=self._metric)


class ContextualDiversitySelector(KCenterGreedySelector):
    __doc__ = """Contextual diversity: k-center greedy with the symmetric KL between predictions.

    Farthest-first traversal (see :func:`k_center_greedy`) where the distance
    between two rows is the symmetric KL divergence between the proxy's
    predicted probabilities, as DeepCore implements Agarwal et al. [1]_.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``probas_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON + """
    Attributes
    ----------
    selection_order_ : ndarray of shape (n_kept,)
        Kept rows in pick order, class after class.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Agarwal, Arora, Anand, Arora. "Contextual Diversity for Active
       Learning." ECCV 2020.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import ContextualDiversitySelector
    >>> X, y = load_digits_images()
    >>> selector = ContextualDiversitySelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                                        random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """
    _metric = "symmetric_kl"

    def _space(self, proxy):
        return proxy_attribute(proxy, "probas_", type(self).__name__)
