"""attack="autoattack": the authors' AutoAttack through our API, its breakdown, subset and guards."""

import logging
import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from sk_easycore.robustness import (STANDARD_ATTACKS, adversarial_accuracy, generate_adversarial,
                                    make_robust_scorer, robustness_report)
from sk_easycore.robustness._autoattack import run_reference
from sk_easycore.robustness._subset import stratified_subset
from sk_easycore.utils import int_seed, torch_seed

EPS = 0.1
TOL = 1e-6
# Our API runs the reference one attack at a time on what the previous left robust (same
# batches, same seed); only a recomputed clean pass could flip a boundary image.
MAX_DISAGREEING = 1


@pytest.fixture(scope="module")
def sixteen(digits_split):
    _, _, X, y = digits_split
    return X[:16], y[:16]


@pytest.fixture(scope="module")
def direct(trained_net, sixteen):
    """The reference called as its README says, on the same model, images and seed."""
    from pyautoattack import AutoAttack

    X, y = sixteen
    module = trained_net.module_.eval()
    with torch_seed(0):
        reference = AutoAttack(module, norm="Linf", eps=EPS, version="standard",
                               seed=int_seed(0), device="cpu")
        _, y_adv = reference.run_standard_evaluation(torch.as_tensor(X), torch.as_tensor(y),
                                                     batch_size=128)
    return (y_adv.numpy() == y)


@pytest.fixture(scope="module")
def report(trained_net, sixteen):
    X, y = sixteen
    return robustness_report(trained_net, X, y, attacks="autoattack", eps=EPS, random_state=0)


def test_accuracy_matches_the_reference_called_directly(report, direct, sixteen):
    X, _ = sixteen
    robust = np.zeros(len(X), dtype=bool)
    robust[report.details["autoattack"][EPS]["samples"]] = True
    for rows in report.details["autoattack"][EPS]["broken_by"].values():
        robust[rows] = False
    assert np.sum(robust != direct) <= MAX_DISAGREEING
    assert abs(report.accuracy("autoattack", EPS) - direct.mean()) <= MAX_DISAGREEING / len(X)
    assert report.accuracy("autoattack", EPS) < report.clean_accuracy  # it broke something


def test_breakdown_names_each_image_once_in_the_standard_order(report, trained_net, sixteen):
    X, y = sixteen
    detail = report.details["autoattack"][EPS]
    assert list(detail["broken_by"]) == ["clean", *STANDARD_ATTACKS]
    assert detail["skipped"] == [] and set(detail["seconds"]) == set(STANDARD_ATTACKS)
    broken = [i for rows in detail["broken_by"].values() for i in rows]
    assert len(broken) == len(set(broken))
    assert len(X) - len(broken) == round(report.accuracy("autoattack", EPS) * len(X))
    assert detail["broken_by"]["clean"] == np.flatnonzero(trained_net.predict(X) != y).tolist()
    assert len(detail["broken_by"]["apgd-ce"]) > 0  # a standard model at eps=0.1 breaks


def test_examples_are_seeded_and_leave_the_model_and_generators_as_found(trained_net,
                                                                          sixteen):
    X, y = sixteen
    module = trained_net.module_.train()
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()
    grads = [None if p.grad is None else p.grad.clone() for p in module.parameters()]
    runs = [generate_adversarial(trained_net, X, y, "autoattack", EPS, random_state=seed,
                                 attacks=("apgd-ce",)) for seed in (0, 0, 1)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])  # another seed, another random start
    delta = np.abs(runs[0].astype(np.float64) - X).reshape(len(X), -1).max(axis=1)
    assert delta.max() <= EPS + TOL and runs[0].min() >= 0.0 and runs[0].max() <= 1.0
    assert module.training and all(m.training for m in module.modules())
    assert all(p.requires_grad for p in module.parameters())
    for p, grad in zip(module.parameters(), grads):  # only the input's gradient was taken
        assert (p.grad is None and grad is None) or torch.equal(p.grad, grad)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    module.eval()


def test_a_dataset_is_attacked_as_its_arrays(trained_net, sixteen):
    X, y = sixteen
    dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
    arrays = adversarial_accuracy(trained_net, X, y, "autoattack", EPS, attacks=("apgd-ce",))
    assert adversarial_accuracy(trained_net, dataset, None, "autoattack", EPS,
                                attacks=("apgd-ce",)) == arrays


