"""Synthetic study records for the plotting tests."""


def study_records(methods=("easycore", "random"), fractions=(0.1, 0.3), regimes=("standard",),
                  seeds=(0, 1, 2), eps=(0.1, 0.2), attacks=("pgd",)):
    """Synthetic cell records whose accuracies depend on every key, full-data rows included."""
    records = []
    cells = [(m, f) for m in methods for f in fractions] + [("full", 1.0)]
    for regime in regimes:
        for i, (method, fraction) in enumerate(cells):
            for seed in seeds:
                clean = 0.5 + 0.4 * fraction + 0.01 * i + 0.005 * seed
                metrics = {"clean": clean}
                for a, attack in enumerate(attacks):
                    for e in eps:
                        metrics[f"{attack}@{e:g}"] = clean * (1 - 2 * e) - 0.02 * a
                records.append({"regime": regime, "method": method, "fraction": fraction,
                                "seed": seed, "metrics": metrics,
                                "config": {"data": "toy"}})
    return records
