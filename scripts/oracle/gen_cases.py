#!/usr/bin/env python3
"""Dev-only PyTorch oracle for adjoint: generate many op cases, run them in PyTorch, write JSON.

Never a test or CI dependency. Needs Debian's PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/oracle/gen_cases.py            # writes scripts/oracle/cases.json
    npx tsx scripts/oracle/run.ts                           # runs the same cases in adjoint, lists mismatches

Each case names an adjoint op, its arguments (tensors given by their exact values, dtype, shape and an
optional chain of view steps that makes them non-contiguous; JS numbers; lists of tensors) and keyword
attributes. The runner in run.ts interprets the same description with adjoint. For every case we record the
forward result (dtype, shape, values, grad_fn name) and, when the result is floating and some input requires
grad, the gradients from torch.autograd.grad with a random upstream gradient (for a third of the float64
cases also the gradient of <grads, w> for a random w, i.e. gradients of gradients); or the error torch raised.
Besides the op table it covers in-place ops, a few composite programs (an MLP with cross-entropy, attention,
layer norm, a tensor reused many times), the creation functions and repr (compared with adjoint's toString()).

`--per-op 40` (the default) gives about 3,000 cases; `--per-op 150 --seed N` about 10,500 different ones.

Deliberate differences are mapped, not reported: adjoint's only integer dtype is int32 (torch int64 results
are compared as int32, index tensors are int64 in torch and int32 in adjoint), JS numbers without a dtype are
float32, and integral JS numbers are integers (so integral scalars are passed to torch as Python ints).
"""
import argparse
import json
import math
import random
import sys
import warnings

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
warnings.filterwarnings('ignore')

DT = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'bool': torch.bool}
FLOATS = ('float32', 'float64')


def dtname(d):
    return {torch.float32: 'float32', torch.float64: 'float64', torch.int32: 'int32', torch.int64: 'int32',
            torch.bool: 'bool'}.get(d, str(d))


def enc(x):
    """A JSON-safe number: NaN, ±Inf and -0 become strings."""
    if isinstance(x, bool):
        return 1 if x else 0
    if isinstance(x, int):
        return x
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    if x == 0 and math.copysign(1.0, x) < 0:
        return '-0'
    return x


def dec(x):
    if x == 'nan':
        return float('nan')
    if x == 'inf':
        return float('inf')
    if x == '-inf':
        return float('-inf')
    if x == '-0':
        return -0.0
    return x


def num(v):
    """A JS number as Python sees it: integral values are ints (JS cannot tell 2.0 from 2)."""
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


R = random.Random(0)

# ---------------------------------------------------------------------------------------------- values

SPECIAL = [float('nan'), float('inf'), float('-inf'), 0.0, -0.0, 1000.0, -1000.0]
TIES = [-1.0, -0.5, 0.0, 0.5, 1.0]


def gen_values(n, dtype, kind):
    if dtype == 'bool':
        return [R.random() < 0.5 for _ in range(n)]
    if dtype == 'int32':
        lo, hi = (0, 5) if kind in ('positive', 'index') else (-4, 4)
        return [R.randint(lo, hi) for _ in range(n)]
    out = []
    for _ in range(n):
        if kind == 'positive':
            v = R.uniform(0.1, 3.0)
        elif kind == 'unit':
            v = R.uniform(0.05, 0.95)
        elif kind == 'ties':
            v = R.choice(TIES)
        elif kind == 'special':
            v = R.choice(SPECIAL) if R.random() < 0.45 else R.gauss(0, 2)
        elif kind == 'large':
            v = R.choice([1000.0, -1000.0, 999.5, -998.0, 0.0]) if R.random() < 0.6 else R.gauss(0, 1)
        elif kind == 'mixed':
            v = R.choice(TIES) if R.random() < 0.3 else R.gauss(0, 1.5)
        else:
            v = R.gauss(0, 1.5)
        out.append(v)
    return out


