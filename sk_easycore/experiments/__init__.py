"""The reproduction study: compare coreset methods by the robustness of their models.

``run_study`` runs every (method, fraction, regime, seed) cell on a registered dataset
or on data and a network of your own, writes each finished cell atomically to a study
folder, resumes where a killed run stopped, and summarizes mean and spread over seeds
with seed-paired differences; ``sk-easycore`` is its command line. The records and
summaries themselves live in :mod:`sk_easycore.results`. Names are imported on first use.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "Cell": "._cells",
    "CellTask": "._cells",
    "ColumnScaleWarning": "._guards",
    "DEFAULT_FRONTIER": "._config",
    "DataSource": "._data",
    "METHODS": "._methods",
    "NearChanceWarning": "._guards",
    "RECIPES": "._registry",
    "Recipe": "._recipe",
    "StudyConfig": "._config",
    "StudyData": "._data",
    "StudyPlan": "._cost",
    "StudyWarning": "._guards",
    "build_selector": "._methods",
    "default_recipe": "._data",
    "environment": "._environment",
    "load_dataset": "._data",
    "load_scores": "._scores",
    "make_proxy": "._study",
    "named_recipe": "._registry",
    "recipe_for": "._registry",
    "register_dataset": "._registry",
    "register_method": "._methods",
    "registered_datasets": "._registry",
    "resolve_data": "._data",
    "run_cell": "._cells",
    "run_study": "._study",
    "save_scores": "._scores",
    "study_config": "._study",
    "study_net": "._cells",
    "unregister_dataset": "._registry",
    "write_report": "._report",
})
