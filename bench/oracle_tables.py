"""The oracle tables — Table 1 of the consistency-models paper, the iCT ablation, ECT and the CTM table, with the CD/CT
ablation figure — on the three mixtures of `toy.MIXTURES`, each row over several seeds, every row scored by the same protocol
(`evaluate.OracleEval`: SW, MMD, exact density precision and mode coverage, error to f*). The rows and the runner live in
the library (`experiments.ORACLE_ROWS`, `run_oracle_suite`); every job leaves a file under --work, so a rerun does only
what is missing. Writes bench/results/oracle_tables.json and nbs/_oracle_table1.md, _oracle_ict.md, _oracle_ect.md, _oracle_ctm.md,
_oracle_summary.md, _oracle_ablations.png under --root (a table's file only when the run holds rows of it); --render rewrites
the markdown from the stored file without touching it. A run keeps the stored file's rows that --work lacks (a run of some
keys on a fresh machine adds to the tables instead of replacing them), and names the run that made them; carry --work
(the teachers) to another machine so that every row stays beside its own seed's teacher.

    python bench/oracle_tables.py [--workers 8] [--threads 2] [--device cpu] [--seeds 0 1 2] [--mixtures oracle grid25 ico12] [--keys ...]
"""
import argparse, json, sys
from pathlib import Path
import matplotlib; matplotlib.use('Agg')
from consistency_edu.toy import MIXTURES
from consistency_edu.experiments import (PROVENANCE, ORACLE_ROWS, MIXTURE_LABELS, run_oracle_suite, collect_oracle_suite, write_result, provenance_line,
                                         oracle_table_md, teachers_md, ctm_table_md, oracle_summary_md, ablation_figure,
                                         ICT_CHANGES, effects_md, row_values)

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = ('cd-heun-l2', 'cd-random', 'ct', 'ict-6', 'ect', 'ctm-dsm', 'ctm-fixed')

def has(res, table, m=None):
    "Does `res` hold rows of `table` (on mixture `m`)? A run of some keys renders only their tables."
    return any(ORACLE_ROWS[r['key']].table == table and m in (None, r['mixture']) for r in res['rows'])

def sections(res, table, render):
    return '\n\n'.join(f"**{MIXTURE_LABELS[m]}**\n\n{render(res, m)}" for m in MIXTURES if has(res, table, m))

def ict_effects(res):
    "What each of iCT's techniques does on each mixture that holds all its rows, by the two-sd rule: one-step SW, then one-step coverage."
    keys = {k for c in ICT_CHANGES for k in c[:2]}
    ms = [m for m in MIXTURES if all(len(row_values(res, k, m, 'SW1')) >= 3 for k in keys)]
    if not ms: return ''
    return ''.join(f"\n**{title}**, each change by the two-standard-deviation rule (means over seeds, before → after)\n\n{effects_md(res, ICT_CHANGES, ms, metric)}\n\n"
                   for metric, title in (('SW1', 'One-step SW over the teacher'), ('C1', 'One-step coverage')))

