import { OBSERVED, setModeBit } from './mode.js';
import type { Node, TensorMeta } from './node.js';

/**
 * What the engine reports as it runs, for tools that watch it (the profiler, anomaly detection,
 * `traceBackward`). Every method is optional; each call happens synchronously at the point named. Observers
 * must not throw, except anomaly detection, whose errors are the point.
 *
 * @example
 * ```ts
 * const stop = observeEngine({ nodeEnd: (node, grad, grads) => console.log(node.name, grads.length) });
 * y.backward();
 * stop();
 * ```
 */
export interface EngineObserver<T extends TensorMeta = TensorMeta> {
  /** A forward op is about to run (including ops that other ops and rules run inside themselves). */
  opStart?(name: string): void;
  /**
   * It has returned `output` (null when it threw); `flops` gives its FLOP count on demand; `inputs` and `attrs`
   * are what the op ran on (the ONNX exporter's tracer reads them; treat both as read-only).
   */
  opEnd?(name: string, output: T | null, flops: () => number, inputs: readonly T[], attrs: unknown): void;
  /** A node was recorded for a forward op (before its forward ran). */
  recorded?(node: Node<T>): void;
  /** A backward pass (or `grad()`) begins / ends. */
  passStart?(): void;
  /** A backward pass (or `grad()`) ends, after its last node. */
  passEnd?(): void;
  /** A node is about to run on its summed incoming gradient (after its tensor hooks); AccumulateGrad included. */
  nodeStart?(node: Node<T>, grad: T): void;
  /**
   * It has run: `grads[i]` is what it sends along `nextFunctions[i]` (null where nothing), already reduced to the
   * input's shape and cast to its dtype; `freedBytes` is what releasing its saved tensors freed.
   */
  nodeEnd?(node: Node<T>, grad: T, grads: readonly (T | null)[], freedBytes: number): void;
}

let observers: EngineObserver[] = [];

/**
 * Start observing the engine; returns the function that stops it. With no observer the engine pays one
 * length check per op and per node.
 *
 * @example
 * ```ts
 * const stop = observeEngine({ opStart: (name) => names.push(name) });
 * ```
 */
export function observeEngine<T extends TensorMeta>(observer: EngineObserver<T>): () => void {
  const o = observer as unknown as EngineObserver;
  observers = [...observers, o];
  setModeBit(OBSERVED, true);
  return () => {
    observers = observers.filter((x) => x !== o);
    setModeBit(OBSERVED, observers.length !== 0);
  };
}

/**
 * The current observers (a fresh array on every change, so iterating it is safe while one unsubscribes).
 * @internal
 *
 * @example
 * ```ts
 * for (const o of engineObservers()) o.passStart?.();
 * ```
 */
export function engineObservers<T extends TensorMeta>(): readonly EngineObserver<T>[] {
  return observers as unknown as readonly EngineObserver<T>[];
}
