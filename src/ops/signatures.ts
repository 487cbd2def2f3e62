// The public signatures of ops whose result type depends on their arguments, as TypeScript overloads: the
// function and method types derived from the op table (ops/methods.ts) take these instead of the single
// signature of the entry's `call`. Types only.
import type { Tensor } from '../tensor.js';
import type { ValuesIndices } from './selection.js';
import type { UniqueOptions } from './sorting.js';

/** `max`/`min`: over everything, along one dim with indices, or elementwise against another tensor. */
export interface ExtremumFunction {
  /** The extreme element of the whole tensor (0-d); NaN propagates. */
  (x: Tensor): Tensor;
  /** Along `dim`: `{ values, indices }` (the first extreme element, or the first NaN). */
  (x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
  /** Elementwise against `other` (`maximum`/`minimum`). */
  (x: Tensor, other: Tensor): Tensor;
}

/** `x.max(...)`/`x.min(...)` (see {@link ExtremumFunction}). */
export interface ExtremumMethod {
  (): Tensor;
  (dim: number, keepdim?: boolean): ValuesIndices;
  (other: Tensor): Tensor;
}

/** `median`: of every element, or along one dim with indices. */
export interface MedianFunction {
  /** The lower median of every element (0-d); NaN propagates. */
  (x: Tensor): Tensor;
  /** Along `dim`: `{ values, indices }`. */
  (x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
}

/** `x.median(...)` (see {@link MedianFunction}). */
export interface MedianMethod {
  (): Tensor;
  (dim: number, keepdim?: boolean): ValuesIndices;
}

type Off = false | undefined;

/** `unique`: the distinct values, with the inverse and the counts when asked for, as PyTorch's tuple. */
export interface UniqueFunction {
  (x: Tensor, options?: UniqueOptions & { readonly returnInverse?: Off; readonly returnCounts?: Off }): Tensor;
  (x: Tensor, options: UniqueOptions & { readonly returnInverse: true; readonly returnCounts?: Off }): [values: Tensor, inverse: Tensor];
  (x: Tensor, options: UniqueOptions & { readonly returnInverse?: Off; readonly returnCounts: true }): [values: Tensor, counts: Tensor];
  (x: Tensor, options: UniqueOptions & { readonly returnInverse: true; readonly returnCounts: true }): [values: Tensor, inverse: Tensor, counts: Tensor];
  (x: Tensor, options?: UniqueOptions): Tensor | Tensor[];
}

/** `x.unique(...)` (see {@link UniqueFunction}). */
export interface UniqueMethod {
  (options?: UniqueOptions & { readonly returnInverse?: Off; readonly returnCounts?: Off }): Tensor;
  (options: UniqueOptions & { readonly returnInverse: true; readonly returnCounts?: Off }): [values: Tensor, inverse: Tensor];
  (options: UniqueOptions & { readonly returnInverse?: Off; readonly returnCounts: true }): [values: Tensor, counts: Tensor];
  (options: UniqueOptions & { readonly returnInverse: true; readonly returnCounts: true }): [values: Tensor, inverse: Tensor, counts: Tensor];
  (options?: UniqueOptions): Tensor | Tensor[];
}

/**
 * The functions whose signature depends on their arguments, by op name.
 *
 * @example
 * ```ts
 * const m: OverloadedFunctions['max'] = max;
 * ```
 */
export interface OverloadedFunctions {
  max: ExtremumFunction;
  min: ExtremumFunction;
  median: MedianFunction;
  unique: UniqueFunction;
}

/** The methods whose signature depends on their arguments, by op name (see {@link OverloadedFunctions}). */
export interface OverloadedMethods {
  max: ExtremumMethod;
  min: ExtremumMethod;
  median: MedianMethod;
  unique: UniqueMethod;
}
