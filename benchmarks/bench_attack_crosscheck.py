"""Cross-check of every attack against a reference implementation, on the same model and images.

On one seeded digits SmallCNN (Adam, trained here) and the same test images, at
each eps (L-inf):

- ``fgsm``: ``adversarial_accuracy(net, X, y, "fgsm")`` (ART) against
  ``torchattacks.FGSM`` (deterministic: the two should agree image by image);
- ``pgd``: PGD-20 through ART, from a uniform random start, against
  ``torchattacks.PGD`` with the same step (``2.5 * eps / 20``) and random start;
- ``trades``: TRADES' KL inner maximization, our ``TradesKLAttack`` (10 steps of
  ``eps / 4``) against ``torchattacks.TPGD`` (the same attack, except that TPGD
  clamps its start ``x + 0.001 * N(0, I)`` into [0, 1] where TRADES' code does
  not), and against TPGD with that one line removed;
- ``autoattack``: ``robustness_report(net, X, y, attacks="autoattack")`` (the
  authors' code through our API, with its per-attack breakdown) against
  ``pyautoattack.AutoAttack(...).run_standard_evaluation`` called directly
  with the same seed.

For each pair it prints both accuracies with their seconds, the images on which
they disagree, the paired difference with an exact 95% interval conditional on
those images (McNemar), and the time ratio ours / reference.

``--cost`` instead prints AutoAttack's seconds per image against PGD-20's on the
same images, for the standard model and for a TRADES-trained one (TRADES' KL
inner loss, eps 0.1, ``--trades-epochs`` epochs).

    python benchmarks/bench_attack_crosscheck.py [--n-images 450] [--eps 0.1 0.05]
        [--attacks fgsm pgd trades autoattack] [--epochs 20] [--threads 1] [--cost]
        [--quick]

``--quick`` (24 images, 3 epochs, eps 0.1, every comparison) checks that it runs.
"""

import argparse
import time

import numpy as np
import torch
from scipy.stats import binomtest
from skorch import NeuralNetClassifier

from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.robustness import (AdversarialTrainingClassifier, adversarial_accuracy,
                                    robustness_report, to_art_classifier)
from sk_easycore.robustness._attacks import correct_under_attack, default_eps_step
from sk_easycore.robustness._trades import trades_kl_attack
from sk_easycore.utils import int_seed, torch_seed

LABELS = {"fgsm": "FGSM", "pgd": "PGD-20", "trades": "TRADES-KL", "autoattack": "AutoAttack"}


def train_net(X, y, *, epochs, seed):
    with torch_seed(seed):
        return NeuralNetClassifier(
            SmallCNN, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
            max_epochs=epochs, batch_size=64, train_split=None, iterator_train__shuffle=True,
            device="cpu", verbose=0,
        ).fit(X, y)


def train_trades(X, y, *, epochs, seed):
    net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
                              optimizer=torch.optim.Adam, lr=1e-3, batch_size=64,
                              train_split=None, device="cpu", verbose=0)
    return AdversarialTrainingClassifier(net, method="trades", eps=0.1, eps_step=0.025,
                                         max_iter=10, max_epochs=epochs,
                                         random_state=seed).fit(X, y)


def paired_interval(ours, theirs, level=0.95):
    """Difference of accuracies and an exact interval conditional on the discordant pairs."""
    ours, theirs = np.asarray(ours, bool), np.asarray(theirs, bool)
    n = len(ours)
    only_ours = int(np.sum(ours & ~theirs))  # robust only under ours: theirs was stronger there
    only_theirs = int(np.sum(~ours & theirs))
    discordant = only_ours + only_theirs
    diff = (only_ours - only_theirs) / n
    if discordant == 0:
        return diff, 0.0, 0.0, 1.0
    test = binomtest(only_ours, discordant, 0.5)
    ci = test.proportion_ci(confidence_level=level, method="exact")
    return diff, discordant / n * (2 * ci.low - 1), discordant / n * (2 * ci.high - 1), \
        test.pvalue


