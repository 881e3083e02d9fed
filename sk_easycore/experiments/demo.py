"""The study's comparison written out by hand with the library's estimators, on digits.

Run it with ``python -m sk_easycore.experiments.demo``. It scores the digits training
split with :class:`~sk_easycore.scoring.AIGNScorer`, prints the AIGN distribution per
class, keeps the easiest fraction of every class (EasyCore) and a random fraction of
every class (the control: identical per-class counts), trains the same fresh network on
each and on all the training rows over several seeds (the same initialisation for all
three within a seed), attacks every model on the test split with FGSM and PGD, and
prints the study's own summary: mean +- std over seeds and the seed-paired differences
with their confidence intervals. ``sk-easycore study`` (``make demo``) runs the same kind
of comparison for any method and data, resumably.
"""

import argparse
import logging
import time

import numpy as np

from ..models import make_default_net
from ..results import CellRecord, Metric, summary_markdown
from ..robustness import robustness_report
from ..scoring import AIGNScorer
from ..selection import EasyCoreSelector, RandomSelector
from ..utils import torch_seed
from ._data import load_dataset

logger = logging.getLogger(__name__)

# Digits pixels take 17 grey levels (steps of 1/16 = 0.0625). At 0.05 (under one
# level) a standard SmallCNN loses a few points, at 0.1 about 40, at 0.15 about
# 80; from 0.2 on PGD leaves every model at 0-5%, which tells models apart no more.
EPS = (0.05, 0.1, 0.15)
ATTACKS = ("fgsm", "pgd")


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
    X_train, y_train, X_test, y_test = load_dataset("digits")
    start = time.perf_counter()
    scorer = AIGNScorer(make_default_net(X_train.shape, 10, max_epochs=scoring_epochs),
                        random_state=0).fit(X_train, y_train)
    out = [
        f"digits: {len(X_train)} training / {len(X_test)} test images, "
        f"AIGN from {scoring_epochs} epochs of SmallCNN ({time.perf_counter() - start:.1f} s)",
        _score_summary(scorer.scores_, y_train), "",
    ]
    easy = EasyCoreSelector(scorer.scores_, frac=fraction).fit(X_train, y_train)
    records = []
    for seed in range(seeds):
        rand = RandomSelector(frac=fraction, random_state=seed).fit(X_train, y_train)
        coresets = {"full": (1.0, np.arange(len(y_train))),
                    "easycore": (fraction, easy.sample_indices_),
                    "random": (fraction, rand.sample_indices_)}
        for method, (size, rows) in coresets.items():
            with torch_seed(seed):  # the same initialisation for every model of a seed
                net = make_default_net(X_train.shape, 10, max_epochs=epochs).fit(
                    X_train[rows], y_train[rows])
            report = robustness_report(net, X_test, y_test, attacks=ATTACKS, eps=eps,
                                       random_state=0)
            metrics = {Metric("clean"): report.clean_accuracy}
            metrics.update({Metric(a, e): report.accuracy(a, e) for a in ATTACKS for e in eps})
            records.append(CellRecord(method, size, "standard", seed, metrics,
                                      n_train=len(rows), epochs=epochs))
            logger.info("seed %d %s: %s", seed, method,
                        ", ".join(f"{m} {v:.4f}" for m, v in metrics.items()))
    out += [f"EasyCore and random keep {fraction:.0%} of every class; {epochs} epochs per model; "
            "L-inf attacks, eps in [0, 1] pixel units; PGD 10 steps from a random start.", "",
            summary_markdown(records),
            f"Total time {time.perf_counter() - start:.1f} s."]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.3)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eps", type=float, nargs="+", default=list(EPS),
                        help="L-inf budgets of the attacks, in [0, 1] pixel units")
    parser.add_argument("--quiet", action="store_true", help="no log lines")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s")
    print(run(fraction=args.fraction, seeds=args.seeds, epochs=args.epochs, eps=tuple(args.eps)))


if __name__ == "__main__":
    main()
