"""Files on disk: atomic exclusive writes, reads that check dtypes and sizes before inflating."""

import io
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from jaxdescent import _files
from jaxdescent._files import CorruptFileError, read_json, read_npz, write_json, write_npz

DTYPES = [jnp.float16, jnp.bfloat16, jnp.float8_e4m3fn, jnp.float32, jnp.float64, jnp.complex64]
DTYPES += [jnp.int32, jnp.uint8, jnp.bool_]


# This module's source loaded by path, not through the package: subprocesses skip importing JAX.
_LOAD = f"""
import importlib.util, numpy as np
spec = importlib.util.spec_from_file_location("files", {_files.__file__!r})
files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(files)
"""


def _npy(array: np.ndarray | None = None, **header) -> bytes:
    """An ``.npy`` member: an array, or only a header (``descr`` and ``shape``)."""
    f = io.BytesIO()
    if array is None:
        np.lib.format.write_array_header_1_0(f, {"fortran_order": False, **header})
    else:
        np.lib.format.write_array(f, array, allow_pickle=False)
    return f.getvalue()


def _zip(path: Path, meta: dict | str, **members: bytes) -> Path:
    """A hand-made ``.npz``: a JSON header (or any text) and the given members."""
    text = meta if isinstance(meta, str) else json.dumps(meta)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__meta__.npy", _npy(np.array(text)))
        for name, data in members.items():
            z.writestr(f"{name}.npy", data)
    return path


def _peak_bytes(path: Path, *args, match: str = "") -> int:
    """The peak memory traced while ``read_npz(path, *args)`` raises CorruptFileError."""
    tracemalloc.start()
    try:
        with pytest.raises(CorruptFileError, match=f"{re.escape(str(path))}.*{match}"):
            read_npz(path, *args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tmp_path: Path, compress: bool):
    arrays = {}
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        arrays[name] = np.arange(6).reshape(2, 3).astype(dtype)
        arrays[f"{name}/0-d"] = np.asarray(1, dtype)
        arrays[f"{name}/empty"] = np.zeros((0, 4), dtype)
        arrays[f"{name}/fortran"] = np.asfortranarray(np.ones((3, 2), dtype))
    meta = {"dims": ["lr"], "nested": {"a": [1, 2.5, None, "é"], "b": True}}
    path = tmp_path / "r.npz"
    write_npz(path, arrays, meta, compress=compress)
    got, got_meta = read_npz(path)
    assert got_meta == meta
    assert list(got) == list(arrays)
    for name, array in arrays.items():
        assert (got[name].dtype, got[name].shape) == (array.dtype, array.shape), name
        assert got[name].tobytes() == array.tobytes(), name
    (tmp_path / "plain").touch()  # the mode open() gives (not 0600)
    assert path.stat().st_mode == (tmp_path / "plain").stat().st_mode


def test_reads_files_written_before_shapes_were_stored(tmp_path: Path):
    x, y = np.arange(4, dtype=jnp.bfloat16), np.arange(6).reshape(2, 3).T
    meta = {"dims": ["lr"], "dtypes": {"x": "bfloat16", "y": str(y.dtype)}}
    np.savez(tmp_path / "old.npz", __meta__=np.array(json.dumps(meta)), x=x, y=y)
    got, got_meta = read_npz(tmp_path / "old.npz")
    assert got_meta == {"dims": ["lr"]}
    assert got["x"].dtype == x.dtype
    np.testing.assert_array_equal(got["x"], x)
    np.testing.assert_array_equal(got["y"], y)


def test_undeclared_member_is_refused_without_inflating_it(tmp_path: Path):
    path = tmp_path / "bomb.npz"
    write_npz(path, {"x": np.zeros(2)}, {})
    zeros = bytes(1 << 24)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("bomb.npy", "w", force_zip64=True) as m,
    ):
        for _ in range(64):  # 1 GiB inflated
            m.write(zeros)
    assert path.stat().st_size < 8 << 20
    assert _peak_bytes(path) < 1 << 20


