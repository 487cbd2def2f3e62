#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the training utilities (test/optim-torch.test.ts, test/lr-scheduler.test.ts,
test/nn-utils.test.ts). Never a test or CI dependency: the tests read the JSON this writes:

  test/fixtures/optim.json              parameter trajectories of every optimizer and option combination, L-BFGS
  test/fixtures/optim-schedulers.json   learning-rate (and momentum) sequences of every scheduler
  test/fixtures/optim-utils.json        clip_grad_norm_ / clip_grad_value_ results, load_state_dict(strict=False) keys

Needs Debian's PyTorch (1.13):

    /usr/bin/python3 scripts/oracle/optim.py

The default dtype is float64, so that the optimizers' scalar state kept as tensors (NAdam's mu_product, the step
counts) is float64 as adjoint keeps it (in JS numbers). Options are written in adjoint's camelCase; NAdam and RAdam
have no `maximize` in 1.13, so for them it is emulated as PyTorch 2 defines it: the gradient is negated before the
step.
"""
import json
import math
import os
import re

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', 'test', 'fixtures')


def snake(name):
    return re.sub(r'([A-Z])', lambda m: '_' + m.group(1).lower(), name)


def py_options(opts):
    return {snake(k): (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}


# ---- the problem every trajectory runs on: mean((tanh(x W + b) - y)^2) + 0.01 sum(W^4) ----------------------
X = [[math.sin(1.3 * i + 0.7 * j + 0.1) for j in range(3)] for i in range(4)]
Y = [[math.cos(0.9 * i - 1.1 * j) * 0.8 for j in range(2)] for i in range(4)]
W0 = [[0.3 * math.sin(i + 2.0 * j + 0.5) for j in range(2)] for i in range(3)]
B0 = [0.1, -0.2]
STEPS = 12
SKIP_BIAS_AT = 4  # at this step (0-based) the bias has no gradient, so the optimizer skips it


def loss_fn(W, b, dtype):
    x = torch.tensor(X, dtype=dtype)
    y = torch.tensor(Y, dtype=dtype)
    return ((x @ W + b).tanh() - y).pow(2).mean() + 0.01 * W.pow(4).sum()


MAXIMIZE_EMULATED = {'NAdam', 'RAdam'}


def trajectory(name, options, group0, dtype, steps=STEPS):
    W = torch.tensor(W0, dtype=dtype, requires_grad=True)
    b = torch.tensor(B0, dtype=dtype, requires_grad=True)
    opts = dict(options)
    emulate = name in MAXIMIZE_EMULATED and opts.pop('maximize', False)
    cls = getattr(torch.optim, name)
    opt = cls([dict(params=[W], **py_options(group0)), dict(params=[b])], **py_options(opts))
    out = []
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(W, b, dtype)
        if emulate:
            loss = -loss  # maximize f == minimize -f: the gradient is negated, nothing else changes
        loss.backward()
        if step == SKIP_BIAS_AT:
            b.grad = None
        opt.step()
        out.append(W.detach().reshape(-1).tolist() + b.detach().tolist())
    return out


OPTIMIZER_CASES = [
    ('SGD', {'lr': 0.1}, {}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.05}, {'lr': 0.2}),
    ('SGD', {'lr': 0.1, 'momentum': 0.8, 'dampening': 0.3, 'maximize': True}, {}),
    ('Adam', {'lr': 0.05}, {}),
    ('Adam', {'lr': 0.05, 'amsgrad': True, 'weightDecay': 0.1, 'betas': [0.8, 0.95]}, {'lr': 0.02}),
    ('Adam', {'lr': 0.05, 'maximize': True}, {}),
    ('AdamW', {'lr': 0.05, 'weightDecay': 0.1, 'amsgrad': True}, {'weightDecay': 0.3}),
    ('AdamW', {'lr': 0.05, 'maximize': True}, {}),
    ('RMSprop', {}, {}),
    ('RMSprop', {'lr': 0.01, 'alpha': 0.9, 'centered': True, 'momentum': 0.5, 'weightDecay': 0.1}, {'lr': 0.03}),
    ('RMSprop', {'lr': 0.02, 'momentum': 0.9, 'maximize': True}, {'alpha': 0.8}),
    ('RMSprop', {'lr': 0.02, 'centered': True, 'eps': 1e-3}, {}),
    ('Adagrad', {'lr': 0.1}, {}),
    ('Adagrad', {'lr': 0.1, 'lrDecay': 0.05, 'weightDecay': 0.1, 'initialAccumulatorValue': 0.5}, {'lr': 0.3}),
    ('Adagrad', {'lr': 0.1, 'maximize': True, 'eps': 1e-3}, {}),
    ('Adamax', {}, {}),
    ('Adamax', {'lr': 0.05, 'betas': [0.8, 0.9], 'weightDecay': 0.2, 'maximize': True}, {'lr': 0.01}),
    ('NAdam', {}, {}),
    ('NAdam', {'lr': 0.05, 'weightDecay': 0.1, 'momentumDecay': 0.01}, {'betas': [0.85, 0.99]}),
    ('NAdam', {'lr': 0.02, 'maximize': True}, {}),
    ('RAdam', {'lr': 0.05}, {}),
    ('RAdam', {'lr': 0.05, 'weightDecay': 0.1, 'betas': [0.9, 0.99]}, {'lr': 0.1}),
    ('RAdam', {'lr': 0.02, 'maximize': True}, {}),
]
FLOAT32_CASES = [('Adam', {'lr': 0.05}, {}), ('RMSprop', {'lr': 0.01, 'centered': True, 'momentum': 0.5}, {}), ('NAdam', {'lr': 0.05}, {}),
                 ('Adagrad', {'lr': 0.1}, {}), ('Adamax', {'lr': 0.05}, {}), ('RAdam', {'lr': 0.05}, {})]


# ---- L-BFGS -----------------------------------------------------------------------------------------------------
def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def lbfgs_rosenbrock(options, steps):
    x = torch.tensor([-1.5, 2.0], requires_grad=True)
    opt = torch.optim.LBFGS([x], **py_options(options))
    out = []
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss
        loss = opt.step(closure)
        state = opt.state[x]
        out.append({'x': x.detach().tolist(), 'loss': loss.item(), 'funcEvals': state['func_evals'], 'nIter': state['n_iter']})
    return out


def lbfgs_problem(options, steps):
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], **py_options(options))
    out = []
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = loss_fn(W, b, torch.float64)
            loss.backward()
            return loss
        loss = opt.step(closure)
        state = opt.state[W]
        out.append({'x': W.detach().reshape(-1).tolist() + b.detach().tolist(), 'loss': loss.item(), 'funcEvals': state['func_evals'],
                    'nIter': state['n_iter']})
    return out


LBFGS_CASES = [
    ('rosenbrock', {'lr': 1, 'lineSearchFn': 'strong_wolfe'}, 4),
    ('rosenbrock', {'lr': 1, 'lineSearchFn': 'strong_wolfe', 'historySize': 3, 'maxIter': 7}, 8),
    ('rosenbrock', {'lr': 0.1, 'maxIter': 10}, 3),
    ('problem', {'lr': 1, 'lineSearchFn': 'strong_wolfe', 'historySize': 2}, 3),
    ('problem', {'lr': 0.5, 'maxIter': 6, 'historySize': 3, 'maxEval': 5}, 4),
]


def optimizer_fixture():
    cases = []
    for name, options, group0 in OPTIMIZER_CASES:
        cases.append({'optimizer': name, 'options': options, 'group0': group0, 'dtype': 'float64',
                      'trajectory': trajectory(name, options, group0, torch.float64)})
    for name, options, group0 in FLOAT32_CASES:
        cases.append({'optimizer': name, 'options': options, 'group0': group0, 'dtype': 'float32',
                      'trajectory': trajectory(name, options, group0, torch.float32)})
    lbfgs = []
    for problem, options, steps in LBFGS_CASES:
        run = lbfgs_rosenbrock if problem == 'rosenbrock' else lbfgs_problem
        ts_options = {k: ('strongWolfe' if v == 'strong_wolfe' else v) for k, v in options.items()}
        lbfgs.append({'problem': problem, 'options': ts_options, 'steps': run(options, steps)})
    return {
        'about': 'Written by scripts/oracle/optim.py (PyTorch ' + torch.__version__ + '); see its docstring.',
        'problem': {'x': X, 'y': Y, 'w0': W0, 'b0': B0, 'steps': STEPS, 'skipBiasAt': SKIP_BIAS_AT,
                    'loss': 'mean((tanh(x @ W + b) - y)^2) + 0.01 * sum(W^4); groups [{params: [W], ...group0}, {params: [b]}]'},
        'cases': cases,
        'lbfgs': lbfgs,
    }


# ---- schedulers -------------------------------------------------------------------------------------------------
S = torch.optim.lr_scheduler


def lambda_factor(epoch):
    return 0.9 ** epoch + 1 / (epoch + 1)


def mult_factor(epoch):
    return 0.95 if epoch % 2 else 1.02


SCHEDULER_CASES = [
    # (name, make(opt) -> scheduler, steps, optimizer, metrics)
    ('StepLR', lambda o: S.StepLR(o, 3, gamma=0.5), 12),
    ('MultiStepLR', lambda o: S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3), 12),
    ('ConstantLR', lambda o: S.ConstantLR(o, factor=0.4, total_iters=3), 6),
    ('LinearLR', lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4), 8),
    ('LinearLR decreasing', lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=7), 10),
    ('ExponentialLR', lambda o: S.ExponentialLR(o, 0.9), 15),
    ('PolynomialLR', lambda o: S.PolynomialLR(o, total_iters=6, power=2.0), 8),
    ('LambdaLR', lambda o: S.LambdaLR(o, lambda_factor), 10),
    ('LambdaLR per group', lambda o: S.LambdaLR(o, [lambda_factor, lambda e: 1 / (1 + e)]), 10),
    ('MultiplicativeLR', lambda o: S.MultiplicativeLR(o, mult_factor), 10),
    ('CosineAnnealingLR', lambda o: S.CosineAnnealingLR(o, 5, eta_min=0.001), 23),
    ('CosineAnnealingLR long', lambda o: S.CosineAnnealingLR(o, 50), 60),
    ('CosineAnnealingWarmRestarts', lambda o: S.CosineAnnealingWarmRestarts(o, 3, T_mult=2, eta_min=0.01), 25),
    ('CosineAnnealingWarmRestarts T_mult 1', lambda o: S.CosineAnnealingWarmRestarts(o, 4), 12),
    ('OneCycleLR', lambda o: S.OneCycleLR(o, [0.5, 0.2], total_steps=20), 19),
    ('OneCycleLR linear three phase', lambda o: S.OneCycleLR(o, 0.3, epochs=3, steps_per_epoch=5, anneal_strategy='linear', three_phase=True,
                                                              div_factor=10.0, final_div_factor=100.0, pct_start=0.25), 14),
    ('OneCycleLR Adam', lambda o: S.OneCycleLR(o, 0.01, total_steps=12, base_momentum=0.8, max_momentum=[0.9, 0.95]), 11),
    ('SequentialLR warmup cosine', lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.CosineAnnealingLR(o, 6)], [3]), 14),
    ('SequentialLR three', lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, 0.8),
                                                         S.StepLR(o, 2, gamma=0.5)], [2, 6]), 12),
    ('ChainedScheduler', lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2), S.ExponentialLR(o, 0.9)]), 8),
    ('ReduceLROnPlateau', lambda o: S.ReduceLROnPlateau(o, 'min', factor=0.5, patience=2, cooldown=1, min_lr=[0.01, 0.02]), 20),
    ('ReduceLROnPlateau max abs', lambda o: S.ReduceLROnPlateau(o, 'max', factor=0.3, patience=1, threshold=0.05, threshold_mode='abs'), 16),
]
OPTIMIZER_FOR = {'OneCycleLR Adam': 'Adam'}
METRICS = [1.0, 0.9, 0.95, 0.91, 0.92, 0.905, 0.5, 0.6, 0.7, 0.65, 0.4, 0.4, 0.41, 0.39, 0.3999, 0.395, 0.2, 0.21, 0.22, 0.23]


def scheduler_fixture():
    cases = []
    for name, make, steps in SCHEDULER_CASES:
        p1 = torch.zeros(2, requires_grad=True)
        p2 = torch.zeros(1, requires_grad=True)
        kind = OPTIMIZER_FOR.get(name, 'SGD')
        if kind == 'Adam':
            opt = torch.optim.Adam([{'params': [p1], 'lr': 0.1}, {'params': [p2], 'lr': 0.05}])
        else:
            opt = torch.optim.SGD([{'params': [p1], 'lr': 0.1}, {'params': [p2], 'lr': 0.05}], lr=0.1, momentum=0.9)
        sched = make(opt)
        plateau = isinstance(sched, S.ReduceLROnPlateau)

        def momenta():
            return [g['betas'][0] if kind == 'Adam' else g['momentum'] for g in opt.param_groups]

        lrs = [[g['lr'] for g in opt.param_groups]]
        moms = [momenta()]
        for i in range(steps):
            opt.step()
            if plateau:
                sched.step(METRICS[i])
            else:
                sched.step()
            lrs.append(sched.get_last_lr() if not plateau else sched._last_lr)
            moms.append(momenta())
        case = {'name': name, 'optimizer': kind, 'lrs': lrs}
        if name.startswith('OneCycleLR'):
            case['momentum'] = moms
        cases.append(case)
    # CosineAnnealingWarmRestarts stepped with fractional epochs, as its docs show
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = S.CosineAnnealingWarmRestarts(opt, 3, T_mult=2, eta_min=0.001)
    epochs = [0.5, 1.25, 2.999, 3.0, 3.5, 8.75, 9.0, 10.1, 20.9, 21.0, 22.75, 1.5]
    lrs = []
    for e in epochs:
        sched.step(e)
        lrs.append(sched.get_last_lr())
    # closed forms: step(epoch) on the chainable schedulers
    closed = []
    for name, make, epoch_list in [
        ('StepLR', lambda o: S.StepLR(o, 3, gamma=0.5), [7, 2, 9]),
        ('MultiStepLR', lambda o: S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3), [5, 1, 10]),
        ('ExponentialLR', lambda o: S.ExponentialLR(o, 0.9), [4, 10]),
        ('CosineAnnealingLR', lambda o: S.CosineAnnealingLR(o, 5, eta_min=0.001), [3, 7, 12]),
        ('LinearLR', lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4), [2, 6]),
    ]:
        q = torch.zeros(1, requires_grad=True)
        o2 = torch.optim.SGD([q], lr=0.1)
        s2 = make(o2)
        seq = []
        for e in epoch_list:
            s2.step(e)
            seq.append(s2.get_last_lr())
        closed.append({'name': name, 'epochs': epoch_list, 'lrs': seq})
    return {
        'about': 'Written by scripts/oracle/optim.py (PyTorch ' + torch.__version__ + '). Optimizer: SGD (momentum 0.9) or Adam with '
                 'groups lr [0.1, 0.05]; lrs[0] is before the first scheduler.step().',
        'metrics': METRICS,
        'cases': cases,
        'warmRestartsEpochs': {'epochs': epochs, 'lrs': lrs},
        'closedForm': closed,
    }


# ---- clip_grad_norm_, clip_grad_value_, load_state_dict(strict=False) --------------------------------------------
GRADS = [
    [[0.5, -1.25, 2.0], [0.0, 3.5, -0.75]],
    [0.25, -4.0],
    [[[1e-3, -2e-3]], [[0.0, 0.0]]],
]


def utils_fixture():
    clip = []
    for dtype_name, dtype in (('float64', torch.float64), ('float32', torch.float32)):
        for norm_type in [2, 1, 3.5, 'inf', '-inf', 0, 0.5]:
            for max_norm in [0.5, 100.0]:
                ps = [torch.zeros(torch.tensor(g).shape, dtype=dtype, requires_grad=True) for g in GRADS]
                for p, g in zip(ps, GRADS):
                    p.grad = torch.tensor(g, dtype=dtype)
                nt = float(norm_type)
                total = torch.nn.utils.clip_grad_norm_(ps, max_norm, nt)
                clip.append({'dtype': dtype_name, 'normType': norm_type, 'maxNorm': max_norm, 'total': total.item(),
                             'grads': [p.grad.reshape(-1).tolist() for p in ps]})
    value = []
    for clip_value in [0.3, 2.0]:
        ps = [torch.zeros(torch.tensor(g).shape, requires_grad=True) for g in GRADS]
        for p, g in zip(ps, GRADS):
            p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_value_(ps, clip_value)
        value.append({'clipValue': clip_value, 'grads': [p.grad.reshape(-1).tolist() for p in ps]})
    # A gradient with an infinity: the norm is inf and, without errorIfNonfinite, every gradient is scaled by 0
    # (finite ones) or NaN (inf·0).
    ps = [torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)]
    ps[0].grad = torch.tensor([1.0, math.inf])
    ps[1].grad = torch.tensor([2.0])
    total = torch.nn.utils.clip_grad_norm_(ps, 1.0)
    nonfinite = {'total': str(total.item()), 'grads': [[str(v) for v in p.grad.tolist()] for p in ps]}

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Linear(2, 2)))
    sd = model.state_dict()
    keys = [k for k in sd.keys() if k not in ('0.bias', '2.1.weight')]
    extra = ['extra', '2.extra.w', '0.weight_g', '2.0.bias.sub', '5.weight', '2.1.running', '1.x']
    given = {}
    for k in keys[:2]:
        given[k] = sd[k]
    for k in extra[:3]:
        given[k] = torch.zeros(1)
    for k in keys[2:]:
        given[k] = sd[k]
    for k in extra[3:]:
        given[k] = torch.zeros(1)
    result = model.load_state_dict(given, strict=False)
    strict = {'model': 'Sequential(Linear(3, 4), ReLU(), Sequential(Linear(4, 2), Linear(2, 2)))', 'given': list(given.keys()),
              'missingKeys': list(result.missing_keys), 'unexpectedKeys': list(result.unexpected_keys)}
    return {
        'about': 'Written by scripts/oracle/optim.py (PyTorch ' + torch.__version__ + ').',
        'grads': GRADS,
        'clipGradNorm': clip,
        'clipGradValue': value,
        'nonfinite': nonfinite,
        'loadStateDictNonStrict': strict,
    }


def write(name, data):
    path = os.path.join(FIXTURES, name)
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


def main():
    write('optim.json', optimizer_fixture())
    write('optim-schedulers.json', scheduler_fixture())
    write('optim-utils.json', utils_fixture())


if __name__ == '__main__':
    main()
