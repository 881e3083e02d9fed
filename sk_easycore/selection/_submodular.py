"""Submodular selectors: facility location and graph cut over cosine similarities, memory-safe.

Similarities ``s_ij = (1 + cos(g_i, g_j)) / 2`` (in [0, 1], as DeepCore maps
them) between last-layer gradients or embeddings. The cosine of last-layer
gradients ``g_i = (p_i - onehot_i) [h_i, 1]^T`` factorizes,
``cos(g_i, g_j) = cos(e_i, e_j) * cos(h~_i, h~_j)``, so the gradients (n x
n_classes * (d + 1)) are never built. Per group (class), the similarity matrix
is kept dense in float32 only if it fits in 256 MB; otherwise its columns are
recomputed in blocks when needed (see :class:`CosineSimilarity`). Nothing is
n x n over the whole training set.
"""

import heapq
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import selection_groups
from ._dynamics_selectors import _COMMON
from ._proxy import ProxySelector, proxy_attribute
from ._similarity import CosineSimilarity

__all__ = ["FacilityLocationSelector", "GraphCutSelector", "facility_location", "graph_cut"]


def facility_location(similarity, k, *, batch=16):
    """Greedy maximization of ``f(S) = sum_i max_{j in S} s_ij`` (lazy, exact greedy order).

    Lazy greedy (Minoux 1978): stale marginal gains are upper bounds, since
    gains only shrink; the ``batch`` candidates with the highest bounds are
    re-evaluated together, and the best is taken once its exact gain beats
    every other bound. Picks what plain greedy picks (1 - 1/e guarantee).

    Parameters
    ----------
    similarity : CosineSimilarity
        Non-negative symmetric similarities.
    k : int
        Number of rows to pick.
    batch : int, default=16
        Candidates re-evaluated per matrix product.

    Returns
    -------
    order : ndarray of shape (k,)
        Row indices in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_easycore.selection._similarity import CosineSimilarity
    >>> points = np.array([[1.0, 0.0], [0.95, 0.05], [0.9, 0.1], [0.0, 1.0]])
    >>> facility_location(CosineSimilarity(points), 2).tolist()  # the cluster's centre, the outlier
    [2, 3]
    """
    n = similarity.n
    covered = np.zeros(n, dtype=np.float32)  # max similarity to the picked rows (s >= 0)
    heap = [(-gain, j) for j, gain in enumerate(similarity.column_sums())]
    heapq.heapify(heap)
    order = []
    while len(order) < k:
        popped = [heapq.heappop(heap) for _ in range(min(batch, len(heap)))]
        index = np.array([j for _, j in popped])
        columns = similarity.columns(index)
        gains = np.maximum(columns - covered[:, None], 0.0).sum(axis=0, dtype=np.float64)
        best = int(np.argmax(gains))
        if not heap or gains[best] >= -heap[0][0]:
            order.append(int(index[best]))
            np.maximum(covered, columns[:, best], out=covered)
            gains[best] = np.nan
        for gain, j in zip(gains, index):
            if not np.isnan(gain):
                heapq.heappush(heap, (-gain, int(j)))
    return np.asarray(order, dtype=np.intp)


def graph_cut(similarity, k, *, lam=1.0):
    """Greedy maximization of ``f(S) = sum_{i in V, j in S} s_ij - lam * sum_{i, j in S} s_ij``.

    The marginal gain of ``j`` is ``colsum_j - lam * (2 sum_{i in S} s_ij + s_jj)``;
    the penalty is updated with one column per pick.

    Parameters
    ----------
    similarity : CosineSimilarity
    k : int
        Number of rows to pick.
    lam : float, default=1.0
        Weight of the redundancy penalty (DeepCore's ``lam=1`` corresponds to 1).

    Returns
    -------
    order : ndarray of shape (k,)
        Row indices in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_easycore.selection._similarity import CosineSimilarity
    >>> points = np.array([[1.0, 0.0], [0.95, 0.05], [0.9, 0.1], [0.0, 1.0]])
    >>> graph_cut(CosineSimilarity(points), 2).tolist()  # coverage outweighs redundancy here
    [2, 1]
    """
    coverage = similarity.column_sums()
    self_similarity = similarity.diagonal().astype(np.float64)
    penalty = np.zeros(similarity.n, dtype=np.float64)
    picked = np.zeros(similarity.n, dtype=bool)
    gains = coverage - lam * self_similarity
    order = np.empty(k, dtype=np.intp)
    for t in range(k):
        order[t] = best = int(np.argmax(gains))
        picked[best] = True
        penalty += similarity.columns(np.array([best]))[:, 0]
        gains = coverage - lam * (2.0 * penalty + self_similarity)
        gains[picked] = -np.inf
    return order


