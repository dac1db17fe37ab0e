import subprocess
import sys

from conftest import ROOT


def test_importing_ae_loads_no_ui_library():
    code = ("import sys, ae, ae.train; "
            "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_library_imports_from_any_folder(tmp_path):
    # The README's commands install ae in place (pyproject.toml): a notebook elsewhere can import it.
    result = subprocess.run([sys.executable, "-c", "import ae, ae.export; print(ae.AEConfig().z_dim)"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "2", result.stderr
