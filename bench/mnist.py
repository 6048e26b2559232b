"""MNIST-5k on a GPU: the EDM teacher at Heun 10/18/35/79 NFE and CD distilled from it at 1, 2 and 4 steps, on real 32×32 digits.

The teacher trains once (its file kept under --work, so a rerun only trains what is missing); then one CD student per seed,
each a process of its own, several sharing the GPU. Every row is scored by `experiments.Mnist5kScore` (FD, precision and
recall on the shipped MNIST-5k classifier's features, its hash recorded; the floor is the test split). CD uses the image
recipe (`recipes.METHODS['cd'].images`); its callback gives FD against GPU-minutes. Writes bench/results/mnist.json,
nbs/_mnist_table.md, nbs/_mnist_samples.png (sample grids of every row, seed 0) and nbs/_mnist_curve.png under --root;
--render rewrites the markdown and figures from the stored file and the samples under --work.

    python bench/mnist.py [--teacher-steps 8000] [--cd-steps 6500] [--seeds 0 1 2] [--workers 3] [--device cuda]
    python bench/mnist.py --variants 'lr 4e-4' 'lr 8e-4' 'N = 40' --workers 1   # CD's variants from the stored teacher, one seed each, one at a time
                                                                                # (so each curve is in GPU-minutes; three at once took 15.5 minutes on an H100)
    python bench/mnist.py --device cpu --teacher-steps 3 --cd-steps 4 --set bs=8 n=40 points=2 block=40 nfes=35 --seeds 0 --work /tmp/m --root /tmp/m   # a smoke test
"""
import argparse, ast, json, re, shutil
from pathlib import Path
import torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from consistency_edu.core import image_grid
from consistency_edu.experiments import run_mnist_suite, mnist_table_md, mnist_variants_md, stored_result, write_json, provenance_line

ROOT = Path(__file__).resolve().parents[1]

def figures(res, work, nbs):
    "Sample grids of the teacher per NFE and of CD per step count (seed 0), and FD against GPU-minutes for every seed."
    sp = [Path(work)/'teacher_samples.pt', Path(work)/'cd'/f"samples-{res['cd'][0]['seed']}.pt"]
    if all(p.exists() for p in sp): samples_figure(*map(torch.load, sp), nbs)
    else: print(f'samples not under {work}: nbs/_mnist_samples.png kept as it is')
    curve_figure(res, nbs)

def workers(res):
    "How many students trained at once on the one GPU (stored since the field exists; before, read from the command)."
    if 'workers' in res: return res['workers']
    m = re.search(r'--workers (\d+)', res['command'])
    return min(int(m.group(1)) if m else 3, len(res['cd']))

def samples_figure(ts, cs, nbs):
    panels = [(f'teacher, Heun {k} NFE', x) for k, x in ts.items()] + [(f'CD, {k} step{"s" * (k > 1)}', x) for k, x in cs.items()]
    fig, axs = plt.subplots(1, len(panels), figsize=(2.2 * len(panels), 2.6))
    for ax, (title, x) in zip(axs, panels):
        ax.imshow(image_grid(x[:36], 6)[..., 0], cmap='gray'); ax.set_title(title, fontsize=8); ax.axis('off')
    fig.tight_layout(); fig.savefig(nbs/'_mnist_samples.png', dpi=100); plt.close(fig)

def curve_figure(res, nbs):
    h35 = next(r['FD'] for r in res['teacher']['rows'] if r['nfe'] == 35)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for c in res['cd']:
        for key, ls in (('FD1', '-'), ('FD2', '--')):
            ax.plot([p['gpu_minutes'] for p in c['curve']], [p[key] for p in c['curve']], ls, marker='o', label=f"seed {c['seed']}, {key[-1]} step{'s' * (key == 'FD2')}")
    ax.axhline(h35, color='k', lw=1, ls=':', label='teacher, Heun 35'); ax.axhline(res['teacher']['floor']['FD'], color='gray', lw=1, ls='-.', label='floor')
    ax.set_yscale('log'); ax.set_xlabel(f'minutes of CD training (wall clock, {workers(res)} students sharing one GPU)' if workers(res) > 1 else 'GPU-minutes of CD training'); ax.set_ylabel('FD (MNIST-5k)'); ax.legend(fontsize=6, ncol=2)
    fig.tight_layout(); fig.savefig(nbs/'_mnist_curve.png', dpi=100); plt.close(fig)

