// Section 7: the MNIST network of `npm start`, trained in the page on 2,000 digits with a live loss plot, and a
// drawing pad whose digit is prepared as MNIST's were (cropped, scaled to 20 × 20, centred by mass in 28 × 28).
import { data, Generator, manualSeed, nn, noGrad, optim, tensor, type Tensor } from '../../src/index.js';
import { moveTensors, openWebgpu, probeWebgpu, type PageDevice } from './device.js';
import { lineChart, onWidthChange } from './plot.js';

const PIXELS = 784;
const EPOCHS = 5;
const BATCH = 64;
const LR = 2e-3;

interface Digits {
  readonly trainX: Tensor;
  readonly trainY: Tensor;
  readonly testX: Tensor;
  readonly testY: Tensor;
  /** Raw test pixels (0–255) and labels, to draw a test digit on the pad. */
  readonly testPixels: Uint8Array;
  readonly testLabels: Uint8Array;
}

/** Fetch and unpack site/public/data/mnist-subset.bin (format: see site/scripts/make-mnist-subset.ts). */
async function loadDigits(): Promise<Digits> {
  const response = await fetch(new URL('data/mnist-subset.bin', document.baseURI));
  if (!response.ok) throw new Error(`could not load the digits (${response.status} ${response.statusText})`);
  let buf = new Uint8Array(await response.arrayBuffer());
  // Gzip-compressed as committed; a server may already have undone that (Content-Encoding), hence the check.
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    const stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream('gzip'));
    buf = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (String.fromCharCode(...buf.subarray(0, 4)) !== 'ADMN' || view.getUint32(12, true) !== PIXELS) {
    throw new Error('the digits file is not in the expected format');
  }
  const nTrain = view.getUint32(4, true), nTest = view.getUint32(8, true), n = nTrain + nTest;
  const labels = buf.subarray(16, 16 + n);
  const pixels = buf.subarray(16 + n, 16 + n + n * PIXELS);
  const images = new Float32Array(n * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = pixels[i]! / 255;
  const y = Int32Array.from(labels);
  return {
    trainX: tensor(images.subarray(0, nTrain * PIXELS), { shape: [nTrain, PIXELS] }),
    trainY: tensor(y.subarray(0, nTrain), { shape: [nTrain], dtype: 'int32' }),
    testX: tensor(images.subarray(nTrain * PIXELS), { shape: [nTest, PIXELS] }),
    testY: tensor(y.subarray(nTrain), { shape: [nTest], dtype: 'int32' }),
    testPixels: pixels.slice(nTrain * PIXELS),
    testLabels: labels.slice(nTrain),
  };
}

function buildModel(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(PIXELS, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

/**
 * Prepare a drawing as MNIST prepared its digits: ink in [0, 1], cropped to its bounding box, scaled (keeping its
 * aspect ratio) so the longer side is 20 pixels, placed in 28 × 28 and shifted so its centre of mass is the centre.
 * Returns null for an empty drawing.
 *
 * @example
 * ```ts
 * const pixels = toMnist(ink, 280, 280); // Float32Array(784) or null
 * ```
 */
export function toMnist(ink: Float32Array, width: number, height: number): Float32Array | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  // Summed-area table, so each target pixel is the mean of the source rectangle it covers (a box filter).
  const W = width + 1;
  const sat = new Float64Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    let rowSum = 0;
    for (let x = 0; x < width; x++) {
      rowSum += ink[y * width + x]!;
      sat[(y + 1) * W + x + 1] = sat[y * W + x + 1]! + rowSum;
    }
  }
  const area = (ax: number, ay: number, bx: number, by: number): number =>
    sat[by * W + bx]! - sat[ay * W + bx]! - sat[by * W + ax]! + sat[ay * W + ax]!;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = bw * scale, th = bh * scale;
  const ox = (28 - tw) / 2, oy = (28 - th) / 2;
  const boxed = new Float32Array(PIXELS);
  for (let ty = 0; ty < 28; ty++) {
    for (let tx = 0; tx < 28; tx++) {
      const sx0 = x0 + (tx - ox) / scale, sx1 = x0 + (tx + 1 - ox) / scale;
      const sy0 = y0 + (ty - oy) / scale, sy1 = y0 + (ty + 1 - oy) / scale;
      const ax = Math.max(x0, Math.floor(sx0)), bx = Math.min(x1 + 1, Math.max(ax + 1, Math.round(sx1)));
      const ay = Math.max(y0, Math.floor(sy0)), by = Math.min(y1 + 1, Math.max(ay + 1, Math.round(sy1)));
      if (bx <= ax || by <= ay || sx1 <= x0 || sy1 <= y0 || sx0 > x1 + 1 || sy0 > y1 + 1) continue;
      boxed[ty * 28 + tx] = Math.min(1, area(ax, ay, bx, by) / ((bx - ax) * (by - ay)));
    }
  }
  let mass = 0, mx = 0, my = 0;
  for (let i = 0; i < PIXELS; i++) {
    const v = boxed[i]!;
    mass += v;
    mx += v * (i % 28);
    my += v * Math.floor(i / 28);
  }
  if (mass === 0) return null;
  const dx = Math.round(13.5 - mx / mass), dy = Math.round(13.5 - my / mass);
  const out = new Float32Array(PIXELS);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = boxed[sy * 28 + sx]!;
    }
  }
  return out;
}

