"""make_robust_scorer: adversarial accuracy as a scikit-learn scorer, for model selection."""

import inspect

import numpy as np

from ._art import check_clip_values
from ._attacks import AttackSpec, correct_under_attack

__all__ = ["make_robust_scorer"]

# correct_under_attack's own keywords, besides attack and eps
_OWN = ("norm", "eps_step", "max_iter", "batch_size", "clip_values", "random_state", "verbose")
# set by correct_under_attack itself: never forwarded from the user
_SET = {"self", "estimator", "classifier", "eps", "norm", "eps_step", "max_iter", "batch_size",
        "verbose"}


def _forwarded_to(attack):
    """The callables that receive an attack's extra keywords, outermost first."""
    from art.attacks import evasion

    if attack == "fgsm":
        return [evasion.FastGradientMethod.__init__]
    if attack == "pgd":
        return [evasion.ProjectedGradientDescent.__init__]
    from ._autoattack_art import build_art_default_autoattack

    return [build_art_default_autoattack, evasion.AutoAttack.__init__]


def _allowed_keywords(attack):
    """Every keyword ``attack`` accepts, or None when the last callable takes any."""
    allowed = set(_OWN)
    if attack == "autoattack":  # the authors' settings are fixed: only a subset of the four
        return allowed | {"attacks"}
    for function in _forwarded_to(attack):
        parameters = inspect.signature(function).parameters.values()
        allowed |= {p.name for p in parameters
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - _SET
        takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters)
    return None if takes_any else allowed


def _check_keywords(attack, params):
    """Refuse keywords that neither ``correct_under_attack`` nor the attack takes."""
    allowed = _allowed_keywords(attack.lower())
    unknown = sorted(set(params) - allowed) if allowed is not None else []
    if unknown:
        raise TypeError(
            f"make_robust_scorer(attack={attack!r}) got unknown keyword argument(s) "
            f"{', '.join(unknown)}; allowed: {', '.join(sorted(allowed))} (the budget is "
            "eps, the second argument).")


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
        ``random_state``, ``verbose``) or of the attack it builds (ART's
        ``FastGradientMethod`` or ``ProjectedGradientDescent``, e.g.
        ``num_random_init``; :func:`build_standard_autoattack` or ART's
        ``AutoAttack``). Checked here, so a typo in ``attack``, a negative
        ``eps`` or an unknown keyword (``epsilon=``) fails before any model is
        trained, naming the allowed keywords: inside a grid search the error
        would only make every candidate score NaN.

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
    >>> search = GridSearchCV(pipe, {"select__frac": [0.5, 1.0]}, cv=2,
    ...                       scoring=make_robust_scorer("fgsm", eps=0.05)).fit(X[:300], y[:300])
    >>> sorted(search.cv_results_["param_select__frac"].tolist())
    [0.5, 1.0]
    """
    spec_params = {k: params[k] for k in ("norm", "eps_step", "max_iter", "batch_size")
                   if k in params}
    AttackSpec.from_args(attack, eps, **spec_params)  # fail now, not after training
    # a misspelled keyword would fail inside every scoring call: a search scores NaN
    _check_keywords(attack, params)
    if "clip_values" in params:
        check_clip_values(params["clip_values"])
    return _RobustScorer(attack, eps, dict(params))
