"""The digits table on GPUs: the image counterpart of Table 1 and the iCT ablation, on the bundled digits upscaled to 16×16
with a small U-Net, over several seeds. Per seed one EDM teacher (Euler/Heun/DDIM at NFE 10/18/35/79), then every row of
`experiments.DIGITS_ROWS` against it — CD (from the teacher's weights; once from random weights), CT, CTM and the iCT ablation.
Every number is scored by one protocol (`experiments.DigitsScore`: the shipped classifier, FD, precision and recall against
the train split, reference = the held-out test split). Jobs run in worker processes spread over --gpus; each leaves a file under
--work, and a rerun skips finished jobs. Writes bench/results/digits_table.json and nbs/_digits_table.md under --root;
`--render` only rewrites the markdown from the stored JSON.

    python bench/digits_table.py [--gpus 0 1 2 3] [--workers 8] [--seeds 0 1 2] [--steps 2000] [--keys ...]
    python bench/digits_table.py --render
"""
import argparse
from pathlib import Path
from consistency_edu.experiments import DIGITS_ROWS, DIGITS_CFG, run_digits_suite, stored_result, provenance_line, digits_table_md, digits_teacher_md

ROOT = Path(__file__).resolve().parents[1]
TABLES = (('table1', '**Consistency models (Table 1)**'), ('ict', "**iCT ablation** (each row adds one of iCT's techniques)"))

def render(stored:dict):
    "The page's markdown from a stored run: the tables that hold rows, and a line naming the rows the run left out."
    a, res = stored['args'], stored   # the stored file is the suite's result plus its args and provenance
    seeds = sorted({r['seed'] for r in res['rows']})
    run = {r['key'] for r in res['rows']}
    head = (f"{provenance_line(stored)} Digits at {a['size']}×{a['size']}, U-Net ch {a['ch']} (1, 2, 2), bf16 autocast on GPUs; per seed "
            f"({', '.join(map(str, seeds))}) an EDM teacher of {a['teacher_steps']} steps; every row {a['steps']} steps, batch {a['bs']}, "
            "cosine learning rate, sampled from an EMA (0.999); CD from the teacher's weights unless the row says otherwise. "
            f"{a['n']} samples per cell, scored in blocks of 359 against the train split by the shipped classifier ({res['classifier']}); "
            "two-step τ by FD against the held-out split. Cells: mean ± std over seeds.")
    if stored.get('note'): head += f" {stored['note']}"
    left = [DIGITS_ROWS[k].name for k in DIGITS_ROWS if k not in run]
    if left: head += f"\n\nRows of the bench not in this run: {'; '.join(left)}."
    body = [f"{title}\n\n{digits_table_md(res, t)}" for t, title in TABLES if any(DIGITS_ROWS[k].table == t for k in run)]
    return '\n\n'.join([head, '**Teacher** (FD / precision / recall, means over seeds)\n\n' + digits_teacher_md(res), *body]) + '\n'

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2]); p.add_argument('--keys', nargs='+', default=None, choices=list(DIGITS_ROWS))
    for k, v in DIGITS_CFG.items(): p.add_argument(f"--{k.replace('_', '-')}", type=int, default=v)
    p.add_argument('--workers', type=int, default=1); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--gpus', type=int, nargs='*', default=None); p.add_argument('--device', default='cuda')
    p.add_argument('--work', default=str(ROOT/'bench'/'out'/'digits')); p.add_argument('--root', default=str(ROOT))
    p.add_argument('--render', action='store_true', help='only rewrite the markdown from the stored JSON under --root')
    a = p.parse_args()
    root = Path(a.root); path = root/'bench'/'results'/'digits_table.json'
    run = lambda: {'args': vars(a), **run_digits_suite(a.work, a.seeds, a.keys, a.workers, a.threads, a.gpus, a.device, **{k: getattr(a, k) for k in DIGITS_CFG})}
    md = render(stored_result(path, None if a.render else run, device=a.device))
    (root/'nbs').mkdir(parents=True, exist_ok=True); (root/'nbs'/'_digits_table.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
