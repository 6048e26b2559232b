"""Training throughput on a 32x32 U-Net: samples/s of one training step for the EDM teacher, consistency distillation
(CD, Heun teacher), consistency training (CT) and improved CT (iCT), in fp32, bf16 autocast and bf16 + torch.compile (and channels-last for EDM).

Each step is `train.train_step`, the step `fit` takes: forward, backward and fused AdamW on a batch of 32x32 single-channel images, timed with CUDA
events after warm-up (compilation happens in the warm-up). Only the online network is compiled; CD's
teacher and the target network run eagerly. Writes nbs/_throughput.md and bench/results/throughput.json.

    python bench/throughput.py [--bs 256] [--steps 100] [--ch 64] [--methods edm cd ct ict] [--out-dir DIR] [--name throughput]
    python bench/throughput.py --device cpu --bs 4 --steps 2 --warmup 1 --ch 8 --methods ctm --out-dir /tmp/smoke   # a smoke test
"""
import argparse, time
from pathlib import Path
import torch
from consistency_edu.experiments import write_result, cpu_model, step_method, time_steps
from consistency_edu.train import train_step

ROOT = Path(__file__).resolve().parents[1]
NAMES = {'edm': 'EDM', 'cd': 'CD', 'ct': 'CT', 'ict': 'iCT', 'ctm': 'CTM + DSM'}
MODES = {'edm': ('fp32', 'bf16', 'bf16 + compile', 'bf16 + channels_last', 'bf16 + channels_last + compile'),
         'cd': ('fp32', 'bf16', 'bf16 + compile'), 'ct': ('fp32', 'bf16', 'bf16 + compile'),
         'ict': ('fp32', 'bf16', 'bf16 + compile'), 'ctm': ('fp32', 'bf16')}

def run(method, mode, bs, steps, warmup, ch, dev):
    "One (method, mode): the method from `experiments.step_method` (CT and iCT laid over K = 1000), fit's own step timed."
    model, loss_fn = step_method(method, ch, dev, K=1000)
    cl = 'channels_last' in mode
    if cl: model = model.to(memory_format=torch.channels_last)
    fwd = torch.compile(model) if 'compile' in mode else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)   # as `fit` builds it on CUDA
    x = torch.rand(bs, 1, 32, 32, device=dev) * 2 - 1
    if cl: x = x.contiguous(memory_format=torch.channels_last)
    g = torch.Generator(device=dev).manual_seed(0)
    amp, k = 'bf16' if 'bf16' in mode else None, [0]
    def step():   # fit's own step (train_step): the loss, the update, then the method's after_step (EMA target, curriculum)
        k[0] += 1
        return train_step(model, loss_fn, x, opt, g, fwd=fwd, amp=amp, step=k[0] - 1)
    r = time_steps(step, steps, warmup, dev)
    assert torch.isfinite(r['last'])
    return {'method': method, 'mode': mode, 'samples_per_s': bs / r['sec_per_step'], 'ms_per_step': 1000 * r['sec_per_step'], 'warmup_s': r['warmup_s'],
            'peak_mem_gib': r['peak_bytes'] / 2 ** 30, 'params_m': sum(p.numel() for p in model.parameters()) / 1e6}

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bs', type=int, default=256); p.add_argument('--steps', type=int, default=100)
    p.add_argument('--warmup', type=int, default=20); p.add_argument('--ch', type=int, default=64)
    p.add_argument('--methods', nargs='+', default=list(MODES), choices=list(MODES))
    p.add_argument('--out-dir', default=None); p.add_argument('--name', default='throughput', help='output file stem')
    p.add_argument('--device', default='cuda', help="'cpu' only to smoke-test the script (its timings are not the table's)")
    a = p.parse_args()
    dev = torch.device(a.device)
    if dev.type == 'cuda' and not torch.cuda.is_available(): raise SystemExit('throughput.py measures GPU throughput: no CUDA device visible')
    rows = [run(m, mode, a.bs, a.steps, a.warmup, a.ch, dev) for m in a.methods for mode in MODES[m]]
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else cpu_model()
    md = [f"One training step on a 32×32 U-Net (ch {a.ch}, ch_mult (1, 2, 2), 2 res blocks per level, "
          f"{rows[0]['params_m']:.1f}M parameters), batch {a.bs}, fused AdamW; {a.steps} timed steps after {a.warmup} warm-up steps. "
          f"Measured on {name}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}. fp32 uses PyTorch's defaults "
          "(TF32 for convolutions, not for matmuls). CD: Heun teacher (2 teacher evaluations), N = 18, μ = 0.95; CT: no teacher; iCT: no teacher and no target network (the student, without gradient); "
          "CTM + DSM: k Heun steps of the teacher (2k evaluations, P(k) ∝ k, E[k] = 11.7 at N = 18), three G evaluations and the DSM pass, adaptive DSM weight. "
          "Only the online network is compiled. Speed-up is against the same method in fp32.\n",
          '| method | mode | samples/s | ms/step | speed-up vs fp32 | peak memory (GiB) | warm-up (s) |', '|---|---|---|---|---|---|---|']
    for r in rows:
        base = next(b for b in rows if b['method'] == r['method'] and b['mode'] == 'fp32')['samples_per_s']
        md.append(f"| {NAMES[r['method']]} | {r['mode']} | {r['samples_per_s']:.0f} | {r['ms_per_step']:.1f} | {r['samples_per_s'] / base:.2f}× | "
                  f"{r['peak_mem_gib']:.2f} | {r['warmup_s']:.1f} |")
    out = Path(a.out_dir) if a.out_dir else ROOT
    (out/'nbs').mkdir(parents=True, exist_ok=True)
    (out/'nbs'/f'_{a.name}.md').write_text('\n'.join(md) + '\n')
    res = out/'bench'/'results'; res.mkdir(parents=True, exist_ok=True)
    write_result(res/f'{a.name}.json', {'device': name, 'torch': torch.__version__, 'rows': rows, 'args': vars(a)})
    print('\n'.join(md))

if __name__ == '__main__': main()
