"""The evaluation shared by bench/table1.py and bench/ict_ablation.py: fixed test, validation and noise sets on the 2-D
oracle (the same seeds in both, so their numbers compare), and the NFE-1/NFE-2 scores of a consistency model."""
import torch
from consistency_edu.toy import oracle_mixture
from consistency_edu.consistency import ExactConsistencyFunction, sample_onestep, sample_multistep, greedy_tau_search
from consistency_edu.metrics import sliced_wasserstein, mmd

class OracleEval:
    "Test/validation sets of `n` oracle samples, a fixed noise batch, and the exact f* at sigma = 80 for 1000 noises."
    def __init__(self, n:int=4000, device='cpu'):
        self.gm, self.n, self.dev = oracle_mixture(), n, torch.device(device)
        self.test = self.gm.sample(n, generator=torch.Generator().manual_seed(11)).to(self.dev)
        self.val = self.gm.sample(n, generator=torch.Generator().manual_seed(12)).to(self.dev)
        self.z = torch.randn(n, 2, generator=torch.Generator().manual_seed(13)).to(self.dev)
        z_f = torch.randn(1000, 2, generator=torch.Generator().manual_seed(14))
        self.z_f = z_f.to(self.dev)
        self.f_target = ExactConsistencyFunction(self.gm)(80. * z_f.double(), 80.).float().to(self.dev)

    def score(self, m, with_mmd:bool=True, levels=None):
        "NFE-1 and NFE-2 sliced Wasserstein (and MMD) against the test set, tau by greedy search on the validation set, E|f - f*|."
        m.eval()
        x1 = sample_onestep(m, 80. * self.z, torch.tensor([80., 0.]))
        # tau candidates: the levels the model was trained on (as the official code's indices into its grid), else a log grid
        cands = torch.logspace(-2, 0.8, 24).tolist() if levels is None else [float(t) for t in levels if 0.005 <= t <= 10.]
        taus, _ = greedy_tau_search(m, self.z, lambda x: sliced_wasserstein(x, self.val), cands, n_steps=2)
        x2 = sample_multistep(m, 80. * self.z, torch.tensor([80., taus[0], 0.]), generator=torch.Generator(self.dev).manual_seed(0))
        with torch.no_grad(): ferr = (m(80. * self.z_f, 80.) - self.f_target).norm(dim=1).mean().item()
        out = {'SW1': sliced_wasserstein(x1, self.test), 'SW2': sliced_wasserstein(x2, self.test), 'f_err': ferr, 'tau': taus[0]}
        if with_mmd: out |= {'MMD1': mmd(x1, self.test), 'MMD2': mmd(x2, self.test)}
        return out
