// Specs of the fused recurrent-cell primitives (issue 19): the generated suites run forward against the
// references of speed-reference.ts, float32, gradcheck, gradgradcheck and JVP on every backend.
import { cat, fusedGruCell, fusedGruCellBackward, fusedLstmCell, fusedLstmCellBackward, stack, type Primitive } from '../../src/index.js';
import type { Arg, OpSpec } from '../op-specs.js';
import * as S from './speed-reference.js';

const f = (shape: number[]): Arg => ({ shape, domain: 'any' });

export const SPEED_SPECS = {
  fusedLstmCell: {
    cases: [
      { label: 'batch 3, hidden 2', args: [f([3, 8]), f([3, 2])], run: (g, c) => stack(fusedLstmCell(g!, c!), 0), ref: (g, c) => S.lstmCell(g!, c!) },
      { label: 'leading dims [2, 2], hidden 3', args: [f([2, 2, 12]), f([2, 2, 3])], run: (g, c) => stack(fusedLstmCell(g!, c!), 0), ref: (g, c) => S.lstmCell(g!, c!) },
      { label: 'unbatched, hidden 1', args: [f([4]), f([1])], run: (g, c) => stack(fusedLstmCell(g!, c!), 0), ref: (g, c) => S.lstmCell(g!, c!) },
    ],
  },
  fusedLstmCellBackward: {
    noGrad: true,
    cases: [
      { label: 'batch 3, hidden 2', args: [f([2, 3, 2]), f([3, 8]), f([3, 2])],
        run: (g, x, c) => cat(fusedLstmCellBackward(g!, x!, c!).map((t) => t.reshape([-1])), 0), ref: (g, x, c) => S.lstmCellBackward(g!, x!, c!) },
      { label: 'leading dims [2, 1], hidden 3', args: [f([2, 2, 1, 3]), f([2, 1, 12]), f([2, 1, 3])],
        run: (g, x, c) => cat(fusedLstmCellBackward(g!, x!, c!).map((t) => t.reshape([-1])), 0), ref: (g, x, c) => S.lstmCellBackward(g!, x!, c!) },
    ],
  },
  fusedGruCell: {
    cases: [
      { label: 'batch 3, hidden 2', args: [f([3, 6]), f([3, 6]), f([3, 2])], run: (a, b, h) => fusedGruCell(a!, b!, h!), ref: (a, b, h) => S.gruCell(a!, b!, h!) },
      { label: 'leading dims [2, 2], hidden 3', args: [f([2, 2, 9]), f([2, 2, 9]), f([2, 2, 3])],
        run: (a, b, h) => fusedGruCell(a!, b!, h!), ref: (a, b, h) => S.gruCell(a!, b!, h!) },
      { label: 'unbatched, hidden 1', args: [f([3]), f([3]), f([1])], run: (a, b, h) => fusedGruCell(a!, b!, h!), ref: (a, b, h) => S.gruCell(a!, b!, h!) },
    ],
  },
  fusedGruCellBackward: {
    noGrad: true,
    cases: [
      { label: 'batch 3, hidden 2', args: [f([3, 2]), f([3, 6]), f([3, 6]), f([3, 2])],
        run: (g, a, b, h) => cat(fusedGruCellBackward(g!, a!, b!, h!).map((t) => t.reshape([-1])), 0), ref: (g, a, b, h) => S.gruCellBackward(g!, a!, b!, h!) },
      { label: 'leading dims [2, 1], hidden 3', args: [f([2, 1, 3]), f([2, 1, 9]), f([2, 1, 9]), f([2, 1, 3])],
        run: (g, a, b, h) => cat(fusedGruCellBackward(g!, a!, b!, h!).map((t) => t.reshape([-1])), 0), ref: (g, a, b, h) => S.gruCellBackward(g!, a!, b!, h!) },
    ],
  },
} satisfies Partial<Record<Primitive, OpSpec>>;
