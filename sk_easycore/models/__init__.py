"""Small torch models that output logits, with input normalization inside.

Every model takes inputs in [0, 1] (pixel units), returns logits for
:class:`torch.nn.CrossEntropyLoss`, offers ``embed(X)`` for penultimate
features, and can be passed as a class to skorch's ``NeuralNetClassifier``.
"""

from ._cnn import SmallCNN
from ._layers import Normalize
from ._mlp import ResidualMLP
from ._resnet import CIFAR10_MEAN, CIFAR10_STD, CIFARResNet, cifar_resnet18

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "CIFARResNet",
    "Normalize",
    "ResidualMLP",
    "SmallCNN",
    "cifar_resnet18",
]
