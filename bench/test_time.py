"""Time the README's test command as CI runs it: `pytest` from the repository root (every notebook in parallel on every core),
nothing else running, less the check that the README quotes this file. Writes bench/results/test_time.json (seconds, pass/fail, the core count, provenance): the figure the
README quotes.

    python bench/test_time.py
"""
import argparse, os, subprocess, sys, time
from pathlib import Path
from consistency_edu.experiments import write_result

ROOT = Path(__file__).resolve().parents[1]

def main():
    argparse.ArgumentParser(description=__doc__.split('\n')[0]).parse_args()   # no options: --help says what it does
    t0 = time.perf_counter()
    # every test but the one that checks the README against this file's figures: a run cannot quote itself (that test reads the
    # stored figures before this run writes new ones), and it takes milliseconds
    r = subprocess.run([sys.executable, '-m', 'pytest', '-q', '--deselect', 'tests/test_site.py::test_readme_quotes_the_stored_timings'], cwd=ROOT)
    seconds = round(time.perf_counter() - t0, 1)
    path = write_result(ROOT/'bench'/'results'/'test_time.json', {'seconds': seconds, 'passed': r.returncode == 0, 'cores': os.cpu_count()},
                        device='cpu', command=' '.join(['python', *sys.argv]))
    print(f'pytest: {seconds} s, exit code {r.returncode}; wrote {path}')
    sys.exit(r.returncode)

if __name__ == '__main__': main()
