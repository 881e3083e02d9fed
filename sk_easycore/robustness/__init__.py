"""Adversarial robustness through ART: attacks, reports, scorers and adversarial training.

The only subpackage that uses the adversarial-robustness-toolbox, and it
imports ART lazily (inside functions), so ``import sk_easycore`` stays fast.
``attack="autoattack"`` runs the authors' AutoAttack (``pyautoattack``).
Epsilons are always in the units of the ``X`` the estimator takes: pixels in
[0, 1], since our models normalize inside.
"""

from ._art import to_art_classifier
from ._attacks import ATTACKS, adversarial_accuracy, generate_adversarial
from ._autoattack import STANDARD_ATTACKS, AutoAttackResult
from ._autoattack_art import build_art_default_autoattack
from ._deepfool import deepfool_distances
from ._report import RobustnessReport, robustness_report
from ._scorer import make_robust_scorer
from ._trades import trades_kl_attack
from ._training import AdversarialTrainingClassifier

__all__ = [
    "adversarial_accuracy",
    "AdversarialTrainingClassifier",
    "ATTACKS",
    "AutoAttackResult",
    "build_art_default_autoattack",
    "deepfool_distances",
    "generate_adversarial",
    "make_robust_scorer",
    "robustness_report",
    "RobustnessReport",
    "STANDARD_ATTACKS",
    "to_art_classifier",
    "trades_kl_attack",
    "TradesKLAttack",
]

# ART evasion attacks of our own: classes made on first use (they subclass ART's)
_LAZY_ATTACKS = {"TradesKLAttack": "._trades"}


def __getattr__(name):
    if name in _LAZY_ATTACKS:
        import importlib

        return getattr(importlib.import_module(_LAZY_ATTACKS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
