"""A client process for the WebSocket benchmarks: many connections that listen, or that stall.

Run by the benchmarks, one process per few thousand connections, so the server under test never
shares a process with its clients:

    python -m bench.clients listen URL COUNT EXPECT OUT   # read; record broadcast latency
    python -m bench.clients stall URL COUNT               # handshake, then never read again

Both print ``READY`` once every connection is open. ``listen`` prints ``DONE`` when each of its
connections has received EXPECT benchmark frames; on SIGTERM it writes ``OUT`` (JSON: frames per
connection, close codes) and ``OUT.lat`` (the latencies, float64 seconds) and exits.

A benchmark frame is any text holding ``"bt":<unix time>,``: the sender's clock when it sent
it. Latency is this machine's clock at receipt minus that, so it includes the client's own lag.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import sys
import time
from array import array
from urllib.parse import urlsplit

import uvloop
from websockets.asyncio.client import connect

MARK = '"bt":'
HANDSHAKES_AT_ONCE = 64


async def listen(url: str, count: int, expect: int, out: str) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    received = [0] * count
    codes: list[int | None] = [None] * count
    latencies = array("d")
    complete = 0
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)

    async def read(index: int) -> None:
        # Each connection reads from the moment it is open: one left unread while thousands
        # of others connect stops answering the server's pings, and is closed (1011).
        nonlocal complete
        async with gate:
            connection = await connect(
                url, compression=None, max_size=None, ping_interval=None, open_timeout=120
            )
        opened.release()
        clock = time.time
        record = latencies.append
        try:
            async for message in connection:
                start = message.find(MARK) if isinstance(message, str) else -1
                if start < 0:
                    continue
                start += len(MARK)
                record(clock() - float(message[start : message.index(",", start)]))
                received[index] += 1
                if received[index] == expect:
                    complete += 1
                    if complete == count:
                        print("DONE", flush=True)
        except Exception:  # a close without a close frame: the code below says so
            pass
        codes[index] = connection.close_code

    opened = asyncio.Semaphore(0)
    readers = [asyncio.create_task(read(i)) for i in range(count)]
    for _ in range(count):
        await opened.acquire()
    print("READY", flush=True)
    await stop.wait()
    for task in readers:
        task.cancel()
    write_results(out, received, codes, latencies)


def write_results(
    out: str, received: list[int], codes: list[int | None], latencies: array[float]
) -> None:
    with open(out + ".lat", "wb") as file:
        latencies.tofile(file)
    with open(out, "w") as file:
        json.dump({"received": received, "close_codes": codes}, file)


def stall(url: str, count: int) -> None:
    """Open ``count`` WebSockets by hand and never read from them after the handshake."""
    parts = urlsplit(url)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname, parts.port))
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += sock.recv(1)
        if b" 101 " not in response.split(b"\r\n", 1)[0]:
            raise SystemExit(f"handshake refused: {response!r}")
        sockets.append(sock)
    print("READY", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


def main(argv: list[str]) -> None:
    mode, url, count = argv[0], argv[1], int(argv[2])
    if mode == "stall":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        stall(url, count)
    else:
        uvloop.run(listen(url, count, int(argv[3]), argv[4]))


if __name__ == "__main__":
    main(sys.argv[1:])
