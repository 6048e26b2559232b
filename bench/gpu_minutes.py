"""Quality per GPU-minute on digits: how close CD, iCT and CTM get to their teacher within a stated GPU budget.

One EDM teacher (its training time stated apart) is trained on the bundled digits; then each method trains for a budget of
`--minutes` GPU-minutes with the efficient step (bf16 autocast, torch.compile with CUDA graphs of the online network and the teacher
(CTM: its student compiled without graphs, its teacher with: torch refuses graphs of both, and graphing the teacher is
the faster of the two; bench/ctm_step_configs.py), channels-last, fused AdamW, a host sync every 50 steps, data on the device), at the batch and net size given. The number
of steps that fills the budget comes from a short timed probe of the same step; compile warm-up is counted inside the budget.
`fit`'s callback scores the EMA of the student at five points of the run — FD at NFE 1 and at NFE 2 (τ by greedy search
against the train split), against the test digits — so each method gives a curve of FD against GPU-minutes.
Writes nbs/_NAME.md, nbs/_NAME.png and bench/results/NAME.json, NAME being `--name` (gpu_minutes unless given).

iCT runs twice: with its curriculum ending at N = 160 (`ict`) and ending early, at `--short-s1` (`ict-short`; a short budget
spends its steps on a few coarse discretisations instead of on ones it cannot train). CTM's variants split its step's cost:
`ctm` as the paper trains it (DSM at the adaptive weight, jumps up to N - 1 = 17 teacher steps), `ctm-short` with jumps of
at most `--ctm-max-k` teacher steps, `ctm-fixed` with DSM at the fixed weight `--ctm-dsm-weight` (the adaptive weight's two
extra gradients a step and its compile time are gone; 0.3 is about the adaptive weight's value over the first steps, measured
on the CPU), and `ctm-fixed-short` with both.

    python bench/gpu_minutes.py [--minutes 5] [--size 16] [--ch 32] [--bs 512] [--methods ict ict-short cd ctm ctm-short ctm-fixed ctm-fixed-short] [--keep] [--device cuda]
    python bench/gpu_minutes.py --methods ict --steps 20966 --name gpu_minutes_ict   # iCT's stored schedule again, its table apart
"""
import argparse, json, time
from pathlib import Path
from types import SimpleNamespace
import torch
from consistency_edu.toy import load_digits
from consistency_edu.train import fit
from consistency_edu.ctm import CTMAsConsistency
from consistency_edu.evaluate import quality_per_nfe, sample_consistency, two_step
from consistency_edu.experiments import digits_student, digits_unet, train_digits_teacher, bench_setup, write_result, kept_rows, DigitsScore

ROOT = Path(__file__).resolve().parents[1]
NAMES = {'cd': 'CD (Heun, L2)', 'ict': 'iCT', 'ict-short': 'iCT, curriculum ending at N = {s1}', 'ctm': 'CTM + DSM, from the teacher',
         'ctm-short': 'CTM + DSM, from the teacher, jumps of at most M = {m} teacher steps',
         'ctm-fixed': 'CTM + DSM at a fixed weight {w} (not adaptive), from the teacher',
         'ctm-fixed-short': 'CTM + DSM at a fixed weight {w}, jumps of at most M = {m} teacher steps, from the teacher'}
CTM_CONFIG = "its student compiled without CUDA graphs, its teacher with (`fit` marks every step's start, so the teacher's graphs are replayed, not re-recorded)"
TARGETS = {'cd': 1.5, 'ict': 1.5, 'ctm': 1.0}                # one-step FD over the teacher's, per method (every variant)


def variant(method):
    "(the method, its variant's flags): 'ctm-fixed-short' -> ('ctm', {'fixed', 'short'})."
    base, *flags = method.split('-')
    return base, set(flags)


def parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--minutes', type=float, default=5.); p.add_argument('--size', type=int, default=16)
    p.add_argument('--ch', type=int, default=32); p.add_argument('--bs', type=int, default=512)
    p.add_argument('--teacher-steps', type=int, default=6000); p.add_argument('--n', type=int, default=1000)
    p.add_argument('--methods', nargs='+', default=['ict', 'ict-short', 'cd', 'ctm'], choices=list(NAMES))
    p.add_argument('--ctm-max-k', type=int, default=4, help="CTM's most teacher steps a jump in the `ctm-short` and `ctm-fixed-short` runs (max_k)")
    p.add_argument('--ctm-dsm-weight', type=float, default=0.3, help="DSM's fixed weight in the `ctm-fixed` and `ctm-fixed-short` runs (the adaptive one needs two extra gradients a step)")
    p.add_argument('--short-s1', type=int, default=40, help="iCT's largest N in the `ict-short` run"); p.add_argument('--points', type=int, default=5)
    p.add_argument('--probe', type=int, default=100, help='steps of the timing probe (the last half is timed)')
    p.add_argument('--steps', type=int, default=None, help="train this many steps instead of the budget's (an earlier run's schedule repeated, on another card)")
    p.add_argument('--device', default='cuda'); p.add_argument('--out-dir', default=None)
    p.add_argument('--name', default='gpu_minutes', help='the result: bench/results/NAME.json, nbs/_NAME.md and nbs/_NAME.png')
    p.add_argument('--keep', action='store_true', help='keep the methods of bench/results/NAME.json that this run does not train (marked as an earlier run)')
    p.add_argument('--render', action='store_true', help='only rewrite the table and figure from bench/results/NAME.json')
    return p.parse_args()


