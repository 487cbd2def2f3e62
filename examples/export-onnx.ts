// Export the MNIST network to ONNX and check it in ONNX Runtime: loads out/mnist-model.safetensors when `npm start`
// has written it, else trains the 784 → 128 → 10 network for one epoch on 8,000 digits; exports it with batch 2
// and a dynamic batch axis to out/mnist.onnx; runs the file in onnxruntime-web (WebAssembly) on the 2,000 test
// digits at once and prints how well the two agree and the file's size.
//   npm run example:export
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { Generator, manualSeed, nn, noGrad } from '../src/index.js';
import { exportOnnxFile, load } from '../src/entry-node.js';
import { splitMnist } from './mnist-data.js';
import { buildModel, evaluate, train } from './mnist-train.js';

const OUT = 'out', SAVED = `${OUT}/mnist-model.safetensors`, ONNX_PATH = `${OUT}/mnist.onnx`;

async function main(): Promise<void> {
  manualSeed(0);
  const generator = new Generator(0);
  const { train: trainSet, test: testSet } = splitMnist(8000, 2000, generator);
  let model: nn.Sequential;
  if (existsSync(SAVED)) {
    const hidden = Number(nn.readStateDictMetadata(new Uint8Array(readFileSync(SAVED))).hidden ?? 128);
    model = buildModel(hidden);
    model.loadStateDict(await load(SAVED));
    console.log(`loaded ${SAVED} (hidden ${hidden})`);
  } else {
    model = buildModel(128);
    const start = performance.now();
    await train(model, trainSet, testSet, { hidden: 128, epochs: 1, lr: 1e-3, optimizer: 'adam', batch: 64 }, generator);
    console.log(`trained ${String(model)} for one epoch on ${trainSet.length} digits in ${((performance.now() - start) / 1000).toFixed(1)}s`);
  }
  const [images, labels] = testSet.tensors;
  const { accuracy } = await evaluate(model, testSet);

  mkdirSync(OUT, { recursive: true });
  const example = images.narrow(0, 0, 2);
  const size = await exportOnnxFile(model, example, ONNX_PATH, {
    inputNames: ['image'], outputNames: ['logits'], dynamicAxes: { image: { 0: 'batch' } },
  });
  const paramBytes = model.parameters().reduce((n, p) => n + p.size * 4, 0);
  console.log(`exported with a batch of 2 (batch axis dynamic) to ${ONNX_PATH}: ${size.toLocaleString('en-US')} bytes (weights ${paramBytes.toLocaleString('en-US')} bytes)`);

  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(ONNX_PATH)));
  const start = performance.now();
  const result = await session.run({ image: new ort.Tensor('float32', images.data() as Float32Array, [...images.shape]) });
  const ms = performance.now() - start;
  const logits = result.logits!;
  const got = logits.data as Float32Array;
  model.eval();
  const want = noGrad(() => model.forward(images));
  const wantData = want.data() as Float32Array;
  let maxDiff = 0, agree = 0, correct = 0;
  const labelData = labels.data();
  const rows = logits.dims[0]!, cols = logits.dims[1]!;
  for (let i = 0; i < rows; i++) {
    let a = 0, b = 0;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      maxDiff = Math.max(maxDiff, Math.abs(got[k]! - wantData[k]!));
      if (got[k]! > got[i * cols + a]!) a = j;
      if (wantData[k]! > wantData[i * cols + b]!) b = j;
    }
    if (a === b) agree++;
    if (a === labelData[i]) correct++;
  }
  console.log(`ONNX Runtime ${ort.env.versions.web ?? ''} (WebAssembly) ran ${rows} test digits in one batch of [${logits.dims.join(', ')}] in ${ms.toFixed(0)} ms`);
  console.log(`agreement with adjoint: largest |logit difference| ${maxDiff.toExponential(2)}, same prediction on ${agree}/${rows} digits`);
  console.log(`test accuracy: adjoint ${(100 * accuracy).toFixed(2)}%, ONNX Runtime ${(100 * correct / rows).toFixed(2)}%`);
  await session.release();
  if (maxDiff > 1e-4 || agree !== rows) {
    console.error('the exported model does not agree with adjoint');
    process.exitCode = 1;
  }
}

await main();
