// The parts of `npm run example:gpt` (examples/gpt-*.ts): the split, the encoding, the bigram baseline, the model's
// PyTorch parameter names and causality, sampling, and that a few training steps lower the validation loss.
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed, noGrad, tensor } from '../src/index.js';
import { bigramLoss, encode, HYPER, splitNames } from '../examples/gpt-data.js';
import { Gpt, sampleNames } from '../examples/gpt-model.js';
import { loadNameLists } from '../examples/gpt-names.js';
import { GptTrainer } from '../examples/gpt-train.js';

describe('the GPT example', () => {
  test('splitNames lower-cases, deduplicates and splits with a seed: disjoint, complete, reproducible', () => {
    const lists = [['Anna', 'Bob', 'anna', 'Eve'], ['Carl', 'Dora', 'Bob', 'Fay', 'Gus', 'Hal']];
    const a = splitNames(lists, 0.25, 5), b = splitNames(lists, 0.25, 5), c = splitNames(lists, 0.25, 6);
    expect(a).toEqual(b);
    expect(a.val).toHaveLength(2);
    expect([...a.train, ...a.val].sort()).toEqual(['anna', 'bob', 'carl', 'dora', 'eve', 'fay', 'gus', 'hal']);
    expect(a.itos.join('')).toBe('.abcdefghlnorsuvy');
    expect([a.train, a.val]).not.toEqual([c.train, c.val]);
    expect(() => splitNames([['a.b']], 0.1, 1)).toThrow(/'\.' is the start\/end token/);
  });

  test('the name packages give 8,422 distinct names, 842 held out', () => {
    const split = splitNames(loadNameLists(), HYPER.valFraction, HYPER.seed);
    expect(split.train.length + split.val.length).toBe(8422);
    expect(split.val).toHaveLength(842);
    expect(split.itos.join('')).toBe('.-abcdefghijklmnopqrstuvwxyz');
    expect(Math.max(...split.train.map((n) => n.length))).toBeLessThan(HYPER.blockSize);
  });

  test('encode: inputs start with 0, targets end with 0 then −1 padding', () => {
    const { x, y } = encode(['ab', 'b'], ['.', 'a', 'b'], 4);
    expect(x.dtype).toBe('int32');
    expect(x.toArray()).toEqual([[0, 1, 2, 0], [0, 2, 0, 0]]);
    expect(y.toArray()).toEqual([[1, 2, 0, -1], [2, 0, -1, -1]]);
    expect(() => encode(['abc'], ['.', 'a', 'b', 'c'], 3)).toThrow(/'abc' needs 4 positions, more than the block size 3/);
    expect(() => encode(['ax'], ['.', 'a'], 4)).toThrow(/'x' \(in 'ax'\) is not in the vocabulary/);
  });

  test('bigramLoss: add-one counts, mean negative log-likelihood per character', () => {
    // Counts after add-one on 'ab': from '.' [1, 2, 1], from 'a' [1, 1, 2], from 'b' [2, 1, 1]: each pair has p = 1/2.
    expect(bigramLoss(['ab'], ['ab'], ['.', 'a', 'b'])).toBeCloseTo(Math.log(2), 12);
    // 'ba': p(b|.) = 1/4, p(a|b) = 1/4, p(.|a) = 1/4.
    expect(bigramLoss(['ab'], ['ba'], ['.', 'a', 'b'])).toBeCloseTo(Math.log(4), 12);
  });

  test("the model's parameters carry the PyTorch script's names, in its order (a PyTorch state dict loads as it is)", () => {
    const model = new Gpt({ vocab: 28, blockSize: 16, embd: 64, heads: 4, layers: 2 });
    const block = (i: number): string[] => ['ln1.weight', 'ln1.bias', 'attn.in_proj_weight', 'attn.in_proj_bias', 'attn.out_proj.weight',
      'attn.out_proj.bias', 'ln2.weight', 'ln2.bias', 'mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight', 'mlp.2.bias'].map((k) => `blocks.${i}.${k}`);
    expect([...model.stateDict().keys()]).toEqual(['wte.weight', 'wpe.weight', ...block(0), ...block(1), 'lnF.weight', 'lnF.bias', 'head.weight']);
    expect(model.numParameters()).toBe(104_704); // what scripts/oracle/gpt_torch.py reports for the same model
  });

  test('attention is causal: logits at a position do not depend on later tokens', () => {
    manualSeed(3);
    const model = new Gpt({ vocab: 6, blockSize: 5, embd: 8, heads: 2, layers: 2 });
    const a = noGrad(() => model.forward(tensor([[0, 1, 2, 3, 4]], { dtype: 'int32' })).data());
    const b = noGrad(() => model.forward(tensor([[0, 1, 2, 5, 1]], { dtype: 'int32' })).data());
    expect(Array.from(a.subarray(0, 18))).toEqual(Array.from(b.subarray(0, 18))); // positions 0–2, 6 logits each
    expect(Array.from(a.subarray(18, 24))).not.toEqual(Array.from(b.subarray(18, 24)));
    expect(() => model.forward(tensor([[0, 1, 2, 3, 4, 5]], { dtype: 'int32' }))).toThrow(/6 tokens is longer than the block size 5/);
  });

  test('a short run lowers the validation loss; sampling gives reproducible names from the vocabulary', () => {
    const split = splitNames(loadNameLists(), HYPER.valFraction, HYPER.seed);
    manualSeed(1);
    const trainer = new GptTrainer(split, { ...HYPER, embd: 16, heads: 2, layers: 1, steps: 60, warmup: 5 });
    const before = trainer.valLoss();
    expect(before).toBeGreaterThan(3); // ≈ log 28
    const lrs: number[] = [];
    for (let i = 0; i < 60; i++) lrs.push(trainer.step().lr);
    // LinearLR warmup from lr · 0.01 over 5 steps, then cosine down towards lr · 0.1.
    expect(lrs[0]).toBeCloseTo(HYPER.lr * HYPER.warmupStart, 12);
    expect(lrs[5]).toBeCloseTo(HYPER.lr, 12);
    expect(lrs[59]!).toBeLessThan(HYPER.lr * 0.2);
    const after = trainer.valLoss();
    expect(after).toBeLessThan(before - 0.4);
    expect(trainer.model.training).toBe(true);
    const names = sampleNames(trainer.model, split.itos, 8, new Generator(4));
    expect(names).toHaveLength(8);
    for (const n of names) expect(n).toMatch(/^[a-z-]{0,15}$/);
    expect(sampleNames(trainer.model, split.itos, 8, new Generator(4))).toEqual(names);
    expect(trainer.model.training).toBe(true);
  });
});
