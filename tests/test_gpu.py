"""GPU checks, skipped where no GPU is visible (CI has none; run them on a GPU machine).

fit's step must not wait for the GPU: outside its sync points (every `sync_every` steps) nothing in the loop may read a GPU
value or copy a CPU tensor to the GPU with a blocking copy. torch's sync debug mode warns at every synchronising call;
the count of warnings must not grow with the number of steps, only with the number of sync points.
"""
import warnings

import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
SHAPE = (1, 16, 16)


def _syncs(fn):
    "How many synchronising CUDA calls `fn()` makes (torch's sync debug mode warns once per call)."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        try: fn()
        finally: torch.cuda.set_sync_debug_mode('default')
    return sum('synchroniz' in str(w.message).lower() for w in caught)


def _method(name, model, teacher):
    "A method whose curriculum holds still over the test (K large), so that no new levels are made on the way."
    from consistency_edu.edm import edm_loss
    from consistency_edu.cd import CDLoss
    from consistency_edu.ct import CTLoss
    from consistency_edu.ict import ICTLoss
    from consistency_edu.ctm import CTMLoss
    from consistency_edu.ect import ECTLoss
    return {'ect': lambda: ECTLoss(model, K=10 ** 6), 'edm': lambda: (lambda m, xb, g: edm_loss(m, xb, generator=g)), 'cd': lambda: CDLoss(model, teacher, N=18),
            'ct': lambda: CTLoss(model, K=10 ** 6), 'ict': lambda: ICTLoss(model, K=10 ** 6), 'ctm': lambda: CTMLoss(model, teacher, N=18)}[name]()


@pytest.mark.parametrize('method', ['edm', 'cd', 'ct', 'ict', 'ctm'])
def test_fit_step_does_not_wait_for_the_gpu(method):
    from consistency_edu.recipes import recipe, make_net
    from consistency_edu.edm import Denoiser
    from consistency_edu.train import fit
    x = torch.rand(512, *SHAPE, device='cuda') * 2 - 1                          # data on the device, as the GPU benches keep it
    teacher = Denoiser(make_net(SHAPE)).cuda().eval().requires_grad_(False)
    model = recipe(method).model(make_net(SHAPE, method))
    loss = _method(method, model, teacher)
    run = lambda steps: fit(model, loss, x, steps=steps, bs=64, device='cuda', progress=False, sync_every=20, ema_decay=0.999)
    run(20)                                                                      # warm-up: cuDNN, allocator
    short, long = _syncs(lambda: run(20)), _syncs(lambda: run(60))
    assert long - short <= 12, (method, short, long)                             # 40 more steps, 2 more sync points; a sync a step gives >= 40


def test_graphed_teacher_inside_the_loss_is_replayed_not_re_recorded(monkeypatch):
    """A teacher compiled with CUDA graphs and called inside the loss (CTM's k Heun steps, k drawn per batch), after another
    model was trained under graphs in the same process (the course's order: teacher first). fit marks every CUDA step's
    start, so each step's teacher calls replay the graphs recorded along one chain; without the mark the chain never ended
    and every step recorded new graphs (0.13 s a step became 0.5-1 s: bench/ctm_step_configs.py)."""
    from torch._inductor import cudagraph_trees
    from consistency_edu.nets import UNet
    from consistency_edu.edm import Denoiser, edm_loss
    from consistency_edu.ctm import CTMModel, CTMLoss
    from consistency_edu.train import fit
    x = torch.rand(256, *SHAPE, device='cuda') * 2 - 1
    unet = lambda **kw: UNet(in_ch=1, ch=8, ch_mult=(1, 2), num_res=1, **kw)
    kw = dict(bs=64, device='cuda', progress=False, sync_every=10, amp='bf16')
    rt = fit(Denoiser(unet()), lambda m, xb, g: edm_loss(m, xb, generator=g), x, steps=30, ema_decay=0.99, compile='reduce-overhead', **kw)
    teacher = rt.ema.eval().requires_grad_(False)
    model = CTMModel(unet(n_extra=1))
    loss = CTMLoss(model, torch.compile(teacher, mode='reduce-overhead'), N=6, dsm=1.)     # k in 1..5: at most 10 teacher calls a step
    recorded, record = [], cudagraph_trees.CUDAGraphTreeManager.record_function            # every recording, whichever tree manager
    monkeypatch.setattr(cudagraph_trees.CUDAGraphTreeManager, 'record_function', lambda self, *a, **k: (recorded.append(1), record(self, *a, **k))[1])
    fit(model, loss, x, steps=60, compile=True, **kw)                                       # warm-up: every k drawn, its chain recorded
    before = len(recorded)
    fit(model, loss, x, steps=60, compile=True, **kw)
    assert before > 0, 'the teacher ran without CUDA graphs'
    assert len(recorded) - before <= 4, (before, len(recorded))                            # replays; unmarked, each step records anew


def check_shared_mask(method, mode, device):
    """At t_lo = t_hi (and theta^- = theta) the pair loss of `method`'s model, run in `mode` on `device`, is zero only if both
    passes see one dropout mask; outside the pair two passes must draw two masks. tests/test_compile_cpu.py runs it on the CPU."""
    from consistency_edu.recipes import recipe, make_net
    from consistency_edu.consistency import consistency_pair_loss
    from consistency_edu.train import _compiled
    from consistency_edu.nets import same_dropout
    torch.manual_seed(0)
    model = recipe(method).model(make_net(SHAPE, method, dropout=0.3)).to(device).train()
    with torch.no_grad():                                                         # no zero head: the output must depend on the mask
        for p in model.parameters(): p.add_(0.02 * torch.randn_like(p))
    loss = _method(method, model, None).to(device)
    fwd = _compiled(model, mode)
    target = loss.target_model(fwd)
    x, t = torch.randn(32, *SHAPE, device=device), torch.full((32,), 2., device=device)
    for step in range(5):                                                         # graphs are recorded on the first calls, replayed after
        torch.compiler.cudagraph_mark_step_begin()
        if method == 'ect':
            with same_dropout(fwd, target): pair = (fwd(x, t) - target(x, t)).detach()
        else: pair = consistency_pair_loss(fwd, target, x, t, x, t).detach()
        assert pair.abs().max().item() <= 1e-6, (method, mode, step, pair.abs().max().item())
    torch.compiler.cudagraph_mark_step_begin()
    a, b = fwd(x, t).detach().clone(), fwd(x, t).detach()
    assert (a - b).abs().max().item() > 1e-3                                      # outside the pair, two passes draw two masks


@pytest.mark.parametrize('mode', [False, True, 'reduce-overhead'])
@pytest.mark.parametrize('method', ['ct', 'ict', 'ect'])
def test_pair_loss_shares_one_dropout_mask_in_every_mode(method, mode):
    """Rewinding torch's generator did not reach the random state of a network under CUDA graphs; keyed dropout
    (`nets.same_dropout`) must hold eagerly, compiled and under graphs, replayed step after step, for the target the method
    uses (iCT, ECT: the model, CT: its EMA). ECT draws its own levels, so for it the two passes run at one level inside
    `same_dropout`, as `ect_loss` runs them."""
    check_shared_mask(method, mode, 'cuda')
