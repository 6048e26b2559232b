#!/usr/bin/env python3
"""Store the bench tables and figures in the notebooks (nbs/results.ipynb and the lessons that show a bench table) as cell outputs, so the docs site shows them without
`{{< include >}}` (nbdev's processing skips `_`-prefixed files, so includes of nbs/_*.md never reach `_proc/`).

A cell `Markdown(Path('_x.md').read_text())` gets the file as its text/markdown output; `Image('_x.png')` the PNG.

    python .ci/results.py           # refresh the stored outputs after a bench wrote new tables
    python .ci/results.py --check   # exit 1 if a stored output differs from its file
"""
import base64, json, re, sys
from pathlib import Path

NBS = Path(__file__).resolve().parents[1]/'nbs'
MD, IMG = re.compile(r"Markdown\(Path\('([^']+)'\)\.read_text\(\)\)"), re.compile(r"Image\('([^']+)'\)")

def outputs(src:str):
    "The outputs a results cell should have, or None for other cells."
    if m := MD.search(src):
        return [{'data': {'text/markdown': (NBS/m.group(1)).read_text(), 'text/plain': ['<IPython.core.display.Markdown object>']},
                 'execution_count': None, 'metadata': {}, 'output_type': 'execute_result'}]
    if m := IMG.search(src):
        return [{'data': {'image/png': base64.b64encode((NBS/m.group(1)).read_bytes()).decode(), 'text/plain': ['<IPython.core.display.Image object>']},
                 'execution_count': None, 'metadata': {}, 'output_type': 'execute_result'}]
    return None

def notebooks():
    return sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))

def stale(nb_paths=None):
    "Cells (as 'notebook: last source line') whose stored output is not the current file."
    return [f'{p.name}: {b}' for p in (nb_paths or notebooks()) for b in _stale(p)]

def _stale(nb_path):
    bad = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        want = outputs(''.join(c['source'])) if c['cell_type'] == 'code' else None
        if want is None: continue
        have = c.get('outputs', [])
        key = 'text/markdown' if 'text/markdown' in want[0]['data'] else 'image/png'
        got = ''.join(have[0]['data'].get(key, '')) if have and 'data' in have[0] else ''
        if got.replace('\n', '') != want[0]['data'][key].replace('\n', ''): bad.append(''.join(c['source']).split('\n')[-1])
    return bad

if __name__ == '__main__':
    if '--check' in sys.argv:
        if b := stale(): sys.exit(f'stale bench results are shown in {b}: run python .ci/results.py')
        print('the notebooks show the current bench tables'); sys.exit()
    for p in notebooks():
        nb, n = json.loads(p.read_text()), 0
        for c in nb['cells']:
            if c['cell_type'] == 'code' and (o := outputs(''.join(c['source']))) is not None: c['outputs'] = o; n += 1
        if n: p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n'); print('refreshed', n, 'outputs in', p.name)
