"""iCT's techniques added one at a time to the original CT, on the 2-D oracle, at equal training budget.

Rows (cumulative, then two variations of iCT): original CT (square-root curriculum s0=2, s1=150, uniform index, L2, lambda=1, EMA teacher mu0=0.9,
Fourier scale 16 in the paper's units); + pseudo-Huber; + log-normal index; + exponential curriculum; + 1/dsigma weighting;
+ no EMA teacher; + Fourier scale 0.02 and dropout (= iCT). Every row: MLP 128x3, the same steps, batch 512, cosine learning
rate, samples from an EMA (0.999) of the student, several seeds. Columns: one- and two-step sliced Wasserstein against the
test set of bench/table1.py (same seeds, so the teacher's Heun-35 distance from bench/results/table1.json is the reference),
and the mean distance of one-step samples to the exact consistency function f*. Writes nbs/_ict_ablation.md and
bench/results/ict_ablation.json.

    python bench/ict_ablation.py [--steps 3000] [--seeds 0 1] [--device cpu]
"""
import argparse, copy, json, platform, sys, time
from pathlib import Path
import torch
from consistency_edu.core import default_device
from consistency_edu.nets import MLP
from consistency_edu.train import fit
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.ict import ICTLoss
from consistency_edu.cd import cm_sigmas

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'bench'))
from oracle_eval import OracleEval

def ablation_rows(s1_exp:int=160, dropout:float=0.1):
    "[(name, loss kwargs, net kwargs)], each row adding one of iCT's techniques to the previous one. Fourier scales in our units (1000x the paper's)."
    loss = dict(curriculum='sqrt', s0=2, s1=150, sampling='uniform', metric='l2', weighting='uniform', mu0=0.9)
    net = dict(fourier_scale=16_000., dropout=0.)
    steps = [('original CT', {}, {}), ('+ pseudo-Huber', dict(metric='pseudo_huber'), {}),
             ('+ log-normal index', dict(sampling='lognormal'), {}), ('+ exponential curriculum', dict(curriculum='exp', s0=10, s1=s1_exp), {}),
             ('+ 1/Δσ weighting', dict(weighting='icm'), {}), ('+ no EMA teacher', dict(mu0=None), {}),
             ('+ Fourier scale 0.02, dropout (= iCT)', {}, dict(fourier_scale=20., dropout=dropout))]
    rows = []
    for name, dl, dn in steps:
        loss, net = {**loss, **dl}, {**net, **dn}
        rows.append((name, copy.deepcopy(loss), copy.deepcopy(net)))
    rows += [('iCT with L2 instead of pseudo-Huber', {**loss, 'metric': 'l2'}, dict(net)),      # variations of the last row
             ('iCT with P_mean = 1.0', {**loss, 'P_mean': 1.0}, dict(net))]
    return rows

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=3000); p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--n', type=int, default=4000); p.add_argument('--device', default=None)
    p.add_argument('--s1', type=int, default=160, help='s1 of the exponential curriculum (the paper: 1280 for 400k steps)')
    a = p.parse_args()
    dev = torch.device(a.device) if a.device else default_device()
    dname = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'CPU ({platform.machine()}, {torch.get_num_threads()} threads)'
    t0 = time.time()
    ev = OracleEval(a.n, dev)                           # the same sets as bench/table1.py
    gm, n = ev.gm, a.n
    t1 = json.loads((ROOT/'bench'/'results'/'table1.json').read_text())
    heun35 = next(r['SW'] for r in t1['teachers'] if r['model'] == 'EDM teacher' and r['sampler'] == 'heun' and r['nfe'] == 35)
    floor = t1['floors']['SW']


    results = []
    for name, lkw, nkw in ablation_rows(a.s1):
        runs = []
        for seed in a.seeds:
            torch.manual_seed(seed)
            m = ConsistencyModel(MLP(hidden=128, depth=3, **nkw))
            loss = ICTLoss(m, K=a.steps, **lkw)
            r = fit(m, loss, gm.sample, steps=a.steps, bs=512, lr=1e-3, warmup=100, schedule='cosine', ema_decay=0.999,
                    device=dev, extra={'loss': loss}, seed=seed, progress=False)
            runs.append({**ev.score(r.ema, with_mmd=False, levels=cm_sigmas(loss.N())), 'seconds': r.seconds})
        mean = {k: sum(r[k] for r in runs) / len(runs) for k in ('SW1', 'SW2', 'f_err', 'seconds')}
        results.append({'name': name, 'loss': lkw, 'net': nkw, 'runs': runs, **mean}); print(name, mean, flush=True)

    lines = [f"Measured on {dname}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}. Each row adds one technique to the row above; "
             f"MLP 128×3, {a.steps} steps, batch 512, cosine learning rate, one-step and two-step samples from an EMA (0.999) of the "
             f"student, mean of seeds {a.seeds}; {n} samples against the test set of Table 1; two-step τ by greedy search over the final training levels. The exponential curriculum uses s₀ = 10, "
             f"s₁ = {a.s1} (the paper's 1280 is for 400k steps). Fourier scales in the paper's units (we feed ln σ / 4, the paper 250 ln σ).\n",
             '| row | SW, NFE 1 | SW, NFE 2 | E‖f_θ − f*‖, σ = 80 | NFE 1 / teacher Heun 35 | NFE 2 / teacher Heun 35 | s per run |',
             '|---|---|---|---|---|---|---|']
    for r in results:
        lines.append(f"| {r['name']} | {r['SW1']:.4f} | {r['SW2']:.4f} | {r['f_err']:.4f} | {r['SW1'] / heun35:.2f}× | {r['SW2'] / heun35:.2f}× | {r['seconds']:.0f} |")
    lines.append(f"| floor (true vs true) | {floor[0]:.4f} ± {floor[1]:.4f} | | | | | |")
    lines.append(f"\nTeacher (trained EDM, Table 1) Heun at 35 NFE: SW {heun35:.4f}. Targets: iCT NFE 1 within 1.3×, NFE 2 within 1.15×.")
    md = '\n'.join(lines) + f"\n\n(Total time {time.time() - t0:.0f}s.)\n"
    (ROOT/'nbs'/'_ict_ablation.md').write_text(md)
    (ROOT/'bench'/'results'/'ict_ablation.json').write_text(json.dumps({'device': dname, 'args': vars(a), 'teacher_heun35': heun35, 'rows': results}, indent=1))
    print(md)

if __name__ == '__main__': main()
