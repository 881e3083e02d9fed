"""What a study ran, for the top of its summary, and whether its full-data model learned anything."""

from collections import Counter, defaultdict

import numpy as np

from ._format import data_label, eps_label, is_unit_range
from ._identity import records_config
from ._names import FULL
from ._records import as_record

__all__ = ["NEAR_CHANCE_POINTS", "near_chance", "run_description"]

# "Near chance": the full-data model's clean accuracy within this many points of the
# majority-class rate.
NEAR_CHANCE_POINTS = 5.0

_MACHINE_KEYS = (("torch_threads", "torch threads"), ("cpu_capability", "CPU capability"),
                 ("device", "device"), ("machine", "machine"))


def _values(records, getter):
    """Distinct values over the cells, most frequent first, as text."""
    counts = Counter(str(v) for v in map(getter, records) if v not in (None, ""))
    if not counts:
        return None
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{v} ({n} cells)" for v, n in counts.most_common())


def _environment(record):
    # cells written by later versions record their machine as `environment`
    return getattr(record, "environment", None) or {}


def _regime_line(regime, recipe):
    if regime == "standard":
        return "standard (no attack in training)"
    clip = recipe.get("clip_values")
    eps, step = recipe.get("train_eps"), recipe.get("train_eps_step")
    text = (f"{regime} (training eps {eps_label(eps, clip)}, step {eps_label(step, clip)}, "
            f"{recipe.get('train_max_iter')} steps") if eps is not None else regime
    if regime == "trades" and recipe.get("trades_inner"):
        text += f", inner loss {recipe['trades_inner']}"
    return text + ")" if eps is not None else text


def _network(config, recipe):
    net = config.get("net", "recipe")
    if net != "recipe":
        return f"your network: {net}"
    parts = [f"{recipe.get('optimizer')}", f"lr {recipe.get('lr'):g}" if recipe.get("lr")
             else None, f"batch {recipe.get('batch_size')}",
             "columns standardized inside the model" if recipe.get("standardize") else None,
             f"{recipe['precision']}" if recipe.get("precision", "fp32") != "fp32" else None]
    return f"the recipe's `{recipe.get('model')}` ({', '.join(p for p in parts if p)})"


def _epochs(config, recipe):
    epochs = recipe.get("epochs")
    if config.get("budget") == "steps":
        coreset = ("as many optimizer steps as the full-data model (budget `steps`: "
                   f"{epochs} x n_full / n_coreset epochs)")
    else:
        coreset = (f"the same {epochs} epoch{'s' if epochs != 1 else ''} (budget `epochs`: "
                   "fewer optimizer steps)")
    runs = config.get("scoring_runs", 1)
    proxy = f"proxy {recipe.get('proxy_epochs')} epochs" + (
        f", scores averaged over {runs} runs" if runs and runs > 1 else "")
    if config.get("scores"):
        proxy = "scores read from a file"
    return f"{epochs} for the full-data model; coreset models: {coreset}; {proxy}"


