"""ScoreSelector: keep the rows whose per-sample score ranks lowest, highest or middle."""

from sklearn.utils._param_validation import HasMethods, StrOptions

from .._cache import fit_scorer, seeded_clone, with_verbose
from ..base import KEEP_RULES, BaseSelector, select_by_score
from ..scoring import AIGNScorer
from ..utils import check_scores

__all__ = ["ScoreSelector"]


class ScoreSelector(BaseSelector):
    """Keep a fraction of the rows ranked by a per-sample score.

    Parameters
    ----------
    scorer : estimator, callable, array-like or None, default=None
        Where the scores come from (higher means harder):

        - an estimator whose ``fit(X, y)`` sets ``scores_`` (cloned; if its
          ``random_state`` is None it is seeded from this selector's);
        - a callable ``scorer(X, y) -> scores``;
        - an array of shape (n_samples,): scores precomputed for exactly the
          ``X`` this selector is fit on (for instance with another model);
        - None: :class:`~sk_easycore.scoring.AIGNScorer` with its defaults.
    frac : float in (0, 1], default=0.3
        Fraction of the rows to keep (of each class when ``class_balanced``),
        rounded half up. 1.0 keeps everything.
    keep : {"lowest", "highest", "middle"}, default="lowest"
        Keep the lowest scores, the highest, or the band centred on the median.
        Ties break by row order.
    class_balanced : bool, default=True
        Rank within each class and keep the same fraction of each, so the
        coreset has the class mix of the data. With False the ranking is global
        and the class mix follows the scores.
    memory : None, str or joblib.Memory, default=None
        Fitted scorers are cached in memory (keyed by the data and the scorer's
        parameters, for seeded scorers only) so that a grid over ``frac``
        trains the scorer once per fold; a location also caches them on disk.
    random_state : int, RandomState instance or None, default=None
        Seeds the scorer when the scorer's own ``random_state`` is None.
    verbose : int, default=0
        1 shows the scorer's training progress bar (0: silent).

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        The score of every row seen by ``fit``.
    scorer_ : estimator
        The fitted scorer (absent when ``scorer`` is a callable or an array).
    sample_indices_ : ndarray of shape (n_kept,)
        Sorted indices of the kept rows.
    sampling_strategy_ : dict
        ``{label: number of rows kept}``.
    n_samples_fit_ : int
        Number of rows seen by ``fit``.
    n_features_in_ : int
        Size of the second axis of ``X``.

    See Also
    --------
    EasyCoreSelector : the lowest-AIGN rows.
    sk_easycore.base.select_by_score : the ranking on precomputed scores.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_easycore.selection import ScoreSelector
    >>> X = np.arange(8.0).reshape(8, 1)
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> scores = np.array([5, 1, 3, 2, 0, 9, 7, 8])
    >>> ScoreSelector(scores, frac=0.5, keep="highest").fit(X, y).sample_indices_
    array([0, 2, 5, 7])
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "scorer": [HasMethods(["fit"]), callable, "array-like", None],
        "keep": [StrOptions(set(KEEP_RULES))],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["verbose"],
    }

    def __init__(
        self, scorer=None, *, frac=0.3, keep="lowest", class_balanced=True,
        memory=None, random_state=None, verbose=0,
    ):
        self.scorer = scorer
        self.frac = frac
        self.keep = keep
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _keep_rule(self):
        return self.keep

    def _trains_skorch(self):
        scorer = self.scorer
        return scorer is None or (hasattr(scorer, "get_params") and "net" in scorer.get_params())

    def _select(self, X, y):
        self.scores_ = self._compute_scores(X, y)
        return select_by_score(
            self.scores_, self.frac, keep=self._keep_rule(), y=y,
            class_balanced=self.class_balanced,
        )

    def _compute_scores(self, X, y):
        scorer = AIGNScorer() if self.scorer is None else self.scorer
        if hasattr(scorer, "fit"):
            scorer = with_verbose(seeded_clone(scorer, self.random_state), self.verbose)
            self.scorer_ = fit_scorer(scorer, X, y, memory=self.memory)
            return check_scores(self.scorer_.scores_, len(X), name="scorer.scores_")
        if callable(scorer):
            return check_scores(scorer(X, y), len(X), name="scorer(X, y)")
        return check_scores(scorer, len(X), name="precomputed scores (the `scorer` array)")
