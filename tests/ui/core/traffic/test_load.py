"""ui.core.traffic.load in process: the plan's checks, and a real run against a real server on
port 0 (its listeners are real worker processes) counting every delivery and what the server
used. ``pulsedesk load`` as a user runs it is tests/app/test_traffic.py's."""

from __future__ import annotations

import json

import pytest

from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token
from ui.core.traffic.load import (
    CLIENTS_PER_WORKER,
    LoadPlan,
    LoadRefused,
    LoadReport,
    Progress,
    check_plan,
    is_loopback,
    run_load,
    summary,
)

pytestmark = pytest.mark.anyio


def check(plan: LoadPlan, *, allow_remote: bool = False) -> None:
    check_plan(plan, max_clients=100, max_rate=50.0, allow_remote=allow_remote)


async def test_a_run_counts_every_delivery_and_reports_progress(
    start_server: StartServer,
) -> None:
    server = start_server()
    token = remember_token(admin_token(server))
    plan = LoadPlan(server.url, clients=6, rate=20, duration=1.0, token=token, workers=2)
    seen: list[Progress] = []
    report = await run_load(plan, seen.append, drain=2.0)
    assert (report.clients, report.connected, report.sent) == (6, 6, 20)
    assert report.expected == report.delivered == 120
    assert (report.lost, report.duplicates, report.out_of_order) == (0, 0, 0)
    assert report.ok and report.failures == [] and report.close_codes == {}
    assert 0 <= report.p50_ms <= report.p90_ms <= report.p99_ms <= report.max_ms
    assert report.server is not None and set(report.server) == {"cpu_percent", "memory_mb"}
    assert seen and all(p.sent <= 20 for p in seen)  # told at least once while sending
    assert summary(report).endswith("result    every delivery arrived")
    assert json.loads(report.as_json())["ok"] is True


async def test_a_run_on_a_channel_reaches_its_subscribers(start_server: StartServer) -> None:
    server = start_server()
    token = remember_token(admin_token(server))
    plan = LoadPlan(server.url, clients=3, rate=10, duration=0.5, channel="load", token=token)
    report = await run_load(plan, drain=2.0)
    assert report.ok and report.delivered == 3 * report.sent == 15


@pytest.mark.parametrize(
    ("plan", "said"),
    [
        (LoadPlan("http://127.0.0.1:9", clients=0), "--clients 0: allowed 1 to 100"),
        (LoadPlan("http://127.0.0.1:9", clients=101), "--clients 101: allowed 1 to 100"),
        (LoadPlan("http://127.0.0.1:9", rate=0), "--rate 0: allowed above 0 up to 50 a second"),
        (LoadPlan("http://127.0.0.1:9", rate=51), "--rate 51: allowed above 0 up to 50"),
        (LoadPlan("http://127.0.0.1:9", duration=0), "--duration 0: must be more than 0"),
        # TEST-NET-1 (RFC 5737): never routed, and refused before anything is sent.
        (LoadPlan("http://192.0.2.1:8000"), "http://192.0.2.1:8000 is not on this machine"),
    ],
)
def test_a_plan_beyond_the_caps_or_off_this_machine_is_refused(plan: LoadPlan, said: str) -> None:
    with pytest.raises(LoadRefused) as refused:
        check(plan)
    assert str(refused.value).startswith(said)


def test_a_remote_plan_runs_when_allowed_and_a_plan_within_the_caps_passes() -> None:
    check(LoadPlan("http://192.0.2.1:8000"), allow_remote=True)
    check(LoadPlan("http://127.0.0.1:9", clients=100, rate=50))


def test_loopback_is_told_from_elsewhere() -> None:
    assert is_loopback("http://localhost:8000") and is_loopback("http://127.0.0.1:1")
    assert is_loopback("http://[::1]:8000/")
    assert not is_loopback("http://192.0.2.1:8000")
    assert not is_loopback("http://no-such-host.invalid:8000")  # unresolvable: not ours


def test_the_worker_count_follows_the_clients_unless_given() -> None:
    assert LoadPlan("u", clients=1).worker_count() == 1
    assert LoadPlan("u", clients=CLIENTS_PER_WORKER + 1).worker_count() == 2
    assert LoadPlan("u", clients=3, workers=8).worker_count() == 3  # never more than clients
    assert LoadPlan("u", clients=30, workers=4).worker_count() == 4


def test_a_report_with_a_loss_says_so() -> None:
    report = LoadReport(
        clients=2, connected=2, sent=10, expected=20, delivered=17, missing_min=1,
        missing_max=2, duplicates=0, out_of_order=1, p50_ms=1.0, p90_ms=2.0, p99_ms=3.0,
        max_ms=4.0, deliveries_per_s=17.0, seconds=1.2, close_codes={"1013": 1},
    )  # fmt: skip
    assert report.lost == 3 and not report.ok
    text = summary(report)
    assert "lost 3 (per client 1..2)" in text and "closed    by the server: 1x 1013" in text
    assert text.endswith("result    LOSS")
    assert json.loads(report.as_json())["lost"] == 3
