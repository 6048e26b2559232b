"""The digits columns on a GPU: Table 1 of the consistency-models paper and the iCT ablation, scored with the
digits-classifier Fréchet distance (FD).

One EDM teacher (U-Net) is trained on the bundled digits resized to `--size`; its Euler/Heun/DDIM rows at NFE 10/18/35/79
are the reference. Then, every consistency model with the same U-Net, steps, batch and bf16 autocast, sampled from an EMA
(0.999) of the student: CD from that teacher (Heun vs Euler; L2, pseudo-Huber, LPIPS), CT (L2, the paper's curricula), CTM + DSM,
and the rows of bench/ict_ablation.py (each adds one of iCT's techniques). NFE-2 τ is chosen by greedy search on FD
against the train split; the reported FD is against the test split (floor: train vs test). LPIPS runs offline with
a random backbone (`LPIPS(pretrained=False)`: no weights can be downloaded on the GPU machine) — its row measures
LPIPS-as-implemented, not the pretrained metric. Results are written after every row.

    python bench/digits_table.py [--size 16] [--steps 2000] [--out-dir DIR] [--parts table1 ablation]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.toy import load_digits
from consistency_edu.nets import UNet, init_from
from consistency_edu.edm import Denoiser, edm_loss
from consistency_edu.train import fit
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.cd import CDLoss
from consistency_edu.ct import CTLoss
from consistency_edu.ict import ICTLoss
from consistency_edu.ctm import CTMModel, CTMLoss, CTMAsConsistency
from consistency_edu.metrics import digits_fd, LPIPS
from consistency_edu.evaluate import quality_per_nfe, sample_consistency, two_step, bench_setup
from consistency_edu.recipes import ict_ablation_rows

ROOT = Path(__file__).resolve().parents[1]

TABLE1_ROWS = [('CD · Heun · L2', 'cd'), ('CD · Euler · L2', 'cd'), ('CD · Heun · pseudo-Huber', 'cd'),
               ('CT · L2 (s₀ = 2, s₁ = 150, μ₀ = 0.9)', 'ct'), ('CD · Heun · LPIPS (random AlexNet, offline)', 'cd'),
               ('CTM + DSM · Heun · L2, random initialisation', 'ctm'), ('CTM + DSM · Heun · L2, initialised from the teacher', 'ctm')]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--size', type=int, default=16); p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--teacher-steps', type=int, default=4000); p.add_argument('--bs', type=int, default=128)
    p.add_argument('--n', type=int, default=1000); p.add_argument('--ch', type=int, default=32)
    p.add_argument('--out-dir', default=None); p.add_argument('--resume', default=None, help='a digits_table.json: keep its rows, run the missing ones');
    p.add_argument('--ablation-steps', type=int, default=None); p.add_argument('--skip', nargs='*', default=[], help='row names not to run');
    p.add_argument('--render', action='store_true', help='only rewrite the table from --resume'); p.add_argument('--device', default='cuda'); p.add_argument('--parts', nargs='+', default=['table1', 'ablation'])
    a = p.parse_args()
    dev, out, name = bench_setup(a.device, a.out_dir, ROOT)
    t0 = time.time()
    x, _ = load_digits('train', size=a.size)
    x_test, x_train_ref = load_digits('test', size=a.size)[0], x[:len(load_digits('test')[0])]
    fd = lambda s, ref=x_test: digits_fd(s.float().clamp(-1, 1).cpu(), ref)
    floor = fd(x_train_ref)
    z = torch.randn(a.n, 1, a.size, a.size, generator=torch.Generator().manual_seed(13)).to(dev)
    unet = lambda **kw: UNet(in_ch=1, ch=a.ch, ch_mult=(1, 2, 2), num_res=1, **kw)
    common = dict(bs=a.bs, warmup=100, schedule='cosine', amp='bf16', device=dev, progress=False, sync_every=50)
    res = {'device': name, 'torch': torch.__version__, 'args': vars(a), 'floor': floor, 'teacher': [], 'table1': [], 'ablation': []}
    if a.resume: res = {**json.loads(Path(a.resume).read_text()), 'resumed_args': vars(a)}
    done = {r['name'] for part in ('table1', 'ablation') for r in res[part]} | set(a.skip)
    a.ablation_steps = a.ablation_steps or res.get('ablation_steps') or a.steps; res['ablation_steps'] = a.ablation_steps

    teacher = None
    def get_teacher():
        nonlocal teacher
        if teacher is None:
            torch.manual_seed(0)
            teacher = Denoiser(unet())
            rt = fit(teacher, lambda m, xb, g: edm_loss(m, xb, generator=g), x, steps=a.teacher_steps, lr=4e-4, ema_decay=0.999, **common)
            teacher = rt.ema.eval().requires_grad_(False)
            if not res['teacher']:
                res['teacher'] = quality_per_nfe({'EDM teacher': teacher}, x_test.to(dev), {'FD': lambda s, r: fd(s)}, n=a.n,
                                                 nfes=(10, 18, 35, 79), seed=13, device=dev)
            print('teacher', res['teacher'], f'{time.time() - t0:.0f}s', flush=True)
        return teacher
    if a.render: a.steps = res['args']['steps']
    elif not res['teacher']: get_teacher()
    heun35 = next(r['FD'] for r in res['teacher'] if r['sampler'] == 'heun' and r['nfe'] == 35)

    def score(m, levels):
        "FD at NFE 1 and 2; tau searched over the model's training levels (at most 12 of them, spread in [0.05, 10])."
        m.eval()
        cands = [float(t) for t in levels if 0.05 <= t <= 10.]
        cands = cands[::max(1, len(cands) // 12)]
        tau, x2 = two_step(m, z, lambda s: fd(s, x_train_ref), cands)
        return {'FD1': fd(sample_consistency(m, z)), 'FD2': fd(x2), 'tau': tau}

    def train(make_loss, net_kw=None, lr=2e-4, steps=a.steps, ctm=False, init=False):
        torch.manual_seed(0)
        m = (CTMModel(unet(n_extra=1, **(net_kw or {}))) if ctm else ConsistencyModel(unet(**(net_kw or {})))).to(dev)
        if ctm and init: init_from(m.net, get_teacher().net)   # CTM's student starts as its teacher (g = D at step 0), as the paper's
        loss = make_loss(m)
        r = fit(m, loss, x, steps=steps, lr=lr, ema_decay=0.999, **common)
        return {**score(CTMAsConsistency(r.ema) if ctm else r.ema, loss.levels(loss.k)), 'seconds': r.seconds, 'steps': steps,
                'finite': all(v == v for v in r.history)}

    def write():
        order = [n for n, *_ in ict_ablation_rows()] + [n for n, _ in TABLE1_ROWS]
        for part in ('table1', 'ablation'): res[part].sort(key=lambda r: order.index(r['name']) if r['name'] in order else len(order))
        md = [f"Measured on {res['device']}, torch {res['torch']}, {time.strftime('%Y-%m-%d')}: digits at {a.size}×{a.size}, U-Net ch {a.ch} "
              f"(1, 2, 2), bf16 autocast; teacher {a.teacher_steps} steps; consistency models: batch {a.bs}, "
              f"cosine learning rate, sampled from an EMA (0.999). FD of {a.n} samples against the {len(x_test)} test digits; "
              f"floor (train vs test digits) {floor:.1f}. NFE-2 τ by greedy search over the model's training levels against the train split.\n"]
        if res['teacher']:
            md += ['**Teacher** (FD)\n', '| sampler | NFE 10 | NFE 18 | NFE 35 | NFE 79 |', '|---|---|---|---|---|']
            for s in ('euler', 'heun', 'ddim'):
                md.append(f"| {s} | " + ' | '.join(f"{r['FD']:.1f}" for r in res['teacher'] if r['sampler'] == s) + ' |')
        base = res['args']['steps']                            # a resumed run may train its rows for other step counts: rows say so
        for part, title in (('table1', f'Consistency models (Table 1), {base} steps each unless the row says otherwise'),
                            ('ablation', f'iCT ablation (each row adds one technique), {a.ablation_steps} steps each')):
            if not res[part]: continue
            md += ['', f'**{title}**\n', '| row | FD, NFE 1 | FD, NFE 2 (τ) | NFE 1 / teacher Heun 35 | NFE 2 / teacher Heun 35 | seconds |',
                   '|---|---|---|---|---|---|']
            for r in res[part]:
                steps = '' if part == 'ablation' or r.get('steps', base) == base else f" ({r['steps']} steps)"
                md.append(f"| {r['name']}{steps} | {r['FD1']:.1f} | {r['FD2']:.1f} ({r['tau']:.1f}) | {r['FD1'] / heun35:.2f}× | {r['FD2'] / heun35:.2f}× | {r['seconds']:.0f} |")
        md.append(f"\nTeacher Heun at 35 NFE: FD {heun35:.1f}.")
        (out/'nbs'/'_digits_table.md').write_text('\n'.join(md) + '\n')
        (out/'bench'/'results'/'digits_table.json').write_text(json.dumps(res, indent=1))
    write()
    if a.render: return

    if 'table1' in a.parts:
        lp = lambda: LPIPS(net='alex', pretrained=False, size=64).to(dev)
        makers = {'CD · Heun · L2': lambda m: CDLoss(m, get_teacher(), N=18, mu=0.95, solver='heun', metric='l2'),
                  'CD · Euler · L2': lambda m: CDLoss(m, get_teacher(), N=18, mu=0.95, solver='euler', metric='l2'),
                  'CD · Heun · pseudo-Huber': lambda m: CDLoss(m, get_teacher(), N=18, mu=0.95, solver='heun', metric='pseudo_huber'),
                  'CT · L2 (s₀ = 2, s₁ = 150, μ₀ = 0.9)': lambda m: CTLoss(m, K=a.steps, s0=2, s1=150, mu0=0.9),
                  'CD · Heun · LPIPS (random AlexNet, offline)': lambda m: CDLoss(m, get_teacher(), N=18, mu=0.95, solver='heun', metric='lpips', lpips=lp())}
        makers['CTM + DSM · Heun · L2, initialised from the teacher'] = lambda m: CTMLoss(m, get_teacher(), N=18)
        makers['CTM + DSM · Heun · L2, random initialisation'] = makers['CTM + DSM · Heun · L2, initialised from the teacher']
        for rname, kind in TABLE1_ROWS:
            mk = makers[rname]
            if rname in done: continue
            res['table1'].append({'name': rname, **train(mk, ctm=kind == 'ctm', init='initialised from the teacher' in rname)}); print(res['table1'][-1], flush=True); write()
    if 'ablation' in a.parts:
        for rname, lkw, nkw in ict_ablation_rows(160, dropout=0.2):
            if rname in done: continue
            res['ablation'].append({'name': rname, 'loss': lkw, 'net': nkw,
                                    **train(lambda m: ICTLoss(m, K=a.ablation_steps, **lkw), dict(emb='fourier', **nkw), steps=a.ablation_steps)})
            print(res['ablation'][-1], flush=True); write()
    print((out/'nbs'/'_digits_table.md').read_text())

if __name__ == '__main__': main()
