"""Tests for sk_easycore.models: shapes, input checks, normalization, skorch training."""

import re

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from sk_easycore.models import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    CIFARResNet,
    Normalize,
    ResidualMLP,
    SmallCNN,
    SmallCNN1d,
    cifar_resnet18,
    make_default_net,
)


@pytest.fixture(scope="module")
def resnet():
    return cifar_resnet18(num_classes=7).eval()


# ---------------------------------------------------------------- Normalize


def test_normalize_numerics_images_and_rows():
    norm = Normalize(mean=[0.1, 0.2, 0.3], std=[0.5, 0.25, 2.0])
    x = torch.rand(4, 3, 5, 6)
    expected = (x - torch.tensor([0.1, 0.2, 0.3]).view(1, 3, 1, 1)) / torch.tensor(
        [0.5, 0.25, 2.0]
    ).view(1, 3, 1, 1)
    torch.testing.assert_close(norm(x), expected)
    rows = torch.rand(4, 3)
    torch.testing.assert_close(norm(rows), (rows - norm.mean) / norm.std)


def test_normalize_buffers_follow_to_and_are_not_trained():
    norm = Normalize(mean=[0.5, 0.5], std=[0.2, 0.2])
    assert list(norm.parameters()) == []
    assert set(norm.state_dict()) == {"mean", "std"}
    moved = norm.to(torch.float64)
    assert moved.mean.dtype == torch.float64 and moved.std.dtype == torch.float64
    # the meta device exists without a GPU, so a real device move can be tested here
    on_meta = Normalize(mean=[0.5], std=[0.2]).to("meta")
    assert on_meta.mean.device.type == "meta" and on_meta.std.device.type == "meta"


@pytest.mark.parametrize(
    "mean, std, match",
    [([0.5, 0.5], [0.2], "same length"), ([0.5], [0.0], "strictly positive")],
)
def test_normalize_rejects_bad_arguments(mean, std, match):
    with pytest.raises(ValueError, match=match):
        Normalize(mean, std)


def test_normalize_rejects_wrong_channel_count():
    with pytest.raises(ValueError, match=re.escape("(n_samples, 3, ...), got shape (2, 1, 4, 4)")):
        Normalize(CIFAR10_MEAN, CIFAR10_STD)(torch.rand(2, 1, 4, 4))


# ---------------------------------------------------------------- SmallCNN


@pytest.mark.parametrize("in_channels, size", [(1, (8, 8)), (3, (32, 32)), (1, (4, 5))])
def test_small_cnn_shapes(in_channels, size):
    model = SmallCNN(in_channels=in_channels, n_classes=4, width=8, hidden=16)
    X = torch.rand(3, in_channels, *size)
    assert model(X).shape == (3, 4)
    assert model.embed(X).shape == (3, 16)


def test_small_cnn_has_no_batch_coupling_layers():
    model = SmallCNN()
    kinds = {type(m) for m in model.modules()}
    assert not kinds & {torch.nn.BatchNorm2d, torch.nn.BatchNorm1d, torch.nn.Dropout}
    X = torch.rand(6, 1, 8, 8)
    # each sample's output must not depend on the rest of the batch
    torch.testing.assert_close(model(X)[2:3], model(X[2:3]))


def test_small_cnn_explains_flattened_input():
    model = SmallCNN()
    with pytest.raises(ValueError) as excinfo:
        model(torch.rand(5, 64))
    message = str(excinfo.value)
    assert "(n_samples, in_channels, height, width)" in message
    assert "(5, 64)" in message and "reshape" in message


def test_small_cnn_rejects_wrong_channels_and_tiny_images():
    expected = re.escape("(n_samples, 1, height, width), got shape (2, 3, 8, 8)")
    with pytest.raises(ValueError, match=expected):
        SmallCNN(in_channels=1)(torch.rand(2, 3, 8, 8))
    with pytest.raises(ValueError, match="at least 2x2"):
        SmallCNN()(torch.rand(2, 1, 1, 8))


