"""What identifies a study: its settings, data and network, not where files lie or list order.

``study.json`` and every cell carry the study's configuration (in
:mod:`sk_easycore.experiments`, ``StudyConfig.to_dict``); the study folder
(:class:`StudyStore`) compares them through :func:`comparable_config`. A file the study reads is
recognised by :func:`file_identity` (its name and content hash), never by its path.
"""

import hashlib
import os

__all__ = ["LOCATIONS", "comparable_config", "file_identity"]

# settings that say where files were read from, recorded but never compared on resume: a
# file is recognised by its name and content (data_hash, scores_file), wherever it lies now
LOCATIONS = ("data_root", "scores")


def comparable_config(config):
    """What identifies a study in its stored configuration (``study.json``, a cell's copy).

    The paths files were read from (``data_root``, ``scores``) and the run's
    ``environment`` are left out, a data file
    or image folder is named by its name alone, and the lists whose order does
    not matter are sorted, so that folders written before these were kept in
    one order, or with the data's full path, still resume.

    Parameters
    ----------
    config : dict
        A stored configuration (a study's ``StudyConfig.to_dict()``).

    Returns
    -------
    config : dict
        A normalized copy, to compare.

    Examples
    --------
    >>> comparable_config({"data": "npz:/home/me/data.npz", "scores": "/tmp/s.npz",
    ...                    "seeds": [2, 0], "recipe": {"eps": [0.2, 0.1]}})
    {'data': 'npz:data.npz', 'seeds': [0, 2], 'recipe': {'eps': [0.1, 0.2]}}
    """
    # the environment (threads, CPU, versions) is a record of a run, not a setting
    config = {k: v for k, v in config.items() if k not in LOCATIONS + ("environment",)}
    data = config.get("data")
    for kind in ("npz:", "imagefolder:"):
        if isinstance(data, str) and data.startswith(kind):
            config["data"] = kind + os.path.basename(data[len(kind):].rstrip("/"))
    for name in ("methods", "fractions", "regimes", "attacks", "seeds", "frontier"):
        if name in config:
            config[name] = _sorted(config[name])
    if isinstance(config.get("recipe"), dict) and "eps" in config["recipe"]:
        config["recipe"] = {**config["recipe"], "eps": _sorted(config["recipe"]["eps"])}
    return config


def _sorted(values):
    try:
        return sorted(values)
    except TypeError:  # not a list of comparable values: compared as stored
        return values


def file_identity(path):
    """A file's name and the SHA-256 of its content: ``"<name> sha256:<hex>"``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    identity : str

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "scores.npz"
    >>> _ = path.write_bytes(b"abc")
    >>> file_identity(path)[:27]
    'scores.npz sha256:ba7816bf8'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return f"{os.path.basename(path)} sha256:{digest.hexdigest()}"
