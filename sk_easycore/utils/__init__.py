"""Small shared helpers: validation, torch seeding and devices."""

from ._convert import AsFloat32
from ._fitted_store import load_fitted, save_fitted
from ._torch import (default_device, initialize_net, int_seed, load_weights, redraw_parameters,
                     torch_seed)
from ._validation import check_nd_X_y, check_scores

__all__ = ["AsFloat32", "check_nd_X_y", "check_scores", "default_device", "initialize_net",
           "int_seed", "load_fitted", "load_weights", "redraw_parameters", "save_fitted",
           "torch_seed"]
