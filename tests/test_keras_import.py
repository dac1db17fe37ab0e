"""The book's Keras models opened here (ae.keras_file, ae.importer), with Keras itself as the oracle."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import ae
import ae.importer
import ae.keras_file
from ae.export import export_checkpoint, export_web_model, read_web_model, run_layers
from ae.importer import ImportProblem, import_model
from ae.keras_file import read_keras
from conftest import ROOT
from keras_book import book_model, save

FORMS = ["keras2", "keras2-tf", "keras2-model", "weights", "keras"]
VARIANTS = {
    "ae": {},
    "vae": {"vae": True},
    "batchnorm-dropout": {"batch_norm": True, "dropout": True},
    "vae-batchnorm-unnamed": {"vae": True, "batch_norm": True, "generated_names": True},
}


@pytest.fixture(scope="module")
def mnist_test(mnist_path):
    return ae.load_images("mnist", "test", data_dir=mnist_path).images[:1000]


def keras_outputs(encoder, decoder, images: torch.Tensor, codes: np.ndarray):
    channels_last = images.permute(0, 2, 3, 1).numpy()
    encoded = encoder.predict(channels_last, verbose=0, batch_size=250)
    encoded = encoded[0] if isinstance(encoded, list) else encoded  # a VAE: (mu, log_var)
    decoded = decoder.predict(codes, verbose=0, batch_size=250)[..., 0]
    return encoded, decoded


def torch_outputs(model, images: torch.Tensor, codes: np.ndarray):
    return ae.encode(model, images), ae.decode(model, codes)


def largest_difference(a, b) -> float:
    return float(max(np.abs(a[0] - b[0]).max(), np.abs(a[1] - b[1]).max()))


@pytest.fixture(scope="module")
def keras_oracle(mnist_test):
    """oracle(codes_seed, **book_model's arguments) -> (the book's Keras model, 1000 random codes, what
    Keras computes for the test images and the codes): built and run once per model, for each of the
    tests that save it in another form or undo another rule of the port."""
    made = {}

    def oracle(codes_seed=0, **model_args):
        key = (codes_seed, tuple(sorted(model_args.items())))
        if key not in made:
            model, encoder, decoder = book_model(**model_args)
            codes = np.random.default_rng(codes_seed).normal(0, 3, (1000, 2)).astype(np.float32)
            made[key] = model, codes, keras_outputs(encoder, decoder, mnist_test, codes)
        return made[key]
    return oracle


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_the_imported_model_computes_what_keras_computes(tmp_path, mnist_test, keras_oracle, variant, form):
    model, codes, expected = keras_oracle(**VARIANTS[variant])
    found = read_keras(save(model, tmp_path, form).read_bytes())
    assert found.kind == ("vae" if VARIANTS[variant].get("vae") else "ae")
    assert found.config.use_batch_norm == bool(VARIANTS[variant].get("batch_norm"))
    difference = largest_difference(torch_outputs(found.build(), mnist_test, codes), expected)
    assert difference <= 1e-5


# Each thing a port must get right, undone in turn: the oracle then disagrees (so the test above
# would catch it), while the import as written agrees to 1e-5.
def _wrong_padding(found):
    return dataclasses.replace(found.config, padding="torch")


def _wrong_slope(found):
    return dataclasses.replace(found.config, leaky_slope=0.01)


def _wrong_norm_order(found):
    return dataclasses.replace(found.config, norm_after_activation=False)


def _wrong_eps(found):
    return dataclasses.replace(found.config, norm_eps=1e-5)


@pytest.mark.parametrize("undo", [_wrong_padding, _wrong_slope, _wrong_norm_order, _wrong_eps],
                         ids=["same-padding-asymmetric", "leaky-slope-0.3", "norm-after-activation", "keras-norm-eps"])
def test_each_rule_of_the_port_changes_the_result(tmp_path, mnist_test, keras_oracle, undo):
    model, codes, expected = keras_oracle(codes_seed=1, batch_norm=True, seed=3)
    found = read_keras(save(model, tmp_path, "keras2").read_bytes())
    right, wrong = found.build(), ae.build_model(undo(found))
    # The same weights layer by layer (module numbers move when batch-norm changes place).
    holders = lambda m: [x for x in m.modules() if not list(x.children()) and list(x.state_dict())]  # noqa: E731
    for source, target in zip(holders(right), holders(wrong), strict=True):
        target.load_state_dict(source.state_dict())
    # Ten times the tolerance of the oracle test at least (Keras' batch-norm epsilon moves pixels by 5e-4).
    wrong_by = largest_difference(torch_outputs(wrong.eval(), mnist_test, codes), expected)
    right_by = largest_difference(torch_outputs(right, mnist_test, codes), expected)
    assert wrong_by > 1e-4 and right_by <= 1e-5


def test_flatten_and_reshape_are_reordered_from_channels_last(tmp_path, mnist_test, monkeypatch):
    model, encoder, decoder = book_model(seed=4)
    data = save(model, tmp_path, "weights").read_bytes()
    codes = np.random.default_rng(2).normal(0, 3, (1000, 2)).astype(np.float32)
    expected = keras_outputs(encoder, decoder, mnist_test, codes)
    monkeypatch.setattr(ae.keras_file, "_channels_first_rows", lambda matrix, hwc: matrix)
    unordered = read_keras(data).build()
    assert np.abs(ae.encode(unordered, mnist_test) - expected[0]).max() > 1e-3
    assert np.abs(ae.decode(unordered, codes) - expected[1]).max() > 1e-3


def test_kernels_are_read_in_keras_layouts(tmp_path):
    """Conv2D (kh, kw, in, out) and Conv2DTranspose (kh, kw, out, in) -> torch's (out, in, ...) and (in, out, ...)."""
    model, encoder, decoder = book_model(seed=5)
    state = read_keras(save(model, tmp_path, "keras").read_bytes()).state_dict
    conv = encoder.get_layer("encoder_conv_1").get_weights()[0]  # (3, 3, 32, 64)
    assert np.array_equal(state["encoder.2.weight"].numpy(), conv.transpose(3, 2, 0, 1))
    assert tuple(state["encoder.2.weight"].shape) == (64, 32, 3, 3)
    up = decoder.get_layer("decoder_conv_t_2").get_weights()[0]  # (3, 3, 32, 64): 64 in, 32 out
    assert tuple(state["decoder.4.weight"].shape) == (64, 32, 3, 3)  # ConvTranspose2d: (in, out, kh, kw)
    assert np.array_equal(state["decoder.4.weight"].numpy(), up.transpose(3, 2, 0, 1))


