"""The typed configuration of a study: ``StudyConfig`` (its ``Recipe`` is in ``_recipe``).

A frozen dataclass, validated once when made (:meth:`StudyConfig.create`),
serialised in one place (:meth:`StudyConfig.to_dict`, stored as the study
folder's ``study.json``) and passed as it is to every step of the study.
"""

import dataclasses
import os
from numbers import Integral, Real

from ._recipe import ATTACKS, BUDGETS, REGIMES, Recipe, _positive_int

__all__ = ["DEFAULT_FRONTIER", "StudyConfig"]

# Random coresets drawn for the accuracy-matched control (results/_frontier.py): dense at
# small fractions, where a coreset's clean accuracy changes fastest and where the coresets
# of the other methods land (EasyCore's easiest rows can teach less than a random 5%), cheap
# to train there, and holding the default fractions, which cost nothing more. A study drops
# the fractions that would keep no row of a class of its data (experiments/_guards.py).
DEFAULT_FRONTIER = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Everything a study's results depend on, checked once, stored as ``study.json``.

    Made by :meth:`create` (which checks every setting and names the bad one),
    written by :meth:`to_dict` and read back by :meth:`from_dict`. The data and
    the network are recorded by name and content hash, not stored: a study
    folder refuses to resume on other data or another network.

    Parameters
    ----------
    data : str
        The data's name: a registered dataset, ``"npz:<file name>"``,
        ``"imagefolder:<folder name>"`` (names, not paths: a moved file is the
        same data), or ``"arrays"`` / ``"datasets"`` (or a
        name you gave) for data passed from Python.
    data_hash : str
        Fingerprint of the training and test data (see
        :func:`sk_easycore.data.fingerprint`).
    recipe : Recipe
        How every model trains and is attacked.
    net : str
        ``"recipe"`` (the recipe's model), or a description of your network
        with a hash of its parameters.
    methods : tuple of str
        Coreset methods, names of :data:`~sk_easycore.experiments.METHODS`.
    fractions : tuple of float
        Coreset fractions, each in (0, 1).
    regimes : tuple of str
        Training regimes (``"standard"``, ``"trades"``, ``"pgd"``).
    attacks : tuple of str
        Evaluation attacks.
    seeds : tuple of int
        Seeds; each seeds one proxy and one initialisation of every target model.
    budget : {"epochs", "steps"}
        Coreset models train the recipe's epochs, or as many optimizer steps as
        the full-data model.
    scoring_runs : int
        The proxy's per-sample scores are averaged over this many seeds.
    class_balanced : bool
        Select within every class.
    scores : str or None
        Absolute path of a scores file every method reads its proxy from
        (recorded, not compared: the file is recognised by ``scores_file``).
    data_root : str or None
        Absolute path of the folder a registered dataset is read from
        (recorded, not compared: the data is recognised by ``data_hash``).
    scores_file : str or None
        The scores file's name and content hash
        (:func:`~sk_easycore.results.file_identity`).
    frontier : tuple of float
        Fractions of the random-coreset frontier: random coresets trained
        with the same recipe at each, for every regime and seed (beside the
        study's own cells), against which every method's robust accuracy is
        read at its own clean accuracy
        (:func:`~sk_easycore.results.frontier_differences`). Empty: no
        frontier (and a configuration stored before it existed has none).

    The lists are kept in one order (methods in display order, the others
    sorted), so a study given them in another order is the same study.

    Examples
    --------
    >>> config = StudyConfig.create("digits", "abc", Recipe(model="small_cnn"),
    ...                             methods=["random", "easycore"], seeds=2)
    >>> config.methods, config.seeds
    (('easycore', 'random', 'matched_random'), (0, 1))
    >>> config.frontier
    (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
    >>> StudyConfig.from_dict(config.to_dict()) == config
    True
    """

    data: str
    data_hash: str
    recipe: Recipe
    net: str = "recipe"
    methods: tuple = ("easycore", "random", "matched_random")
    fractions: tuple = (0.1, 0.3, 0.5)
    regimes: tuple = ("standard",)
    attacks: tuple = ("fgsm", "pgd")
    seeds: tuple = (0, 1, 2)
    budget: str = "epochs"
    scoring_runs: int = 1
    class_balanced: bool = True
    scores: str = None
    data_root: str = None
    scores_file: str = None
    frontier: tuple = ()

    @classmethod
    def create(cls, data, data_hash, recipe, *, net="recipe", methods=("easycore", "random"),
               fractions=(0.1, 0.3, 0.5), regimes=("standard",), attacks=("fgsm", "pgd"),
               seeds=3, budget="epochs", scoring_runs=1, class_balanced=True, scores=None,
               data_root=None, frontier=DEFAULT_FRONTIER):
        """Check every setting and make the configuration.

        EasyCore's class-matched random control is added whenever ``easycore``
        is a method; the full-data model is always a row and is not listed.
        ``seeds`` is a count (seeds ``0 .. seeds - 1``) or a list of seeds.
        ``frontier`` is a list of fractions in (0, 1), or ``()`` / None for
        no random-coreset frontier. Paths are made absolute. Every error names
        the setting and what it allows.
        """
        from ..results import method_order
        from ..results import file_identity
        from ._methods import MATCHED_CONTROL, check_methods

        methods = check_methods(methods)
        if "easycore" in methods and MATCHED_CONTROL not in methods:
            methods.append(MATCHED_CONTROL)
        methods = sorted(methods, key=method_order)
        for name, values, allowed in (("regimes", regimes, REGIMES),
                                      ("attacks", attacks, ATTACKS)):
            values = list(values) if not isinstance(values, str) else [values]
            bad = [v for v in values if v not in allowed]
            if bad or not values:
                raise ValueError(f"{name} must be a non-empty subset of {allowed}; got "
                                 f"{values}.")
        regimes = sorted(set(regimes if not isinstance(regimes, str) else [regimes]),
                         key=REGIMES.index)
        attacks = sorted(set(attacks if not isinstance(attacks, str) else [attacks]),
                         key=ATTACKS.index)
        if budget not in BUDGETS:
            raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}.")
        fractions = sorted({float(f) for f in fractions})
        if not fractions or any(not 0 < f < 1 for f in fractions):
            raise ValueError(f"fractions must lie in (0, 1) (the full data is always a row of "
                             f"the table); got {fractions}.")
        frontier = _frontier(frontier)
        if isinstance(seeds, Integral) and not isinstance(seeds, bool):
            seeds = list(range(_positive_int("seeds", seeds)))
        else:
            seeds = [int(s) for s in seeds]
            if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
                raise ValueError(f"seeds must be a count >= 1 or distinct seeds >= 0; got "
                                 f"{seeds}.")
            seeds = sorted(seeds)
        scoring_runs = _positive_int("scoring_runs", scoring_runs)
        if scores is not None and scoring_runs > 1:
            raise ValueError("scores (a scores file) and scoring_runs > 1 exclude each other: "
                             "the file holds one proxy's scores; average them when you make it.")
        absolute = lambda p: None if p is None else os.path.abspath(  # noqa: E731
            os.path.expanduser(os.fspath(p)))
        if not isinstance(recipe, Recipe):
            raise TypeError(f"recipe must be a Recipe; got {type(recipe).__name__}.")
        scores = absolute(scores)
        if scores is not None and not os.path.isfile(scores):
            raise FileNotFoundError(f"no such scores file: {scores} (scores= / --scores takes "
                                    "an .npz written by `sk-easycore score`).")
        if "autoattack" in ([attacks] if isinstance(attacks, str) else list(attacks)) \
                and recipe.clip_values is None:
            raise ValueError("attacks holds 'autoattack', which needs the recipe's clip_values "
                             "(the authors' AutoAttack keeps every example inside a box); the "
                             "recipe has clip_values=None.")
        return cls(
            data=str(data), data_hash=str(data_hash), recipe=recipe, net=str(net),
            methods=tuple(methods), fractions=tuple(fractions), regimes=tuple(regimes),
            attacks=tuple(attacks), seeds=tuple(seeds), budget=budget,
            scoring_runs=scoring_runs, class_balanced=bool(class_balanced),
            scores=scores, data_root=absolute(data_root),
            scores_file=None if scores is None else file_identity(scores),
            frontier=frontier,
        )

    def to_dict(self):
        """The configuration as JSON-ready data (what ``study.json`` holds)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["recipe"] = self.recipe.to_dict()
        for name in ("methods", "fractions", "regimes", "attacks", "seeds", "frontier"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data):
        """A configuration from :meth:`to_dict`'s data."""
        data = dict(data)
        data["recipe"] = Recipe.from_dict(data["recipe"])
        data.setdefault("frontier", ())  # stored before the frontier existed: none
        for name in ("methods", "fractions", "regimes", "attacks", "seeds", "frontier"):
            data[name] = tuple(data[name])
        return cls(**data)


def _frontier(frontier):
    """The frontier's fractions, sorted; None or empty: no frontier."""
    if frontier is None or (isinstance(frontier, str) and frontier.lower() == "none"):
        return ()
    values = [frontier] if isinstance(frontier, (Real, str)) else list(frontier)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, Real)
           or not 0 < v < 1]
    if bad:
        raise ValueError(f"frontier must be fractions in (0, 1) (the full data is always its "
                         f"last point), or () for no frontier; got {frontier!r}.")
    return tuple(sorted({float(v) for v in values}))
