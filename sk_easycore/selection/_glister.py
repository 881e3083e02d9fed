"""GlisterSelector: greedy rows whose gradient step most raises the validation log-likelihood."""

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ..base import selection_groups
from ._dynamics_selectors import _COMMON
from ._proxy import ProxySelector, proxy_attribute

__all__ = ["GlisterSelector", "glister"]

_EPS = 1e-12


def _softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def glister(features, errors, val_features, val_logits, val_targets, k, *, eta=0.1):
    """GLISTER-ONLINE's greedy Taylor approximation on the last layer.

    With last-layer parameters ``theta = (W, b)`` (logits ``W h + b``), a row's
    training gradient is ``g_i = e_i [h_i, 1]^T`` with ``e_i = p_i - onehot_i``,
    taken once at the proxy's weights. At each step the validation gradient
    ``G`` of the mean validation cross-entropy is evaluated at
    ``theta_S = theta - eta * mean_{i in S} g_i`` (validation logits move
    linearly: ``z - eta * (H_val mean_W^T + mean_b)``), and the row maximizing
    ``g_i . G`` (first-order increase of the validation log-likelihood after a
    step on it) is added. The update of ``G`` after every pick is what
    DeepCore's misspelled ``upadate_state`` argument silently skips.

    Parameters
    ----------
    features : ndarray of shape (n, d)
        Output-layer inputs of the candidate rows.
    errors : ndarray of shape (n, n_classes)
        ``softmax - onehot`` of the candidate rows.
    val_features : ndarray of shape (n_val, d)
    val_logits : ndarray of shape (n_val, n_classes)
        Validation logits (log-probabilities will do).
    val_targets : ndarray of shape (n_val,)
        Encoded validation labels.
    k : int
        Number of rows to pick.
    eta : float, default=0.1
        Step size of the virtual gradient step.

    Returns
    -------
    order : ndarray of shape (k,)
        Candidate indices in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> features = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]])
    >>> errors = np.array([[-0.5, 0.5], [0.1, -0.1], [-0.4, 0.4]])  # rows 0, 2: label 0, missed
    >>> val_logits = np.array([[-1.0, 1.0]])  # one validation row of class 0, also missed
    >>> glister(features, errors, np.array([[1.0, 0.0]]), val_logits, np.array([0]), 2).tolist()
    [0, 2]
    """
    features = np.asarray(features, dtype=np.float32)
    errors = np.asarray(errors, dtype=np.float64)
    val_features = np.asarray(val_features, dtype=np.float64)
    val_logits = np.asarray(val_logits, dtype=np.float64)
    onehot = np.eye(errors.shape[1])[val_targets]
    picked = np.zeros(len(features), dtype=bool)
    sum_error = np.zeros(errors.shape[1])
    sum_outer = np.zeros((errors.shape[1], features.shape[1]))
    order = np.empty(k, dtype=np.intp)
    for t in range(k):
        logits = val_logits
        if t:
            logits = val_logits - eta * (val_features @ (sum_outer / t).T + sum_error / t)
        val_error = _softmax(logits) - onehot
        grad_w = val_error.T @ val_features / len(val_features)  # (n_classes, d)
        grad_b = val_error.mean(axis=0)
        gains = np.einsum("ic,ic->i", features @ grad_w.T.astype(np.float32), errors)
        gains += errors @ grad_b
        gains[picked] = -np.inf
        order[t] = best = int(np.argmax(gains))
        picked[best] = True
        sum_error += errors[best]
        sum_outer += np.outer(errors[best], features[best])
    return order


