"""The course in a real browser (headless Chromium, Selenium): `make test-browser`.

1. JupyterLab on a copy of exercises/: the first cell runs twice without a false "fill in the blank"
   and shows no `True`; Exercise V's check run too early says so in one line; the blanks of
   Exercise V are replaced by typing the solution into the CodeMirror editor; the exercise cell
   and its check then run, and the check prints "correct".
2. Every build/*.html with the network switched off: each equation is rendered MathML (no raw
   TeX left in the text), every image has an alternative text, links between lessons point at
   pages, and nothing was requested from anywhere but the file itself.
3. The live explorers in JupyterLab on a copy of notebooks/: lesson 01's gradient-flow explorer redraws
   its figure when its sequence-length slider is dragged; lesson 03's review explorer shows a new
   probability when a review is typed into its box. A failing step leaves a screenshot in
   build/browser-artifacts/.

Not part of `make test`/`pytest tests` (see conftest.py); needs `apt-get install chromium chromium-driver`.
"""

import json
import re
import time
from urllib.parse import urlsplit

import nbformat
import pytest

from rnncourse.paths import lesson_notebooks, repo_root
from rnncourse.tools import exercises
from rnncourse.tools.html import formulas

NOTEBOOK = "03_embedding_layer.ipynb"  # Exercise V: no data set and no weights to load, the fastest
EXERCISE = "V"
BUILD = repo_root() / "build"

