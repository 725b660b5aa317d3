#!/usr/bin/env python3
"""A small but real DistributedDataParallel training loop for trying Drover with torchrun.

It fits a linear map y = x @ W_true with a two-layer MLP on random data. Every worker makes its
own batches (seeded by rank), DDP all-reduces the gradients, and rank 0 prints the loss. NCCL is
used when CUDA is available, gloo otherwise, so the same script runs on a laptop:

    torchrun --nproc_per_node=2 examples/train_ddp.py --steps 50
"""
import argparse
import os
import time

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    use_cuda = torch.cuda.is_available()
    dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    rank = dist.get_rank()
    world = dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if use_cuda:
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")

    # The target is the same on every rank (fixed seed); the data differs per rank.
    torch.manual_seed(0)
    w_true = torch.randn(args.dim, args.dim, device=device) / args.dim**0.5
    torch.manual_seed(1000 + rank)

    model = nn.Sequential(nn.Linear(args.dim, args.dim), nn.ReLU(), nn.Linear(args.dim, args.dim)).to(device)
    ddp = DDP(model, device_ids=[local_rank] if use_cuda else None)
    opt = torch.optim.AdamW(ddp.parameters(), lr=args.lr)

    if rank == 0:
        print(
            f"world={world} backend={dist.get_backend()} device={device} "
            f"node_rank={os.environ.get('NODE_RANK')} master={os.environ.get('MASTER_ADDR')}:{os.environ.get('MASTER_PORT')}",
            flush=True,
        )
    start = time.time()
    for step in range(1, args.steps + 1):
        x = torch.randn(args.batch, args.dim, device=device)
        y = x @ w_true
        loss = nn.functional.mse_loss(ddp(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()  # DDP all-reduces the gradients across every worker here
        opt.step()
        if step % 10 == 0 or step == args.steps:
            # Average the loss over all workers so rank 0 reports the global number.
            avg = loss.detach().clone()
            dist.all_reduce(avg, op=dist.ReduceOp.SUM)
            avg /= world
            if rank == 0:
                rate = step * args.batch * world / (time.time() - start)
                print(f"step {step:5d}  loss {avg.item():.5f}  {rate:,.0f} samples/s", flush=True)

    dist.barrier()
    if rank == 0:
        print("done", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
