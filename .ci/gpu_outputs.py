#!/usr/bin/env python3
"""Store the outputs of the `#| cuda` cells in the notebooks, so the docs site shows the GPU sections.

On a GPU machine, run the notebooks top to bottom (cuda cells included, `slow` and `notest` cells skipped) and write them
with their outputs to a folder; back here, copy the outputs of the cuda cells (and only those) into nbs/:

    python .ci/gpu_outputs.py run DIR nbs/12_ct.ipynb ...     # on the GPU machine
    python .ci/gpu_outputs.py merge DIR                          # here: cuda cells' outputs from DIR/*.ipynb into nbs/
"""
import json, os, re, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAG = re.compile(r'^\s*#\|\s*([\w\s-]+)$', re.M)


def flags(src): return {f for m in FLAG.findall(src) for f in m.split()}


def run(out, paths):
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    for p in map(Path, paths):
        nb, here = read_nb(p), os.getcwd()
        os.chdir(p.parent); sh, t0 = CaptureShell(), time.time()
        try:
            for c in nb.cells:
                if c.cell_type != 'code' or flags(c.source) & {'slow', 'notest'} or 'nbdev_export' in c.source: continue
                tc = time.time(); sh.cell(c)
                if sh.exc: raise RuntimeError(f'{p.name}, cell {c.get("id")}: {sh.exc}')
                if time.time() - tc > 5: print(f'  {p.name}, cell {c.get("id")}: {time.time() - tc:.0f} s', flush=True)   # progress on long notebooks
        finally: os.chdir(here)
        write_nb(nb, out/p.name); print(f'{p.name}: {time.time() - t0:.0f} s', flush=True)


def merge(src):
    for p in sorted(Path(src).glob('*.ipynb')):
        ran = {c.get('id'): c for c in json.loads(p.read_text())['cells']}
        target = ROOT/'nbs'/p.name
        nb, n = json.loads(target.read_text()), 0
        for c in nb['cells']:
            r = ran.get(c.get('id'))
            if c['cell_type'] == 'code' and 'cuda' in flags(''.join(c['source'])) and r is not None and ''.join(r['source']) == ''.join(c['source']):
                c['outputs'] = r.get('outputs', []); n += 1
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n'); print(f'{p.name}: outputs of {n} cuda cells stored')


if __name__ == '__main__':
    {'run': lambda: run(sys.argv[2], sys.argv[3:]), 'merge': lambda: merge(sys.argv[2])}[sys.argv[1]]()