def size_of(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def make_view(shape):
    """Base shape and view steps that turn a tensor of the base shape into a non-contiguous one of `shape`."""
    nd = len(shape)
    options = ['narrow'] if nd >= 1 else []
    if nd >= 2:
        options.append('transpose')
    if any(d == 1 for d in shape) or nd >= 1:
        options.append('expand')
    if not options:
        return list(shape), []
    kind = R.choice(options)
    if kind == 'transpose':
        i, j = R.sample(range(nd), 2)
        base = list(shape)
        base[i], base[j] = base[j], base[i]
        return base, [['transpose', i, j]]
    if kind == 'narrow':
        d = R.randrange(nd)
        extra = R.randint(1, 3)
        start = R.randint(0, extra)
        base = list(shape)
        base[d] += extra
        return base, [['narrow', d, start, shape[d]]]
    # expand: size-1 base dims where the target has any size
    dims = [i for i in range(nd) if R.random() < 0.5] or [R.randrange(nd)]
    base = [1 if i in dims else d for i, d in enumerate(shape)]
    return base, [['expand', list(shape)]]


def T(shape, dtype='float32', kind='normal', grad=None, view=None, index=False, values=None):
    """A tensor argument spec. view=True picks random view steps; grad defaults to True for floats."""
    shape = list(shape)
    if view is None:
        view = R.random() < 0.25
    base, steps = make_view(shape) if view else (shape, [])
    if values is not None:
        assert not steps
        vals = list(values)
    else:
        vals = gen_values(size_of(base), dtype, kind)
    t = torch.tensor(vals, dtype=DT[dtype]).reshape(base)
    if grad is None:
        grad = dtype in FLOATS
    return {'t': {'shape': base, 'dtype': dtype, 'data': [enc(v) for v in t.flatten().tolist()], 'view': steps,
                  'grad': bool(grad and dtype in FLOATS), 'index': index}}


def N(v):
    return {'n': enc(num(v))}


def L(*specs):
    return {'list': list(specs)}


def build(spec):
    s = spec['t']
    dt = torch.int64 if s['index'] else DT[s['dtype']]
    t = torch.tensor([dec(v) for v in s['data']], dtype=torch.float64 if DT[s['dtype']] in (torch.float32, torch.float64) else None)
    t = t.to(dt).reshape(s['shape'])
    for st in s['view']:
        if st[0] == 'transpose':
            t = t.transpose(st[1], st[2])
        elif st[0] == 'narrow':
            t = t.narrow(st[1], st[2], st[3])
        elif st[0] == 'expand':
            t = t.expand(*st[1])
    if s['grad']:
        t = t.detach().requires_grad_(True)
    return t


# ------------------------------------------------------------------------------------------ torch ops

def scalar_tensor(v, like):
    """A JS number next to a tensor, as adjoint types it (PyTorch's rule for a Python scalar)."""
    return torch.tensor(v, dtype=torch.result_type(like, v))


def binop(fn):
    def run(a, kw):
        x, y = a
        return fn(x, y)
    return run


def pick(a, b, f):
    if not isinstance(a, torch.Tensor):
        a = scalar_tensor(a, b)
    if not isinstance(b, torch.Tensor):
        b = scalar_tensor(b, a)
    return f(a, b)


def dims_kw(kw):
    d = kw.get('dim')
    return tuple(d) if isinstance(d, list) else d


def t_reduce(name):
    def run(a, kw):
        x = a[0]
        d, keep = dims_kw(kw), kw.get('keepdim', False)
        if isinstance(d, tuple) and len(d) == 0:
            d = None
        if name in ('sum', 'mean'):
            if d is None:
                return getattr(torch, name)(x, dim=tuple(range(x.dim())), keepdim=True) if keep else getattr(torch, name)(x)
            return getattr(torch, name)(x, dim=d, keepdim=keep)
        if name in ('max', 'min'):
            if d is None:
                if keep:
                    return (torch.amax if name == 'max' else torch.amin)(x, dim=tuple(range(x.dim())), keepdim=True)
                return getattr(torch, name)(x)
            return (torch.amax if name == 'max' else torch.amin)(x, dim=d, keepdim=keep)
        if name == 'logsumexp':
            if d is None:
                d = tuple(range(x.dim())) if x.dim() > 0 else 0
            return torch.logsumexp(x, dim=d, keepdim=keep)
        if name in ('argmax', 'argmin'):
            return getattr(torch, name)(x, dim=d, keepdim=keep)
        raise ValueError(name)
    return run


def t_squeeze(a, kw):
    x = a[0]
    d = kw.get('dim')
    if d is None:
        return x.squeeze()
    if isinstance(d, int):
        return x.squeeze(d)
    # A list of dims (PyTorch ≥ 2.0): squeeze each listed dim of size 1.
    nd = x.dim()
    norm = sorted({(i + nd if i < 0 else i) for i in d} if nd else set(), reverse=True)
    for i in norm:
        x = x.squeeze(i)
    return x


def t_to(a, kw):
    return a[0].to(DT[kw['dtype']])


def t_clamp(a, kw):
    return torch.clamp(a[0], min=kw.get('min'), max=kw.get('max'))


def t_cross_entropy(a, kw):
    x, t = a[0], a[1]
    w = a[2] if len(a) > 2 else None
    return F.cross_entropy(x, t, weight=w, ignore_index=kw.get('ignoreIndex', -100),
                           reduction=kw.get('reduction', 'mean'), label_smoothing=kw.get('labelSmoothing', 0.0))


def t_nll(a, kw):
    x, t = a[0], a[1]
    w = a[2] if len(a) > 2 else None
    return F.nll_loss(x, t, weight=w, ignore_index=kw.get('ignoreIndex', -100), reduction=kw.get('reduction', 'mean'))


def t_arange(a, kw):
    args = [num(dec(v)) for v in kw['values']]
    if 'dtype' in kw:
        return torch.arange(*args, dtype=DT[kw['dtype']])
    return torch.arange(*args)


TORCH = {
    'add': binop(lambda x, y: x + y),
    'sub': binop(lambda x, y: x - y),
    'mul': binop(lambda x, y: x * y),
    'div': binop(lambda x, y: x / y),
    'pow': binop(lambda x, y: x ** y),
    'maximum': binop(lambda x, y: pick(x, y, torch.maximum)),
    'minimum': binop(lambda x, y: pick(x, y, torch.minimum)),
    'eq': binop(lambda x, y: x == y),
    'ne': binop(lambda x, y: x != y),
    'lt': binop(lambda x, y: x < y),
    'le': binop(lambda x, y: x <= y),
    'gt': binop(lambda x, y: x > y),
    'ge': binop(lambda x, y: x >= y),
    'logicalAnd': binop(torch.logical_and),
    'neg': lambda a, kw: torch.neg(a[0]),
    'exp': lambda a, kw: torch.exp(a[0]),
    'log': lambda a, kw: torch.log(a[0]),
    'sqrt': lambda a, kw: torch.sqrt(a[0]),
    'abs': lambda a, kw: torch.abs(a[0]),
    'sin': lambda a, kw: torch.sin(a[0]),
    'cos': lambda a, kw: torch.cos(a[0]),
    'tanh': lambda a, kw: torch.tanh(a[0]),
    'sigmoid': lambda a, kw: torch.sigmoid(a[0]),
    'relu': lambda a, kw: torch.relu(a[0]),
    'sign': lambda a, kw: torch.sign(a[0]),
    'square': lambda a, kw: torch.square(a[0]),
    'rsqrt': lambda a, kw: torch.rsqrt(a[0]),
    'reciprocal': lambda a, kw: torch.reciprocal(a[0]),
    'where': lambda a, kw: torch.where(a[0], *[v if isinstance(v, torch.Tensor) else
                                                  (scalar_tensor(v, a[2 if i == 0 else 1]) if isinstance(a[2 if i == 0 else 1], torch.Tensor)
                                                   else torch.tensor(v, dtype=torch.float32)) for i, v in enumerate(a[1:])]),
    'clamp': t_clamp,
    'sum': t_reduce('sum'),
    'mean': t_reduce('mean'),
    'max': t_reduce('max'),
    'min': t_reduce('min'),
    'logsumexp': t_reduce('logsumexp'),
    'argmax': t_reduce('argmax'),
    'argmin': t_reduce('argmin'),
    'matmul': lambda a, kw: torch.matmul(a[0], a[1]),
    'reshape': lambda a, kw: a[0].reshape(kw['shape']),
    'view': lambda a, kw: a[0].view(kw['shape']),
    'permute': lambda a, kw: a[0].permute(tuple(kw['dims'])),
    'transpose': lambda a, kw: a[0].transpose(kw['dim0'], kw['dim1']),
    'T': lambda a, kw: a[0].T,
    'expand': lambda a, kw: a[0].expand(kw['shape']),
    'expandAs': lambda a, kw: a[0].expand_as(a[1]),
    'squeeze': t_squeeze,
    'unsqueeze': lambda a, kw: a[0].unsqueeze(kw['dim']),
    'flatten': lambda a, kw: a[0].flatten(kw.get('startDim', 0), kw.get('endDim', -1)),
    'contiguous': lambda a, kw: a[0].contiguous(),
    'narrow': lambda a, kw: a[0].narrow(kw['dim'], kw['start'], kw['length']),
    'cat': lambda a, kw: torch.cat(a[0], dim=kw.get('dim', 0)),
    'stack': lambda a, kw: torch.stack(a[0], dim=kw.get('dim', 0)),
    'indexSelect': lambda a, kw: torch.index_select(a[0], kw['dim'], a[1]),
    'indexAdd': lambda a, kw: torch.index_add(a[0], kw['dim'], a[1], a[2]),
    'gather': lambda a, kw: torch.gather(a[0], kw['dim'], a[1]),
    'scatterAdd': lambda a, kw: torch.scatter_add(a[0], kw['dim'], a[1], a[2]),
    'softmax': lambda a, kw: torch.softmax(a[0], kw.get('dim', -1)),
    'logSoftmax': lambda a, kw: torch.log_softmax(a[0], kw.get('dim', -1)),
    'to': t_to,
    'clone': lambda a, kw: a[0].clone(),
    'float': lambda a, kw: a[0].float(),
    'double': lambda a, kw: a[0].double(),
    'int': lambda a, kw: a[0].int(),
    'crossEntropy': t_cross_entropy,
    'nllLoss': t_nll,
    'mseLoss': lambda a, kw: F.mse_loss(a[0], a[1], reduction=kw.get('reduction', 'mean')),
    'binaryCrossEntropyWithLogits': lambda a, kw: F.binary_cross_entropy_with_logits(a[0], a[1], reduction=kw.get('reduction', 'mean')),
    'arange': t_arange,
    'linspace': lambda a, kw: torch.linspace(kw['start'], kw['end'], kw['steps'], dtype=DT[kw.get('dtype', 'float32')]),
    'eye': lambda a, kw: torch.eye(kw['n'], kw.get('m', kw['n']), dtype=DT[kw.get('dtype', 'float32')]),
    'full': lambda a, kw: torch.full(kw['shape'], num(dec(kw['value'])), dtype=DT[kw.get('dtype', 'float32')]),
    'zeros': lambda a, kw: torch.zeros(kw['shape'], dtype=DT[kw.get('dtype', 'float32')]),
    'ones': lambda a, kw: torch.ones(kw['shape'], dtype=DT[kw.get('dtype', 'float32')]),
}


def t_inplace(name):
    def run(a, kw):
        x = a[0].clone()
        if name in ('add_', 'sub_', 'mul_', 'div_', 'copy_'):
            return getattr(x, name)(a[1])
        if name == 'clamp_':
            return x.clamp_(min=kw.get('min'), max=kw.get('max'))
        if name == 'fill_':
            return x.fill_(num(kw['value']))
        return x.zero_()
    return run


def t_mlp(a, kw):
    x, w1, b1, w2, b2, t = a
    return F.cross_entropy(torch.relu(x @ w1.T + b1) @ w2.T + b2, t)


def t_attention(a, kw):
    q, k, v = a
    return torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(q.shape[-1])), -1) @ v


