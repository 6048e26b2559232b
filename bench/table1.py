"""The consistency-models paper's Table 1 and ablations, on the 2-D oracle.

Rows: the teachers (exact D* and a trained EDM teacher) with Euler/Heun/DDIM at NFE 10/18/35/79; consistency
distillation from the trained teacher (Euler vs Heun solver; L2 vs L1 vs pseudo-Huber), from the exact teacher,
and consistency training, at NFE 1 and 2. Columns: sliced Wasserstein and MMD against a test set (floors given),
and the mean distance of one-step samples to the exact consistency function f*. Two-step τ is chosen by greedy
search on a separate validation set. Ablations (figure): N and the solver in CD; adaptive vs fixed N in CT; the metric function in CD.
Writes nbs/_table1.md, nbs/_ablations.png and bench/results/table1.json.

    python bench/table1.py [--steps 3000] [--device cpu] [--no-ablations]
"""
import argparse, json, time
from pathlib import Path
import torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from consistency_edu.core import default_device
from consistency_edu.train import fit
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.cd import CDLoss
from consistency_edu.ct import CTLoss
from consistency_edu.metrics import sliced_wasserstein, mmd, metric_floor
from consistency_edu.evaluate import OracleEval, quality_per_nfe, md_table
from consistency_edu.experiments import run_header, write_result
from consistency_edu.recipes import make_net, train_method

ROOT = Path(__file__).resolve().parents[1]

def train(kind, steps, dev, data, **kw):
    "A consistency model on the oracle with the table's settings; returns (model, its final training levels)."
    torch.manual_seed(0)
    m = ConsistencyModel(make_net((2,)))
    loss = CTLoss(m, K=steps, **kw) if kind == 'ct' else CDLoss(m, **kw)
    fit(m, loss, data, steps=steps, bs=512, lr=1e-3, warmup=100, device=dev, progress=False)
    return m.eval(), loss.levels(loss.k)

def ablation_figure(abl, rows, floors, As, S):
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.2), dpi=80)
    Ns = (6, 12, 18, 36, 72)
    for solver in ('euler', 'heun'): axs[0].plot(Ns, [abl[f'cd-{solver}-{N}']['SW1'] for N in Ns], 'o-', label=f'CD, {solver}')
    axs[0].axhline(floors['SW'][0], color='k', ls=':', label='floor'); axs[0].set_xscale('log'); axs[0].set_xlabel('N')
    axs[0].set_ylabel('SW, one step'); axs[0].legend(fontsize=8); axs[0].set_title(f'CD: solver and N ({As} steps)', fontsize=9)
    axs[1].bar(['adaptive N(k), μ(k)', 'fixed N = 40, μ = 0.9'], [abl['ct-adaptive-True']['SW1'], abl['ct-adaptive-False']['SW1']])
    axs[1].axhline(floors['SW'][0], color='k', ls=':'); axs[1].set_title(f'CT: curricula ({As} steps)', fontsize=9)
    mrows = [r for r in rows if r['name'].startswith('CD · trained teacher · Heun')]
    xs = range(len(mrows))
    axs[2].bar([i - 0.2 for i in xs], [r['SW1'] for r in mrows], width=0.4, label='NFE 1')
    axs[2].bar([i + 0.2 for i in xs], [r['SW2'] for r in mrows], width=0.4, label='NFE 2')
    axs[2].set_xticks(list(xs)); axs[2].set_xticklabels([r['name'].rsplit('· ', 1)[1] for r in mrows], fontsize=8)
    axs[2].axhline(floors['SW'][0], color='k', ls=':'); axs[2].legend(fontsize=8); axs[2].set_title(f'CD (Heun): metric function ({S} steps)', fontsize=9)
    fig.tight_layout(); fig.savefig(ROOT/'nbs'/'_ablations.png'); plt.close(fig)

