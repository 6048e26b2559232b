"""The experiments that run once per seed, over several seeds, one GPU each: the teachers' quality per NFE (`nfe`: an EDM
teacher on the oracle and one on digits, every sampler at every NFE), LCM on latent digits (`lcm`: autoencoder, guided
teacher, LCD with L2 and with LCM's Huber; teacher DDIM-50 against LCM at 1/2/4/8 steps per guidance scale) and LCM-LoRA
(`lora`: full LCM against base + τ_LCM, a style LoRA, the λ grid). Scored by `experiments.DigitsScore` and `OracleEval`.
Each seed leaves a file under --work. Writes bench/results/<kind>_table.json and nbs/_<kind>_table.md under --root.

    python bench/per_seed.py KIND [--gpus 0 1 2] [--seeds 0 1 2]
"""
import argparse, json, sys
from pathlib import Path
from consistency_edu.experiments import run_per_seed, write_result, provenance_line, lcm_table_md, lora_table_md, nfe_table_md

ROOT = Path(__file__).resolve().parents[1]
CFG = {'nfe': dict(n=10_000, oracle_steps=8000, digits_steps=12_000, ch=64, n_digits=1077),
       'lcm': dict(ae_steps=3000, teacher_steps=8000, lcd_steps=4000, ch=64, bs=512, lr=1e-4, per_class=200, metrics=['l2', 'huber']),
       'lora': dict(ae_steps=3000, teacher_steps=8000, lcd_steps=3000, style_steps=3000, ch=64, rank=4, w=2., per_class=200, bs=512)}
WHAT = {'nfe': ("Quality per NFE of the teachers: an EDM teacher (MLP 256×4, {oracle_steps} steps) on the 2-D oracle, {n} samples per cell, and one "
                "(U-Net ch {ch}, {digits_steps} steps, EMA 0.9995) on the 8×8 digits, {n_digits} samples per cell. Means over seeds. Heun spends 2N − 1 "
                "evaluations (the number in brackets). Euler and Heun use the Karras grid, DDIM the VP time grid.", nfe_table_md),
        'lcm': ("LCM on latent digits: autoencoder ch {ch} ({ae_steps} steps), guided ε-teacher ({teacher_steps} steps), LCD {lcd_steps} steps, batch {bs}, "
                "lr {lr:g}, k = 20, ω ~ U[0, 4], EMA 0.95; {per_class} samples a class per cell, the same latent noise in every cell. Cells: accuracy of "
                "the requested digit / FD / precision / recall (means over seeds).", lcm_table_md),
        'lora': ("LCM-LoRA: autoencoder on digits and thick digits ({ae_steps} steps), teacher U-Net ch {ch} ({teacher_steps} steps), full LCM and "
                 "LCM-LoRA {lcd_steps} LCD steps each, style LoRA {style_steps} steps, batch {bs}; {per_class} samples a class per cell.", lora_table_md)}

def main():
    p = argparse.ArgumentParser()
    p.add_argument('kind', choices=list(CFG)); p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--gpus', type=int, nargs='*', default=None); p.add_argument('--device', default='cuda')
    p.add_argument('--set', nargs='*', default=[], metavar='KEY=VALUE', help='override a setting (smoke runs)')
    p.add_argument('--work', default=str(ROOT/'bench'/'out')); p.add_argument('--root', default=str(ROOT))
    a = p.parse_args()
    cfg = {**CFG[a.kind], **{k: type(CFG[a.kind][k])(v) if not isinstance(CFG[a.kind][k], list) else v.split(',') for k, v in (s.split('=') for s in a.set)}}
    runs = run_per_seed(a.kind, a.work, a.seeds, cfg, a.gpus, a.device)
    root = Path(a.root); (root/'nbs').mkdir(parents=True, exist_ok=True)
    stored = write_result(root/'bench'/'results'/f'{a.kind}_table.json', {'args': vars(a), 'cfg': cfg, 'runs': runs}, device=a.device,
                          command=' '.join(['python', *sys.argv]))
    text, render = WHAT[a.kind]
    md = f"{provenance_line(json.loads(stored.read_text()))} {text.format(**cfg)} Seeds {', '.join(map(str, a.seeds))}.\n\n{render(runs)}\n"
    (root/'nbs'/f'_{a.kind}_table.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