class _SubmodularSelector(ProxySelector):
    _parameter_constraints = {
        **ProxySelector._parameter_constraints,
        "features": [StrOptions({"gradient", "embedding"})],
    }

    def _select(self, X, y):
        proxy = self._fit_proxy(X, y)
        name = type(self).__name__
        embeddings = proxy_attribute(proxy, "embeddings_", name)
        if self.features == "gradient":
            probas = proxy_attribute(proxy, "probas_", name)
            _, y_index = np.unique(y, return_inverse=True)
        orders = []
        for rows, k in selection_groups(y, self.frac, self.class_balanced):
            if self.features == "gradient":
                error = np.array(probas[rows], dtype=np.float32)
                error[np.arange(len(rows)), y_index[rows]] -= 1.0
                with_bias = np.hstack([embeddings[rows], np.ones((len(rows), 1), np.float32)])
                similarity = CosineSimilarity(error, with_bias)
            else:
                similarity = CosineSimilarity(embeddings[rows])
            orders.append(rows[self._maximize(similarity, k)])
        self.selection_order_ = np.concatenate(orders)
        return self.selection_order_


_SUBMODULAR = """
    features : {"gradient", "embedding"}, default="gradient"
        Similarity between last-layer loss gradients (as DeepCore) or between
        penultimate embeddings; cosine mapped to [0, 1].
"""

_SUBMODULAR_ATTRIBUTES = """

    Attributes
    ----------
    selection_order_ : ndarray of shape (n_kept,)
        Kept rows in greedy order, class after class.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.
"""


class FacilityLocationSelector(_SubmodularSelector):
    __doc__ = """Facility location: in every class, the rows that best represent all others.

    Greedy maximization [1]_ of ``f(S) = sum_i max_{j in S} s_ij`` (see
    :func:`facility_location`), with a ``1 - 1/e`` guarantee, over cosine
    similarities of the proxy's last-layer gradients or embeddings.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` and ``probas_`` (default
        :class:`~sk_easycore.scoring.TrainingDynamics`).""" + _SUBMODULAR.rstrip() + (
        _COMMON.rstrip() + _SUBMODULAR_ATTRIBUTES) + """
    References
    ----------
    .. [1] Iyer, Khargoankar, Bilmes, Asanani. "Submodular Combinatorial
       Information Measures with Applications in Machine Learning." ALT 2021.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import FacilityLocationSelector
    >>> X, y = load_digits_images()
    >>> selector = FacilityLocationSelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                                     random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """

    def __init__(
        self, proxy=None, *, features="gradient", frac=0.3, class_balanced=True, memory=None,
        random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.features = features
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _maximize(self, similarity, k):
        return facility_location(similarity, k)


class GraphCutSelector(_SubmodularSelector):
    __doc__ = """Graph cut: in every class, rows similar to many others but not to each other.

    Greedy maximization [1]_ of ``f(S) = sum_{i in V, j in S} s_ij - lam *
    sum_{i, j in S} s_ij`` (see :func:`graph_cut`) over cosine similarities of
    the proxy's last-layer gradients or embeddings.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` and ``probas_`` (default
        :class:`~sk_easycore.scoring.TrainingDynamics`).
    lam : float, default=1.0
        Weight of the redundancy penalty.""" + _SUBMODULAR.rstrip() + (
        _COMMON.rstrip() + _SUBMODULAR_ATTRIBUTES) + """
    References
    ----------
    .. [1] Iyer, Khargoankar, Bilmes, Asanani. "Submodular Combinatorial
       Information Measures with Applications in Machine Learning." ALT 2021.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import GraphCutSelector
    >>> X, y = load_digits_images()
    >>> selector = GraphCutSelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                             random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """

    _parameter_constraints = {
        **_SubmodularSelector._parameter_constraints,
        "lam": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, proxy=None, *, lam=1.0, features="gradient", frac=0.3, class_balanced=True,
        memory=None, random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.lam = lam
        self.features = features
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _maximize(self, similarity, k):
        return graph_cut(similarity, k, lam=self.lam)
