"""The coreset methods a study compares: one registry line per method.

An entry is a selector class, a ``functools.partial`` of one, a factory returning a
selector, or (for the built-in methods, so that the command line starts without
importing torch) a :class:`selector_ref` naming one in :mod:`sk_easycore.selection`. The
study builds it with the proxy, fraction, selection mode, proxy cache and seed it
accepts; the selector itself says which score it reads, which end it keeps and how ties
break. To add a method: write its selector, add its line here (or call
:func:`register_method`), test it. See docs/architecture.md.
"""

import functools
import importlib
import inspect

from ..results import MATCHED_CONTROL

__all__ = ["MATCHED_CONTROL", "METHODS", "build_selector", "check_methods",
           "easycore_matched_random", "register_method", "selector_ref"]


class selector_ref:  # noqa: N801 -- reads as a function in the registry
    """A selector of :mod:`sk_easycore.selection` named lazily, with fixed parameters.

    Examples
    --------
    >>> selector_ref("UncertaintySelector", method="entropy")(frac=0.2).method
    'entropy'
    """

    def __init__(self, name, **params):
        self.name, self.params = name, params

    def resolve(self):
        """The selector class (or factory), with the fixed parameters bound."""
        target = getattr(importlib.import_module("sk_easycore.selection"), self.name)
        return functools.partial(target, **self.params) if self.params else target

    def __call__(self, **params):
        return self.resolve()(**params)

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"selector_ref({self.name!r}{extra})"


def easycore_matched_random(proxy=None, *, frac=0.3, class_balanced=True, memory=None,
                            random_state=None):
    """EasyCore's class-matched control: random rows with EasyCore's per-class counts.

    Examples
    --------
    >>> easycore_matched_random(frac=0.1, random_state=0).reference.frac
    0.1
    """
    from ..selection import EasyCoreSelector, MatchedRandomSelector

    easy = EasyCoreSelector(proxy, frac=frac, class_balanced=class_balanced,
                            memory=memory, random_state=random_state)
    return MatchedRandomSelector(easy, random_state=random_state)


METHODS = {
    "easycore": selector_ref("EasyCoreSelector"),
    "random": selector_ref("RandomSelector"),
    MATCHED_CONTROL: easycore_matched_random,
    "hardcore": selector_ref("HardCoreSelector"),
    "grand": selector_ref("GraNdSelector"),
    "el2n": selector_ref("EL2NSelector"),
    "forgetting": selector_ref("ForgettingSelector"),
    "least_confidence": selector_ref("UncertaintySelector", method="least_confidence"),
    "entropy": selector_ref("UncertaintySelector", method="entropy"),
    "margin": selector_ref("UncertaintySelector", method="margin"),
    "deepfool": selector_ref("DeepFoolSelector"),
    "moderate": selector_ref("ModerateSelector"),
    "herding": selector_ref("HerdingSelector"),
    "kcenter": selector_ref("KCenterGreedySelector"),
    "contextual_diversity": selector_ref("ContextualDiversitySelector"),
    "cal": selector_ref("CALSelector"),
    "graphcut": selector_ref("GraphCutSelector"),
    "facility_location": selector_ref("FacilityLocationSelector"),
    "glister": selector_ref("GlisterSelector"),
}


def register_method(name, factory):
    """Make a coreset method known to the study and the command line by ``name``.

    Parameters
    ----------
    name : str
        The method's name (``--methods NAME``).
    factory : callable
        A selector class, a ``functools.partial`` of one, or a function
        returning an unfitted selector. It is called with those of ``proxy``
        (or ``scorer``), ``frac``, ``class_balanced``, ``memory`` and
        ``random_state`` it accepts. It must be picklable by reference (a
        module-level name) for ``n_jobs`` and Dask.

    Returns
    -------
    None

    Examples
    --------
    >>> import functools
    >>> from sk_easycore.selection import ScoreSelector
    >>> register_method("middle_aign", functools.partial(ScoreSelector, keep="middle"))
    >>> build_selector("middle_aign", proxy=None, fraction=0.2).keep
    'middle'
    >>> del METHODS["middle_aign"]
    """
    if not isinstance(name, str) or not name or "__" in name or "/" in name:
        raise ValueError(f"a method name is a non-empty string without '__' or '/'; got {name!r}.")
    if not callable(factory):
        raise TypeError(f"factory must be callable; got {factory!r}.")
    METHODS[name] = factory


def check_methods(methods):
    """The method names as a list without duplicates, or a ValueError naming the bad ones.

    Examples
    --------
    >>> check_methods(["easycore", "random", "easycore"])
    ['easycore', 'random']
    """
    methods = list(dict.fromkeys([methods] if isinstance(methods, str) else methods))
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ValueError(f"Unknown methods {unknown}; choose from {', '.join(METHODS)}.")
    return methods


def _accepted(factory):
    target = factory.func if isinstance(factory, functools.partial) else factory
    parameters = inspect.signature(target).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return None  # takes anything
    return set(parameters)


def build_selector(method, *, proxy, fraction, class_balanced=True, memory=None,
                   random_state=None):
    """The unfitted selector of ``method``, given what it accepts of the study's settings.

    Parameters
    ----------
    method : str
        A key of ``METHODS``.
    proxy : estimator or None
        The study's proxy (passed as ``proxy=``, or as ``scorer=`` to score selectors).
    fraction : float
        Coreset size (passed as the selector's ``frac``).
    class_balanced : bool, default=True
        Select within every class.
    memory : str or None, default=None
        The proxy cache folder.
    random_state : int or None, default=None
        The cell's seed.

    Returns
    -------
    selector : BaseSelector

    Examples
    --------
    >>> build_selector("least_confidence", proxy=None, fraction=0.2).method
    'least_confidence'
    >>> type(build_selector("random", proxy=None, fraction=0.2)).__name__
    'RandomSelector'
    """
    factory = METHODS[check_methods([method])[0]]
    if isinstance(factory, selector_ref):
        factory = factory.resolve()
    offered = {"proxy": proxy, "frac": fraction, "class_balanced": class_balanced,
               "memory": memory, "random_state": random_state}
    accepted = _accepted(factory)
    if accepted is not None:
        if "proxy" not in accepted and "scorer" in accepted:
            offered["scorer"] = offered.pop("proxy")
        offered = {k: v for k, v in offered.items() if k in accepted}
    return factory(**offered)