def keep_earlier(res, stored):
    "The stored run's rows that this work folder lacks stay in the result, and the stored run's provenance with them (`earlier`)."
    have = {(r['key'], r['mixture'], r['seed']) for r in res['rows']}
    kept = [r for r in stored['rows'] if (r['key'], r['mixture'], r['seed']) not in have]
    if not kept: return res
    taught = {(t['mixture'], t['seed']) for t in res['teachers']}              # their teachers and floors too, where --work has none
    return {**res, 'teachers': res['teachers'] + [t for t in stored['teachers'] if (t['mixture'], t['seed']) not in taught],
            'floors': {**stored['floors'], **res['floors']}, 'rows': res['rows'] + kept,
            'earlier': stored.get('earlier', []) + [{k: stored[k] for k in PROVENANCE}]}

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mixtures', nargs='+', default=list(MIXTURES), choices=list(MIXTURES)); p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--keys', nargs='+', default=None, choices=list(ORACLE_ROWS)); p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--n', type=int, default=4000); p.add_argument('--teacher-steps', type=int, default=6000)
    p.add_argument('--workers', type=int, default=1); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--device', default='cpu', help="where every job trains and samples ('cpu', 'cuda')")
    p.add_argument('--work', default=str(ROOT/'bench'/'out'/'oracle')); p.add_argument('--root', default=str(ROOT))
    p.add_argument('--render', action='store_true', help='only render the tables from the stored results file (its provenance and settings kept)')
    a = p.parse_args()
    root = Path(a.root); (root/'nbs').mkdir(parents=True, exist_ok=True)
    path = root/'bench'/'results'/'oracle_tables.json'
    if a.render:        # the stored run, its provenance and its settings as they were: rendering rewrites only the markdown
        stored = json.loads(path.read_text())
        res, args = {k: stored[k] for k in ('teachers', 'floors', 'rows')}, stored['args']
    else:
        res = run_oracle_suite(a.work, a.mixtures, a.seeds, a.keys, a.steps, a.n, a.teacher_steps, a.workers, a.threads, a.device)
        if path.exists(): res = keep_earlier(res, json.loads(path.read_text()))
        stored, args = json.loads(write_result(path, {'args': vars(a), **res}, command=' '.join(['python', *sys.argv])).read_text()), vars(a)
    seeds = sorted({r['seed'] for r in res['rows']})
    earlier = ''.join(f" Rows kept from an earlier run: {provenance_line(e)}" for e in stored.get('earlier', []))
    head = (f"{provenance_line(stored)}{earlier} Every row: MLP 128×3, batch 512, {args['steps']} steps unless it says "
            f"otherwise, {len(seeds)} seeds ({', '.join(map(str, seeds))}), each against the EDM teacher of its seed ({args['teacher_steps']} steps); "
            f"CD, CTM and ECT start from the teacher's weights (one ECT row from random ones). {args['n']} samples per cell against a fixed test set; two-step τ by greedy search "
            "over the training levels on a separate validation set. Cells: mean ± std over seeds. Precision and coverage: higher is better.\n\n")
    if has(res, 'table1'):
        (root/'nbs'/'_oracle_table1.md').write_text(head + '**Teachers** (SW / precision / coverage, means over seeds)\n\n'
                                             + '\n\n'.join(f"**{MIXTURE_LABELS[m]}**\n\n{teachers_md(res, m)}" for m in MIXTURES if has(res, 'table1', m))
                                             + '\n\n**Consistency models** (NFE 1 and 2)\n\n' + sections(res, 'table1', lambda r, m: oracle_table_md(r, 'table1', m)) + '\n')
    if has(res, 'ict'):
        (root/'nbs'/'_oracle_ict.md').write_text(head + "Each row adds one of iCT's techniques to the row above, then two variations of iCT.\n\n"
                                                   + sections(res, 'ict', lambda r, m: oracle_table_md(r, 'ict', m)) + '\n' + ict_effects(res))
    if has(res, 'ect'):
        ref = [k for k in ('ect', 'ect-paper', 'ect-random', 'ict-6', 'ict-3', 'ct', 'cd-heun-l2') if any(r['key'] == k for r in res['rows'])]
        (root/'nbs'/'_oracle_ect.md').write_text(head + "ECT from the teacher's weights (with the settings for 2-D data and with the paper's) and from random weights; beside them, in one line per mixture, iCT, iCT's curriculum row and CT "
                                                  "(trained from data, from random weights) and CD (distilled from the teacher).\n\n"
                                                  + oracle_summary_md(res, ref) + '\n\n' + sections(res, 'ect', lambda r, m: oracle_table_md(r, 'ect', m)) + '\n')
    if has(res, 'ctm'):
        (root/'nbs'/'_oracle_ctm.md').write_text(head + sections(res, 'ctm', lambda r, m: oracle_table_md(r, 'ctm', m) + '\n\n' + ctm_table_md(r, m)) + '\n')
    (root/'nbs'/'_oracle_summary.md').write_text(head + oracle_summary_md(res, [k for k in SUMMARY if any(r['key'] == k for r in res['rows'])]) + '\n')
    if any(r['table'] == 'ablation' for r in res['rows']): ablation_figure(res, root/'nbs'/'_oracle_ablations.png')
    print((root/'nbs'/'_oracle_summary.md').read_text())

if __name__ == '__main__': main()
