"""A trained digits SmallCNN shared by the robustness tests, and a small test split."""

import matplotlib
import pytest

from sk_easycore.utils import torch_seed
from tests.conftest import make_cnn

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def digits_split(digits):
    """1000 training and 200 test digits."""
    X, y = digits
    return X[:1000], y[:1000], X[1400:1600], y[1400:1600]


@pytest.fixture(scope="session")
def trained_net(digits_split):
    """A standard (not adversarially trained) SmallCNN, ~95% clean test accuracy."""
    import torch

    X_train, y_train, _, _ = digits_split
    with torch_seed(0):
        return make_cnn(optimizer=torch.optim.Adam, lr=3e-3, max_epochs=15).fit(X_train, y_train)
