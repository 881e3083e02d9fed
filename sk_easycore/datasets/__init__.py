"""Datasets as numpy arrays: digits as images, a synthetic 2D problem, local CIFAR.

Nothing here downloads: digits ship with scikit-learn, the 2D problem is
generated, and CIFAR is read from a folder you provide.
"""

from ._cifar import load_cifar10, load_cifar100
from ._digits import load_digits_images
from ._synthetic import make_synthetic_2d

__all__ = ["load_cifar10", "load_cifar100", "load_digits_images", "make_synthetic_2d"]
