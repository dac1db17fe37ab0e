"""Users' own PyTorch autoencoders opened here (ae.torch_file through ae.importer): each form round-trips
to the same decodings, the checkpoint needs none of the user's code, and no pickled code ever runs."""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import ae
from ae.importer import ImportProblem, import_model
from torch_models import ConvDecoder, ConvEncoder, ConvVAE, DenseAE, seeded


def exported(module, example) -> bytes:
    program = torch.export.export(module, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    return buffer.getvalue()


def scripted(module) -> bytes:
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(module), buffer)
    return buffer.getvalue()


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def forms(tmp_path):
    """(name, reference encode, reference decode, import_model keyword arguments) for every form."""
    images, codes = torch.zeros(2, 1, 28, 28), torch.zeros(2, 2)
    vae = seeded(ConvVAE, 1)
    dense = seeded(DenseAE, 2, z_dim=2, hidden=48)
    torch.save(dense.state_dict(), tmp_path / "dense.pt")
    return {
        "export-two-files": (lambda x: vae.encoder(x)[0], vae.decoder,
                             dict(source=write(tmp_path / "enc.pt2", exported(vae.encoder, images)),
                                  decoder=write(tmp_path / "dec.pt2", exported(vae.decoder, codes)))),
        "torchscript-two-files": (lambda x: vae.encoder(x)[0], vae.decoder,
                                  dict(source=write(tmp_path / "enc.ts", scripted(vae.encoder)),
                                       decoder=write(tmp_path / "dec.ts", scripted(vae.decoder)))),
        "state-dict-and-class": (dense.encode, lambda z: dense.decode(z).view(-1, 1, 28, 28),
                                 dict(source=tmp_path / "dense.pt", class_path="torch_models:DenseAE",
                                      kwargs='{"z_dim": 2, "hidden": 48}')),
    }


@pytest.mark.parametrize("form", ["export-two-files", "torchscript-two-files", "state-dict-and-class"])
def test_each_form_round_trips_through_import_to_the_same_decodings(tmp_path, small_data, trained_dir, form):
    encode, decode, kwargs = forms(tmp_path)[form]
    done = import_model(dataset="mnist", data_dir=small_data, **kwargs)
    assert done.path.parent == trained_dir
    ckpt = ae.load_checkpoint(done.path)  # the user's code is not needed to open it again
    assert ckpt.model_type == ("ae" if form.startswith("state") else "vae")
    test = ae.load_images("mnist", "test", data_dir=small_data)
    with torch.no_grad():
        assert np.abs(ckpt.test_codes - encode(test.images).numpy()).max() <= 1e-6
        z = torch.as_tensor(np.random.default_rng(0).normal(0, 2, (64, 2)), dtype=torch.float32)
        assert np.abs(ae.decode(ckpt.model, z.numpy()) - decode(z)[:, 0].numpy()).max() <= 1e-6
    assert ckpt.source["format"] in {"torch.export .pt2", "TorchScript", "PyTorch state_dict"}


def test_a_larger_latent_space_is_seen_in_its_plane(tmp_path, small_data, trained_dir):
    model = seeded(DenseAE, 3, z_dim=5)
    path = write(tmp_path / "ae5.ts", scripted(model))
    done = import_model(path, dataset="mnist", data_dir=small_data)
    ckpt = ae.load_checkpoint(done.path)
    assert ckpt.config.z_dim == 5
    flat = ae.plane_checkpoint(ckpt)
    point = np.array([[0.3, -0.2]], np.float32)
    lifted = flat.plane.lift(point)
    with torch.no_grad():
        assert np.abs(ae.decode(flat.model, point) - model.decode(torch.from_numpy(lifted)).view(-1, 28, 28).numpy()).max() <= 1e-6
    assert np.abs(flat.test_codes - flat.plane.project(ckpt.test_codes)).max() <= 1e-6


def test_the_explorer_opens_an_imported_program_and_decodes_on_the_server(tmp_path, small_data, monkeypatch):
    from conftest import ROOT, run_script, shown_text
    from ui import catalog
    monkeypatch.setattr(catalog, "TRAINED_DIR", tmp_path / "trained")
    done = import_model(forms(tmp_path)["export-two-files"][2]["source"], decoder=tmp_path / "dec.pt2",
                        dataset="mnist", data_dir=small_data, folder=tmp_path / "trained")
    z1, z2 = (round(float(v), 3) for v in np.median(ae.load_checkpoint(done.path).test_codes, axis=0))
    at = run_script(ROOT / "navigation.py", monkeypatch, state={"lx_checkpoint": done.path.name},
                    query={"z1": str(z1), "z2": str(z2)}, data_dir=small_data)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="ex_checkpoint").value == done.path.name
    shown = " ".join(shown_text(m.value) for m in [*at.markdown, *at.caption])
    import re
    decoded = [tuple(map(float, m)) for m in re.findall(r"decoded at z = \(([-\d.]+), ([-\d.]+)\)", shown)]
    assert decoded == [pytest.approx((z1, z2), abs=1e-3)], shown[-400:]  # the server's decoding of the link's point
    assert "imported from enc.pt2" in shown.replace("\\", "")


