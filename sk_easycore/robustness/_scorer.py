"""make_robust_scorer: adversarial accuracy as a scikit-learn scorer, for model selection."""

import numpy as np

from ._art import check_clip_values
from ._attacks import AttackSpec, correct_under_attack

__all__ = ["make_robust_scorer"]


class _RobustScorer:
    """Callable ``(estimator, X, y[, sample_weight]) -> adversarial accuracy`` (higher: better)."""

    def __init__(self, attack, eps, params):
        self.attack = attack
        self.eps = eps
        self.params = params

    def __call__(self, estimator, X, y, sample_weight=None):
        correct = correct_under_attack(estimator, X, y, self.attack, self.eps, **self.params)
        return float(np.average(correct, weights=sample_weight))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"make_robust_scorer(attack={self.attack!r}, eps={self.eps!r}{extra})"


def make_robust_scorer(attack="pgd", eps=8 / 255, **params):
    """Make a scorer that returns the adversarial accuracy of a fitted estimator.

    Use it wherever scikit-learn takes ``scoring``: ``GridSearchCV`` then picks,
    for example, the coreset fraction that gives the most robust model, and in
    a multi-metric search (``scoring={"clean": "accuracy", "pgd": scorer}``)
    ``refit="pgd"`` refits the most robust one. Every call is seeded with the
    same ``random_state`` (default 0), so candidates face the same random starts.

    Parameters
    ----------
    attack : {"fgsm", "pgd", "autoattack"}, default="pgd"
        The attack, see :func:`adversarial_accuracy`.
    eps : float, default=8/255
        Budget in the units of ``X``.
    **params
        Any other keyword of :func:`adversarial_accuracy` (``norm``,
        ``eps_step``, ``max_iter``, ``batch_size``, ``clip_values``,
        ``random_state``) or of the ART attack. Checked here, so a typo in
        ``attack`` or a negative ``eps`` fails before any model is trained.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``; greater is better.

    Examples
    --------
    >>> import torch
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.robustness import make_robust_scorer
    >>> from sk_easycore.selection import RandomSelector
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=2, train_split=None, verbose=0)
    >>> pipe = Pipeline([("select", RandomSelector(random_state=0)), ("net", net)])
    >>> search = GridSearchCV(pipe, {"select__fraction": [0.5, 1.0]}, cv=2,
    ...                       scoring=make_robust_scorer("fgsm", eps=0.05)).fit(X[:300], y[:300])
    >>> sorted(search.cv_results_["param_select__fraction"].tolist())
    [0.5, 1.0]
    """
    spec_params = {k: params[k] for k in ("norm", "eps_step", "max_iter", "batch_size")
                   if k in params}
    AttackSpec.from_args(attack, eps, **spec_params)  # fail now, not after training
    if "clip_values" in params:
        check_clip_values(params["clip_values"])
    return _RobustScorer(attack, eps, dict(params))
