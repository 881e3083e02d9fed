"""A proxy whose outputs are given, for selector tests on data with a known answer."""

import numpy as np
from sklearn.base import BaseEstimator

FITS = []


class FixedProxy(BaseEstimator):
    """``fit`` sets the given arrays as fitted attributes (``embeddings`` -> ``embeddings_``)."""

    def __init__(self, embeddings=None, probas=None, scores=None, el2n=None, grand=None,
                 forgetting=None, loss=None, random_state=None):
        self.embeddings = embeddings
        self.probas = probas
        self.scores = scores
        self.el2n = el2n
        self.grand = grand
        self.forgetting = forgetting
        self.loss = loss
        self.random_state = random_state

    def fit(self, X, y):
        FITS.append(1)
        self.classes_ = np.unique(y)
        for name in ("embeddings", "probas", "scores", "el2n", "grand", "forgetting", "loss"):
            value = getattr(self, name)
            if value is not None:
                assert len(value) == len(X), (name, len(value), len(X))
                value = np.asarray(value, dtype=np.float32 if np.ndim(value) == 2 else np.float64)
            setattr(self, name + "_", value)
        return self


def softmax(logits):
    logits = np.asarray(logits, dtype=np.float64)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)
