"""One-step samples of iCT, ECT and CD beside the data and the EDM teacher's Heun-35, on the two 2-D mixtures of the oracle
tables, seed 0, each trained exactly as its row of the tables (`experiments.train_oracle_row`: 3000 steps, batch 512,
cosine rate, sampled from the EMA), against that seed's teacher (read from --work, where bench/oracle_tables.py keeps it, or
trained as the suite trains it). Each panel is titled with its exact density precision and mode coverage and its sliced
Wasserstein over the teacher's. Writes nbs/_ect_samples.png and bench/results/ect_samples.json.

    python bench/ect_figure.py [--keys ict-6 ect cd-heun-l2] [--mixtures oracle grid25]
"""
import argparse, sys
from pathlib import Path
import torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from consistency_edu.toy import MIXTURES
from consistency_edu.core import plot_2d
from consistency_edu.evaluate import OracleEval, sample_at_nfe, sample_consistency
from consistency_edu.recipes import load_model
from consistency_edu.experiments import ORACLE_ROWS, MIXTURE_LABELS, train_oracle_row, oracle_teacher, write_result

ROOT = Path(__file__).resolve().parents[1]
LABELS = {'ict-6': 'iCT', 'ict-3': "iCT's curriculum, no 1/Δσ", 'ect': 'ECT', 'ect-paper': "ECT, the paper's settings", 'ect-random': 'ECT from random weights',
          'ct': 'CT', 'cd-heun-l2': 'CD'}

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--keys', nargs='+', default=['ict-6', 'ect', 'cd-heun-l2'], choices=list(ORACLE_ROWS))
    p.add_argument('--mixtures', nargs='+', default=['oracle', 'grid25'], choices=[m for m in MIXTURES if MIXTURES[m]().dim == 2])
    p.add_argument('--steps', type=int, default=3000); p.add_argument('--seed', type=int, default=0); p.add_argument('--n', type=int, default=4000)
    p.add_argument('--work', default=str(ROOT/'bench'/'out'/'oracle')); p.add_argument('--root', default=str(ROOT))
    a = p.parse_args()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    fig, axs = plt.subplots(len(a.mixtures), 2 + len(a.keys), figsize=(3.2 * (2 + len(a.keys)), 3.4 * len(a.mixtures)), squeeze=False)
    scores = {}
    for row, m in zip(axs, a.mixtures):
        ev = OracleEval(a.n, 'cpu', MIXTURES[m]())
        tpath = Path(a.work)/'teachers'/f'{m}-{a.seed}.pt'
        teacher = (load_model(tpath)[0] if tpath.exists() else oracle_teacher(ev.gm, a.seed)).requires_grad_(False)
        panels = {'data (fresh samples)': ev.gm.sample(a.n, generator=torch.Generator().manual_seed(16)).float(), 'EDM teacher, Heun, 35 evaluations': sample_at_nfe(teacher, 'heun', 35, ev.z)[0]}
        for k in a.keys: panels[f'{LABELS.get(k, ORACLE_ROWS[k].name)}, one step'] = sample_consistency(train_oracle_row(k, ev.gm, teacher, a.seed, a.steps)[0], ev.z)
        ref = ev.score_samples(panels['EDM teacher, Heun, 35 evaluations'], with_mmd=False)['SW']
        scores[m] = {}
        for ax, (title, x) in zip(row, panels.items()):
            s = scores[m][title] = ev.score_samples(x, with_mmd=False)
            plot_2d(x.cpu(), ax=ax, lim=None, s=1, title=f"{MIXTURE_LABELS[m].split(' (')[0]}: {title}\nprecision {s['P']:.2f} · coverage {s['C']:.2f} · SW {s['SW'] / ref:.2f}× teacher")
            lo, hi = panels['data (fresh samples)'].min(0).values - 0.2, panels['data (fresh samples)'].max(0).values + 0.2
            ax.set_xlim(lo[0].item(), hi[0].item()); ax.set_ylim(lo[1].item(), hi[1].item()); ax.title.set_fontsize(8)   # every panel on the data's frame
    fig.tight_layout(); fig.savefig(Path(a.root)/'nbs'/'_ect_samples.png', dpi=100)
    write_result(Path(a.root)/'bench'/'results'/'ect_samples.json', {'args': vars(a), 'scores': scores}, device='cpu', command=' '.join(['python', *sys.argv]))
    print(scores)

if __name__ == '__main__': main()
