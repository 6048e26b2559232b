"""Which parts of CTM's training step to put under CUDA graphs, and why `fit` marks every CUDA step's start.

CTM's step runs its teacher k Heun steps (k drawn per batch, 11.7 on average at N = 18: about 23 teacher calls) beside
three passes of the student and DSM; torch refuses CUDA graphs of both at once (see nbs/_cuda_graphs.md). This times fit's
CTM step (digits 16×16, U-Net ch 32, batch 512, bf16, channels-last, the student and teacher of `recipes.digits_student`)
under each arrangement, and once with the teacher trained first in the same process under CUDA graphs, as
bench/gpu_minutes.py does. Prints seconds per step over each window of `sync` steps and appends the run, with its own provenance, to
bench/results/ctm_step_configs.json (`runs`; the file's first runs were transcribed from printed output, as its `how` says).

MAX_K caps the teacher steps a jump takes (CTMLoss's max_k; 0: N - 1 = 17, 11.7 Heun steps a step on average; 1: one Heun
step, CD's teacher cost) and DSM is `adaptive` (its weight from two gradients on the last layer) or `none`: together they
split a step's time between the teacher, the CTM passes and the DSM term.

    python bench/ctm_step_configs.py CONFIG [STEPS] [SYNC] [TEACHER_STEPS] [MAX_K] [DSM]
    CONFIG: s_compile+t_graphs | s_graphs+t_compile | s_compile+t_compile | s_compile+t_eager | eager
"""
import argparse, json, torch
from pathlib import Path
from consistency_edu.experiments import provenance, write_json, digits_student, digits_unet, train_digits_teacher
from consistency_edu.toy import load_digits
from consistency_edu.edm import Denoiser
from consistency_edu.train import fit

RES = Path(__file__).resolve().parents[1]/'bench'/'results'/'ctm_step_configs.json'


def main(cfg, steps=100, sync=10, pre=0, max_k=0, dsm='adaptive'):
    for k in ('cache_size_limit', 'recompile_limit'):
        if hasattr(torch._dynamo.config, k): setattr(torch._dynamo.config, k, 64)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    x = load_digits('train', size=16)[0].to(dev)
    unet = lambda **kw: digits_unet(32, **kw)
    if pre:                                                    # the teacher trained first in this process, under CUDA graphs
        rt = train_digits_teacher(x, pre, 32, bs=512, device=dev, progress=False, sync_every=50, amp='bf16', compile='reduce-overhead', channels_last=True)
        teacher = rt.ema.eval().requires_grad_(False)
    else: teacher = Denoiser(unet()).to(dev).eval().requires_grad_(False)
    if cfg == 'eager': run_t, comp = teacher, False
    else:
        s, t = cfg.split('+')
        run_t = {'t_graphs': lambda: torch.compile(teacher, mode='reduce-overhead'), 't_compile': lambda: torch.compile(teacher),
                 't_eager': lambda: teacher}[t]()
        comp = {'s_compile': True, 's_graphs': 'reduce-overhead'}[s]
    m, loss = digits_student('ctm', unet, teacher, run_t, ctm_max_k=max_k or None)
    if dsm == 'none': loss.dsm = None
    marks = []
    fit(m.to(dev), loss, x, steps=steps, bs=512, lr=2e-4, ema_decay=0.999, warmup=100, schedule='cosine', device=dev, progress=False,
        sync_every=sync, amp=None if cfg == 'eager' else 'bf16', compile=comp, channels_last=cfg != 'eager',
        callback=lambda r: marks.append((r.step, r.seconds)), callback_every=sync)
    per = [round((b[1] - a[1]) / (b[0] - a[0]), 4) for a, b in zip(marks, marks[1:])]
    print(cfg, 'max_k', max_k or 17, 'dsm', dsm, 'sync', sync, 'teacher trained here:', pre, 'steps; first window (compile):', round(marks[0][1], 1), 's; s/step per window:', per, flush=True)
    old = json.loads(RES.read_text()) if RES.exists() else {**provenance(dev), 'runs': []}
    run = {**provenance(dev), 'config': cfg, 'steps': steps, 'sync': sync, 'teacher_trained_here': pre, 'max_k': max_k or 17, 'dsm': dsm,
           'mark': 'after', 'first_window_s': round(marks[0][1], 1), 's_per_step': per}
    write_json(RES, {**old, 'runs': old['runs'] + [run]})


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('config', choices=('s_compile+t_graphs', 's_graphs+t_compile', 's_compile+t_compile', 's_compile+t_eager', 'eager'))
    for name, default in (('steps', 100), ('sync', 10), ('teacher_steps', 0), ('max_k', 0)): ap.add_argument(name, type=int, nargs='?', default=default)
    ap.add_argument('dsm', nargs='?', default='adaptive', choices=('adaptive', 'none'))
    a = ap.parse_args()
    main(a.config, a.steps, a.sync, a.teacher_steps, a.max_k, a.dsm)
