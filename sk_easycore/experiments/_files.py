"""A study's data files: an ``.npz`` of arrays, an image folder; each damaged file is named.

Both are read without running anything from the files (``allow_pickle=False``; images
through PIL), and every problem is one error naming the file (and key) and what is
expected, before anything trains: an image folder is decoded once up front.
"""

import logging
import os
import time
import zipfile
import zlib

import numpy as np

__all__ = ["load_imagefolder", "load_npz"]

logger = logging.getLogger(__name__)


def load_npz(path, data_root=None):
    keys = ("X_train", "y_train", "X_test", "y_test")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such .npz file: {path}")
    expected = (f"an .npz study file holds the arrays {', '.join(keys)} (numbers; labels may "
                "be strings), written with numpy.savez")
    with open(path, "rb") as f:
        head = f.read(6)
    if not head.startswith(b"PK"):
        found = ("a single .npy array" if head.startswith(b"\x93NUMPY")
                 else f"a file starting with {head!r}")
        raise ValueError(f"{path} is not an .npz archive ({found}); {expected}.")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in keys if k not in data.files]
            if missing:
                raise ValueError(f"{path} lacks the arrays {missing}; {expected} (it has "
                                 f"{sorted(data.files)}).")
            return tuple(_npz_array(data, path, key, expected) for key in keys)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{path} is a damaged .npz archive ({type(exc).__name__}: {exc}); "
                         f"write it again: {expected}.") from None


def _npz_array(data, path, key, expected):
    try:
        return data[key]
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise ValueError(f"{path}: the array {key!r} cannot be read ({exc}); "
                             f"{expected}.") from None
        raise ValueError(f"{path}: the array {key!r} holds Python objects (dtype object), "
                         "which are not read (that would unpickle, and could run code); save "
                         f"numbers or strings instead (e.g. np.asarray(..., dtype=float)); "
                         f"{expected}.") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{path}: the array {key!r} is damaged ({type(exc).__name__}: "
                         f"{exc}); write the file again: {expected}.") from None


def _read_image(path):
    """torchvision's ``pil_loader`` (RGB), with an error naming the file."""
    from PIL import Image

    try:
        with open(path, "rb") as f:
            image = Image.open(f)
            return image.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable image ({type(exc).__name__}: {exc}); "
                         "repair or remove it.") from None


def _check_images(dataset):
    """Decode every image once, so that a damaged one is named before anything trains."""
    start = time.perf_counter()
    for path, _ in dataset.samples:
        _read_image(path)
    logger.info("decoded the %d images of %s in %.1f s", len(dataset.samples), dataset.root,
                time.perf_counter() - start)


def load_imagefolder(root, data_root=None):
    from torchvision import datasets, transforms

    splits = {}
    for split in ("train", "test"):
        folder = os.path.join(root, split)
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"imagefolder:{root} needs the folders {root}/train/ and {root}/test/, each "
                "with one sub-folder of images per class (torchvision's ImageFolder layout); "
                f"{folder} is missing.")
        splits[split] = datasets.ImageFolder(folder, transform=transforms.ToTensor(),
                                             loader=_read_image)
        _check_images(splits[split])
    if splits["train"].classes != splits["test"].classes:
        raise ValueError(f"imagefolder:{root}: train/ has the classes "
                         f"{splits['train'].classes} but test/ {splits['test'].classes}.")
    return splits["train"], splits["test"]
