"""The base of the selectors that read a trained proxy: one cached, seeded, shared training."""

from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods

from .._cache import fit_scorer, seeded_clone, with_verbose
from ..base import BaseSelector, select_by_score
from ..scoring import AveragedDynamics, TrainingDynamics
from ..utils import check_scores

__all__ = ["ProxySelector", "ProxyScoreSelector", "proxy_attribute"]

_WHY_MISSING = {
    "embeddings_": "its module has neither embed() nor an nn.Linear output layer, or it was "
                   "fitted with keep_outputs=False",
    "probas_": "it was fitted with keep_outputs=False",
    "grand_": "its module's output is not the output of an nn.Linear layer on 2-D features",
}


def proxy_attribute(proxy, name, method):
    """``proxy.<name>``, or a ValueError saying which method needs it and why it is missing."""
    value = getattr(proxy, name, None)
    if value is None:
        why = _WHY_MISSING.get(name, f"{type(proxy).__name__} does not compute it")
        raise ValueError(
            f"{method} needs the proxy's {name}, which {type(proxy).__name__} did not set: {why}."
        )
    return value


class ProxySelector(BaseSelector):
    """Base class of selectors that score or embed the rows with a trained proxy model.

    The proxy (``proxy``, default :class:`~sk_easycore.scoring.TrainingDynamics`)
    is cloned, seeded from ``random_state`` when its own ``random_state`` is
    None (exactly as :class:`ScoreSelector` seeds its scorer) and fitted
    through the fitted-scorer cache: every selector given the same proxy
    parameters, the same ``random_state`` and the same data reuses one
    training. Subclasses implement ``_select(X, y)`` and call
    ``_fit_proxy``; the fitted proxy is kept as ``proxy_`` (it may be
    shared with other selectors: do not modify it). Any fitted proxy
    composes: :class:`~sk_easycore.scoring.AveragedDynamics` (several seeds)
    or :class:`~sk_easycore.scoring.PrecomputedDynamics` (a scores file) give
    every subclass the same attributes.

    Parameters
    ----------
    proxy : estimator or None
        The proxy (a :class:`~sk_easycore.scoring.TrainingDynamics` or any
        estimator with ``fit`` and the attributes the subclass reads); None
        uses ``TrainingDynamics()``.
    frac, class_balanced, random_state
        As for :class:`~sk_easycore.base.BaseSelector`.
    memory : str, joblib.Memory or None
        A disk cache for the fitted proxy, besides the in-process one.
    verbose : int
        Above 0, the proxy's training shows its progress bar (a subclass
        without this parameter trains silently, as the proxy's own
        ``verbose`` says).

    Attributes
    ----------
    proxy_ : estimator
        The fitted proxy (possibly shared with other selectors).
    sample_indices_, sampling_strategy_, n_samples_fit_, n_features_in_
        As for :class:`~sk_easycore.base.BaseSelector`.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_easycore.base import select_by_score
    >>> from sk_easycore.selection import ProxySelector
    >>> class LowestLoss(ProxySelector):  # keep the rows the proxy fits best
    ...     def __init__(self, proxy=None, *, frac=0.3, class_balanced=True, memory=None,
    ...                  random_state=None, verbose=0):
    ...         self.proxy, self.frac, self.class_balanced = proxy, frac, class_balanced
    ...         self.memory, self.random_state, self.verbose = memory, random_state, verbose
    ...     def _select(self, X, y):
    ...         proxy = self._fit_proxy(X, y)
    ...         return select_by_score(proxy.loss_, self.frac, y=y, class_balanced=True)
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> X, y = load_digits_images()
    >>> selector = LowestLoss(TrainingDynamics(max_epochs=2), random_state=0).fit(X[:300], y[:300])
    >>> len(selector.sample_indices_), selector.proxy_.max_epochs
    (91, 2)
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "proxy": [HasMethods(["fit"]), None],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["verbose"],
    }

    def _trains_skorch(self):
        return self.proxy is None or "net" in self.proxy.get_params() or "proxy" in \
            self.proxy.get_params()

    def _fit_proxy(self, X, y, *, n_repeats=1, score_epoch=None):
        """Fit the proxy (shared through the cache) and keep it as ``proxy_``; return it.

        With ``score_epoch`` the proxy is trained that many epochs (scored
        early, outputs not kept); with ``n_repeats > 1`` it is an
        :class:`~sk_easycore.scoring.AveragedDynamics` of that many seeds, the
        first being the proxy alone. Both keep the cache shared: the same
        settings and seed give the same trainings.
        """
        proxy = TrainingDynamics() if self.proxy is None else self.proxy
        if score_epoch is not None:
            params = proxy.get_params()
            if "max_epochs" not in params:
                raise ValueError(
                    f"Scoring at an early epoch needs a proxy with a max_epochs parameter "
                    f"(TrainingDynamics); {type(proxy).__name__} has none.")
            proxy = clone(proxy).set_params(max_epochs=score_epoch)
            if "keep_outputs" in params:
                proxy.set_params(keep_outputs=False)
        if n_repeats > 1:
            proxy = AveragedDynamics(proxy, n_runs=n_repeats, memory=self.memory)
        verbose = getattr(self, "verbose", 0)  # a subclass may predate the parameter
        self.proxy_ = fit_scorer(with_verbose(seeded_clone(proxy, self.random_state), verbose),
                                 X, y, memory=self.memory)
        return self.proxy_


class ProxyScoreSelector(ProxySelector):
    """A proxy selector ranking one score per row; subclasses define ``_scores`` and ``_keep``."""

    _keep = "highest"

    def _select(self, X, y):
        self.scores_ = check_scores(
            self._scores(X, y), len(X), name=f"{type(self).__name__} scores"
        )
        return select_by_score(
            self._ranking(), self.frac, keep=self._keep, y=y,
            class_balanced=self.class_balanced,
        )

    def _ranking(self):
        return self.scores_
