// The autoencoder in the page: reads the web model file written by `ae.export` and runs its encoder
// and decoder in plain JavaScript (no library), plus the gap measure over the training codes.
//
// Everything lives inside `webModelModule` so that the same source runs on the page's main thread
// (a click decodes synchronously, in the frame it happens) and in a Web Worker (hover decodes off
// the main thread, so Plotly's own hover stays smooth): the worker is built from this function's text.
export function webModelModule() {
  "use strict";

  function parse(buffer) {
    const bytes = new Uint8Array(buffer);
    if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(0, 4)) !== "LXWM")
      throw new Error("not a Latent Explorer web model");
    const length = new DataView(buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    if (header.format !== "latent-explorer-web-model" || header.version !== 1)
      throw new Error("unknown web model format");
    const base = 8 + length;
    const tensor = (name) => {
      const spec = header.tensors[name];
      if (!spec) throw new Error(`web model lacks tensor ${name}`);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      return spec.dtype === "uint8" ? new Uint8Array(buffer, base + spec.offset, count)
                                    : new Float32Array(buffer, base + spec.offset, count);
    };
    return { header, tensor };
  }

  // Feature maps are stored height x width x channels, so the innermost loops run over contiguous
  // output channels. Convolution weights are rearranged once, at load, to [ky][kx][in][out].
  function prepareConv(layer, tensor, shape) {
    const [C, H, W] = shape, w = tensor(layer.weight), k = layer.kernel, s = layer.stride, p = layer.padding;
    const transposed = layer.kind === "conv_transpose";
    const Co = tensor(layer.bias).length;
    const Wr = new Float32Array(k * k * C * Co);
    for (let ci = 0; ci < C; ci++)
      for (let co = 0; co < Co; co++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            // torch: Conv2d [out][in][ky][kx], ConvTranspose2d [in][out][ky][kx]
            const src = transposed ? ((ci * Co + co) * k + ky) * k + kx : ((co * C + ci) * k + ky) * k + kx;
            Wr[((ky * k + kx) * C + ci) * Co + co] = w[src];
          }
    // `padding` is the top/left padding (or crop); output_size covers the bottom/right of either
    // convention (ae.model.PADDINGS). Files written before output_size existed are torch's.
    const torchSide = (n) => (transposed ? (n - 1) * s - 2 * p + k + layer.output_padding : Math.floor((n + 2 * p - k) / s) + 1);
    const Ho = layer.output_size || torchSide(H), Wo = layer.output_size || torchSide(W);
    return { kind: "conv", transposed, Wr, b: Float32Array.from(tensor(layer.bias)), k, s, p, C, H, W, Co, Ho, Wo,
             act: layer.activation, slope: layer.slope || 0, out: [Co, Ho, Wo], post: preparePost(layer, tensor) };
  }

  // A batch-norm after the activation (the book's Keras order): a scale and shift per channel.
  function preparePost(layer, tensor) {
    return layer.post ? { scale: Float32Array.from(tensor(layer.post.scale)), shift: Float32Array.from(tensor(layer.post.shift)) } : null;
  }

  // Channels are innermost (height x width x channels), so channel = index % channels.
  function applyPost(out, post) {
    if (!post) return out;
    const n = post.scale.length;
    for (let i = 0; i < out.length; i++) out[i] = out[i] * post.scale[i % n] + post.shift[i % n];
    return out;
  }

  function prepareLinear(layer, tensor, shape) {
    const w = tensor(layer.weight), b = tensor(layer.bias);
    const nOut = b.length, nIn = w.length / nOut;
    // Rows (reshape to C,H,W) or columns (flatten from C,H,W) are permuted so the layer reads and
    // writes the page's height x width x channels order.
    const rowOf = new Int32Array(nOut).map((_, i) => i), colOf = new Int32Array(nIn).map((_, i) => i);
    if (layer.reshape) {
      const [C, H, Wd] = layer.reshape;
      for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < Wd; x++)
        rowOf[(y * Wd + x) * C + c] = (c * H + y) * Wd + x;
    }
    if (layer.flatten) {
      const [C, H, Wd] = shape;
      for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < Wd; x++)
        colOf[(y * Wd + x) * C + c] = (c * H + y) * Wd + x;
    }
    const Wr = new Float32Array(nOut * nIn), br = new Float32Array(nOut);
    for (let o = 0; o < nOut; o++) {
      br[o] = b[rowOf[o]];
      for (let i = 0; i < nIn; i++) Wr[o * nIn + i] = w[rowOf[o] * nIn + colOf[i]];
    }
    return { kind: "linear", Wr, b: br, nIn, nOut, act: layer.activation, slope: layer.slope || 0,
             out: layer.reshape ? layer.reshape.slice() : [nOut, 1, 1], post: preparePost(layer, tensor) };
  }

  function activate(a, L) {
    if (L.act === "leaky_relu") return a > 0 ? a : a * L.slope;
    if (L.act === "sigmoid") return 1 / (1 + Math.exp(-a));
    if (L.act === "tanh") return Math.tanh(a);
    return a;
  }

  function runLinear(L, x) {
    const out = new Float32Array(L.nOut), Wr = L.Wr, n = L.nIn;
    for (let o = 0; o < L.nOut; o++) {
      let a = L.b[o];
      const base = o * n;
      for (let i = 0; i < n; i++) a += Wr[base + i] * x[i];
      out[o] = activate(a, L);
    }
    return out;
  }

  // One convolution (plain or transposed), gathered per output pixel. Eight output channels are
  // summed at once in local variables: the JIT keeps them in registers, about 4x faster than
  // one channel per loop.
  // For output row (or column) `o`: the input row each kernel tap reads, or -1 where it reads
  // padding (or, transposed, falls between the strided input samples).
  function taps(into, o, k, s, p, n, transposed) {
    for (let t = 0; t < k; t++) {
      let i;
      if (transposed) { const u = o + p - t; i = u >= 0 && u % s === 0 ? u / s : -1; }
      else i = o * s - p + t;
      into[t] = i >= 0 && i < n ? i : -1;
    }
  }

  function runConv(L, x) {
    const { Wr, b, k, s, p, C, H, W, Co, Ho, Wo, transposed } = L;
    const out = new Float32Array(Ho * Wo * Co);
    const rows = new Int32Array(k), cols = new Int32Array(k);
    for (let oy = 0; oy < Ho; oy++) {
      taps(rows, oy, k, s, p, H, transposed);
      for (let ox = 0; ox < Wo; ox++) {
        taps(cols, ox, k, s, p, W, transposed);
        const o = (oy * Wo + ox) * Co;
        let co0 = 0;
        for (; co0 + 8 <= Co; co0 += 8) {
          let a0 = b[co0], a1 = b[co0 + 1], a2 = b[co0 + 2], a3 = b[co0 + 3],
              a4 = b[co0 + 4], a5 = b[co0 + 5], a6 = b[co0 + 6], a7 = b[co0 + 7];
          for (let ky = 0; ky < k; ky++) {
            const iy = rows[ky];
            if (iy < 0) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = cols[kx];
              if (ix < 0) continue;
              const ib = (iy * W + ix) * C;
              let wb = (ky * k + kx) * C * Co + co0;
              for (let ci = 0; ci < C; ci++, wb += Co) {
                const v = x[ib + ci];
                if (v === 0) continue;
                a0 += v * Wr[wb]; a1 += v * Wr[wb + 1]; a2 += v * Wr[wb + 2]; a3 += v * Wr[wb + 3];
                a4 += v * Wr[wb + 4]; a5 += v * Wr[wb + 5]; a6 += v * Wr[wb + 6]; a7 += v * Wr[wb + 7];
              }
            }
          }
          out[o + co0] = activate(a0, L); out[o + co0 + 1] = activate(a1, L);
          out[o + co0 + 2] = activate(a2, L); out[o + co0 + 3] = activate(a3, L);
          out[o + co0 + 4] = activate(a4, L); out[o + co0 + 5] = activate(a5, L);
          out[o + co0 + 6] = activate(a6, L); out[o + co0 + 7] = activate(a7, L);
        }
        for (let co = co0; co < Co; co++) {  // the rest (the last layer has one channel)
          let a = b[co];
          for (let ky = 0; ky < k; ky++) {
            const iy = rows[ky];
            if (iy < 0) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = cols[kx];
              if (ix < 0) continue;
              const ib = (iy * W + ix) * C, wb = (ky * k + kx) * C * Co + co;
              for (let ci = 0; ci < C; ci++) a += x[ib + ci] * Wr[wb + ci * Co];
            }
          }
          out[o + co] = activate(a, L);
        }
      }
    }
    return out;
  }

  function prepareNet(layers, tensor, shape) {
    const prepared = [];
    for (const layer of layers) {
      if (layer.kind === "linear") prepared.push(prepareLinear(layer, tensor, shape));
      else if (layer.kind === "conv" || layer.kind === "conv_transpose") prepared.push(prepareConv(layer, tensor, shape));
      else throw new Error(`unknown layer kind ${layer.kind}`);
      shape = prepared[prepared.length - 1].out;
    }
    return (x) => prepared.reduce((h, L) => applyPost(L.kind === "linear" ? runLinear(L, h) : runConv(L, h), L.post), x);
  }

  // The sentence for a place: the same rules and words as ae.latent.describe_place.
  function plural(name) { return name.length === 1 ? `${name}s` : `${name} images`; }
  function article(name) { return /^[8AEIOU]/.test(name) ? `an ${name}` : `a ${name}`; }
  function fmt(v) { return v.toFixed(1); }

  function describePlace(place, names) {
    const nameOf = (c) => (c >= 0 && c < names.length ? names[c] : String(c));
    const counts = new Map();
    for (const l of place.neighbourLabels) counts.set(l, (counts.get(l) || 0) + 1);
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const [top, topCount] = ranked[0];
    const share = topCount / place.neighbourLabels.length;
    const others = ranked.slice(1).map(([c]) => c).sort((a, b) => a - b).map(nameOf);
    const nearest = nameOf(place.neighbourLabels[0]);
    const mostAgree = share > 0.5;
    const between = ranked.length > 1 ? `between the ${plural(nameOf(top))} and the ${plural(nameOf(ranked[1][0]))}` : "";
    if (place.gap <= place.inside) {
      if (share >= 0.75 || !others.length) return `Inside the ${plural(nameOf(top))}: training codes lie all around this point.`;
      const n = place.neighbourLabels.length;
      if (mostAgree) {
        const very = nearest !== nameOf(top) ? `; the very nearest is ${article(nearest)}` : "";
        return `Among the ${plural(nameOf(top))} (${topCount} of the ${n} nearest training codes), on a border with ${others.join(", ")}${very}.`;
      }
      if (ranked.length === 2 || ranked[1][1] > ranked[2][1])
        return `${between[0].toUpperCase()}${between.slice(1)}: no class has most of the ${n} nearest training codes.`;
      return `Between classes: ${topCount} of the ${n} nearest training codes are ${plural(nameOf(top))}, the others ${others.join(", ")}.`;
    }
    if (place.gap <= place.edge) {
      const where = mostAgree && nameOf(top) === nearest ? `At the edge of the ${plural(nearest)}` : `At the edge, ${between || `near the ${plural(nearest)}`}`;
      return `${where}, ${fmt(place.gap)} times the usual spacing from the nearest training code (${article(nearest)}).`;
    }
    return `In a gap, ${fmt(place.gap)} times the usual spacing from any training image (the nearest is ` +
           `${article(nearest)}); 99% of training images have a neighbour within ${fmt(place.edge)}. ` +
           `The decoder never saw anything here.`;
  }

  // Round-trip drift in words: the same sentences as ae.quality.where_sent and describe_drift.
  function whereSent(place, names) {
    if (place.gap > place.edge) return "in empty space";
    const counts = {};
    for (const l of place.neighbourLabels) counts[l] = (counts[l] || 0) + 1;
    let top = null;  // the commonest label; ties go to the smallest, as numpy's unique + argmax
    for (const l of Object.keys(counts).map(Number).sort((a, b) => a - b)) if (top === null || counts[l] > counts[top]) top = l;
    const name = top >= 0 && top < names.length ? names[top] : String(top);
    return `${place.gap <= place.inside ? "among" : "near"} the ${plural(name)}`;
  }

  function describeDrift(d, back, scale, near) {
    const there = near ? `, ${near}` : "";
    const at = `(${back[0].toFixed(2)}, ${back[1].toFixed(2)})${there}`;
    if (d <= scale.typical)
      return `The encoder puts this decoding back ${d.toFixed(2)} from where it was drawn, as it does for real ` +
             `images (9 in 10 of their codes come back within ${scale.typical.toFixed(2)}): the image means this place.`;
    if (d <= scale.high)
      return `The encoder puts this decoding ${d.toFixed(2)} away, at ${at}: farther than 9 in 10 real images' ` +
             `codes come back (${scale.typical.toFixed(2)}), so the image only partly means this place.`;
    return `The encoder sends this decoding ${d.toFixed(2)} away, to ${at}: farther than 99% of real images' ` +
           `codes come back (${scale.high.toFixed(2)}). However crisp it looks, the image is not what this place means.`;
  }

  class WebModel {
    constructor(buffer) {
      const { header, tensor } = parse(buffer);
      this.header = header;
      this.zDim = header.z_dim;
      this.size = header.image_size;
      this.names = (header.meta && header.meta.classes) || [];
      this.decodeNet = prepareNet(header.decoder, tensor, [header.z_dim, 1, 1]);
      this.encodeNet = prepareNet(header.encoder, tensor, [header.image_channels, header.image_size, header.image_size]);
      if (header.gap && header.tensors.codes) {
        this.codes = tensor("codes");
        this.labels = tensor("labels");
        this.gap = header.gap;
      }
      this.drift = header.drift || null;  // {usual, typical, high}: the scale of round-trip drift
    }

    /** Where the encoder sends the decoder's image of z, how far that is, and what it means. */
    roundTrip(z, image) {
      const back = this.encode(image);
      const d = Math.hypot(...back.map((v, i) => v - z[i]));
      const near = this.codes ? whereSent(this.place(back), this.names) : null;
      const s = this.drift;
      return { back, drift: d, near, level: d <= s.typical ? "typical" : d <= s.high ? "raised" : "high",
               sentence: describeDrift(d, back, s, near) };
    }

    /** z (array of z_dim numbers) -> Float32Array of size*size pixels in [0, 1], row by row. */
    decode(z) { return this.decodeNet(Float32Array.from(z)); }

    /** size*size pixels in [0, 1], row by row -> the code (the mean for a VAE), as plain numbers. */
    encode(pixels) { return Array.from(this.encodeNet(Float32Array.from(pixels))); }

    /** The k nearest training codes and the gap measure of a 2-D point: what ae.LatentIndex.place says. */
    place(z, k = 8) {
      if (!this.codes) return null;
      const codes = this.codes, n = codes.length / 2, x = z[0], y = z[1];
      const best = new Float64Array(k).fill(Infinity), index = new Int32Array(k).fill(-1);
      for (let i = 0; i < n; i++) {
        const dx = codes[2 * i] - x, dy = codes[2 * i + 1] - y, d = dx * dx + dy * dy;
        if (d >= best[k - 1]) continue;
        let j = k - 1;
        for (; j > 0 && best[j - 1] > d; j--) { best[j] = best[j - 1]; index[j] = index[j - 1]; }
        best[j] = d; index[j] = i;
      }
      const distance = Math.sqrt(best[0]);
      const neighbourLabels = Array.from(index, (i) => this.labels[i]);
      const place = { gap: distance / this.gap.spacing, distance, inside: this.gap.inside, edge: this.gap.edge,
                      neighbours: Array.from(index), neighbourLabels };
      place.sentence = describePlace(place, this.names);
      return place;
    }
  }

  // A request from a page: {z} decodes that point; {pixels} encodes an image first (its code is z).
  // A point's result also says where its decoding's round trip lands (not for drawings: their code
  // came from an image already).
  function runRequest(model, request) {
    const z = request.pixels ? model.encode(request.pixels) : Array.from(request.z);
    const image = model.decode(z);
    const result = { z, image, place: model.place(z) };
    if (!request.pixels && !request.fromImage && request.roundTrip !== false && model.drift) result.roundTrip = model.roundTrip(z, image);
    return result;
  }

  // How far a round trip's drift is, in the words beside the live preview.
  const DRIFT_LEVEL_WORDS = { typical: "like real images", raised: "more than most real images",
                              high: "more than 99% of real images" };

  return { parse, WebModel, describePlace, describeDrift, whereSent, runRequest, DRIFT_LEVEL_WORDS };
}

// The worker's side: one model per worker; answers each request it is sent (the page sends only
// the latest).
export function webModelWorker(M) {
  let model = null;
  self.onmessage = (event) => {
    const m = event.data;
    try {
      if (m.type === "load") {
        model = new M.WebModel(m.buffer);
        self.postMessage({ type: "ready" });
      } else if (m.type === "run") {
        const t0 = performance.now();
        if (m.request.pixels) {  // the code first: the page can move the point before the image is ready
          const z = model.encode(m.request.pixels);
          self.postMessage({ type: "encoded", id: m.id, z, place: model.place(z) });
          m.request = { z, fromImage: true };
        }
        const result = M.runRequest(model, m.request);
        self.postMessage({ type: "done", id: m.id, ...result, ms: performance.now() - t0 }, [result.image.buffer]);
      }
    } catch (err) {
      self.postMessage({ type: "error", id: m.id, message: String(err && err.message || err) });
    }
  };
}
