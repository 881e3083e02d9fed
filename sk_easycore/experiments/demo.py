"""The main job on the embedded digits: AIGN scores, an EasyCore 30% coreset, and its controls.

Run it with ``make demo`` or ``python -m sk_easycore.experiments.demo``. It scores
the digits training split with :class:`~sk_easycore.scoring.AIGNScorer`, prints the
score distribution per class, keeps the easiest 30% of every class, and trains the
same fresh network (same recipe, same epochs) on that coreset, on a random 30% of
every class (the class-matched control: identical per-class counts) and on all
the training rows, over several seeds, printing clean test accuracy as mean and
spread and the paired EasyCore minus random difference. Every trained model is
then attacked on the test split with FGSM and PGD (L-inf, through ART) at a few
epsilons, and a robustness table gives mean +- std over seeds per model and the
paired EasyCore minus random difference per metric.
"""

import argparse
import logging
import time

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier

from ..datasets import load_digits_images
from ..models import SmallCNN
from ..robustness import robustness_report
from ..scoring import AIGNScorer
from ..selection import EasyCoreSelector, RandomSelector
from ..utils import default_device, torch_seed

logger = logging.getLogger(__name__)

# Digits pixels take 17 grey levels (steps of 1/16 = 0.0625). At 0.05 (under one
# level) a standard SmallCNN loses a few points, at 0.1 about 40, at 0.15 about
# 80; from 0.2 on PGD leaves every model at 0-5%, which tells models apart no more.
EPS = (0.05, 0.1, 0.15)
ATTACKS = ("fgsm", "pgd")


def digits_net(max_epochs=30):
    """The digits recipe: SmallCNN, Adam lr 1e-3, batch 64, shuffled, no validation split."""
    return NeuralNetClassifier(
        SmallCNN,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=max_epochs,
        batch_size=64,
        train_split=None,
        iterator_train__shuffle=True,
        device=default_device(),
        verbose=0,
    )


def _evaluate(X_train, y_train, X_test, y_test, seed, max_epochs, eps):
    """Train one model and return ``{metric: accuracy}``: clean, then each attack at each eps."""
    with torch_seed(seed):
        net = digits_net(max_epochs).fit(X_train, y_train)
    # the same attack seed for every model: paired random starts
    report = robustness_report(net, X_test, y_test, attacks=ATTACKS, eps=eps, random_state=0)
    metrics = {"clean": report.clean_accuracy}
    for attack in ATTACKS:
        for e in eps:
            metrics[f"{attack.upper()} {e:g}"] = report.accuracy(attack, e)
    return metrics


def _robustness_table(results, easy, rand):
    """Metrics as rows, models as columns (mean +- std over seeds), and the paired difference."""
    names = list(results)
    metrics = list(results[names[0]][0])
    header = f"{'metric':<10}" + "".join(f"  {n:<17}" for n in names) + "  EasyCore - random"
    lines = [header]
    for metric in metrics:
        cells = []
        for name in names:
            values = [r[metric] for r in results[name]]
            cells.append(f"{np.mean(values):.4f} +- {np.std(values, ddof=1):.4f}")
        diff = np.subtract([r[metric] for r in results[easy]], [r[metric] for r in results[rand]])
        lines.append(f"{metric:<10}" + "".join(f"  {c:<17}" for c in cells)
                     + f"  {diff.mean():+.4f} +- {diff.std(ddof=1):.4f}")
    return lines


def _score_summary(scores, y):
    lines = ["class  n    AIGN mean  median   p10      p90"]
    for label in np.unique(y):
        s = scores[y == label]
        lines.append(
            f"{label:>5}  {len(s):<4} {s.mean():9.4f}  {np.median(s):7.4f}  "
            f"{np.percentile(s, 10):7.4f}  {np.percentile(s, 90):7.4f}"
        )
    return "\n".join(lines)


def run(fraction=0.3, seeds=3, epochs=30, scoring_epochs=20, eps=EPS):
    """Run the demo and return its report as text."""
    X, y = load_digits_images()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    start = time.perf_counter()
    scorer = AIGNScorer(digits_net(scoring_epochs), random_state=0).fit(X_train, y_train)
    out = [
        f"digits: {len(X_train)} training / {len(X_test)} test images, "
        f"AIGN from {scoring_epochs} epochs of SmallCNN ({time.perf_counter() - start:.1f} s)",
        _score_summary(scorer.scores_, y_train),
        "",
        f"Clean test accuracy, {epochs} epochs per model, seeds 0..{seeds - 1}:",
    ]
    easy = EasyCoreSelector(scorer.scores_, fraction=fraction).fit(X_train, y_train)
    easy_name, rand_name = f"EasyCore {fraction:.0%}", f"random {fraction:.0%}"
    results = {"full data": [], easy_name: [], rand_name: []}
    for seed in range(seeds):
        rand = RandomSelector(fraction=fraction, random_state=seed).fit(X_train, y_train)
        assert rand.sampling_strategy_ == easy.sampling_strategy_  # class-matched control
        for name, idx in zip(results, (np.arange(len(y_train)), easy.sample_indices_,
                                       rand.sample_indices_)):
            metrics = _evaluate(X_train[idx], y_train[idx], X_test, y_test, seed, epochs, eps)
            results[name].append(metrics)
            logger.info("seed %d %s: %s", seed, name,
                        ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    for name, per_seed in results.items():
        accs = [m["clean"] for m in per_seed]
        out.append(f"  {name:<14} {np.mean(accs):.4f} +- {np.std(accs, ddof=1):.4f}  "
                   f"(per seed: {', '.join(f'{a:.4f}' for a in accs)})")
    diff = np.subtract([m["clean"] for m in results[easy_name]],
                       [m["clean"] for m in results[rand_name]])
    out.append(
        f"  EasyCore - random (paired by seed): {diff.mean():+.4f} +- {diff.std(ddof=1):.4f}"
    )
    out += [
        "",
        f"Adversarial test accuracy, mean +- std over seeds 0..{seeds - 1} (L-inf, eps in "
        "[0, 1] pixel units;",
        "FGSM one step; PGD 10 steps of 0.25 * eps from a random start; the same attack seed "
        "for every model):",
        *_robustness_table(results, easy_name, rand_name),
    ]
    out.append(f"Total time {time.perf_counter() - start:.1f} s.")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.3)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eps", type=float, nargs="+", default=list(EPS),
                        help="L-inf budgets of the attacks, in [0, 1] pixel units")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s")
    print(run(fraction=args.fraction, seeds=args.seeds, epochs=args.epochs, eps=tuple(args.eps)))


if __name__ == "__main__":
    main()
