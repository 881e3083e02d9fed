"""Study results: cell records, the study folder, summaries; below the runner and the figures.

Nothing here trains or plots: :mod:`sk_easycore.experiments` writes records with
it and :mod:`sk_easycore.plotting` draws them. Names are imported on first use.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "CellRecord": "._records",
    "DISPLAY_ORDER": "._names",
    "FULL": "._names",
    "MATCHED_CONTROL": "._names",
    "Metric": "._records",
    "StudyResult": "._result",
    "StudyStore": "._store",
    "as_record": "._records",
    "atomic_write": "._io",
    "atomic_write_text": "._io",
    "cell_key": "._records",
    "check_study_folder": "._folder",
    "comparable_config": "._identity",
    "config_differences": "._folder",
    "data_label": "._format",
    "differences_csv": "._summary",
    "frontier_at": "._frontier",
    "frontier_curve": "._frontier",
    "frontier_differences": "._frontier",
    "grid_records": "._frontier",
    "has_frontier": "._frontier",
    "eps_label": "._format",
    "holm": "._stats",
    "file_identity": "._identity",
    "GRID": "._identity",
    "grid_union": "._identity",
    "records_config": "._identity",
    "study_identity": "._identity",
    "identical_coresets": "._summary",
    "is_writable": "._io",
    "method_order": "._names",
    "metric_label": "._format",
    "is_unit_range": "._format",
    "near_chance": "._header",
    "paired_differences": "._differences",
    "paired_t": "._stats",
    "run_description": "._header",
    "summarize": "._summary",
    "summary_csv": "._summary",
    "summary_markdown": "._summary",
})
