"""Cross-check of robust accuracy: our ART path against torchattacks, on the same model and images.

On one seeded digits SmallCNN (trained here as in bench_attack_overhead.py) and
the same test images, at each eps (L-inf), it computes

(a) PGD-20 accuracy through ``adversarial_accuracy(net, X, y, "pgd", eps=...,
    max_iter=20, random_state=0)`` and through ``torchattacks.PGD`` with the
    same eps, step (``2.5 * eps / 20``), iterations and a uniform random start;
(b) standard AutoAttack accuracy through our ``StandardAutoAttack`` (ART's
    APGD-CE, APGD-T with AutoAttack's targeted DLR loss, our FAB-T, ART's
    Square) and through ``torchattacks.AutoAttack(version="standard")``, as
    called and with its APGD, APGD-T and FAB iterations raised from
    torchattacks' 10 to the 100 of the reference implementation;
(c) with ``--attacks fab-t square``, AutoAttack's FAB-T and Square alone, ours
    against ``torchattacks.FAB(multi_targeted=True)`` and ``torchattacks.Square``
    (in the full suite they only see the images APGD could not break).

For each pair it prints both accuracies, their difference and a 95% interval
on it that accounts for the pairing (the same images attacked twice): exact,
conditional on the discordant images (those one attack breaks and the other
does not), from the Clopper-Pearson interval of the share of one kind among
them, as McNemar's exact test does. The two "agree within sampling noise"
when the interval contains 0. Seconds per run are printed for information
only (other work shares the machine).

    python benchmarks/bench_attack_crosscheck.py [--n-images 450] [--eps 0.1 0.05]
        [--attacks pgd autoattack fab-t square] [--epochs 20] [--n-iter 100]
        [--n-queries 5000] [--threads 1] [--quick]

``--quick`` (32 images, 3 epochs, eps 0.1, 10 iterations, 100 Square queries, every
comparison) checks that it runs.
"""

import argparse
import time

import numpy as np
import torch
from scipy.stats import binomtest
from skorch import NeuralNetClassifier

from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.robustness import adversarial_accuracy, to_art_classifier
from sk_easycore.robustness._attacks import correct_under_attack, default_eps_step
from sk_easycore.robustness._autoattack import STANDARD_ATTACKS, build_standard_autoattack
from sk_easycore.robustness._guards import seeded
from sk_easycore.utils import torch_seed


def train_net(X, y, *, epochs, seed):
    with torch_seed(seed):
        return NeuralNetClassifier(
            SmallCNN, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
            max_epochs=epochs, batch_size=64, train_split=None, iterator_train__shuffle=True,
            device="cpu", verbose=0,
        ).fit(X, y)


def paired_interval(ours, theirs, level=0.95):
    """Difference of accuracies and an exact interval conditional on the discordant pairs."""
    ours, theirs = np.asarray(ours, bool), np.asarray(theirs, bool)
    n = len(ours)
    only_ours = int(np.sum(ours & ~theirs))  # robust only under ours: theirs was stronger there
    only_theirs = int(np.sum(~ours & theirs))
    discordant = only_ours + only_theirs
    diff = (only_ours - only_theirs) / n
    if discordant == 0:
        return diff, 0.0, 0.0, 1.0, only_ours, only_theirs
    test = binomtest(only_ours, discordant, 0.5)
    ci = test.proportion_ci(confidence_level=level, method="exact")
    low = discordant / n * (2 * ci.low - 1)
    high = discordant / n * (2 * ci.high - 1)
    return diff, low, high, test.pvalue, only_ours, only_theirs


def print_accuracy(eps, attack, who, correct, seconds, max_delta):
    print(f"eps={eps:g} {attack} accuracy: {who} = {np.mean(correct):.4f}   "
          f"[{seconds:.1f} s, max |delta| {max_delta:.4f}]")


def print_comparison(eps, attack, who_a, a, who_b, b):
    diff, low, high, p, n_a, n_b = paired_interval(a, b)
    verdict = "agree within sampling noise" if low <= 0 <= high else "DIFFER beyond sampling noise"
    print(f"eps={eps:g} {attack} difference: {who_a} - {who_b} = {diff:+.4f}, 95% CI "
          f"[{low:+.4f}, {high:+.4f}] ({n_a} images robust only under {who_a}, {n_b} only under "
          f"{who_b}; McNemar exact p = {p:.3f}): {verdict}")


def max_delta(x_adv, X):
    return float(np.abs(np.asarray(x_adv, dtype=np.float64) - X).max())


def torchattacks_run(attack, X, y):
    """Per-sample correctness under a torchattacks attack, its seconds and largest perturbation."""
    images, labels = torch.as_tensor(X), torch.as_tensor(y)
    start = time.perf_counter()
    adv = attack(images, labels)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        correct = (attack.model(adv).argmax(1) == labels).numpy()
    return correct, seconds, max_delta(adv.detach().numpy(), X)


