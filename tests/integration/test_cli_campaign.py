"""`union-ledger campaign launch | list | progress | close` on SQLite and PostgreSQL: an official
launches a campaign with targets, joins are attributed, progress per group; refusals exit 1."""

from __future__ import annotations

import random
from datetime import date, timedelta

from api.wiring import build_runtime
from tests.builders import join_request, person
from tests.integration.test_cli import cli  # noqa: F401 (the fixture)


def test_an_official_launches_a_campaign_sees_its_progress_and_closes_it(cli):  # noqa: F811
    tree, today = cli.tree, date.today()
    period = ["--from", str(today - timedelta(days=5)), "--to", str(today + timedelta(days=5))]
    launched = cli("campaign", "launch", "--id", "XM-CLI-1", "--name", "思明区入会集中行动",
                   "--organiser", tree.county, "--region", "350203", *period,
                   "--target", "courier=40", "--target", "food_delivery_rider=10")
    assert launched.exit_code == 0, launched.output
    rt = build_runtime(cli.settings, today=date.today)
    try:
        for i, group in enumerate(("courier", "courier", "food_delivery_rider")):
            rt.ledger.join(join_request(person(random.Random(i)), tree.village, group=group))
    finally:
        rt.close()

    listed = cli("campaign", "list", "--active")
    assert listed.exit_code == 0 and "XM-CLI-1" in listed.output and "50" in listed.output
    shown = cli("campaign", "progress", "XM-CLI-1")
    assert shown.exit_code == 0, shown.output
    lines = [" ".join(ln.split("│")).split() for ln in shown.output.splitlines()]
    assert ["快递员", "40", "2", "5%"] in lines
    assert ["合计", "50", "3"] in lines
    assert cli("campaign", "close", "XM-CLI-1", "--reason", "结束").exit_code == 0
    assert "XM-CLI-1" not in cli("campaign", "list", "--active").output

    refused = cli("campaign", "launch", "--id", "XM-CLI-2", "--name", "x", "--organiser",
                  tree.county, "--region", "350203", *period, "--target", "courier=lots")
    assert refused.exit_code == 1 and "campaign.target" in refused.output