def test_small_cnn_normalize_equals_normalizing_the_input():
    plain = SmallCNN(width=4, hidden=8)
    normed = SmallCNN(width=4, hidden=8, mean=[0.5], std=[0.25])
    assert isinstance(normed.normalize, Normalize)
    missing, _ = normed.load_state_dict(plain.state_dict(), strict=False)
    assert set(missing) == {"normalize.mean", "normalize.std"}
    X = torch.rand(3, 1, 8, 8)
    torch.testing.assert_close(normed(X), plain((X - 0.5) / 0.25))
    with pytest.raises(ValueError, match="both mean and std"):
        SmallCNN(mean=[0.5])


# ---------------------------------------------------------------- SmallCNN1d


@pytest.mark.parametrize("in_channels, length", [(1, 40), (3, 7), (2, 2)])
def test_small_cnn1d_shapes_and_no_batch_coupling(in_channels, length):
    model = SmallCNN1d(in_channels=in_channels, n_classes=4, width=8, hidden=16)
    X = torch.rand(3, in_channels, length)
    assert model(X).shape == (3, 4) and model.embed(X).shape == (3, 16)
    kinds = {type(m) for m in model.modules()}
    assert not kinds & {torch.nn.BatchNorm1d, torch.nn.Dropout}
    torch.testing.assert_close(model(X)[1:2], model(X[1:2]))


def test_small_cnn1d_explains_bad_shapes():
    with pytest.raises(ValueError, match=r"\(n_samples, in_channels, length\).*X\[:, None, :\]"):
        SmallCNN1d()(torch.rand(5, 40))
    with pytest.raises(ValueError, match=re.escape("= (n_samples, 1, length), got shape (2, 3, 9)")):
        SmallCNN1d(in_channels=1)(torch.rand(2, 3, 9))
    with pytest.raises(ValueError, match="length at least 2"):
        SmallCNN1d()(torch.rand(2, 1, 1))


def test_small_cnn1d_normalizes_per_channel():
    plain = SmallCNN1d(in_channels=2, width=4, hidden=8)
    normed = SmallCNN1d(in_channels=2, width=4, hidden=8, mean=[1.0, -2.0], std=[2.0, 0.5])
    normed.load_state_dict(plain.state_dict(), strict=False)
    X = torch.randn(3, 2, 12)
    shifted = (X - torch.tensor([1.0, -2.0]).view(1, 2, 1)) / torch.tensor([2.0, 0.5]).view(1, 2, 1)
    torch.testing.assert_close(normed(X), plain(shifted))


def test_make_default_net_picks_the_1d_cnn_for_signals():
    net = make_default_net((50, 3, 40), 4)
    assert net.module is SmallCNN1d and net.module__in_channels == 3
    with pytest.raises(ValueError, match=r"takes signals \(n, C, L\)"):
        make_default_net((50, 3, 8, 8), 4, model="small_cnn1d")


# ---------------------------------------------------------------- ResidualMLP


def test_residual_mlp_parameter_count_matches_the_paper():
    n_params = sum(p.numel() for p in ResidualMLP().parameters())
    assert 1_200_000 <= n_params <= 1_450_000, f"got {n_params} parameters"
    assert n_params == 1_327_874  # 768 + 20 * (512 + 65_792) + 512 + 514


def test_residual_mlp_shapes_and_independence():
    model = ResidualMLP(in_features=3, n_classes=5, n_blocks=3, width=32)
    X = torch.rand(6, 3)
    assert model(X).shape == (6, 5)
    features = model.embed(X)
    assert features.shape == (6, 32) and bool((features >= 0).all())  # after the final ReLU
    torch.testing.assert_close(model(X)[4:5], model(X[4:5]))


@pytest.mark.parametrize("shape", [(5,), (5, 3), (5, 2, 1)])
def test_residual_mlp_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match=re.escape(f"(n_samples, 2), got shape {shape}")):
        ResidualMLP(n_blocks=1, width=8)(torch.rand(*shape))


