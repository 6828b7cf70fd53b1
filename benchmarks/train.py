"""Training throughput on the tiny random model: SFT samples/s and GRPO completions/s (CPU by default).

    .venv/bin/python benchmarks/train.py [--steps 10] [--threads 1]

Builds a small demo dataset (4 frames of 96x72 per item) in a temporary folder, then times the SFT cold-start
stage (batch 4, LLM trained) and GRPO (group 4, 32 new tokens, beta 0.04). The figures cover the whole loop:
frame loading and patchifying, forward, backward, optimizer, and for GRPO generation and rewards.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10, help="optimizer steps per recipe")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from spacevista.engine.build.demo import DemoConfig, run_demo
    from spacevista.train.config import GRPOConfig, SFTConfig, load_config
    from spacevista.train.grpo import run_grpo
    from spacevista.train.sft import run_sft

    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        run_demo(tmp / "demo", DemoConfig(scenes_per_scale=1, frames=4, width=96, height=72, workers=1))
        print(f"demo dataset: {time.perf_counter() - t0:.1f} s")
        common = [f"data.root={tmp / 'demo'}", "train.save_every=0", f"train.max_steps={args.steps}",
                  "train.eval_every=0"]
        sft = load_config(SFTConfig, repo / "configs" / "tiny-sft.yaml",
                          common + [f"output_dir={tmp / 'sft'}", "stages=[sft]", "stage_max_steps={}"])
        (r,) = run_sft(sft, log=lambda s: None)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        print(f"sft   {device} threads={args.threads} batch={sft.train.batch_size} steps={r['steps']} "
              f"samples/s={r['samples_per_second']:.2f} s/step={r['seconds'] / r['steps']:.3f}")
        grpo = load_config(GRPOConfig, repo / "configs" / "tiny-grpo.yaml",
                           common + [f"output_dir={tmp / 'grpo'}", "grpo.max_new_tokens=32"])
        g = run_grpo(grpo, log=lambda s: None)
        length = sum(h["completion_len"] for h in g["history"]) / len(g["history"])
        print(f"grpo  {device} threads={args.threads} group={grpo.grpo.group_size} steps={g['steps']} "
              f"samples/s={g['samples_per_second']:.2f} (completions, mean {length:.1f} tokens) "
              f"s/step={g['seconds'] / g['steps']:.3f}")


if __name__ == "__main__":
    main()