def overrides(a) -> dict:
    "The --set settings (stopping first when --device cuda sees no GPU)."
    if a.device == 'cuda' and not torch.cuda.is_available(): raise SystemExit('no CUDA device visible (--device cpu for a smoke test)')
    cfg = {k: ast.literal_eval(v) for k, v in (s.split('=', 1) for s in a.set)}
    if isinstance(cfg.get('nfes'), int): cfg['nfes'] = (cfg['nfes'],)
    return cfg

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--teacher-steps', type=int, default=8000); p.add_argument('--cd-steps', type=int, default=6500)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2]); p.add_argument('--workers', type=int, default=3)
    p.add_argument('--device', default='cuda'); p.add_argument('--threads', type=int, default=4)
    p.add_argument('--set', nargs='*', default=[], metavar='KEY=VALUE', help='override a setting of experiments.MNIST_CFG (smoke runs)')
    p.add_argument('--work', default=str(ROOT/'bench'/'out'/'mnist')); p.add_argument('--root', default=str(ROOT))
    p.add_argument('--render', action='store_true', help='only rewrite the table and figures from the stored results')
    p.add_argument('--variants', nargs='+', default=[], metavar='NAME', help='CD settings of experiments.MNIST_VARIANTS to train beside the stored suite '
                   '(its teacher and students read from bench/results/mnist.json and --teacher, not retrained); writes bench/results/mnist_variants.json')
    p.add_argument('--variant-seeds', type=int, nargs='+', default=[0])
    p.add_argument('--teacher', default=str(ROOT/'bench'/'weights'/'mnist_teacher_bf16.pt'), help='the stored teacher, used when --work has none')
    a = p.parse_args()
    if a.variants: return variants(a)
    root = Path(a.root); (root/'nbs').mkdir(parents=True, exist_ok=True); (root/'bench'/'results').mkdir(parents=True, exist_ok=True)
    path = root/'bench'/'results'/'mnist.json'
    def run():
        res = run_mnist_suite(a.work, a.seeds, a.workers, [0] if a.device == 'cuda' else None, a.device, a.threads,
                              teacher_steps=a.teacher_steps, cd_steps=a.cd_steps, **overrides(a))
        return {**res, 'workers': min(a.workers, len(a.seeds))}
    res = stored_result(path, None if a.render else run, device=a.device)
    cfg = res['cfg']
    head = (f"{provenance_line(res)} Teacher: EDM, U-Net ch 64 (1, 2, 2), {cfg['teacher_steps']} steps; CD from it, {cfg['cd_steps']} steps, "
            f"{len(res['cd'])} seeds; batch {cfg['bs']}, lr {cfg['lr']:g}; {cfg['n']} samples per row, scored by the MNIST-5k classifier "
            f"({res['teacher']['classifier']}). Two steps through σ = 0.8; four through 17.2, 3.7, 0.8. Training s is wall clock"
            + (f"; the {workers(res)} students trained at once on the one GPU, so each had about 1/{workers(res)} of it" if workers(res) > 1 else '') + ".\n\n")
    (root/'nbs'/'_mnist_table.md').write_text(head + mnist_table_md(res) + '\n')
    figures(res, a.work, root/'nbs')
    print((root/'nbs'/'_mnist_table.md').read_text())

def variants(a):
    "Train CD's variants from the stored suite's teacher (copied into --work) and write their table beside the suite's students."
    root, work = Path(a.root), Path(a.work)
    (root/'nbs').mkdir(parents=True, exist_ok=True)
    suite = json.loads((root/'bench'/'results'/'mnist.json').read_text())
    (work/'cd').mkdir(parents=True, exist_ok=True)
    if not (work/'teacher.pt').exists(): shutil.copy(a.teacher, work/'teacher.pt')
    if not (work/'teacher.json').exists(): write_json(work/'teacher.json', suite['teacher'])     # the suite's scores of this teacher
    for c in suite['cd']:
        if not (work/'cd'/f"{c['seed']}.json").exists(): write_json(work/'cd'/f"{c['seed']}.json", c)
    def run():
        res = run_mnist_suite(work, [c['seed'] for c in suite['cd']], a.workers, [0] if a.device == 'cuda' else None, a.device, a.threads,
                              variants=a.variants, variant_seeds=a.variant_seeds, **{**suite['cfg'], **overrides(a)})
        return {**res, 'workers': min(a.workers, len(a.variants) * len(a.variant_seeds))}
    res = stored_result(root/'bench'/'results'/'mnist_variants.json', None if a.render else run, device=a.device)
    head = (f"{provenance_line(res)} Each variant changes one setting of the suite's CD ({res['cfg']['cd_steps']:,} steps from the same teacher, its weights "
            f"stored in bf16, the precision its layers run in under autocast); the suite's row is its three students ({suite['date']}). "
            f"Variants trained {workers(res)} at a time on the one device.\n\n")
    (root/'nbs'/'_mnist_variants.md').write_text(head + mnist_variants_md(res) + '\n')
    print((root/'nbs'/'_mnist_variants.md').read_text())

if __name__ == '__main__': main()