def test_scorer_and_a_bf16_model_run_it(digits_split):
    from skorch import NeuralNetClassifier

    from sk_easycore.models import Accelerated, SmallCNN

    X_train, y_train, X, y = digits_split
    with torch_seed(0):
        net = NeuralNetClassifier(Accelerated, module__module=SmallCNN, module__precision="bf16",
                                  criterion=torch.nn.CrossEntropyLoss, max_epochs=2,
                                  train_split=None, verbose=0).fit(X_train[:300], y_train[:300])
    scorer = make_robust_scorer("autoattack", eps=EPS, attacks=("apgd-ce", "apgd-t"))
    accuracy = scorer(net, X[:12], y[:12])
    assert 0.0 <= accuracy <= np.mean(net.predict(X[:12]) == y[:12])


def test_a_subset_is_stratified_the_same_for_every_seed_and_reported(trained_net,
                                                                       digits_split):
    _, _, X, y = digits_split
    X, y = X[:40], y[:40]
    reports = [robustness_report(trained_net, X, y, attacks=("fgsm", "autoattack"), eps=0.3,
                                 autoattack_samples=10, random_state=seed) for seed in (0, 1)]
    assert reports[0].samples == reports[1].samples
    rows = reports[0].samples["autoattack"]
    assert rows == stratified_subset(y, 10).tolist() and len(rows) == 10
    share = np.bincount(y, minlength=10) * 10 / len(y)
    assert np.all(np.abs(np.bincount(y[rows], minlength=10) - share) < 1)
    detail = reports[0].details["autoattack"][0.3]
    assert detail["samples"] == rows and set().union(*map(set, detail["broken_by"].values())) \
        <= set(rows)
    records = {r["attack"]: r["n_samples"] for r in reports[0].to_records()}
    assert records == {"clean": 40, "fgsm": 40, "autoattack": 10}
    assert "autoattack on 10 of the 40 samples" in str(reports[0])


def test_stratified_subset_keeps_class_shares_and_is_seeded():
    y = np.repeat([0, 1, 2, 3], [50, 30, 15, 5])
    rows = stratified_subset(y, 20)
    assert np.bincount(y[rows]).tolist() == [10, 6, 3, 1]
    np.testing.assert_array_equal(rows, stratified_subset(y, 20))
    assert not np.array_equal(rows, stratified_subset(y, 20, random_state=1))
    np.testing.assert_array_equal(stratified_subset(y, 500), np.arange(100))
    with pytest.raises(ValueError, match="n_samples"):
        stratified_subset(y, 0)


def exact_linf_distance(weight, bias, x, y):
    """Smallest L-inf perturbation inside [0, 1] that makes a linear model misclassify x (LP)."""
    d, best = len(x), np.inf
    for t in range(len(bias)):
        if t == y:
            continue
        w, gap = weight[t] - weight[y], (weight[t] - weight[y]) @ x + bias[t] - bias[y]
        a_ub = np.vstack([np.c_[np.eye(d), -np.ones(d)], np.c_[-np.eye(d), -np.ones(d)],
                          np.r_[-w, 0.0][None]])
        res = linprog(np.r_[np.zeros(d), 1.0], A_ub=a_ub, b_ub=np.r_[np.zeros(2 * d), gap],
                      bounds=[(-v, 1 - v) for v in x] + [(0, None)])
        if res.status == 0:
            best = min(best, res.x[-1])
    return best


def linear(weight, bias):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(weight.shape[1], len(bias)))
    with torch.no_grad():
        model[1].weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
        model[1].bias.copy_(torch.as_tensor(bias, dtype=torch.float32))
    return model


def test_the_exact_robustness_of_a_linear_model_is_found():
    rng = np.random.default_rng(5)
    weight, bias = rng.normal(size=(5, 16)), rng.normal(scale=0.3, size=5)
    X = rng.uniform(size=(16, 1, 4, 4)).astype(np.float32)
    y = np.argmax(X.reshape(16, -1) @ weight.T + bias, axis=1)
    distance = np.array([exact_linf_distance(weight, bias, x.ravel().astype(float), label)
                         for x, label in zip(X, y)])
    eps = float(np.median(distance))
    result = run_reference(linear(weight, bias), X, y, eps=eps, seed=0,
                           attacks=("apgd-ce", "apgd-t", "fab-t"))
    assert not np.any(result.correct & (distance < 0.98 * eps))  # every clear break is found
    assert np.all(result.correct[distance > eps])  # nothing beyond eps is claimed


def test_what_cannot_run_is_skipped_with_a_warning(caplog):
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(3, 8))
    X = rng.uniform(size=(6, 8)).astype(np.float32)  # a table: Square needs images
    y = np.argmax(X @ weight.T, axis=1)
    with caplog.at_level(logging.WARNING, logger="sk_easycore.robustness._autoattack"):
        result = run_reference(linear(weight, np.zeros(3)), X, y, eps=0.2, seed=0)
    assert result.skipped == ("apgd-t", "square")  # 3 classes: no targeted DLR loss
    assert list(result.broken_by) == ["clean", "apgd-ce", "fab-t"]
    assert "AutoAttack skips apgd-t, square" in caplog.text


