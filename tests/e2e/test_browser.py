"""The browser client (server/static) in real headless Chromium, against real servers on port 0.

Python peers are real ``websockets`` clients; the page is driven by Playwright. Every wait is a
Playwright condition (``expect``) or a frame the peer waits for, never a sleep. The last test
takes the screenshot the README shows; it writes docs/browser.png only when asked to
(``WRITE_DOCS=1``), so that a test run leaves the checkout as it found it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.e2e.browser import CHROMIUM_ARGS, Peer, broadcast_text, chromium_path
from tests.redis_server import RedisServer
from tests.servers import StartServer, admin_token, ws_url

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser
Page = playwright_api.Page
expect = playwright_api.expect

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="no `chromium` on PATH: install Debian's package (scripts/system-deps does) "
    "to run the browser tests; Playwright's own browser download is never used",
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
WRITE_DOCS = bool(os.environ.get("WRITE_DOCS"))
DESKTOP = {"width": 1100, "height": 640}
PHONE = {"width": 390, "height": 844}
TOKEN = "alice-0123456789abcdef"

expect.set_options(timeout=10_000)

NewPage = Callable[..., Any]
NewPeer = Callable[[str], Peer]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[NewPage]:
    """Pages in fresh contexts (their own sessionStorage).

    Any script error fails the test, and so does any request that leaves the test server (all
    of them are on loopback): the page must work on a LAN with no internet.
    """
    contexts = []
    errors: list[str] = []
    elsewhere: list[str] = []

    def note_request(request: Any) -> None:
        if not request.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:")):
            elsewhere.append(request.url)

    def new(viewport: dict[str, int] = DESKTOP) -> Any:
        context = chromium.new_context(viewport=viewport)
        context.on("request", note_request)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield new
    for context in contexts:
        context.close()
    assert errors == [], f"script errors on the page: {errors}"
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"


@pytest.fixture
def new_peer() -> Iterator[NewPeer]:
    """Python ``websockets`` clients, closed after the test."""
    with ExitStack() as stack:
        yield lambda url: Peer(stack.enter_context(connect(url, open_timeout=10)))


def open_live(new_page: NewPage, url: str) -> Any:
    page = new_page()
    page.goto(url)
    expect(page.locator("#state")).to_have_text("live")
    return page


def message_row(page: Any, text: str) -> Any:
    return page.locator("#log .entry[data-id]", has_text=text)


def test_page_shows_the_live_connection_count(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = open_live(new_page, server.url + "/")
    count, label = page.locator("#count"), page.locator("#count-label")
    expect(count).to_have_text("1")
    expect(label).to_have_text("connection")

    peer = new_peer(ws_url(server))
    expect(count).to_have_text("2")
    expect(label).to_have_text("connections")
    peer.close()
    expect(count).to_have_text("1")


def test_a_message_from_a_python_client_appears(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = open_live(new_page, server.url + "/static/index.html")
    peer = new_peer(ws_url(server))

    markup = "hello from python <b>bold?</b> <img src=x onerror=alert(1)>"
    echo = peer.say(markup)
    row = message_row(page, markup)
    expect(row).to_have_count(1)
    expect(row.locator(".type")).to_have_text("broadcast")
    expect(row.locator(".client")).to_have_text(peer.id)
    expect(row).to_have_attribute("data-id", str(echo["id"]))
    expect(page.locator("#log b, #log img")).to_have_count(0)  # wire text stays text

    peer.say("a second message")
    expect(page.locator("#log .entry[data-id] .text")).to_have_text([markup, "a second message"])

    page.locator("#filter").fill("SECOND")
    expect(message_row(page, "a second message")).to_be_visible()
    expect(row).to_be_hidden()
    page.locator("#filter").fill("")
    expect(row).to_be_visible()


def test_a_message_typed_on_the_page_reaches_python(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = open_live(new_page, server.url + "/")
    peer = new_peer(ws_url(server))

    box = page.locator("#send-input")
    box.fill("hi from the browser")
    box.press("Enter")
    frame = peer.wait_for(broadcast_text("hi from the browser"))
    assert frame["client"] != peer.id

    row = message_row(page, "hi from the browser")
    expect(row).to_have_count(1)  # echo and broadcast, shown once
    expect(row).to_have_class(re.compile(r"\bmine\b"))
    expect(row.locator(".client")).to_have_text(frame["client"])
    expect(box).to_have_value("")


def test_the_page_joins_a_channel_sends_to_it_and_leaves(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = open_live(new_page, server.url + "/")
    member = new_peer(ws_url(server, "channels=orders"))
    outsider = new_peer(ws_url(server))

    page.locator("#channel-input").fill("orders")
    page.locator("#channel-input").press("Enter")
    expect(page.locator("#channels .chip")).to_have_text(["orders×"])
    expect(page.locator("#send-target")).to_have_value("orders")  # the new channel is chosen

    member.ws.send(json.dumps({"type": "message", "channel": "orders", "data": {"text": "o1"}}))
    row = message_row(page, "o1")
    expect(row.locator(".channel")).to_have_text("orders")

    box = page.locator("#send-input")
    box.fill("to the orders channel")
    box.press("Enter")
    got = member.wait_for(broadcast_text("to the orders channel"))
    assert got["channel"] == "orders"
    page.locator("#send-target").select_option("")
    box.fill("to everyone")
    box.press("Enter")
    outsider.wait_for(broadcast_text("to everyone"))
    assert not any(f.get("channel") for f in outsider.frames)  # never a channel's message

    page.locator("#channels .leave").click()
    expect(page.locator("#channels")).to_be_hidden()
    expect(page.locator("#send-target option")).to_have_count(1)
    expect(page.locator("#log .type-left")).to_have_count(1)


def test_a_burst_arrives_whole_in_order_and_the_log_keeps_its_cap(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = open_live(new_page, server.url + "/")
    # The admin token is exempt from the per-connection rate limit, so it can flood.
    admin = new_peer(ws_url(server, f"token={admin_token(server)}"))
    total = 1100  # the page keeps the newest 1000 rows
    for n in range(total):
        admin.ws.send(f"burst {n}")
    admin.wait_for(lambda f: f["type"] == "echo" and f["data"]["text"] == f"burst {total - 1}")

    rows = page.locator("#log .entry")
    expect(rows.last).to_contain_text(f"burst {total - 1}")
    expect(rows).to_have_count(1000)
    texts = page.locator("#log .entry[data-id] .text").all_text_contents()
    assert texts == [f"burst {n}" for n in range(total - len(texts), total)]


def test_in_a_cluster_the_page_counts_everyone_and_hears_other_servers(
    redis_server: RedisServer,
    start_server: StartServer,
    new_page: NewPage,
    new_peer: NewPeer,
    tmp_path: Path,
):
    here = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "here")
    there = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "there")
    page = open_live(new_page, here.url + "/")
    peers = [new_peer(ws_url(there)) for _ in range(2)]

    expect(page.locator("#count")).to_have_text("3")
    expect(page.locator("#count-label")).to_have_text("connections on 2 servers")
    expect(page.locator("#count-box")).to_have_attribute("title", "1 on this server")
    peers[0].say("hello from the other server")
    expect(message_row(page, "hello from the other server")).to_have_count(1)


def test_with_auth_required_the_page_asks_for_a_token(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server(auth="required", users={"alice": {"token": TOKEN}})
    page = new_page()
    page.goto(server.url + "/")
    expect(page.locator("#token-panel")).to_be_visible()
    expect(page.locator("#state")).to_have_text("token needed")
    expect(page.locator("#send-input")).to_be_disabled()

    page.locator("#token-input").fill("not-the-token")
    page.locator("#token-input").press("Enter")
    expect(page.locator("#token-error")).to_contain_text("not accepted")

    page.locator("#token-input").fill(TOKEN)
    page.locator("#token-input").press("Enter")
    expect(page.locator("#state")).to_have_text("live")
    expect(page.locator("#token-panel")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('pulsedesk.token')") == TOKEN

    peer = new_peer(ws_url(server, f"token={TOKEN}"))
    page.locator("#send-input").fill("signed in")
    page.locator("#send-input").press("Enter")
    peer.wait_for(broadcast_text("signed in"))

    # A shared link with ?token= works, and the token leaves the address bar at once.
    linked = new_page()
    linked.goto(f"{server.url}/?token={TOKEN}#log")
    expect(linked.locator("#state")).to_have_text("live")
    assert linked.url == f"{server.url}/#log"
    linked.reload()  # the tab keeps the token in sessionStorage
    expect(linked.locator("#state")).to_have_text("live")


def test_a_restart_reconnects_and_fills_the_gap(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = new_page()
    socket_urls: list[str] = []
    page.on("websocket", lambda ws: socket_urls.append(ws.url))
    # The page's own clock, so its reconnect timer waits until the gap is there to fill.
    page.clock.install()
    page.goto(server.url + "/")
    expect(page.locator("#state")).to_have_text("live")
    peer = new_peer(ws_url(server))
    before = peer.say("before the restart")
    expect(message_row(page, "before the restart")).to_have_count(1)

    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    server.restart()
    expect(page.locator("#state")).to_have_text("reconnecting…")
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    gap = ["gap one", "gap two", "gap three"]
    for text in gap:
        answer = httpx.post(
            f"{server.url}/api/v1/broadcast", json={"data": {"text": text}}, headers=headers
        )
        assert answer.status_code == 200, answer.text
    page.clock.resume()

    expect(page.locator("#state")).to_have_text("live")
    expect(page.locator("#log .entry[data-id] .text")).to_have_text(["before the restart", *gap])
    expect(page.locator("#log .type-welcome").last).to_contain_text("3 missed replayed")
    assert socket_urls[-1].endswith(f"/ws?since={before['id']}")


def test_a_disconnected_page_waits_for_the_user(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    """Closed by an administrator (1008): no automatic comeback, a Reconnect button instead."""
    server = start_server()
    page = new_page()
    page.clock.install()
    page.goto(server.url + "/")
    expect(page.locator("#state")).to_have_text("live")
    page_id = page.locator("#log .type-welcome .client").text_content()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}

    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    answer = httpx.delete(f"{server.url}/api/v1/connections/{page_id}", headers=headers)
    assert answer.status_code == 204
    expect(page.locator("#state")).to_have_text("disconnected")
    page.clock.run_for(60_000)  # a retry timer, had one been set, would have fired by now
    expect(page.locator("#state")).to_have_text("disconnected")
    expect(page.locator("#log .type-closed")).to_contain_text("disconnected by an administrator")

    page.clock.resume()
    page.locator("#reconnect").click()
    expect(page.locator("#state")).to_have_text("live")
    expect(page.locator("#reconnect")).to_be_hidden()
    peer = new_peer(ws_url(server))
    peer.say("welcome back")
    expect(message_row(page, "welcome back")).to_have_count(1)


def test_a_restart_without_history_still_fills_the_gap(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    """With no message store the ids start again from 1: the page notices and asks for all."""
    server = start_server(store_enabled=False)
    page = new_page()
    page.clock.install()
    page.goto(server.url + "/")
    expect(page.locator("#state")).to_have_text("live")
    peer = new_peer(ws_url(server))
    before = [f"old {n}" for n in range(4)]
    for text in before:
        peer.say(text)
    expect(message_row(page, "old 3")).to_have_count(1)

    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    server.restart()
    expect(page.locator("#state")).to_have_text("reconnecting…")
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    for text in ("new one", "new two"):
        answer = httpx.post(
            f"{server.url}/api/v1/broadcast", json={"data": {"text": text}}, headers=headers
        )
        assert answer.json()["id"] <= len(before)  # the numbering did start again
    page.clock.resume()

    expect(page.locator("#state")).to_have_text("live")
    expect(page.locator("#log .type-broadcast .text")).to_have_text([*before, "new one", "new two"])
    expect(page.locator("#log .type-note")).to_contain_text("new history")


def test_the_page_opens_with_the_recent_history(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    peer = new_peer(ws_url(server))
    earlier = ["first before the page", "second before the page", "third before the page"]
    for text in earlier:
        peer.say(text)

    page = open_live(new_page, server.url + "/")
    expect(page.locator("#log .entry[data-id] .text")).to_have_text(earlier)
    expect(page.locator("#log .type-note")).to_have_text(
        re.compile("the 3 most recent messages from the server's history")
    )
    expect(page.locator("#log .type-welcome")).not_to_contain_text("missed")
    expect(page.locator("#empty")).to_be_hidden()

    peer.say("and one live")
    expect(page.locator("#log .entry[data-id] .text")).to_have_text([*earlier, "and one live"])


def test_json_mode_sends_objects_and_says_what_is_wrong(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer
):
    server = start_server()
    page = open_live(new_page, server.url + "/")
    peer = new_peer(ws_url(server))
    box, error = page.locator("#send-input"), page.locator("#send-error")

    page.get_by_role("radio", name="JSON").check(force=True)  # the label shows, the radio hides
    expect(box).to_have_attribute("placeholder", re.compile("JSON object"))
    for wrong, says in [
        ("not json", "Not valid JSON"),
        ("[1, 2]", "JSON mode sends an object"),
        ('{"type": 7}', '"type" must be a non-empty string'),
    ]:
        box.fill(wrong)
        box.press("Enter")
        expect(error).to_be_visible()
        expect(error).to_contain_text(says)
        expect(box).to_have_value(wrong)  # the text stays put to be fixed

    box.fill('{"price": 3, "item": "tea"}')
    box.press("Enter")
    expect(error).to_be_hidden()
    expect(box).to_have_value("")
    frame = peer.wait_for(lambda f: f["type"] == "broadcast" and f["data"].get("item") == "tea")
    assert frame["data"] == {"price": 3, "item": "tea"}  # nothing of the wrong ones went out
    assert [f for f in peer.frames if f["type"] == "broadcast"] == [frame]
    expect(message_row(page, '"price": 3')).to_have_count(1)

    box.fill('{"type": "message", "data": {"text": "a whole envelope"}}')
    box.press("Enter")
    peer.wait_for(broadcast_text("a whole envelope"))

    page.get_by_role("radio", name="Text").check(force=True)
    box.fill('{"sent": "as text"}')
    box.press("Enter")
    peer.wait_for(broadcast_text('{"sent": "as text"}'))


def test_screenshot_with_live_data(
    start_server: StartServer, new_page: NewPage, new_peer: NewPeer, tmp_path: Path
):
    """docs/browser.png: a few clients talking; then the same page at phone size.

    Refresh the README's copy with
    ``WRITE_DOCS=1 .venv/bin/pytest tests/e2e/test_browser.py -k screenshot``.
    """
    server = start_server(service_name="orders-api")
    page = open_live(new_page, server.url + "/")
    ops, cache, metrics = (new_peer(ws_url(server, "channels=hosts")) for _ in range(3))
    expect(page.locator("#count")).to_have_text("4")
    page.locator("#channel-input").fill("hosts")
    page.locator("#channel-input").press("Enter")
    expect(page.locator("#channels .chip")).to_have_count(1)
    page.locator("#send-target").select_option("")

    ops.say("deploy 2.4.1 finished on web-01")
    cache.say("cache hit rate back to 97% after the warm-up")
    page.locator("#send-input").fill("thanks! watching the dashboards")
    page.locator("#send-input").press("Enter")
    ops.wait_for(broadcast_text("thanks! watching the dashboards"))
    metrics.send_data({"host": "web-02", "cpu": 0.42, "queue": 3}, channel="hosts")
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    httpx.post(
        f"{server.url}/api/v1/broadcast",
        json={"data": {"text": "maintenance window tonight 22:00 UTC"}},
        headers=headers,
    ).raise_for_status()
    cache.say("ack, I'll drain the queue first")
    ops.say("web-03 failed its health check, taking it out of the pool")
    metrics.send_data({"host": "web-03", "status": "DOWN", "failed_checks": 3}, channel="hosts")
    expect(page.locator("#log .entry[data-id]")).to_have_count(8)

    shots = DOCS if WRITE_DOCS else tmp_path
    page.screenshot(path=str(shots / "browser.png"))
    page.screenshot(path=str(tmp_path / "desktop.png"))
    print(f"screenshots in {tmp_path}")

    page.set_viewport_size(PHONE)
    expect(page.locator(".columns")).to_be_hidden()  # the phone layout took over
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    page.screenshot(path=str(tmp_path / "phone.png"))
