"""Shared fixtures: seeded data and tiny skorch nets."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from sk_easycore import clear_score_cache
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN

# Tiny nets gain nothing from threads, and two xdist workers with two OpenMP
# threads each on two cores slow each other down tenfold (spin-waiting).
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _fresh_score_cache():
    clear_score_cache()
    yield
    clear_score_cache()


@pytest.fixture(scope="session")
def digits():
    """The 1797 digits as (n, 1, 8, 8) float32 images in [0, 1]."""
    return load_digits_images()


@pytest.fixture(scope="session")
def digits_small(digits):
    """A stratified-enough 300-image slice of digits."""
    X, y = digits
    return X[:300], y[:300]


def make_cnn(**params):
    """A small, fast SmallCNN classifier for tests (no validation split)."""
    defaults = dict(
        module__width=8,
        module__hidden=32,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=0.1,
        max_epochs=3,
        batch_size=32,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    defaults.update(params)
    return NeuralNetClassifier(SmallCNN, **defaults)


@pytest.fixture
def cnn():
    return make_cnn()


@pytest.fixture(scope="session")
def rng():
    return np.random.RandomState(0)
