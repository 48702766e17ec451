"""feedback.html and report.html open in a real browser, headless Chromium, with every picture.

Skipped where Chromium is not installed, unless GRADER_REQUIRE_BROWSER=1 (CI sets it, and
installs Debian's `chromium`): then a missing browser fails the test.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import imageio.v3 as iio
import numpy as np
import pytest

from grader.output.class_report import write_class_report
from grader.output.html import feedback_page

BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
               None)


@pytest.fixture(scope="module", autouse=True)
def browser():
    """Chromium's path; the tests skip without it, or fail where CI requires it."""
    if BROWSER is None and os.environ.get("GRADER_REQUIRE_BROWSER") == "1":
        pytest.fail("GRADER_REQUIRE_BROWSER=1, but no Chromium is installed: apt-get install "
                    "chromium", pytrace=False)
    if BROWSER is None:
        pytest.skip("no Chromium here to open the HTML in (apt-get install chromium)")
    return BROWSER

# Added to a copy of the page under test: once every picture has loaded, or failed to, list them.
PROBE = (
    '<script>window.addEventListener("load", () => {'
    ' const list = document.createElement("pre"); list.id = "loaded-images";'
    " list.textContent = JSON.stringify(Array.from(document.images,"
    " image => [image.alt, image.complete, image.naturalWidth, image.naturalHeight]));"
    " document.body.appendChild(list); });</script>"
)


def chromium(*arguments: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", *arguments],
            capture_output=True, text=True, timeout=120,
        )


def loaded_images(page) -> list:
    probe = page.with_name(f"probed-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                     encoding="utf-8")
    shown = chromium("--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="loaded-images">(.*?)</pre>', shown.stdout, re.S)
    assert found, f"the page did not finish loading in Chromium: {shown.stderr[-2000:]}"
    return json.loads(found.group(1))


def screenshot(page, tmp_path) -> np.ndarray:
    picture = tmp_path / f"{page.stem}.png"
    chromium("--hide-scrollbars", "--window-size=1200,2400", f"--screenshot={picture}",
             page.as_uri())
    return iio.imread(picture)


@pytest.fixture(scope="module")
def pages(assignment, graded_here_with_pictures, tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    feedback = out / "linus" / "feedback.html"
    feedback.parent.mkdir()
    feedback.write_text(feedback_page(graded_here_with_pictures), encoding="utf-8")
    return feedback, write_class_report(out, assignment, [graded_here_with_pictures])


def test_feedback_html_shows_every_picture_in_chromium(pages):
    images = loaded_images(pages[0])
    assert len(images) == 4 + 4 + 3 * 4 + 3  # windows, the failing input's grids, convolve, template
    assert all(complete and width > 0 and height > 0 for _, complete, width, height in images), images
    assert [alt for alt, *_ in images[4:8]] == ["image", "kernel", "expected", "got"]


def test_report_html_shows_every_figure_in_chromium(pages):
    images = loaded_images(pages[1])
    assert len(images) >= 3 + 4  # the figures, and the example's grids
    assert all(complete and width > 100 for _, complete, width, _ in images[:3]), images
    assert all(complete and width > 0 for _, complete, width, _ in images), images


def test_chromium_draws_the_pages(pages, tmp_path):
    for page in pages:
        picture = screenshot(page, tmp_path)
        assert picture.shape[:2] == (2400, 1200)
        assert len(np.unique(picture.reshape(-1, picture.shape[-1]), axis=0)) > 100, page.name
