"""schemathesis over the app's own OpenAPI document, in process (ASGI, no network).

Every operation is called with generated valid and invalid input, with the admin token, and
every answer must be a non-5xx response that matches the schema the document declares. The
stateful run chains operations through the links schemathesis infers from the document
(today: the connection list's ids feeding DELETE /api/v1/connections/{id}) between random
calls. Example counts are small to keep CI quick; the point is coverage of every operation
and every declared response, not volume.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from server.auth.tokens import TokenRegistry
from server.main import create_app
from server.settings import Settings
from tests.known_tokens import remember_token

# Inside the session's scratch folder (tests/conftest.py), which goes when the session ends.
SCRATCH = Path(os.environ["PULSEDESK_DATA_DIR"]).parent
FOLDER = Path(tempfile.mkdtemp(prefix="schemathesis-", dir=SCRATCH))


def _build_app() -> tuple[object, str]:
    """One app for the whole module, its files in a fresh folder, and its admin token."""
    folder = FOLDER
    app_settings = Settings(
        port=0,
        config_dir=folder / "config",
        data_dir=folder / "data",
        auth="required",  # the mode in which the declared bearer security is the truth
        store_enabled=False,
        check_targets={"nowhere": "tcp://127.0.0.1:9"},  # refused at once: unhealthy, fast
    )
    app = create_app(app_settings)
    return app, remember_token(TokenRegistry(app_settings).admin_token())


# PUT /api/v1/log-level is called with every level: the tests after these keep theirs.
pytestmark = pytest.mark.usefixtures("log_levels_come_back")


APP, ADMIN_TOKEN = _build_app()
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Unknown query parameters are ignored, as HTTP servers do: not an input the API must refuse.
schema.config.generation.update(allow_extra_parameters=False)
# schemathesis keeps its cache in ./.schemathesis/ and reports in ./schemathesis-report/, under
# the working directory, which is the checkout when scripts/test runs: here they go with the
# app's files instead (tests/scripts/test_scripts.py checks the checkout stays clean).
schema.config.cache.directory = FOLDER / "schemathesis"
schema.config.reports.directory = FOLDER / "schemathesis-report"

FUZZ = settings(
    max_examples=25,
    deadline=None,
    # The same examples every run: schemathesis's negative_data_rejection can count a query
    # value generated as a non-string (true, 0) as invalid although HTTP sends it as the
    # valid string "true" (its issues #2312, #3962), which would fail a run now and then.
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_within_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH)


Workflow = schema.as_state_machine()


class AuthorizedWorkflow(Workflow):  # type: ignore[misc,valid-type]
    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
        return {"headers": AUTH}


TestStatefulWorkflow = AuthorizedWorkflow.TestCase
TestStatefulWorkflow.settings = settings(
    max_examples=10,
    stateful_step_count=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
