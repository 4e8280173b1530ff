"""`make screenshots`: the README's 390-px pictures of what a parent and a teacher see — the
cabinet, the wallet on a program's page, a child's week of lessons and the teacher's day —
written to docs/screenshots/.

The demo is built in a throwaway SQLite database on a fixed clock (Monday 23.11.2026, 16:00 in
Moscow: the demo teacher's group meets on Mondays, and the pictures change only when the pages
do), served from a thread as the browser tests' live server is, and photographed by the
system Chromium through Playwright (no browser is downloaded).
"""

import datetime
import os
import sys
import tempfile
import threading
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
MOMENT = datetime.datetime(2026, 11, 23, 16, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))
CHROMIUM = os.environ.get("KRUZHOK_CHROMIUM", "/usr/bin/chromium")
PHONE_CONTEXT = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "has_touch": True,
    "is_mobile": True,
    "locale": "ru-RU",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "demo-kruzhok-2026"


def _serve() -> tuple[str, object]:
    """The portal with its static files on a free local port, from a daemon thread."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import QuietWSGIRequestHandler

    server = ThreadedWSGIServer(
        ("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False
    )
    server.set_app(StaticFilesHandler(WSGIHandler()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def _log_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/accounts/login/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium package (`make chromium`)")
        return 1
    import time_machine

    workdir = tempfile.mkdtemp(prefix="kruzhok-screenshots-")
    os.environ["KRUZHOK_SQLITE_PATH"] = str(Path(workdir) / "demo.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
    os.environ.setdefault("KRUZHOK_FAST_PASSWORD_HASHER", "1")
    with time_machine.travel(MOMENT, tick=True):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("demo_load", verbosity=0)

        from kruzhok.accounts.models import User
        from kruzhok.catalog.models import Program
        from kruzhok.families.selectors import child_list_for_guardian

        parent = User.objects.get(email="parent@demo.kruzhok.ru")
        child = child_list_for_guardian(user=parent).order_by("birth_date").last()
        program = Program.objects.get(title="Робототехника")
        assert child is not None
        pages = {
            "cabinet": "/cabinet/",
            "wallet": f"/catalog/programs/{program.pk}/",
            "week": f"/cabinet/children/{child.pk}/calendar/",
        }
        base, server = _serve()
        from playwright.sync_api import sync_playwright

        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(**PHONE_CONTEXT)
            page = context.new_page()
            _log_in(page, base, parent.email)
            for name, path in pages.items():
                page.goto(base + path)
                if name == "wallet":
                    page.get_by_test_id("estimate").first.scroll_into_view_if_needed()
                    page.evaluate("window.scrollBy(0, -120)")
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"{name}: {OUT / f'{name}.png'}")
            context.close()
            context = browser.new_context(**PHONE_CONTEXT)
            page = context.new_page()
            _log_in(page, base, "teacher@demo.kruzhok.ru")
            page.screenshot(path=str(OUT / "teachers-day.png"))
            print(f"teachers-day: {OUT / 'teachers-day.png'}")
            context.close()
            browser.close()
        server.shutdown()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
