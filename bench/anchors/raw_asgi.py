"""The ceiling: a raw ASGI callable answering every request with one fixed JSON body.

python -m bench.anchors.raw_asgi     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

from typing import Any

from bench.anchors.uvicorn_runner import serve_printing_port

BODY = (
    b'{"status":"healthy","service":"my-awesome-service","version":"0.1.0",'
    b'"connections":0,"bus":"memory"}'
)
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))],
}
BODY_MESSAGE = {"type": "http.response.body", "body": BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(START)
    await send(BODY_MESSAGE)


if __name__ == "__main__":
    serve_printing_port(app)
