"""Measurements kept on disk per version of a checkpoint's file (ui.measured): a new server process
reads them instead of measuring again, gets the same numbers, and never reads another version's."""
import json
import math
import shutil

import numpy as np
import pytest

import ae
from ae.limits import ModelLimits, SamplerLimits
from ae.quality import RoundTrip
from conftest import SHIPPED
from ui import backdrops, measured


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(measured, "STORE", tmp_path / "measured")
    monkeypatch.setattr(measured, "SHIPPED_STORE", tmp_path / "shipped")
    return tmp_path / "measured"


def new_view(path):
    """A view of the file as a freshly started server process makes it (nothing measured in memory)."""
    from ui.view import ModelView
    return ModelView(ae.plane_checkpoint(ae.load_checkpoint(path)), 0.0)


def test_a_round_trip_rebuilt_from_its_stored_scale_is_the_same_scale():
    ckpt = ae.load_checkpoint(SHIPPED)
    measured_now = RoundTrip(ckpt.model, ckpt.test_codes)
    rebuilt = RoundTrip.from_test_drift(ckpt.model, json.loads(json.dumps(measured.ARRAY.save(measured_now.test_drift))))
    assert (rebuilt.usual, rebuilt.typical, rebuilt.high) == (measured_now.usual, measured_now.typical, measured_now.high)
    assert np.allclose(rebuilt.drift([[0.5, -1.0]]).drift, measured_now.drift([[0.5, -1.0]]).drift)
    for bad in ([], [1.0, float("nan")], [-1.0, 2.0]):
        with pytest.raises(ValueError):
            RoundTrip.from_test_drift(ckpt.model, bad)


def test_the_three_limits_survive_json_with_infinities_and_missing_values():
    sampler = SamplerLimits(gaps=0.49, area_ratio=float("inf"), area_spread=0.5, drift_high=0.4, drift_ratio=3.0,
                            confidence=float("nan"))
    limits = ModelLimits(box=sampler, prior=sampler, test_mse=0.038)
    codec = measured.dataclass_codec(ModelLimits)
    back = codec.load(json.loads(json.dumps(codec.save(limits))))
    assert back.box.gaps == 0.49 and math.isinf(back.prior.area_ratio) and math.isnan(back.box.confidence)
    assert back.test_mse == 0.038
    with pytest.raises(KeyError):
        codec.load({"box": {}, "prior": {}, "test_mse": 1})


def test_kept_per_version_older_versions_go_and_other_models_stay(store, tmp_path):
    path = tmp_path / "mnist_ae_z2.pt"
    measured.write(path, "a" * 16, "round_trip", [1.0])
    measured.write(path, "a" * 16, "shares-box", [0.5])
    assert measured.read(path, "a" * 16)["round_trip"] == [1.0] and measured.read(path, "a" * 16)["shares-box"] == [0.5]
    measured.write(tmp_path / "mnist_ae_z2_2k.pt", "c" * 16, "round_trip", [3.0])  # a name the first one begins
    measured.write(path, "b" * 16, "round_trip", [2.0])  # a new version of the file
    assert measured.read(path, "a" * 16) == {}
    assert sorted(p.name for p in store.iterdir()) == [f"mnist_ae_z2-{'b' * 16}.json", f"mnist_ae_z2_2k-{'c' * 16}.json"]


def test_a_damaged_or_older_store_is_measured_again(store, tmp_path):
    path = tmp_path / "m.pt"
    store.mkdir()
    measured.store_path(path, "d" * 16).write_text("{not json")
    assert measured.read(path, "d" * 16) == {}
    measured.store_path(path, "d" * 16).write_text(json.dumps({"recipe": measured.RECIPE - 1, "round_trip": [1]}))
    assert measured.read(path, "d" * 16) == {}
    for bad in ({"x": [0, 1], "y": [0]}, {"x": [0, 1], "y": [0], "z": [[1]]}, {"x": [0], "y": [0], "z": [2]}, [1]):
        with pytest.raises(ValueError):
            measured.MAP.load(bad)
    assert measured.MAP.load({"x": [0, 1], "y": [0], "z": [[1, 2]], "zmax": 2})["zmax"] == 2