def setup(a):
    "What every run of the bench shares: device and output, the data, the FD against the test digits, the noise, the fast fit settings, the result so far."
    dev, out, card = bench_setup(a.device, a.out_dir, ROOT)
    cuda = dev.type == 'cuda'
    for k in ('cache_size_limit', 'recompile_limit'):         # several students and a teacher share the U-Net's forward code
        if hasattr(torch._dynamo.config, k): setattr(torch._dynamo.config, k, 64)
    x, _ = load_digits('train', size=a.size)
    x_test = load_digits('test', size=a.size)[0]
    x_ref = x[:len(x_test)]                                    # τ is searched against train digits, FD reported against test
    fd, tau_fd = DigitsScore(a.size, ref=x_test).fd, DigitsScore(a.size, ref=x_ref).fd   # FD of all samples in one block
    sync = min(50, a.probe // 2)
    fast = dict(bs=a.bs, warmup=100, schedule='cosine', device=dev, progress=False, sync_every=sync,
                amp='bf16' if cuda else None, compile='reduce-overhead' if cuda else False, channels_last=cuda)
    res = {'card': card, 'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d'), 'args': vars(a), 'floor': fd(x_ref), 'methods': {}}
    if a.keep:                                                 # an earlier run's methods, each with its own teacher and budget
        old = json.loads((ROOT/'bench'/'results'/f'{a.name}.json').read_text())
        res['kept'] = kept_rows({**old.get('kept', {}), **old['methods']}, a.methods,
                                {'earlier': {'minutes': old['args']['minutes'], 'heun35': old['teacher']['heun35'], 'card': old['card'], 'torch': old['torch']}})
    z = torch.randn(a.n, 1, a.size, a.size, generator=torch.Generator().manual_seed(13)).to(dev)
    return SimpleNamespace(dev=dev, out=out, cuda=cuda, x=x.to(dev), x_test=x_test, fd=fd, tau_fd=tau_fd, z=z, sync=sync, fast=fast, res=res,
                           unet=lambda **kw: digits_unet(a.ch, **kw))


def teacher_of(a, c):
    "The EDM teacher (trained under the fast settings), its Heun-35 FD in the result, and its compiled copy for the losses."
    rt = train_digits_teacher(c.x, a.teacher_steps, a.ch, **c.fast)
    c.teacher = rt.ema.eval().requires_grad_(False)
    rows = quality_per_nfe({'teacher': c.teacher}, c.x_test.to(c.dev), {'FD': lambda s, r: c.fd(s)}, n=a.n, samplers=('heun',), nfes=(35,), seed=13, device=c.dev)
    c.res['teacher'] = {'steps': a.teacher_steps, 'seconds': rt.seconds, 'heun35': rows[0]['FD']}
    c.fast_teacher = torch.compile(c.teacher, mode='reduce-overhead') if c.cuda else c.teacher


def train(a, c, method, steps, callback, every):
    "Train a fresh student of `method` for `steps` steps, `callback(result, loss, sampler view)` every `every` steps."
    base, flags = variant(method)
    short = 'short' in flags                                   # iCT: its curriculum ends at --short-s1; CTM: jumps of <= --ctm-max-k steps
    m, loss = digits_student(base, c.unet, c.teacher, c.fast_teacher, ict_s1=a.short_s1 if short else 160, ctm_max_k=a.ctm_max_k if short else None)
    if 'fixed' in flags: loss.dsm = a.ctm_dsm_weight
    view = CTMAsConsistency if base == 'ctm' else (lambda e: e)
    loss = loss(steps) if not hasattr(loss, 'loss') else loss       # iCT's curriculum is laid out over the run's steps
    # CTM: graphs of the student beside graphs of the teacher fail in torch, and graphing the teacher is the faster
    # arrangement (0.13-0.18 s a step, 0.21-0.27 s with the graphs swapped, H100: bench/ctm_step_configs.py)
    kw = {**c.fast, 'compile': True} if base == 'ctm' and c.fast['compile'] == 'reduce-overhead' else c.fast
    return fit(m.to(c.dev), loss, c.x, steps=steps, lr=2e-4, ema_decay=0.999, callback=lambda r: callback(r, loss, view), callback_every=every, **kw)


