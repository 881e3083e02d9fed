"""The CUDA path: the library's nets, loader, adversarial training, attacks and study on a GPU.

These run where torch sees a GPU (``pytest -k cuda``, ``benchmarks/device_check.py``'s
machine) and are skipped elsewhere: the CPU runs of the same code are in the other test files.
"""

import numpy as np
import pytest
import torch

from sk_easycore import AIGNScorer
from sk_easycore.data import DeviceLoader
from sk_easycore.models import make_default_net
from sk_easycore.utils import torch_seed

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def cifar_like(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    patterns = rng.uniform(0.2, 0.8, (10, 3, 4, 4)).astype(np.float32)
    X = np.repeat(np.repeat(patterns[y], 8, axis=2), 8, axis=3)
    X = np.clip(X + rng.normal(0, 0.15, X.shape), 0, 1).astype(np.float32)
    return X, y.astype(np.int64)


def test_cuda_resnet18_trains_in_bf16_channels_last_with_augmentation():
    X, y = cifar_like(400, 0)
    net = make_default_net(X.shape, 10, model="resnet18", optimizer="sgd", lr=0.05,
                           batch_size=100, max_epochs=2, augment="crop_flip",
                           precision="bf16", channels_last=True, device="cuda")
    with torch_seed(0):
        net.fit(X, y)
    assert net.iterator_train is DeviceLoader
    weight = next(p for p in net.module_.parameters() if p.dim() == 4)
    assert weight.device.type == "cuda"
    assert weight.is_contiguous(memory_format=torch.channels_last)
    logits = net.forward(X[:8])
    assert logits.dtype == torch.float32 and torch.isfinite(logits).all()
    assert np.isfinite(net.history[:, "train_loss"]).all()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_cuda_training_is_bit_identical_with_the_same_seed(precision):
    """What "same random_state, same result" means on a GPU (cuDNN picks the kernels)."""
    X, y = cifar_like(300, 1)

    def fit():
        net = make_default_net(X.shape, 10, model="resnet18", optimizer="sgd", lr=0.05,
                               batch_size=100, max_epochs=1, augment="crop_flip",
                               precision=precision, device="cuda")
        with torch_seed(0):
            net.fit(X, y)
        return torch.cat([p.detach().flatten().float().cpu() for p in net.module_.parameters()])

    assert torch.equal(fit(), fit())


def test_cuda_aign_scores_are_the_same_twice(digits_small):
    X, y = digits_small

    def scores():
        net = make_default_net(X.shape, 10, max_epochs=2, device="cuda")
        return AIGNScorer(net, random_state=0).fit(X, y).scores_

    first, second = scores(), scores()
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, second)


def test_cuda_trades_and_attacks_run_on_the_gpu():
    from sk_easycore.robustness import AdversarialTrainingClassifier, adversarial_accuracy

    X, y = cifar_like(200, 2)
    net = make_default_net(X.shape, 10, model="small_cnn", batch_size=50, max_epochs=1,
                           device="cuda")
    clf = AdversarialTrainingClassifier(net, method="trades", eps=8 / 255, eps_step=2 / 255,
                                        max_iter=3, augment="crop_flip", random_state=0)
    clf.fit(X, y)
    assert next(clf.net_.module_.parameters()).device.type == "cuda"
    clean = adversarial_accuracy(clf, X[:100], y[:100], eps=0.0)
    pgd = adversarial_accuracy(clf, X[:100], y[:100], "pgd", eps=8 / 255, max_iter=5)
    again = adversarial_accuracy(clf, X[:100], y[:100], "pgd", eps=8 / 255, max_iter=5)
    assert 0.0 <= pgd <= clean <= 1.0
    assert pgd == again
    auto = adversarial_accuracy(clf, X[:20], y[:20], "autoattack", eps=8 / 255)
    assert 0.0 <= auto <= 1.0


def test_cuda_study_cells_match_between_serial_and_two_jobs(tmp_path, digits):
    from sk_easycore.experiments import run_study

    X, y = digits
    data = (X[:400], y[:400], X[1500:1600], y[1500:1600])
    settings = dict(methods=["easycore", "random"], fractions=[0.3], attacks=["pgd"],
                    eps=[0.1], seeds=1, epochs=2, proxy_epochs=2, frontier=(), verbose=0)
    serial = run_study(tmp_path / "serial", data, n_jobs=1, **settings)
    parallel = run_study(tmp_path / "jobs2", data, n_jobs=2, **settings)

    def cells(result):
        return sorted((r.key, None if r.sample_indices is None else list(r.sample_indices),
                       sorted((str(k), v) for k, v in r.metrics.items()))
                      for r in result.records)

    assert cells(serial) == cells(parallel)
