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
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.core import default_device
from consistency_edu.nets import MLP
from consistency_edu.train import fit
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.ict import ICTLoss
from consistency_edu.evaluate import OracleEval, md_table
from consistency_edu.experiments import ict_ablation_rows, run_header, write_result

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=3000); p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--n', type=int, default=4000); p.add_argument('--device', default=None)
    p.add_argument('--s1', type=int, default=160, help='s1 of the exponential curriculum (the paper: 1280 for 400k steps)')
    a = p.parse_args()
    dev = torch.device(a.device) if a.device else default_device()
    t0 = time.time()
    ev = OracleEval(a.n, dev)                           # the same sets as bench/table1.py
    gm, n = ev.gm, a.n
    t1 = json.loads((ROOT/'bench'/'results'/'table1.json').read_text())
    heun35 = next(r['SW'] for r in t1['teachers'] if r['model'] == 'EDM teacher' and r['sampler'] == 'heun' and r['nfe'] == 35)
    floor = t1['floors']['SW']
    results = []
    for name, lkw, nkw in ict_ablation_rows(a.s1):
        runs = []
        for seed in a.seeds:
            torch.manual_seed(seed)
            m = ConsistencyModel(MLP(hidden=128, depth=3, **nkw))
            loss = ICTLoss(m, K=a.steps, **lkw)
            r = fit(m, loss, gm.sample, steps=a.steps, bs=512, lr=1e-3, warmup=100, schedule='cosine', ema_decay=0.999,
                    device=dev, seed=seed, progress=False)
            runs.append({**ev.score(r.ema, with_mmd=False, levels=loss.levels(loss.k)), 'seconds': r.seconds})
        mean = {k: sum(r[k] for r in runs) / len(runs) for k in ('SW1', 'SW2', 'f_err', 'seconds')}
        results.append({'name': name, 'loss': lkw, 'net': nkw, 'runs': runs, **mean}); print(name, mean, flush=True)

    lines = [f"Measured on {run_header(dev)}, {time.strftime('%Y-%m-%d')}. Each row adds one technique to the row above; "
             f"MLP 128×3, {a.steps} steps, batch 512, cosine learning rate, one-step and two-step samples from an EMA (0.999) of the "
             f"student, mean of seeds {a.seeds}; {n} samples against the test set of Table 1; two-step τ by greedy search over the final training levels. The exponential curriculum uses s₀ = 10, "
             f"s₁ = {a.s1} (the paper's 1280 is for 400k steps). Fourier scales in the paper's units (we feed ln σ / 4, the paper 250 ln σ).\n"]
    body = [[r['name'], f"{r['SW1']:.4f}", f"{r['SW2']:.4f}", f"{r['f_err']:.4f}", f"{r['SW1'] / heun35:.2f}×", f"{r['SW2'] / heun35:.2f}×",
             f"{r['seconds']:.0f}"] for r in results] + [['floor (true vs true)', f"{floor[0]:.4f} ± {floor[1]:.4f}", '', '', '', '', '']]
    lines.append(md_table(['row', 'SW, NFE 1', 'SW, NFE 2', 'E‖f_θ − f*‖, σ = 80', 'NFE 1 / teacher Heun 35', 'NFE 2 / teacher Heun 35', 's per run'], body))
    lines.append(f"\nTeacher (trained EDM, Table 1) Heun at 35 NFE: SW {heun35:.4f}.")
    md = '\n'.join(lines) + f"\n\n(Total time {time.time() - t0:.0f}s.)\n"
    (ROOT/'nbs'/'_ict_ablation.md').write_text(md)
    write_result(ROOT/'bench'/'results'/'ict_ablation.json', {'device': run_header(dev), 'args': vars(a), 'teacher_heun35': heun35, 'rows': results})
    print(md)

if __name__ == '__main__': main()
