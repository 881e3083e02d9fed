"""What our ART path costs for PGD, against a minimal PGD written directly in torch.

In one run, on the same trained digits SmallCNN, the same test images, eps,
step, iterations, batch size and random start (uniform in the L-inf ball), it
times

(a) ``adversarial_accuracy(net, X, y, "pgd", ...)``: the whole public path
    (conversion to an ART ``PyTorchClassifier``, seeding, ART's
    ``ProjectedGradientDescent``, projection, prediction);
(b) the same through ART, but without freezing the weights during the attack
    (ART's ``loss.backward()`` then also computes every weight gradient);
(c) a minimal torch PGD (``torch.autograd.grad`` with respect to the input only).

The variants are interleaved over the repeats and the medians compared: the
ratio a/c is the overhead of going through ART (target <= 1.3). Both adversarial
accuracies are printed; they use different random starts (numpy's generator
for ART, torch's for (c)), so they agree within sampling noise, not exactly.

    python benchmarks/bench_attack_overhead.py [--repeats 7] [--threads N] [--quick]

With other work on the machine, ``--threads 1`` avoids OpenMP threads spin-waiting
on busy cores (tenfold slowdowns seen), which would swamp the comparison.
"""

import argparse
import contextlib
import time
from unittest import mock

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNetClassifier

from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.robustness import adversarial_accuracy
from sk_easycore.robustness import _attacks
from sk_easycore.utils import default_device, torch_seed


def torch_pgd_accuracy(module, X, y, *, eps, eps_step, max_iter, batch_size, device, seed):
    """Minimal L-inf PGD with a random start, in eval mode, then accuracy on the result."""
    module.eval()
    generator = torch.Generator(device="cpu").manual_seed(seed)
    correct = 0
    for start in range(0, len(X), batch_size):
        x = torch.as_tensor(X[start:start + batch_size], device=device)
        target = torch.as_tensor(y[start:start + batch_size], device=device)
        noise = torch.rand(x.shape, generator=generator).to(device) * 2 - 1
        x_adv = (x + eps * noise).clamp(0.0, 1.0)
        for _ in range(max_iter):
            x_adv.requires_grad_(True)
            loss = F.cross_entropy(module(x_adv), target)
            (grad,) = torch.autograd.grad(loss, x_adv)
            x_adv = x_adv.detach() + eps_step * grad.sign()
            x_adv = torch.minimum(torch.maximum(x_adv, x - eps), x + eps).clamp(0.0, 1.0)
        with torch.no_grad():
            correct += int((module(x_adv).argmax(1) == target).sum())
    return correct / len(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = default_device()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}")

    X, y = load_digits_images()
    X_train, y_train, X_test, y_test = X[:1347], y[:1347], X[1347:], y[1347:]
    if args.quick:
        X_test, y_test = X_test[:64], y_test[:64]
    with torch_seed(0):
        net = NeuralNetClassifier(
            SmallCNN, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
            max_epochs=3 if args.quick else 20, batch_size=64, train_split=None,
            iterator_train__shuffle=True, device=device, verbose=0,
        ).fit(X_train, y_train)

    settings = dict(eps=0.1, eps_step=0.025, max_iter=10, batch_size=128)
    print(f"digits SmallCNN, {len(X_test)} test images, L-inf PGD eps={settings['eps']} "
          f"step={settings['eps_step']} iterations={settings['max_iter']} batch "
          f"{settings['batch_size']}, random start")

    def art():
        return adversarial_accuracy(net, X_test, y_test, "pgd", random_state=0, **settings)

    def art_weight_grads():
        # the same path with the weight-freezing step replaced by a no-op
        with mock.patch.object(_attacks, "input_gradients_only",
                               lambda module: contextlib.nullcontext()):
            return art()

    def plain_torch():
        return torch_pgd_accuracy(net.module_, X_test, y_test, device=device, seed=0, **settings)

    variants = {"ART (ours)": art, "ART, weight grads on": art_weight_grads, "torch": plain_torch}
    for fn in variants.values():  # warm-up
        fn()
    times = {name: [] for name in variants}
    accuracy = {}
    for _ in range(args.repeats):
        for name, fn in variants.items():  # interleaved, so drift hits all alike
            start = time.perf_counter()
            accuracy[name] = fn()
            times[name].append(time.perf_counter() - start)
    median = {name: float(np.median(t)) for name, t in times.items()}
    for name in variants:
        print(f"  {name:<22} median {median[name]:.4f} s over {args.repeats} repeats   "
              f"adversarial accuracy {accuracy[name]:.4f}")
    print(f"  ratio ART / torch = {median['ART (ours)'] / median['torch']:.3f}   "
          f"(with weight gradients: {median['ART, weight grads on'] / median['torch']:.3f})")


if __name__ == "__main__":
    main()