def test_another_box_is_mapped_onto_the_references(trained_net, sixteen):
    X, y = sixteen
    X_adv = generate_adversarial(trained_net, X, y, "autoattack", EPS, clip_values=(-0.5, 1.5),
                                 attacks=("apgd-ce",))
    delta = np.abs(X_adv.astype(np.float64) - X).reshape(len(X), -1).max(axis=1)
    assert delta.max() <= EPS + TOL and delta.max() >= 0.5 * EPS
    assert X_adv.min() >= -0.5 and X_adv.max() <= 1.5


def test_invalid_settings_name_themselves(trained_net, sixteen):
    X, y = sixteen
    with pytest.raises(ValueError, match="attacks must be"):
        adversarial_accuracy(trained_net, X, y, "autoattack", EPS, attacks=("pgd",))
    with pytest.raises(ValueError, match="num_random_init"):
        adversarial_accuracy(trained_net, X, y, "autoattack", EPS, num_random_init=2)
    with pytest.raises(ValueError, match="clip_values"):
        adversarial_accuracy(trained_net, X, y, "autoattack", EPS, clip_values=None)
    with pytest.raises(ValueError, match="autoattack_samples"):
        robustness_report(trained_net, X, y, attacks="autoattack", autoattack_samples=0)


def test_importing_the_module_imports_neither_art_nor_the_reference():
    code = ("import sys, sk_easycore.robustness._autoattack; "
            "print(any(m.split('.')[0] in ('art', 'pyautoattack') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "False"


@pytest.fixture(scope="module")
def signals():
    """A SmallCNN1d (it refuses 4-D input) on 4 classes of (1, 40) signals set apart by level."""
    from skorch import NeuralNetClassifier

    from sk_easycore.models import SmallCNN1d

    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 80)
    X = np.clip(0.2 + 0.15 * y[:, None, None] + rng.normal(0, 0.05, (80, 1, 40)), 0, 1)
    with torch_seed(0):
        net = NeuralNetClassifier(SmallCNN1d, module__n_classes=4, module__width=4,
                                  module__hidden=8, criterion=torch.nn.CrossEntropyLoss,
                                  optimizer=torch.optim.Adam, lr=0.02, batch_size=16,
                                  max_epochs=30, train_split=None, verbose=0)
        net.fit(X.astype(np.float32), y)
    return net, X[:12].astype(np.float32), y[:12]


def test_the_authors_autoattack_runs_on_signals(signals):
    # the reference takes a 3-D batch for one image and makes it 4-D; we hand it (n, C, L, 1)
    net, X, y = signals
    result = run_reference(net.module_, X, y, eps=0.1, seed=0)
    assert result.skipped == ("square",)  # Square draws squares on images
    assert list(result.broken_by) == ["clean", "apgd-ce", "apgd-t", "fab-t"]
    assert result.x_adv.shape == X.shape
    assert np.abs(result.x_adv - X).max() <= 0.1 + TOL
    report = robustness_report(net, X, y, attacks=["pgd", "autoattack"], eps=[0.1])
    assert report.clean_accuracy >= 0.75  # the net separates the levels
    assert report.accuracy("autoattack", 0.1) < report.clean_accuracy  # eps moves a level


def test_arts_suite_refuses_what_it_cannot_attack_before_any_work(signals, monkeypatch):
    from skorch import NeuralNetClassifier

    import sk_easycore.robustness._autoattack_art as art_suite

    def never(*args, **kwargs):
        raise AssertionError("ART's AutoAttack was built")

    monkeypatch.setattr(art_suite, "build_art_default_autoattack", never)
    net, X, y = signals
    message = r"attack='autoattack_art'.*\(n_samples, 1, 40\).*attack='autoattack'"
    with pytest.raises(ValueError, match=message):
        robustness_report(net, X, y, attacks=["pgd", "autoattack_art"], eps=[0.1])
    with pytest.raises(ValueError, match=message):
        adversarial_accuracy(net, X, y, "autoattack_art", 0.1)
    with pytest.raises(ValueError, match=message):
        generate_adversarial(net, X, y, "autoattack_art", 0.1)
    # images, but 2 classes: ART's APGD-DLR reads the third largest logit
    binary = NeuralNetClassifier(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)),
                                 criterion=torch.nn.CrossEntropyLoss, verbose=0).initialize()
    images = np.random.default_rng(0).uniform(size=(4, 1, 8, 8)).astype(np.float32)
    with pytest.raises(ValueError, match="autoattack_art.*at least 3 classes.*2 outputs"):
        adversarial_accuracy(binary, images, np.array([0, 1, 0, 1]), "autoattack_art", 0.1)
