"""``singletable ui`` in a real browser: Debian's chromium driven by Playwright (PyPI), against the page
served on the local engine with the demo data (tests/integration/ui_support.py).

One browser and one page server for the module. Where chromium or playwright is missing, every test
skips and says why (scripts/install-chromium.sh installs chromium; ``make test`` runs it).
With ``SINGLETABLE_UI_SCREENSHOTS=docs/ui`` (``make ui-screenshots``) each page is saved there as PNG.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.ui_support import MANY, XSS, demo_page

# One worker runs the whole module under `make test` (-n 2 --dist loadgroup): one browser, one server.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ui-browser")]

CHROMIUM = "/usr/bin/chromium"
# The flags this machine kind needs (see the environment notes): no GPU, no QUIC, no background
# networking (the closed network refuses it), no first-run or sync chatter.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1100, "height": 760}
SHOTS = os.environ.get("SINGLETABLE_UI_SCREENSHOTS")


def _why_no_browser() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Debian's chromium is not installed at {CHROMIUM}: run scripts/install-chromium.sh (make test does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="module")
def server(singletable_endpoint: str) -> Iterator[Any]:
    with demo_page(singletable_endpoint, write=True) as s:
        yield s


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    why = _why_no_browser()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh --user-data-dir
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            headless=True,
            args=FLAGS,
            viewport=VIEWPORT,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page()
    dialogs: list[str] = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p.dialogs = dialogs
    yield p
    assert dialogs == [], f"a script ran on the page: {dialogs}"
    p.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def click(locator: Any) -> None:
    """Click a link or a submit button and wait until the page it leads to has loaded."""
    with locator.page.expect_navigation():
        locator.click()


def go(page: Any, server: Any, path: str) -> Any:
    sep = "&" if "?" in path else "?"
    return page.goto(f"{server.base}{path}{sep}token={server.app.state.page.token}")


def test_overview_lists_entities_patterns_counts_settings_and_drift(page: Any, server: Any) -> None:
    response = page.goto(server.url)
    assert response.status == 200
    entities = page.locator("#entities")
    for name, template in (
        ("User", "USER#{user_id}"),
        ("Order", "ORDER#{order_id}"),
        ("UserOrder", "ORDER#{order_id}"),
    ):
        assert entities.get_by_text(name, exact=True).first.is_visible()
        assert entities.get_by_text(template, exact=True).first.is_visible()
    assert page.get_by_role("link", name="reverse UserOrder").is_visible()
    user_row = entities.locator("tr", has=page.get_by_text("PROFILE", exact=True))
    assert user_row.locator("td.count").inner_text().startswith("10")  # 8 generated, 123 and "many"
    assert "PAY_PER_REQUEST" in page.locator("#settings").inner_text()
    # The demo table has deletion protection off; the module's default is on: doctor's drift.
    assert "deletion protection" in page.locator("#drift").inner_text()
    shot(page, "overview")


def test_user_partition_shows_the_user_and_its_orders_typed(page: Any, server: Any) -> None:
    go(page, server, "/partition")
    form = page.locator("form.by-entity[data-entity=User]")
    form.get_by_placeholder("user_id").fill("123")
    click(form.get_by_role("button", name="its partition"))
    rows = page.locator("#rows .item")
    assert rows.count() == 3  # profile, the edge to ORDER#456, the hand-written note
    user = page.locator("#rows .item[data-entity=User]")
    assert user.locator(".badge").inner_text() == "User"
    assert "John Doe" in user.inner_text()
    assert user.locator("tr.keys").inner_text().split()[:2] == ["user_id", "123"]  # decoded from USER#123
    order = page.locator("#rows .item[data-entity=UserOrder]")
    assert "order_id\t456" in order.inner_text() and "2023-02-15" in order.inner_text()
    assert "date" in order.locator("tr", has_text="order_date").inner_text()  # typed by the entity
    groups = page.locator("#rows section.group")
    assert [groups.nth(i).locator("h3").inner_text() for i in range(groups.count())] == [
        "(not an entity)",  # NOTE#1 sorts first
        "UserOrder",
        "User",
    ]
    shot(page, "partition")
    click(page.locator("#toggle-order"))
    assert page.locator("#rows > .item").count() == 3  # one list in sort-key order
    click(page.locator("#toggle-raw"))
    assert '"S": "USER#123"' in page.locator("#rows").inner_text()


def test_reverse_lookup_of_order_456_through_gsi1(page: Any, server: Any) -> None:
    go(page, server, "/partition")
    form = page.locator("form.by-entity[data-entity=UserOrder]")
    form.get_by_placeholder("order_id").fill("456")
    click(form.get_by_role("button", name="who holds"))
    assert "ORDER#456 in GSI1" in page.locator("h2").first.inner_text()
    edge = page.locator("#rows .item[data-entity=UserOrder]")
    assert edge.count() == 1
    assert "USER#123 / ORDER#456" in edge.inner_text()
    shot(page, "reverse")


def test_pagination_by_cursor(page: Any, server: Any) -> None:
    go(page, server, f"/partition?pk=USER%23{MANY}")
    first = page.locator("#rows .item").count()
    assert first == 25
    click(page.locator("#next"))
    assert page.locator("#rows .item").count() == 31 - 25  # 30 orders and the profile
    assert page.locator("#next").count() == 0


def test_access_pattern_runner_shows_result_request_and_capacity(page: Any, server: Any) -> None:
    go(page, server, "/patterns?id=query:UserOrder")
    runner = page.locator("#runner")
    runner.locator("input[name=user_id]").fill(MANY)
    runner.locator("select[name=op]").select_option("between")
    runner.locator("input[name=value]").fill("ORDER#9000")
    runner.locator("input[name=high]").fill("ORDER#9004")
    click(runner.get_by_role("button", name="Run"))
    assert page.locator("#rows .item[data-entity=UserOrder]").count() == 5
    request = page.locator("#request").inner_text()
    assert "BETWEEN" in request and '"IndexName"' not in request
    assert "0.5" in page.locator("#consumed").inner_text()  # 5 small items, eventually consistent: 0.5 RCU
    shot(page, "patterns")


def test_edit_conflict_from_a_second_tab_loses_nothing(browser: Any, page: Any, server: Any) -> None:
    second = browser.new_page()
    try:
        go(page, server, "/item?pk=USER%23123&sk=PROFILE")
        go(second, server, "/item?pk=USER%23123&sk=PROFILE")
        first_text = page.locator("#item-json").input_value()
        page.locator("#item-json").fill(first_text.replace("John Doe", "John First"))
        click(page.get_by_role("button", name="Save"))
        assert page.locator("#saved").is_visible()
        mine = second.locator("#item-json").input_value().replace("john@example.com", "second@example.com")
        second.locator("#item-json").fill(mine)
        click(second.get_by_role("button", name="Save"))
        assert "Conflict" in second.locator("#conflict").inner_text()
        assert second.locator("#item-json").input_value() == mine  # the second tab's edit is kept
        assert "John First" in second.locator("#current").inner_text()  # beside the item as it is now
        shot(second, "conflict")
        go(page, server, "/item?pk=USER%23123&sk=PROFILE")
        assert "John First" in page.locator("#item-json").input_value()  # the first save stands
        # Saving again from the conflict page is deliberate and is conditioned on what it showed.
        click(second.get_by_role("button", name="Save"))
        assert second.locator("#saved").is_visible()
    finally:
        second.close()


def test_an_edit_its_entity_refuses_is_not_sent(page: Any, server: Any) -> None:
    go(page, server, "/item?pk=ORDER%23456&sk=METADATA")
    text = page.locator("#item-json").input_value()
    page.locator("#item-json").fill(text.replace("99.99", '"lots"'))
    click(page.get_by_role("button", name="Save"))
    assert "total" in page.locator("#error").inner_text()
    go(page, server, "/item?pk=ORDER%23456&sk=METADATA")
    assert "99.99" in page.locator("#item-json").input_value()


def test_delete_asks_for_confirmation(page: Any, server: Any) -> None:
    go(page, server, "/item?pk=USER%23many&sk=ORDER%239029")
    click(page.locator("#delete-link"))
    assert page.get_by_role("button", name="Yes, delete this item").is_visible()
    click(page.get_by_role("button", name="Yes, delete this item"))
    assert page.locator("#deleted").is_visible()
    go(page, server, "/item?pk=USER%23many&sk=ORDER%239029")
    assert "No item with this key" in page.locator("main").inner_text()


def test_the_xss_item_renders_as_text(page: Any, server: Any) -> None:
    go(page, server, "/partition?pk=USER%23123")
    note = page.locator("#rows .item", has_text="NOTE#1")
    assert note.locator("td.value", has_text="alert").inner_text() == XSS
    assert page.locator("#rows script").count() == 0
    # the page fixture asserts no dialog was opened


def test_capacity_page_shows_the_ledger_and_the_cost_plot(page: Any, server: Any) -> None:
    go(page, server, "/patterns?id=query:UserOrder&user_id=123&run=1")  # a pattern in the ledger
    go(page, server, "/capacity")
    ledger = page.locator("#ledger").inner_text()
    assert "ui: partition" in ledger and "query UserOrder" in ledger
    assert page.locator("#plot").is_visible()
    assert page.locator("#plot").evaluate("img => img.naturalWidth") > 0
    shot(page, "capacity")


def test_a_request_without_the_token_is_refused(page: Any, server: Any) -> None:
    response = page.goto(f"{server.base}/partition?pk=USER%23123")
    assert response.status == 403
    assert "token" in page.locator("body").inner_text()
    wrong = page.goto(f"{server.base}/?token=not-the-token")
    assert wrong.status == 403
