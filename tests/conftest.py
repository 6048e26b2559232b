"""Under pytest-xdist (`-n auto`, set in pytest.ini) each worker runs notebooks with a share of the cores: two workers
on two cores with two torch threads each would spin-wait against each other (OpenMP), so each gets cores // workers."""
import os


def pytest_configure(config):
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0') or 0)
    if workers > 1:
        import torch
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))
