"""CUDA graphs in `fit`: milliseconds per training step of each method at a launch-bound size, `compile=True` against
`compile='reduce-overhead'` (torch.compile with CUDA graphs), with the teacher eager, compiled or graphed (for CD and CTM).

Digits 16×16, U-Net ch 32 (1, 2, 2; one res block), batch 512, bf16 autocast, channels-last, fused AdamW, a host sync every
50 steps; 300 steps per row, steps 100 → 300 timed through `fit`'s callback (which synchronises the GPU). At this size a step
does ≈ 5 ms of GPU work and hundreds of kernel launches: the CPU, not the GPU, sets the pace — what CUDA graphs remove.
Writes bench/results/cuda_graphs.json and nbs/_cuda_graphs.md.

    python bench/cuda_graphs.py [--methods edm ict cd ctm] [--render]
"""
import argparse, re, time
from pathlib import Path
import torch
from consistency_edu.experiments import stored_result

ROOT = Path(__file__).resolve().parents[1]
NAMES = {'edm': 'EDM', 'ict': 'iCT', 'cd': 'CD (Heun)', 'ctm': 'CTM + DSM'}


def measure(methods):
    from consistency_edu.toy import load_digits
    from consistency_edu.edm import Denoiser
    from consistency_edu.train import fit
    from consistency_edu.experiments import digits_student, digits_unet
    torch._dynamo.config.cache_size_limit = 64
    x = load_digits('train', size=16)[0].cuda()
    unet = lambda **kw: digits_unet(32, **kw)
    teacher = Denoiser(unet()).cuda().eval().requires_grad_(False)
    def make(meth, tmode):
        t = teacher if not tmode else torch.compile(teacher, mode=None if tmode is True else tmode)
        return digits_student(meth, unet, teacher, t, K=300)
    rows = []
    for meth in methods:
        for mode in (True, 'reduce-overhead'):
            # the teacher eager, compiled, or graphed: CTM's student and teacher cannot both be graphed, so each alone is timed
            for tmode in ((False, True, 'reduce-overhead') if meth in ('cd', 'ctm') else (False,)):
                marks = []
                m, L = make(meth, tmode)
                row = {'method': meth, 'compile': mode, 'teacher_compile': tmode}
                try:
                    r = fit(m, L, x, steps=300, bs=512, lr=2e-4, ema_decay=0.999, device='cuda', progress=False, sync_every=50, amp='bf16',
                            compile=mode, channels_last=True, callback=lambda r: marks.append(r.seconds), callback_every=100)
                    row |= {'ms_per_step': (marks[-1] - marks[0]) / 200 * 1000, 'warmup_s': marks[0], 'loss_last50': sum(r.history[-50:]) / 50}
                except Exception as e: row['failed'] = repr(e)[:300]
                rows.append(row); print(row, flush=True)
    return {'card': torch.cuda.get_device_name(), 'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d'), 'rows': rows}


def markdown(res):
    md = [f"Measured on {res['card']}, torch {res['torch']}, {res['date']}, by `bench/cuda_graphs.py`: one training step through `fit` "
          f"(digits 16×16, U-Net ch 32, batch 512, bf16, channels-last, fused AdamW), ms per step over steps 100 → 300. "
          + res.get('note', ''), '',
          '| method | fit `compile` | teacher | ms/step | × `compile=True` (same teacher) | warm-up s |', '|---|---|---|---|---|---|']
    base = {(r['method'], r['teacher_compile']): r.get('ms_per_step') for r in res['rows'] if r['compile'] is True}
    for r in res['rows']:
        tname = {False: 'eager', True: 'compiled', 'reduce-overhead': 'CUDA graphs'}[r['teacher_compile']] if r['method'] in ('cd', 'ctm') else '—'
        if 'failed' in r:
            short = re.split(r'\\n|\. ', r['failed'])[0]      # the error's first sentence; the json keeps 300 characters
            md.append(f"| {NAMES[r['method']]} | `{r['compile']!r}` | {tname} | fails: `{short}…` | | |"); continue
        tc = r['teacher_compile']                              # the same teacher under compile=True; older runs: a compiled one
        b = base.get((r['method'], tc)) or base.get((r['method'], bool(tc)))
        md.append(f"| {NAMES[r['method']]} | `{r['compile']!r}` | {tname} | {r['ms_per_step']:.1f} | {b / r['ms_per_step']:.2f}× | {r['warmup_s']:.0f} |")
    return '\n'.join(md)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--methods', nargs='+', default=list(NAMES)); ap.add_argument('--render', action='store_true')
    a = ap.parse_args()
    path = ROOT/'bench'/'results'/'cuda_graphs.json'
    res = stored_result(path, None if a.render else lambda: measure(a.methods), device='cuda')
    (ROOT/'nbs'/'_cuda_graphs.md').write_text(markdown(res) + '\n'); print(markdown(res))