def test_the_page_runs_an_imported_keras_model_as_the_library_does(tmp_path, mnist_test, chromium):
    from app_harness import run_web_model

    model, _, _ = book_model(vae=True, batch_norm=True, seed=6)
    imported = read_keras(save(model, tmp_path, "keras").read_bytes()).build()
    header, _ = read_web_model(export_web_model(imported))
    assert any("post" in layer for layer in header["decoder"])  # batch-norm after the activation travels as is
    points = np.random.default_rng(3).normal(0, 3, (100, 2))
    images = mnist_test[:50].numpy()
    decoded, encoded = run_web_model(chromium, export_web_model(imported), points, images)
    assert np.abs(decoded.reshape(100, 28, 28) - ae.decode(imported, points)).max() <= 1e-4
    assert np.abs(encoded - ae.encode(imported, torch.from_numpy(images))).max() <= 1e-4


# ---------------------------------------------------------------- importing: the file to a checkpoint


def test_the_command_writes_a_checkpoint_that_records_its_source(tmp_path, small_data, trained_dir):
    model, encoder, decoder = book_model(vae=True)
    source = save(model, tmp_path, "keras2")
    env = {**os.environ, "AE_TRAINED_DIR": str(trained_dir)}
    command = [sys.executable, "-m", "ae", "import", str(source), "--dataset", "mnist", "--data-dir", str(small_data)]
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "Imported a VAE with a 2-D latent space from a Keras 2 .h5 file" in run.stdout
    written = sorted(trained_dir.glob("*.pt"))
    assert [p.name for p in written] == ["mnist_vae_weights.pt"]
    ckpt = ae.load_checkpoint(written[0])
    assert ckpt.source["file"] == "weights.h5"
    assert ckpt.source["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert ckpt.model_type == "vae" and ckpt.config.padding == "keras"
    test = ae.load_images("mnist", "test", data_dir=small_data)
    expected, _ = keras_outputs(encoder, decoder, test.images, np.zeros((1, 2), np.float32))
    assert np.abs(ckpt.test_codes - expected).max() <= 1e-5
    assert np.array_equal(ckpt.test_labels, test.labels.numpy())
    assert ckpt.test_mse == pytest.approx(float(ckpt.test_errors.mean()))
    # ... and it is an ordinary checkpoint: exported for the page, decodable, listed again under a new name.
    header, tensors = read_web_model(export_checkpoint(ckpt))
    z = np.random.default_rng(0).normal(0, 2, (20, 2)).astype(np.float32)
    assert np.abs(run_layers(header["decoder"], tensors, z)[:, 0] - ae.decode(ckpt.model, z)).max() < 1e-5
    again = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    assert again.returncode == 0 and (trained_dir / "mnist_vae_weights_2.pt").exists()


def _pickle_that_runs_code(path, marker):
    class Boom:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    path.write_bytes(pickle.dumps({"state_dict": Boom()}, protocol=2))


def _damaged(kind):
    def make(tmp_path):
        model, _, _ = book_model(seed=7, image_size=32) if kind == "32px" else \
            book_model(seed=7, channels=3) if kind == "colour" else book_model(seed=7)
        path = save(model, tmp_path, "keras" if kind == "truncated-keras" else "keras2")
        data = path.read_bytes()
        if kind.startswith("truncated"):
            path.write_bytes(data[: len(data) // 2])
        elif kind == "wrong-shapes":
            import h5py
            with h5py.File(path, "a") as f:
                del f["encoder/encoder_conv_1/bias"]
                f["encoder/encoder_conv_1/bias"] = np.zeros(63, np.float32)
        return path
    return make


def _file(name, content: bytes):
    def make(folder):
        (folder / name).write_bytes(content)
        return folder / name
    return make


BAD_FILES = {
    "text": (_file("notes.h5", b"these are my notes"), "not a model file"),
    "empty": (_file("empty.h5", b""), "is empty"),
    "zip-not-keras": (lambda p: _zip(p / "photos.keras"), "neither a .keras model nor a PyTorch file"),
    "truncated-h5": (_damaged("truncated-h5"), "damaged or truncated"),
    "truncated-keras": (_damaged("truncated-keras"), "damaged or truncated"),
    "wrong-shapes": (_damaged("wrong-shapes"), "shape"),
    "colour": (_damaged("colour"), "colour model"),
    "32px": (_damaged("32px"), "32x32 images"),
}


def _zip(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.txt", "hello")
    return path


@pytest.mark.parametrize("bad", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_gets_one_clear_line_and_saves_nothing(tmp_path, small_data, trained_dir, bad):
    make, words = BAD_FILES[bad]
    path = make(tmp_path)
    with pytest.raises(ImportProblem) as problem:
        import_model(path, dataset="mnist", data_dir=small_data)
    message = str(problem.value)
    assert words in message and "\n" not in message and "Traceback" not in message
    assert not trained_dir.exists() or not list(trained_dir.iterdir())


def test_a_pickle_that_would_run_code_is_refused_unopened(tmp_path, small_data, trained_dir):
    marker = tmp_path / "ran"
    path = tmp_path / "model.pt"
    _pickle_that_runs_code(path, marker)
    with pytest.raises(ImportProblem, match="PyTorch"):
        import_model(path, dataset="mnist", data_dir=small_data)
    assert not marker.exists()
    assert not trained_dir.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, small_data, trained_dir, monkeypatch):
    model, _, _ = book_model(seed=8)
    path = save(model, tmp_path, "keras2")
    monkeypatch.setattr(ae.importer, "MAX_IMPORT_BYTES", path.stat().st_size - 1)
    with pytest.raises(ImportProblem, match="over the"):
        import_model(path, dataset="mnist", data_dir=small_data)
    assert not trained_dir.exists()


# ---------------------------------------------------------------- the app's "Open your own model"


@pytest.fixture
def train_page(monkeypatch, tmp_path, small_data):
    """The Train page on a small synthetic MNIST: an upload is encoded over 400 images, not 70,000."""
    from ui import catalog
    monkeypatch.setenv("AE_DATA_DIR", str(small_data))
    monkeypatch.setattr(catalog, "TRAINED_DIR", tmp_path / "trained")
    return tmp_path / "trained"


def _upload(at, name, data):
    at.file_uploader(key="tr_own_file").set_value((name, data, "application/octet-stream")).run()
    go = [b for b in at.button if b.key == "tr_own_go"]
    assert go, "a button to convert the uploaded file"
    go[0].click().run(timeout=180)
    return at


def test_the_train_page_converts_an_upload_and_opens_it_in_the_explorer(tmp_path, train_page):
    from conftest import run_script, shown_text
    model, encoder, _ = book_model(vae=True, batch_norm=True, seed=9)
    data = save(model, tmp_path, "keras").read_bytes()
    at = run_script(ROOT / "navigation.py", timeout=120, fresh_cache=False)
    at.switch_page("app_pages/7_Train.py").run()
    explorer = _upload(at, "my *book* model.keras", data)  # converted, then the explorer opens on it
    assert not explorer.exception and not explorer.error, [e.value for e in explorer.error]
    written = sorted(train_page.glob("*.pt"))
    assert [p.name for p in written] == ["mnist_vae_my_book_model.pt"]
    assert explorer.selectbox(key="ex_checkpoint").value == "mnist_vae_my_book_model.pt"
    shown = " ".join(shown_text(e.value) for e in [*explorer.success, *explorer.caption])
    assert "Imported a VAE with a 2-D latent space from a Keras 3 .keras file" in shown
    assert "imported from my *book* model.keras" in shown.replace("\\", "")
    explorer.session_state["ex_open_replay"] = True  # the replay's section, opened
    explorer.switch_page("app_pages/0_Explorer.py").run()
    assert explorer.selectbox(key="ex_checkpoint").value == "mnist_vae_my_book_model.pt"
    replay = " ".join(shown_text(e.value) for e in explorer.caption)
    assert "which kept no record of its training, so there is no replay" in replay


def test_the_train_page_says_what_is_wrong_with_a_bad_upload_and_saves_nothing(tmp_path, train_page):
    from conftest import run_script, shown_text
    model, _, _ = book_model(seed=10, channels=3)
    data = save(model, tmp_path, "keras2").read_bytes()
    at = run_script(ROOT / "navigation.py", timeout=120, fresh_cache=False)
    at = _upload(at.switch_page("app_pages/7_Train.py").run(), "colour.h5", data)
    assert not at.exception
    errors = [shown_text(e.value) for e in at.error]
    assert len(errors) == 1 and "colour model" in errors[0] and "Nothing was saved" in errors[0]
    assert not train_page.exists() or not list(train_page.iterdir())