class GlisterSelector(ProxySelector):
    __doc__ = """GLISTER: greedily keep the rows whose gradient best serves the validation data.

    GLISTER [1]_ picks, per class (``class_balanced``, with that class's
    validation rows, as DeepCore does) or overall, the rows whose last-layer
    gradient step most increases the validation log-likelihood, by the greedy
    Taylor approximation of :func:`glister`, the validation gradient being
    updated after every pick.

    Parameters
    ----------
    proxy : estimator or None, default=None
        Proxy setting ``embeddings_`` and ``probas_``, and for an explicit
        validation set ``predict_outputs`` (default
        :class:`~sk_easycore.scoring.TrainingDynamics`).
    validation : float in (0, 1) or tuple (X_val, y_val), default=0.1
        The validation data. A float holds out that fraction of every class
        of the training rows (at least one row per class; drawn from
        ``random_state``): their gradients define the objective, they remain
        candidates (the coreset is a fraction of all rows), and the shared
        proxy was trained on them, so this is a holdout from the selection
        objective, not from the proxy. Pass ``(X_val, y_val)`` for a genuine
        validation set: the proxy's net embeds it.
    eta : float, default=0.1
        Step size of the virtual gradient step (DeepCore: the proxy's learning rate).
    """ + _COMMON + """
    Attributes
    ----------
    selection_order_ : ndarray of shape (n_kept,)
        Kept rows in greedy order, class after class.
    validation_indices_ : ndarray or None
        Training rows used as validation data (None for an explicit set).
    proxy_ : estimator
        The fitted proxy (possibly shared).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for every selector.

    References
    ----------
    .. [1] Killamsetty, Sivasubramanian, Ramakrishnan, Iyer. "GLISTER:
       Generalization based Data Subset Selection for Efficient and Robust
       Learning." AAAI 2021.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> from sk_easycore.selection import GlisterSelector
    >>> X, y = load_digits_images()
    >>> selector = GlisterSelector(TrainingDynamics(max_epochs=2), frac=0.1,
    ...                            random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_), len(selector.validation_indices_)
    (30, 30)
    """

    _parameter_constraints = {
        **ProxySelector._parameter_constraints,
        "validation": [Interval(Real, 0, 1, closed="neither"), tuple],
        "eta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, proxy=None, *, validation=0.1, eta=0.1, frac=0.3, class_balanced=True,
        memory=None, random_state=None, verbose=0,
    ):
        self.proxy = proxy
        self.validation = validation
        self.eta = eta
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _validation_data(self, proxy, y, classes, y_index, embeddings, probas):
        if isinstance(self.validation, tuple):
            if len(self.validation) != 2:
                raise ValueError("validation must be a fraction or a pair (X_val, y_val).")
            X_val, y_val = self.validation
            y_val = np.asarray(y_val)
            val_index = np.searchsorted(classes, y_val).clip(0, len(classes) - 1)
            if np.any(classes[val_index] != y_val):
                raise ValueError("y_val holds labels that are not in the training labels y.")
            val_probas, val_embeddings = proxy.predict_outputs(X_val)
            self.validation_indices_ = None
            return val_embeddings, np.log(np.clip(val_probas, _EPS, None)), val_index
        rng = check_random_state(self.random_state)
        picked = []
        for label in classes:
            rows = np.flatnonzero(y == label)
            size = max(1, int(np.floor(self.validation * len(rows) + 0.5)))
            picked.append(rng.choice(rows, size=size, replace=False))
        self.validation_indices_ = np.sort(np.concatenate(picked))
        rows = self.validation_indices_
        return embeddings[rows], np.log(np.clip(probas[rows], _EPS, None)), y_index[rows]

    def _select(self, X, y):
        proxy = self._fit_proxy(X, y)
        embeddings = proxy_attribute(proxy, "embeddings_", "GlisterSelector")
        probas = proxy_attribute(proxy, "probas_", "GlisterSelector")
        classes, y_index = np.unique(y, return_inverse=True)
        val_features, val_logits, val_targets = self._validation_data(
            proxy, y, classes, y_index, embeddings, probas)
        orders = []
        for rows, k in selection_groups(y, self.frac, self.class_balanced):
            errors = np.array(probas[rows], dtype=np.float64)
            errors[np.arange(len(rows)), y_index[rows]] -= 1.0
            val = slice(None)
            if self.class_balanced:
                same = val_targets == y_index[rows[0]]
                val = same if same.any() else val
            order = glister(embeddings[rows], errors, val_features[val], val_logits[val],
                            val_targets[val], k, eta=self.eta)
            orders.append(rows[order])
        self.selection_order_ = np.concatenate(orders)
        return self.selection_order_
