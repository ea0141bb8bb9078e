"""The only modules that import uvicorn: three small subclasses of its internals, and binding.

Each subclass relies on attributes uvicorn does not promise to keep, so uvicorn is pinned to one
minor version and ``tests/server/transport/test_uvicorn_contract.py`` names the attribute that
moved when an upgrade breaks one. What each buys (figures in docs/PERFORMANCE.md), and what
upstream change would retire it:

- ``websocket.FrameWritingProtocol`` (uvicorn's sans-I/O WebSocket protocol): offers the hub a
  way to write one prebuilt frame to many sockets without five ASGI layers per client, the
  difference between 0.85x and about 2x ``websockets.broadcast``'s CPU per delivery; and a
  lighter idle connection: a small receive queue and flag (about 4 KB less), no handshake kept,
  a compact attribute dict, keepalive pings on a shared timer (``keepalive``, which imports
  nothing of uvicorn). Retired by an ASGI extension for sending prebuilt frames, and by uvicorn
  keeping none of these per connection. It also closes a connection failed for the client's
  fault with a lingering close (uvicorn alone answers a flood of fragments with a reset, not its
  1009), and counts a refused handshake as complete (uvicorn alone logs an ERROR for each);
  retired by uvicorn doing both.
- ``http.BoundedHttpProtocol`` (uvicorn's httptools protocol): answers 408 to a request whose
  headers are not in within ``header_timeout`` (slowloris), 431 beyond ``max_header_bytes``,
  413 beyond ``max_body_bytes``, each with a lingering close, and judges an absolute target's
  host as the Host. Retired by header timeouts, size limits and RFC 9112's absolute form in
  uvicorn itself.
- ``server.QuietServer`` (``uvicorn.Server``): wakes once a second instead of ten times, which is
  most of an idle server's CPU (0.27 % of a core with uvicorn's loop, 0.03 % with this one).
  Retired by a uvicorn main loop that sleeps until asked to exit. With ``http.ClosingState`` it
  also closes a connection made once shutdown has begun (the listener hands over what it had
  accepted as it closes; uvicorn never asks that one to finish, serves it on keep-alive until
  the graceful timeout, and uvloop then cannot close its loop). Retired by uvicorn shutting
  down connections made during its shutdown.
"""
