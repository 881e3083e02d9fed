"""A cell model's metrics: its robustness report on the study's test data, as record entries."""

from ..results import Metric
from ..robustness import robustness_report

__all__ = ["attack_details", "attack_metrics", "evaluate"]


def evaluate(config, model, data, seed, attacks, eps):
    """The robustness report of a cell's model: ``attacks`` at ``eps`` on the test data.

    Every (attack, eps) is seeded with ``seed`` alone, so a metric measured
    later, on its own, is the one a run measuring every metric at once gives.
    """
    recipe = config.recipe
    return robustness_report(
        model, data.X_test, data.y_test, attacks=attacks, eps=eps,
        max_iter=recipe.eval_max_iter, clip_values=recipe.clip_values,
        batch_size=recipe.attack_batch_size, random_state=seed,
        autoattack_samples=recipe.autoattack_samples,
    )


def attack_metrics(report):
    """``{Metric: accuracy}`` of a robustness report's attacks (the clean accuracy aside)."""
    return {Metric(row["attack"], row["eps"]): row["accuracy"] for row in report.to_records()
            if row["attack"] != "clean"}


def attack_details(report):
    """``{metric key: detail}`` of a robustness report's AutoAttack breakdowns."""
    return {Metric(attack, eps).key: detail for attack, per_eps in report.details.items()
            for eps, detail in per_eps.items()}