# ---------------------------------------------------------------- CIFAR ResNet


def test_cifar_resnet18_shapes(resnet):
    X = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        assert resnet(X).shape == (2, 7)
        assert resnet.embed(X).shape == (2, 512)


def test_cifar_resnet18_architecture():
    model = cifar_resnet18(num_classes=100)
    assert isinstance(model, CIFARResNet)
    conv1 = model.net.conv1
    assert (conv1.kernel_size, conv1.stride, conv1.padding) == ((3, 3), (1, 1), (1, 1))
    assert conv1.bias is None
    assert isinstance(model.net.maxpool, torch.nn.Identity)
    assert model.net.fc.out_features == 100
    torch.testing.assert_close(model.normalize.mean, torch.tensor(CIFAR10_MEAN))
    torch.testing.assert_close(model.normalize.std, torch.tensor(CIFAR10_STD))
    assert isinstance(cifar_resnet18(normalize=False).normalize, torch.nn.Identity)


def test_cifar_resnet18_rejects_grayscale(resnet):
    with pytest.raises(ValueError, match=re.escape("got shape (2, 1, 32, 32)")):
        resnet(torch.rand(2, 1, 32, 32))


# ---------------------------------------------------------------- skorch


@pytest.mark.parametrize(
    "module, module_kwargs, X_shape, n_classes",
    [
        (SmallCNN, {"n_classes": 3}, (12, 1, 8, 8), 3),
        (ResidualMLP, {"n_classes": 3}, (12, 2), 3),
        (SmallCNN1d, {"n_classes": 3, "in_channels": 2}, (12, 2, 20), 3),
        (CIFARResNet, {"num_classes": 3}, (8, 3, 32, 32), 3),
    ],
    ids=["SmallCNN", "ResidualMLP", "SmallCNN1d", "CIFARResNet"],
)
def test_models_train_through_skorch(module, module_kwargs, X_shape, n_classes):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=X_shape).astype(np.float32)
    y = np.arange(X_shape[0], dtype=np.int64) % n_classes
    net = NeuralNetClassifier(
        module,
        **{f"module__{k}": v for k, v in module_kwargs.items()},
        criterion=torch.nn.CrossEntropyLoss,
        train_split=None,
        max_epochs=2,
        batch_size=4,
        lr=0.01,
        verbose=0,
    )
    net.fit(X, y)
    losses = net.history[:, "train_loss"]
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    proba = net.predict_proba(X)
    assert proba.shape == (X_shape[0], n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("module", [SmallCNN, SmallCNN1d, ResidualMLP, CIFARResNet])
def test_models_need_no_arguments(module):
    model = module()
    assert isinstance(model, torch.nn.Module)
    assert sum(p.numel() for p in model.parameters()) > 0


def test_accelerated_runs_bf16_channels_last_and_trains(digits_small):
    from sk_easycore.models import Accelerated, SmallCNN, make_default_net

    X, y = digits_small
    plain = SmallCNN(n_classes=10)
    fast = Accelerated(SmallCNN, precision="bf16", channels_last=True, n_classes=10)
    fast.inner.load_state_dict(plain.state_dict())
    x = torch.as_tensor(X[:32])
    out, reference = fast(x), plain(x)
    assert out.dtype == torch.float32 and out.shape == reference.shape
    # bfloat16 rounds: close to, not equal to, the float32 logits
    assert torch.allclose(out, reference, atol=0.1) and not torch.equal(out, reference)
    assert fast.embed(x).shape == (32, 128)
    net = make_default_net(X.shape, 10, max_epochs=2, precision="bf16", channels_last=True)
    net.fit(X, y)
    assert type(net.module_).__name__ == "Accelerated" and net.score(X, y) > 0.2
    with pytest.raises(ValueError, match="precision must be one of"):
        make_default_net(X.shape, 10, precision="fp16")