def teacher_table(t_rows):
    body = []
    for key in dict.fromkeys((r['model'], r['sampler']) for r in t_rows):
        cells = [next(r for r in t_rows if (r['model'], r['sampler']) == key and r['nfe'] == k) for k in (10, 18, 35, 79)]
        body.append([f"{key[0]} · {key[1]}", *[f"{c['SW']:.4f} / {c['MMD']:.4f}" + (f" ({c['actual_nfe']})" if c['actual_nfe'] != c['nfe'] else '') for c in cells]])
    return md_table(['model · sampler', 'NFE 10', 'NFE 18', 'NFE 35', 'NFE 79'], body)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=3000); p.add_argument('--n', type=int, default=4000)
    p.add_argument('--device', default=None); p.add_argument('--no-ablations', action='store_true')
    p.add_argument('--ablation-steps', type=int, default=800)
    a = p.parse_args()
    dev = torch.device(a.device) if a.device else default_device()
    t0 = time.time()
    ev = OracleEval(a.n, dev)
    gm, n = ev.gm, a.n
    floors = {'SW': metric_floor(gm.sample, sliced_wasserstein, n), 'MMD': metric_floor(gm.sample, mmd, n)}
    teacher = train_method('edm', gm.sample, (2,), 6000, device=dev, lr=2e-3)[0].requires_grad_(False)
    exact = lambda x, s: gm.denoise(x, s)
    metrics = {'SW': lambda x, r: sliced_wasserstein(x, r), 'MMD': lambda x, r: mmd(x, r)}
    t_rows = quality_per_nfe({'exact D*': exact, 'EDM teacher': teacher}, ev.test, metrics, n=n, nfes=(10, 18, 35, 79), seed=13)
    score = lambda ml: ev.score(ml[0], levels=ml[1])

    S = a.steps
    configs = [('CD · trained teacher · Heun · L2', dict(kind='cd', teacher=teacher, solver='heun', metric='l2')),
               ('CD · trained teacher · Euler · L2', dict(kind='cd', teacher=teacher, solver='euler', metric='l2')),
               ('CD · trained teacher · Heun · L1', dict(kind='cd', teacher=teacher, solver='heun', metric='l1')),
               ('CD · trained teacher · Heun · pseudo-Huber', dict(kind='cd', teacher=teacher, solver='heun', metric='pseudo_huber')),
               ('CD · exact teacher · Heun · L2', dict(kind='cd', teacher=exact, solver='heun', metric='l2')),
               ('CT · L2 (adaptive N, μ)', dict(kind='ct', s0=2, s1=40, mu0=0.9))]
    rows = []
    for name, cfg in configs:
        kind = cfg.pop('kind')
        t1 = time.time()
        m = train(kind, S, dev, gm.sample, **({'N': 18, 'mu': 0.95} if kind == 'cd' else {}), **cfg)
        rows.append({'name': name, **score(m), 'seconds': time.time() - t1}); print(rows[-1], flush=True)

    heun35 = next(r for r in t_rows if r['model'] == 'EDM teacher' and r['sampler'] == 'heun' and r['nfe'] == 35)
    cm_body = [[r['name'], f"{r['SW1']:.4f}", f"{r['SW2']:.4f} ({r['tau']:.2f})", f"{r['MMD1']:.4f}", f"{r['MMD2']:.4f}", f"{r['f_err']:.4f}",
                f"{r['SW1'] / heun35['SW']:.2f}×", f"{r['SW2'] / heun35['SW']:.2f}×"] for r in rows]
    cm_body.append(['floor (true vs true)', f"{floors['SW'][0]:.4f} ± {floors['SW'][1]:.4f}", '', f"{floors['MMD'][0]:.4f} ± {floors['MMD'][1]:.4f}", '', '', '', ''])
    lines = [f"Measured on {run_header(dev)}, {time.strftime('%Y-%m-%d')}; every consistency model: MLP 128×3, "
             f"{S} steps, batch 512; CD with N = 18, μ = 0.95; CT with s₀ = 2, s₁ = 40, μ₀ = 0.9. {n} samples per cell; "
             f"two-step τ by greedy search over the model's training levels on a separate validation set.\n",
             '**Teachers** (sliced Wasserstein / MMD against the test set)\n', teacher_table(t_rows),
             '', '**Consistency models** (NFE 1 and 2)\n',
             md_table(['method', 'SW, NFE 1', 'SW, NFE 2 (τ)', 'MMD, NFE 1', 'MMD, NFE 2', 'E‖f_θ − f*‖, σ = 80',
                       'SW NFE 1 / teacher Heun 35', 'SW NFE 2 / teacher Heun 35'], cm_body),
             f"\nTeacher (trained) Heun at 35 NFE: SW {heun35['SW']:.4f}, MMD {heun35['MMD']:.4f}."]

    abl = {}
    if not a.no_ablations:
        As = a.ablation_steps
        for solver in ('euler', 'heun'):
            for N in (6, 12, 18, 36, 72): abl[f'cd-{solver}-{N}'] = score(train('cd', As, dev, gm.sample, teacher=teacher, solver=solver, metric='l2', N=N, mu=0.95))
        for adaptive in (True, False): abl[f'ct-adaptive-{adaptive}'] = score(train('ct', As, dev, gm.sample, s0=2, s1=40, mu0=0.9, adaptive=adaptive))
        ablation_figure(abl, rows, floors, As, S)
        lines.append(f"\n**Ablations** ({As} steps each; one-step SW): " + ', '.join(f"{k} {v['SW1']:.4f}" for k, v in abl.items()))
    md = '\n'.join(lines) + f"\n\n(Total time {time.time() - t0:.0f}s.)\n"
    (ROOT/'nbs'/'_table1.md').write_text(md)
    (ROOT/'bench'/'results').mkdir(parents=True, exist_ok=True)
    write_result(ROOT/'bench'/'results'/'table1.json', {'device': run_header(dev), 'teachers': t_rows, 'rows': rows, 'floors': floors, 'ablations': abl})
    print(md)

if __name__ == '__main__': main()