# ---------------------------------------------------------------- what is refused


class Boom:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_state_dict_that_would_run_code_is_refused_unopened(tmp_path, small_data, trained_dir):
    marker = tmp_path / "ran"
    path = write(tmp_path / "model.pt", pickle.dumps({"enc.1.weight": Boom(marker)}, protocol=2))
    with pytest.raises(ImportProblem, match="would run code"):
        import_model(path, dataset="mnist", data_dir=small_data, class_path="torch_models:DenseAE")
    torch.save({"weights": Boom(marker)}, tmp_path / "zipped.pt")  # torch.save's zip form, the same
    with pytest.raises(ImportProblem, match="would run code"):
        import_model(tmp_path / "zipped.pt", dataset="mnist", data_dir=small_data, class_path="torch_models:DenseAE")
    assert not marker.exists() and not trained_dir.exists()


def test_an_exported_program_carrying_a_pickle_that_runs_code_is_refused_unopened(tmp_path, small_data, trained_dir):
    marker = tmp_path / "ran"
    good = exported(seeded(ConvEncoder, 4), torch.zeros(2, 1, 28, 28))
    buffer = io.BytesIO(good)
    with zipfile.ZipFile(buffer, "a") as z:
        z.writestr("archive/data/constants/evil", pickle.dumps(Boom(marker), protocol=2))
    path = write(tmp_path / "enc.pt2", buffer.getvalue())
    decoder = write(tmp_path / "dec.pt2", exported(seeded(ConvDecoder, 4), torch.zeros(2, 2)))
    with pytest.raises(ImportProblem, match="would run code"):
        import_model(path, decoder=decoder, dataset="mnist", data_dir=small_data)
    assert not marker.exists() and not trained_dir.exists()


def _bad(tmp_path, kind):
    if kind == "colour":
        enc = scripted(seeded(ConvEncoder, 5, channels=3))
        return dict(source=write(tmp_path / "enc.ts", enc), decoder=write(tmp_path / "dec.ts", scripted(seeded(ConvDecoder, 5))))
    if kind == "32px":
        return dict(source=write(tmp_path / "enc.ts", scripted(seeded(ConvEncoder, 5))),
                    decoder=write(tmp_path / "dec.ts", scripted(seeded(ConvDecoder, 5, size=32))))
    if kind == "encoder-only":
        return dict(source=write(tmp_path / "enc.pt2", exported(seeded(ConvEncoder, 5), torch.zeros(2, 1, 28, 28))))
    if kind == "truncated":
        data = exported(seeded(ConvEncoder, 5), torch.zeros(2, 1, 28, 28))
        return dict(source=write(tmp_path / "enc.pt2", data[: len(data) // 2]))
    if kind == "wrong-shapes":
        torch.save(seeded(DenseAE, 5, hidden=32).state_dict(), tmp_path / "w.pt")
        return dict(source=tmp_path / "w.pt", class_path="torch_models:DenseAE", kwargs='{"hidden": 48}')
    if kind == "no-class":
        torch.save(seeded(DenseAE, 5).state_dict(), tmp_path / "w.pt")
        return dict(source=tmp_path / "w.pt")
    raise AssertionError(kind)


def test_a_checkpoint_of_this_project_is_pointed_to_the_sidebar(tmp_path, small_data, trained_dir):
    from conftest import SHIPPED
    with pytest.raises(ImportProblem, match="already a Latent Explorer checkpoint"):
        import_model(SHIPPED, dataset="mnist", data_dir=small_data)
    assert not trained_dir.exists()


BAD = {"colour": "28x28 greyscale", "32px": "28x28 greyscale image per code", "encoder-only": "give the decoder too",
       "truncated": "damaged or truncated", "wrong-shapes": "size mismatch", "no-class": "--class"}


@pytest.mark.parametrize("kind", BAD, ids=list(BAD))
def test_a_bad_pytorch_file_gets_one_clear_line_and_saves_nothing(tmp_path, small_data, trained_dir, kind):
    with pytest.raises(ImportProblem) as problem:
        import_model(dataset="mnist", data_dir=small_data, **_bad(tmp_path, kind))
    message = str(problem.value)
    assert BAD[kind] in message and "\n" not in message, message
    assert not trained_dir.exists()


def test_the_train_page_opens_an_uploaded_encoder_and_decoder(tmp_path, monkeypatch, mnist_path):
    from conftest import ROOT, run_script
    from ui import catalog
    monkeypatch.setenv("AE_DATA_DIR", str(mnist_path))
    monkeypatch.setattr(catalog, "TRAINED_DIR", tmp_path / "trained")
    vae = seeded(ConvVAE, 6)
    at = run_script(ROOT / "navigation.py", timeout=120, fresh_cache=False)
    at.switch_page("app_pages/7_Train.py").run()
    at.file_uploader(key="tr_own_file").set_value(("encoder.pt2", exported(vae.encoder, torch.zeros(2, 1, 28, 28)), "application/zip"))
    at.file_uploader(key="tr_own_decoder").set_value(("decoder.pt2", exported(vae.decoder, torch.zeros(2, 2)), "application/zip")).run()
    next(b for b in at.button if b.key == "tr_own_go").click().run(timeout=180)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="ex_checkpoint").value == "mnist_vae_encoder.pt"
    ckpt = ae.load_checkpoint(tmp_path / "trained" / "mnist_vae_encoder.pt")
    z = np.random.default_rng(1).normal(0, 1, (16, 2)).astype(np.float32)
    with torch.no_grad():
        assert np.abs(ae.decode(ckpt.model, z) - vae.decoder(torch.from_numpy(z))[:, 0].numpy()).max() <= 1e-6


# ---------------------------------------------------------------- the page runs what it can read


class KerasStyleAE(torch.nn.Module):
    """A user's model the page can read: padding before strided convolutions, batch-norm, tanh, reshape."""

    def __init__(self):
        super().__init__()
        from torch import nn
        self.enc = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(1, 8, 3, 2), nn.BatchNorm2d(8), nn.LeakyReLU(0.2),
                                 nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU(), nn.BatchNorm2d(16), nn.Flatten(), nn.Linear(16 * 7 * 7, 2))
        self.fc = nn.Linear(2, 16 * 7 * 7)
        self.dec = nn.Sequential(nn.ConvTranspose2d(16, 8, 3, 2, 1, output_padding=1), nn.Tanh(),
                                 nn.ConvTranspose2d(8, 1, 3, 2, 1, output_padding=1), nn.Sigmoid())
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)

    def encode(self, x):
        return self.enc(x)

    def decode(self, z):
        return self.dec(self.fc(z).view(-1, 16, 7, 7))


