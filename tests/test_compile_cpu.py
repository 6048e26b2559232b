"""torch.compile on the CPU: the pair loss of CT, iCT and ECT shares one dropout mask when its model is compiled, as it does
eagerly (05_nets, 09_consistency) and on a GPU under CUDA graphs (tests/test_gpu.py, the same check). Compiling takes about
a minute on two cores, so these run with the slow cells: `NBDEV_TEST_FLAGS=slow pytest`.
"""
import os

import pytest
import torch

from test_gpu import SHAPE, _method

pytestmark = pytest.mark.skipif('slow' not in os.environ.get('NBDEV_TEST_FLAGS', '').replace(',', ' ').split(),
                                reason='compiles three models (about a minute on two cores): NBDEV_TEST_FLAGS=slow')


@pytest.mark.parametrize('method', ['ct', 'ict', 'ect'])
def test_pair_loss_shares_one_dropout_mask_when_compiled(method):
    "At t_lo = t_hi and theta^- = theta the compiled pair loss is zero to float precision; outside the pair two passes differ."
    from consistency_edu.recipes import recipe, make_net
    from consistency_edu.consistency import consistency_pair_loss
    from consistency_edu.train import _compiled
    from consistency_edu.nets import same_dropout
    torch.manual_seed(0)
    model = recipe(method).model(make_net(SHAPE, method, dropout=0.3)).train()
    with torch.no_grad():                                                         # no zero head: the output must depend on the mask
        for p in model.parameters(): p.add_(0.02 * torch.randn_like(p))
    fwd = _compiled(model, True)
    target = _method(method, model, None).target_model(fwd)
    x, t = torch.randn(32, *SHAPE), torch.full((32,), 2.)
    for step in range(3):                                                         # the compiled graph reads the new key each call
        if method == 'ect':
            with same_dropout(fwd, target): pair = (fwd(x, t) - target(x, t)).detach()
        else: pair = consistency_pair_loss(fwd, target, x, t, x, t).detach()
        assert pair.abs().max().item() <= 1e-6, (method, step, pair.abs().max().item())
    a, b = fwd(x, t).detach().clone(), fwd(x, t).detach()
    assert (a - b).abs().max().item() > 1e-3                                      # outside the pair, two passes draw two masks
