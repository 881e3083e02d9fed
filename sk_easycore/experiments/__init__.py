"""The reproduction study: compare coreset methods by the robustness of their models.

``run_study`` runs every (method, fraction, regime, seed) cell, writes each finished
cell atomically to a study folder, resumes where a killed run stopped, and summarizes
mean and spread over seeds with seed-paired differences; ``sk-easycore`` is its
command line.
"""

from ._methods import METHOD_NAMES
from ._recipes import DATASETS, Recipe, load_dataset, make_net
from ._scores import load_scores, save_scores
from ._study import StudyResult, run_study, study_config, write_report
from ._summary import paired_differences, summarize

__all__ = [
    "DATASETS",
    "METHOD_NAMES",
    "Recipe",
    "StudyResult",
    "load_dataset",
    "load_scores",
    "make_net",
    "paired_differences",
    "run_study",
    "save_scores",
    "study_config",
    "summarize",
    "write_report",
]
