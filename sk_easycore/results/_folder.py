"""Checks on a study folder before it is used: is it writable, how do two configurations differ."""

import json
from pathlib import Path

from ._io import is_writable

__all__ = ["check_study_folder", "config_differences"]


def _flatten(data, prefix=""):
    if not isinstance(data, dict):
        return {prefix: data}
    flat = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}{key}.") if isinstance(value, dict)
                    else {f"{prefix}{key}": value})
    return flat


def _as_json(data):
    return json.loads(json.dumps(data, sort_keys=True))


def config_differences(old, new):
    """The settings two JSON configurations disagree on, as ``dotted.name: old != new`` lines.

    The ``environment`` entry (threads, CPU, versions of the run that created the
    folder) is a record, not a setting: it is never compared.

    Parameters
    ----------
    old, new : dict
        Configurations (nested dicts are compared field by field).

    Returns
    -------
    lines : list of str
        One line per differing field, sorted; empty when they are equal.

    Examples
    --------
    >>> config_differences({"seeds": [0], "recipe": {"lr": 0.1, "epochs": 3}},
    ...                    {"seeds": [0], "recipe": {"lr": 0.01, "epochs": 3}})
    ['recipe.lr: 0.1 (folder) != 0.01 (now)']
    """
    old, new = (_flatten({k: v for k, v in _as_json(c).items() if k != "environment"})
                for c in (old, new))
    return [f"{k}: {old.get(k)!r} (folder) != {new.get(k)!r} (now)"
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def check_study_folder(root):
    """Raise a one-line error unless ``root`` is, or can be made, a writable study folder.

    Parameters
    ----------
    root : str or Path

    Returns
    -------
    None

    Raises
    ------
    NotADirectoryError
        If ``root``, or a folder above it, is a file.
    PermissionError
        If ``root`` (or the folder it would be made in) is read-only.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = file.write_text("x")
    >>> check_study_folder(file)
    Traceback (most recent call last):
        ...
    NotADirectoryError: the study folder ... is a file; give a folder (new, or a study ...
    """
    root = Path(root)
    if root.exists():
        if not root.is_dir():
            raise NotADirectoryError(f"the study folder {root} is a file; give a folder (new, "
                                     "or a study folder to resume).")
        for folder in (root, root / "cells"):
            if folder.is_dir() and not is_writable(folder):
                raise PermissionError(
                    f"the study folder {root} is read-only: a study writes its cells, log and "
                    f"summary there. Read it with `sk-easycore report {root}`, or copy it to "
                    "a folder you can write to and resume it there.")
        return
    parent = root.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(f"cannot make the study folder {root}: {parent} is a file, "
                                 "not a folder.")
    if not is_writable(parent):
        raise PermissionError(f"cannot make the study folder {root}: {parent} is read-only; "
                              "choose a folder you can write to.")
