"""Open-loop load at a fixed rate, with a minimal HTTP/1.1 client on asyncio streams.

A general-purpose client costs more CPU per request than the services do, and on two
cores that cost would be measured too.
"""

from __future__ import annotations

import asyncio
import statistics
from urllib.parse import urlsplit


async def fixed_rate(
    url: str,
    payload: bytes,
    rate: float,
    seconds: float,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    connections: int = 32,
) -> dict[str, float]:
    """POST `payload` to `url` at `rate`/s for `seconds`; latency from each request's
    due time. Returns p50, p99 (seconds), achieved rate, sent and errors (non-200)."""
    parts = urlsplit(url)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    request = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{extra}"
        f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    loop = asyncio.get_running_loop()
    dues: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while (due := await dues.get()) is not None:
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(request)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            errors += b" 200 " not in status
            latencies.append(loop.time() - due)
        writer.close()

    start = loop.time() + 0.5
    for i in range(int(rate * seconds)):
        dues.put_nowait(start + i / rate)
    for _ in range(connections):
        dues.put_nowait(None)
    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = loop.time() - start
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "p50": quantiles[49],
        "p99": quantiles[98],
        "rate": len(latencies) / elapsed,
        "sent": len(latencies),
        "errors": errors,
    }
