"""iCT's one-step gap on 2-D data with budget: SW against training steps (3k → 100k) for CT, iCT and the best ablation
row, and a sweep of P_mean and s₁, on the course's oracle and the 25-mode grid (`toy.grid_mixture`).

Each job is one run (MLP 128×3, batch 512, cosine rate over the run, EMA 0.999 for sampling); `fit`'s callback scores the
EMA at the job's evaluation points: one- and two-step sliced Wasserstein (τ = 0.8) of 4000 samples against a test set,
as a ratio to the exact denoiser's Heun at 35 evaluations. The comparator is CD distilled from the exact denoiser
(what a perfect teacher gives). Jobs are independent processes (one CPU thread each: a 128-wide MLP is launch-bound on a
GPU, and CPU cores run many at once):

    python bench/ict_long.py list                        # job names, longest first
    python bench/ict_long.py job NAME [--out DIR]        # one run; writes DIR/NAME.json after every point
    python bench/ict_long.py table [--out DIR]           # nbs/_ict_long.md and bench/results/ict_long.json from the jobs
    python bench/ict_long.py list | xargs -P 12 -I{} python bench/ict_long.py job {}    # all of them
"""
import argparse, json, sys, time
from consistency_edu.experiments import ict_ablation_rows, write_result
from pathlib import Path
import torch
from consistency_edu.toy import oracle_mixture, grid_mixture
from consistency_edu.nets import MLP
from consistency_edu.train import fit
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.ict import ICTLoss
from consistency_edu.cd import CDLoss
from consistency_edu.ode import sample_heun, get_sigmas_karras
from consistency_edu.metrics import sliced_wasserstein
from consistency_edu.evaluate import sample_steps

ROOT = Path(__file__).resolve().parents[1]

DATA = {'oracle': oracle_mixture, 'grid': grid_mixture}
LONG, SHORT = 100_000, 30_000
CURVE = (3_000, 10_000, 30_000, 60_000, 100_000)


def jobs():
    "name -> (data, kind, steps, loss kwargs, net kwargs); the long runs first."
    rows = {n: (l, m) for n, l, m in ict_ablation_rows(160, dropout=0.1)}
    ict_l, ict_n = rows['+ Fourier scale 0.02, dropout (= iCT)']
    out = {}
    for d in DATA:
        out[f'{d}-ct-100k'] = (d, 'ict', LONG, *rows['original CT'])
        out[f'{d}-ict-100k'] = (d, 'ict', LONG, ict_l, ict_n)
        out[f'{d}-expcurr-100k'] = (d, 'ict', LONG, *rows['+ exponential curriculum'])
    for d in DATA:
        for pm in (0.0, 1.0): out[f'{d}-ict-pmean{pm:g}-30k'] = (d, 'ict', SHORT, {**ict_l, 'P_mean': pm}, ict_n)
        for s1 in (40, 1280): out[f'{d}-ict-s1_{s1}-30k'] = (d, 'ict', SHORT, {**ict_l, 's1': s1}, ict_n)
        out[f'{d}-cd-exact-30k'] = (d, 'cd', SHORT, {}, dict(dropout=0.))
    return out


