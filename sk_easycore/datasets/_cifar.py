"""CIFAR-10 and CIFAR-100 read from a local folder in the standard python format."""

import os
import pickle

import numpy as np

__all__ = ["load_cifar10", "load_cifar100"]


def _latin1_bytes(text, encoding="latin1"):
    # how python 3 pickles bytes at protocol 2: _codecs.encode(text, "latin1"); no other codec
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


def _batch_globals():
    """The only globals a CIFAR batch refers to: numpy arrays and dtypes, and bytes."""
    try:
        from numpy._core import multiarray, numeric
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray, numeric
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
               ("_codecs", "encode"): _latin1_bytes}
    for package in ("numpy.core", "numpy._core"):  # written by numpy 1.x / 2.x
        allowed[(f"{package}.multiarray", "_reconstruct")] = multiarray._reconstruct
        if hasattr(numeric, "_frombuffer"):
            allowed[(f"{package}.numeric", "_frombuffer")] = numeric._frombuffer
    return allowed


class _BatchUnpickler(pickle.Unpickler):
    """Unpickle dicts of bytes, lists and numpy arrays; refuse every other global.

    A pickle runs whatever callable its globals name; a CIFAR batch names only
    numpy's array reconstruction, so nothing else is ever looked up.
    """

    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self._allowed = _batch_globals()

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}") from None


class _Refused(pickle.UnpicklingError):
    """A global a CIFAR batch never refers to."""


def _spec(name):
    """Return torchvision's dataset class for ``name`` and the layout it expects, in words."""
    # imported here: torchvision is slow to import and only these loaders need it
    from torchvision.datasets import CIFAR10, CIFAR100

    cls = {"CIFAR-10": CIFAR10, "CIFAR-100": CIFAR100}[name]
    files = [f for f, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
    layout = (
        f"the {name} python version, extracted from {cls.filename}: a folder "
        f"{cls.base_folder}/ holding {', '.join(files)}"
    )
    return cls, files, layout


def _find_folder(root, cls, files, layout):
    """Return the data folder: ``root/<base_folder>`` or ``root`` itself."""
    root = os.path.expanduser(os.fspath(root))
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f"Root folder {root!r} does not exist (or is not a folder); pass the folder containing "
            f"{cls.base_folder}/ or that folder itself ({layout})."
        )
    nested = os.path.join(root, cls.base_folder)
    if not os.path.isdir(nested) and (
        os.path.basename(os.path.normpath(root)) == cls.base_folder
        or any(os.path.isfile(os.path.join(root, f)) for f in files)
    ):
        return root
    return nested


def _read_batch(path, label_key, n_labels, layout):
    """Return ``(data, labels)`` of one pickled batch, or raise a ValueError."""
    expected = (
        f"expected a pickled dict with keys b'data' (n x 3072 uint8) and b'{label_key}' ({layout})"
    )
    try:
        with open(path, "rb") as f:
            entry = _BatchUnpickler(f, encoding="latin1").load()
    except _Refused as exc:
        raise ValueError(
            f"{path} is not a CIFAR batch: its pickle calls {exc}, which a CIFAR batch never "
            "refers to (only numpy arrays, bytes, lists and dicts are read); refusing to load "
            "it, nothing in it was run."
        ) from None
    except Exception as exc:  # a damaged pickle can raise almost any exception type
        raise ValueError(f"Could not unpickle {path} ({exc!r}); {expected}.") from exc
    if isinstance(entry, dict):
        # python-2 files decode their keys as str, python-3 files keep bytes
        entry = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}
    if not isinstance(entry, dict) or "data" not in entry or label_key not in entry:
        found = sorted(map(str, entry)) if isinstance(entry, dict) else type(entry).__name__
        raise ValueError(f"{path} is not a CIFAR batch: found {found}, {expected}.")
    data, labels = np.asarray(entry["data"]), np.asarray(entry[label_key])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(
            f"{path}: 'data' has shape {data.shape} and dtype {data.dtype}; {expected}."
        )
    valid = labels.shape == (len(data),) and labels.dtype.kind in "iu"
    if not valid or (len(labels) and (labels.min() < 0 or labels.max() >= n_labels)):
        found = (
            f"values {labels.min()}..{labels.max()}"
            if valid
            else f"shape {labels.shape}, dtype {labels.dtype}"
        )
        raise ValueError(
            f"{path}: '{label_key}' must hold {len(data)} integers in [0, {n_labels}), got {found}."
        )
    return data, labels