def one(a, c, method):
    "A timed probe sets the steps that fill the budget; the run then scores FD at NFE 1 and 2 at `--points` points."
    marks, curve = [], []
    train(a, c, method, 2 * c.sync, lambda r, *_: marks.append(r.seconds), c.sync)    # compile warm-up, then a timed half
    sec_step = (marks[-1] - marks[0]) / c.sync
    steps = a.steps or max(a.points, int((a.minutes * 60 - marks[0]) / sec_step))
    def score(r, loss, view):
        ema = view(r.ema.eval())
        levels = [float(t) for t in loss.levels(loss.k) if 0.05 <= t <= 10.]
        tau, x2 = two_step(ema, c.z, c.tau_fd, levels[::max(1, len(levels) // 12)])   # τ against the train digits' features
        curve.append({'step': r.step, 'gpu_minutes': r.seconds / 60, 'FD1': c.fd(sample_consistency(ema, c.z)), 'FD2': c.fd(x2), 'tau': tau})
        print(method, curve[-1], flush=True)
    r = train(a, c, method, steps, score, max(1, steps // a.points // c.sync) * c.sync)
    c.res['methods'][method] = {'name': NAMES[method].format(s1=a.short_s1, m=a.ctm_max_k, w=a.ctm_dsm_weight),
                                **({'compile_config': CTM_CONFIG} if variant(method)[0] == 'ctm' and c.cuda else {}), 'steps': steps,
                                'sec_per_step': sec_step, 'samples_per_s': a.bs / sec_step, 'compile_s': marks[0], 'train_seconds': r.seconds,
                                'eval_seconds': r.callback_seconds, 'finite': all(v == v for v in r.history), 'curve': curve}


def main():
    a = parse()
    if a.render:
        res = json.loads((ROOT/'bench'/'results'/f'{a.name}.json').read_text())
        (ROOT/'nbs'/f'_{a.name}.md').write_text(markdown(res) + '\n'); plot(res, ROOT/'nbs'/f'_{a.name}.png'); return
    c, t0 = setup(a), time.time()
    def write():
        write_result(c.out/'bench'/'results'/f'{a.name}.json', c.res, device=c.dev)
        (c.out/'nbs'/f'_{a.name}.md').write_text(markdown(c.res) + '\n')
    torch.manual_seed(0)
    teacher_of(a, c); print('teacher', c.res['teacher'], flush=True); write()
    for method in a.methods:
        try: one(a, c, method)
        except Exception as e:                                 # CUDA graphs failed: the method again with plain compile
            print(method, 'failed with CUDA graphs:', repr(e)[:500], flush=True); c.res.setdefault('failed', {})[method] = repr(e)[:500]
            try:
                c.fast['compile'] = True; one(a, c, method); c.res['methods'][method]['compile'] = True
            except Exception as e: print(method, 'failed:', repr(e)[:500], flush=True)
            c.fast['compile'] = 'reduce-overhead' if c.cuda else False
        write()
        if c.cuda: torch.cuda.empty_cache()
    c.res['total_seconds'] = time.time() - t0
    write(); plot(c.res, c.out/'nbs'/f'_{a.name}.png')
    print(markdown(c.res))


def methods_of(res):
    "{method: its result}: this run's methods, then those kept from earlier runs (`--keep`)."
    return {**res['methods'], **res.get('kept', {})}


EARLIER_MARKS = ('²', '⁴', '⁵', '⁶', '⁷')


def earlier_marks(res):
    "{(card, minutes, heun35) of an earlier run: its footnote mark}, one mark per earlier run kept (`--keep`)."
    groups = dict.fromkeys((r['earlier']['card'], r['earlier']['minutes'], r['earlier']['heun35']) for r in res.get('kept', {}).values())
    return dict(zip(groups, EARLIER_MARKS))


def _mark(r, marks):
    e = r.get('earlier')
    return f" {marks[(e['card'], e['minutes'], e['heun35'])]}" if e else ''


def markdown(res):
    marks = earlier_marks(res)
    a, h = res['args'], res.get('teacher', {}).get('heun35')
    md = [f"Measured on {res['card']}, torch {res['torch']}, {res['date']}, by `bench/gpu_minutes.py`: digits at "
          f"{a['size']}×{a['size']}, U-Net ch {a['ch']} (1, 2, 2; one res block), batch {a['bs']}, bf16 autocast, torch.compile with CUDA graphs "
          f"(`compile='reduce-overhead'`) of the online network and the teacher (CTM, whose student and teacher torch will not graph together: see its note), channels-last, fused AdamW, cosine rate, EMA 0.999 for sampling; "
          + (f"a fixed {a['steps']:,} steps per method (`--steps`: an earlier run's schedule repeated; GPU-min is the training run's time, without the compile warm-up of its timed probe (`compile_s` in the result) or the evaluation; a host sync every {min(50, a['probe'] // 2)} steps). "
             if a.get('steps') else
             f"a budget of {a['minutes']:g} GPU-minutes per method (compile warm-up included, evaluation excluded; a host sync every {min(50, a['probe'] // 2)} steps; "
             f"the steps are set from a timed probe whose compile time is counted, and the run itself reuses the probe's compiled code, so runs end a little under the budget). ")
          + f"FD of {a['n']} samples against "
          f"the test digits; floor (train vs test) {res['floor']:.1f}."]
    if h is None: return '\n'.join(md)
    t = res['teacher']
    md += ['', f"Teacher (EDM, trained apart): {t['steps']} steps in {t['seconds'] / 60:.1f} GPU-minutes; Heun at 35 NFE: FD {h:.1f}.", '',
           '| method | steps | samples/s | GPU-min | FD, NFE 1 | FD, NFE 2 (τ) | NFE 1 / teacher | NFE 2 / teacher | target NFE 1 | met |',
           '|---|---|---|---|---|---|---|---|---|---|']
    for k, r in methods_of(res).items():
        c, hk = r['curve'][-1], r.get('earlier', {}).get('heun35', h)
        md.append(f"| {r['name']}{' ¹' if r.get('compile') is True else ''}{_mark(r, marks)}{' ³' if 'compile_config' in r else ''} | {r['steps']:,} | {r['samples_per_s']:,.0f} | {c['gpu_minutes']:.1f} | {c['FD1']:.1f} | {c['FD2']:.1f} ({c['tau']:.2f}) | "
                  f"{c['FD1'] / hk:.2f}× | {c['FD2'] / hk:.2f}× | ≤ {TARGETS[variant(k)[0]]:g}× | {'yes' if c['FD1'] / hk <= TARGETS[variant(k)[0]] else 'no'} |")
    notes = [(m, f"from an earlier run of this bench ({e[0]}, a budget of {e[1]:g} GPU-minutes, its own teacher: Heun-35 FD {e[2]:.1f}, "
                 "which its ratios use); not re-run here.") for e, m in marks.items()]
    if any(r.get('compile') is True for r in res['methods'].values()):
        notes.append(('¹', "CUDA graphs failed for this method: " + '; '.join(f"{k}: `{v[:90]}…`" for k, v in res.get('failed', {}).items()) + "; it ran with plain `compile=True`."))
    configs = {r['compile_config'] for r in methods_of(res).values() if 'compile_config' in r}
    notes += [('³', f"The rows marked ³ (CTM): {c}.") for c in configs]
    for m, text in sorted(notes, key=lambda n: '¹²³⁴⁵⁶⁷'.index(n[0])): md += ['', f"{m} {text}"]
    if not res['methods']: return '\n'.join(md)
    md += ['', 'FD against GPU-minutes (the curve each run drew through its callback):', '',
           '| method | ' + ' | '.join(f'point {i + 1}' for i in range(max(len(r['curve']) for r in methods_of(res).values()))) + ' |',
           '|---|' + '---|' * max(len(r['curve']) for r in methods_of(res).values())]
    for r in methods_of(res).values():
        md.append(f"| {r['name']}{_mark(r, marks)} | " + ' | '.join(f"{c['gpu_minutes']:.1f} min: {c['FD1']:.0f} / {c['FD2']:.0f}" for c in r['curve']) + ' |')
    md.append('\n(each cell: GPU-minutes, then FD at NFE 1 / NFE 2)')
    return '\n'.join(md)


def plot(res, path):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.2), dpi=80, sharey=True)
    for ax, key, title in zip(axs, ('FD1', 'FD2'), ('one step', 'two steps')):
        for r in methods_of(res).values():
            ax.plot([c['gpu_minutes'] for c in r['curve']], [c[key] for c in r['curve']], 'o--' if 'earlier' in r else 'o-', label=r['name'] + (' (earlier run)' if 'earlier' in r else ''))
        ax.axhline(res['teacher']['heun35'], color='k', ls='--', lw=1, label='teacher, Heun 35')
        ax.axhline(res['floor'], color='gray', ls=':', lw=1, label='floor (train vs test)')
        ax.set_yscale('log'); ax.set_xlabel('GPU-minutes of training'); ax.set_title(title)
    axs[0].set_ylabel('FD (digits)'); axs[1].legend(fontsize=7)
    fig.suptitle(f"{res['card']}: FD against GPU-minutes", fontsize=9); fig.tight_layout(); fig.savefig(path)


if __name__ == '__main__': main()
