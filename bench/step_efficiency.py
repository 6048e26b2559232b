"""Training-step efficiency on a GPU: samples/s and the fraction of a measured bf16 matmul ceiling, per method and mode.

For each method (EDM, CD, CT, iCT, CTM + DSM) and U-Net width (ch 64 and ch 128, 32×32, batch 512) one training step —
the method's loss (online pass, and the target/teacher passes it needs), backward, fused AdamW, the method's after_step
(EMA target, curriculum) — is timed in three modes, in the same run:

- `eager fp32`: the baseline;
- `bf16 + compile`: bf16 autocast, channels-last, the whole loss (online, target and teacher passes and the distance)
  compiled as one function, data on the device, no host synchronisation in the loop;
- `bf16 + compile + CUDA graphs`: the same with `mode="reduce-overhead"` (CUDA graphs replay the launches).

FLOPs per step are counted once per method and width with torch's FlopCounterMode (forward and backward); the ceiling
is a bf16 8192³ matmul measured in the same run. Then torch.profiler attributes the best iCT mode's GPU time to kernels.
Writes nbs/_step_efficiency.md and bench/results/step_efficiency.json.

    python bench/step_efficiency.py [--methods edm cd ct ict ctm] [--chs 64 128] [--bs 512] [--steps 20]
"""
import argparse, json, time
from pathlib import Path
import torch
from torch.utils.flop_counter import FlopCounterMode
from consistency_edu.nets import UNet
from consistency_edu.edm import Denoiser, edm_loss
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.cd import CDLoss
from consistency_edu.ct import CTLoss
from consistency_edu.ict import ICTLoss
from consistency_edu.ctm import CTMModel, CTMLoss

ROOT = Path(__file__).resolve().parents[1]
NAMES = {'edm': 'EDM', 'cd': 'CD (Heun teacher)', 'ct': 'CT', 'ict': 'iCT', 'ctm': 'CTM + DSM'}
MODES = ('eager fp32', 'bf16 + compile', 'bf16 + compile + CUDA graphs')


def ceiling(dev, n=8192, reps=20):
    "Dense bf16 matmul TFLOP/s on this card."
    a, b = torch.randn(n, n, device=dev, dtype=torch.bfloat16), torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    for _ in range(3): a @ b
    torch.cuda.synchronize(); t = time.time()
    for _ in range(reps): a @ b
    torch.cuda.synchronize()
    return 2 * n ** 3 * reps / (time.time() - t) / 1e12


def build(method, ch, dev):
    torch.manual_seed(0)
    unet = lambda n_extra=0: UNet(in_ch=1, ch=ch, ch_mult=(1, 2, 2), num_res=2, n_extra=n_extra, dropout=0.1 if method in ('ct', 'ict') else 0.)
    model = (Denoiser(unet()) if method == 'edm' else CTMModel(unet(1)) if method == 'ctm' else ConsistencyModel(unet())).to(dev)
    teacher = Denoiser(unet()).to(dev).eval().requires_grad_(False) if method in ('cd', 'ctm') else None
    loss = {'edm': lambda: (lambda m, x, g: edm_loss(m, x, generator=g)),
            'cd': lambda: CDLoss(model, teacher, N=18, mu=0.95, solver='heun'),
            'ct': lambda: CTLoss(model, K=10 ** 6, s0=2, s1=150),    # K large: the curriculum holds still while timing (a new N
            'ict': lambda: ICTLoss(model, K=10 ** 6),                # would recompile the graph; in training it changes a few times)
            'ctm': lambda: CTMLoss(model, teacher, N=18)}[method]()
    if hasattr(loss, 'to'): loss.to(dev)
    return model, loss


def step_fn(model, loss, mode, opt):
    amp, fn = mode != 'eager fp32', getattr(loss, 'loss', loss)
    def compute(x): 
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=amp): return fn(model, x, None).float().mean()
    if 'compile' in mode: compute = torch.compile(compute, mode='reduce-overhead' if 'graphs' in mode else None)
    k = [0]
    def step(x):
        l = compute(x)
        opt.zero_grad(set_to_none=True); l.backward(); opt.step()
        k[0] += 1
        if hasattr(loss, 'after_step'): loss.after_step(model, k[0])
        return l
    return step


def flops(method, ch, bs, dev):
    model, loss = build(method, ch, dev)
    x = torch.rand(bs, 1, 32, 32, device=dev) * 2 - 1
    with FlopCounterMode(display=False) as fc:
        getattr(loss, 'loss', loss)(model, x, None).mean().backward()
    return fc.get_total_flops()


