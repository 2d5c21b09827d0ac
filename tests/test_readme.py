"""The README's example runs as printed (under JAX's default settings) and says what it claims."""

import pathlib
import re

import jax
import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs_and_converges() -> None:
    (code,) = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    namespace: dict = {"print": lambda *args: None}
    with jax.enable_x64(False), jax.numpy_dtype_promotion("standard"):
        exec(compile(code, str(README), "exec"), namespace)
    run, ref, res = namespace["run"], namespace["ref"], namespace["res"]
    assert float(run.final_loss) < 1e-3  # Rosenbrock's minimum is 0 at (1, 1)
    np.testing.assert_allclose(run.params, ref.params, atol=1e-4)  # "equal to float32 rounding"
    assert res.shape == (64, 3)
    best = res.best()
    assert not res.sel(learning_rate=best["learning_rate"], momentum=best["momentum"]).diverged
    assert int(np.sum(res.diverged)) > 0  # the largest rates diverge and are flagged
