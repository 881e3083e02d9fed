"""Cosine similarities between rows, dense per group when small, recomputed in blocks otherwise."""

import numpy as np

__all__ = ["CosineSimilarity"]

_DENSE_BYTES = 256 * 2**20
_BLOCK_BYTES = 32 * 2**20


def _unit_rows(matrix):
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)  # zero rows stay zero: cos = 0


class CosineSimilarity:
    """``s_ij = (1 + prod_f cos_f(i, j)) / 2`` over one or more factor spaces, dense or on demand.

    Parameters
    ----------
    *factors : ndarray of shape (n, d_f)
        One matrix per factor; the cosine of the rows' concatenated outer
        product is the product of the factors' cosines.
    dense_bytes : int
        Precompute the n x n float32 matrix when it takes at most this many bytes.

    Examples
    --------
    >>> import numpy as np
    >>> sim = CosineSimilarity(np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]]))
    >>> sim.columns(np.array([0])).ravel().tolist()
    [1.0, 0.5, 0.0]
    """

    def __init__(self, *factors, dense_bytes=_DENSE_BYTES):
        self.factors = [_unit_rows(f) for f in factors]
        self.n = len(self.factors[0])
        self.dense = None
        if 4 * self.n * self.n <= dense_bytes:
            self.dense = np.empty((self.n, self.n), dtype=np.float32)
            for rows in self._row_blocks():
                self.dense[rows] = self._compute(rows)

    def _row_blocks(self):
        step = max(1, _BLOCK_BYTES // (4 * self.n * len(self.factors)))
        return (slice(start, min(start + step, self.n)) for start in range(0, self.n, step))

    def _compute(self, rows):
        block = None
        for factor in self.factors:
            cosine = factor[rows] @ factor.T
            block = cosine if block is None else np.multiply(block, cosine, out=block)
        block *= 0.5
        block += 0.5
        return block

    def columns(self, index):
        """``S[:, index]`` as an (n, len(index)) float32 array."""
        if self.dense is not None:
            return self.dense[index].T  # symmetric: rows are columns
        return self._compute(index).T

    def column_sums(self):
        """``S.sum(axis=0)`` in float64, computed block by block."""
        if self.dense is not None:
            return self.dense.sum(axis=0, dtype=np.float64)
        sums = np.zeros(self.n, dtype=np.float64)
        for rows in self._row_blocks():
            sums[rows] = self._compute(rows).sum(axis=1, dtype=np.float64)  # symmetric
        return sums

    def diagonal(self):
        """``S[i, i]``: 1, or 0.5 for a zero row."""
        cosine = np.ones(self.n, dtype=np.float32)
        for factor in self.factors:
            cosine *= np.einsum("ij,ij->i", factor, factor)
        return 0.5 + 0.5 * cosine
