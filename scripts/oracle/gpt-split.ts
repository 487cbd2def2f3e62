// Dev-only: prints the GPT example's split and hyperparameters as JSON for scripts/oracle/gpt_torch.py, so PyTorch
// trains the same model on the same names. `node --import tsx scripts/oracle/gpt-split.ts > /tmp/gpt-split.json`
import { HYPER, splitNames } from '../../examples/gpt-data.js';
import { loadNameLists } from '../../examples/gpt-names.js';

const split = splitNames(loadNameLists(), HYPER.valFraction, HYPER.seed);
const ids = (name: string): number[] => [...name].map((c) => split.itos.indexOf(c));
process.stdout.write(JSON.stringify({ vocab: split.itos, hyper: HYPER, train: split.train.map(ids), val: split.val.map(ids) }));
