"""What identifies a study: its settings, data and network, not where files lie or list order.

``study.json`` and every cell carry the study's configuration (in
:mod:`sk_easycore.experiments`, ``StudyConfig.to_dict``); the study folder
(:class:`StudyStore`) compares them through :func:`comparable_config`. A file the study reads is
recognised by :func:`file_identity` (its name and content hash), never by its path.

The configuration has two parts. Its *grid* (:data:`GRID`: methods, fractions, regimes,
attacks, seeds, the budgets ``recipe.eps``, the frontier fractions) says which cells and
metrics a study holds: a folder grows when a run asks for more (:func:`grid_union`). Everything
else (data, network, the rest of the recipe, budget, scoring) is its *identity*
(:func:`study_identity`): a folder refuses a run of another one.
"""

import hashlib
import os

__all__ = ["GRID", "LOCATIONS", "comparable_config", "file_identity", "grid_union",
           "records_config", "study_identity"]

# settings that say where files were read from, recorded but never compared on resume: a
# file is recognised by its name and content (data_hash, scores_file), wherever it lies now
LOCATIONS = ("data_root", "scores")
# the lists that say which cells and metrics a study holds (dotted: inside the recipe); a
# folder holds their union over its runs, and a run computes the cells of its own lists
GRID = ("methods", "fractions", "regimes", "attacks", "seeds", "recipe.eps", "frontier")


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


def _split(name):
    return name.split(".", 1) if "." in name else (None, name)


def study_identity(config):
    """What a folder must share with a run: :func:`comparable_config` without the :data:`GRID`.

    Parameters
    ----------
    config : dict
        A stored configuration.

    Returns
    -------
    identity : dict

    Examples
    --------
    >>> study_identity({"data": "digits", "seeds": [0, 1], "recipe": {"lr": 0.1, "eps": [0.1]}})
    {'data': 'digits', 'recipe': {'lr': 0.1}}
    """
    config = comparable_config(config)
    for name in GRID:
        section, field = _split(name)
        if section is None:
            config.pop(field, None)
        elif isinstance(config.get(section), dict):
            config[section] = {k: v for k, v in config[section].items() if k != field}
    return config


def grid_union(stored, requested, order=None):
    """``stored`` with each :data:`GRID` list the union of its own and ``requested``'s.

    What a folder holds after a run that asked for ``requested``: every other
    setting is ``stored``'s (the two share their :func:`study_identity`).

    Parameters
    ----------
    stored, requested : dict
        Stored configurations.
    order : dict or None, default=None
        ``{name: sort key}`` of the lists not sorted by value (methods, regimes,
        attacks); the others are sorted, so the union never depends on the order
        the lists or the runs came in.

    Returns
    -------
    config : dict
        A new dict (``stored`` is not changed).

    Examples
    --------
    >>> grid_union({"seeds": [0, 1], "recipe": {"eps": [0.1], "lr": 0.1}},
    ...            {"seeds": [2, 0], "recipe": {"eps": [0.2], "lr": 0.1}})
    {'seeds': [0, 1, 2], 'recipe': {'eps': [0.1, 0.2], 'lr': 0.1}}
    """
    order = order or {}
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in stored.items()}
    for name in GRID:
        section, field = _split(name)
        old = stored.get(section, {}) if section else stored
        new = requested.get(section, {}) if section else requested
        values = [v for v in (old.get(field), new.get(field)) if v is not None]
        if not values:
            continue
        union = list(dict.fromkeys(item for value in values for item in value))
        key = order.get(field)
        union = sorted(union, key=key) if key is not None else _sorted(union)
        target = merged.setdefault(section, {}) if section else merged
        target[field] = union
    return merged


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


def records_config(records):
    """The configuration a set of cells covers: their common settings, each grid list united.

    What a report reads when it is given cells without their folder's
    ``study.json``: cells written by the runs of a study that grew carry the
    grid of the run that wrote them, so no single cell's configuration covers
    the study. Methods keep the display order; regimes and attacks the order
    in which the cells name them; the other lists are sorted.

    Parameters
    ----------
    records : list of CellRecord
        Cells of one study (their configurations share :func:`study_identity`).

    Returns
    -------
    config : dict
        The first cell's configuration with every :data:`GRID` list the union
        of all of theirs (empty when no cell carries one).

    Examples
    --------
    >>> from types import SimpleNamespace as Cell
    >>> cells = [Cell(config={"seeds": [0, 1], "regimes": ["trades"], "frontier": None}),
    ...          Cell(config={"seeds": [2], "regimes": ["standard"], "frontier": [0.1]})]
    >>> config = records_config(cells)
    >>> config["seeds"], config["regimes"], config["frontier"]
    ([0, 1, 2], ['trades', 'standard'], [0.1])
    """
    from ._names import method_order

    configs = [r.config for r in records if getattr(r, "config", None)]
    if not configs:
        return {}
    order = {"methods": method_order}
    for name in ("regimes", "attacks"):
        seen = list(dict.fromkeys(v for c in configs for v in c.get(name) or ()))
        order[name] = seen.index
    merged = configs[0]
    for config in configs[1:]:
        merged = grid_union(merged, config, order)
    return merged