def _load(root, train, name, label_key, n_labels, verify_checksums):
    cls, files, layout = _spec(name)
    folder = _find_folder(root, cls, files, layout)
    split = cls.train_list if train else cls.test_list
    paths = [(os.path.join(folder, f), md5) for f, md5 in split]
    for path, md5 in paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Expected {path} ({layout}).")
        if verify_checksums:
            from torchvision.datasets.utils import check_integrity

            if not check_integrity(path, md5):
                raise ValueError(
                    f"{path} does not match the md5 checksum {md5} of the official {name} file; "
                    "pass verify_checksums=False to load a modified or partial copy."
                )
    batches = [_read_batch(path, label_key, n_labels, layout) for path, _ in paths]
    # rows are channel-major (1024 red, 1024 green, 1024 blue values), so this is (n, C, H, W)
    X = np.concatenate([data for data, _ in batches]).reshape(-1, 3, 32, 32).astype(np.float32)
    X /= 255.0  # in place: a float32 CIFAR training set is 600 MB
    y = np.concatenate([labels for _, labels in batches]).astype(np.int64)
    return X, y


def load_cifar10(root, train=True, *, verify_checksums=False):
    """Load CIFAR-10 from a local copy of its python version; never downloads.

    The files are pickles, read by an unpickler that builds only dicts, lists, bytes
    and numpy arrays and refuses any other global: a planted file is an error, never run.

    Parameters
    ----------
    root : str or path-like
        The folder that contains ``cifar-10-batches-py`` (extracted from
        ``cifar-10-python.tar.gz``), or that folder itself.
    train : bool, default=True
        Load the 50000 training images (``data_batch_1`` .. ``data_batch_5``),
        or the 10000 test images (``test_batch``) when False.
    verify_checksums : bool, default=False
        Check every file read against the official md5 checksums (as
        torchvision does). When False the files need only exist and parse.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, 32, 32), dtype float32
        RGB images in [0, 1].
    y : ndarray of shape (n_samples,), dtype int64
        Labels in [0, 10).

    Examples
    --------
    With the data extracted in ``~/data``, ``load_cifar10("~/data")`` returns arrays
    of shape (50000, 3, 32, 32) and (50000,). A folder without it is an error that
    says what is expected:

    >>> load_cifar10("/nonexistent")
    Traceback (most recent call last):
        ...
    FileNotFoundError: Root folder '/nonexistent' does not exist ...
    """
    return _load(root, train, "CIFAR-10", "labels", 10, verify_checksums)


def load_cifar100(root, train=True, label="fine", *, verify_checksums=False):
    """Load CIFAR-100 from a local copy of its python version; never downloads.

    The files are pickles, read by an unpickler that builds only dicts, lists, bytes
    and numpy arrays and refuses any other global: a planted file is an error, never run.

    Parameters
    ----------
    root : str or path-like
        The folder that contains ``cifar-100-python`` (extracted from
        ``cifar-100-python.tar.gz``), or that folder itself.
    train : bool, default=True
        Load the 50000 training images (``train``), or the 10000 test images
        (``test``) when False.
    label : {"fine", "coarse"}, default="fine"
        Return the 100 fine classes or the 20 coarse superclasses.
    verify_checksums : bool, default=False
        Check every file read against the official md5 checksums (as
        torchvision does). When False the files need only exist and parse.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, 32, 32), dtype float32
        RGB images in [0, 1].
    y : ndarray of shape (n_samples,), dtype int64
        Labels in [0, 100) (fine) or [0, 20) (coarse).

    Examples
    --------
    ``load_cifar100("~/data", label="coarse")`` returns the 20 superclasses.

    >>> load_cifar100("/nonexistent", label="superclass")
    Traceback (most recent call last):
        ...
    ValueError: label must be ...
    """
    if label not in ("fine", "coarse"):
        raise ValueError(f"label must be 'fine' or 'coarse', got {label!r}.")
    n_labels = 100 if label == "fine" else 20
    return _load(root, train, "CIFAR-100", f"{label}_labels", n_labels, verify_checksums)
