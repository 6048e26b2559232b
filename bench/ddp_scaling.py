"""DDP scaling of `fit` under torchrun: samples/s of iCT training on 1 and on N GPUs, the same per-rank batch.

Run it once per world size, then report:

    torchrun --standalone --nproc_per_node 1 bench/ddp_scaling.py
    torchrun --standalone --nproc_per_node 2 bench/ddp_scaling.py
    python bench/ddp_scaling.py --report

Each run trains iCT on 32×32 digits with `fit` itself (U-Net ch 64, batch 512 per rank, bf16 autocast, channels-last,
`sync_every=50`): a warm-up fit, then a timed fit of `--steps` steps on the same model; rank 0 appends its samples/s to
bench/results/ddp_scaling.json. The report writes nbs/_ddp_scaling.md with the scaling efficiency (N-GPU samples/s over
N × one GPU's).
"""
import argparse, json, os, time
from consistency_edu.experiments import write_result
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT/'bench'/'results'/'ddp_scaling.json'


def train(steps, bs, ch):
    from consistency_edu.toy import load_digits
    from consistency_edu.nets import UNet
    from consistency_edu.consistency import ConsistencyModel
    from consistency_edu.ict import ICTLoss
    from consistency_edu.train import fit
    x, _ = load_digits('train', size=32)
    torch.manual_seed(0)
    model = ConsistencyModel(UNet(in_ch=1, ch=ch, ch_mult=(1, 2, 2), num_res=2, dropout=0.2))
    method = ICTLoss(model, K=10 ** 6)
    kw = dict(bs=bs, lr=2e-4, amp='bf16', channels_last=True, device='cuda', progress=False, sync_every=50)
    fit(model, method, x, steps=20, **kw)                                     # warm-up: cuDNN autotuning, NCCL set-up
    torch.cuda.synchronize()
    r = fit(model, method, x, steps=steps, **kw)
    torch.cuda.synchronize()
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=200); ap.add_argument('--bs', type=int, default=512); ap.add_argument('--ch', type=int, default=64)
    ap.add_argument('--report', action='store_true'); ap.add_argument('--out-dir', default=str(ROOT/'nbs'))
    a = ap.parse_args()
    if a.report: return report(Path(a.out_dir))
    world = int(os.environ.get('WORLD_SIZE', '1'))
    r = train(a.steps, a.bs, a.ch)
    if int(os.environ.get('RANK', '0')) == 0:
        rows = json.loads(RES.read_text())['runs'] if RES.exists() else []
        rows = [x for x in rows if x['world'] != world] + [{'world': world, 'samples_per_s': a.steps * a.bs * world / r.seconds, 'seconds': r.seconds,
                'steps': a.steps, 'bs_per_rank': a.bs, 'ch': a.ch, 'card': torch.cuda.get_device_name(), 'torch': torch.__version__,
                'final_loss': sum(r.history[-50:]) / 50}]
        write_result(RES, {'runs': rows}, device='cuda')
        print(rows[-1])
    if torch.distributed.is_initialized(): torch.distributed.destroy_process_group()


def report(out:Path):
    rows = sorted(json.loads(RES.read_text())['runs'], key=lambda r: r['world'])
    one = next(r for r in rows if r['world'] == 1)
    md = [f"Measured on {one['card']} × N, torch {one['torch']}, {time.strftime('%Y-%m-%d')}: iCT on 32×32 digits trained by `fit` under "
          f"`torchrun --standalone --nproc_per_node N` (DDP, NCCL), U-Net ch {one['ch']}, batch {one['bs_per_rank']} per rank, bf16 autocast, "
          f"channels-last, {one['steps']} timed steps after a warm-up fit.", '',
          '| GPUs | samples/s | × one GPU | scaling efficiency |', '|---|---|---|---|']
    md += [f"| {r['world']} | {r['samples_per_s']:,.0f} | {r['samples_per_s'] / one['samples_per_s']:.2f}× | {r['samples_per_s'] / (r['world'] * one['samples_per_s']):.0%} |" for r in rows]
    (out/'_ddp_scaling.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    main()