def compare(eps, label, ours, ours_s, reference, theirs, theirs_s):
    """Print both accuracies, the disagreeing images, the paired interval and the time ratio."""
    print(f"eps={eps:g} {label} accuracy: ours = {np.mean(ours):.4f} [{ours_s:.1f} s], "
          f"{reference} = {np.mean(theirs):.4f} [{theirs_s:.1f} s]")
    disagree = np.flatnonzero(np.asarray(ours) != np.asarray(theirs))
    print(f"eps={eps:g} {label} disagreeing images ({len(disagree)}): {disagree.tolist()}")
    diff, low, high, p = paired_interval(ours, theirs)
    verdict = "agree within sampling noise" if low <= 0 <= high else "DIFFER beyond sampling noise"
    print(f"eps={eps:g} {label} difference: ours - {reference} = {diff:+.4f}, 95% CI "
          f"[{low:+.4f}, {high:+.4f}] (McNemar exact p = {p:.3f}): {verdict}")
    print(f"eps={eps:g} {label} time ratio ours / {reference}: {ours_s / theirs_s:.2f}")
    ours_cpu, theirs_cpu = CPU_SECONDS[-2:]
    print(f"eps={eps:g} {label} CPU seconds: ours {ours_cpu:.1f}, {reference} {theirs_cpu:.1f}: "
          f"ratio {ours_cpu / theirs_cpu:.2f}")


CPU_SECONDS = []  # CPU seconds of every timed call, in order (less sensitive to other load)


def timed(function, *args, **kwargs):
    start, cpu = time.perf_counter(), time.process_time()
    out = function(*args, **kwargs)
    CPU_SECONDS.append(time.process_time() - cpu)
    return out, time.perf_counter() - start


def torchattacks_correct(attack, module, X, y):
    images, labels = torch.as_tensor(X), torch.as_tensor(y)
    adv, seconds = timed(attack, images, labels)
    with torch.no_grad():
        return (module(adv).argmax(1) == labels).numpy(), seconds


def fgsm_pgd(name, net, module, X, y, eps, torchattacks):
    kwargs = {} if name == "fgsm" else {"max_iter": 20}
    ours, ours_s = timed(correct_under_attack, net, X, y, name, eps=eps, random_state=0,
                         **kwargs)
    with torch_seed(0):
        attack = torchattacks.FGSM(module, eps=eps) if name == "fgsm" else torchattacks.PGD(
            module, eps=eps, alpha=default_eps_step(eps, 20), steps=20, random_start=True)
        theirs, theirs_s = torchattacks_correct(attack, module, X, y)
    compare(eps, LABELS[name], ours, ours_s, "torchattacks", theirs, theirs_s)


def unclamped_tpgd(torchattacks):
    """torchattacks' TPGD without clamping its start into [0, 1], as TRADES' own code starts."""
    import torch.nn.functional as F

    class UnclampedTPGD(torchattacks.TPGD):
        def forward(self, images, labels=None):
            images = images.clone().detach().to(self.device)
            target = F.softmax(self.get_logits(images).detach(), dim=1)
            adv = images + 0.001 * torch.randn_like(images)  # TPGD clamps this; TRADES does not
            for _ in range(self.steps):
                adv.requires_grad = True
                cost = torch.nn.KLDivLoss(reduction="sum")(
                    F.log_softmax(self.get_logits(adv), dim=1), target)
                grad = torch.autograd.grad(cost, adv)[0]
                delta = torch.clamp(adv.detach() + self.alpha * grad.sign() - images,
                                    min=-self.eps, max=self.eps)
                adv = torch.clamp(images + delta, min=0, max=1).detach()
            return adv

    return UnclampedTPGD


def trades_kl(net, module, X, y, eps, torchattacks):
    classifier = to_art_classifier(net, input_shape=X.shape[1:])
    attack = trades_kl_attack(classifier, eps=eps, eps_step=eps / 4, max_iter=10)
    with torch_seed(0):
        x_adv, ours_s = timed(attack.generate, X)
    ours_cpu = CPU_SECONDS[-1]
    ours = net.predict(x_adv) == y
    for label, reference in (("TRADES-KL", torchattacks.TPGD),
                             ("TRADES-KL-unclamped-start", unclamped_tpgd(torchattacks))):
        with torch_seed(0):
            theirs, theirs_s = torchattacks_correct(
                reference(module, eps=eps, alpha=eps / 4, steps=10), module, X, y)
        CPU_SECONDS.insert(-1, ours_cpu)
        compare(eps, label, ours, ours_s, "torchattacks", theirs, theirs_s)


def direct_autoattack(module, X, y, eps, seed=0):
    """The authors' code as its README calls it: the verdict per image."""
    from pyautoattack import AutoAttack

    with torch_seed(0):
        reference = AutoAttack(module.eval(), norm="Linf", eps=eps, version="standard",
                               seed=int_seed(seed), device="cpu")
        _, y_adv = reference.run_standard_evaluation(torch.as_tensor(X), torch.as_tensor(y),
                                                     batch_size=128)
    return y_adv.numpy() == y


