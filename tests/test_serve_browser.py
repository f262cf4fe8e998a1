"""The try-it page of `illm serve` in a real headless browser (Debian's chromium, driven by Selenium).

Set up with ``bash scripts/install-browser.sh`` (apt chromium + chromium-driver,
pip selenium). The browser is the distribution's; nothing is downloaded at
test time, and it only ever talks to the loopback server the test started.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
# CI sets ILLM_REQUIRE_BROWSER=1 after installing the browser: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("ILLM_REQUIRE_BROWSER") == "1"
if REQUIRED:
    import selenium
else:
    selenium = pytest.importorskip("selenium", reason="selenium is not installed: run `bash scripts/install-browser.sh`")

from ._runs_interactive import Server, trained_run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not REQUIRED and not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="Debian's chromium and chromium-driver are not installed: run `bash scripts/install-browser.sh`",
)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-extensions", "--disable-sync", "--window-size=1000,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout: float = 20.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_serve_browser_page_shows_label_bars(tmp_path_factory: pytest.TempPathFactory, browser) -> None:
    import httpx
    from selenium.webdriver.common.by import By

    run_dir = trained_run(tmp_path_factory, "classify")
    server = Server(run_dir)
    try:
        browser.get(server.url + "/")
        _wait(browser, lambda d: "classify" in d.find_element(By.ID, "summary").text)
        assert "labels: neg, pos" in browser.find_element(By.ID, "summary").text
        info_terms = [dt.text for dt in browser.find_elements(By.CSS_SELECTOR, "#info dt")]
        assert "metrics.accuracy" in info_terms
        text = "A wonderful, moving film."
        box = browser.find_element(By.ID, "text")
        box.clear()
        box.send_keys(text)
        browser.find_element(By.ID, "send").click()
        _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bars li.bar")) == 2)
        shown_label = browser.find_element(By.ID, "label").text
        bars = {li.get_attribute("data-label"): float(li.get_attribute("data-probability"))
                for li in browser.find_elements(By.CSS_SELECTOR, "#bars li.bar")}
        api = httpx.post(server.url + "/predict", json={"texts": [text]}).json()["predictions"][0]
        assert shown_label == api["label"]
        assert bars == pytest.approx(api["probabilities"], abs=1e-4)
        widths = [li.find_element(By.CSS_SELECTOR, ".fill").value_of_css_property("width")
                  for li in browser.find_elements(By.CSS_SELECTOR, "#bars li.bar")]
        assert float(widths[0].rstrip("px")) >= float(widths[1].rstrip("px"))  # most probable first, widest bar
        # an error from the service is shown on the page, not swallowed
        box.clear()
        box.send_keys("x" * 10_001)
        browser.find_element(By.ID, "send").click()
        _wait(browser, lambda d: d.find_element(By.ID, "error").is_displayed())
        assert "10,000" in browser.find_element(By.ID, "error").text
    finally:
        server.stop()


def test_serve_browser_page_shows_generated_text(tmp_path_factory: pytest.TempPathFactory, browser) -> None:
    import httpx
    from selenium.webdriver.common.by import By

    server = Server(trained_run(tmp_path_factory, "generate"))
    try:
        browser.get(server.url + "/")
        _wait(browser, lambda d: d.find_element(By.ID, "settings").is_displayed())
        browser.find_element(By.ID, "setting-seed").send_keys("21")
        browser.find_element(By.ID, "setting-max_length").send_keys("6")
        browser.find_element(By.ID, "text").send_keys("Anne was")
        browser.find_element(By.ID, "send").click()
        _wait(browser, lambda d: d.find_element(By.ID, "generated").text.strip() != "")
        api = httpx.post(server.url + "/predict", json={"texts": ["Anne was"], "seed": 21, "max_length": 6}).json()
        assert browser.find_element(By.ID, "generated").text.strip() == api["predictions"][0]["text"].strip()
    finally:
        server.stop()
