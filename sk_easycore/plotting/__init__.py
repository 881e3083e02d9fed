"""Figures: robustness curves, AIGN distributions, decision boundaries, embeddings, studies.

Every function draws on a matplotlib axis it is given (``ax=`` or ``axes=``),
or on pyplot's current one, and returns it; none calls ``plt.show()``.
matplotlib is imported inside the functions, so ``import sk_easycore.plotting``
stays cheap; UMAP is used for embeddings only when ``umap-learn`` is installed.
"""

from ._boundary import plot_coreset_boundaries, plot_decision_boundary
from ._embedding import embed_2d, plot_embedding
from ._frontier import plot_frontier
from ._robustness import plot_accuracy_vs_eps
from ._scores import plot_score_comparison, plot_score_distribution
from ._study import plot_study_summary, save_study_figures

__all__ = [
    "embed_2d",
    "plot_accuracy_vs_eps",
    "plot_coreset_boundaries",
    "plot_decision_boundary",
    "plot_embedding",
    "plot_frontier",
    "plot_score_comparison",
    "plot_score_distribution",
    "plot_study_summary",
    "save_study_figures",
]
