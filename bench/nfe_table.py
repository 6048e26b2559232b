"""Quality per NFE of the teachers: the baseline table every later method is compared against.

Trains an EDM teacher on the 2-D oracle and one on the 8x8 digits, then scores Euler, Heun and DDIM at
NFE 1, 2, 5, 10, 18, 35, 79 — for the exact oracle denoiser and the trained teachers — with sliced Wasserstein
and MMD (oracle, with floors) and the digits-classifier Fréchet distance (digits, with its floor).
Writes nbs/_nfe_table.md (included by nbs/results.ipynb) and bench/results/nfe_table.json.

    python bench/nfe_table.py                 # GPU when present; full size
    python bench/nfe_table.py --quick         # a CPU-sized smoke run (not for the docs)
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.core import default_device
from consistency_edu.toy import oracle_mixture, load_digits
from consistency_edu.nets import MLP, UNet
from consistency_edu.edm import Denoiser, edm_loss
from consistency_edu.train import fit
from consistency_edu.metrics import sliced_wasserstein, mmd, metric_floor, digits_fd, digits_classifier
from consistency_edu.evaluate import quality_per_nfe, markdown_table, NFES, run_header

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--device', default=None)
    p.add_argument('--quick', action='store_true')
    p.add_argument('--digits-steps', type=int, default=12_000)
    p.add_argument('--out', default=str(ROOT/'nbs'/'_nfe_table.md'))
    a = p.parse_args()
    dev = torch.device(a.device) if a.device else default_device()
    q = a.quick
    loss_fn = lambda m, x, g: edm_loss(m, x, generator=g)
    t0 = time.time()

    # --- the 2-D oracle
    gm = oracle_mixture()
    n = 2000 if q else 10_000
    o_steps = 1000 if q else 8000
    torch.manual_seed(0)
    teacher = Denoiser(MLP(hidden=256, depth=4), sigma_data=0.5)
    r = fit(teacher, loss_fn, gm.sample, steps=o_steps, bs=1024, lr=1e-3, warmup=200, schedule='cosine', device=dev, progress=False)
    ref = gm.sample(n, generator=torch.Generator().manual_seed(1)).to(dev)
    metrics = {'SW': lambda x, y: sliced_wasserstein(x, y), 'MMD': lambda x, y: mmd(x, y)}
    rows = quality_per_nfe({'exact D*': lambda x, s: gm.denoise(x, s), 'EDM teacher': teacher}, ref, metrics, n=n, nfes=NFES, seed=2)
    floors = {'SW': metric_floor(gm.sample, sliced_wasserstein, n), 'MMD': metric_floor(gm.sample, mmd, n)}
    t_oracle = time.time() - t0

    # --- digits: reference = one half of all 1797 digits, floor = the other half against it
    t1 = time.time()
    xa, _ = load_digits('all')
    half = len(xa) // 2
    ref_d, held_out = xa[:half], xa[half:2 * half]
    xtr, _ = load_digits('train')
    d_steps = 400 if q else a.digits_steps
    torch.manual_seed(0)
    dteacher = Denoiser(UNet(in_ch=1, ch=32 if q else 64, ch_mult=(1, 2), num_res=1 if q else 2, dropout=0.1), sigma_data=0.5)
    rd = fit(dteacher, loss_fn, xtr, steps=d_steps, bs=256, lr=5e-4, warmup=500, schedule='cosine', ema_decay=0.9995,
             amp='bf16' if dev.type == 'cuda' else None, device=dev, progress=False, sync_every=100)
    clf, acc = digits_classifier()
    fd = {'FD': lambda x, y: digits_fd(x, y, clf)}
    rows_d = quality_per_nfe({'EDM teacher (EMA)': rd.ema.to(dev)}, ref_d.to(dev), fd, n=half, nfes=NFES, seed=3)
    fd_floor = (digits_fd(held_out, ref_d, clf), 0.)
    t_digits = time.time() - t1

    cap = (f"Measured on {run_header(dev)}, {time.strftime('%Y-%m-%d')}; "
           f"{'QUICK smoke run; ' if q else ''}oracle teacher: MLP 256x4, {o_steps} steps ({t_oracle:.0f}s incl. scoring); "
           f"digits teacher: U-Net, {d_steps} steps, EMA 0.9995 ({t_digits:.0f}s incl. scoring); digits classifier test accuracy {acc:.3f}.")
    md = (f"{cap}\n\nLower is better. **floor**: a perfect sampler's score (independent true samples of the same size). "
          "A number in brackets is the NFE actually spent (Heun spends 2N−1). Euler and Heun use the Karras grid "
          "(ρ=7, σ∈[0.002, 80]); DDIM uses the VP time grid.\n\n"
          f"**2-D oracle, sliced Wasserstein-2** ({n} samples)\n\n{markdown_table(rows, 'SW', floors['SW'])}\n\n"
          f"**2-D oracle, MMD** ({n} samples)\n\n{markdown_table(rows, 'MMD', floors['MMD'])}\n\n"
          f"**Digits 8×8, Fréchet distance on the digits classifier's features** ({half} samples against {half} real digits)\n\n"
          f"{markdown_table(rows_d, 'FD', fd_floor, digits=2)}\n")
    Path(a.out).write_text(md)
    res = ROOT/'bench'/'results'; res.mkdir(parents=True, exist_ok=True)
    (res/('nfe_table_quick.json' if q else 'nfe_table.json')).write_text(json.dumps(
        {'device': run_header(dev), 'oracle': rows, 'oracle_floors': floors,
         'digits': rows_d, 'digits_floor': fd_floor, 'classifier_acc': acc}, indent=1))
    print(md)

if __name__ == '__main__': main()
