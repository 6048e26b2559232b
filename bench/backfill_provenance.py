"""Give every stored result file the five provenance fields (`experiments.PROVENANCE`: device, torch, date, command, commit).
A file written before the benches recorded them gets them from what is known: the date and commit of the git commit that
added the file, the command from its bench's usage, device and torch from the fields the file already holds (`card`,
`device`, a run's own), or 'not recorded'; it is marked `"backfilled": true`. A file that is a bare list becomes
{'runs': [...]}. Files that already have every field are left alone.

    python bench/backfill_provenance.py [--check]
"""
import json, re, subprocess, sys
from pathlib import Path
from consistency_edu.experiments import PROVENANCE, write_json

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = {'throughput_ctm': 'throughput', 'throughput_ict': 'throughput', 'gpu_minutes_ctm_before_mark': 'gpu_minutes'}

def _git(*a): return subprocess.run(['git', *a], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

def _added(path):
    "(date, commit) of the commit that added `path`."
    line = _git('log', '--diff-filter=A', '--format=%H %cd', '--date=format:%Y-%m-%d', '--', str(path.relative_to(ROOT))).split('\n')[-1]
    commit, date = line.split(' ', 1)
    return date, commit

def _usage(stem):
    "The bench's own usage line (from its docstring), or its plain invocation."
    script = SCRIPT.get(stem, stem)
    try: doc = (ROOT/'bench'/f'{script}.py').read_text()
    except FileNotFoundError:                            # a bench since replaced: its last version, before the commit that removed it
        doc = _git('show', f"{_git('log', '-1', '--format=%H', '--', f'bench/{script}.py')}^:bench/{script}.py")
    m = re.search(r'^\s*(python bench/' + re.escape(script) + r'\.py[^\n#]*)', doc, re.M)
    return (m.group(1).strip() if m else f'python bench/{script}.py') + ' (backfilled from the bench\'s usage)'

def _first(d, *keys):
    for k in keys:
        if isinstance(d, dict) and d.get(k): return d[k]
    runs = d.get('runs') or d.get('rows') or [] if isinstance(d, dict) else []
    for r in runs if isinstance(runs, list) else []:
        for k in keys:
            if isinstance(r, dict) and r.get(k): return r[k]
    return None

def backfill(path:Path) -> bool:
    "Add the missing provenance fields to one result file; True if it changed."
    d = json.loads(path.read_text())
    if isinstance(d, list): d = {'runs': d}
    elif all(k in d for k in PROVENANCE): return False
    date, commit = _added(path)
    cards = {re.sub(r',?\s*torch [\w.+]+', '', str(r.get('card') or r.get('device'))) for r in d.get('runs', []) if isinstance(r, dict) and (r.get('card') or r.get('device'))}
    card = _first(d, 'device', 'card')
    caption = ROOT/'nbs'/f'_{path.stem}.md'
    torch = (_first(d, 'torch') or (re.search(r'torch ([\w.+]+)', card).group(1) if card and 'torch' in str(card) else None)
             or (m.group(1) if caption.exists() and (m := re.search(r'torch ([\d][\w.+]+)', caption.read_text())) else None))
    device = (f"per run: {', '.join(sorted(cards))}" if len(cards) > 1 else re.sub(r',?\s*torch [\w.+]+', '', str(card)) if card else 'not recorded')
    prov = {'device': device, 'torch': torch or 'not recorded', 'date': d.get('date') or date, 'command': _usage(path.stem), 'commit': commit}
    write_json(path, {**prov, 'backfilled': True, **{k: v for k, v in d.items() if k not in prov}})
    return True

if __name__ == '__main__':
    files = sorted((ROOT/'bench'/'results').glob('*.json'))
    if '--check' in sys.argv:
        bad = [p.name for p in files if not isinstance(json.loads(p.read_text()), dict) or any(k not in json.loads(p.read_text()) for k in PROVENANCE)]
        sys.exit(f'result files without provenance: {bad}' if bad else 0)
    for p in files:
        if backfill(p): print('backfilled', p.name)
