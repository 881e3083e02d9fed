"""Adversarial robustness through ART: attacks, reports, scorers and adversarial training.

The only subpackage that uses the adversarial-robustness-toolbox, and it
imports ART lazily (inside functions), so ``import sk_easycore`` stays fast.
Epsilons are always in the units of the ``X`` the estimator takes: pixels in
[0, 1], since our models normalize inside.
"""

from ._art import to_art_classifier
from ._attacks import ATTACKS, adversarial_accuracy, generate_adversarial
from ._deepfool import deepfool_distances
from ._report import RobustnessReport, robustness_report
from ._scorer import make_robust_scorer
from ._training import AdversarialTrainingClassifier

__all__ = [
    "ATTACKS",
    "AdversarialTrainingClassifier",
    "RobustnessReport",
    "adversarial_accuracy",
    "deepfool_distances",
    "generate_adversarial",
    "make_robust_scorer",
    "robustness_report",
    "to_art_classifier",
]
