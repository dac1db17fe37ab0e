"""The book's Keras models (GDL_code models/AE.py and models/VAE.py, 1st edition), built in Keras 3 on
its torch backend: the oracle for `ae.keras_file`. Tests only; Keras is a test dependency."""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402


def book_model(*, z_dim: int = 2, vae: bool = False, batch_norm: bool = False, dropout: bool = False,
               image_size: int = 28, channels: int = 1, seed: int = 0, generated_names: bool = False):
    """(model, encoder, decoder) as the book builds them, with random weights (and random batch-norm
    statistics, so that folding them is tested). `generated_names`: leave the layers unnamed, as a
    user's own copy may."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    name = (lambda n: None) if generated_names else (lambda n: n)
    inp = keras.Input((image_size, image_size, channels), name=name("encoder_input"))
    x = inp
    for i, (f, s) in enumerate(zip((32, 64, 64, 64), (1, 2, 2, 1))):
        x = layers.Conv2D(f, 3, strides=s, padding="same", name=name(f"encoder_conv_{i}"))(x)
        x = layers.LeakyReLU(negative_slope=0.3)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        if dropout:
            x = layers.Dropout(0.25)(x)
    shape = tuple(x.shape[1:])
    x = layers.Flatten()(x)
    if vae:
        mu = layers.Dense(z_dim, name=name("mu"))(x)
        log_var = layers.Dense(z_dim, name=name("log_var"))(x)
        encoder = keras.Model(inp, [mu, log_var], name=name("encoder"))
    else:
        encoder = keras.Model(inp, layers.Dense(z_dim, name=name("encoder_output"))(x), name=name("encoder"))
    dinp = keras.Input((z_dim,), name=name("decoder_input"))
    x = layers.Reshape(shape)(layers.Dense(int(np.prod(shape)))(dinp))
    for i, (f, s) in enumerate(zip((64, 64, 32, channels), (1, 2, 2, 1))):
        x = layers.Conv2DTranspose(f, 3, strides=s, padding="same", name=name(f"decoder_conv_t_{i}"))(x)
        if i < 3:
            x = layers.LeakyReLU(negative_slope=0.3)(x)
            if batch_norm:
                x = layers.BatchNormalization()(x)
            if dropout:
                x = layers.Dropout(0.25)(x)
        else:
            x = layers.Activation("sigmoid")(x)
    decoder = keras.Model(dinp, x, name=name("decoder"))
    code = encoder(inp)
    model = keras.Model(inp, decoder(code[0] if vae else code), name=name("autoencoder"))
    rng = np.random.default_rng(seed)
    for layer in model.layers[1:]:
        for sub in getattr(layer, "layers", [layer]):
            if isinstance(sub, layers.BatchNormalization):
                g, b, m, v = sub.get_weights()
                sub.set_weights([rng.uniform(0.5, 1.5, g.shape), rng.normal(0, 0.2, b.shape),
                                 rng.normal(0, 0.2, m.shape), rng.uniform(0.5, 2.0, v.shape)])
    return model, encoder, decoder


def save(model, folder, form: str):
    """Save `model` as the book's readers have it: "keras2" (Keras 2's save_weights .h5 layout, as
    the book's ModelCheckpoint writes it), "keras2-tf" (the same with TensorFlow's variable names,
    `kernel:0`, as Keras 2 on TensorFlow writes them), "keras2-model" (a whole model saved to .h5 by
    Keras 2), "weights" (Keras 3 .weights.h5) or "keras" (.keras)."""
    from pathlib import Path

    folder = Path(folder)
    if form in ("keras2", "keras2-tf"):
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        path = folder / "weights.h5"
        with h5py.File(path, "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
            if form == "keras2-tf":
                for group in (f[name] for name in f.attrs["layer_names"]):
                    names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs["weight_names"]]
                    for name in names:
                        group.move(name, name + ":0")
                    group.attrs["weight_names"] = [(n + ":0").encode() for n in names]
        return path
    if form == "keras2-model":
        from keras.src.legacy.saving import legacy_h5_format

        path = folder / "model.h5"
        legacy_h5_format.save_model_to_hdf5(model, str(path))
        return path
    if form == "weights":
        path = folder / "model.weights.h5"
        model.save_weights(path)
        return path
    path = folder / "model.keras"
    model.save(path)
    return path
