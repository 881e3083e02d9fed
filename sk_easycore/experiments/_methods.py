"""The coreset methods a study can compare, by name, built on one shared proxy per seed.

Every proxy-based method of a seed receives the same unseeded
:class:`~sk_easycore.scoring.TrainingDynamics` and the seed as ``random_state``; the
selectors derive the same proxy seed from it, and the fitted-scorer cache (in memory
and in the study's ``proxies/`` folder) makes them share one training.
"""

import numpy as np
from tqdm.auto import tqdm

from .._cache import fit_scorer, seeded_clone
from ..scoring import TrainingDynamics
from ..selection import (
    CALSelector, ContextualDiversitySelector, DeepFoolSelector, EasyCoreSelector,
    EL2NSelector, FacilityLocationSelector, ForgettingSelector, GlisterSelector,
    GraNdSelector, GraphCutSelector, HardCoreSelector, HerdingSelector,
    KCenterGreedySelector, MatchedRandomSelector, ModerateSelector, RandomSelector,
    ScoreSelector, UncertaintySelector,
)
from ._recipes import Recipe, make_net

__all__ = ["MATCHED_CONTROL", "METHOD_NAMES", "check_methods", "make_selector",
           "prepare_proxies"]

MATCHED_CONTROL = "matched_random"

# name -> (selector class, extra parameters); "easycore" and the control are built apart
_PROXY_METHODS = {
    "hardcore": (HardCoreSelector, {}),
    "grand": (GraNdSelector, {}),
    "el2n": (EL2NSelector, {}),
    "forgetting": (ForgettingSelector, {}),
    "least_confidence": (UncertaintySelector, {"method": "least_confidence"}),
    "entropy": (UncertaintySelector, {"method": "entropy"}),
    "margin": (UncertaintySelector, {"method": "margin"}),
    "deepfool": (DeepFoolSelector, {}),
    "moderate": (ModerateSelector, {}),
    "herding": (HerdingSelector, {}),
    "kcenter": (KCenterGreedySelector, {}),
    "contextual_diversity": (ContextualDiversitySelector, {}),
    "cal": (CALSelector, {}),
    "graphcut": (GraphCutSelector, {}),
    "facility_location": (FacilityLocationSelector, {}),
    "glister": (GlisterSelector, {}),
}
# scores a study can average over scoring runs or read from a `sk-easycore score` file:
# method -> (proxy attribute, name in the file, which end is kept)
_DYNAMICS = {
    "easycore": ("scores_", "aign", "lowest"),
    "hardcore": ("scores_", "aign", "highest"),
    MATCHED_CONTROL: ("scores_", "aign", "lowest"),
    "forgetting": ("forgetting_", "forgetting", "highest"),
}
METHOD_NAMES = ("easycore", "random", MATCHED_CONTROL, *_PROXY_METHODS)


def check_methods(methods):
    """The method names as a list without duplicates, or a ValueError naming the bad ones.

    Examples
    --------
    >>> check_methods(["easycore", "random", "easycore"])
    ['easycore', 'random']
    """
    methods = list(dict.fromkeys(methods))
    unknown = [m for m in methods if m not in METHOD_NAMES]
    if unknown or not methods:
        raise ValueError(f"Unknown methods {unknown}; choose from {', '.join(METHOD_NAMES)}.")
    return methods


def _proxy(config, X, y):
    recipe = Recipe(**{**config["recipe"], "eps": tuple(config["recipe"]["eps"])})
    net = make_net(recipe, X, len(np.unique(y)), epochs=recipe.proxy_epochs)
    return TrainingDynamics(net)


def _averaged(method, config, X, y, seed, memory, scores_file):
    """Scores averaged over ``scoring_runs`` proxies, or read from a scores file; else None."""
    if method not in _DYNAMICS:
        return None
    attribute, file_name, keep = _DYNAMICS[method]
    if scores_file is not None and file_name in scores_file:
        return scores_file[file_name], keep
    if config["scoring_runs"] == 1:
        return None
    base = seeded_clone(_proxy(config, X, y), seed)
    runs = []
    for run in range(config["scoring_runs"]):  # run 0 is the proxy every method shares
        proxy = seeded_clone(base, None).set_params(random_state=base.random_state + run)
        runs.append(getattr(fit_scorer(proxy, X, y, memory=memory), attribute))
    return np.mean(runs, axis=0), keep


def make_selector(method, fraction, seed, config, X, y, memory, scores_file=None):
    """The unfitted selector of ``method`` for one cell.

    Parameters
    ----------
    method : str
        One of ``METHOD_NAMES``.
    fraction : float
        Coreset size.
    seed : int
        The cell's seed (seeds the selector and, through it, the shared proxy).
    config : dict
        The study configuration.
    X, y : ndarray
        The training split (a proxy net is shaped by it).
    memory : str
        Folder of the on-disk proxy cache.
    scores_file : dict or None
        Arrays loaded from a ``sk-easycore score`` file.
    """
    common = {"fraction": fraction, "class_balanced": config["class_balanced"]}
    if method == "random":
        return RandomSelector(random_state=seed, **common)
    averaged = _averaged(method, config, X, y, seed, memory, scores_file)
    if method in ("easycore", MATCHED_CONTROL):
        if averaged is not None:
            easy = ScoreSelector(averaged[0], keep="lowest", **common)
        else:
            easy = EasyCoreSelector(_proxy(config, X, y), memory=memory, random_state=seed,
                                    **common)
        return easy if method == "easycore" else MatchedRandomSelector(easy, random_state=seed)
    if averaged is not None:
        return ScoreSelector(averaged[0], keep=averaged[1], **common)
    cls, params = _PROXY_METHODS[method]
    if method in ("grand", "el2n"):
        params = {**params, "n_repeats": config["scoring_runs"]}
    return cls(_proxy(config, X, y), memory=memory, random_state=seed, **params, **common)


def prepare_proxies(config, data, memory, scores_file=None, verbose=0):
    """Train every proxy the study's cells need, once per seed, into the disk cache.

    Fitting each method's selector once per seed (at the first fraction) trains
    exactly the proxies its cells will ask for, so cells running in other
    processes only read them.
    """
    X, y = data[0], data[1]
    jobs = [(seed, m) for seed in config["seeds"] for m in config["methods"] if m != "random"]
    for seed, method in tqdm(jobs, desc="proxies", disable=not verbose):
        make_selector(method, config["fractions"][0], seed, config, X, y, memory,
                      scores_file).fit(X, y)
