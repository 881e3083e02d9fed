"""Our ART path and TradesKLAttack against torchattacks on the same model and images.

The attacks are the same algorithms; what may differ is float rounding in the
gradients (a sign flips on a coordinate whose gradient is near 0) and, for
TRADES, the start: torchattacks' TPGD clamps ``x + 0.001 * N(0, I)`` into [0, 1]
where the official TRADES code (and ours) does not, so the first step differs on
pixels at 0 or 1 (with that line removed, TPGD and ours agree image by image). Each test
states how many of the 200 images may disagree.
AutoAttack against the authors' code called directly: tests/robustness/test_autoattack.py.
"""

import numpy as np
import pytest
import torch

from sk_easycore.robustness import to_art_classifier
from sk_easycore.robustness._attacks import correct_under_attack
from sk_easycore.robustness._trades import trades_kl_attack
from sk_easycore.utils import torch_seed

torchattacks = pytest.importorskip("torchattacks")  # the Makefile installs it with the venv

EPS = 0.1


def torchattacks_correct(attack, module, X, y):
    images, labels = torch.as_tensor(X), torch.as_tensor(y)
    adv = attack(images, labels)
    with torch.no_grad():
        return (module(adv).argmax(1) == labels).numpy()


@pytest.fixture(scope="module")
def setup(trained_net, digits_split):
    _, _, X, y = digits_split
    return trained_net, trained_net.module_.eval(), X, y


def test_fgsm_agrees_image_by_image(setup):
    net, module, X, y = setup
    ours = correct_under_attack(net, X, y, "fgsm", eps=EPS)
    theirs = torchattacks_correct(torchattacks.FGSM(module, eps=EPS), module, X, y)
    assert ours.mean() < 0.9  # the attack bites
    assert np.sum(ours != theirs) <= 2


def test_pgd_from_the_clean_input_agrees_image_by_image(setup):
    net, module, X, y = setup
    ours = correct_under_attack(net, X, y, "pgd", eps=EPS, max_iter=20, num_random_init=0)
    theirs = torchattacks_correct(
        torchattacks.PGD(module, eps=EPS, alpha=EPS / 8, steps=20, random_start=False),
        module, X, y)
    assert np.sum(ours != theirs) <= 2


def test_pgd_with_random_starts_agrees_in_accuracy(setup):
    net, module, X, y = setup
    ours = correct_under_attack(net, X, y, "pgd", eps=EPS, max_iter=20, random_state=0)
    with torch_seed(0):
        theirs = torchattacks_correct(
            torchattacks.PGD(module, eps=EPS, alpha=EPS / 8, steps=20), module, X, y)
    # measured: 82 and 82 robust, 6 images discordant; other random starts, 3% of 200 allowed
    assert abs(int(ours.sum()) - int(theirs.sum())) <= 6


@pytest.fixture(scope="module")
def trades_kl(setup):
    net, _, X, y = setup
    classifier = to_art_classifier(net, input_shape=X.shape[1:])
    with torch_seed(0):
        return net.predict(trades_kl_attack(classifier, eps=EPS, eps_step=EPS / 4,
                                            max_iter=10).generate(X)) == y


def test_trades_kl_attack_is_tpgd_with_trades_own_start(setup, trades_kl):
    from benchmarks.bench_attack_crosscheck import unclamped_tpgd

    net, module, X, y = setup
    with torch_seed(0):  # the same start: one draw of X's shape from torch's generator
        theirs = torchattacks_correct(unclamped_tpgd(torchattacks)(module, eps=EPS,
                                                                  alpha=EPS / 4, steps=10),
                                      module, X, y)
    assert trades_kl.mean() < np.mean(net.predict(X) == y)  # it bites
    assert np.sum(trades_kl != theirs) <= 2  # measured: 0 of 200 (0 of 450 in the benchmark)


def test_trades_kl_attack_against_tpgd_as_published(setup, trades_kl):
    _, module, X, y = setup
    with torch_seed(0):
        theirs = torchattacks_correct(torchattacks.TPGD(module, eps=EPS, alpha=EPS / 4,
                                                        steps=10), module, X, y)
    # TPGD clamps its start into [0, 1]; TRADES' code (and ours) does not, and on digits, where
    # most pixels are 0, that start is weaker: measured 126 against 120 robust of 200
    # (20 discordant); 5% of 200 allowed.
    assert int(theirs.sum()) <= int(trades_kl.sum()) + 2
    assert int(trades_kl.sum()) - int(theirs.sum()) <= 10