def run(method, ch, mode, bs, steps, dev):
    model, loss = build(method, ch, dev)
    cl = mode != 'eager fp32'
    if cl: model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    x = torch.rand(bs, 1, 32, 32, device=dev) * 2 - 1
    if cl: x = x.contiguous(memory_format=torch.channels_last)
    step = step_fn(model, loss, mode, opt)
    t = time.time()
    for _ in range(3): step(x)                                   # warm-up: compilation, CUDA graph capture, autotuning
    torch.cuda.synchronize(); warm = time.time() - t
    torch.cuda.reset_peak_memory_stats()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(steps): l = step(x)
    end.record(); torch.cuda.synchronize()
    sec = start.elapsed_time(end) / 1000 / steps
    assert torch.isfinite(l).item(), (method, mode)
    return {'sec_per_step': sec, 'samples_per_s': bs / sec, 'warmup_s': warm, 'peak_gb': torch.cuda.max_memory_allocated() / 1e9}, (step, x)


def profile(step, x, n=5):
    "The CUDA kernels that take the step's GPU time, as (name, share of the total)."
    from torch.profiler import profile as prof, ProfilerActivity
    with prof(activities=[ProfilerActivity.CUDA]) as p:
        for _ in range(n): step(x)
        torch.cuda.synchronize()
    ev = [e for e in p.key_averages() if e.device_type.name == 'CUDA' or getattr(e, 'self_device_time_total', 0) > 0]
    tot = sum(getattr(e, 'self_device_time_total', 0) for e in ev) or 1
    top = sorted(ev, key=lambda e: -getattr(e, 'self_device_time_total', 0))[:12]
    return [(e.key[:90], getattr(e, 'self_device_time_total', 0) / tot) for e in top]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--methods', nargs='+', default=list(NAMES)); ap.add_argument('--chs', nargs='+', type=int, default=[64, 128])
    ap.add_argument('--full', nargs='+', default=['ict'], help='methods timed at every width and mode; the others at the widest, eager fp32 and one compiled mode')
    ap.add_argument('--bs', type=int, default=512); ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--modes', nargs='+', default=list(MODES)); ap.add_argument('--out-dir', default=str(ROOT/'nbs')); ap.add_argument('--name', default='step_efficiency')
    a = ap.parse_args()
    dev = torch.device('cuda')
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False    # fp32 means fp32
    peak = ceiling(dev)
    card = f"{torch.cuda.get_device_name()}, torch {torch.__version__}"
    print(f'{card}: bf16 matmul ceiling {peak:.0f} TFLOP/s', flush=True)
    rows, best = [], None
    for method in a.methods:
        for ch in (a.chs if method in a.full else [max(a.chs)]):
            f = flops(method, ch, a.bs, dev)
            base = None
            modes = a.modes if method in a.full else [a.modes[0], 'bf16 + compile' if method == 'ctm' else a.modes[-1]]   # CTM draws k per batch in Python: no static graph
            for mode in modes:
                try: r, keep = run(method, ch, mode, a.bs, a.steps, dev)
                except Exception as e: print(method, ch, mode, 'failed:', repr(e)[:300], flush=True); continue
                r |= {'method': method, 'ch': ch, 'mode': mode, 'gflop_per_step': f / 1e9, 'tflops': f / r['sec_per_step'] / 1e12}
                r['ceiling_frac'] = r['tflops'] / peak
                base = r['samples_per_s'] if mode == 'eager fp32' else base
                r['x_eager'] = r['samples_per_s'] / base if base else None
                rows.append(r); print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}, flush=True)
                if method == 'ict' and ch == max(a.chs) and (best is None or r['tflops'] > best[0]['tflops']): best = (r, keep)
                torch.cuda.empty_cache(); torch._dynamo.reset()
    prof = profile(*best[1]) if best else []
    out = Path(a.out_dir); (ROOT/'bench'/'results').mkdir(exist_ok=True)
    (ROOT/'bench'/'results'/f'{a.name}.json').write_text(json.dumps({'card': card, 'ceiling_tflops': peak, 'bs': a.bs, 'rows': rows, 'profile': prof}, indent=1))
    md = [f"Measured on {card}, {time.strftime('%Y-%m-%d')}: one training step (loss with its target/teacher passes, backward, fused AdamW, after_step) "
          f"of a 32×32 U-Net (ch_mult 1, 2, 2; two res blocks), batch {a.bs}; bf16 dense-matmul ceiling measured in the same run: "
          f"{peak:.0f} TFLOP/s. FLOPs per step from torch's FlopCounterMode (forward + backward).", '',
          '| method | ch | mode | samples/s | GFLOP/step | TFLOP/s | % of ceiling | × eager fp32 | peak GB |', '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        md.append(f"| {NAMES[r['method']]} | {r['ch']} | {r['mode']} | {r['samples_per_s']:,.0f} | {r['gflop_per_step']:.0f} | {r['tflops']:.0f} | "
                  f"{100 * r['ceiling_frac']:.1f}% | {r['x_eager']:.2f}× | {r['peak_gb']:.1f} |")
    if prof:
        md += ['', f"Where the GPU time of the fastest iCT step (ch {best[0]['ch']}, {best[0]['mode']}) goes (torch.profiler, share of kernel time):", '',
               '| kernel | share |', '|---|---|'] + [f"| `{k.replace('|', '/')}` | {100 * s:.1f}% |" for k, s in prof]
    (out/f'_{a.name}.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    main()
