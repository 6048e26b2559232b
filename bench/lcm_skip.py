"""LCM's skipping-step ablation on the exact guided oracles: for k = 1, 5, 10, 20, 50, a student distilled 2000 steps from the
exact guided teacher (MLP 128×3 fed ω, batch 512, cosine rate) on each mixture of `toy.MIXTURES` with three classes
(`experiments.labelled_mixture`), over three seeds, scored against the exact guided consistency function f*_ω at t = 999
(ω = 0, 1, 3, class 1), beside the exact error of LCD's fixed point (the teacher's DDIM chain at step k). Each (mixture, seed)
is one process (`experiments.run_lcm_skip`) and leaves a file under --work, so a rerun does only what is missing. Writes
bench/results/lcm_skip.json and nbs/_lcm_skip.md under --root; --render rewrites the markdown from the stored file.

    python bench/lcm_skip.py [--workers 2] [--threads 1] [--mixtures oracle grid25 ico12] [--seeds 0 1 2]
"""
import argparse
import torch
from pathlib import Path
from consistency_edu.toy import MIXTURES
from consistency_edu.experiments import SKIP_KS, SKIP_CFG, run_lcm_skip, stored_result, provenance_line, lcm_skip_md

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mixtures', nargs='+', default=list(MIXTURES), choices=list(MIXTURES))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2]); p.add_argument('--ks', type=int, nargs='+', default=list(SKIP_KS))
    p.add_argument('--steps', type=int, default=SKIP_CFG['steps'])
    p.add_argument('--workers', type=int, default=1); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--work', default=str(ROOT/'bench'/'out'/'lcm_skip')); p.add_argument('--root', default=str(ROOT))
    p.add_argument('--render', action='store_true', help='only render the markdown from the stored results file')
    a = p.parse_args()
    root = Path(a.root); (root/'nbs').mkdir(parents=True, exist_ok=True)
    path = root/'bench'/'results'/'lcm_skip.json'
    def run():
        runs = run_lcm_skip(a.work, a.mixtures, a.seeds, a.ks, a.workers, a.threads, steps=a.steps)
        torch.set_num_threads(a.threads)                  # the provenance names the threads a job had
        return {'args': vars(a), 'runs': runs}
    stored = stored_result(path, None if a.render else run, device='cpu')
    args, runs = stored['args'], stored['runs']
    head = (f"{provenance_line(stored)} LCD from the exact guided teacher (MLP 128×3 fed ω, batch 512, {args['steps']} steps, cosine rate, "
            f"ω ~ U[0, 4]), seeds {', '.join(map(str, args['seeds']))}; errors at t = 999 over 400 fixed points of class 1, the mean over "
            f"ω = 0, 1, 3. Cells: mean ± std over seeds; the fixed point's error is exact (no training).\n\n")
    (root/'nbs'/'_lcm_skip.md').write_text(head + lcm_skip_md(runs) + '\n')
    print((root/'nbs'/'_lcm_skip.md').read_text())

if __name__ == '__main__': main()
