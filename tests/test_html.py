"""feedback.html, the HTML in Gradescope's results.json, and the class report.html."""

import base64
import dataclasses
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, unquote

import imageio.v3 as iio
import pytest

from grader.model.results import (
    CheckResult,
    Counterexample,
    ExerciseResult,
    SubmissionResult,
    Timings,
)
from grader.output.class_report import FIGURES, SLOWEST, timing_figure, write_class_report
from grader.output.html import feedback_page
from grader.output.report import gradescope_results, write_submission
from solutions import convolutions as reference

from conftest import text_of
from fake_caller import graded_here


class Page(HTMLParser):
    """The tags of an HTML page that matter here: its pictures by the section they are in."""

    def __init__(self, html: str):
        super().__init__()
        self.section, self.images, self.heading = "", [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.heading, self.section = True, ""
        if tag == "img":
            attributes = dict(attrs)
            self.images.append((self.section, attributes["src"], attributes.get("alt", "")))

    def handle_endtag(self, tag):
        self.heading = self.heading and tag != "h2"

    def handle_data(self, data):
        if self.heading and not self.section:
            self.section = data  # the exercise's name, which opens its heading


@pytest.fixture(scope="module")
def linus(graded_here_with_pictures):
    return graded_here_with_pictures


def test_feedback_html_has_a_picture_for_every_exercise_and_every_failing_input(linus):
    page = Page(feedback_page(linus))
    sections = {section for section, _, _ in page.images}
    assert sections == {"get_subimages", "convolve", "template_match"}
    grids = [alt for section, src, alt in page.images if src.startswith("data:image/svg+xml")]
    assert grids == ["image", "kernel", "expected", "got"]  # the one failing input of convolve
    photos = [src for _, src, _ in page.images if src.startswith("data:image/png")]
    assert len(photos) == 4 + 3 * 4 + 3  # template_match's own picture is missing
    for src in photos:
        assert iio.imread(base64.b64decode(src.split(",", 1)[1]), extension=".png").size


def test_feedback_html_stands_alone_and_runs_nothing(linus):
    html = feedback_page(linus)
    assert "<script" not in html
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and all(source.startswith("data:") for source in sources)


def test_feedback_html_says_what_feedback_md_says(linus):
    text = text_of(feedback_page(linus))
    for line in ("Score: 5 / 10", "FAIL any kernel (0/1)", "PASS symmetric kernels (1/1)",
                 "Smallest input found that fails; paste it into a cell to try it:",
                 "First difference at index (", "`template_match` is not defined after running"
                 .replace("`", "")):
        assert line in text, line


def test_text_from_a_student_is_escaped():
    raised = "raised ValueError: <script>alert(1)</script>"
    example = Counterexample((("image", "np.array([[1]])"),), "np.array([[1.0]])", raised, raised)
    check = CheckResult("convolve", "any kernel", "Values are right.", 1, "failed", raised,
                        example)
    result = SubmissionResult("<b>mallory</b>", "", "graded",
                              (ExerciseResult("convolve", (check,)),),
                              message="<img src=x onerror=alert(1)>")
    html = feedback_page(result)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>mallory" not in html
    assert "raised ValueError: <script>alert(1)</script>" in text_of(html)


def test_gradescope_results_carry_the_feedback_in_html(linus, tmp_path):
    results = gradescope_results(linus)
    assert (results["output_format"], results["test_output_format"]) == ("html", "html")
    assert results["output"].count("<img") == feedback_page(linus).count("<img")
    (failed,) = [test for test in results["tests"] if test["status"] == "failed"][:1]
    assert failed["name"] == "convolve: any kernel" and failed["output_format"] == "html"
    assert failed["output"].count('src="data:image/svg+xml') == 4
    assert "Smallest failing input:\nimage = np.array(" in text_of(failed["output"])
    assert all("showcases" not in e for e in results["extra_data"]["grader"]["exercises"])
    write_submission(tmp_path, linus)
    assert json.loads((tmp_path / "linus" / "results.json").read_text()) == results
    assert (tmp_path / "linus" / "feedback.html").read_text() == feedback_page(linus)


@pytest.fixture(scope="module")
def report(assignment, linus, tmp_path_factory):
    right = graded_here(assignment, {name: getattr(reference, name) for name in
                                     ("get_subimages", "convolve", "template_match")},
                        submission="ada")
    out = tmp_path_factory.mktemp("grades")
    path = write_class_report(out, assignment, [linus, right])
    return out, path.read_text()


def test_the_class_report_writes_its_figures_as_png_and_embeds_them(report):
    out, html = report
    pngs = {path.name: iio.imread(path) for path in (out / FIGURES).iterdir()}
    assert set(pngs) == {"scores.png", "pass_rates.png", "timing.png"}
    assert all(image.shape[0] > 100 and image.shape[1] > 100 for image in pngs.values())
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert sorted(base64.b64decode(data) for data in embedded) == sorted(
        (out / FIGURES / name).read_bytes() for name in pngs)


def test_the_class_report_names_the_failing_sub_checks_with_an_example(report):
    _, html = report
    text = text_of(html)
    assert "2 submissions; mean score 7.5 of 10." in text
    failing = text.split("Most common failing sub-checks")[1].split("Submissions")[0]
    # A missing function is not a failing sub-check: its checks could not run (see stats).
    assert failing.startswith("convolve: any kernel (1 of 2)Failed by linus.Example, from linus:")
    assert failing.count("paste it into a cell") == 1 and "template_match" not in failing
    assert 'href="linus/feedback.html"' in html and 'href="ada/feedback.html"' in html
    assert "graded2" in text.split("Statuses")[1]


def timed(name: str, seconds: float) -> SubmissionResult:
    return SubmissionResult(name, "", "graded", timings=Timings(kernel_start=1.0, execution=seconds))


def test_the_timing_figure_of_a_large_class_is_no_taller_than_a_small_ones():
    small = iio.imread(timing_figure([timed(f"s{i:03}", i / 10) for i in range(SLOWEST)]))
    large = iio.imread(timing_figure([timed(f"s{i:03}", i / 10) for i in range(300)]))
    assert large.shape[0] == small.shape[0] < 1200


def test_the_class_report_links_to_feedback_whatever_the_submissions_name(assignment, linus,
                                                                          tmp_path):
    names = ["José Núñez – convolutions (1)", "first#try?v=2", "50% done & more"]
    results = [dataclasses.replace(linus, id=name) for name in names]
    html = write_class_report(tmp_path, assignment, results).read_text()
    links = re.findall(r'<a href="([^"]*)">', html)
    assert links == [quote(name) + "/feedback.html" for name in sorted(names)]
    assert [unquote(link) for link in links] == [f"{name}/feedback.html" for name in sorted(names)]
    assert all(re.fullmatch(r"[A-Za-z0-9%._~/-]+", link) for link in links)
