"""Files on disk: results, resumable sweep chunks and manifests, written and read defensively.

Invariants:

* **Atomic writes.** A file is written under a temporary name in its own directory, flushed,
  fsynced and renamed onto its path (:func:`os.replace`): a reader sees the old file or the new
  one, never a torn one, and concurrent writers of one path both finish (the last rename wins).
* **Exclusive, unique temporaries.** A temporary is created with ``O_CREAT | O_EXCL`` under a
  random name (64 bits), so a symlink or file planted in the directory is never followed nor
  shared, and it is removed on any exception (a full disk, ``KeyboardInterrupt``).
* **Nothing unpickled.** Only bool, integer, float and complex arrays (and JAX's extension
  numbers: bfloat16, float8 ...) are written or read; object, string and structured dtypes are
  refused whatever the file declares.
* **Sizes checked before inflating.** :func:`read_npz` reads the members its JSON header declares
  and no other, checks each ``.npy`` header against the declaration, the zip entry's size and
  ``max_bytes`` before reading data, and refuses undeclared members.
* **JSON is strict.** Non-finite floats are refused on write (callers encode them explicitly) and
  on read; every damaged file raises :class:`CorruptFileError` naming the file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import ml_dtypes
import numpy as np
from numpy.lib import format as npy

MAX_BYTES = 1 << 34
"""Default limit on the array bytes one :func:`read_npz` call allocates (16 GiB)."""
MAX_META_BYTES = 1 << 26
"""Limit on a JSON header or JSON file (64 MiB)."""

_META = "__meta__"
_RESERVED = ("dtypes", "shapes")
_BUILTIN = {np.dtype(c).name: np.dtype(c) for c in "?" + np.typecodes["AllInteger"] + "efdFD"}
_EXTENSION = re.compile(r"bfloat16|float[468]_\w+|u?int[124]")
_HEADERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
# What zipfile, zlib, numpy's header parser and json raise on damaged content.
_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ArithmeticError, LookupError, OSError)
_ERRORS += (RuntimeError, TypeError, ValueError)


class CorruptFileError(ValueError):
    """A file is damaged, truncated or not in the format it should be; the message names it."""


def write_atomic(path: str | os.PathLike[str], write: Callable[[BinaryIO], None]) -> None:
    """Write a file through ``write(f)`` so that ``path`` is replaced whole or not at all.

    Args:
        path: the file to create or replace (a symlink there is replaced, not followed).
        write: writes the content to the open binary file it is given.

    Raises:
        Whatever ``write`` or the file system raises; the temporary file is removed first.
    """
    path = os.fspath(path)
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:  # mode 0o666 less the umask, as open() gives
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):  # interrupted after the rename
            os.unlink(tmp)
        raise


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as JSON atomically; refuses NaN and infinities (encode them yourself)."""
    text = _dumps(path, obj, indent=1)
    write_atomic(path, lambda f: f.write(text.encode()))


def read_json(path: str | os.PathLike[str], max_bytes: int = MAX_META_BYTES) -> Any:
    """Inverse of :func:`write_json`.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CorruptFileError: the file is over ``max_bytes`` or not strict JSON.
    """
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CorruptFileError(f"{os.fspath(path)}: larger than max_bytes={max_bytes}")
    try:
        return _loads(data.decode())
    except (ValueError, RecursionError) as e:
        raise CorruptFileError(f"{os.fspath(path)}: not valid JSON ({e})") from e


def write_npz(
    path: str | os.PathLike[str],
    arrays: dict[str, np.ndarray],
    meta: dict[str, Any],
    *,
    compress: bool = False,
) -> None:
    """Arrays and a JSON header in one ``.npz`` at ``path``, written atomically.

    The header (member ``__meta__.npy``, a unicode scalar) holds ``meta`` plus each array's dtype
    (``"dtypes"``) and shape (``"shapes"``); NumPy's ``np.load`` reads the file too.

    Args:
        path: the file to create or replace.
        arrays: bool, integer, float, complex or JAX extension float arrays, by name.
        meta: JSON-serializable, without the keys ``"dtypes"`` and ``"shapes"`` nor NaN/inf.
        compress: deflate the members.

    Raises:
        ValueError: a dtype that :func:`read_npz` would refuse, a reserved key or name, NaN/inf.
    """
    if _META in arrays or any(k in meta for k in _RESERVED):
        raise ValueError(f"{os.fspath(path)}: {_META!r} and the meta keys {_RESERVED} are reserved")
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    for k, v in arrays.items():
        _declared_dtype(k, str(v.dtype))
    header = {
        **meta,
        "dtypes": {k: str(v.dtype) for k, v in arrays.items()},
        "shapes": {k: list(v.shape) for k, v in arrays.items()},
    }
    members = {_META: np.array(_dumps(path, header)), **arrays}
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", compression=method) as z:
            for name, array in members.items():
                with z.open(f"{name}.npy", "w", force_zip64=True) as m:
                    npy.write_array(m, array, allow_pickle=False)

    write_atomic(path, write)


