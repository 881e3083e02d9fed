"""Per-sample hardness scores: ``fit(X, y)`` sets ``scores_`` (higher = harder)."""

from ._aign import AIGNScorer
from ._default_net import make_default_net
from ._dynamics import TrainingDynamics
from ._dynamics_recorder import DynamicsRecorder
from ._recorder import InputGradientRecorder

__all__ = [
    "AIGNScorer",
    "DynamicsRecorder",
    "InputGradientRecorder",
    "TrainingDynamics",
    "make_default_net",
]