def run_description(records, config=None):
    """The "What was run" section of ``summary.md``, as Markdown lines.

    Parameters
    ----------
    records : list of CellRecord or dict
        The study's cells: their machine facts (``environment``: torch
        threads, CPU capability, device; ``versions``) are listed, with the
        number of cells for each value when they differ. Missing facts are
        said to be missing.
    config : dict or None, default=None
        The study's configuration (``study.json``); None takes the first
        cell's.

    Returns
    -------
    lines : list of str

    Examples
    --------
    >>> config = {"data": "npz:/home/me/wine.npz", "data_hash": "ab12cd34ef", "seeds": [0, 1],
    ...           "recipe": {"model": "small_mlp", "epochs": 5, "eps": [0.1],
    ...                      "clip_values": None}}
    >>> lines = run_description([], config)
    >>> lines[2]
    '- **Data**: `wine.npz`, content hash `ab12cd34ef`'
    """
    records = [as_record(r) for r in records]
    if config is None:
        config = records_config(records)
    if not config:
        return ["## What was run", "", "Not recorded: these cells carry no study configuration."]
    recipe = config.get("recipe", {})
    clip = recipe.get("clip_values")
    data_hash = config.get("data_hash")
    full = [r for r in records if r.method == FULL]
    data = f"`{data_label(config.get('data', 'unknown'), data_hash)}`"
    data += f", content hash `{data_hash}`" if data_hash else ", content hash not recorded"
    if full and full[0].n_train:
        data += f"; {full[0].n_train} training rows, {len(full[0].class_counts)} classes"
    units = ("pixel units of [0, 1]" if is_unit_range(clip) else
             "the data's own units, unclipped" if clip is None else
             f"input units, clipped to [{clip[0]:g}, {clip[1]:g}]")
    balanced = config.get("class_balanced")
    selection = ("per class (class-balanced: every class keeps the same fraction)" if balanced
                 else "global (over all rows)" if balanced is not None else "not recorded")
    seeds = config.get("seeds") or sorted({r.seed for r in records})
    lines = ["## What was run", "",
             "- **Data**: " + data,
             "- **Network**: " + _network(config, recipe),
             "- **Epochs**: " + _epochs(config, recipe),
             "- **Selection**: " + selection
             + (f"; methods {', '.join(config['methods'])}" if config.get("methods") else "")
             + (f"; fractions {', '.join(f'{f:g}' for f in config['fractions'])}"
                if config.get("fractions") else "")
             + (f"; random frontier at {', '.join(f'{f:g}' for f in config['frontier'])} and "
                "the full data" if config.get("frontier") else ""),
             "- **Training regimes**: " + "; ".join(
                 _regime_line(g, recipe) for g in config.get("regimes", ("standard",))),
             "- **Evaluation**: " + ", ".join(config.get("attacks", ())) + " at L-inf eps "
             + ", ".join(eps_label(e, clip) for e in recipe.get("eps", ())) + f" ({units})"
             + (f", PGD {recipe['eval_max_iter']} steps" if recipe.get("eval_max_iter") else ""),
             f"- **Seeds**: {', '.join(map(str, seeds))} ({len(seeds)})"]
    lines += _machine_lines(records, config)
    return lines


def _machine_lines(records, config):
    facts = []
    for key, name in _MACHINE_KEYS:
        value = _values(records, lambda r, key=key: _environment(r).get(key))
        if value is None:
            value = config.get("environment", {}).get(key)
        if value is not None:
            facts.append(f"{name} {value}")
    machine = "; ".join(facts) if facts else (
        "torch threads, CPU capability and device not recorded by the version that ran the "
        "cells (floats of small models differ between CPUs and thread counts)")
    lines = ["- **Machine**: " + machine]
    by_package = defaultdict(set)
    for r in records:
        versions = _environment(r).get("versions") or r.versions or {}
        for package, version in versions.items():
            by_package[package].add(str(version))
    if by_package:
        lines.append("- **Versions**: " + ", ".join(
            f"{p} {' / '.join(sorted(v))}" for p, v in sorted(by_package.items())))
    return lines


def near_chance(records, points=NEAR_CHANCE_POINTS):
    """Regimes whose full-data model is within ``points`` of the majority-class rate.

    The majority-class rate is the largest class's share of the training rows
    (``class_counts`` of the full-data cells): a model that always answers
    that class reaches it.

    Parameters
    ----------
    records : list of CellRecord or dict
    points : float, default=5.0
        Percentage points.

    Returns
    -------
    found : list of tuple
        ``(regime, clean accuracy, majority rate)``, both as fractions, clean
        being the mean over seeds.

    Examples
    --------
    >>> recs = [{"method": "full", "fraction": 1.0, "regime": "standard", "seed": 0,
    ...          "metrics": {"clean": 0.42}, "class_counts": {"a": 40, "b": 35, "c": 25}}]
    >>> near_chance(recs)
    [('standard', 0.42, 0.4)]
    """
    by_regime = defaultdict(list)
    for r in map(as_record, records):
        if r.method == FULL and r.class_counts and any(m.is_clean for m in r.metrics):
            by_regime[r.regime].append(r)
    found = []
    for regime, cells in sorted(by_regime.items()):
        clean = float(np.mean([r.accuracy("clean") for r in cells]))
        counts = cells[0].class_counts
        majority = max(counts.values()) / sum(counts.values())
        if clean < majority + points / 100:
            found.append((regime, clean, majority))
    return found
