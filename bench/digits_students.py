"""The digits students the GPU benches train (`bench/cuda_graphs.py`, `bench/gpu_minutes.py`): one recipe per method, so
both benches time and score the same models. Not a bench itself."""
import torch
from consistency_edu.nets import init_from
from consistency_edu.edm import Denoiser, edm_loss
from consistency_edu.consistency import ConsistencyModel
from consistency_edu.cd import CDLoss
from consistency_edu.ict import ICTLoss
from consistency_edu.ctm import CTMModel, CTMLoss
from consistency_edu.recipes import ict_ablation_rows

METHODS = ('edm', 'cd', 'ict', 'ctm')


def student(method, unet, teacher=None, run_teacher=None, K=None):
    """(model, loss) for `method`, built from the U-Net builder `unet(**kw)` after `torch.manual_seed(0)`: EDM's denoiser;
    CD from `teacher` (Heun, N 18, μ 0.95, L2); iCT as the ablation's best row (Fourier embedding, dropout 0.2) over `K`
    steps, or a function K -> loss when K is None (a curriculum laid out over a run's length); CTM + DSM started from
    `teacher`'s weights. The losses call `run_teacher` (default `teacher`), e.g. a compiled teacher."""
    if method not in METHODS: raise ValueError(f"`method` must be one of {METHODS}, got {method!r}")
    if method in ('cd', 'ctm') and teacher is None: raise ValueError(f"`teacher` is needed for {method!r}")
    torch.manual_seed(0)
    t = teacher if run_teacher is None else run_teacher
    if method == 'edm': return Denoiser(unet()), (lambda m, xb, g: edm_loss(m, xb, generator=g))
    if method == 'cd':
        m = ConsistencyModel(unet())
        return m, CDLoss(m, t, N=18, mu=0.95, solver='heun', metric='l2')
    if method == 'ict':
        _, lkw, nkw = ict_ablation_rows(160, dropout=0.2)[6]
        m = ConsistencyModel(unet(emb='fourier', **nkw))
        return m, ((lambda k: ICTLoss(m, K=k, **lkw)) if K is None else ICTLoss(m, K=K, **lkw))
    m = CTMModel(unet(n_extra=1))
    init_from(m.net, teacher.net)                              # CTM's student starts as its teacher (g = D at step 0)
    return m, CTMLoss(m, t, N=18)