def run_job(name, out_dir, n=4000, scale=1, where='a 16-core host'):
    d, kind, steps, lkw, nkw = jobs()[name]
    steps //= scale                                     # scale > 1: a shorter smoke run of the same job
    torch.set_num_threads(1)
    gm = DATA[d]()
    ref = gm.sample(n, generator=torch.Generator().manual_seed(1))
    z = torch.randn(n, 2, generator=torch.Generator().manual_seed(2))
    heun = sliced_wasserstein(sample_heun(gm, 80. * z.double(), get_sigmas_karras(18, 0.002, 80.).double()), ref)
    torch.manual_seed(0)
    m = ConsistencyModel(MLP(hidden=128, depth=3, **nkw))
    loss = ICTLoss(m, K=steps, **lkw) if kind == 'ict' else CDLoss(m, gm.denoise, N=18, mu=0.95, solver='heun', metric='l2')
    res = {'name': name, 'data': d, 'kind': kind, 'steps': steps, 'loss': lkw, 'net': nkw, 'heun35_exact': heun, 'points': [],
           'threads': torch.get_num_threads(), 'torch': torch.__version__, 'where': where}
    path = Path(out_dir)/f'{name}.json'; path.parent.mkdir(parents=True, exist_ok=True)
    def score(r):
        x1, x2 = sample_steps(r.ema.eval(), z, taus=[0.8], seed=0)
        sw1, sw2 = sliced_wasserstein(x1, ref), sliced_wasserstein(x2, ref)
        res['points'].append({'step': r.step, 'SW1': sw1, 'SW2': sw2, 'ratio1': sw1 / heun, 'ratio2': sw2 / heun, 'seconds': r.seconds})
        path.write_text(json.dumps(res, indent=1)); print(name, res['points'][-1], flush=True)
    every = 1000 // scale
    marks = {s // scale for s in CURVE if s // scale <= steps} | {steps}
    fit(m, loss, gm.sample, steps=steps, bs=512, lr=1e-3, warmup=100, schedule='cosine', ema_decay=0.999, progress=False,
        callback=lambda r: score(r) if r.step in marks else None, callback_every=every)


def table(out_dir):
    rs = [json.loads(p.read_text()) for p in sorted(Path(out_dir).glob('*.json'))]
    order = list(jobs()); rs.sort(key=lambda r: order.index(r['name']) if r['name'] in order else 99)
    write_result(ROOT/'bench'/'results'/'ict_long.json', {'runs': rs}, command=' '.join(['python', *sys.argv]))
    md = [f"By `bench/ict_long.py`, {time.strftime('%Y-%m-%d')}, torch {rs[0]['torch'] if rs else '?'}, each run on one CPU thread of a 16-core host (twelve runs at once) unless marked †: MLP 128×3, "
          f"batch 512, cosine rate over the run, EMA 0.999 for sampling; SW of 4000 one- and two-step samples (τ = 0.8) as a ratio "
          f"to the exact denoiser's Heun-35. A run's points are read along one run (its rate and curriculum laid out over its own length). "
          f"CT = the ablation's 'original CT' (√ curriculum, s₁ = 150, EMA teacher, L2, uniform index); best ablation row = '+ exponential curriculum'; "
          f"iCT: s₀ = 10, s₁ = 160, P_mean = −1.1 unless the row says otherwise. CD (exact teacher): distilled from the exact denoiser, Heun, L2.", '']
    md += ['| run | ' + ' | '.join(f'{s // 1000}k' for s in CURVE) + ' |', '|---|' + '---|' * len(CURVE)]
    for r in rs:
        by = {p['step']: p for p in r['points']}
        mark = ' †' if r.get('where', 'a 16-core host') != 'a 16-core host' else ''
        md.append(f"| {r['name']}{mark} | " + ' | '.join(f"{by[s]['ratio1']:.2f}× / {by[s]['ratio2']:.2f}×" if s in by else '' for s in CURVE) + ' |')
    md += ['', '(each cell: one-step / two-step SW as a multiple of the exact Heun-35; a run stops at its own length)']
    md += [f"\n† run on {r['where']} (torch {r['torch']}, one thread)" for r in rs if r.get('where', 'a 16-core host') != 'a 16-core host'][:1]
    (ROOT/'nbs'/'_ict_long.md').write_text('\n'.join(md) + '\n'); print('\n'.join(md))
    return rs


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('what', choices=['list', 'job', 'table']); ap.add_argument('name', nargs='?')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'ict_long')); ap.add_argument('--scale', type=int, default=1, help='divide the steps (smoke runs)')
    ap.add_argument('--where', default='a 16-core host', help="the machine, as the table should name it")
    a = ap.parse_args()
    if a.what == 'list': print('\n'.join(jobs()))
    elif a.what == 'job': run_job(a.name, a.out, scale=a.scale, where=a.where)
    else: table(a.out)
