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


def test_the_components_load_without_torch():
    # preload() runs before torch is imported, so the browser fetches plotly.js while Python loads the model;
    # the components share the library's atomic write, which must not pull torch in.
    code = "import sys, components, ae.files; print('torch' in sys.modules); sys.exit(1 if 'torch' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_library_names_load_on_first_use():
    code = ("import sys, ae; before = 'torch' in sys.modules; from ae import LatentIndex, load_checkpoint; "
            "import ae.latent; assert ae.LatentIndex is ae.latent.LatentIndex and callable(load_checkpoint); "
            "assert 'Checkpoint' in dir(ae); print(before, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.split() == ["False", "True"], result.stdout + result.stderr
