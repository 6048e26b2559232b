"""LCM on latent digits at a larger size than the notebooks' CPU cells: autoencoder, class-conditional guided ε-teacher,
latent consistency distillation (L2 and LCM's element-wise Huber), and the table of notebook 17 — teacher DDIM-50 vs LCM at
1/2/4/8 steps for ω ∈ {0, 1, 2, 4}, scored by the digits classifier (accuracy of the requested digit, FD to the test digits).

    python bench/lcm_table.py [--ch 64] [--lcd-steps 4000] [--per-class 200] [--out-dir DIR] [--device cuda]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.evaluate import bench_setup
from consistency_edu.toy import load_digits
from consistency_edu.metrics import digits_classifier, digits_fd
from consistency_edu.latent import train_autoencoder, train_latent_teacher, train_lcm, LatentLCM, latent_rows

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ch', type=int, default=64); p.add_argument('--ae-steps', type=int, default=3000)
    p.add_argument('--teacher-steps', type=int, default=8000); p.add_argument('--lcd-steps', type=int, default=4000)
    p.add_argument('--bs', type=int, default=512); p.add_argument('--per-class', type=int, default=200)
    p.add_argument('--metrics', nargs='+', default=['l2', 'huber']); p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--out-dir', default=None); p.add_argument('--device', default='cuda')
    a = p.parse_args()
    dev, out, name = bench_setup(a.device, a.out_dir, ROOT)
    t0 = time.time()
    (xtr, ytr), (xte, _) = load_digits('train'), load_digits('test')
    clf, acc_real = digits_classifier()
    common = dict(device=dev, progress=False, sync_every=50)
    ae = train_autoencoder(xtr, a.ae_steps, ch=a.ch, **common)
    t_ae = time.time() - t0
    z = ae.encode(xtr.to(dev))
    with torch.no_grad(): acc_rec = (clf(ae.decode(ae.encode(xte.to(dev))).cpu()).argmax(1) == load_digits('test')[1]).float().mean().item()
    teacher, rt = train_latent_teacher(z, ytr.to(dev), a.teacher_steps, bs=a.bs, lr=1e-3, ch=a.ch, **common)
    print(f'autoencoder {t_ae:.0f}s (reconstructions classified {acc_rec:.3f}), teacher {rt.seconds:.0f}s', flush=True)
    res = {'device': name, 'torch': torch.__version__, 'args': vars(a), 'accuracy real / reconstructed': [acc_real, acc_rec],
           'seconds': {'autoencoder': t_ae, 'teacher': rt.seconds}, 'rows': {}}
    for metric in a.metrics:
        student, rl = train_lcm(teacher, z, ytr.to(dev), a.lcd_steps, bs=a.bs, lr=a.lr, metric=metric, **common)
        stack = LatentLCM((1, 8, 8), 10, a.ch).to(dev)
        for mine, trained in ((stack.ae, ae), (stack.teacher, teacher), (stack.lcm, student)): mine.load_state_dict(trained.state_dict())
        rows = latent_rows(stack.eval(), clf, per_class=a.per_class)
        res['rows'][metric] = {str(w): {str(k): v for k, v in r.items()} for w, r in rows.items()}
        res['seconds'][f'lcd {metric}'] = rl.seconds
        print(metric, rows, f'{rl.seconds:.0f}s', flush=True)
    md = [f"Measured on {name}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}: digits 8×8 → latents 2×4×4 (autoencoder ch {a.ch}, "
          f"{a.ae_steps} steps, reconstructions classified {acc_rec:.3f} vs {acc_real:.3f} for real test digits); guided ε-teacher U-Net ch {a.ch}, "
          f"{a.teacher_steps} steps, batch {a.bs}, label dropout 0.1 ({rt.seconds:.0f} s); LCD {a.lcd_steps} steps, batch {a.bs}, lr {a.lr:g}, "
          f"k = 20, ω ~ U[0, 4], EMA 0.95. Each cell: accuracy of the requested digit / FD to the test digits, {10 * a.per_class} samples "
          "(the same latent noise in every cell).\n"]
    for metric, rows in res['rows'].items():
        md += [f"**LCD with {'L2' if metric == 'l2' else 'the element-wise Huber (c = 0.001)'}** ({res['seconds'][f'lcd {metric}']:.0f} s)\n",
               '| ω | teacher DDIM-50 | LCM 1 step | LCM 2 steps | LCM 4 steps | LCM 8 steps | LCM-4 FD / DDIM-50 FD |', '|---|---|---|---|---|---|---|']
        for w, r in rows.items():
            v = list(r.values())
            md.append(f'| {float(w):g} | ' + ' | '.join(f'{acc:.3f} / {f:.1f}' for acc, f in v) + f' | {v[3][1] / v[0][1]:.2f} |')
        md.append('')
    (out/'nbs'/'_lcm_table.md').write_text('\n'.join(md))
    (out/'bench'/'results'/'lcm_table.json').write_text(json.dumps(res, indent=1))
    print('\n'.join(md), f'\ntotal {time.time() - t0:.0f}s')

if __name__ == '__main__': main()
