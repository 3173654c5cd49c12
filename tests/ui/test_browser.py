"""The UI in headless Chromium (Debian's, driven by Playwright) against the stub upstream.

Edge cases the real system cannot produce on demand live here; test_real_stack.py covers
the same pages over the real services.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import OutageSetup, screenshot

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_submitting_the_form_shows_probability_and_model_version(page: Page, ui_url: str):
    page.goto(ui_url + "/")
    expect(page.get_by_test_id("header-model")).to_have_text("Model v7")
    page.get_by_label("First class").check()
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Age in years").fill("38")
    page.get_by_label("Fare paid (pounds, 1912)").fill("71.28")
    page.get_by_label("Cherbourg").check()
    page.get_by_label("Name (optional)").fill("Cumings, Mrs. John Bradley")
    page.get_by_role("button", name="Estimate survival").click()

    expect(page.get_by_test_id("probability")).to_have_text(re.compile(r"^\d{1,3}%$"))
    expect(page.get_by_test_id("model-version")).to_have_text("7")
    expect(page.get_by_test_id("verdict")).to_contain_text("Likely to have survived")
    expect(page.get_by_test_id("reasons")).to_contain_text("Sex: female")
    page.get_by_test_id("try-again").click()
    expect(page.get_by_role("button", name="Estimate survival")).to_be_visible()


def test_invalid_age_shows_the_field_message_and_keeps_other_inputs(page: Page, ui_url: str):
    page.goto(ui_url + "/")
    page.get_by_label("Second class").check()
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Age in years").fill("150")
    page.get_by_label("Fare paid (pounds, 1912)").fill("13")
    page.get_by_label("Cabin (optional)").fill("D26")
    page.get_by_role("button", name="Estimate survival").click()

    age = page.get_by_label("Age in years")
    expect(page.locator("#age-error")).to_have_text(
        "Age in years must be a number from 0 to 120, or left empty if unknown."
    )
    expect(age).to_have_attribute("aria-invalid", "true")
    expect(age).to_have_value("150")
    expect(page.get_by_label("Second class")).to_be_checked()
    expect(page.get_by_label("Male", exact=True)).to_be_checked()
    expect(page.get_by_label("Fare paid (pounds, 1912)")).to_have_value("13")
    expect(page.get_by_label("Cabin (optional)")).to_have_value("D26")


def test_post_without_csrf_token_is_refused(page: Page, ui_url: str):
    page.goto(ui_url + "/")
    # Drop the hidden token as a forged cross-site form would lack it.
    page.locator("input[name=csrf_token]").evaluate("el => el.remove()")
    with page.expect_response(ui_url + "/predict") as response:
        page.get_by_role("button", name="Estimate survival").click()
    assert response.value.status == 403
    expect(page.get_by_role("heading", name="Request refused")).to_be_visible()
    expect(page.get_by_test_id("probability")).to_have_count(0)


def test_stopped_model_service_shows_outage_message(page: Page, ui_with_own_model: OutageSetup):
    page.goto(ui_with_own_model.ui_url + "/")
    expect(page.get_by_test_id("outage")).to_have_count(0)
    ui_with_own_model.model.stop()

    response = page.goto(ui_with_own_model.ui_url + "/")
    assert response is not None and response.status == 200
    expect(page.get_by_test_id("outage")).to_contain_text("model service cannot be reached")
    expect(page.get_by_test_id("header-model")).to_have_text("Model service unavailable")
    page.get_by_role("button", name="Estimate survival").click()
    expect(page.get_by_test_id("outage")).to_be_visible()
    expect(page.get_by_label("Age in years")).to_have_value("29")


def test_models_page_renders_plots(page: Page, ui_url: str):
    page.goto(ui_url + "/models")
    charts = page.get_by_test_id("model-charts")
    expect(charts.get_by_role("img", name="Confusion matrix")).to_be_visible()
    expect(charts.get_by_role("img", name="ROC curve")).to_be_visible()
    expect(charts.get_by_role("img", name="Calibration plot")).to_be_visible()
    expect(page.get_by_test_id("versions").locator("tbody tr")).to_have_count(2)


def test_drift_page_renders_plots(page: Page, ui_url: str):
    page.goto(ui_url + "/drift")
    expect(page.get_by_test_id("header-drift")).to_have_text("Drift detected")
    expect(page.get_by_test_id("p-values").get_by_role("img")).to_be_visible()
    expect(page.get_by_test_id("histograms").get_by_role("img")).to_have_count(2)
    expect(page.get_by_test_id("events").locator("tbody tr")).to_have_count(2)


def test_form_is_usable_on_a_phone(browser: Browser, ui_url: str):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(ui_url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "form-phone")
    context.close()
    assert width <= 375


def test_form_works_from_the_keyboard(page: Page, ui_url: str):
    page.goto(ui_url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Age in years").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("probability")).to_be_visible()