export function setupMnist(): void {
  const figure = document.querySelector<HTMLElement>('#mnist-figure')!;
  const trainButton = document.querySelector<HTMLButtonElement>('#train-button')!;
  const stepButton = document.querySelector<HTMLButtonElement>('#train-step')!;
  const resetButton = document.querySelector<HTMLButtonElement>('#train-reset')!;
  const status = document.querySelector<HTMLElement>('#train-status')!;
  const cpuRadio = document.querySelector<HTMLInputElement>('#device-cpu')!;
  const gpuRadio = document.querySelector<HTMLInputElement>('#device-webgpu')!;
  const deviceNote = document.querySelector<HTMLElement>('#device-note')!;
  const plot = document.querySelector<HTMLElement>('#loss-plot')!;
  const pad = document.querySelector<HTMLCanvasElement>('#draw-canvas')!;
  const preview = document.querySelector<HTMLCanvasElement>('#draw-preview')!;
  const clearButton = document.querySelector<HTMLButtonElement>('#draw-clear')!;
  const sampleButton = document.querySelector<HTMLButtonElement>('#draw-sample')!;
  const probs = document.querySelector<HTMLOListElement>('#probs')!;
  const prediction = document.querySelector<HTMLElement>('#prediction')!;

  let digits: Digits | null = null;
  let loader: data.DataLoader<readonly [Tensor, Tensor]> | null = null;
  manualSeed(7);
  let model = buildModel();
  let opt = new optim.Adam(model.parameters(), { lr: LR });
  const generator = new Generator(7);
  /** Where the model, the optimizer's state and each batch live; changed only by the switch, between steps. */
  let device: PageDevice = 'cpu';
  /** The test images on the GPU, moved there once. */
  let testXGpu: Tensor | null = null;
  /** The rest of the current epoch's batches (a pause resumes the epoch where it stopped). */
  let batches: Iterator<readonly [Tensor, Tensor]> | null = null;
  let batchInEpoch = 0;
  let losses: number[] = [];
  let accuracies: [number, number][] = [];
  let epoch = 0;
  let targetEpochs = EPOCHS;
  /** A step, a training run or a device move is under way: the other controls wait. */
  let training = false;
  let moving = false;
  let stopRequested = false;
  let webgpuReady = false;
  let sampleLabel: number | null = null;

  const stepsPerEpoch = (): number => loader?.length ?? 32;
  const deviceName = (d: PageDevice): string => (d === 'webgpu' ? 'WebGPU' : 'the CPU');

  const drawPlot = (): void => {
    const total = Math.max(targetEpochs * stepsPerEpoch(), losses.length);
    const ema: [number, number][] = [];
    let avg = losses[0] ?? 0;
    losses.forEach((l, i) => {
      avg = i === 0 ? l : 0.9 * avg + 0.1 * l;
      ema.push([i + 1, avg]);
    });
    const yMax = Math.max(2.5, ...losses.slice(0, 3));
    lineChart(plot, [
      { name: 'batch loss', className: 'raw', points: losses.map((l, i) => [i + 1, l]) },
      { name: 'loss', className: 'loss', points: ema, label: ema.length > 0 },
    ], {
      title: `Training loss over ${losses.length} steps` + (accuracies.length ? `; test accuracy after epoch ${accuracies.length}: ${(accuracies[accuracies.length - 1]![1] * 100).toFixed(1)}%` : ''),
      xLabel: 'training step (batch of 64)', yLabel: 'cross-entropy', xMax: total, yMax,
      xTicks: Array.from({ length: Math.floor(total / stepsPerEpoch()) + 1 }, (_, i) => i * stepsPerEpoch()),
      notes: accuracies.map(([step, acc]) => [step, yMax * 0.92, `${(acc * 100).toFixed(0)}%`, 'acc-note'] as const),
    });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    plot.dataset.steps = String(losses.length);
    plot.dataset.lossFirst = mean(losses.slice(0, 5)).toFixed(4);
    plot.dataset.lossRecent = mean(losses.slice(-5)).toFixed(4);
  };

  /** The share of test digits classified right, read back asynchronously (as a GPU requires). */
  const testAccuracy = async (): Promise<number> => {
    const d = digits!;
    const x = device === 'webgpu' ? (testXGpu ??= d.testX.to('webgpu')) : d.testX;
    const predicted = await noGrad(() => model.forward(x).argmax(1)).dataAsync();
    const truth = d.testY.data();
    let correct = 0;
    for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
    return correct / truth.length;
  };

  const setControls = (): void => {
    const ready = digits !== null && !moving;
    trainButton.textContent = training ? 'Pause' : losses.length === 0 ? `Train ${EPOCHS} epochs` :
      epoch % EPOCHS === 0 && batchInEpoch === 0 ? `Train ${EPOCHS} more epochs` : `Train to epoch ${(Math.floor(epoch / EPOCHS) + 1) * EPOCHS}`;
    trainButton.disabled = !ready;
    stepButton.disabled = !ready || training;
    resetButton.disabled = moving;
    cpuRadio.disabled = training || moving;
    gpuRadio.disabled = training || moving || !webgpuReady;
  };

  /**
   * One optimizer step on the next batch, on the current device; at the end of an epoch, the test accuracy.
   * Returns the batch's size and whether the step ended an epoch.
   */
  const trainStep = async (): Promise<{ readonly samples: number; readonly ended: boolean }> => {
    batches ??= loader![Symbol.iterator]();
    const next = batches.next();
    if (next.done === true) throw new Error('the epoch has no batch left');
    const [xb, yb] = next.value;
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(model.forward(xb.to(device)), yb.to(device));
    loss.backward();
    opt.step();
    // The one read-back of the step: on WebGPU it waits for the GPU; loss.item() would throw there.
    const value = await loss.itemAsync();
    losses.push(value);
    plot.dataset.lastLoss = String(value);
    plot.dataset.lossDevice = loss.device;
    const samples = xb.shape[0]!;
    if (++batchInEpoch < stepsPerEpoch()) return { samples, ended: false };
    batches = null;
    batchInEpoch = 0;
    epoch++;
    const acc = await testAccuracy();
    accuracies.push([losses.length, acc]);
    drawPlot();
    status.textContent = `Epoch ${epoch}: test accuracy ${(acc * 100).toFixed(1)}% on ${digits!.testY.shape[0]} digits it never trained on.`;
    predictPad();
    return { samples, ended: true };
  };

  const train = async (): Promise<void> => {
    if (!digits) return;
    training = true;
    stopRequested = false;
    setControls();
    targetEpochs = (Math.floor(epoch / EPOCHS) + 1) * EPOCHS;
    const started = performance.now();
    let seen = 0;
    let slice = performance.now();
    try {
      while (epoch < targetEpochs && !stopRequested) {
        const { samples, ended } = await trainStep();
        seen += samples;
        // Give the page a frame every ~30 ms, so the plot moves and the buttons answer.
        if (ended || performance.now() - slice > 30) {
          if (!ended) {
            drawPlot();
            status.textContent = `Epoch ${epoch + 1}, step ${losses.length} on ${deviceName(device)}: ` +
              `loss ${losses[losses.length - 1]!.toFixed(3)}, ${Math.round(seen / ((performance.now() - started) / 1000))} digits/s`;
          }
          await new Promise((r) => setTimeout(r, 0));
          slice = performance.now();
        }
      }
    } finally {
      training = false;
      if (stopRequested) {
        drawPlot();
        status.textContent = `Paused after ${losses.length} steps.`;
      }
      setControls();
    }
  };

  const oneStep = async (): Promise<void> => {
    if (!digits || training || moving) return;
    training = true;
    setControls();
    try {
      const started = performance.now();
      const { ended } = await trainStep();
      drawPlot();
      if (!ended) {
        status.textContent = `Step ${losses.length} on ${deviceName(device)}: loss ${losses[losses.length - 1]!.toFixed(4)} ` +
          `(${(performance.now() - started).toFixed(0)} ms).`;
      }
    } finally {
      training = false;
      setControls();
    }
  };

  const failed = (what: string) => (e: unknown): void => {
    status.textContent = `${what} failed: ${e instanceof Error ? e.message : String(e)}`;
    console.error(e);
  };

  trainButton.addEventListener('click', () => {
    if (training) stopRequested = true;
    else void train().catch(failed('Training'));
  });
  stepButton.addEventListener('click', () => void oneStep().catch(failed('The step')));
  resetButton.addEventListener('click', () => {
    stopRequested = true;
    const fresh = (): void => {
      if (training || moving) {
        setTimeout(fresh, 10);
        return;
      }
      model = buildModel();
      if (device !== 'cpu') model.to(device);
      opt = new optim.Adam(model.parameters(), { lr: LR });
      batches = null;
      batchInEpoch = 0;
      losses = [];
      accuracies = [];
      epoch = 0;
      targetEpochs = EPOCHS;
      drawPlot();
      setControls();
      status.textContent = 'A new network with random weights.';
      predictPad();
    };
    fresh();
  });

  /**
   * Move the network and the optimizer's state (Adam's moments and step counts) to `target`, between steps. The
   * values are read back asynchronously (a GPU tensor cannot be read synchronously) into a new model and optimizer
   * on `target`, so training continues exactly where it was.
   */
  const moveTo = async (target: PageDevice): Promise<void> => {
    if (target === device || training || moving) return;
    moving = true;
    setControls();
    deviceNote.textContent = `Moving the network to ${deviceName(target)}…`;
    try {
      const adapter = target === 'webgpu' ? await openWebgpu() : '';
      const [weights, state] = await Promise.all([moveTensors(model.stateDict(), target), moveTensors(opt.stateDict(), target)]);
      const next = buildModel();
      if (target !== 'cpu') next.to(target);
      next.loadStateDict(weights);
      const nextOpt = new optim.Adam(next.parameters(), { lr: LR });
      nextOpt.loadStateDict(state);
      model = next;
      opt = nextOpt;
      device = target;
      // What the page reports is where the parameters are, not what the switch says.
      figure.dataset.device = model.parameters()[0]!.device;
      deviceNote.textContent = target === 'webgpu' ? `Training on WebGPU: ${adapter}.` : 'Training on the CPU (WebAssembly).';
      predictPad();
    } catch (e) {
      if (target === 'webgpu') webgpuReady = false;
      deviceNote.textContent = `${deviceName(target)} could not be used: ${e instanceof Error ? e.message : String(e)}`;
      console.warn(e);
    } finally {
      moving = false;
      (device === 'webgpu' ? gpuRadio : cpuRadio).checked = true;
      setControls();
    }
  };
  for (const radio of [cpuRadio, gpuRadio]) {
    radio.addEventListener('change', () => {
      if (radio.checked) void moveTo(radio.value === 'webgpu' ? 'webgpu' : 'cpu');
    });
  }
  figure.dataset.device = 'cpu';
  void probeWebgpu().then((probe) => {
    webgpuReady = probe.ok;
    figure.dataset.webgpu = probe.ok ? 'available' : 'unavailable';
    deviceNote.textContent = probe.ok ? `WebGPU is available: ${probe.adapter}.` : probe.reason;
    setControls();
  });

  // The drawing pad: black ink on white, 280 × 280 pixels whatever its size on screen.
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clearPad = (): void => {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    sampleLabel = null;
  };
  clearPad();
  const previewCtx = preview.getContext('2d')!;

  const renderProbs = (p: Float32Array | null): void => {
    const best = p ? p.indexOf(Math.max(...p)) : -1;
    probs.replaceChildren(...Array.from({ length: 10 }, (_, d) => {
      const li = document.createElement('li');
      const v = p ? p[d]! : 0;
      li.className = d === best ? 'best' : '';
      const label = Object.assign(document.createElement('span'), { className: 'digit', textContent: String(d) });
      const track = Object.assign(document.createElement('span'), { className: 'track' });
      const fill = Object.assign(document.createElement('span'), { className: 'fill' });
      fill.style.width = `${(v * 100).toFixed(1)}%`;
      track.append(fill);
      const pct = Object.assign(document.createElement('span'), { className: 'pct', textContent: p ? `${(v * 100).toFixed(0)}%` : '' });
      li.append(label, track, pct);
      li.setAttribute('aria-label', `${d}: ${(v * 100).toFixed(0)} percent`);
      return li;
    }));
  };
  renderProbs(null);

  /** The newest prediction asked for; an older one that finishes later is dropped. */
  let predictions = 0;
  const showPrediction = async (): Promise<void> => {
    const asked = ++predictions;
    const { data: rgba } = ctx.getImageData(0, 0, pad.width, pad.height);
    const ink = new Float32Array(pad.width * pad.height);
    for (let i = 0; i < ink.length; i++) ink[i] = (255 - rgba[i * 4]!) / 255;
    const pixels = toMnist(ink, pad.width, pad.height);
    const img = previewCtx.createImageData(28, 28);
    for (let i = 0; i < PIXELS; i++) {
      const v = Math.round((pixels?.[i] ?? 0) * 255);
      img.data.set([v, v, v, 255], i * 4);
    }
    previewCtx.putImageData(img, 0, 0);
    if (!pixels) {
      renderProbs(null);
      prediction.textContent = 'Draw a digit.';
      return;
    }
    const x = tensor(pixels, { shape: [1, PIXELS], device });
    const p = await noGrad(() => model.forward(x).softmax(1)).dataAsync() as Float32Array;
    if (asked !== predictions) return;
    renderProbs(p);
    const best = p.indexOf(Math.max(...p));
    prediction.dataset.digit = String(best);
    prediction.textContent = (sampleLabel !== null ? `A test digit labelled ${sampleLabel}. ` : '') +
      `The network says ${best} (${(p[best]! * 100).toFixed(0)}%).` +
      (epoch === 0 && losses.length === 0 ? ' It has not been trained yet, so this is a guess.' : '');
  };
  function predictPad(): void {
    showPrediction().catch((e: unknown) => {
      prediction.textContent = `The network could not answer: ${e instanceof Error ? e.message : String(e)}`;
      console.error(e);
    });
  }

  let drawing = false;
  let last: [number, number] | null = null;
  let pending = false;
  const point = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
  };
  const line = (from: [number, number], to: [number, number]): void => {
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 18;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...from);
    ctx.lineTo(...to);
    ctx.stroke();
  };
  const schedulePredict = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      predictPad();
    });
  };
  pad.addEventListener('pointerdown', (e) => {
    if (sampleLabel !== null) clearPad();
    drawing = true;
    pad.setPointerCapture(e.pointerId);
    last = point(e);
    line(last, last);
    schedulePredict();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing || !last) return;
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = point(ev);
      line(last, p);
      last = p;
    }
    schedulePredict();
  });
  const end = (): void => {
    drawing = false;
    last = null;
    schedulePredict();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  clearButton.addEventListener('click', () => {
    clearPad();
    predictPad();
  });
  sampleButton.addEventListener('click', () => {
    if (!digits) return;
    const n = digits.testLabels.length;
    const i = Math.floor(Math.random() * n);
    clearPad();
    const cell = pad.width / 28;
    for (let p = 0; p < PIXELS; p++) {
      const v = digits.testPixels[i * PIXELS + p]!;
      if (v === 0) continue;
      const shade = 255 - v;
      ctx.fillStyle = `rgb(${shade},${shade},${shade})`;
      ctx.fillRect((p % 28) * cell, Math.floor(p / 28) * cell, Math.ceil(cell), Math.ceil(cell));
    }
    sampleLabel = digits.testLabels[i]!;
    predictPad();
  });

  sampleButton.disabled = true;
  setControls();
  drawPlot();
  onWidthChange(plot, drawPlot);
  loadDigits().then(async (d) => {
    digits = d;
    loader = new data.DataLoader(new data.TensorDataset(d.trainX, d.trainY), { batchSize: BATCH, shuffle: true, generator });
    sampleButton.disabled = false;
    setControls();
    const acc = await testAccuracy();
    status.textContent = `${d.trainY.shape[0]} training and ${d.testY.shape[0]} test digits loaded. ` +
      `Untrained, the network is right about ${(acc * 100).toFixed(0)}% of the time.`;
    drawPlot();
  }).catch((e: unknown) => {
    status.textContent = `The digits could not be loaded: ${e instanceof Error ? e.message : String(e)}.`;
    console.error(e);
  });
}
