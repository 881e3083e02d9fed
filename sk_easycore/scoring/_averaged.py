"""AveragedDynamics: a proxy trained from several seeds, its per-sample scores averaged."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods, Interval

from .._cache import fit_scorer
from ..utils import int_seed
from ._dynamics import TrainingDynamics

__all__ = ["AveragedDynamics"]

# per-sample scores averaged over the runs; everything else is the first run's
AVERAGED = ("scores_", "loss_", "el2n_", "grand_", "forgetting_")
FROM_FIRST_RUN = ("probas_", "embeddings_", "learned_", "net_", "classes_", "recorded_epochs_",
                  "n_features_in_")


class AveragedDynamics(BaseEstimator):
    """Fit a proxy ``n_runs`` times from consecutive seeds and average its per-sample scores.

    Run ``r`` is a clone of ``proxy`` with ``random_state = s + r``, where ``s``
    is the proxy's own ``random_state`` or, when that is None, this
    estimator's (an int; a ``RandomState`` gives one draw). Run 0 is exactly
    the proxy a selector with the same seed would train alone, so studies and
    selectors share it through the fitted-scorer cache; the other runs are
    fitted with ``keep_outputs=False`` when the proxy has that parameter.

    Averaged over the runs: ``scores_`` (AIGN), ``loss_``, ``el2n_``, ``grand_``
    and ``forgetting_``. Taken from run 0: ``probas_``, ``embeddings_``,
    ``learned_``, ``net_`` and ``classes_``: embeddings of differently
    initialized networks live in unrelated spaces, and the methods that read
    them pair them with the same network's probabilities and weights.

    Parameters
    ----------
    proxy : estimator or None, default=None
        The proxy (default :class:`TrainingDynamics`); cloned, never modified.
    n_runs : int, default=2
        Number of trainings (the paper averages EL2N and GraNd over 10).
    memory : None, str or joblib.Memory, default=None
        Also cache every run on disk.
    random_state : int, RandomState instance or None, default=None
        The first run's seed when the proxy has none; None leaves the runs
        unseeded (then nothing is cached).

    Attributes
    ----------
    runs_ : list of estimator
        The fitted runs (possibly shared with other selectors: do not modify).
    scores_, loss_, el2n_, grand_, forgetting_ : ndarray of shape (n_samples,)
        Means over the runs (attributes a run lacks are not set).
    probas_, embeddings_, learned_, net_, classes_
        Those of run 0.

    See Also
    --------
    TrainingDynamics : One run.

    Examples
    --------
    >>> from sk_easycore.datasets import load_digits_images
    >>> X, y = load_digits_images()
    >>> averaged = AveragedDynamics(TrainingDynamics(max_epochs=1), n_runs=2,
    ...                             random_state=0).fit(X[:200], y[:200])
    >>> [run.random_state for run in averaged.runs_], averaged.scores_.shape
    ([0, 1], (200,))
    """

    _composite = True  # the runs are cached one by one, not this average of them
    _parameter_constraints = {
        "proxy": [HasMethods(["fit"]), None],
        "n_runs": [Interval(Integral, 1, None, closed="left")],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
    }

    def __init__(self, proxy=None, *, n_runs=2, memory=None, random_state=None):
        self.proxy = proxy
        self.n_runs = n_runs
        self.memory = memory
        self.random_state = random_state

    def _run_seeds(self, base):
        seed = base.get_params().get("random_state")
        if seed is None:
            seed = self.random_state
        if seed is None:
            return [None] * self.n_runs
        seed = seed if isinstance(seed, Integral) else int_seed(seed)
        return [int(seed) + r for r in range(self.n_runs)]

    def fit(self, X, y=None):
        """Fit the ``n_runs`` proxies and average their scores.

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            Training data, as the proxy takes it.
        y : array-like of shape (n_samples,) or None
            Labels (None: a dataset's own).

        Returns
        -------
        self : AveragedDynamics
        """
        self._validate_params()
        base = clone(TrainingDynamics() if self.proxy is None else self.proxy)
        params = base.get_params()
        self.runs_ = []
        for run, seed in enumerate(self._run_seeds(base)):
            candidate = clone(base)
            if "random_state" in params:
                candidate.set_params(random_state=seed)
            if run and "keep_outputs" in params:
                candidate.set_params(keep_outputs=False)
            self.runs_.append(fit_scorer(candidate, X, y, memory=self.memory))
        first = self.runs_[0]
        for name in AVERAGED:
            values = [getattr(run, name, None) for run in self.runs_]
            if all(v is not None for v in values):
                setattr(self, name, np.mean(values, axis=0))
        for name in FROM_FIRST_RUN:
            if hasattr(first, name):
                setattr(self, name, getattr(first, name))
        return self

    def predict_outputs(self, X):
        """Probabilities and embeddings of new rows from run 0 (see :class:`TrainingDynamics`)."""
        return self.runs_[0].predict_outputs(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags
