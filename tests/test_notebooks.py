"""Run every notebook in `nbs/` through nbdev's own test runner, one pytest test per notebook.

`tst_flags` from settings.ini are honoured; the `cuda` flag is added by itself when a GPU is visible,
and extra flags come from the environment: `NBDEV_TEST_FLAGS="slow"`. pytest.ini runs them on every core (pytest-xdist,
each worker with its share of torch threads; the order that makes the workers finish together: tests/conftest.py).
`nbdev.test` is imported as a module so that pytest does not collect its `test_nb` as a test.
"""
import os
from configparser import ConfigParser
from pathlib import Path

import pytest
from nbdev import test as nbdev_test

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'


def _settings():
    cfg = ConfigParser(delimiters=['='])
    cfg.read(ROOT/'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']


def _notebooks():
    "Every notebook of nbs/ (the run order is set in conftest.py, from each notebook's measured time)."
    return sorted(p for p in NBS.rglob('*.ipynb') if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))


def _flags():
    skip = _settings().get('tst_flags', '').split()
    force = os.environ.get('NBDEV_TEST_FLAGS', '').replace(',', ' ').split()
    try:
        import torch
        if torch.cuda.is_available(): force.append('cuda')
    except ImportError: pass
    return skip, force


@pytest.mark.parametrize('nb', _notebooks(), ids=lambda p: str(p.relative_to(NBS)))
def test_notebook(nb):
    skip, force = _flags()
    ok, secs = nbdev_test.test_nb(nb, skip_flags=skip, force_flags=force, showerr=True)
    print(f'{nb.name}: {secs:.1f}s (skip={sorted(set(skip)-set(force))}, force={force})')
    assert ok, f'{nb.relative_to(NBS)} failed; its traceback is in the captured stderr above'
