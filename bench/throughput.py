"""Teacher training throughput on a 32x32 U-Net: samples/s for fp32, bf16 autocast and bf16 + torch.compile.

One EDM training step (forward, backward, AdamW) on a batch of 32x32 single-channel images, timed with CUDA
synchronisation after warm-up (compilation happens in the warm-up). Writes nbs/_throughput.md and
bench/results/throughput.json.

    python bench/throughput.py [--bs 256] [--steps 100] [--ch 64]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.nets import UNet
from consistency_edu.edm import Denoiser, edm_loss

ROOT = Path(__file__).resolve().parents[1]

def run(mode, bs, steps, warmup, ch, dev):
    torch.manual_seed(0)
    cl = 'channels_last' in mode
    model = Denoiser(UNet(in_ch=1, ch=ch, ch_mult=(1, 2, 2), num_res=2)).to(dev)
    if cl: model = model.to(memory_format=torch.channels_last)
    fwd = torch.compile(model) if 'compile' in mode else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)   # as `fit` builds it on CUDA
    x = torch.rand(bs, 1, 32, 32, device=dev) * 2 - 1
    if cl: x = x.contiguous(memory_format=torch.channels_last)
    g = torch.Generator(device=dev).manual_seed(0)
    amp = 'bf16' in mode
    def step():
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
            loss = edm_loss(fwd, x, generator=g).mean()
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return loss
    t = time.time()
    for _ in range(warmup): step()
    torch.cuda.synchronize(); warm = time.time() - t
    torch.cuda.reset_peak_memory_stats()
    t = time.time()
    for _ in range(steps): loss = step()
    torch.cuda.synchronize(); dt = time.time() - t
    assert torch.isfinite(loss)
    return {'mode': mode, 'samples_per_s': bs * steps / dt, 'ms_per_step': 1000 * dt / steps, 'warmup_s': warm,
            'peak_mem_gib': torch.cuda.max_memory_allocated() / 2 ** 30,
            'params_m': sum(p.numel() for p in model.parameters()) / 1e6}

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bs', type=int, default=256); p.add_argument('--steps', type=int, default=100)
    p.add_argument('--warmup', type=int, default=20); p.add_argument('--ch', type=int, default=64)
    a = p.parse_args()
    if not torch.cuda.is_available(): raise SystemExit('throughput.py measures GPU throughput: no CUDA device visible')
    dev = torch.device('cuda')
    modes = ('fp32', 'bf16', 'bf16 + compile', 'bf16 + channels_last', 'bf16 + channels_last + compile')
    rows = [run(m, a.bs, a.steps, a.warmup, a.ch, dev) for m in modes]
    base = rows[0]['samples_per_s']
    name = torch.cuda.get_device_name(dev)
    md = [f"EDM teacher training step on a 32×32 U-Net (ch {a.ch}, ch_mult (1, 2, 2), 2 res blocks per level, "
          f"{rows[0]['params_m']:.1f}M parameters), batch {a.bs}, fused AdamW; {a.steps} timed steps after {a.warmup} warm-up steps. "
          f"Measured on {name}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}. fp32 uses PyTorch's defaults "
          "(TF32 for convolutions, not for matmuls).\n",
          '| mode | samples/s | ms/step | speed-up vs fp32 | peak memory (GiB) | warm-up (s) |', '|---|---|---|---|---|---|']
    md += [f"| {r['mode']} | {r['samples_per_s']:.0f} | {r['ms_per_step']:.1f} | {r['samples_per_s'] / base:.2f}× | "
           f"{r['peak_mem_gib']:.2f} | {r['warmup_s']:.1f} |" for r in rows]
    (ROOT/'nbs'/'_throughput.md').write_text('\n'.join(md) + '\n')
    res = ROOT/'bench'/'results'; res.mkdir(parents=True, exist_ok=True)
    (res/'throughput.json').write_text(json.dumps({'device': name, 'torch': torch.__version__, 'rows': rows, 'args': vars(a)}, indent=1))
    print('\n'.join(md))

if __name__ == '__main__': main()