def pgd_comparison(net, module, X, y, eps, torchattacks):
    """(a) PGD-20 with a random start, both ways."""
    start = time.perf_counter()
    accuracy = adversarial_accuracy(net, X, y, "pgd", eps=eps, max_iter=20, random_state=0)
    seconds = time.perf_counter() - start
    ours = correct_under_attack(net, X, y, "pgd", eps=eps, max_iter=20, random_state=0)
    assert np.isclose(accuracy, ours.mean())  # the same seeded run, per sample
    print_accuracy(eps, "PGD-20", "ours (ART)", ours, seconds, eps)
    with torch_seed(0):
        pgd = torchattacks.PGD(module, eps=eps, alpha=default_eps_step(eps, 20), steps=20,
                               random_start=True)
        theirs, seconds, delta = torchattacks_run(pgd, X, y)
    print_accuracy(eps, "PGD-20", "torchattacks", theirs, seconds, delta)
    print_comparison(eps, "PGD-20", "ours (ART)", ours, "torchattacks", theirs)


def torchattacks_variants(name, module, eps, args, torchattacks):
    """(label, attack) pairs on torchattacks' side for one of our AutoAttack configurations."""
    if name == "fab-t":
        return [("torchattacks", torchattacks.FAB(
            module, norm="Linf", eps=eps, steps=args.n_iter, n_restarts=1, multi_targeted=True,
            n_classes=10, seed=0))]
    if name == "square":
        return [("torchattacks", torchattacks.Square(
            module, norm="Linf", eps=eps, n_queries=args.n_queries, n_restarts=1, p_init=0.8,
            seed=0))]
    variants = []
    for steps in (None, args.n_iter) if args.n_iter != 10 else (None,):  # torchattacks: 10
        auto = torchattacks.AutoAttack(module, norm="Linf", eps=eps, version="standard",
                                       n_classes=10, seed=0)
        parts = auto._autoattack.attacks  # APGD, APGDT, FAB, Square
        parts[3].n_queries = args.n_queries
        if steps is not None:
            for part in parts[:3]:
                part.steps = steps
        variants.append(("torchattacks" if steps is None else f"torchattacks {steps} steps",
                         auto))
    return variants


def autoattack_comparison(name, classifier, module, X, y, eps, args, torchattacks):
    """(b) standard AutoAttack, or one of its parts alone, both ways."""
    label = LABELS[name]
    with seeded(0):
        attack = build_standard_autoattack(classifier, eps=eps, n_iter=args.n_iter,
                                           n_queries=args.n_queries, attacks=PARTS[name])
        start = time.perf_counter()
        x_adv = attack.generate(X, y)
        seconds = time.perf_counter() - start
    ours = np.argmax(classifier.predict(x_adv), axis=1) == y
    print_accuracy(eps, label, "ours (ART)", ours, seconds, max_delta(x_adv, X))
    if name == "autoattack":
        print(f"eps={eps:g} {label} breakdown (ours): "
              + ", ".join(f"{part} {count}" for part, count in attack.breakdown_.items())
              + "; seconds: " + ", ".join(f"{p} {s:.1f}" for p, s in attack.timings_.items()))
    results = {}
    with torch_seed(0):
        for who, theirs in torchattacks_variants(name, module, eps, args, torchattacks):
            results[who] = torchattacks_run(theirs, X, y)
            print_accuracy(eps, label, who, *results[who])
    for who, (theirs, _, _) in results.items():
        print_comparison(eps, label, "ours (ART)", ours, who, theirs)


PARTS = {"autoattack": STANDARD_ATTACKS, "fab-t": ("fab-t",), "square": ("square",)}
LABELS = {"pgd": "PGD-20", "autoattack": "AutoAttack", "fab-t": "FAB-T", "square": "Square"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=450, help="test images (at most 450)")
    parser.add_argument("--eps", type=float, nargs="+", default=None,
                        help="L-inf budgets (default: 0.1 0.05; 0.1 with --quick)")
    parser.add_argument("--attacks", nargs="+", choices=list(LABELS),
                        default=["pgd", "autoattack"],
                        help="what to compare; fab-t and square run AutoAttack's parts alone")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n-iter", type=int, default=100,
                        help="APGD, APGD-T and FAB iterations: ours and the raised torchattacks")
    parser.add_argument("--n-queries", type=int, default=5000, help="Square's queries (both sides)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and every comparison, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.n_images, args.epochs = min(args.n_images, 32), 3
        args.n_iter, args.n_queries, args.attacks = 10, 100, list(LABELS)
    if args.eps is None:
        args.eps = [0.1] if args.quick else [0.1, 0.05]
    torch.set_num_threads(args.threads)
    import torchattacks

    print(f"torch {torch.__version__}, torchattacks {torchattacks.__version__}, "
          f"{torch.get_num_threads()} threads, cpu")
    X, y = load_digits_images()
    X_train, y_train, X_test, y_test = X[:1347], y[:1347], X[1347:], y[1347:]
    X_test, y_test = X_test[:args.n_images], y_test[:args.n_images]
    net = train_net(X_train, y_train, epochs=args.epochs, seed=0)
    module = net.module_.eval()
    clean = np.mean(net.predict(X_test) == y_test)
    print(f"digits SmallCNN, {args.epochs} epochs Adam, {len(X_test)} test images, clean accuracy "
          f"{clean:.4f}; L-inf; AutoAttack with {args.n_iter} iterations, Square "
          f"{args.n_queries} queries")
    classifier = to_art_classifier(net, input_shape=X_test.shape[1:])

    for eps in args.eps:
        for name in LABELS:
            if name not in args.attacks:
                continue
            if name == "pgd":
                pgd_comparison(net, module, X_test, y_test, eps, torchattacks)
            else:
                autoattack_comparison(name, classifier, module, X_test, y_test, eps, args,
                                      torchattacks)


if __name__ == "__main__":
    main()
