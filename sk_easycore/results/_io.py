"""Atomic file writing: a reader sees the old file or the complete new one, never a part."""

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text"]


def _umask():
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write, *, binary=False):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``.

    The data is flushed to disk before the rename (``os.replace``, atomic on
    POSIX and Windows), so a reader sees the old file or the complete new one;
    on any error the temporary file is removed and ``path`` is left as it was.
    The file gets the permissions of a plain ``open(path, "w")`` under the
    user's umask (``tempfile.mkstemp`` alone would leave it readable by its
    owner only). Text is written as UTF-8.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder must exist.
    write : callable
        ``write(file)`` writes the content to the open file object.
    binary : bool, default=False
        Open the temporary file in binary mode.

    Returns
    -------
    None

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
    >>> atomic_write(path, lambda f: f.write(b"\\x00\\x01"), binary=True)
    >>> path.read_bytes()
    b'\\x00\\x01'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`).

    Parameters
    ----------
    path : str or Path
        The file to write.
    text : str
        Its content.

    Returns
    -------
    None

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> atomic_write_text(path, "{}")
    >>> path.read_text()
    '{}'
    """
    atomic_write(path, lambda f: f.write(text))