def test_a_new_process_reads_what_the_last_one_measured(store, tmp_path):
    path = shutil.copy(SHIPPED, tmp_path / "mnist_ae_z2.pt")
    first = new_view(path)
    trip, shares = first.round_trip, first.class_shares("box")
    drift = backdrops.shading_map(first, "drift")
    second = new_view(path)
    second.once = lambda key, make: make()  # nothing in memory: only the store can answer
    # Measuring again would call the model; it must not be needed.
    second.ckpt.model.forward = second.ckpt.model.decode = second.ckpt.model.encode = None
    assert second.round_trip.high == trip.high and np.array_equal(second.class_shares("box"), shares)
    assert backdrops.shading_map(second, "drift") == drift

    # The file changes (retrained, replaced by another model of the name): measured again, not read.
    shutil.copy(SHIPPED.parent / "mnist_vae_z2.pt", path)
    third = new_view(path)
    assert third.digest != first.digest and third.stored() == {}
    assert third.round_trip.usual != trip.usual


def test_the_comparison_measures_each_model_once_for_every_process(store, monkeypatch, tmp_path):
    from ui import comparison

    path = shutil.copy(SHIPPED, tmp_path / "mnist_ae_z2.pt")
    monkeypatch.setattr("ui.catalog.classifier_path", lambda dataset: SHIPPED.parent / f"{dataset}_classifier.pt")
    first = comparison.limits_for(new_view(path), k=50)[0]

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured again")
    monkeypatch.setattr(comparison, "measure_limits", no_measuring)
    again = comparison.limits_for(new_view(path), k=50)[0]
    assert again == first
    with pytest.raises(AssertionError, match="measured again"):  # another k is another measurement
        comparison.limits_for(new_view(path), k=60)


def test_the_shipped_checkpoints_ship_their_current_measurements():
    """checkpoints/measured/ holds one file per shipped checkpoint, of the file as it is now (after a
    checkpoint changes, `python -m ui.measured` makes them again), each with every kept measurement."""
    from ui import catalog

    shipped = {p.stem: p for p in catalog.CHECKPOINT_DIR.glob("*.pt") if not p.stem.endswith("_classifier")}
    expected = {measured.store_path(p, measured.content_hash(p)).name for p in shipped.values()}
    assert {p.name for p in measured.SHIPPED_STORE.glob("*")} == expected
    for stem, path in shipped.items():
        judge = measured.version_of(catalog.classifier_path(stem.split("_")[0]))
        kept = measured.read(path, measured.content_hash(path))
        assert {"round_trip", "shares-box", "shares-prior", f"limits-1000-0-{judge}",
                f"test_confidences-{judge}", "map-drift", "map-sensitivity"} <= set(kept), stem
        for kind in ("drift", "sensitivity"):
            measured.MAP.load(kept[f"map-{kind}"])
        measured.dataclass_codec(ModelLimits).load(kept[f"limits-1000-0-{judge}"])
    # And they are what measuring now gives.
    ckpt = ae.plane_checkpoint(ae.load_checkpoint(SHIPPED))
    now = RoundTrip(ckpt.model, ckpt.test_codes)
    kept = measured.read(SHIPPED, measured.content_hash(SHIPPED))
    assert np.allclose(kept["round_trip"], now.test_drift, atol=1e-6)
    from ae import maps
    from ae.boxes import Boxes
    box = Boxes.of(ckpt.test_codes).plot
    for kind, measure_now, digits in (("drift", lambda: maps.drift_map(now, *box), 2),
                                      ("sensitivity", lambda: maps.sensitivity_map(ckpt.model, *box), 4)):
        fresh, stored = measure_now(), kept[f"map-{kind}"]
        assert stored["x"] == fresh["x"] and stored["y"] == fresh["y"] and stored["zmax"] == pytest.approx(fresh["zmax"])
        assert np.allclose(stored["z"], fresh["z"], atol=1.01 * 10 ** -digits), kind


def test_a_map_beside_a_checkpoint_is_read_only_for_its_own_version(tmp_path):
    from ae import kept
    assert kept.map_beside(SHIPPED, "drift") == measured.read(SHIPPED, measured.content_hash(SHIPPED))["map-drift"]
    copy = shutil.copy(SHIPPED, tmp_path / SHIPPED.name)
    assert kept.map_beside(copy, "drift") is None  # no measured/ beside it
    (tmp_path / kept.BESIDE).mkdir()
    record = json.loads((SHIPPED.parent / kept.BESIDE / kept.file_name(SHIPPED, measured.content_hash(SHIPPED))).read_text())
    beside = tmp_path / kept.BESIDE / kept.file_name(copy, measured.content_hash(copy))
    beside.write_text(json.dumps(record))
    assert kept.map_beside(copy, "sensitivity") == record["map-sensitivity"]
    beside.write_text(json.dumps({**record, "map-drift": {"x": [1], "y": [1], "z": [[1, 2]]}}))
    assert kept.map_beside(copy, "drift") is None  # damaged: measured again
    with open(copy, "ab") as f:
        f.write(b"another version")
    assert kept.map_beside(copy, "sensitivity") is None
