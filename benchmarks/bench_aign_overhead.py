"""What recording AIGN costs per training epoch, against plain skorch training.

Four copies of the same net, initialized identically, train on the same data
side by side, one epoch at a time:

(a) ``plain``: skorch on the raw array;
(b) ``train``: recorded as ``AIGNScorer(mode="train")`` records (the same
    :class:`~sk_easycore.scoring.InputGradientRecorder`, attached the same way,
    fed the same indexed dataset, ``LabeledDataset(X, y, with_index=True)``): norms from the training
    step's own backward pass;
(c) ``eval``: recorded as ``AIGNScorer(mode="eval")``: an extra eval-mode
    pass after every epoch;
(d) ``control``: skorch on the raw array with a module that only puts a
    gradient and a norm hook on its input: the least that any in-training
    recording must cost.

Every round trains each copy for one epoch, in an order that rotates from round
to round, and divides each epoch time (skorch's ``dur``, which includes the
recording) by the plain epoch time of the same round. The printed ratio is the
median of these paired ratios over the rounds, with their interquartile range:
on a shared virtual machine the speed drifts by 10-30% within a minute, which
pairing epochs that ran a second apart cancels, where comparing whole trainings
run one after the other does not. One warm-up round is not timed. For the
digits workload it also prints what a whole ``AIGNScorer.fit`` spends outside
its epochs (input checks, set-up, averaging), beside the same for ``net.fit``.

Two workloads: the digits SmallCNN (1347 images of 1x8x8, batch 64) and a
CIFAR-shaped ResNet-18 on a few random batches (3x32x32).

    python benchmarks/bench_aign_overhead.py [--rounds 40] [--threads N] [--quick]

With other work on the machine, ``--threads 1`` avoids OpenMP threads spin-waiting
against each other (which distorts every timing).
"""

import argparse
import time
from contextlib import ExitStack

import numpy as np
import torch
from sklearn.base import clone
from skorch import NeuralNetClassifier

from sk_easycore.data import LabeledDataset
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN, cifar_resnet18
from sk_easycore.scoring import AIGNScorer, InputGradientRecorder
from sk_easycore.utils import default_device, torch_seed

VARIANTS = ("plain", "control", "train", "eval")
LABELS = {"control": "input-gradient control", "train": "train-mode AIGN", "eval": "eval-mode AIGN"}


def make_net(module, batch_size, **module_params):
    return NeuralNetClassifier(
        module, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.SGD, lr=0.01,
        max_epochs=1, batch_size=batch_size, train_split=None,
        iterator_train__shuffle=True, device=default_device(), verbose=0, **module_params,
    )


class InputGradControl(torch.nn.Module):
    """The control: ``inner`` with a gradient and a norm hook on its input, and nothing else."""

    def __init__(self, inner, **params):
        super().__init__()
        self.inner = inner(**params)

    def forward(self, X):
        if self.training and torch.is_grad_enabled():
            X = X.detach().requires_grad_(True)
            X.register_hook(lambda grad: (grad.reshape(len(grad), -1).norm(dim=1), None)[1])
        return self.inner(X)


def prepare(variant, template, X, y, stack):
    """An initialized copy of ``template`` for ``variant`` and the input it is fed."""
    net = clone(template)
    if variant == "control":
        net.set_params(module=InputGradControl, module__inner=template.module)
    with torch_seed(0):
        net.initialize()
    if variant in ("plain", "control"):
        return net, X
    stack.enter_context(InputGradientRecorder(len(X), mode=variant).recording(net))
    return net, LabeledDataset(X, y, with_index=True)


def measure(name, template, X, y, rounds):
    start = time.perf_counter()
    times = {v: [] for v in VARIANTS}
    with ExitStack() as stack:
        nets = {v: prepare(v, template, X, y, stack) for v in VARIANTS}
        for round_ in range(rounds + 1):
            shift = round_ % len(VARIANTS)
            for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                net, inputs = nets[variant]
                net.partial_fit(inputs, y)
                if round_ > 0:  # round 0 warms up
                    times[variant].append(net.history[-1, "dur"])
    plain = np.array(times["plain"])
    print(f"{name}: {len(X)} samples, batch {template.batch_size}, {rounds} rounds of one epoch "
          f"per variant ({time.perf_counter() - start:.0f} s)")
    print("  median epoch  " + " | ".join(
        f"{LABELS.get(v, v)} {np.median(times[v]):.4f} s" for v in VARIANTS))
    for variant in VARIANTS[1:]:
        q1, median, q3 = np.percentile(np.array(times[variant]) / plain, [25, 50, 75])
        print(f"  ratio {LABELS[variant]} / plain = {median:.3f} (median of {rounds} paired "
              f"ratios; interquartile range {q1:.3f} .. {q3:.3f})")


def outside_epochs(template, X, y, epochs):
    """Seconds a whole fit spends outside its epochs: plain ``net.fit`` and ``AIGNScorer.fit``."""
    net = clone(template).set_params(max_epochs=epochs)
    start = time.perf_counter()
    net.fit(X, y)
    plain = time.perf_counter() - start - sum(net.history[:, "dur"])
    start = time.perf_counter()
    scorer = AIGNScorer(net, random_state=0).fit(X, y)
    scorer_total = time.perf_counter() - start
    recorded = scorer_total - sum(scorer.net_.history[:, "dur"])
    print(f"  outside the epochs of a {epochs}-epoch fit: plain net.fit {plain:.3f} s, "
          f"AIGNScorer(mode='train').fit {recorded:.3f} s (of {scorer_total:.2f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds per workload (default: 60 digits, 20 ResNet-18)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device "
          f"{default_device()}")

    X, y = load_digits_images()
    X, y = X[:1347], y[:1347]
    rounds = 2 if args.quick else (args.rounds or 60)
    measure("digits SmallCNN", make_net(SmallCNN, 64), X, y, rounds)
    outside_epochs(make_net(SmallCNN, 64), X, y, 3 if args.quick else 10)

    rng = np.random.RandomState(0)
    n = 64 if args.quick else 256
    X = rng.rand(n, 3, 32, 32).astype(np.float32)
    y = rng.randint(0, 10, n).astype(np.int64)
    rounds = 2 if args.quick else (args.rounds or 20)
    measure("CIFAR-shaped ResNet-18 (random data)",
            make_net(cifar_resnet18, 64, module__num_classes=10), X, y, rounds)


if __name__ == "__main__":
    main()