def t_layernorm(a, kw):
    x = a[0]
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / (var + 1e-5) ** 0.5


def t_reuse(a, kw):
    x, y = a
    return x * x + x.exp() * y - x.sum() + torch.maximum(x, y).tanh() * x.sigmoid()


TORCH.update({name: t_inplace(name) for name in ['add_', 'sub_', 'mul_', 'div_', 'clamp_', 'fill_', 'zero_', 'copy_']})
TORCH.update({'mlp': t_mlp, 'attention': t_attention, 'layernorm': t_layernorm, 'reuse': t_reuse})


def torch_repr(t):
    s = repr(t)
    return s.replace('torch.', '').replace('requires_grad=True', 'requiresGrad=true').replace('grad_fn=', 'gradFn=')


REPR_POST = {
    None: lambda t: t,
    'mul2': lambda t: t * 2,
    'exp': lambda t: t.exp(),
    'sum': lambda t: t.sum(),
    'neg': lambda t: -t,
}

# -------------------------------------------------------------------------------------------- running


def convert(arg):
    if 't' in arg:
        t = build(arg)
        return t, [t] if arg['t']['grad'] else []
    if 'n' in arg:
        return num(dec(arg['n'])), []
    if 'list' in arg:
        ts, leaves = [], []
        for s in arg['list']:
            t, lv = convert(s)
            ts.append(t)
            leaves += lv
        return ts, leaves
    raise ValueError(arg)


CASES = []


def flat(t):
    """A tensor's values as encoded JSON numbers (PyTorch's lazy zero tensors included)."""
    t = t.detach()
    if t._is_zerotensor():
        t = torch.zeros(t.shape, dtype=t.dtype)
    return [enc(v) for v in t.flatten().tolist()]


def enc_tree(v):
    if isinstance(v, dict):
        return {k: enc_tree(x) for k, x in v.items()}
    if isinstance(v, list):
        return [enc_tree(x) for x in v]
    return enc(v) if isinstance(v, float) else v


