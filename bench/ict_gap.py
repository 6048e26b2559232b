"""iCT's one-step gap on 2-D data: one- and two-step sliced Wasserstein of iCT against the exact Heun-35 sampler, as the
training budget grows and as P_mean (the log-normal over noise levels) moves, on the course's oracle and on a harder
mixture of 25 modes (a 5×5 grid, two widths, unequal weights), so that no conclusion rests on one data set.

Every run: MLP 128×3, batch 512, cosine learning rate, iCT's losses with s₀ = 10, s₁ = 160, one- and two-step samples
(τ = 0.8) from an EMA (0.999) of the student, 4000 samples against a test set. The reference is the *exact* denoiser's
Heun at 35 evaluations (so the ratio is the student's gap alone, not a teacher's). Writes nbs/_ict_gap.md and
bench/results/ict_gap.json.

    python bench/ict_gap.py [--budgets 2000 6000] [--pmeans -1.1 0.0 1.0] [--device cpu]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.core import default_device
from consistency_edu.toy import oracle_mixture, grid_mixture
from consistency_edu.nets import MLP
from consistency_edu.train import fit
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.ict import ICTLoss
from consistency_edu.ode import sample_heun, get_sigmas_karras
from consistency_edu.metrics import sliced_wasserstein, metric_floor
from consistency_edu.evaluate import sample_steps
from consistency_edu.experiments import write_result

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--budgets', type=int, nargs='+', default=[2000, 6000]); ap.add_argument('--pmeans', type=float, nargs='+', default=[-1.1, 0.0, 1.0])
    ap.add_argument('--n', type=int, default=4000); ap.add_argument('--device', default=None); ap.add_argument('--out-dir', default=str(ROOT/'nbs'))
    ap.add_argument('--results', default=str(ROOT/'bench'/'results'), help='folder of the results file')
    a = ap.parse_args()
    dev = torch.device(a.device) if a.device else default_device()
    t0, out = time.time(), []
    for mname, gm in (('oracle (5 modes)', oracle_mixture()), ('grid (25 modes)', grid_mixture())):
        ref = gm.sample(a.n, generator=torch.Generator().manual_seed(1)).to(dev)
        z = torch.randn(a.n, 2, generator=torch.Generator().manual_seed(2)).to(dev)
        heun = sliced_wasserstein(sample_heun(gm, 80. * z.double().cpu(), get_sigmas_karras(18, 0.002, 80.).double()), ref.cpu())
        floor = metric_floor(gm.sample, sliced_wasserstein, a.n)[0]
        runs = [(s, -1.1) for s in a.budgets] + [(max(a.budgets), p) for p in a.pmeans if p != -1.1]
        for steps, pm in runs:
            torch.manual_seed(0)
            m = ConsistencyModel(MLP(hidden=128, depth=3, dropout=0.1))
            r = fit(m, ICTLoss(m, K=steps, s0=10, s1=160, P_mean=pm), gm.sample, steps=steps, bs=512, lr=1e-3, warmup=100,
                    schedule='cosine', ema_decay=0.999, device=dev, progress=False)
            x1, x2 = sample_steps(r.ema.eval(), z, taus=[0.8], seed=0)
            sw1, sw2 = sliced_wasserstein(x1, ref), sliced_wasserstein(x2, ref)
            row = {'data': mname, 'steps': steps, 'P_mean': pm, 'SW1': sw1, 'SW2': sw2, 'heun35_exact': heun, 'floor': floor,
                   'ratio1': sw1 / heun, 'ratio2': sw2 / heun, 'seconds': r.seconds}
            out.append(row); print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    Path(a.results).mkdir(parents=True, exist_ok=True); Path(a.out_dir).mkdir(parents=True, exist_ok=True)
    write_result(Path(a.results)/'ict_gap.json', {'device': str(dev), 'torch': torch.__version__, 'rows': out})
    where = torch.cuda.get_device_name() if dev.type == 'cuda' else f'CPU ({torch.get_num_threads()} threads)'
    md = [f"Measured on {where}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}: iCT (s₀ = 10, s₁ = 160, pseudo-Huber, 1/Δσ, no EMA teacher, "
          f"dropout 0.1), MLP 128×3, batch 512, cosine learning rate, EMA 0.999 for sampling, {a.n} samples; reference: the exact denoiser's Heun-35. "
          f"Total {time.time() - t0:.0f} s.", '', '| data | steps | P_mean | SW, 1 step | SW, 2 steps | 1 step / exact Heun-35 | 2 steps / exact Heun-35 |',
          '|---|---|---|---|---|---|---|']
    md += [f"| {r['data']} | {r['steps']} | {r['P_mean']:g} | {r['SW1']:.4f} | {r['SW2']:.4f} | {r['ratio1']:.2f}× | {r['ratio2']:.2f}× |" for r in out]
    md += ['', 'Exact Heun-35 and floor (true vs true): ' + '; '.join(f"{m}: {h:.4f}, floor {f:.4f}" for m, h, f in
                                                                      {(r['data'], r['heun35_exact'], r['floor']) for r in out})]
    (Path(a.out_dir)/'_ict_gap.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    main()
