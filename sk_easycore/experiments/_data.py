"""The data a study is handed: a registered name, arrays, Datasets, a file or a folder.

The names come from the registry (:mod:`._registry`: ``register_dataset``). A study
can also take arrays, a pair of torch Datasets, an ``.npz`` file or an image folder.
Whatever the source, :func:`resolve_data` turns it into a picklable :class:`DataSource`
(the loader travels with every cell, so worker processes and Dask workers see the user's
data without any registry), and :meth:`DataSource.load` gives a :class:`StudyData` with
labels encoded as ``0 .. n_classes - 1``.
"""

import dataclasses
import functools
import logging
import os

import numpy as np

from ._recipe import Recipe
from ._files import load_imagefolder as _load_imagefolder
from ._files import load_npz as _load_npz
from ._registry import _REGISTRY, recipe_for

__all__ = ["DataSource", "StudyData", "default_recipe", "load_dataset", "prepare_data",
           "resolve_data"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class StudyData:
    """A study's training and test data, with labels encoded as consecutive integers.

    Parameters
    ----------
    X_train, X_test : ndarray or torch.utils.data.Dataset
        float32 arrays, or datasets of ``(x, label)`` items (their labels the
        encoded ones).
    y_train, y_test : ndarray of int64
        Encoded labels.
    classes : ndarray
        The original labels, in the order of the codes.

    Examples
    --------
    >>> data = resolve_data("digits").load()
    >>> data.n_classes, data.X_train.dtype
    (10, dtype('float32'))
    """

    X_train: object
    y_train: np.ndarray
    X_test: object
    y_test: np.ndarray
    classes: np.ndarray

    @property
    def n_classes(self):
        return len(self.classes)

    def fingerprint(self):
        """One content hash of the training and the test data."""
        from ..data import fingerprint

        return fingerprint((fingerprint(self.X_train, self.y_train),
                            fingerprint(self.X_test, self.y_test)))

    def example(self, n=64):
        """The first ``n`` training inputs as one float32 array (for a net factory)."""
        from ..data import is_dataset

        if not is_dataset(self.X_train):
            return self.X_train[:n]
        items = [self.X_train[i][0] for i in range(min(n, len(self.X_train)))]
        return np.stack([np.asarray(x, dtype=np.float32) for x in items])


def _check_array(name, X):
    from sklearn.utils import check_array

    try:
        X = check_array(X, allow_nd=True, dtype=np.float32, ensure_all_finite=True,
                        ensure_min_features=1)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return np.ascontiguousarray(X)


def _labels(name, y, n):
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{name} must hold one label per row ({n}); got shape {y.shape}.")
    return y


def prepare_data(X_train, y_train, X_test, y_test):
    """Check and encode a study's data (arrays or datasets) into a :class:`StudyData`.

    Arrays (and pandas DataFrames) become C-contiguous float32 (skorch's
    networks refuse float64), checked finite; a dataset is not read, apart
    from its labels. Test labels unknown to the training data are an error.
    """
    from ..data import LabeledDataset, dataset_labels, input_shape, is_dataset

    parts = {}
    for split, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
        if is_dataset(X):
            y = dataset_labels(X) if y is None else y
            parts[split] = (X, _labels(f"y_{split}", y, len(X)))
        else:
            if y is None:
                raise ValueError(f"y_{split} is required with array data.")
            X = _check_array(f"X_{split}", X)
            parts[split] = (X, _labels(f"y_{split}", y, len(X)))
    (X_train, y_train), (X_test, y_test) = parts["train"], parts["test"]
    if input_shape(X_train)[1:] != input_shape(X_test)[1:]:
        raise ValueError(f"training inputs have shape {input_shape(X_train)[1:]} but test "
                         f"inputs {input_shape(X_test)[1:]}.")
    classes, y_train_encoded = np.unique(y_train, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"the training data has one class ({classes[0]!r}); a study needs two.")
    index = np.clip(np.searchsorted(classes, y_test), 0, len(classes) - 1)
    if np.any(classes[index] != y_test):
        unknown = np.unique(y_test[classes[index] != y_test])[:5].tolist()
        raise ValueError(f"the test labels {unknown} do not occur in the training data.")
    y_train_encoded = y_train_encoded.astype(np.int64)
    y_test_encoded = index.astype(np.int64)
    if is_dataset(X_train):
        X_train = LabeledDataset(X_train, y_train_encoded)
    if is_dataset(X_test):
        X_test = LabeledDataset(X_test, y_test_encoded)
    return StudyData(X_train, y_train_encoded, X_test, y_test_encoded, classes)


def _unit_range(X):
    """Whether array inputs lie in [0, 1] (None for a dataset, which is not read)."""
    from ..data import is_dataset

    return None if is_dataset(X) else bool(X.min() >= 0 and X.max() <= 1)


def _scale(X, axes):
    """The median over features of the inputs' standard deviation along ``axes`` (1 if 0)."""
    from ..data import is_dataset

    if is_dataset(X):  # not read whole: the first rows tell the scale
        X = np.stack([np.asarray(X[i][0], dtype=np.float32) for i in range(min(len(X), 1024))])
    scale = float(np.median(X.std(axis=axes)))
    return scale if scale > 0 else 1.0


def _scaled_recipe(X, model, axes, standardize):
    """Budgets 0.05, 0.1 and 0.2 times the data's scale (raw units), training budget 0.1."""
    scale = _scale(X, axes)
    eps = tuple(float(f"{k * scale:.4g}") for k in (0.05, 0.1, 0.2))
    return Recipe(model=model, standardize=standardize, eps=eps,
                  train_eps=float(f"{0.1 * scale:.4g}"),
                  train_eps_step=float(f"{0.025 * scale:.4g}"),
                  clip_values=(0.0, 1.0) if _unit_range(X) else None)


def default_recipe(data, *, own_net=False):
    """A recipe for data of your own, chosen by its shape, range and size.

    - Images ``(n, C, H, W)``: a :class:`~sk_easycore.models.SmallCNN`, Adam
      1e-3, batch 64, 30 epochs (proxy 20), L-inf eps 2/255, 4/255, 8/255 (and
      PGD 8/255 in adversarial training), as in the usual 8-bit image setting.
    - Signals ``(n, C, L)``: a :class:`~sk_easycore.models.SmallCNN1d` that
      standardizes every channel inside, Adam 1e-3, batch 64, 30 epochs
      (proxy 20); eps 0.05, 0.1 and 0.2 times the median channel standard
      deviation of the training signals (raw units), training eps 0.1 of it.
    - Tables ``(n, d)``: a small residual MLP (2 blocks of 64) that
      standardizes the columns inside, Adam 1e-3, batch 64, 30 epochs (proxy
      20); eps 0.05, 0.1 and 0.2 times the median column standard deviation of
      the training rows (raw units), training eps 0.1 of it, unbounded inputs.
    - Any other shape, with a network of your own (``own_net=True``): no
      model, eps as for images when the inputs lie in [0, 1], otherwise
      scaled to the median standard deviation of the input features as for
      tables.

    Inputs outside [0, 1] are attacked without clipping (``clip_values=None``).
    Override any field (``epochs=...``) in :func:`run_study`.

    Parameters
    ----------
    data : StudyData, array-like of shape (n_samples, ...) or torch.utils.data.Dataset
        The study's data, or its training inputs.
    own_net : bool, default=False
        The study trains a network of your own: inputs of any rank get a
        recipe (otherwise only tables, signals and images have a model).

    Returns
    -------
    recipe : Recipe

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> recipe = default_recipe(rng.normal(0, 2, (40, 3)))  # a table in raw units
    >>> recipe.model, recipe.standardize, recipe.clip_values, recipe.eps[1] > 0.1
    ('small_mlp', True, None, True)
    >>> default_recipe(rng.normal(0, 1, (40, 2, 50))).model  # two-channel signals
    'small_cnn1d'
    >>> default_recipe(resolve_data("digits").load()).eps[-1] == 8 / 255
    True
    """
    from ..data import input_shape, is_dataset

    X = data.X_train if isinstance(data, StudyData) else data
    if not is_dataset(X):
        X = _check_array("X", X)
    shape = input_shape(X)
    if len(shape) == 4:
        return Recipe(model="small_cnn", eps=(2 / 255, 4 / 255, 8 / 255), train_eps=8 / 255,
                      train_eps_step=2 / 255,
                      clip_values=(0.0, 1.0) if _unit_range(X) in (None, True) else None)
    if len(shape) == 3:  # per channel: over the samples and the length
        return _scaled_recipe(X, "small_cnn1d", (0, 2), standardize=True)
    if len(shape) == 2:
        return _scaled_recipe(X, "small_mlp", 0, standardize=True)
    if own_net:
        if _unit_range(X) in (None, True):
            return Recipe(model=None, eps=(2 / 255, 4 / 255, 8 / 255), train_eps=8 / 255,
                          train_eps_step=2 / 255)
        return _scaled_recipe(X, None, 0, standardize=False)
    raise ValueError(f"no default recipe for inputs of shape {shape}: the study's models take "
                     "tables (n, d), signals (n, C, L) and images (n, C, H, W). Pass net= "
                     "(your own network, which takes any shape) and the recipe fields "
                     "(epochs=..., eps=...).")


# ---------------------------------------------------------------- sources

def _given(parts, data_root=None):
    return parts


@dataclasses.dataclass(frozen=True)
class DataSource:
    """Where a study's data comes from: a name and a picklable loader.

    ``load()`` reads and encodes it (:class:`StudyData`); the source, not the
    data, travels with every cell to worker processes (for data passed from
    Python, the loader holds it).

    Parameters
    ----------
    name : str
        The data's name, recorded in the study's configuration.
    loader : callable
        ``loader(data_root) -> (X_train, y_train, X_test, y_test)`` or
        ``-> (train_dataset, test_dataset)``.
    recipe : Recipe or None, default=None
        The registered recipe; None: :func:`default_recipe` of the data.
    data_root : str or None, default=None
        Passed to the loader.

    Examples
    --------
    >>> source = resolve_data("synthetic2d")
    >>> source.name, source.load().X_train.shape
    ('synthetic2d', (2000, 2))
    """

    name: str
    loader: object
    recipe: Recipe = None
    data_root: str = None

    def load(self):
        from ..data import is_dataset

        parts = self.loader(self.data_root)
        if len(parts) == 2:
            (X_train, X_test), (y_train, y_test) = parts, (None, None)
            if not (is_dataset(X_train) and is_dataset(X_test)):
                raise TypeError("a pair of data must be two torch Datasets (train, test).")
        elif len(parts) == 4:
            X_train, y_train, X_test, y_test = parts
        else:
            raise ValueError(f"data of {self.name!r} must be (X_train, y_train, X_test, y_test) "
                             f"or (train_dataset, test_dataset); got {len(parts)} parts.")
        return prepare_data(X_train, y_train, X_test, y_test)


def resolve_data(data, data_root=None):
    """The :class:`DataSource` of a study's ``data`` argument.

    Parameters
    ----------
    data : str, tuple
        A registered name (:func:`registered_datasets`), ``"FILE.npz"`` (keys
        ``X_train``, ``y_train``, ``X_test``, ``y_test``),
        ``"imagefolder:ROOT"`` (``ROOT/train`` and ``ROOT/test`` in
        torchvision's ``ImageFolder`` layout, images of one size), the arrays
        ``(X_train, y_train, X_test, y_test)``, or two torch Datasets
        ``(train, test)`` of ``(x, label)`` items.
    data_root : str or None, default=None
        The folder a registered dataset is read from (CIFAR).

    Returns
    -------
    source : DataSource

    Examples
    --------
    >>> resolve_data("digits").name
    'digits'
    >>> resolve_data("mnist")
    Traceback (most recent call last):
        ...
    ValueError: unknown dataset 'mnist'; registered: cifar10, cifar100, digits, synthetic2d ...
    """
    if isinstance(data, (str, os.PathLike)):
        text = os.fspath(data)
        if text.startswith("imagefolder:"):
            root = os.path.abspath(os.path.expanduser(text[len("imagefolder:"):]))
            # named by the folder's name, not its path: a moved folder is the same data
            return DataSource(f"imagefolder:{os.path.basename(root)}",
                              functools.partial(_load_imagefolder, root))
        if text.endswith(".npz"):
            path = os.path.abspath(os.path.expanduser(text))
            if not os.path.isfile(path):
                raise FileNotFoundError(f"no such .npz file: {path}")
            # named by the file's name, not its path: the study recognises the data by
            # name and content hash, so a moved file resumes the same study
            return DataSource(f"npz:{os.path.basename(path)}", functools.partial(_load_npz, path))
        recipe = recipe_for(text)  # unknown names are an error, never a fallback
        root = None if data_root is None else os.path.abspath(os.path.expanduser(
            os.fspath(data_root)))
        return DataSource(text, _REGISTRY[text][0], recipe, root)
    if isinstance(data, (tuple, list)) and len(data) in (2, 4):
        name = "datasets" if len(data) == 2 else "arrays"
        return DataSource(name, functools.partial(_given, tuple(data)))
    raise TypeError("data must be a registered name, 'FILE.npz', 'imagefolder:ROOT', "
                    "(X_train, y_train, X_test, y_test) or (train_dataset, test_dataset); got "
                    f"{type(data).__name__}.")


def load_dataset(name, data_root=None):
    """``(X_train, y_train, X_test, y_test)`` of a registered dataset, labels encoded.

    Parameters
    ----------
    name : str
        A registered dataset (:func:`registered_datasets`).
    data_root : str, Path or None, default=None
        The folder it is read from, if it needs one (CIFAR).

    Returns
    -------
    X_train, y_train, X_test, y_test
        Arrays (float32 inputs, int64 labels) or datasets and their labels.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_dataset("digits")
    >>> X_train.shape, X_test.shape
    ((1347, 1, 8, 8), (450, 1, 8, 8))
    """
    data = resolve_data(name, data_root).load()
    return data.X_train, data.y_train, data.X_test, data.y_test
