"""Packages that import their modules when a name is first used (PEP 562).

The command line must answer ``--help`` without importing torch, scikit-learn or
ART; the packages it goes through export their names lazily.
"""

import importlib

__all__ = ["lazy_exports"]


def lazy_exports(package, exports):
    """``(__getattr__, __dir__, __all__)`` of a package whose names live in its modules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict of {str: str}
        Public name -> the relative module defining it (``"._aign"``).

    Returns
    -------
    getattr_, dir_ : callable
        For the package's module-level ``__getattr__`` and ``__dir__``.
    names : list of str
        The sorted public names, for ``__all__``.

    Examples
    --------
    >>> getattr_, _, names = lazy_exports("sk_easycore.models", {"SmallCNN": "._cnn"})
    >>> names, getattr_("SmallCNN").__name__
    (['SmallCNN'], 'SmallCNN')
    """

    def getattr_(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name], package), name)

    def dir_():
        return sorted(exports)

    return getattr_, dir_, sorted(exports)