def case(op, args, **kw):
    c = {'id': f'{op}/{sum(1 for x in CASES if x["op"] == op)}', 'op': op, 'args': args, 'kw': enc_tree(kw)}
    try:
        targs, leaves = [], []
        for a in args:
            t, lv = convert(a)
            targs.append(t)
            leaves += lv
        if op == 'repr':
            t = REPR_POST[kw.get('post')](targs[0])
            c['expect'] = {'ok': True, 'repr': torch_repr(t)}
            CASES.append(c)
            return c
        out = TORCH[op](targs, kw)
    except Exception as e:  # noqa: BLE001 - any torch error is an expected outcome
        c['expect'] = {'ok': False, 'error': str(e).split('\n')[0][:300]}
        CASES.append(c)
        return c
    exp = {'ok': True, 'dtype': dtname(out.dtype), 'shape': list(out.shape),
           'data': [enc(v) for v in out.detach().flatten().tolist()],
           'gradFn': type(out.grad_fn).__name__ if out.grad_fn is not None else None}
    if leaves and out.requires_grad and out.dtype in (torch.float32, torch.float64):
        g = torch.randn(out.shape, dtype=torch.float64).to(out.dtype)
        if R.random() < 0.15:
            g = torch.ones(out.shape, dtype=out.dtype)
        second = out.dtype == torch.float64 and R.random() < 0.35
        grads = torch.autograd.grad(out, leaves, g, allow_unused=True, create_graph=second)
        exp['gradOut'] = [enc(v) for v in g.flatten().tolist()]
        exp['grads'] = [None if gr is None else flat(gr) for gr in grads]
        exp['gradShapes'] = [None if gr is None else list(gr.shape) for gr in grads]
        if second:
            # Second order: the gradient of Σ_i <grad_i, w_i> for random w_i (gradients of gradients).
            ws = [None if gr is None else torch.randn(gr.shape, dtype=torch.float64).to(gr.dtype) for gr in grads]
            terms = [(gr * w).sum() for gr, w in zip(grads, ws) if gr is not None and gr.requires_grad]
            exp['gradWeights'] = [None if w is None else [enc(v) for v in w.flatten().tolist()] for w in ws]
            if terms:
                g2 = torch.autograd.grad(sum(terms), leaves, allow_unused=True)
                exp['grads2'] = [None if gr is None else flat(gr) for gr in g2]
            else:
                exp['grads2'] = [None for _ in leaves]
    c['expect'] = exp
    CASES.append(c)
    return c


# ------------------------------------------------------------------------------------------ generators

SHAPES = [[], [1], [4], [0], [2, 3], [3, 1], [1, 4], [2, 0], [2, 3, 4], [2, 1, 3], [3, 1, 1], [5], [3, 4]]
NONEMPTY = [s for s in SHAPES if size_of(s) > 0]


def rshape(nonempty=False, min_nd=0):
    pool = [s for s in (NONEMPTY if nonempty else SHAPES) if len(s) >= min_nd]
    return list(R.choice(pool))


def broadcast_partner(a):
    mode = R.random()
    if mode < 0.35:
        return list(a)
    if mode < 0.45:
        return []
    b = [1 if R.random() < 0.4 else d for d in a]
    drop = R.randint(0, len(b))
    return b[drop:]


def binary_cases(op, per, domain='normal'):
    dtype_pairs = [('float32', 'float32')] * 5 + [('float64', 'float64')] * 2 + [
        ('float32', 'float64'), ('int32', 'float32'), ('int32', 'int32'), ('bool', 'bool'), ('bool', 'float32'),
        ('int32', 'bool'), ('float64', 'int32')]
    for _ in range(per):
        a = rshape()
        b = broadcast_partner(a)
        if R.random() < 0.5:
            a, b = b, a
        da, db = R.choice(dtype_pairs)
        if op == 'pow' and 'float64' in (da, db) and da != db:
            # torch 1.13 takes log(a) for the exponent's gradient in a's dtype; newer PyTorch (and adjoint) in the
            # promoted dtype, so mixed-precision pow gradients differ from this oracle at float32 precision.
            da = db = 'float64'
        kind = R.choice(['normal', 'ties', 'special', 'mixed', domain, domain])
        kb = kind
        if op == 'pow':
            kb = R.choice(['ties', 'normal', 'special', 'int'])
            if kb == 'int':
                kb = 'normal'
        A = T(a, da, kind)
        B = T(b, db, kb)
        if op == 'pow' and kb != 'special' and R.random() < 0.5:
            B = T(b, db, values=[float(R.randint(-2, 3)) if db in FLOATS else R.randint(0, 3) for _ in range(size_of(b))], view=False) \
                if db != 'bool' else B
        r = R.random()
        if r < 0.2:
            v = R.choice([2, 0.5, -1.5, 0, 3, float('nan'), float('inf'), -0.0, 1.0, -2])
            case(op, [A, N(v)])
        elif r < 0.3:
            v = R.choice([2, 0.5, -1.5, 0, 3, -2, 1e-3])
            case(op, [N(v), B])
        else:
            case(op, [A, B])
    # 0-d tensors next to dimensioned ones: the dimensioned operand's dtype wins within a category.
    for da, db in [('float32', 'float64'), ('float64', 'float32'), ('int32', 'float64'), ('bool', 'int32'), ('int32', 'float32')]:
        if op == 'pow' and 'float64' in (da, db):
            continue
        case(op, [T([3], da, domain), T([], db, domain)])
        case(op, [T([], db, domain), T([2, 2], da, domain)])


def unary_cases(op, per, domain='normal'):
    for _ in range(per):
        shape = rshape()
        dt = R.choice(['float32'] * 4 + ['float64'] * 2 + ['int32', 'bool'])
        kind = R.choice(['normal', 'special', 'ties', 'large', domain, domain])
        case(op, [T(shape, dt, kind)])


def reduce_dims(shape):
    nd = len(shape)
    r = R.random()
    if r < 0.25 or nd == 0:
        if nd == 0 and R.random() < 0.5:
            return R.choice([0, -1, [0], []])
        return [] if R.random() < 0.2 else None
    if r < 0.7:
        return R.randrange(-nd, nd)
    k = R.randint(1, nd)
    ds = R.sample(range(nd), k)
    return [d - nd if R.random() < 0.3 else d for d in ds]


