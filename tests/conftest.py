"""Under pytest-xdist (`-n auto`, set in pytest.ini) each worker runs notebooks with a share of the cores: two workers
on two cores with two torch threads each would spin-wait against each other (OpenMP), so each gets cores // workers.

The run order: xdist's worksteal scheduler hands each worker a contiguous share of the collected tests (by count) and then
steals from the longest queue's tail. So the tests are ordered to make those shares equally long in time, each longest
first, from the seconds each notebook took in a full run (`MEASURED`; every other test counts as 0): the workers then finish
together and stealing only trims the tail."""
import os

# seconds per notebook in bench/test_time.py's run on two cores (2026-12-05, 294 s in all)
MEASURED = {'17_latent': 124, '91_experiments': 80, '15_ctm': 54, '06_edm': 46, '07_train': 35, '90_recipes': 30, '11_cd': 29,
            '16_lcm': 28, '13_ict': 22, '08_metrics': 20, '14_ict_prop1': 18, '10_evaluate': 18, '09_consistency': 14, '12_ct': 12,
            '03_toy': 8, '92_cli': 6, '19_lcm_lora': 6, '20_mnist': 4, '14b_ect': 5, '04_pf_ode': 4, '01_sde': 2}


def pytest_configure(config):
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0') or 0)
    if workers > 1:
        import torch
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def seconds_of(item) -> float:
    nb = getattr(getattr(item, 'callspec', None), 'params', {}).get('nb')
    return MEASURED.get(getattr(nb, 'stem', ''), 0)


def balanced(items, workers:int, seconds=seconds_of):
    "`items` in `workers` contiguous runs of the sizes worksteal hands out, each run's total time near-equal, longest first."
    sizes, left = [], len(items)
    for i in range(workers): sizes.append(left // (workers - i)); left -= sizes[-1]
    runs, totals = [[] for _ in sizes], [0.] * workers
    for it in sorted(items, key=lambda it: -seconds(it)):            # stable: equal times keep the collection order
        k = min((k for k in range(workers) if len(runs[k]) < sizes[k]), key=lambda k: totals[k])
        runs[k].append(it); totals[k] += seconds(it)
    return [it for run in runs for it in run]


def pytest_collection_modifyitems(config, items):
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0') or 0)
    if workers > 1: items[:] = balanced(items, workers)