class Programs:
    """A model's encode and decode as the two modules a user exports."""

    def __init__(self, model):
        self.model = model
        self.encoder = type("E", (torch.nn.Module,), {"forward": lambda s, x: model.encode(x)})()
        self.decoder = type("D", (torch.nn.Module,), {"forward": lambda s, z: model.decode(z)})()
        self.encoder.m = self.decoder.m = model


@pytest.mark.parametrize("make", ["dense-state-dict", "conv-export", "conv-torchscript", "keras-padding-export"])
def test_the_page_runs_an_imported_model_whose_layers_it_knows(tmp_path, small_data, trained_dir, chromium, make):
    from ae.export import export_checkpoint, read_web_model, run_layers
    from app_harness import run_web_model
    torch.manual_seed(7)
    if make == "dense-state-dict":
        model = seeded(DenseAE, 8, hidden=40)
        torch.save(model.state_dict(), tmp_path / "w.pt")
        kwargs = dict(source=tmp_path / "w.pt", class_path="torch_models:DenseAE", kwargs='{"hidden": 40}')
    else:
        # A user's model padded as Keras pads (this project's KerasConv2d and KerasConvTranspose2d: a pad
        # before, a crop after), or with torch's symmetric padding and its own batch-norm and tanh.
        model = ae.build_model(ae.AEConfig(padding="keras", use_batch_norm=True, norm_after_activation=True)).eval() \
            if make == "keras-padding-export" else KerasStyleAE().eval()
        programs = Programs(model)
        enc, dec = programs.encoder, programs.decoder
        if make in ("conv-export", "keras-padding-export"):
            kwargs = dict(source=write(tmp_path / "e.pt2", exported(enc, torch.zeros(2, 1, 28, 28))),
                          decoder=write(tmp_path / "d.pt2", exported(dec, torch.zeros(2, 2))))
        else:
            traced = [torch.jit.trace(m, example) for m, example in ((enc, torch.zeros(2, 1, 28, 28)), (dec, torch.zeros(2, 2)))]
            paths = []
            for name, t in zip(("e.ts", "d.ts"), traced):
                torch.jit.save(t, tmp_path / name)
                paths.append(tmp_path / name)
            kwargs = dict(source=paths[0], decoder=paths[1])
    ckpt = ae.load_checkpoint(import_model(dataset="mnist", data_dir=small_data, **kwargs).path)
    data = export_checkpoint(ckpt)
    header, tensors = read_web_model(data)
    z = np.random.default_rng(4).normal(0, 2, (60, 2)).astype(np.float32)
    images = ae.load_images("mnist", "test", data_dir=small_data).images[:30]
    with torch.no_grad():
        decoded = model.decode(torch.from_numpy(z)).reshape(60, 28, 28).numpy()
        codes = model.encode(images).numpy()
    assert np.abs(run_layers(header["decoder"], tensors, z).reshape(60, 28, 28) - decoded).max() <= 1e-5
    in_page, encoded = run_web_model(chromium, data, z, images.numpy())
    assert np.abs(in_page.reshape(60, 28, 28) - decoded).max() <= 1e-4
    assert np.abs(encoded - codes).max() <= 1e-4


