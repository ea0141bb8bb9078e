"""The physical floor of a fan-out: the CPU cost of one ``write(2)`` measured alone.

A broadcast costs every server at least one write per client (one per frame, unless frames
are coalesced). This sends one fan-out-sized frame at a time from a plain blocking socket to a
loopback TCP peer that another thread drains, and reports the sending thread's CPU time per
``send`` (on loopback the kernel's receive path runs in the sender's system call too, so
this is what one delivery's write costs a server here). Medians of ROUNDS.

    python -m bench.write_floor --writes 100000 --rounds 5
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from typing import Any

from bench.report import median, print_table

# A broadcast frame as bench.fanout's clients receive it from PulseDesk: about 150 bytes.
FRAME = b"\x81\x7e\x00\x92" + b"x" * 146


def run(writes: int, rounds: int, frames_per_write: int = 1) -> list[list[Any]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        sender = socket.create_connection(server.getsockname())
        receiver, _ = server.accept()
    sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def drain() -> None:
        while receiver.recv(1 << 20):
            pass

    threading.Thread(target=drain, daemon=True).start()
    data = FRAME * frames_per_write
    samples = []
    try:
        for _ in range(rounds):
            start = time.thread_time()
            for _ in range(writes):
                sender.sendall(data)
            samples.append((time.thread_time() - start) / writes * 1e6)
    finally:
        sender.close()
    rows = [[len(data), frames_per_write, median(samples)]]
    print_table(
        f"One write(2) to a loopback peer: sender CPU µs, median of {rounds} x {writes}",
        ["bytes", "frames", "µs/write"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--frames", type=int, default=1, help="frames per write (coalesced)")
    args = parser.parse_args()
    run(args.writes, args.rounds, args.frames)


if __name__ == "__main__":
    main()
