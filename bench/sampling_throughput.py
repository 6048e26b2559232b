"""Sampling throughput on a GPU: one-step and two-step consistency sampling of 10k images and the teacher's Heun-35, each
beside the bare network forward on the same batch, in the same run.

The network is the 32×32 U-Net of the digits benches (ch 64 by default; its weights do not change the cost), bf16
autocast, channels-last, compiled; images/s over `--n` images drawn in batches of `--bs`. "Bare forward" is one call of the
raw U-Net on the batch (no preconditioning, no sampler): what one-step sampling cannot beat. Writes
nbs/_sampling_throughput.md and bench/results/sampling_throughput.json.

    python bench/sampling_throughput.py [--n 10000] [--bs 2500] [--ch 64] [--no-compile]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.nets import UNet
from consistency_edu.edm import Denoiser
from consistency_edu.consistency import ConsistencyModel, sample_multistep
from consistency_edu.ode import sample_heun, get_sigmas_karras
from consistency_edu.experiments import write_result

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, n, bs, reps=3):
    "images/s of fn(batch_index) over n images, best of `reps` (after one warm-up pass)."
    fn(0); torch.cuda.synchronize()
    best = 0.
    for _ in range(reps):
        t = time.time()
        for i in range(n // bs): fn(i)
        torch.cuda.synchronize()
        best = max(best, (n // bs) * bs / (time.time() - t))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=10_000); ap.add_argument('--bs', type=int, default=2500); ap.add_argument('--ch', type=int, default=64)
    ap.add_argument('--no-compile', action='store_true'); ap.add_argument('--out-dir', default=str(ROOT/'nbs'))
    a = ap.parse_args()
    dev = torch.device('cuda'); torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    net = UNet(in_ch=1, ch=a.ch, ch_mult=(1, 2, 2), num_res=2).to(dev).eval().to(memory_format=torch.channels_last)
    cm, den = ConsistencyModel(net).eval(), Denoiser(net).eval()
    comp = (lambda f: f) if a.no_compile else torch.compile
    bare_net, cm_c, den_c = comp(net), comp(cm), comp(den)
    z = torch.randn(a.bs, 1, 32, 32, device=dev).contiguous(memory_format=torch.channels_last)
    c0, s80 = torch.zeros(a.bs, device=dev), torch.full((a.bs,), 80., device=dev)
    heun = get_sigmas_karras(18, 0.002, 80.).to(dev)
    runs = {}
    with torch.no_grad(), torch.autocast('cuda', dtype=torch.bfloat16):
        runs['bare U-Net forward'] = timed(lambda i: bare_net(z, c0), a.n, a.bs)
        runs['consistency, 1 step'] = timed(lambda i: cm_c(80. * z, s80), a.n, a.bs)
        runs['consistency, 2 steps (τ = 0.8)'] = timed(lambda i: sample_multistep(cm_c, 80. * z, torch.tensor([80., 0.8, 0.], device=dev)), a.n, a.bs)
        runs['teacher, Heun 35 NFE'] = timed(lambda i: sample_heun(den_c, 80. * z, heun), a.n, a.bs, reps=1)
    base = runs['bare U-Net forward']
    card = f"{torch.cuda.get_device_name()}, torch {torch.__version__}"
    (ROOT/'bench'/'results').mkdir(exist_ok=True)
    write_result(ROOT/'bench'/'results'/'sampling_throughput.json', {'card': card, 'n': a.n, 'bs': a.bs, 'ch': a.ch, 'compile': not a.no_compile, 'images_per_s': runs})
    md = [f"Measured on {card}, {time.strftime('%Y-%m-%d')}: {a.n:,} images of 32×32 in batches of {a.bs}, U-Net ch {a.ch} (ch_mult 1, 2, 2; two res blocks), "
          f"bf16 autocast, channels-last{'' if a.no_compile else ', torch.compile'}; best of three passes after a warm-up (Heun: one pass).", '',
          '| sampler | images/s | network evaluations | × the bare forward |', '|---|---|---|---|']
    nfe = {'bare U-Net forward': 1, 'consistency, 1 step': 1, 'consistency, 2 steps (τ = 0.8)': 2, 'teacher, Heun 35 NFE': 35}
    md += [f"| {k} | {v:,.0f} | {nfe[k]} | {v / base:.2f}× |" for k, v in runs.items()]
    (Path(a.out_dir)/'_sampling_throughput.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    main()
