"""Selectors scoring rows by the proxy's feature space: Moderate-DS and CAL."""

from numbers import Integral

import numpy as np
from sklearn import config_context
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval

from ._dynamics_selectors import _COMMON
from ._proxy import ProxyScoreSelector, proxy_attribute

__all__ = ["CALSelector", "ModerateSelector", "cal_scores", "moderate_scores"]

_EPS = 1e-12
_CHUNK = 4096


def moderate_scores(embeddings, y):
    """Distance of each row's embedding to the element-wise median embedding of its class.

    Parameters
    ----------
    embeddings : ndarray of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)

    Returns
    -------
    distances : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> moderate_scores(np.array([[0.0], [1.0], [5.0], [10.0], [11.0]]), [0, 0, 0, 1, 1])
    array([1. , 0. , 4. , 0.5, 0.5])
    """
    y = np.asarray(y)
    distances = np.empty(len(y), dtype=np.float64)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        features = np.asarray(embeddings[rows], dtype=np.float64)
        distances[rows] = np.linalg.norm(features - np.median(features, axis=0), axis=1)
    return distances


def cal_scores(embeddings, probas, y=None, *, n_neighbors=10):
    """Contrastive score: mean KL divergence from each row's nearest neighbours' predictions.

    ``s_i = mean_{j in kNN(i)} KL(p_j || p_i)``, with neighbours by Euclidean
    distance between embeddings (the row itself excluded), searched within
    the row's class when ``y`` is given, among all rows otherwise. The search
    is brute force in chunks (scikit-learn's ``kneighbors``): no n x n matrix.

    Parameters
    ----------
    embeddings : ndarray of shape (n_samples, n_features)
    probas : ndarray of shape (n_samples, n_classes)
    y : array-like of shape (n_samples,) or None, default=None
    n_neighbors : int, default=10
        Neighbours per row (fewer in a group with fewer other rows).

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> E = np.array([[0.0], [0.1], [0.2], [5.0]])
    >>> P = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.1]])
    >>> int(np.argmax(cal_scores(E, P, n_neighbors=2)))
    2
    """
    groups = [np.arange(len(probas))] if y is None else [
        np.flatnonzero(np.asarray(y) == label) for label in np.unique(y)
    ]
    probas = np.asarray(probas)
    scores = np.zeros(len(probas), dtype=np.float64)
    for rows in groups:
        k = min(n_neighbors, len(rows) - 1)
        if k < 1:
            continue
        features = np.asarray(embeddings[rows], dtype=np.float32)
        with config_context(working_memory=64):  # chunk size of the distance blocks, in MB
            neighbours = NearestNeighbors(n_neighbors=k).fit(features).kneighbors(
                return_distance=False
            )
        neighbours = rows[neighbours]  # (n_rows, k) indices into all rows
        # KL(p_j || p_i) = sum_c p_j,c (log p_j,c - log p_i,c), in chunks: (chunk, k, n_classes)
        for start in range(0, len(rows), _CHUNK):
            own = _log(probas[rows[start:start + _CHUNK]])[:, None, :]
            log_neighbours = _log(probas[neighbours[start:start + _CHUNK]])
            kl = np.sum(np.exp(log_neighbours) * (log_neighbours - own), axis=2)
            scores[rows[start:start + _CHUNK]] = kl.mean(axis=1)
    return scores


def _log(p):
    return np.log(np.clip(np.asarray(p, dtype=np.float64), _EPS, None))


class ModerateSelector(ProxyScoreSelector):
    __doc__ = """Moderate-DS: keep the rows at a moderate distance from their class median feature.

    Xia et al. [1]_ embed every row with a trained model, score it by the
    distance of its penultimate features to the element-wise median feature
    vector of its class (:func:`moderate_scores`), and keep the band of scores
    around the median score: neither the most typical rows nor the outliers.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` (default :class:`~sk_easycore.scoring.TrainingDynamics`).
    """ + _COMMON + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        Distance of every row to its class median.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Xia, Liu, Yu, Shen, Han, Liu. "Moderate Coreset: A Universal Method of
       Data Selection for Real-world Data-efficient Deep Learning." ICLR 2023.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import ModerateSelector
    >>> X, y = load_digits_images()
    >>> selector = ModerateSelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                             random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """
    _keep = "middle"

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
        proxy = self._fit_proxy(X, y)
        return moderate_scores(proxy_attribute(proxy, "embeddings_", "ModerateSelector"), y)


class CALSelector(ProxyScoreSelector):
    __doc__ = """CAL: keep the rows whose prediction diverges most from their neighbours'.

    Contrastive Active Learning [1]_ scores a row by the mean KL divergence
    ``KL(p_neighbour || p_row)`` over its ``n_neighbors`` nearest neighbours
    in the proxy's embedding space (:func:`cal_scores`): rows that look like
    their neighbours but are predicted differently. Keeps the highest (one
    public implementation keeps the lowest). Neighbours are searched within
    each class when ``class_balanced`` (as DeepCore does), among all rows
    otherwise.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` and ``probas_`` (default
        :class:`~sk_easycore.scoring.TrainingDynamics`).
    n_neighbors : int, default=10
        Neighbours per row.
    """ + _COMMON + """
    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        Mean neighbour divergence of every row.
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Margatina, Vernikos, Barrault, Aletras. "Active Learning by Acquiring
       Contrastive Examples." EMNLP 2021.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import CALSelector
    >>> X, y = load_digits_images()
    >>> selector = CALSelector(TrainingDynamics(max_epochs=2), n_neighbors=5, frac=0.1,
    ...                        random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_)
    30
    """

    _parameter_constraints = {
        **ProxyScoreSelector._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, proxy=None, *, n_neighbors=10, frac=0.3, class_balanced=True, memory=None,
        random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.n_neighbors = n_neighbors
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _scores(self, X, y):
        proxy = self._fit_proxy(X, y)
        embeddings = proxy_attribute(proxy, "embeddings_", "CALSelector")
        probas = proxy_attribute(proxy, "probas_", "CALSelector")
        return cal_scores(embeddings, probas, y if self.class_balanced else None,
                          n_neighbors=self.n_neighbors)