def test_a_model_with_layers_the_page_cannot_run_says_which(tmp_path, small_data, trained_dir):
    from ae.export import WebModelError, export_checkpoint
    encode, decode, kwargs = forms(tmp_path)["export-two-files"]  # GELU between its layers
    ckpt = ae.load_checkpoint(import_model(dataset="mnist", data_dir=small_data, **kwargs).path)
    with pytest.raises(WebModelError, match="its layers include gelu"):
        export_checkpoint(ckpt)


def test_publishing_a_model_the_page_cannot_run_says_so_and_the_apps_download_leaves_it_out(tmp_path, small_data, trained_dir, monkeypatch):
    import subprocess
    import sys

    from conftest import ROOT, run_script, shown_text
    from ui import catalog
    _, _, kwargs = forms(tmp_path)["export-two-files"]  # GELU between its layers
    done = import_model(dataset="mnist", data_dir=small_data, **kwargs)
    run = subprocess.run([sys.executable, "-m", "ae", "publish", str(done.path), "--out", str(tmp_path / "site")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "the static page cannot run this model, since its layers include gelu" in run.stderr
    monkeypatch.setattr(catalog, "TRAINED_DIR", trained_dir)
    at = run_script(ROOT / "navigation.py", monkeypatch, data_dir=small_data)
    captions = " ".join(shown_text(c.value) for c in at.caption)
    assert f"Left out, since the page cannot run them in the browser: {done.path.name}" in captions


def test_in_the_browser_the_preview_says_why_it_is_off_and_a_click_is_decoded_by_the_server(tmp_path, small_data, trained_dir, chromium):
    from app_harness import plot_area, running_app, to_data, wait_for_new_caption, caption_point
    _, _, kwargs = forms(tmp_path)["export-two-files"]  # GELU: the page cannot run it
    done = import_model(dataset="mnist", data_dir=small_data, **kwargs)
    env = {"AE_TRAINED_DIR": str(trained_dir), "AE_DATA_DIR": str(small_data)}
    with running_app(env=env, timeout=90) as (url, _):
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/?checkpoint={done.path.name}")
            page.wait_for_selector(".lx-wrap[data-live='off'] .lx-plot[data-ready='1']", timeout=90_000)
            note = page.locator(".lx-live-note").first.text_content()
            assert "Live preview is off" in note and "its layers include gelu" in note
            area = plot_area(page)
            x, y = area["left"] + 0.5 * area["width"], area["top"] + 0.5 * area["height"]
            page.mouse.click(x, y)
            shown = caption_point(wait_for_new_caption(page, None, timeout_ms=60_000))
            assert shown == pytest.approx(to_data(area, x, y), abs=0.01 * (area["x"][1] - area["x"][0]))
        finally:
            page.close()


@pytest.mark.parametrize("which", ["keras-vae", "pytorch-program"])
def test_every_page_works_on_an_imported_model(tmp_path, small_data, trained_dir, monkeypatch, which):
    """The chapter's pages on an imported model: the book's Keras VAE, and a PyTorch program the page
    cannot run (so that every page goes through the server's decoding)."""
    from conftest import ROOT, run_script
    from keras_book import book_model, save
    from ui import catalog
    if which == "keras-vae":
        source = dict(source=save(book_model(vae=True, batch_norm=True, seed=11)[0], tmp_path, "keras"))
    else:
        source = forms(tmp_path)["export-two-files"][2]
    done = import_model(dataset="mnist", data_dir=small_data, **source)
    monkeypatch.setattr(catalog, "TRAINED_DIR", trained_dir)
    pages = sorted((ROOT / "app_pages").glob("*.py"))
    for page in pages:
        state = {"lx_checkpoint": done.path.name}
        if page.stem == "6_Compare":
            state = {"cmp_left": "mnist_ae_z2.pt", "cmp_right": done.path.name}
        at = run_script(page, monkeypatch, state=state, data_dir=small_data, timeout=180)
        assert not at.exception, (page.stem, at.exception)
        assert not at.error, (page.stem, [e.value for e in at.error])
        pickers = [s for s in at.selectbox if s.label in ("Checkpoint", "Right model")]
        if page.stem != "7_Train":
            assert pickers and pickers[0].value == done.path.name, page.stem
