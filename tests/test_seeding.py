"""torch_seed: seeded generators and deterministic cuDNN inside the block, restored after."""

import torch

from sk_easycore.utils import torch_seed


def test_torch_seed_asks_cudnn_for_determinism_and_restores_it():
    cudnn = torch.backends.cudnn
    before = cudnn.deterministic, cudnn.benchmark
    try:
        cudnn.deterministic, cudnn.benchmark = False, True  # what a user may have set
        with torch_seed(0):
            assert (cudnn.deterministic, cudnn.benchmark) == (True, False)
        assert (cudnn.deterministic, cudnn.benchmark) == (False, True)
        try:
            with torch_seed(1):
                raise RuntimeError("a failing fit")
        except RuntimeError:
            pass
        assert (cudnn.deterministic, cudnn.benchmark) == (False, True)
        with torch_seed(None):  # no seed: nothing is changed
            assert (cudnn.deterministic, cudnn.benchmark) == (False, True)
    finally:
        cudnn.deterministic, cudnn.benchmark = before


def test_torch_seed_restores_the_callers_generator():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with torch_seed(0):
        inside = torch.rand(3)
    assert torch.equal(torch.rand(3), expected)
    with torch_seed(0):
        assert torch.equal(torch.rand(3), inside)
