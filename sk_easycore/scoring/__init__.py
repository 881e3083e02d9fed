"""Per-sample hardness scores: ``fit(X, y)`` sets ``scores_`` (higher = harder)."""

from ._aign import AIGNScorer
from ._averaged import AveragedDynamics
from ._dynamics import TrainingDynamics
from ._dynamics_recorder import DynamicsRecorder
from ._precomputed import FILE_ARRAYS, PrecomputedDynamics, save_dynamics
from ._recorder import InputGradientRecorder, eval_input_gradient_norms

__all__ = [
    "FILE_ARRAYS",
    "AIGNScorer",
    "AveragedDynamics",
    "DynamicsRecorder",
    "InputGradientRecorder",
    "PrecomputedDynamics",
    "TrainingDynamics",
    "eval_input_gradient_norms",
    "save_dynamics",
]
