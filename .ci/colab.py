#!/usr/bin/env python3
"""Run notebooks the way Colab does: a fresh virtual environment that already has torch (which must not be reinstalled),
the package installed from a git URL, and notebooks executed outside the repository with `jupyter nbconvert --execute`.

The fresh venv sees this interpreter's torch and torchvision (and what they need) through a .pth file pointing at a
folder of links to just those distributions, as Colab's image has torch preinstalled; everything else — this package
and its requirements, nbconvert, ipykernel — pip installs into the fresh venv itself. The git URL is this checkout's
HEAD (`git+file://`), so what is tested is what is committed.

    python .ci/colab.py [NOTEBOOK ...]     # default: 00_core 09_consistency
"""
import importlib.metadata as md, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ['00_core', '09_consistency']


def _closure(names):
    "The distributions `names` need at run time (their requirements, recursively; extras and markers that do not apply skipped)."
    from packaging.requirements import Requirement
    seen, todo = {}, list(names)
    while todo:
        name = todo.pop()
        try: dist = md.distribution(name)
        except md.PackageNotFoundError: continue
        key = dist.metadata['Name'].lower().replace('_', '-')
        if key in seen: continue
        seen[key] = dist
        for r in dist.requires or []:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({'extra': ''}): todo.append(req.name)
    return seen


def preinstalled(dest:Path, names=('torch', 'torchvision')):
    "A folder of links to the files of `names` and their dependencies: what a runtime with torch preinstalled has."
    dest.mkdir(parents=True)
    for dist in _closure(names).values():
        for f in dist.files or []:
            top = Path(f).parts[0]
            if top in ('..', '__pycache__') or top.endswith('.data'): continue
            src, dst = Path(dist.locate_file(top)), dest/top
            if src.exists() and not dst.exists(): dst.symlink_to(src)
    return dest


def main(notebooks):
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, '-m', 'venv', tmp/'venv'], check=True)
        py = tmp/'venv'/'bin'/'python'
        site = Path(subprocess.run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                                   capture_output=True, text=True, check=True).stdout.strip())
        (site/'preinstalled-torch.pth').write_text(str(preinstalled(tmp/'preinstalled')) + '\n')
        before = subprocess.run([py, '-c', 'import torch; print(torch.__version__, torch.__file__)'], capture_output=True, text=True, check=True).stdout.split()
        env = {**os.environ, 'PIP_DISABLE_PIP_VERSION_CHECK': '1', 'MPLBACKEND': 'Agg'}
        subprocess.run([py, '-m', 'pip', 'install', '-q', f'consistency_edu[mnist] @ git+file://localhost{ROOT}', 'nbconvert', 'ipykernel'], check=True, env=env)
        after = subprocess.run([py, '-c', 'import torch, consistency_edu; print(torch.__version__, torch.__file__, consistency_edu.__file__)'],
                               capture_output=True, text=True, check=True, cwd=tmp).stdout.split()     # not from the checkout's folder
        if after[:2] != before: sys.exit(f'pip reinstalled torch: {before} -> {after[:2]}')
        if str(ROOT) in after[2]: sys.exit(f'consistency_edu was imported from the checkout ({after[2]}), not installed')
        subprocess.run([py, '-m', 'ipykernel', 'install', '--prefix', tmp/'venv', '--name', 'python3'], check=True, capture_output=True)
        work = tmp/'colab'; work.mkdir()
        for name in notebooks:
            shutil.copy(ROOT/'nbs'/f'{name}.ipynb', work)
            t = time.time()
            r = subprocess.run([tmp/'venv'/'bin'/'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=600',
                                '--ExecutePreprocessor.kernel_name=python3', '--output', f'{name}.out.ipynb', f'{name}.ipynb'],
                               cwd=work, capture_output=True, text=True, env={**env, 'JUPYTER_PATH': str(tmp/'venv'/'share'/'jupyter')})
            if r.returncode: sys.exit(f'{name}.ipynb failed outside the repository:\n{r.stderr[-3000:]}')
            cells = json.loads((work/f'{name}.out.ipynb').read_text())['cells']
            errors = [o for c in cells for o in c.get('outputs', []) if o.get('output_type') == 'error']
            if errors: sys.exit(f'{name}.ipynb: {errors[0]["ename"]}: {errors[0]["evalue"]}')
            print(f'{name}.ipynb ran outside the repository in {time.time() - t:.0f} s ({sum(c["cell_type"] == "code" for c in cells)} code cells)')
        print(f'fresh venv with torch {after[0]} kept, consistency_edu from the git URL; {len(notebooks)} notebooks in {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main(sys.argv[1:] or DEFAULT)
