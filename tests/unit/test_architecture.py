"""The layer rules of DESIGN.md §5 hold: domain imports neither api/ nor projections/."""

import shutil
import subprocess
import sys
from pathlib import Path


def test_the_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a dev dependency"
    done = subprocess.run([exe], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_domain_and_projections_type_check_under_mypy_strict():
    exe = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert exe, "mypy is a dev dependency"
    done = subprocess.run([exe, "domain", "projections"], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stdout + done.stderr
