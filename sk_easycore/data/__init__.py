"""Torch data plumbing: datasets beside arrays, labels, fingerprints, batches, augmentation.

See :mod:`sk_easycore.datasets` for the loaders of the data sets themselves.
"""

from ._augment import AUGMENTATIONS, augment_batch, random_crop_flip
from ._batches import eval_batches, loader_params, reporting_iterator
from ._datasets import (LabeledDataset, check_input, dataset_labels, fingerprint, input_shape,
                        is_dataset, take)
from ._loader import DeviceLoader

__all__ = [
    "AUGMENTATIONS",
    "DeviceLoader",
    "LabeledDataset",
    "augment_batch",
    "check_input",
    "dataset_labels",
    "eval_batches",
    "fingerprint",
    "input_shape",
    "is_dataset",
    "loader_params",
    "random_crop_flip",
    "reporting_iterator",
    "take",
]
