"""The public registry of named datasets, and the built-in ones with their recipes.

``register_dataset(name, loader, recipe)`` adds a dataset the study and the command line
know by name; the built-in ones are digits, synthetic2d, cifar10 and cifar100 (CIFAR is
read from a folder the user gives, never downloaded).
"""

import functools

from ._recipe import Recipe

__all__ = ["RECIPES", "named_recipe", "recipe_for", "register_dataset", "registered_datasets",
           "unregister_dataset"]

_REGISTRY = {}


def register_dataset(name, loader, recipe=None):
    """Make a dataset known to the study and the command line by ``name``.

    Parameters
    ----------
    name : str
        The name (``--data NAME``). An existing name is replaced.
    loader : callable
        ``loader(data_root) -> (X_train, y_train, X_test, y_test)`` (arrays) or
        ``-> (train_dataset, test_dataset)`` (map-style torch Datasets of
        ``(x, label)`` items). ``data_root`` is the folder given with
        ``data_root=`` / ``--data-root`` (or None). It must be picklable (a
        module-level function): it is sent to worker processes with every cell.
    recipe : Recipe or None, default=None
        The dataset's training and attack recipe; None picks one from the data
        (:func:`default_recipe`).

    Returns
    -------
    None

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> def breast_cancer(root):
    ...     X, y = load_breast_cancer(return_X_y=True)
    ...     X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    ...     return X_train, y_train, X_test, y_test
    >>> register_dataset("breast_cancer", breast_cancer)
    >>> "breast_cancer" in registered_datasets()
    True
    >>> unregister_dataset("breast_cancer")
    """
    if not isinstance(name, str) or not name or ":" in name or name.endswith(".npz"):
        raise ValueError(f"a dataset name is a non-empty string without ':' that does not end "
                         f"in .npz; got {name!r}.")
    if not callable(loader):
        raise TypeError(f"loader must be callable (data_root) -> data; got {loader!r}.")
    if recipe is not None and not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe or None; got {type(recipe).__name__}.")
    _REGISTRY[name] = (loader, recipe)


def unregister_dataset(name):
    """Forget a dataset registered by :func:`register_dataset` (an unknown name is ignored).

    Parameters
    ----------
    name : str

    Returns
    -------
    None

    Examples
    --------
    >>> unregister_dataset("never_registered")
    """
    _REGISTRY.pop(name, None)


def registered_datasets():
    """The names of the registered datasets, sorted.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> registered_datasets()[:4]
    ['cifar10', 'cifar100', 'digits', 'synthetic2d']
    """
    return sorted(_REGISTRY)


def recipe_for(name):
    """The recipe registered with dataset ``name`` (None: chosen from the data when loaded).

    Parameters
    ----------
    name : str
        A registered dataset.

    Returns
    -------
    recipe : Recipe or None

    Examples
    --------
    >>> recipe_for("digits").model
    'small_cnn'
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; registered: {', '.join(registered_datasets())} "
                         "(or a FILE.npz, imagefolder:ROOT, or data passed from Python).")
    return _REGISTRY[name][1]


def _digits(data_root=None):
    from sklearn.model_selection import train_test_split

    from ..datasets import load_digits_images

    X, y = load_digits_images()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    return X_train, y_train, X_test, y_test


def _synthetic2d(data_root=None, n_samples=3000):
    from sklearn.model_selection import train_test_split

    from ..datasets import make_synthetic_2d

    X, y = make_synthetic_2d(n_samples, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=1 / 3, stratify=y,
                                                        random_state=0)
    return X_train, y_train, X_test, y_test


def _cifar(name, data_root=None):
    from ..datasets import load_cifar10, load_cifar100

    if data_root is None:
        raise ValueError(f"dataset {name!r} is read from local files: pass data_root "
                         "(--data-root), the folder holding the CIFAR python version.")
    load = load_cifar10 if name == "cifar10" else load_cifar100
    return (*load(data_root, train=True), *load(data_root, train=False))


# The EasyCore paper's CIFAR recipe (ResNet-18, SGD 0.9, lr 0.1, cosine, batch 200,
# 300 epochs, wd 5e-4; PGD eps 8/255, step 2/255, 10 steps to train, 20 to evaluate),
# with the standard CIFAR augmentation (random crop with 4-pixel padding, horizontal
# flip): without it ResNet-18 reaches about 87% on CIFAR-10 instead of about 95%.
CIFAR_RECIPE = Recipe(
    model="resnet18", optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4,
    batch_size=200, epochs=300, scheduler="cosine", proxy_epochs=300,
    eps=(2 / 255, 4 / 255, 8 / 255), train_eps=8 / 255, train_eps_step=2 / 255,
    augment="crop_flip", attack_batch_size=1000, name="paper",
)
# A screening schedule (not the paper's): the same model, batch, augmentation, TRADES inner
# loss and attacks, 40 epochs under one cycle of the learning rate (peak 0.1); for ranking
# methods cheaply before a run of the paper's recipe, never mixed with it in one folder.
FAST_RECIPE = CIFAR_RECIPE.replace(epochs=40, proxy_epochs=40, scheduler="onecycle",
                                   name="fast")
RECIPES = {"paper": CIFAR_RECIPE, "fast": FAST_RECIPE}


def named_recipe(name):
    """The recipe called ``name``: ``"paper"`` (the CIFAR recipe) or ``"fast"`` (screening).

    ``"paper"``: ResNet-18, SGD 0.9, lr 0.1, cosine, batch 200, 300 epochs,
    wd 5e-4, crop and flip; ``"fast"``: the same, 40 epochs under one cycle
    of the learning rate (peak 0.1), for screening.

    Parameters
    ----------
    name : {"paper", "fast"}

    Returns
    -------
    recipe : Recipe

    Examples
    --------
    >>> named_recipe("fast").epochs, named_recipe("fast").scheduler
    (40, 'onecycle')
    """
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)} (or a Recipe); got "
                         f"{name!r}.")
    return RECIPES[name]


register_dataset("digits", _digits, Recipe(model="small_cnn"))
register_dataset("synthetic2d", _synthetic2d, Recipe(
    model="residual_mlp", batch_size=128, epochs=60, proxy_epochs=40,
    eps=(0.01, 0.02, 0.04), train_eps=0.02, train_eps_step=0.005,
))
register_dataset("cifar10", functools.partial(_cifar, "cifar10"), CIFAR_RECIPE)
register_dataset("cifar100", functools.partial(_cifar, "cifar100"), CIFAR_RECIPE)
