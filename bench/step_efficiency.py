"""Training-step efficiency on a GPU: samples/s and the fraction of a measured bf16 matmul ceiling, per method and mode.

For each method (EDM, CD, CT, iCT, CTM + DSM, LCM) and U-Net width (ch 64 and ch 128, 32×32, batch 512) one training step —
`train.train_step`, the step `fit` takes: the method's loss (online pass, and the target/teacher passes it needs), backward,
fused AdamW, the method's after_step (EMA target, curriculum) — is timed in three modes, in the same run:

- `eager fp32`: the baseline;
- `bf16 + compile`: bf16 autocast, channels-last, the whole loss (online, target and teacher passes and the distance)
  compiled as one function (the batch mean outside it), data on the device, no host synchronisation in the loop;
- `bf16 + compile + CUDA graphs`: the same with `mode="reduce-overhead"` (CUDA graphs replay the launches).

CTM is the exception: it draws its jump per batch and runs the teacher that many steps, so compiling its whole loss builds
a graph per jump (pre-warming it ran past 15 minutes); its networks are compiled instead, as `fit` does. In the third
mode the teacher (about 23 calls a step) gets the CUDA graphs and the student is compiled without them (torch
refuses to graph both; on digits 16×16 this way is the faster one, bench/ctm_step_configs.py); the CTM rows stored from
2026-11-27's run graphed the student instead (their mode cell says which). In the first recorded run CT under CUDA graphs
was slower than eager (0.6× at ch 64): its loss read the step k inside the compiled code, so every step recompiled and
re-recorded its graphs; CT now reads its levels eagerly (as iCT does), re-timed in the fourth run (4.1×).

LCM's step is latent consistency distillation (LCDLoss: the class-conditioned teacher twice for classifier-free guidance at
a drawn w, one DDIM step over k = 20 timesteps, the EMA target, the student fed w) on 1×32×32 arrays standing for latents:
LCM trains on latents encoded once beforehand, so its step is this one at the latents' shape.

FLOPs per step are counted once per method and width with torch's FlopCounterMode (forward and backward); the ceiling
is a bf16 8192³ matmul measured in the same run. Then torch.profiler attributes the best iCT mode's GPU time to kernels.
Writes nbs/_step_efficiency.md and bench/results/step_efficiency.json (`--append` adds a run to it, `--render` rewrites the markdown).

Compilation dominates the wall time (one to two minutes per method and width on the GPU machine's CPU); `--prewarm P`
first compiles every configuration in P processes at once into Inductor's on-disk cache, so the timed pass, one
configuration at a time, loads the compiled kernels instead of building them. Timings come only from the serial pass.

    python bench/step_efficiency.py [--methods edm cd ct ict ctm] [--chs 64 128] [--bs 512] [--steps 20] [--prewarm 4]
    python bench/step_efficiency.py --device cpu --modes 'eager fp32' --chs 8 --bs 4 --steps 2 --results /tmp/smoke --out-dir /tmp/smoke   # a smoke test

The runs stored before the step became `train_step` timed a copy of it: the same operations, with the batch mean inside the
compiled function.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path
import torch
from torch.utils.flop_counter import FlopCounterMode
from consistency_edu.ctm import CTMLoss
from consistency_edu.experiments import write_result, cpu_model, step_method, time_steps
from consistency_edu.train import train_step

ROOT = Path(__file__).resolve().parents[1]
NAMES = {'edm': 'EDM', 'cd': 'CD (Heun teacher)', 'ct': 'CT', 'ict': 'iCT', 'ctm': 'CTM + DSM', 'lcm': 'LCM (LCD, guided DDIM teacher)'}
MODES = ('eager fp32', 'bf16 + compile', 'bf16 + compile + CUDA graphs')


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)


def ceiling(dev, n=8192, reps=20):
    "Dense bf16 matmul TFLOP/s on this card (on a CPU, a smoke run: a small fp32 matmul)."
    n, dt = (n, torch.bfloat16) if dev.type == 'cuda' else (256, torch.float32)
    a, b = torch.randn(n, n, device=dev, dtype=dt), torch.randn(n, n, device=dev, dtype=dt)
    for _ in range(3): a @ b
    sync(dev); t = time.time()
    for _ in range(reps): a @ b
    sync(dev)
    return 2 * n ** 3 * reps / (time.time() - t) / 1e12


def setup():
    "The settings every process (timing or pre-warming) runs under: the same flags, so compiled graphs hit the same cache."
    torch._dynamo.config.cache_size_limit = 64  # CTM's solver runs a varying number of teacher steps: one graph per count
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False    # fp32 means fp32


def build(method, ch, dev):
    """The method's model and loss from `experiments.step_method`: CT's and iCT's curricula over K = 10⁶ steps (they hold still while timing:
    a new N would recompile the graph; in training it changes a few times), dropout 0.1 in their nets."""
    return step_method(method, ch, dev, K=10 ** 6, dropout=0.1)


class WholeLoss:
    "A method whose whole loss (online, target and teacher passes and the distance) runs as one compiled function; its after_step stays eager."
    def __init__(self, method, mode):
        self.method, self.loss = method, torch.compile(getattr(method, 'loss', method), mode=mode)
    def after_step(self, model, k): return self.method.after_step(model, k)


def step_fn(model, loss, mode, opt):
    "The timed step: `train.train_step`, the step `fit` takes, with the loss compiled as one function in the compiled modes."
    amp, cmode, fwd = None if mode == 'eager fp32' else 'bf16', 'reduce-overhead' if 'graphs' in mode else None, model
    if 'compile' in mode and isinstance(loss, CTMLoss):
        # CTM draws its jump (k) per batch and runs the teacher k steps: compiling the whole loss would build a graph per k.
        # Compile the networks instead, as fit does; CUDA graphs for the teacher only (graphing both fails in torch's graph trees).
        fwd, loss.teacher = torch.compile(model), torch.compile(loss.teacher, mode=cmode)
    elif 'compile' in mode:
        loss = WholeLoss(loss, cmode) if hasattr(loss, 'after_step') else torch.compile(loss, mode=cmode)
    k = [0]
    def step(x):
        l = train_step(model, loss, x, opt, None, fwd=fwd, amp=amp, step=k[0]); k[0] += 1
        return l
    return step


def batch(method, bs, dev, channels_last=False):
    "A batch of 32×32 one-channel data on `dev`; LCM's with class labels, as (x, labels)."
    g = torch.Generator(dev).manual_seed(0)
    x = torch.rand(bs, 1, 32, 32, device=dev, generator=g) * 2 - 1
    if channels_last: x = x.contiguous(memory_format=torch.channels_last)
    return (x, torch.randint(0, 10, (bs,), device=dev, generator=g)) if method == 'lcm' else x


def flops(method, ch, bs, dev):
    model, loss = build(method, ch, dev)
    x = batch(method, bs, dev)
    x, cond = (x[0], {'class_labels': x[1]}) if isinstance(x, tuple) else (x, {})   # labelled data: labels as class_labels, as fit passes them
    with FlopCounterMode(display=False) as fc:
        getattr(loss, 'loss', loss)(model, x, None, **cond).mean().backward()
    return fc.get_total_flops()


def run(method, ch, mode, bs, steps, dev):
    model, loss = build(method, ch, dev)
    cl = mode != 'eager fp32'
    if cl: model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    x = batch(method, bs, dev, cl)
    step = step_fn(model, loss, mode, opt)
    r = time_steps(lambda: step(x), steps, 3, dev)                # 3 warm-up steps: compilation, CUDA graph capture, autotuning
    sec, warm, l = r['sec_per_step'], r['warmup_s'], r['last']
    assert torch.isfinite(l).item(), (method, mode)
    peak = r['peak_bytes'] / 1e9
    return {'sec_per_step': sec, 'samples_per_s': bs / sec, 'warmup_s': warm, 'peak_gb': peak}, (step, x)


def profile(step, x, n=5):
    "Where the step's GPU time goes: the CUDA kernels, and the operators that launched them (outside compiled graphs: ATen ops; inside: the graphs), as (name, share of the total)."
    from torch.profiler import profile as prof, ProfilerActivity
    with prof(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as p:
        for _ in range(n): step(x)
        torch.cuda.synchronize()
    dt = lambda e: getattr(e, 'self_device_time_total', 0)
    avg = p.key_averages()
    kernels = [e for e in avg if e.device_type.name == 'CUDA']
    ops = [e for e in avg if e.device_type.name == 'CPU' and dt(e) > 0]
    tot = sum(map(dt, kernels)) or 1
    top = lambda ev, k: [(e.key[:90], dt(e) / tot) for e in sorted(ev, key=lambda e: -dt(e))[:k]]
    return {'kernels': top(kernels, 12), 'ops': top(ops, 10)}


def plan(a):
    "(method, ch, modes) in timing order: every method at every width; the `--full` methods in every mode, the others eager fp32 and compiled with CUDA graphs."
    return [(m, ch, a.modes if m in a.full else list(dict.fromkeys([a.modes[0], a.modes[-1]]))) for m in a.methods for ch in a.chs]


def prewarm(a):
    "Compile every compiled configuration in `a.prewarm` processes at once, filling Inductor's on-disk cache for the timed pass."
    jobs = [(m, ch, mode) for m, ch, modes in plan(a) for mode in modes if mode != 'eager fp32']
    env = os.environ | {'TORCHINDUCTOR_COMPILE_THREADS': str(max(1, (os.cpu_count() or 4) // a.prewarm))}
    t, running = time.time(), []
    for job in jobs:
        while len(running) >= a.prewarm: running = [p for p in running if p.poll() is None]; time.sleep(1)
        running.append(subprocess.Popen([sys.executable, __file__, '--warm-only', job[0], str(job[1]), job[2], '--bs', str(a.bs)], env=env))
    for p in running: p.wait()
    print(f'pre-warmed {len(jobs)} compiled configurations in {time.time() - t:.0f} s ({a.prewarm} at once)', flush=True)


def measure(a, dev):
    "One run: the ceiling, then every planned (method, width, mode) in turn; returns the run's record."
    peak = ceiling(dev)
    card = f"{torch.cuda.get_device_name() if dev.type == 'cuda' else cpu_model()}, torch {torch.__version__}"
    print(f'{card}: bf16 matmul ceiling {peak:.0f} TFLOP/s', flush=True)
    rows, best = [], None
    for method, ch, modes in plan(a):
        f = flops(method, ch, a.bs, dev)
        base = None
        for mode in modes:
            try: r, keep = run(method, ch, mode, a.bs, a.steps, dev)
            except Exception as e: print(method, ch, mode, 'failed:', repr(e)[:300], flush=True); continue
            r |= {'method': method, 'ch': ch, 'mode': mode, 'gflop_per_step': f / 1e9, 'tflops': f / r['sec_per_step'] / 1e12}
            if method == 'ctm' and 'graphs' in mode: r['graphed'] = 'teacher'
            r['ceiling_frac'] = r['tflops'] / peak
            base = r['samples_per_s'] if mode == 'eager fp32' else base
            r['x_eager'] = r['samples_per_s'] / base if base else None
            rows.append(r); print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}, flush=True)
            if method == 'ict' and ch == max(a.chs) and (best is None or r['tflops'] > best[0]['tflops']): best = (r, keep)
            torch.cuda.empty_cache(); torch._dynamo.reset()
    return {'card': card, 'date': time.strftime('%Y-%m-%d'), 'ceiling_tflops': peak, 'bs': a.bs, 'rows': rows,
            'profile': profile(*best[1]) | {'ch': best[0]['ch'], 'mode': best[0]['mode']} if best and dev.type == 'cuda' else None}


def graphed(r):
    "Which of CTM's networks ran under CUDA graphs (rows before the switch to the teacher carry no key: the student)."
    return f" ({r.get('graphed', 'student')} graphed)" if r['method'] == 'ctm' and 'graphs' in r['mode'] else ''


def markdown(res):
    "The results page's tables: one per run (each with its own ceiling and eager baselines), then the iCT profile."
    md = ["One training step (the loss with its target/teacher passes, backward, fused AdamW, after_step) of a 32×32 U-Net "
          "(ch_mult 1, 2, 2; two res blocks), by `bench/step_efficiency.py`. FLOPs per step from torch's FlopCounterMode (forward + "
          "backward); the ceiling is a bf16 dense matmul measured in the same run. Peak memory under CUDA graphs counts only what the "
          "timed steps allocate outside the graphs' pool."]
    for run_ in res['runs']:
        md += ['', f"Measured on {run_['card']}, {run_['date']}, batch {run_['bs']}; ceiling {run_['ceiling_tflops']:.0f} TFLOP/s. {run_.get('note', '')}".rstrip(), '',
               '| method | ch | mode | samples/s | GFLOP/step | TFLOP/s | % of ceiling | × eager fp32 | peak GB |', '|---|---|---|---|---|---|---|---|---|']
        md += [f"| {NAMES[r['method']]} | {r['ch']} | {r['mode']}{graphed(r)} | {r['samples_per_s']:,.0f} | {r['gflop_per_step']:.0f} | {r['tflops']:.0f} | "
               f"{100 * r['ceiling_frac']:.1f}% | {r['x_eager']:.2f}× | {r['peak_gb']:.1f} |" for r in run_['rows']]
    prof = next((r['profile'] for r in res['runs'] if r.get('profile')), None)
    if prof:
        md += ['', f"Where the GPU time of the fastest iCT step (ch {prof['ch']}, {prof['mode']}) goes (torch.profiler over five steps, share of "
               "kernel time): the twelve largest kernels, then the operators that launched the most GPU time (under CUDA graphs a "
               "graph's replay launches its kernels).", '',
               '| kernel | share |', '|---|---|'] + [f"| `{k.replace('|', '/')}` | {100 * s:.1f}% |" for k, s in prof['kernels']]
        md += ['', '| launched by | share |', '|---|---|'] + [f"| `{k.replace('|', '/')}` | {100 * s:.1f}% |" for k, s in prof['ops']]
    return '\n'.join(md) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--methods', nargs='+', default=list(NAMES)); ap.add_argument('--chs', nargs='+', type=int, default=[64, 128])
    ap.add_argument('--full', nargs='+', default=['ict', 'ctm'], help='methods timed in every mode; the others in eager fp32 and their best compiled mode')
    ap.add_argument('--bs', type=int, default=512); ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--prewarm', type=int, default=0, help='compile every configuration first in this many processes at once (0: compile in the timed pass)')
    ap.add_argument('--only-prewarm', action='store_true', help='fill the compile cache and stop (time later, with the machine to itself)')
    ap.add_argument('--warm-only', nargs=3, metavar=('METHOD', 'CH', 'MODE'), help=argparse.SUPPRESS)
    ap.add_argument('--append', action='store_true', help='add this run to the results file as a further run (another card or methods) instead of replacing it')
    ap.add_argument('--render', action='store_true', help='only rewrite the markdown from the results file')
    ap.add_argument('--device', default='cuda', help="'cpu' only to smoke-test the script with --modes 'eager fp32' (its timings are not the table's)")
    ap.add_argument('--results', default=str(ROOT/'bench'/'results'), help='folder of the results file')
    ap.add_argument('--modes', nargs='+', default=list(MODES)); ap.add_argument('--out-dir', default=str(ROOT/'nbs')); ap.add_argument('--name', default='step_efficiency')
    a = ap.parse_args()
    path, md_path = Path(a.results)/f'{a.name}.json', Path(a.out_dir)/f'_{a.name}.md'
    if not a.render:
        dev = torch.device(a.device)
        if dev.type == 'cuda' and not torch.cuda.is_available(): raise SystemExit('step_efficiency.py measures GPU steps: no CUDA device visible')
        setup()
        if a.warm_only:
            m, ch, mode = a.warm_only
            try: run(m, int(ch), mode, a.bs, 1, dev)
            except Exception as e: print(m, ch, mode, 'pre-warm failed:', repr(e)[:200], flush=True)
            return
        if a.prewarm: prewarm(a)
        if a.only_prewarm: return
        new = measure(a, dev)
        runs = json.loads(path.read_text())['runs'] if a.append and path.exists() else []
        path.parent.mkdir(exist_ok=True); write_result(path, {'runs': runs + [new]})
    md = markdown(json.loads(path.read_text()))
    md_path.write_text(md); print(md)


if __name__ == '__main__':
    main()
