"""Atomic file writing: a reader sees the old file or the complete new one, never a part.

Every failure to write names the file and says what to do, in one line (a full disk,
a read-only folder), instead of an errno from deep inside.
"""

import errno
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text", "is_writable", "write_error"]


def is_writable(folder):
    """True when files can be created in the existing ``folder``.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    writable : bool

    Examples
    --------
    >>> import tempfile
    >>> is_writable(tempfile.mkdtemp())
    True
    """
    return os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)


def write_error(path, exc):
    """``exc`` (an OSError raised writing ``path``) as the same kind of error, in one line.

    The message names the file and what to do; ``errno`` is kept.

    Parameters
    ----------
    path : str or Path
        The file being written.
    exc : OSError

    Returns
    -------
    error : OSError

    Examples
    --------
    >>> import errno
    >>> print(write_error("out/a.json", OSError(errno.ENOSPC, "No space left on device")))
    cannot write out/a.json: the disk is full; free some space and run the same command ...
    """
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", None):
        why = "the disk is full; free some space and run the same command again (finished " \
              "results are kept)."
    elif isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        why = f"{Path(path).parent} is read-only; choose a folder you can write to."
    else:
        why = f"{exc.strerror or exc}."
    error = type(exc)(f"cannot write {path}: {why}")
    error.errno = exc.errno
    return error


def _umask():
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write, *, binary=False):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``.

    The data is flushed to disk before the rename (``os.replace``, atomic on
    POSIX and Windows), so a reader sees the old file or the complete new one;
    on any error the temporary file is removed and ``path`` is left as it was,
    and an OSError is raised again in one line naming ``path`` (:func:`write_error`).
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
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from None
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