def test_declared_member_longer_than_its_header_is_refused_without_inflating_it(tmp_path: Path):
    path = _zip(tmp_path / "bomb.npz", {"dtypes": {"x": "float64"}, "shapes": {"x": [2]}})
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("x.npy", "w", force_zip64=True) as m,
    ):
        m.write(_npy(descr="<f8", shape=(2,)))
        m.write(bytes(1 << 26))
    assert _peak_bytes(path, match="zip entry holds") < 1 << 20


@pytest.mark.parametrize("sizes", [[1 << 22], [1 << 16] * 3])
def test_max_bytes_is_checked_before_reading(tmp_path: Path, sizes: list[int]):
    path = tmp_path / "big.npz"  # 32 MiB in one array, or 1.5 MiB in three
    write_npz(path, {f"x{i}": np.zeros(n) for i, n in enumerate(sizes)}, {}, compress=True)
    assert _peak_bytes(path, 1 << 20, match="over max_bytes") < 4 << 20


def test_reading_takes_the_array_memory_once(tmp_path: Path):
    write_npz(tmp_path / "r.npz", {"x": np.zeros(1 << 21)}, {}, compress=True)  # 16 MiB
    tracemalloc.start()
    try:
        x = read_npz(tmp_path / "r.npz")[0]["x"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.nbytes <= peak < 1.25 * x.nbytes


@pytest.mark.parametrize(
    "declared", ["V8", "<U2", "object", "|O", "S3", "datetime64[s]", "float32, int32", "(2,)f8", 3]
)
def test_unsafe_dtypes_are_refused_naming_the_field(tmp_path: Path, declared):
    path = _zip(tmp_path / "evil.npz", {"dtypes": {"evil": declared}}, evil=_npy(np.zeros(1, "V8")))
    with pytest.raises(CorruptFileError, match=f"{re.escape(str(path))}: array 'evil' has dtype"):
        read_npz(path)


@pytest.mark.parametrize("array", [np.array(["ab"]), np.zeros(1, "V8"), np.array([None], object)])
def test_unsafe_dtypes_are_not_written(tmp_path: Path, array: np.ndarray):
    with pytest.raises(ValueError, match="array 'evil' has dtype"):
        write_npz(tmp_path / "r.npz", {"evil": array}, {})
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("member", [np.array(["ab", "cd"]), np.zeros(3), np.zeros(2, "V8")])
def test_header_differing_from_the_declaration_is_refused(tmp_path: Path, member: np.ndarray):
    meta = {"dtypes": {"x": "float64"}, "shapes": {"x": [2]}}
    with pytest.raises(CorruptFileError, match="member 'x': unexpected"):
        read_npz(_zip(tmp_path / "r.npz", meta, x=_npy(member)))


def test_writes_never_follow_symlinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    victim, out = tmp_path / "victim", tmp_path / "out"
    victim.write_bytes(b"precious")
    out.mkdir()
    planted = ["r.npz", "r.npz.tmp", ".r.npz.tmp", "r.npz.tmp.npz", ".tmp", "r.json", "r.json.tmp"]
    for name in planted:
        (out / name).symlink_to(victim)
    write_npz(out / "r.npz", {"x": np.ones(3)}, {"new": True})
    write_json(out / "r.json", {"new": True})
    assert victim.read_bytes() == b"precious"
    assert sorted(os.listdir(out)) == sorted(planted)
    assert read_npz(out / "r.npz")[1] == read_json(out / "r.json") == {"new": True}
    monkeypatch.setattr(_files.secrets, "token_hex", lambda n: "guessed")
    (out / ".r.npz.guessed.tmp").symlink_to(victim)  # were the name guessed, O_EXCL refuses it
    with pytest.raises(FileExistsError):
        write_npz(out / "r.npz", {"x": np.zeros(3)}, {})
    assert victim.read_bytes() == b"precious"


_WRITE_MANY = """
start.wait()
for k in range(30):
    files.write_npz(path, {"x": np.full(1 << 16, 100 * writer + k)}, {"writer": writer, "k": k})
"""


def test_concurrent_writers_and_a_reader(tmp_path: Path):
    path = tmp_path / "r.npz"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    code = _LOAD + _WRITE_MANY
    writers = [
        context.Process(target=exec, args=(code, {"path": str(path), "writer": w, "start": start}))
        for w in (1, 2)
    ]
    for p in writers:
        p.start()
    start.wait(timeout=60)
    seen = set()
    while any(p.is_alive() for p in writers) or not seen:
        try:
            arrays, meta = read_npz(path)
        except FileNotFoundError:
            assert not seen, "the file vanished"
            time.sleep(0.001)
            continue
        assert np.all(arrays["x"] == 100 * meta["writer"] + meta["k"])
        seen.add((meta["writer"], meta["k"]))
    for p in writers:
        p.join()
        assert p.exitcode == 0
    assert os.listdir(tmp_path) == ["r.npz"]
    assert read_npz(path)[1]["k"] == 29


def test_full_disk_leaves_no_temporary_and_the_old_file(tmp_path: Path):
    path = tmp_path / "r.npz"
    write_npz(path, {"x": np.zeros(3)}, {"old": True})
    code = f"""{_LOAD}
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
try:
    files.write_npz({str(path)!r}, {{"x": np.zeros(1 << 18)}}, {{}})
except OSError as e:
    print("OSError", e.errno)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.startswith("OSError"), run.stdout + run.stderr
    assert os.listdir(tmp_path) == ["r.npz"]
    assert read_npz(path)[1] == {"old": True}


def test_interrupted_write_leaves_no_temporary_and_the_old_file(tmp_path: Path):
    path = tmp_path / "r.json"
    write_json(path, [1])

    def write(f) -> None:
        f.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _files.write_atomic(path, write)
    assert os.listdir(tmp_path) == ["r.json"]
    assert read_json(path) == [1]


@pytest.mark.parametrize(
    "damage", ["half", "tail", "random", "empty", "flip", "meta", "nan", "missing", "shapes"]
)
def test_damaged_npz_raises_corrupt_file_error_naming_it(tmp_path: Path, damage: str):
    path, x = tmp_path / "r.npz", np.arange(1000.0)
    write_npz(path, {"x": x}, {"a": 1})
    data = bytearray(path.read_bytes())
    data[data.find(x.tobytes()) + 4000] ^= 1
    damaged = {"half": data[: len(data) // 2], "tail": data[:-10], "flip": data, "empty": b""}
    damaged["random"] = np.random.default_rng(0).bytes(len(data))
    if damage in damaged:
        path.write_bytes(damaged[damage])
    declared = {"dtypes": {"x": "float64", "y": "int32"}, "shapes": {"x": [1000], "y": [2]}}
    bad_meta = {"meta": '{"dtypes": {', "nan": '{"dtypes": {}, "a": NaN}', "missing": declared}
    bad_meta["shapes"] = {"dtypes": {"x": "float64"}, "shapes": {"x": ["1000"]}}
    if damage in bad_meta:
        _zip(path, bad_meta[damage], x=_npy(x))
    with pytest.raises(CorruptFileError, match=re.escape(str(path))):
        read_npz(path)


@pytest.mark.parametrize("content", [b'{"a": [1, 2', b"\xff\xfe", b"", b'{"a": NaN}', b"[" * 10**5])
def test_damaged_json_raises_corrupt_file_error_naming_it(tmp_path: Path, content: bytes):
    (tmp_path / "r.json").write_bytes(content)
    with pytest.raises(CorruptFileError, match=re.escape(str(tmp_path / "r.json"))):
        read_json(tmp_path / "r.json")


def test_json_limits(tmp_path: Path):
    with pytest.raises(ValueError, match="NaN"):
        write_json(tmp_path / "r.json", {"a": [1.0, float("inf")]})
    write_json(tmp_path / "r.json", {"a": "long enough"})
    with pytest.raises(CorruptFileError, match="max_bytes"):
        read_json(tmp_path / "r.json", max_bytes=8)
    assert os.listdir(tmp_path) == ["r.json"]
    with pytest.raises(FileNotFoundError):
        read_json(tmp_path / "absent.json")
    with pytest.raises(FileNotFoundError):
        read_npz(tmp_path / "absent.npz")
