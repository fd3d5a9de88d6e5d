"""`python -m scalpel_torch.sft_worker SPEC.json`: the SFT stage in each process of `accelerate launch` / `torchrun`."""

import sys

from .sft import main_worker

if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m scalpel_torch.sft_worker SPEC.json", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main_worker(sys.argv[1]))