def autoattack(net, module, X, y, eps):
    report, ours_s = timed(robustness_report, net, X, y, attacks="autoattack", eps=eps,
                           random_state=0)
    detail = report.details["autoattack"][eps]
    ours = np.ones(len(X), dtype=bool)
    for rows in detail["broken_by"].values():
        ours[rows] = False
    print(f"eps={eps:g} AutoAttack breakdown (ours): "
          + ", ".join(f"{part} {len(rows)}" for part, rows in detail["broken_by"].items())
          + "; seconds: " + ", ".join(f"{p} {s:.1f}" for p, s in detail["seconds"].items()))
    theirs, theirs_s = timed(direct_autoattack, module, X, y, eps)
    compare(eps, LABELS["autoattack"], ours, ours_s, "pyautoattack", theirs, theirs_s)


def cost(name, model, X, y, eps):
    """AutoAttack's and PGD-20's seconds per image on one model."""
    pgd, pgd_s = timed(adversarial_accuracy, model, X, y, "pgd", eps=eps, max_iter=20)
    pgd_cpu = CPU_SECONDS[-1]
    auto, auto_s = timed(adversarial_accuracy, model, X, y, "autoattack", eps=eps)
    auto_cpu = CPU_SECONDS[-1]
    print(f"cost {name} eps={eps:g}: PGD-20 {pgd:.4f} in {pgd_s:.2f} s "
          f"({pgd_s / len(X) * 1e3:.1f} ms/image), AutoAttack {auto:.4f} in {auto_s:.1f} s "
          f"({auto_s / len(X) * 1e3:.1f} ms/image): ratio {auto_s / pgd_s:.1f}")
    print(f"cost {name} eps={eps:g} in CPU seconds: PGD-20 {pgd_cpu:.2f}, AutoAttack "
          f"{auto_cpu:.1f}: ratio {auto_cpu / pgd_cpu:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=450, help="test images (at most 450)")
    parser.add_argument("--eps", type=float, nargs="+", default=None,
                        help="L-inf budgets (default: 0.1 0.05; 0.1 with --quick or --cost)")
    parser.add_argument("--attacks", nargs="+", choices=list(LABELS), default=list(LABELS))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--trades-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--cost", action="store_true",
                        help="AutoAttack's time per image against PGD-20's instead")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.n_images, args.epochs, args.trades_epochs = min(args.n_images, 24), 3, 1
    if args.eps is None:
        args.eps = [0.1] if args.quick or args.cost else [0.1, 0.05]
    torch.set_num_threads(args.threads)
    import pyautoattack
    import torchattacks

    print(f"torch {torch.__version__}, torchattacks {torchattacks.__version__}, pyautoattack "
          f"{pyautoattack.__version__}, {torch.get_num_threads()} threads, cpu")
    X, y = load_digits_images()
    X_train, y_train, X_test, y_test = X[:1347], y[:1347], X[1347:], y[1347:]
    X_test, y_test = X_test[:args.n_images], y_test[:args.n_images]
    net = train_net(X_train, y_train, epochs=args.epochs, seed=0)
    module = net.module_.eval()
    to_art_classifier(net, input_shape=X_test.shape[1:])  # ART imported before any timing
    print(f"digits SmallCNN, {args.epochs} epochs Adam, {len(X_test)} test images, clean "
          f"accuracy {np.mean(net.predict(X_test) == y_test):.4f}; L-inf")
    if args.cost:
        trades, seconds = timed(train_trades, X_train, y_train, epochs=args.trades_epochs,
                                seed=0)
        print(f"TRADES SmallCNN: {args.trades_epochs} epochs in {seconds:.0f} s, clean accuracy "
              f"{np.mean(trades.predict(X_test) == y_test):.4f}")
        for eps in args.eps:
            cost("standard", net, X_test, y_test, eps)
            cost("TRADES", trades, X_test, y_test, eps)
        return
    for eps in args.eps:
        for name in LABELS:
            if name not in args.attacks:
                continue
            if name in ("fgsm", "pgd"):
                fgsm_pgd(name, net, module, X_test, y_test, eps, torchattacks)
            elif name == "trades":
                trades_kl(net, module, X_test, y_test, eps, torchattacks)
            else:
                autoattack(net, module, X_test, y_test, eps)


if __name__ == "__main__":
    main()
