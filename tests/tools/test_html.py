"""The HTML copies of `make run`: equations as MathML, nothing loaded from the network, links between
lessons pointing at pages, every image with an alternative text; and `make run` without kernel noise."""

import base64
import os

import nbformat
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rnncourse.tools import notebooks
from rnncourse.tools.html import formulas, image_alt, network_references, notebook_html

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def tiny_notebook():
    figure = new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}
    )
    return new_notebook(
        cells=[
            new_markdown_cell(
                "# Tiny\n\nInline $x_t = \\sigma(W x)$ and display\n\n$$y = \\frac{1}{2}$$\n\n"
                "Code stays code: `$HOME`. **Next:** [01 · Gradients](01_gradients.ipynb#Exercise-I), "
                "[the docs](https://keras.io/api/)."
            ),
            new_code_cell('fig, ax = plt.subplots()\nax.set_title("Loss per epoch")', outputs=[figure]),
            new_code_cell("# extra code – draw the GRU cell\ndraw()", outputs=[figure]),
        ]
    )


def test_equations_become_mathml_and_no_script_comes_from_a_cdn():
    page = notebook_html(tiny_notebook())
    soup = BeautifulSoup(page, "html.parser")
    maths = soup.find_all("math")
    assert [math["display"] for math in maths] == ["inline", "block"]
    assert maths[0]["alttext"] == "x_t = \\sigma(W x)" and maths[0].find("msub") and maths[1].find("mfrac")
    text = soup.select_one(".jp-MarkdownCell").get_text()
    assert "$" not in text.replace("$HOME", "") and "\\sigma" not in text and "\\frac" not in text
    assert not soup.find_all("script", src=True)
    assert "cdnjs" not in page and "mathjax" not in page.lower() and "require.js" not in page
    assert network_references(page) == []


def test_links_to_lessons_point_at_pages_and_images_have_alt_text():
    soup = BeautifulSoup(notebook_html(tiny_notebook()), "html.parser")
    hrefs = [link["href"] for link in soup.find_all("a", href=True) if not link["href"].startswith("#")]
    assert "01_gradients.html#Exercise-I" in hrefs and "https://keras.io/api/" in hrefs
    assert not any(".ipynb" in href for href in hrefs)
    assert [image["alt"] for image in soup.find_all("img")] == [
        "Figure: Loss per epoch",
        "Figure: draw the GRU cell",
    ]


def test_alt_text_falls_back_to_the_output_text():
    output = new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}
    )
    assert image_alt(output, new_code_cell("show()")) == "Figure size 640x480 with 1 Axes"
    assert image_alt(output, new_code_cell('ax.set_title(f"PCA of {name}")')) == "Figure: PCA of …"


def test_network_references_finds_what_a_page_would_fetch():
    page = (
        '<html><head><script src="https://cdn.example/require.js"></script>'
        '<link rel="stylesheet" href="//fonts.example/a.css"><style>b{background:url(http://x.example/i.png)}'
        '</style></head><body><img src="data:image/png;base64,AA"><a href="https://example.org">ok</a>'
        '<script type="module">await import("https://cdn.example/m.mjs")</script></body></html>'
    )
    assert sorted(url for _, url in network_references(page)) == [
        "//fonts.example/a.css",
        "http://x.example/i.png",
        "https://cdn.example/m.mjs",
        "https://cdn.example/require.js",
    ]


def test_formulas_are_found_as_nbconvert_parses_them():
    assert formulas("a $x$ b $$y$$ `$z$`") == ["x", "y"]


def test_html_command_converts_stored_outputs_only_when_stale(tmp_path, capsys):
    source = tmp_path / "00_tiny.ipynb"
    nbformat.write(tiny_notebook(), source)
    out = tmp_path / "build"
    assert notebooks.html([source], out)
    page = out / "00_tiny.html"
    assert "<math" in page.read_text()
    os.utime(page, (source.stat().st_mtime + 10,) * 2)
    page.write_text("kept")
    os.utime(page, (source.stat().st_mtime + 10,) * 2)
    assert notebooks.html([source], out) and page.read_text() == "kept"
    assert notebooks.html([source], out, force=True) and "<math" in page.read_text()
    assert "is up to date" in capsys.readouterr().out


def test_run_writes_offline_html_without_the_kernel_transport_warning(tmp_path, capfd):
    source = tmp_path / "00_tiny.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("$$a^2$$"), new_code_cell("print(6 * 7)")]), source)
    assert notebooks.run([source], tmp_path / "build")
    captured = capfd.readouterr()
    assert "without encryption" not in captured.out + captured.err
    executed = nbformat.read(tmp_path / "build" / "00_tiny.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "42\n"
    assert "<math" in (tmp_path / "build" / "00_tiny.html").read_text()


def test_a_live_widget_shows_as_a_note_that_it_runs_in_jupyterlab():
    widget = new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {
                "model_id": "abc",
                "version_major": 2,
                "version_minor": 0,
            },
            "text/plain": "VBox(children=(...))",
        },
    )
    notebook = new_notebook(cells=[new_code_cell("explorers.gradient_explorer()", outputs=[widget])])
    page = BeautifulSoup(notebook_html(notebook), "html.parser")
    note = page.find(class_="rnncourse-live-widget")
    assert note is not None and "runs in JupyterLab" in note.get_text()
    assert not page.find("script", attrs={"type": "application/vnd.jupyter.widget-view+json"})
