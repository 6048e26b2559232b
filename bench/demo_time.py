"""Time the README's main command as a new user runs it: `consistency-edu demo` in a fresh process, on every core of this
machine (nothing else should be running). Writes bench/results/demo_time.json (each run's seconds, the core count, torch's
thread count, provenance): the figure the README quotes.

    python bench/demo_time.py [--repeats 2]
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from consistency_edu.experiments import write_result

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--repeats', type=int, default=2); p.add_argument('--root', default=str(ROOT))
    a = p.parse_args()
    exe = shutil.which('consistency-edu') or sys.exit('consistency-edu is not installed: pip install -e .')
    seconds = []
    for i in range(a.repeats):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            subprocess.run([exe, 'demo', '--out', d, '--quiet'], check=True)
            seconds.append(round(time.perf_counter() - t0, 1))
        print(f'run {i + 1}: {seconds[-1]} s', flush=True)
    path = write_result(Path(a.root)/'bench'/'results'/'demo_time.json',
                        {'seconds': seconds, 'cores': os.cpu_count(), 'torch_threads': torch.get_num_threads()},
                        device='cpu', command=' '.join(['python', *sys.argv]))
    print(f'wrote {path}')

if __name__ == '__main__': main()
