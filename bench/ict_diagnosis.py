"""iCT from the inside: E‖f_θ − f*‖ at seven noise levels (σ = 0.01 … 80) every 250 steps of training, for the EMA and the
online network, on the three mixtures of `toy.MIXTURES` over three seeds; for iCT as the oracle suite trains it (the
ablation's iCT row, 3000 steps, cosine rate, EMA 0.999), without its 1/Δσ weight, and at a constant learning rate
(`experiments.ICT_DIAGNOSIS`). Each trace is one process of one thread (`experiments.run_ict_diagnosis`) and leaves a file
under --work, so a rerun does only what is missing. Writes bench/results/ict_diagnosis.json, nbs/_ict_diagnosis.md and
nbs/_ict_diagnosis.png under --root; --render rewrites the markdown and the figure from the stored file.

    python bench/ict_diagnosis.py [--workers 2] [--mixtures oracle grid25 ico12] [--variants ict ict-uniform ict-constant-lr]
"""
import argparse
from pathlib import Path
import matplotlib; matplotlib.use('Agg')
from consistency_edu.toy import MIXTURES
from consistency_edu.experiments import ICT_DIAGNOSIS, run_ict_diagnosis, stored_result, provenance_line, ict_diagnosis_md, ict_diagnosis_figure

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mixtures', nargs='+', default=list(MIXTURES), choices=list(MIXTURES))
    p.add_argument('--variants', nargs='+', default=list(ICT_DIAGNOSIS), choices=list(ICT_DIAGNOSIS))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2]); p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--every', type=int, default=250); p.add_argument('--workers', type=int, default=1); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--work', default=str(ROOT/'bench'/'out'/'ict_diagnosis')); p.add_argument('--root', default=str(ROOT))
    p.add_argument('--render', action='store_true', help='only render the markdown and the figure from the stored results file')
    a = p.parse_args()
    root = Path(a.root); (root/'nbs').mkdir(parents=True, exist_ok=True)
    path = root/'bench'/'results'/'ict_diagnosis.json'
    run = lambda: {'args': vars(a), 'runs': run_ict_diagnosis(a.work, a.mixtures, a.variants, a.seeds, a.steps, a.every, a.workers, a.threads)}
    stored = stored_result(path, None if a.render else run, device='cpu')
    args, runs = stored['args'], stored['runs']
    head = (f"{provenance_line(stored)} iCT as in the oracle suite (MLP 128×3, batch 512, {args['steps']} steps, cosine rate, EMA 0.999; "
            f"s₀ = 10, s₁ = 160, P_mean = −1.1, pseudo-Huber, 1/Δσ, no EMA teacher, Fourier scale 0.02, dropout 0.1), seeds "
            f"{', '.join(map(str, args['seeds']))}; E‖f − f*‖ over 1000 fixed points x₀ + σz of each mixture. Cells: mean ± std over seeds.\n\n")
    (root/'nbs'/'_ict_diagnosis.md').write_text(head + ict_diagnosis_md(runs) + '\n')
    ict_diagnosis_figure(runs, root/'nbs'/'_ict_diagnosis.png')
    print((root/'nbs'/'_ict_diagnosis.md').read_text())

if __name__ == '__main__': main()
