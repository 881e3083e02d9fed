"""Small torch models that output logits, with input normalization inside, and the net builder.

Every model takes inputs in [0, 1] (pixel units), returns logits for
:class:`torch.nn.CrossEntropyLoss`, offers ``embed(X)`` for penultimate
features, and can be passed as a class to skorch's ``NeuralNetClassifier``;
:func:`make_default_net` builds the skorch net the library trains by default.
Names are imported on first use.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "Accelerated": "._accelerated",
    "CIFAR10_MEAN": "._resnet",
    "CIFAR10_STD": "._resnet",
    "CIFARResNet": "._resnet",
    "MODELS": "._factory",
    "Normalize": "._layers",
    "PRECISIONS": "._accelerated",
    "ResidualMLP": "._mlp",
    "SmallCNN": "._cnn",
    "SmallCNN1d": "._cnn1d",
    "cifar_resnet18": "._resnet",
    "lr_scheduler": "._factory",
    "make_default_net": "._factory",
})