# JupyterLab's own objects (exposed by --LabApp.expose_app_in_browser) for what keys cannot do:
# finding a cell, scrolling it into view, placing the cursor on a blank, reading outputs.
JS_PANEL = """
const app = window.jupyterapp;
if (!app) return null;
const panel = [...app.shell.widgets('main')].find(w => w.context && w.context.path === arguments[0]);
if (!panel || !panel.context.isReady || !panel.sessionContext.session || !panel.sessionContext.session.kernel) return null;
"""
JS_READY = (
    JS_PANEL
    + """
const kernel = panel.sessionContext.session.kernel;
return kernel.status === 'idle' && panel.content.widgets.length > 0 ? panel.content.widgets.length : null;
"""
)
JS_CELLS = (
    JS_PANEL
    + """
return panel.content.widgets.map((cell, index) => ({
  index: index, id: cell.model.id, type: cell.model.type,
  info: cell.model.getMetadata('rnncourse') || null,
  source: cell.model.sharedModel.getSource(),
}));
"""
)
JS_SELECT = (
    JS_PANEL
    + """
const done = arguments[arguments.length - 1];
const notebook = panel.content;
notebook.activeCellIndex = arguments[1];
notebook.mode = 'command';
Promise.resolve(notebook.scrollToItem ? notebook.scrollToItem(arguments[1], 'center') : null)
  .then(() => { notebook.activeCell.node.focus(); done(true); }, () => done(false));
"""
)
JS_BLANK = (
    JS_PANEL
    + """
const notebook = panel.content;
notebook.activeCellIndex = arguments[1];
notebook.mode = 'edit';
const editor = notebook.activeCell.editor;
if (!editor) return -1;
const text = editor.model.sharedModel.getSource();
const at = text.indexOf('____');
if (at >= 0) {
  editor.setSelection({start: editor.getPositionAt(at), end: editor.getPositionAt(at + 4)});
}
editor.focus();
return at;
"""
)
JS_STATE = (
    JS_PANEL
    + """
const cell = panel.content.widgets[arguments[1]];
const area = cell.outputArea ? cell.outputArea.node.innerText : '';
return {count: cell.model.executionCount, output: area, outputs: cell.model.outputs.toJSON(),
        busy: panel.sessionContext.session.kernel.status !== 'idle'};
"""
)


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Notebook:
    """One notebook open in JupyterLab, driven with keystrokes where a learner would type."""

    def __init__(self, driver, path):
        self.driver, self.path = driver, path

    def cells(self):
        return self.driver.execute_script(JS_CELLS, self.path)

    def find(self, role, exercise=EXERCISE):
        return next(
            cell["index"]
            for cell in self.cells()
            if (cell["info"] or {}).get("role") == role and cell["info"].get("exercise") == exercise
        )

    def state(self, index):
        return self.driver.execute_script(JS_STATE, self.path, index)

    def run(self, index, timeout=180):
        """Select cell ``index`` and press Shift+Enter; return the text its output area shows."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        before = self.state(index)["count"]
        assert self.driver.execute_async_script(JS_SELECT, self.path, index), f"cannot select cell {index}"
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()

        def finished():
            state = self.state(index)
            return state if state["count"] not in (None, before) and not state["busy"] else None

        return wait_for(finished, timeout, f"cell {index} of {self.path} to run")["output"]

    def type_answers(self, index, answers):
        """Put the cursor on each ``____`` of cell ``index`` in turn (selecting it) and type its answer."""
        from selenium.webdriver.common.action_chains import ActionChains

        self.driver.execute_async_script(JS_SELECT, self.path, index)
        for answer in answers:
            position = (
                wait_for(
                    lambda: 1 + self.driver.execute_script(JS_BLANK, self.path, index),
                    20,
                    "the cell's editor",
                )
                - 1
            )
            assert position >= 0, "no ____ left to fill in"
            ActionChains(self.driver).send_keys(answer).perform()
        return self.cells()[index]["source"]


@pytest.fixture
def lesson():
    return nbformat.read(repo_root() / "notebooks" / NOTEBOOK, as_version=4)


def test_solve_an_exercise_in_jupyterlab(lab, driver, lesson):
    driver.get(lab.url(f"lab/tree/{NOTEBOOK}"))
    wait_for(
        lambda: driver.execute_script(JS_READY, NOTEBOOK), 180, "JupyterLab, the notebook and its kernel"
    )
    notebook = Notebook(driver, NOTEBOOK)

    for _ in range(2):  # re-running the first cell: its comment's ____ is no blank; nothing like `True` shown
        output = notebook.run(1)
        assert "Fill in the blank" not in output and "True" not in output, output

    check = notebook.find("check")
    early = notebook.run(check)
    assert f"Exercise {EXERCISE}: `model` is not defined yet" in early and "Traceback" not in early, early

    notebook.run(notebook.find("setup"))
    solution = notebook.find("solution")
    blank = notebook.run(solution)
    assert "Fill in the blanks before running this cell" in blank, blank

    answers = exercises.answers(lesson, NOTEBOOK)[(EXERCISE, None)]
    typed = notebook.type_answers(solution, answers)
    expected = next(
        cell.source
        for cell in lesson.cells
        if (cell.metadata.get("rnncourse") or {}).get("role") == "solution"
        and cell.metadata["rnncourse"]["exercise"] == EXERCISE
    )
    assert typed == expected

    ran = notebook.run(solution)
    assert "emb_model" in ran and "Fill in the blank" not in ran, ran
    verdict = notebook.run(check)
    assert f"Exercise {EXERCISE}: correct" in verdict, verdict


# --------------------------------------------------------------------------- the HTML pages, offline

JS_PAGE = """
const visible = element => {
  const copy = element.cloneNode(true);
  copy.querySelectorAll('code, pre, math, script, style').forEach(node => node.remove());
  return copy.textContent;
};
const maths = [...document.querySelectorAll('math')];
return {
  markdown: [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')].map(visible),
  maths: maths.length,
  mathml: maths.filter(m => m instanceof MathMLElement).length,
  drawn: maths.filter(m => m.getBoundingClientRect().width > 0 && m.getBoundingClientRect().height > 0).length,
  images: [...document.images].map(i => ({alt: i.getAttribute('alt') || '', loaded: i.complete && i.naturalWidth > 0})),
  notebookLinks: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
                  .filter(h => /\\.ipynb(#|$)/.test(h) && !/^[a-z]+:/.test(h)),
};
"""
RAW_TEX = re.compile(r"\$\$|\\[A-Za-z]{2,}|(?<![\w$])\$[^$\s][^$\n]*\$")


def pages():
    return [BUILD / path.with_suffix(".html").name for path in lesson_notebooks()]


def requests_made(driver):
    """``(urls requested, failures)`` from Chromium's performance log since the last call."""
    urls, failures = [], []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.loadingFailed":
            failures.append(message["params"].get("errorText", ""))
    return urls, failures


def is_local(url):
    """Not the network: the page's own file, data: URLs, the browser's internal pages, this machine."""
    parts = urlsplit(url)
    return parts.scheme in (
        "file",
        "data",
        "about",
        "blob",
        "chrome",
        "chrome-untrusted",
        "devtools",
    ) or parts.hostname in ("localhost", "127.0.0.1")


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.stem)
def test_html_page_works_offline(driver, page):
    if not page.is_file():
        pytest.fail(f"{page} is missing: `make test-browser` writes it (or `make run`)")
    notebook = nbformat.read(repo_root() / "notebooks" / page.with_suffix(".ipynb").name, as_version=4)
    expected = sum(len(formulas(cell.source)) for cell in notebook.cells if cell.cell_type == "markdown")

    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    requests_made(driver)  # forget what the blank start page did
    driver.get(page.as_uri())
    wait_for(
        lambda: driver.execute_script("return document.readyState") == "complete", 60, "the page to load"
    )
    time.sleep(0.5)  # let anything the page would fetch after loading show up in the log
    found = driver.execute_script(JS_PAGE)
    urls, failures = requests_made(driver)

    remote = [url for url in urls if not is_local(url)]
    assert not remote, f"{page.name} requested from the network: {remote[:5]}"
    assert not failures, f"{page.name}: requests failed: {failures[:5]}"
    assert any(text.strip() for text in found["markdown"]), "no markdown cell found on the page"
    raw = [match for text in found["markdown"] for match in RAW_TEX.findall(text)]
    assert not raw, f"{page.name} shows raw TeX: {raw[:5]}"
    assert found["maths"] == expected, (found["maths"], expected)
    assert found["mathml"] == found["drawn"] == found["maths"], found
    assert all(image["alt"].strip() and image["loaded"] for image in found["images"]), found["images"]
    assert not found["notebookLinks"], found["notebookLinks"]


# --------------------------------------------------------------------------- the live explorers

GRADIENT_LESSON = "01_vanishing_exploding_gradients.ipynb"
REVIEW_LESSON = "03_embedding_layer.ipynb"


def explorer_cell(notebook, call):
    """The index of the lesson's code cell that calls ``call`` (e.g. ``explorers.gradient_explorer(``)."""
    return next(
        cell["index"] for cell in notebook.cells() if cell["type"] == "code" and call in cell["source"]
    )


def element_text(driver, selector):
    found = driver.find_elements("css selector", selector)
    return found[0].text if found else ""


class Steps:
    """Named steps of a browser test; a step that fails leaves its screenshot in build/browser-artifacts/."""

    def __init__(self, driver, test):
        self.driver, self.test = driver, test

    def __call__(self, name):
        import contextlib

        @contextlib.contextmanager
        def step():
            try:
                yield
            except BaseException:
                artifacts = BUILD / "browser-artifacts"
                artifacts.mkdir(parents=True, exist_ok=True)
                self.driver.save_screenshot(str(artifacts / f"{self.test}-{name}.png"))
                raise

        return step()


JS_CLEAR = (
    JS_PANEL
    + """
panel.content.model.sharedModel.transact(() => {
  for (const cell of panel.content.widgets) {
    if (cell.model.type === 'code') { cell.model.sharedModel.setOutputs([]); cell.model.executionCount = null; }
  }
});
return panel.content.widgets.filter(c => c.model.type === 'code' && c.model.executionCount !== null).length;
"""
)


def open_lesson(driver, lab, path):
    """Open the lesson ``path`` and clear its stored outputs, so that a cell's new run shows as one."""
    driver.get(lab.url(f"lab/tree/{path}"))
    wait_for(lambda: driver.execute_script(JS_READY, path), 180, f"JupyterLab, {path} and its kernel")
    assert driver.execute_script(JS_CLEAR, path) == 0, "the stored execution counts are still there"
    return Notebook(driver, path)


def test_gradient_explorer_redraws_when_a_slider_moves(lesson_lab, driver):
    from selenium.webdriver.common.action_chains import ActionChains

    step = Steps(driver, "gradient_explorer")
    with step("open"):
        notebook = open_lesson(driver, lesson_lab, GRADIENT_LESSON)
    with step("run"):
        output = notebook.run(explorer_cell(notebook, "explorers.gradient_explorer("), timeout=300)
        assert "Traceback" not in output and "Error" not in output, output
        summary = wait_for(
            lambda: element_text(driver, ".rnncourse-gradient-summary"), 60, "the first drawing"
        )
        assert "SimpleRNN (tanh), gain 1.00, input scale 1, 100 steps" in summary, summary
        figure = driver.find_element("css selector", "img.rnncourse-gradient-figure")
        before = figure.get_attribute("src")
        assert before and figure.size["height"] > 100
    with step("move-slider"):
        handle = driver.find_element("css selector", ".rnncourse-gradient-length .noUi-handle")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", handle)
        ActionChains(driver).click_and_hold(handle).move_by_offset(120, 0).release().perform()
        changed = wait_for(
            lambda: (text := element_text(driver, ".rnncourse-gradient-summary")) != summary and text,
            60,
            "the figure to be redrawn",
        )
        assert "100 steps" not in changed and "steps" in changed, changed
        after = driver.find_element("css selector", "img.rnncourse-gradient-figure").get_attribute("src")
        assert after != before


def test_review_explorer_updates_when_a_review_is_typed(lesson_lab, driver):
    from selenium.webdriver.common.keys import Keys

    step = Steps(driver, "review_explorer")
    with step("open"):
        notebook = open_lesson(driver, lesson_lab, REVIEW_LESSON)
    with step("run"):
        index = explorer_cell(notebook, "explorers.review_explorer(")
        for cell in notebook.cells():  # the cells above it define the examples and load the data
            if cell["type"] == "code" and cell["index"] < index:
                notebook.run(cell["index"], timeout=300)
        output = notebook.run(index, timeout=300)
        assert "Traceback" not in output and "Error" not in output, output
        first = wait_for(
            lambda: element_text(driver, ".rnncourse-review-result .rnncourse-probability"),
            60,
            "a probability",
        )
    with step("type"):
        box = driver.find_element("css selector", ".rnncourse-review-text textarea")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        box.send_keys("A wonderful, moving film: superb acting and a brilliant story. I loved it.")
        box.send_keys(Keys.TAB)  # leaving the box sends the text to the kernel
        typed = wait_for(
            lambda: (
                (p := element_text(driver, ".rnncourse-review-result .rnncourse-probability")) != first and p
            ),
            60,
            "the probability to change",
        )
        assert float(typed) > 0.9, typed  # the example it replaced was negative
        words = element_text(driver, ".rnncourse-review-result")
        assert "wonderful" in words and "superb" in words, words