def reduction_cases(op, per, dtypes=('float32', 'float64')):
    for _ in range(per):
        shape = rshape()
        dt = R.choice(dtypes)
        kind = R.choice(['normal', 'ties', 'ties', 'special', 'large', 'mixed'])
        kw = {}
        d = reduce_dims(shape)
        if d is not None:
            kw['dim'] = d
        kw['keepdim'] = R.random() < 0.4
        case(op, [T(shape, dt, kind)], **kw)


def arg_cases(op, per):
    for _ in range(per):
        shape = rshape()
        dt = R.choice(['float32', 'float64', 'int32'])
        kind = R.choice(['normal', 'ties', 'ties', 'special'])
        kw = {'keepdim': R.random() < 0.4}
        if len(shape) and R.random() < 0.7:
            kw['dim'] = R.randrange(-len(shape), len(shape))
        elif not len(shape) and R.random() < 0.3:
            kw['dim'] = R.choice([0, -1])
        case(op, [T(shape, dt, kind, grad=False)], **kw)


def gen_all(per):
    for op in ['add', 'sub', 'mul', 'maximum', 'minimum']:
        binary_cases(op, per)
    binary_cases('div', per)
    binary_cases('pow', per, 'positive')
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        binary_cases(op, per // 2)
    for _ in range(per // 4):
        a = rshape()
        case('logicalAnd', [T(a, R.choice(['bool', 'float32', 'int32']), 'ties'), T(broadcast_partner(a), 'bool')])
    # NaN in maximum/minimum: torch's rule gives the full gradient to both operands when either is NaN.
    for op in ['maximum', 'minimum']:
        case(op, [T([4], values=[float('nan'), 1.0, float('nan'), 2.0], view=False), T([4], values=[1.0, float('nan'), float('nan'), 2.0], view=False)])

    for op, dom in [('neg', 'normal'), ('exp', 'normal'), ('log', 'positive'), ('sqrt', 'positive'), ('abs', 'ties'),
                    ('sin', 'normal'), ('cos', 'normal'), ('tanh', 'large'), ('sigmoid', 'large'), ('relu', 'ties'),
                    ('sign', 'ties'), ('square', 'normal'), ('rsqrt', 'positive'), ('reciprocal', 'normal')]:
        unary_cases(op, per, dom)

    # where
    for _ in range(per):
        shape = rshape()
        cs = broadcast_partner(shape)
        bs = broadcast_partner(shape)
        dts = R.choice([('float32', 'float32'), ('float64', 'float64'), ('float32', 'float64'), ('int32', 'float32'),
                        ('int32', 'int32'), ('bool', 'bool'), ('float64', 'float32')])
        A, B = T(shape, dts[0], 'special' if R.random() < 0.3 else 'normal'), T(bs, dts[1])
        r = R.random()
        if r < 0.2:
            B = N(R.choice([0, 0.5, -2, float('nan')]))
        elif r < 0.3:
            A = N(R.choice([0, 1.5, -1]))
        elif r < 0.35:
            A, B = N(0.5), N(-1.5)
        case('where', [T(cs, 'bool'), A, B])
    for da, db in [('float32', 'float64'), ('float64', 'float32')]:
        case('where', [T([3], 'bool'), T([3], da), T([], db)])

    # clamp
    for _ in range(per):
        shape = rshape()
        dt = R.choice(['float32', 'float32', 'float64', 'int32'])
        kind = R.choice(['ties', 'ties', 'normal', 'special'])
        r = R.random()
        bounds = R.choice([(-0.5, 0.5), (0, None), (None, 0), (None, 0.5), (-1, 1), (0.5, -0.5), (1, 1), (0, 0),
                           (-2, 2), (float('-inf'), 0.5), (-0.5, float('inf'))])
        kw = {}
        if bounds[0] is not None:
            kw['min'] = num(bounds[0])
        if bounds[1] is not None:
            kw['max'] = num(bounds[1])
        case('clamp', [T(shape, dt, kind)], **kw)

    for op in ['sum', 'max', 'min']:
        reduction_cases(op, per, ('float32', 'float32', 'float64', 'int32', 'bool'))
    reduction_cases('mean', per, ('float32', 'float64'))
    reduction_cases('logsumexp', per, ('float32', 'float64', 'int32'))
    # max/min without dim over NaN: the gradient goes to the NaN elements (torch.max's evenly_distribute_backward)
    for op in ['max', 'min']:
        case(op, [T([5], values=[1.0, float('nan'), 3.0, float('nan'), 3.0], view=False)])
        case(op, [T([2, 3], values=[1.0, float('nan'), 3.0, 2.0, 2.0, 0.0], view=False)], dim=1)
        case(op, [T([2, 2], values=[float('inf'), float('inf'), 1.0, float('-inf')], view=False)], dim=0)
    arg_cases('argmax', per)
    arg_cases('argmin', per)

    # matmul
    mm_shapes = [([4], [4]), ([3, 4], [4]), ([4], [4, 5]), ([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]),
                 ([1, 3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]), ([4], [2, 4, 3]), ([2, 3, 4], [4]), ([3, 0], [0, 2]),
                 ([0, 3], [3, 2]), ([0], [0]), ([20, 70], [70, 30]), ([33, 65], [65, 17]), ([2, 9, 40], [40, 11]),
                 ([1, 5], [5, 1]), ([5], [5, 1]), ([3, 4], [3, 4]), ([], [3])]
    for _ in range(2):
        for sa, sb in mm_shapes:
            da, db = R.choice([('float32', 'float32')] * 3 + [('float64', 'float64'), ('int32', 'int32')])
            kind = R.choice(['normal', 'normal', 'special', 'ties'])
            case('matmul', [T(sa, da, kind), T(sb, db, kind)])

    # movement
    for _ in range(per):
        shape = rshape()
        dt = R.choice(['float32', 'float64', 'int32', 'bool'])
        n = size_of(shape)
        targets = [[n], [-1], [1, n], [n, 1, 1], [-1, 1]]
        if n == 1:
            targets.append([])
        if len(shape) >= 2:
            targets.append([shape[0], -1])
            targets.append(list(reversed(shape)))
        if n == 0:
            targets += [[0, 5], [-1, 3], [3, -1, 0]]
        case('reshape', [T(shape, dt)], shape=R.choice(targets))
    for _ in range(per // 2):
        shape = rshape()
        n = size_of(shape)
        case('view', [T(shape, view=R.random() < 0.5)], shape=R.choice([[n], [-1], [1, -1]]))
    for _ in range(per):
        shape = rshape()
        nd = len(shape)
        dims = list(range(nd))
        R.shuffle(dims)
        dims = [d - nd if R.random() < 0.3 else d for d in dims]
        case('permute', [T(shape, R.choice(['float32', 'float64', 'int32']))], dims=dims)
        if nd:
            case('transpose', [T(shape)], dim0=R.randrange(-nd, nd), dim1=R.randrange(-nd, nd))
        else:
            case('transpose', [T(shape)], dim0=R.choice([0, -1]), dim1=R.choice([0, -1]))
        if nd <= 2:
            case('T', [T(shape)])
    for _ in range(per):
        shape = rshape()
        target = [d if d != 1 or R.random() < 0.3 else R.randint(0, 3) for d in shape]
        target = [R.randint(1, 3) for _ in range(R.randint(0, 2))] + target
        tgt = [(-1 if (i >= len(target) - len(shape) and R.random() < 0.3) else d) for i, d in enumerate(target)]
        case('expand', [T(shape, R.choice(['float32', 'float64', 'bool']))], shape=tgt)
        case('expandAs', [T(shape), T(target, grad=False)])
    for _ in range(per):
        shape = rshape()
        nd = len(shape)
        r = R.random()
        kw = {}
        if r < 0.3:
            pass
        elif r < 0.7:
            kw['dim'] = R.randrange(-nd, nd) if nd else R.choice([0, -1])
        else:
            kw['dim'] = R.sample(range(nd), R.randint(1, nd)) if nd else [0]
        case('squeeze', [T(shape)], **kw)
        case('unsqueeze', [T(shape)], dim=R.randrange(-nd - 1, nd + 1))
        fk = {}
        if nd and R.random() < 0.7:
            s = R.randrange(-nd, nd)
            fk['startDim'] = s
            if R.random() < 0.6:
                fk['endDim'] = R.randrange(-nd, nd)
        case('flatten', [T(shape)], **fk)
        case('contiguous', [T(shape, view=True)])
    for _ in range(per):
        shape = rshape(min_nd=1)
        nd = len(shape)
        d = R.randrange(-nd, nd)
        size = shape[d]
        start = R.randint(0, size)
        length = R.randint(0, size - start)
        if R.random() < 0.3 and size:
            start = start - size
        case('narrow', [T(shape, R.choice(['float32', 'float64', 'int32']))], dim=d, start=start, length=length)
    for _ in range(per):
        shape = rshape(min_nd=1)
        nd = len(shape)
        d = R.randrange(-nd, nd)
        k = R.randint(1, 3)
        parts = []
        for _ in range(k):
            s = list(shape)
            s[d] = R.randint(0, 3)
            parts.append(T(s, R.choice(['float32', 'float32', 'float64', 'int32', 'bool'])))
        case('cat', [L(*parts)], dim=d)
        sk = R.randint(1, 3)
        dt = R.choice(['float32', 'float64'])
        case('stack', [L(*[T(shape, R.choice([dt, dt, 'int32'])) for _ in range(sk)])], dim=R.randrange(-nd - 1, nd + 1))
    case('cat', [L(T([0]), T([2, 3]))], dim=0)
    case('cat', [L(T([2, 3]), T([0]))], dim=1)
    case('stack', [L(T([]), T([]))], dim=0)

    # indexing
    for _ in range(per):
        shape = rshape(min_nd=1)
        nd = len(shape)
        d = R.randrange(-nd, nd)
        size = shape[d]
        dt = R.choice(['float32', 'float64', 'int32'])
        k = R.randint(0, 4)
        if size == 0:
            k = 0
        idx = [R.randrange(size) for _ in range(k)]
        ishape = [k] if (k != 1 or R.random() < 0.5) else []
        case('indexSelect', [T(shape, dt), T(ishape, 'int32', values=idx, index=True, view=False)], dim=d)
        src_shape = list(shape)
        src_shape[d] = len(idx)
        case('indexAdd', [T(shape, dt), T(ishape, 'int32', values=idx, index=True, view=False), T(src_shape, dt)], dim=d)
        # gather / scatterAdd: index of the same rank, each dim ≤ the input's (dim d may be larger)
        gs = [R.randint(0, s) for s in shape]
        gs[d] = R.randint(0, 4) if size else 0
        gi = [R.randrange(size) for _ in range(size_of(gs))] if size else []
        if size_of(gs) and not size:
            gs[d] = 0
            gi = []
        case('gather', [T(shape, dt), T(gs, 'int32', values=gi, index=True, view=False)], dim=d)
        case('scatterAdd', [T(shape, dt), T(gs, 'int32', values=gi, index=True, view=False), T(gs, dt)], dim=d)

    # softmax
    for op in ['softmax', 'logSoftmax']:
        for _ in range(per):
            shape = rshape()
            nd = len(shape)
            kind = R.choice(['normal', 'large', 'large', 'special', 'ties'])
            kw = {}
            if R.random() < 0.8:
                kw['dim'] = R.randrange(-nd, nd) if nd else R.choice([0, -1])
            case(op, [T(shape, R.choice(['float32', 'float32', 'float64']), kind)], **kw)
        case(op, [T([2, 3], values=[float('-inf')] * 3 + [float('-inf'), 0.0, 1.0], view=False)], dim=1)
        case(op, [T([2, 2], values=[float('inf'), 1.0, float('nan'), 1.0], view=False)], dim=1)

    # casts
    for _ in range(per):
        shape = rshape()
        src = R.choice(['float32', 'float64', 'int32', 'bool'])
        kind = 'ties' if R.random() < 0.3 else 'normal'
        dst = R.choice(['float32', 'float64', 'int32', 'bool'])
        case('to', [T(shape, src, kind)], dtype=dst)
        case('clone', [T(shape, src, kind)])
        case(R.choice(['float', 'double', 'int']), [T(shape, src, kind)])
    case('to', [T([4], values=[float('inf'), float('nan'), -0.0, 0.0], view=False)], dtype='bool')
    case('to', [T([3], values=[2.7, -2.7, 0.5], view=False)], dtype='int32')

    # losses
    for _ in range(per * 2):
        dt = R.choice(['float32', 'float64'])
        C = R.randint(1, 5)
        layout = R.choice(['nc', 'nc', 'c', 'ncd'])
        Nn = R.randint(0, 4) if R.random() < 0.2 else R.randint(1, 4)
        D = R.randint(1, 3)
        ishape = {'nc': [Nn, C], 'c': [C], 'ncd': [Nn, C, D]}[layout]
        tshape = {'nc': [Nn], 'c': [], 'ncd': [Nn, D]}[layout]
        kind = R.choice(['normal', 'normal', 'large'])
        kw = {'reduction': R.choice(['mean', 'mean', 'sum', 'none'])}
        ignore = None
        if R.random() < 0.3:
            ignore = R.choice([-100, 0, 1, -1])
            kw['ignoreIndex'] = ignore
        tvals = []
        for _ in range(size_of(tshape)):
            if ignore is not None and R.random() < 0.3:
                tvals.append(ignore)
            else:
                tvals.append(R.randrange(C))
        args = [T(ishape, dt, kind)]
        prob = R.random() < 0.3
        if prob:
            p = torch.softmax(torch.randn(ishape, dtype=torch.float64), dim=1 if len(ishape) > 1 else 0).to(DT[dt])
            if R.random() < 0.3:
                p = torch.rand(ishape, dtype=torch.float64).to(DT[dt])
            args.append(T(ishape, dt, values=p.flatten().tolist(), view=False, grad=R.random() < 0.5))
            kw.pop('ignoreIndex', None)
        else:
            args.append(T(tshape, 'int32', values=tvals, index=True, view=False))
        if R.random() < 0.35:
            args.append(T([C], dt, 'positive', grad=False, view=False))
        if R.random() < 0.4:
            kw['labelSmoothing'] = R.choice([0.1, 0.25, 0.5, 1.0])
        case('crossEntropy', args, **kw)
        if not prob:
            kw.pop('labelSmoothing', None)
            lp = torch.log_softmax(torch.randn(ishape, dtype=torch.float64), dim=1 if len(ishape) > 1 else 0).to(DT[dt])
            case('nllLoss', [T(ishape, dt, values=lp.flatten().tolist(), view=False)] + args[1:], **kw)
    for _ in range(per):
        a = rshape()
        b = list(a) if R.random() < 0.8 else broadcast_partner(a)
        dt = R.choice(['float32', 'float64'])
        red = R.choice(['mean', 'sum', 'none'])
        case('mseLoss', [T(a, dt), T(b, dt, grad=R.random() < 0.5)], reduction=red)
        case('binaryCrossEntropyWithLogits', [T(a, dt, R.choice(['normal', 'large'])), T(a, dt, 'unit', grad=R.random() < 0.5)], reduction=red)

    # creation
    for args in [[5], [0], [1, 4], [2, 9, 3], [10, 0, -3], [0, 1, 0.25], [-1.5, 2.5, 0.5], [0, 1, 0.1], [1, 2.5], [0.5, 3],
                 [5, 5], [0, -4, -1], [3, 1], [0, 10, 3], [1e-3, 2e-3, 1e-4]]:
        case('arange', [], values=[enc(a) for a in args])
        case('arange', [], values=[enc(a) for a in args], dtype='float64')
    case('arange', [], values=[0, 5], dtype='float32')
    case('arange', [], values=[0, 5, 2], dtype='int32')
    for st, en, steps in [(0, 1, 5), (0, 1, 7), (-1, 1, 1), (2, 2, 3), (0, 1, 0), (1, 0, 4), (-3.5, 10.25, 11), (0, 1, 100),
                          (0.1, 0.9, 9)]:
        case('linspace', [], start=st, end=en, steps=steps)
        case('linspace', [], start=st, end=en, steps=steps, dtype='float64')
    for n, m in [(3, None), (2, 4), (4, 2), (0, None), (1, 1), (0, 3)]:
        kw = {'n': n} if m is None else {'n': n, 'm': m}
        case('eye', [], **kw)
        case('eye', [], dtype=R.choice(['float64', 'int32', 'bool']), **kw)
    for shape, v, dt in [([2, 3], 7, None), ([3], 2.5, None), ([], -1, None), ([0, 2], 1, None), ([2], 3, 'int32'),
                         ([2], 1, 'bool'), ([2], 0, 'bool'), ([2, 2], 0.1, 'float64'), ([2], float('nan'), None),
                         ([2], float('-inf'), 'float64'), ([2], 3.7, 'int32')]:
        kw = {'shape': shape, 'value': enc(v)}
        if dt:
            kw['dtype'] = dt
        case('full', [], **kw)
    for shape in [[2, 3], [], [0]]:
        for dt in ['float32', 'float64', 'int32', 'bool']:
            case('zeros', [], shape=shape, dtype=dt)
            case('ones', [], shape=shape, dtype=dt)

    # in-place ops on a clone (the result keeps the tensor's dtype)
    for _ in range(per // 2):
        a = rshape()
        da = R.choice(['float32', 'float32', 'float64', 'int32'])
        db = R.choice(['float32', 'float64', 'int32'])
        for op in ['add_', 'sub_', 'mul_', 'div_']:
            if R.random() < 0.3:
                case(op, [T(a, da), N(R.choice([2, 0.5, -1]))])
            else:
                case(op, [T(a, da), T(broadcast_partner(a), db)])
        case('copy_', [T(a, da), T(broadcast_partner(a), db)])
        case('clamp_', [T(a, da, 'ties')], **R.choice([{'min': -0.5}, {'max': 0.5}, {'min': -0.5, 'max': 0.5}]))
        case('fill_', [T(a, da)], value=R.choice([0, 1.5, -2]))
        case('zero_', [T(a, da)])

    # composite programs: gradient accumulation through reused tensors, broadcasting, chains of ops
    for _ in range(per // 2):
        dt = R.choice(['float32', 'float64'])
        n, d, h, c = R.randint(1, 4), R.randint(1, 5), R.randint(1, 6), R.randint(2, 4)
        case('mlp', [T([n, d], dt), T([h, d], dt), T([h], dt), T([c, h], dt), T([c], dt),
                     T([n], 'int32', values=[R.randrange(c) for _ in range(n)], index=True, view=False)])
        b, t = R.randint(1, 3), R.randint(1, 4)
        # Logits of ±1000 only in float64: in float32 their rounding (adjoint accumulates matmuls in float64, BLAS
        # in float32) is amplified by softmax beyond any fair tolerance.
        kk = 'large' if dt == 'float64' and R.random() < 0.3 else 'normal'
        case('attention', [T([b, t, d], dt), T([b, t, d], dt, kk), T([b, t, h], dt)])
        case('layernorm', [T([n, d], dt, R.choice(['normal', 'ties']))])
        s1 = rshape(nonempty=True)
        case('reuse', [T(s1, dt, R.choice(['normal', 'ties'])), T(broadcast_partner(s1), dt, R.choice(['normal', 'ties']))])

    repr_cases(per)


def repr_cases(per):
    def rv(values, shape, dt='float32', **kw):
        case('repr', [T(shape, dt, values=values, view=False, grad=kw.pop('grad', False))], **kw)

    rv([1.0, 2.0, 3.0], [3])
    rv([1.0, 2.5], [2])
    rv([[1, 2], [3, 4]], [2, 2], 'float32')
    rv([1.5], [], 'float32')
    rv([3], [], 'int32')
    rv([True], [], 'bool')
    rv([1, -2, 300], [3], 'int32')
    rv([True, False], [2], 'bool')
    rv([1.0, 2000.0], [2])
    rv([0.5, 1000.5], [2])
    rv([1.0, float('-inf')], [2])
    rv([0.0, float('nan')], [2])
    rv([0.0, 0.0], [2])
    rv([-0.0, 1.0], [2])
    rv([1e-5, 1.0], [2])
    rv([1e9, 1.0], [2])
    rv([1e8, 1.0], [2])
    rv([123456789.0, 1.0], [2], 'float64')
    rv([1.03125, 2.0], [2])
    rv([0.00015, 0.5], [2])
    rv([float('nan'), float('inf'), float('-inf')], [3])
    rv([-1.5, 2.25, 1e-3], [3], 'float64')
    rv([1.0, 2.0], [2], 'float64')
    rv([], [0])
    rv([], [0], 'float64')
    rv([], [0], 'int32')
    rv([], [0], 'bool')
    rv([], [2, 0])
    rv([], [0, 3], 'int32')
    rv([i / 7 for i in range(20)], [20])
    rv([i / 7 for i in range(40)], [4, 10])
    rv([float(i) for i in range(30)], [30])
    rv(list(range(50)), [50], 'int32')
    rv([R.gauss(0, 1) for _ in range(24)], [2, 3, 4])
    rv([R.gauss(0, 1) for _ in range(1200)], [1200])
    rv([R.gauss(0, 1) for _ in range(2000)], [40, 50])
    rv([float(i) for i in range(1001)], [1001])
    rv([R.gauss(0, 100) for _ in range(12)], [3, 4])
    rv([R.gauss(0, 1) for _ in range(6)], [2, 3], grad=True)
    rv([R.gauss(0, 1) for _ in range(3)], [3], 'float64', grad=True)
    rv([R.gauss(0, 1) for _ in range(3)], [3], grad=True, post='mul2')
    rv([R.gauss(0, 1) for _ in range(3)], [3], grad=True, post='exp')
    rv([R.gauss(0, 1) for _ in range(3)], [3], grad=True, post='neg')
    rv([R.gauss(0, 1) for _ in range(3)], [3], 'float64', grad=True, post='sum')
    rv([R.gauss(0, 1) for _ in range(12)], [12], 'float64', grad=True)
    rv([R.gauss(0, 1) for _ in range(12)], [12], 'float64', grad=True, post='mul2')
    rv([R.gauss(0, 1) for _ in range(9)], [9], 'float64', grad=True, post='mul2')
    rv([R.gauss(0, 1) for _ in range(8)], [8], 'float64', grad=True, post='mul2')
    for _ in range(per):
        shape = R.choice([rshape(), rshape(), [R.randint(1, 3), R.randint(5, 30)], [R.randint(8, 40)], [R.randint(2, 4), 400],
                          [1001], [3, 2, R.randint(1, 12)], [R.randint(7, 12), 2, 100]])
        dt = R.choice(['float32', 'float64', 'int32', 'bool'])
        scale = R.choice([1, 1e-3, 1e3, 1e6, 1e-6, 1e9])
        n = size_of(shape)
        if dt in FLOATS:
            vals = [R.gauss(0, 1) * scale if R.random() < 0.8 else float(R.randint(-3, 3)) for _ in range(n)]
            if R.random() < 0.3:
                vals = [float(round(v)) for v in vals]
        else:
            vals = gen_values(n, dt, 'normal')
        rv(vals, shape, dt)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default='scripts/oracle/cases.json')
    ap.add_argument('--seed', type=int, default=20261128)
    ap.add_argument('--per-op', type=int, default=40, help='random cases per op (default 40)')
    args = ap.parse_args()
    R.seed(args.seed)
    torch.manual_seed(args.seed)
    gen_all(args.per_op)
    with open(args.out, 'w') as f:
        json.dump({'torch': torch.__version__, 'seed': args.seed, 'cases': CASES}, f, allow_nan=False)
    errors = sum(1 for c in CASES if not c['expect']['ok'])
    print(f'{len(CASES)} cases ({errors} where torch raises) written to {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
