"""Standard AutoAttack through ART and targeted FAB: bounds, strength, known answers, records."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from sk_easycore.robustness import adversarial_accuracy, to_art_classifier
from sk_easycore.robustness import (STANDARD_ATTACKS, build_art_default_autoattack,
                                    build_standard_autoattack, targeted_dlr_loss)
from sk_easycore.robustness._dlr import TargetedDLRLoss, encode_targets
from sk_easycore.robustness._guards import seeded

TOL = 1e-6
EPS = 0.1


def linear_classifier(weight, bias, input_shape, clip_values=(0.0, 1.0)):
    """An ART classifier on ``Linear(weight, bias)`` of the flattened input."""
    from art.estimators.classification import PyTorchClassifier

    weight = torch.as_tensor(np.asarray(weight, dtype=np.float32))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(weight.shape[1], len(bias)))
    with torch.no_grad():
        model[1].weight.copy_(weight)
        model[1].bias.copy_(torch.as_tensor(np.asarray(bias, dtype=np.float32)))
    return PyTorchClassifier(model, loss=torch.nn.CrossEntropyLoss(), input_shape=input_shape,
                             nb_classes=len(bias), clip_values=clip_values)


def exact_linf_distance(weight, bias, x, y):
    """Smallest L-inf perturbation inside [0, 1] that makes a linear model misclassify x (LP)."""
    weight, bias = np.asarray(weight, float), np.asarray(bias, float)
    d = len(x)
    best = np.inf
    for t in range(len(bias)):
        if t == y:
            continue
        w, gap = weight[t] - weight[y], (weight[t] - weight[y]) @ x + bias[t] - bias[y]
        # min r  s.t.  w.delta >= -gap, -r <= delta <= r, 0 <= x + delta <= 1
        a_ub = np.vstack([np.c_[np.eye(d), -np.ones(d)], np.c_[-np.eye(d), -np.ones(d)],
                          np.r_[-w, 0.0][None]])
        b_ub = np.r_[np.zeros(2 * d), gap]
        res = linprog(np.r_[np.zeros(d), 1.0], A_ub=a_ub, b_ub=b_ub,
                      bounds=[(-v, 1 - v) for v in x] + [(0, None)])
        if res.status == 0:
            best = min(best, res.x[-1])
    return best


def predicted(classifier, x):
    return np.argmax(classifier.predict(x), axis=1)


@pytest.fixture(scope="module")
def digits_attack(trained_net, digits_split):
    """Standard AutoAttack at eps=0.1 on 40 test digits, seeded: (classifier, X, y, attack, X_adv).

    Square gets 1000 queries instead of 5000: on this CPU it is most of the run time.
    """
    _, _, X, y = digits_split
    X, y = X[:40], y[:40]
    classifier = to_art_classifier(trained_net, input_shape=X.shape[1:])
    with seeded(0):
        attack = build_standard_autoattack(classifier, eps=EPS, n_queries=1000)
        X_adv = attack.generate(X, y)
    return classifier, X, y, attack, X_adv


def test_examples_stay_within_eps_and_clip_values(digits_attack):
    _, X, _, _, X_adv = digits_attack
    assert X_adv.shape == X.shape and X_adv.dtype == np.float32
    delta = np.abs(X_adv.astype(np.float64) - X).reshape(len(X), -1).max(axis=1)
    assert delta.max() <= EPS + TOL
    assert delta.max() >= 0.5 * EPS  # the attack moved the inputs
    assert X_adv.min() >= 0.0 and X_adv.max() <= 1.0


def test_breakdown_adds_up(digits_attack):
    classifier, X, y, attack, X_adv = digits_attack
    assert list(attack.breakdown_) == ["clean", *STANDARD_ATTACKS]
    assert attack.breakdown_["clean"] == np.sum(predicted(classifier, X) != y)
    assert sum(attack.breakdown_.values()) + attack.robust_.sum() == len(X)
    np.testing.assert_array_equal(attack.robust_, predicted(classifier, X_adv) == y)
    assert set(attack.timings_) == set(STANDARD_ATTACKS)
    assert attack.breakdown_["apgd-ce"] > 0  # a standard model at eps=0.1 breaks


def test_standard_autoattack_is_at_least_as_strong_as_apgd_ce(trained_net, digits_attack):
    from art.attacks.evasion import AutoProjectedGradientDescent

    classifier, X, y, attack, _ = digits_attack
    with seeded(0):  # the same seed: the same APGD-CE run as AutoAttack's first part
        apgd = AutoProjectedGradientDescent(
            classifier, norm=np.inf, eps=EPS, eps_step=2 * EPS, max_iter=100, nb_random_init=1,
            batch_size=128, loss_type="cross_entropy", verbose=False,
        )
        ce_correct = predicted(classifier, apgd.generate(X, y=y)) == y
    assert attack.robust_.mean() <= ce_correct.mean()
    clean_correct = len(X) - attack.breakdown_["clean"]
    assert attack.breakdown_["apgd-ce"] == clean_correct - ce_correct.sum()
    assert attack.robust_.mean() <= adversarial_accuracy(trained_net, X, y, "pgd", eps=EPS,
                                                         max_iter=20)


# The boundary z_1 = z_0 of 2 * (x_1 + x_2) - 2.4 = 0 lies where x_1 + x_2 rises by 0.2:
# at L-inf distance 0.1 and L2 distance 0.2 / sqrt(2) from (0.5, 0.5).
TWO_CLASS = dict(weight=[[0.0, 0.0], [2.0, 2.0]], bias=[0.0, -2.4])


@pytest.mark.parametrize("norm, distance", [("inf", 0.1), (2, 0.2 / np.sqrt(2))])
def test_fab_finds_the_boundary_within_eps_and_not_beyond(norm, distance):
    from sk_easycore.robustness._fab import FABTargeted

    classifier = linear_classifier(**TWO_CLASS, input_shape=(2,))
    x, y = np.array([[0.5, 0.5]], dtype=np.float32), np.array([0])
    fab = FABTargeted(classifier, norm=norm, eps=1.05 * distance)
    x_adv = fab.generate(x, y)
    assert predicted(classifier, x_adv)[0] == 1
    assert fab.perturbation_norms_[0] == pytest.approx(distance, rel=0.02)
    size = np.abs(x_adv - x).max() if norm == "inf" else np.linalg.norm(x_adv - x)
    assert size <= 1.05 * distance + TOL

    fab = FABTargeted(classifier, norm=norm, eps=0.95 * distance)
    np.testing.assert_array_equal(fab.generate(x, y), x)
    assert fab.perturbation_norms_[0] > 0.95 * distance


def test_fab_respects_the_box():
    from sk_easycore.robustness._fab import FABTargeted

    # From (0.98, 0.1), x_1 + x_2 must rise by 0.12: 0.06 each without a box, but the first
    # pixel can rise by 0.02 only, so the L-inf distance inside [0, 1] is 0.10.
    classifier = linear_classifier(**TWO_CLASS, input_shape=(2,))
    x, y = np.array([[0.98, 0.1]], dtype=np.float32), np.array([0])
    assert exact_linf_distance(TWO_CLASS["weight"], TWO_CLASS["bias"], x[0], 0) == \
        pytest.approx(0.10, abs=1e-6)
    fab = FABTargeted(classifier, eps=0.105)
    x_adv = fab.generate(x, y)
    assert predicted(classifier, x_adv)[0] == 1 and x_adv.max() <= 1.0
    assert fab.perturbation_norms_[0] == pytest.approx(0.10, rel=0.02)
    np.testing.assert_array_equal(FABTargeted(classifier, eps=0.08).generate(x, y), x)


def test_fab_tries_the_lower_ranked_targets():
    from sk_easycore.robustness._fab import FABTargeted

    # At (0.5, 0.5): z = (0, -0.2, -0.5). Class 1 (ranked second) is 0.2 away in L-inf,
    # class 2 (ranked third) 0.05 away.
    weight, bias = [[0.0, 0.0], [1.0, 0.0], [0.0, 10.0]], [0.0, -0.7, -5.5]
    classifier = linear_classifier(weight, bias, input_shape=(2,))
    x, y = np.array([[0.5, 0.5]], dtype=np.float32), np.array([0])
    assert exact_linf_distance(weight, bias, x[0], 0) == pytest.approx(0.05)
    assert predicted(classifier, FABTargeted(classifier, eps=0.1).generate(x, y))[0] == 2
    only_second = FABTargeted(classifier, eps=0.1, n_target_classes=1)
    np.testing.assert_array_equal(only_second.generate(x, y), x)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_standard_autoattack_finds_the_exact_robustness_of_a_linear_model(n_classes):
    rng = np.random.default_rng(n_classes)
    weight, bias = rng.normal(size=(n_classes, 16)), rng.normal(scale=0.3, size=n_classes)
    classifier = linear_classifier(weight, bias, input_shape=(1, 4, 4))
    X = rng.uniform(size=(16, 1, 4, 4)).astype(np.float32)
    y = predicted(classifier, X)
    distance = np.array([exact_linf_distance(weight, bias, x.ravel().astype(float), label)
                         for x, label in zip(X, y)])
    eps = float(np.median(distance))
    with seeded(0):  # Square skipped on 4x4 images (ART's fails there): the rest decides
        attack = build_standard_autoattack(classifier, eps=eps, n_iter=50,
                                           attacks=("apgd-ce", "apgd-t", "fab-t"))
        attack.generate(X, y)
    assert not np.any(attack.robust_ & (distance < 0.98 * eps))  # every clear break is found
    assert np.all(attack.robust_[distance > eps])  # nothing beyond eps is claimed


def test_targeted_dlr_loss_matches_the_formula_and_differs_from_arts():
    from art.attacks.evasion import AutoProjectedGradientDescent
    from art.estimators.classification import PyTorchClassifier

    # sorted logits 3 > 2 > 1 > 0.5 > -1; true class 0, target 2
    z = torch.tensor([[3.0, 1.0, 2.0, 0.5, -1.0]])
    y, t = torch.tensor([0]), torch.tensor([2])
    expected = -(3.0 - 2.0) / (3.0 - (1.0 + 0.5) / 2)
    assert targeted_dlr_loss(z, y, t).item() == pytest.approx(expected)
    encoded = encode_targets(y.numpy(), t.numpy(), 5)
    assert TargetedDLRLoss(reduction="none")(z, encoded).item() == pytest.approx(expected)

    # through ART: a classifier whose logits are its input, with our loss, keeps the encoding
    identity = PyTorchClassifier(torch.nn.Identity(), loss=TargetedDLRLoss(), input_shape=(5,),
                                 nb_classes=5, clip_values=None)
    assert identity.compute_loss(z.numpy(), encoded, reduction="none")[0] == \
        pytest.approx(expected)
    # ART's own targeted DLR: labels are the target, -(z_t - max_{j != t} z_j) / (z_1 - z_3),
    # minimized: here 0.5, i.e. an objective of -0.5 against AutoAttack's -0.444
    art_dlr = AutoProjectedGradientDescent(identity, eps=0.1, eps_step=0.1, targeted=True,
                                           loss_type="difference_logits_ratio", verbose=False)
    art_value = art_dlr.estimator.compute_loss(z.numpy(), np.eye(5)[[2]], reduction="none")[0]
    assert art_value == pytest.approx(-(2.0 - 3.0) / (3.0 - 1.0))
    assert -art_value != pytest.approx(expected)


def test_one_hot_labels_give_the_same_examples():
    rng = np.random.default_rng(0)
    classifier = linear_classifier(rng.normal(size=(3, 64)), np.zeros(3), input_shape=(1, 8, 8))
    X = rng.uniform(size=(8, 1, 8, 8)).astype(np.float32)
    y = predicted(classifier, X)
    results = []
    for labels in (y, np.eye(3)[y]):
        with seeded(0):
            attack = build_standard_autoattack(classifier, eps=0.05, n_iter=10, n_queries=50)
            results.append(attack.generate(X, labels))
    np.testing.assert_array_equal(*results)


def test_l2_examples_stay_within_the_l2_ball(trained_net, digits_split):
    _, _, X, y = digits_split
    X, y = X[:10], y[:10]
    classifier = to_art_classifier(trained_net, input_shape=X.shape[1:])
    with seeded(0):
        attack = build_standard_autoattack(classifier, eps=0.5, norm=2, n_iter=10, n_queries=100)
        X_adv = attack.generate(X, y)
    size = np.linalg.norm((X_adv.astype(np.float64) - X).reshape(len(X), -1), axis=1)
    assert size.max() <= 0.5 + TOL and X_adv.min() >= 0.0 and X_adv.max() <= 1.0
    assert attack.robust_.mean() < np.mean(predicted(classifier, X) == y)


def test_invalid_parameters_name_themselves():
    from sk_easycore.robustness._fab import FABTargeted

    classifier = linear_classifier(**TWO_CLASS, input_shape=(2,))
    with pytest.raises(ValueError, match="attacks"):
        build_standard_autoattack(classifier, eps=0.1, attacks=("pgd",))
    with pytest.raises(ValueError, match="eps"):
        build_standard_autoattack(classifier, eps=0.0)
    with pytest.raises(ValueError, match="n_target_classes"):
        build_standard_autoattack(classifier, eps=0.1, n_target_classes=0)
    with pytest.raises(ValueError, match="norm"):
        FABTargeted(classifier, norm=1)
    with pytest.raises(ValueError, match="beta"):
        FABTargeted(classifier, beta=1.0)


def test_art_default_autoattack_is_arts_own_suite():
    classifier = linear_classifier(np.ones((3, 64)), np.zeros(3), input_shape=(1, 8, 8))
    attack = build_art_default_autoattack(classifier, eps=0.1)
    names = [type(part).__name__ for part in attack.attacks]
    assert names == ["AutoProjectedGradientDescent", "AutoProjectedGradientDescent", "DeepFool",
                     "SquareAttack"]
    assert attack.eps_step == pytest.approx(0.025)
    assert [part.loss_type for part in attack.attacks[:2]] == ["cross_entropy",
                                                               "difference_logits_ratio"]
    assert all(not part.verbose for part in attack.attacks if "verbose" in part.attack_params)


def test_importing_the_modules_does_not_import_art():
    code = ("import sys, sk_easycore.robustness._autoattack, sk_easycore.robustness._fab; "
            "print(any(m == 'art' or m.startswith('art.') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "False"
