"""How a study's data, budgets and differences are written for a reader (tables and figures)."""

import math
import os

from ._records import Metric

__all__ = ["data_label", "eps_label", "is_unit_range", "metric_label", "signed"]

# A budget printed as k/255 must be k/255 to the 4 significant digits of a metric's key.
_K255_TOLERANCE = 5e-3


def is_unit_range(clip_values):
    """True when the recipe's inputs are clipped to [0, 1] (images: budgets in k/255).

    Parameters
    ----------
    clip_values : sequence of two floats or None
        The recipe's ``clip_values``.

    Returns
    -------
    unit_range : bool
        Whether they are ``(0, 1)``.

    Examples
    --------
    >>> is_unit_range([0.0, 1.0]), is_unit_range(None)
    (True, False)
    """
    return clip_values is not None and [float(v) for v in clip_values] == [0.0, 1.0]


def eps_label(eps, clip_values=None):
    """A budget as a reader expects it: ``"8/255"`` for [0, 1] images, else ``"0.05"``.

    Parameters
    ----------
    eps : float
    clip_values : sequence of two floats or None, default=None
        The recipe's input range; only ``(0, 1)`` gives ``k/255``, and only
        when ``eps * 255`` is an integer (to the 4 digits a metric keeps) and
        the decimal would need more than two significant digits (``0.2`` stays
        ``0.2``, not ``51/255``).

    Returns
    -------
    label : str

    Examples
    --------
    >>> eps_label(8 / 255, (0, 1)), eps_label(0.03137, (0, 1)), eps_label(0.05, (0, 1))
    ('8/255', '8/255', '0.05')
    >>> eps_label(8 / 255, None), eps_label(0.2, (0, 1))
    ('0.03137', '0.2')
    """
    k = eps * 255
    short = math.isclose(float(f"{eps:.2g}"), eps, rel_tol=1e-9)
    if (is_unit_range(clip_values) and not short and round(k) >= 1
            and abs(k - round(k)) < _K255_TOLERANCE):
        return f"{round(k)}/255"
    return f"{eps:.4g}"


def metric_label(metric, clip_values=None):
    """A metric for titles and column heads: ``"clean"`` or ``"PGD eps=8/255"``.

    Parameters
    ----------
    metric : Metric or str
        ``Metric("pgd", 8 / 255)`` or its key ``"pgd@0.03137"``.
    clip_values : sequence of two floats or None, default=None
        The recipe's input range (see :func:`eps_label`).

    Returns
    -------
    label : str

    Examples
    --------
    >>> metric_label("pgd@0.03137", (0, 1)), metric_label("clean")
    ('PGD eps=8/255', 'clean')
    """
    metric = Metric.parse(metric)
    if metric.is_clean:
        return "clean"
    return f"{metric.attack.upper()} eps={eps_label(metric.eps, clip_values)}"


def data_label(name, data_hash=None):
    """The data's name for titles: a file's or folder's name, never its absolute path.

    Parameters
    ----------
    name : str
        The study's ``data``: a registered name, ``"npz:<file>"``,
        ``"imagefolder:<folder>"``, ``"arrays"`` or ``"datasets"``.
    data_hash : str or None, default=None
        The data's content hash; its first 8 characters name data passed from
        Python, which has no name of its own.

    Returns
    -------
    label : str

    Examples
    --------
    >>> data_label("npz:/home/me/data/wine_raw.npz")
    'wine_raw.npz'
    >>> data_label("imagefolder:/data/pets/"), data_label("digits")
    ('pets (image folder)', 'digits')
    >>> data_label("arrays", "3f2a9c0e77d1")
    'arrays passed from Python (hash 3f2a9c0e)'
    """
    kind, sep, path = str(name).partition(":")
    if sep and kind in ("npz", "imagefolder"):
        base = os.path.basename(os.path.normpath(path)) or path
        return base if kind == "npz" else f"{base} (image folder)"
    if name in ("arrays", "datasets"):
        what = "arrays" if name == "arrays" else "torch datasets"
        return f"{what} passed from Python" + (f" (hash {data_hash[:8]})" if data_hash else "")
    return str(name)


def signed(points, digits=1):
    """A signed number of points, never ``-0.0``: ``"+1.2"``, ``"-0.4"``, ``"0.0"``.

    Examples
    --------
    >>> signed(1.23), signed(-0.44), signed(-0.04), signed(float("nan"))
    ('+1.2', '-0.4', '0.0', 'n/a')
    """
    if math.isnan(points):
        return "n/a"
    text = f"{points:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text
