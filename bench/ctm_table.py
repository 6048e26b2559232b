"""CTM on the 2-D oracle at Table 1's budget, one seed (CD and iCT at the same budget over seeds: bench/oracle_tables.py).

Rows: CTM + DSM (adaptive weight) distilled from a trained EDM teacher (the oracle suite's teacher of seed 0,
`experiments.oracle_teacher`), the same with the GAN, the teacher-free CTM, CTM without DSM, with a faster target EMA, and with DSM at a fixed
weight of 0.3 (no adaptive weight: the cheaper step of the digits GPU runs); every row MLP 128x3 (one extra condition),
the same steps, batch 512, cosine learning rate, sampled from an EMA (0.999). Columns: one- and two-step sliced
Wasserstein against Table 1's test set (two-step tau by greedy search over the training levels on its validation set),
E|f - f*| at sigma = 80, E|G_theta - G*| averaged over (t, s) pairs of a 6-level grid, "CTM as a diffusion model" (Heun 35
with g(x, t, t)), and a gamma sweep at NFE 2 and 4, each beside the teacher's Heun-35 and the metric's floor, measured in
the same run. Writes nbs/_ctm_table.md and bench/results/ctm_table.json. (The stored run, of 2026-11-27, also showed CD and
iCT reference rows from single-seed benches that the oracle suite replaced.)

`--rows KEY ...` trains only those rows and, with `--keep`, keeps the others from bench/results/ctm_table.json (which must
have the same --steps and --n; the table says which rows are kept).

    python bench/ctm_table.py [--steps 3000] [--device cpu] [--rows dsm gan free no-dsm mu99 fixed] [--keep]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.core import default_device
from consistency_edu.ode import sample_heun, get_sigmas_karras
from consistency_edu.train import fit
from consistency_edu.consistency import cm_sigmas
from consistency_edu.ctm import CTMModel, CTMLoss, CTMAsConsistency, CTMAsDenoiser, ExactTrajectoryFunction, ctm_grid, sample_gamma
from consistency_edu.metrics import sliced_wasserstein, metric_floor
from consistency_edu.evaluate import OracleEval, md_table, sample_at_nfe
from consistency_edu.experiments import run_header, write_result, same_settings, kept_rows
from consistency_edu.recipes import make_net, train_method

ROOT = Path(__file__).resolve().parents[1]
ROWS = {'dsm': 'CTM + DSM', 'gan': 'CTM + DSM + GAN', 'free': 'CTM + DSM, teacher-free', 'no-dsm': 'CTM without DSM',
        'mu99': 'CTM + DSM, target EMA μ = 0.99', 'fixed': 'CTM + DSM at a fixed weight 0.3'}
GAMMAS = (0., 0.25, 0.5, 0.75, 1.)

def g_error(model, gm, n=200):
    "E|G_theta(x_t, t, s) - G*(x_t, t, s)| averaged over the pairs s <= t of a 6-level grid (and s = sigma_min)."
    G_star, levels = ExactTrajectoryFunction(gm), ctm_grid(6)[:-1].tolist()
    x0, z = gm.sample(n, generator=torch.Generator().manual_seed(5)), torch.randn(n, 2, generator=torch.Generator().manual_seed(6))
    errs = []
    for t in levels:
        for s in [l for l in levels if l <= t] + [0.002]:
            with torch.no_grad(): errs.append((model(x0 + t * z, t, s) - G_star((x0 + t * z).double(), t, s).float()).norm(dim=1).mean().item())
    return sum(errs) / len(errs)

def gamma_sweep(model, ev, nfe):
    "SW against the test set of gamma-sampling on a Karras grid of `nfe` levels from sigma_max (sigma_min left out), then 0."
    grid = torch.cat([get_sigmas_karras(nfe + 1, 0.002, 80.)[:nfe], torch.zeros(1)])
    return {g: sliced_wasserstein(sample_gamma(model, 80. * ev.z, grid, g, generator=torch.Generator().manual_seed(0)), ev.test) for g in GAMMAS}

def kept(a):
    "{name: row} of the stored table, each marked with the run that made it (`--keep`); refused if it ran at other settings."
    prev = json.loads((ROOT/'bench'/'results'/'ctm_table.json').read_text())
    same_settings(prev, steps=a.steps, n=a.n)
    rows = {r['name']: {**r, **{f'gamma_nfe{k}': {float(g): v for g, v in r[f'gamma_nfe{k}'].items()} for k in (2, 4)}} for r in prev['rows']}
    return kept_rows(rows, [ROWS[k] for k in a.rows], {'kept': prev['device']})


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=3000); p.add_argument('--n', type=int, default=4000); p.add_argument('--device', default=None)
    p.add_argument('--rows', nargs='+', default=list(ROWS), choices=list(ROWS), help='the rows to train (default: all)')
    p.add_argument('--keep', action='store_true', help='keep the rows of bench/results/ctm_table.json that this run does not train')
    p.add_argument('--teacher-steps', type=int, default=6000); p.add_argument('--root', default=str(ROOT), help='where nbs/ and bench/results/ are written')
    a = p.parse_args()
    old = kept(a) if a.keep else {}
    dev = torch.device(a.device) if a.device else default_device()
    t0, ev = time.time(), OracleEval(a.n, dev)
    gm = ev.gm
    teacher = train_method('edm', gm.sample, (2,), a.teacher_steps, device=dev, lr=2e-3)[0].requires_grad_(False)   # = experiments.oracle_teacher(gm, 0)
    heun35 = sliced_wasserstein(sample_at_nfe(teacher, 'heun', 35, ev.z)[0], ev.test)
    floor = metric_floor(gm.sample, sliced_wasserstein, a.n)
    configs = {'dsm': dict(teacher=teacher), 'gan': dict(teacher=teacher, gan=True, gan_start=a.steps // 3, shape=(2,)),
               'free': dict(teacher=None), 'no-dsm': dict(teacher=teacher, dsm=None), 'mu99': dict(teacher=teacher, mu=0.99),
               'fixed': dict(teacher=teacher, dsm=0.3)}
    rows = []
    for key, kw in configs.items():
        name = ROWS[key]
        if key not in a.rows:
            if name in old: rows.append(old[name])
            continue
        torch.manual_seed(0)
        m = CTMModel(make_net((2,), method='ctm'))
        r = fit(m, CTMLoss(m, N=18, **kw), gm.sample, steps=a.steps, bs=512, lr=1e-3, warmup=100, schedule='cosine', ema_decay=0.999,
                device=dev, progress=False)
        ema = r.ema.eval()
        sc = ev.score(CTMAsConsistency(ema), with_mmd=False, levels=cm_sigmas(18))
        heun = sliced_wasserstein(sample_heun(CTMAsDenoiser(ema), 80. * ev.z, get_sigmas_karras(18, 0.002, 80.)), ev.test)
        rows.append({'name': name, **sc, 'G_err': g_error(ema, gm), 'heun35_g': heun, 'gamma_nfe2': gamma_sweep(ema, ev, 2),
                     'gamma_nfe4': gamma_sweep(ema, ev, 4), 'seconds': r.seconds, 'finite': all(v == v for v in r.history)})
        print({k: v for k, v in rows[-1].items() if not k.startswith('gamma')}, flush=True)
    mark = lambda r: ' ¹' if 'kept' in r else ''
    body = [[r['name'] + mark(r), f"{r['SW1']:.4f}", f"{r['SW2']:.4f} ({r['tau']:.2f})", f"{r['f_err']:.4f}", f"{r['G_err']:.4f}", f"{r['heun35_g']:.4f}",
             f"{r['SW1'] / heun35:.2f}×", f"{r['SW2'] / heun35:.2f}×", f"{r['heun35_g'] / heun35:.2f}×", f"{r['seconds']:.0f}"] for r in rows]
    body.append(['floor (true vs true)', f"{floor[0]:.4f} ± {floor[1]:.4f}", '', '', '', '', '', '', '', ''])
    sweep = [[r['name'] + mark(r), f'NFE {k}', *[f"{r[f'gamma_nfe{k}'][g]:.4f}" for g in GAMMAS]] for r in rows for k in (2, 4)]
    md = '\n'.join([f"Measured on {run_header(dev)}, {time.strftime('%Y-%m-%d')}; every CTM: MLP 128×3 with one extra condition, {a.steps} steps, "
                    f"batch 512, cosine learning rate, N = 18, target EMA 0.999, sampled from an EMA (0.999); GAN from step {a.steps // 3}. "
                    f"{a.n} samples against Table 1's test set; two-step τ by greedy search over the training levels. Teacher Heun at 35 NFE: SW {heun35:.4f}.\n",
                    md_table(['method', 'SW, NFE 1', 'SW, NFE 2 (τ)', 'E‖f − f*‖, σ = 80', 'E‖G_θ − G*‖ over (t, s)', 'SW, Heun 35 with g(x,t,t)',
                              'NFE 1 / teacher', 'NFE 2 / teacher', 'Heun-35 g / teacher', 's'], body),
                    '\n**γ-sampling** (sliced Wasserstein; Karras grid of NFE levels from σ_max)\n',
                    md_table(['method', 'NFE', *[f'γ = {g:g}' for g in GAMMAS]], sweep)]) + f"\n\n(Total time {time.time() - t0:.0f}s.)\n"
    kept = sorted({r['kept'] for r in rows if 'kept' in r})
    if kept: md += f"\n¹ kept from an earlier run of this bench with the same settings ({'; '.join(kept)}); not re-run here (`--keep`).\n"
    root = Path(a.root); (root/'nbs').mkdir(parents=True, exist_ok=True)
    (root/'nbs'/'_ctm_table.md').write_text(md)
    write_result(root/'bench'/'results'/'ctm_table.json', {'device': run_header(dev), 'args': vars(a), 'teacher_heun35': heun35,
        'rows': [{**r, 'gamma_nfe2': {str(k): v for k, v in r['gamma_nfe2'].items()}, 'gamma_nfe4': {str(k): v for k, v in r['gamma_nfe4'].items()}} for r in rows]})
    print(md)

if __name__ == '__main__': main()