def read_npz(
    path: str | os.PathLike[str], max_bytes: int = MAX_BYTES
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Inverse of :func:`write_npz` (also reads files from before ``"shapes"`` was stored).

    Args:
        path: the file to read.
        max_bytes: the most array bytes to allocate; checked before reading any data.

    Returns:
        The arrays by name and ``meta`` as given to :func:`write_npz`.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CorruptFileError: anything wrong with the content, the member or field named.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            with zipfile.ZipFile(f) as z:
                return _read_npz(z, max_bytes)
        except _ERRORS as e:
            raise CorruptFileError(f"{path}: {e}") from e


def _read_npz(z: zipfile.ZipFile, budget: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    names = z.namelist()
    if len(set(names)) != len(names):
        raise ValueError("duplicate members")
    text = _read_member(z, _META, "U", (), MAX_META_BYTES)
    meta = _loads(str(text[()]))
    if not isinstance(meta, dict) or not isinstance(meta.get("dtypes"), dict):
        raise ValueError("the header declares no 'dtypes'")
    dtypes, shapes = meta.pop("dtypes"), meta.pop("shapes", None)  # None: an older file
    if not isinstance(shapes, dict | None):
        raise ValueError("the header's 'shapes' is not an object")
    if extra := sorted(set(names) - {f"{k}.npy" for k in [_META, *dtypes]}):
        raise ValueError(f"undeclared members {extra}")
    arrays = {}
    for name, declared in dtypes.items():
        dtype, extension = _declared_dtype(name, declared)
        shape = None if shapes is None else _declared_shape(name, shapes.get(name))
        array = _read_member(z, name, dtype, shape, budget)
        budget -= array.nbytes
        arrays[name] = array if extension is None else array.view(extension)
    return arrays, meta


def _read_member(
    z: zipfile.ZipFile, name: str, want: np.dtype | str, shape: tuple | None, budget: int
) -> np.ndarray:
    """One ``.npy`` member whose header has dtype (or kind) ``want`` and ``shape`` (if given)."""
    info = z.getinfo(f"{name}.npy")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(f"member {name!r}: compression method {info.compress_type}")
    with z.open(info) as f:
        version = npy.read_magic(f)
        read = _HEADERS.get(version)
        if read is None:
            raise ValueError(f"member {name!r}: npy format version {version}")
        header, fortran, dtype = read(f)
        got = dtype.kind if isinstance(want, str) else dtype
        if any(n < 0 for n in header) or got != want or shape not in (None, header):
            raise ValueError(f"member {name!r}: unexpected dtype {dtype} or shape {header}")
        nbytes = math.prod(header) * dtype.itemsize
        if nbytes > budget:
            raise ValueError(f"member {name!r}: {nbytes} bytes is over max_bytes ({budget} left)")
        if info.file_size != f.tell() + nbytes:
            size = f.tell() + nbytes
            raise ValueError(f"member {name!r}: zip entry holds {info.file_size} bytes, not {size}")
        data = bytearray(nbytes)
        view = memoryview(data)
        while view:  # in pieces: the peak is the array, not twice it
            n = f.readinto(view[: 1 << 20])
            if not n:
                raise ValueError(f"member {name!r}: truncated")
            view = view[n:]
    array = np.frombuffer(data, dtype)
    return array.reshape(header[::-1]).T if fortran else array.reshape(header)


def _declared_dtype(name: str, declared: Any) -> tuple[np.dtype, np.dtype | None]:
    """The dtype a member's ``.npy`` header must have, and the extension dtype to view it as."""
    key = declared if isinstance(declared, str) else ""
    if key in _BUILTIN:
        return _BUILTIN[key], None
    if _EXTENSION.fullmatch(key) and hasattr(ml_dtypes, key):
        extension = np.dtype(getattr(ml_dtypes, key))
        return np.dtype(f"V{extension.itemsize}"), extension
    raise ValueError(
        f"array {name!r} has dtype {declared!r}: only bool, integer, float, complex and JAX's "
        "extension numbers (bfloat16, float8_* ...) are stored"
    )


def _declared_shape(name: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape):
        return tuple(shape)
    raise ValueError(f"array {name!r} has shape {shape!r}")


def _dumps(path: str | os.PathLike[str], obj: Any, indent: int | None = None) -> str:
    try:
        return json.dumps(obj, indent=indent, allow_nan=False)
    except ValueError as e:
        raise ValueError(f"{os.fspath(path)}: not written: {e} (JSON has no NaN, inf)") from e


def _loads(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"non-finite number {constant} in JSON")

    return json.loads(text, parse_constant=refuse)
