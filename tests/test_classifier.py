import numpy as np
import pytest
import torch

from ae import CheckpointForeign, CheckpointNotFound, load_images
from ae.classifier import Classifier, load_classifier, predict, save_classifier
from conftest import ROOT

SHIPPED_JUDGE = ROOT / "checkpoints" / "mnist_classifier.pt"


def test_shapes_and_confidences_are_probabilities():
    model = Classifier().eval()
    classes, confidence = predict(model, np.random.default_rng(0).random((5, 28, 28)))
    assert classes.shape == (5,) and confidence.shape == (5,)
    assert ((confidence >= 0.1) & (confidence <= 1)).all()  # the top of 10 probabilities is at least 0.1
    single, _ = predict(model, np.zeros((28, 28)))
    assert single.shape == (1,)


def test_round_trip_and_foreign_files(tmp_path):
    torch.manual_seed(0)
    model = Classifier().eval()
    save_classifier(tmp_path / "c.pt", model, "mnist", 0.5)
    judge = load_classifier(tmp_path / "c.pt")
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(model(x), judge.model(x))
    assert judge.test_accuracy == 0.5
    torch.save(model.state_dict(), tmp_path / "raw.pt")
    with pytest.raises(CheckpointForeign):
        load_classifier(tmp_path / "raw.pt")
    with pytest.raises(CheckpointNotFound):
        load_classifier(tmp_path / "none.pt")


@pytest.mark.parametrize("dataset, floor", [("mnist", 0.99), ("fashion", 0.90)])
def test_the_shipped_classifiers_read_the_real_test_sets(dataset, floor, request):
    judge = load_classifier(SHIPPED_JUDGE.with_name(f"{dataset}_classifier.pt"))
    assert judge.dataset == dataset
    test = load_images(dataset, "test", data_dir=request.getfixturevalue(f"{dataset}_path"))
    predicted, confidence = predict(judge.model, test.images)
    accuracy = float((predicted == test.labels.numpy()).mean())
    assert accuracy >= floor and accuracy == pytest.approx(judge.test_accuracy, abs=1e-4)
    assert np.median(confidence) > 0.9


def test_features_are_what_the_class_layer_reads():
    import numpy as np
    import torch
    from ae.classifier import Classifier, features

    torch.manual_seed(0)
    model = Classifier().eval()
    images = torch.rand(5, 28, 28)
    f = features(model, images.numpy())
    assert f.shape == (5, 128) and (f >= 0).all()
    with torch.no_grad():
        logits = model(images[:, None]).numpy()
    last = model.net[-1]
    assert np.allclose(f @ last.weight.detach().numpy().T + last.bias.detach().numpy(), logits, atol=1e-5)


def test_the_shared_loop_trains_the_classifier_as_its_own_recipe_does():
    # Oracle: the classifier's recipe written out by hand (shuffle, shift the batch by up to 2 px,
    # cross-entropy, Adam, one-cycle). ae.train.train_epoch with labels must give the same weights.
    from ae.train import make_scheduler, train_epoch
    rng = np.random.default_rng(0)
    images = torch.from_numpy(rng.random((96, 1, 28, 28), dtype=np.float32))
    labels = torch.from_numpy(rng.integers(0, 10, 96))

    def fresh():
        torch.manual_seed(3)
        model = Classifier()
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        return model, optimizer, make_scheduler(optimizer, "onecycle", 3e-3, 3)

    model, optimizer, scheduler = fresh()
    train_epoch(model, images, optimizer, torch.device("cpu"), batch_size=32, labels=labels,
                generator=torch.Generator().manual_seed(5), scheduler=scheduler)
    oracle, optimizer, scheduler = fresh()
    oracle.train()
    order = torch.randperm(96, generator=torch.Generator().manual_seed(5))
    for i in range(0, 96, 32):
        idx = order[i:i + 32]
        dx, dy = (int(v) for v in torch.randint(-2, 3, (2,)))
        loss = torch.nn.functional.cross_entropy(oracle(torch.roll(images[idx], shifts=(dy, dx), dims=(2, 3))), labels[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
    mine, theirs = model.state_dict(), oracle.state_dict()
    assert all(torch.equal(mine[k], theirs[k]) for k in theirs)
    assert not torch.equal(mine["net.0.weight"], fresh()[0].state_dict()["net.0.weight"])  # it did train
