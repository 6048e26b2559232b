"""torch.compile on the CPU: the pair loss of CT, iCT and ECT shares one dropout mask when its model is compiled, as it does
eagerly (05_nets, 09_consistency) and on a GPU under CUDA graphs (tests/test_gpu.py, the same check). Compiling takes about
a minute on two cores, so these run with the slow cells: `NBDEV_TEST_FLAGS=slow pytest`.
"""
import os

import pytest
import torch

from test_gpu import check_shared_mask

pytestmark = pytest.mark.skipif('slow' not in os.environ.get('NBDEV_TEST_FLAGS', '').replace(',', ' ').split(),
                                reason='compiles three models (about a minute on two cores): NBDEV_TEST_FLAGS=slow')


@pytest.mark.parametrize('method', ['ct', 'ict', 'ect'])
def test_pair_loss_shares_one_dropout_mask_when_compiled(method):
    "At t_lo = t_hi and theta^- = theta the compiled pair loss is zero to float precision; outside the pair two passes differ."
    check_shared_mask(method, True, 'cpu')
