"""Browser tests: Playwright drives the system Chromium (Debian's `chromium` package), headless.

`make test` installs Chromium when it is missing; Playwright's own browser downloads are never
used. A failed step leaves a screenshot in test-artifacts/.
"""

import datetime
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KRUZHOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# A phone: its screen, touch, and the mobile viewport meta tag taken into account.
PHONE_CONTEXT = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "locale": "ru-RU"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def begun_lesson_start() -> datetime.time:
    """A start time for today's lesson that has already come (a lesson not yet begun cannot
    be marked): 15:00 from 16:00 on, midnight before — so a test marking today's lesson passes
    whatever the hour it runs at."""
    from django.utils import timezone

    return datetime.time(15, 0) if timezone.localtime().hour >= 16 else datetime.time(0, 0)


@pytest.fixture
def chromium() -> Iterator[object]:
    """A headless system Chromium; on CI a missing one fails the run, elsewhere it is skipped."""
    if not (Path(CHROMIUM).exists() and shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screenshot_on_failure(
    request: pytest.FixtureRequest, chromium: object
) -> Iterator[list[object]]:
    """Pages registered here are photographed into test-artifacts/ if the test fails."""
    pages: list[object] = []
    yield pages
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, page in enumerate(pages):
            path = ARTIFACTS / f"{request.node.name}-{index}.png"
            try:
                page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
            except Exception as exc:  # the page may be closed already
                print(f"screenshot {path} not taken: {exc}")
            else:
                print(f"screenshot: {path}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
