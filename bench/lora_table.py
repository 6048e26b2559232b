"""LCM-LoRA at a larger size than notebook 18's CPU run: full LCM vs base + τ_LCM at 4 steps (FD, accuracy, trainable
parameters), the style teacher's DDIM-50, and the grid of base + λ₁ τ_style + λ₂ τ_LCM (style = thick-stroke digits).

    python bench/lora_table.py [--ch 64] [--rank 4] [--lcd-steps 3000] [--out-dir DIR] [--device cuda]
"""
import argparse, json, time
from pathlib import Path
import torch
from consistency_edu.evaluate import bench_setup
from consistency_edu.lcm_lora import lcm_lora_experiment, lcm_lora_markdown

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ch', type=int, default=64); p.add_argument('--rank', type=int, default=4); p.add_argument('--w', type=float, default=2.)
    p.add_argument('--ae-steps', type=int, default=3000); p.add_argument('--teacher-steps', type=int, default=8000)
    p.add_argument('--lcd-steps', type=int, default=3000); p.add_argument('--style-steps', type=int, default=3000)
    p.add_argument('--bs', type=int, default=512); p.add_argument('--per-class', type=int, default=200)
    p.add_argument('--out-dir', default=None); p.add_argument('--device', default='cuda')
    a = p.parse_args()
    dev, out, name = bench_setup(a.device, a.out_dir, ROOT)
    r = lcm_lora_experiment(a.ae_steps, a.teacher_steps, a.lcd_steps, a.style_steps, a.ch, a.rank, a.w, a.per_class, bs=a.bs, device=dev)
    head = (f"Measured on {name}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}: autoencoder (digits and thick digits) "
            f"{a.ae_steps} steps, teacher U-Net ch {a.ch} {a.teacher_steps} steps, full LCM and LCM-LoRA {a.lcd_steps} LCD steps each, "
            f"style LoRA {a.style_steps} steps, batch {a.bs}; {10 * a.per_class} samples per cell; {r['seconds']['total']:.0f} s in all.\n\n")
    md = head + lcm_lora_markdown(r)
    fd = r['base + τ_LCM, 4 steps']['FD'] / r['full LCM, 4 steps']['FD']
    md += f"\nbase + τ_LCM / full LCM, FD at 4 steps: {fd:.2f}× with {r['trainable']['LCM-LoRA'] / r['trainable']['full LCM']:.1%} of its trainable parameters.\n"
    (out/'nbs'/'_lora_table.md').write_text(md)
    (out/'bench'/'results'/'lora_table.json').write_text(json.dumps({'device': name, 'torch': torch.__version__, 'args': vars(a), **r}, indent=1))
    print(md)

if __name__ == '__main__': main()
