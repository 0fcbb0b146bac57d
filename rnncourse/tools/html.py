"""For maintainers: HTML copies of notebooks that work offline: MathML equations, no script or style from the network.

nbconvert's ``lab`` template loads require.js, MathJax (and, for diagrams, mermaid) from a CDN, so
offline every equation shows as raw TeX. :class:`OfflineHTMLExporter` renders ``$...$`` and
``$$...$$`` (and ``\\begin{...}`` environments, and ``text/latex`` outputs) to MathML at build time
with ``latex2mathml`` — browsers render MathML natively —, drops those script tags, points links
between notebooks (``01_name.ipynb``) at their HTML copies, gives every output image an
alternative text (the figure's title as the cell's code sets it, else its comment) and shows a live
widget (the explorers, ipywidgets) as a note that it runs in JupyterLab.

``notebook_html(notebook)`` is the one-call interface; :func:`network_references` lists what a page
would still fetch from the network (nothing, for the pages this module writes).
"""

import copy
import html as html_lib
import re
import sys
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

try:
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - Jinja 2 before 3.0
    from jinja2 import contextfilter as pass_context
from jinja2 import DictLoader

TEMPLATE_NAME = "rnncourse_offline.html.j2"
# The lab template without its network scripts; output images get an alt text.
TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}{{ super() | with_alt(output, cell) }}{% endblock data_png %}
{% block data_jpg scoped %}{{ super() | with_alt(output, cell) }}{% endblock data_jpg %}
{% block data_svg scoped %}{{ super() | with_alt(output, cell) }}{% endblock data_svg %}
{% block data_latex scoped %}
<div class="jp-RenderedLatex jp-OutputArea-output {{ extra_class }}" data-mime-type="text/latex">
{{ output.data['text/latex'] | markdown2html }}
</div>
{%- endblock data_latex %}
"""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LIVE_WIDGET_NOTE = (
    '<div class="rnncourse-live-widget"><p><em>Live explorer: it runs in JupyterLab (open this notebook '
    "there and run the cell). The figure under it shows its default state.</em></p></div>"
)

_TITLE = re.compile(r"""\b(?:set_title|suptitle|title)\(\s*[rRuUfF]?(["'])(.+?)\1""")
_COMMENT = re.compile(r"^\s*#\s*(?:extra code\s*[–—-]\s*)?(.+?)\s*$", re.MULTILINE)
_PLOT_WORDS = re.compile(r"(?i)\b(plot|draw|graph|chart|figure|heat map|curve|histogram)")


def tex_to_mathml(tex, display):
    """``tex`` as a ``<math>`` element (``display``: ``"inline"`` or ``"block"``), with the TeX in
    ``alttext``; a formula latex2mathml cannot read stays TeX in a ``<code>`` (with a warning)."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex.strip(), display=display)
    except Exception as error:  # noqa: BLE001 - latex2mathml raises several kinds
        print(
            f"warning: cannot render the formula {tex!r} as MathML ({error}); it stays TeX", file=sys.stderr
        )
        return f'<code class="tex">{html_lib.escape(tex)}</code>'
    return mathml.replace("<math ", f'<math alttext="{html_lib.escape(tex.strip())}" ', 1)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with every formula rendered to MathML instead of left for MathJax."""

    def block_math(self, body):
        return tex_to_mathml(body, "block")

    def inline_math(self, body):
        return tex_to_mathml(body, "inline")

    def latex_environment(self, name, body):
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")

    def multiline_math(self, text):  # mistune 2 only
        return tex_to_mathml(text.strip().strip("$"), "block")


class _FormulaCollector(IPythonRenderer):
    def __init__(self):
        super().__init__(escape=False)
        self.found = []

    def block_math(self, body):
        self.found.append(body)
        return ""

    inline_math = block_math

    def latex_environment(self, name, body):
        self.found.append(f"\\begin{{{name}}}{body}\\end{{{name}}}")
        return ""


def formulas(markdown):
    """The TeX of every formula in the markdown text ``markdown``, as nbconvert's parser finds them."""
    collector = _FormulaCollector()
    MarkdownWithMath(renderer=collector).render(markdown)
    return collector.found


def image_alt(output, cell=None):
    """An alternative text for an output image: ``Figure: <title(s) the cell's code sets>``, else the
    cell's first comment about plotting (else its first comment), else the output's ``text/plain``
    (``Figure size 700x350 with 1 Axes``)."""
    source = getattr(cell, "source", "") or ""
    titles = [re.sub(r"\{[^{}]*\}", "…", title) for _, title in _TITLE.findall(source)]
    if titles:
        return "Figure: " + "; ".join(dict.fromkeys(titles))
    comments = _COMMENT.findall(source)
    if comments:
        return "Figure: " + next(
            (comment for comment in comments if _PLOT_WORDS.search(comment)), comments[0]
        )
    text = output.get("data", {}).get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return text.strip().strip("<>") or "Figure produced by the code cell above"


def _with_alt(markup, output, cell=None):
    """``markup`` with ``alt="..."`` added to its first ``<img`` (which has none yet)."""
    text = str(markup)
    if "<img" not in text or re.search(r"<img[^>]*\balt=", text):
        return text
    return text.replace("<img", f'<img alt="{html_lib.escape(image_alt(output, cell))}"', 1)


def _is_remote(url):
    """Whether the browser would fetch ``url`` from the network (not a data:, file: or relative URL)."""
    url = (url or "").strip()
    if not url or url.startswith(("data:", "#", "about:", "blob:", "javascript:")):
        return False
    parts = urlsplit(url)
    if url.startswith("//"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss", "ftp")


def _local_link(href):
    """``NN_name.ipynb#anchor`` → ``NN_name.html#anchor`` for a relative link to a notebook."""
    if not href or _is_remote(href) or ":" in href.split("#", 1)[0]:
        return href
    path, hash_, anchor = href.partition("#")
    if path.endswith(".ipynb"):
        return path[: -len(".ipynb")] + ".html" + hash_ + anchor
    return href


_FETCHED = (
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("image", "href"),
)


def network_references(page):
    """``[(tag, url), ...]`` of what ``page`` (HTML text) would load from the network: scripts,
    stylesheets, images, frames and ``url(...)`` in styles, and ``import(...)``/``fetch`` of an URL."""
    soup = BeautifulSoup(page, "html.parser")
    found = [
        (tag, element.get(attribute))
        for tag, attribute in _FETCHED
        for element in soup.find_all(tag)
        if _is_remote(element.get(attribute))
    ]
    for style in soup.find_all("style"):
        found += [
            ("style", url)
            for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", style.get_text())
            if _is_remote(url)
        ]
    for script in soup.find_all("script"):
        found += [
            ("script", url)
            for url in re.findall(r"""(?:import|fetch)\(\s*["'`]([^"'`]+)""", script.get_text())
            if _is_remote(url)
        ]
    return found


class OfflineHTMLExporter(HTMLExporter):
    """The ``lab`` HTML exporter, made to work offline (see the module docstring)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("extra_loaders", [DictLoader({TEMPLATE_NAME: TEMPLATE})])
        kwargs.setdefault("template_file", TEMPLATE_NAME)
        super().__init__(**kwargs)

    @pass_context
    def markdown2html(self, context, source):
        """Markdown to HTML with the formulas as MathML."""
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    def default_filters(self):
        yield from super().default_filters()
        yield ("with_alt", _with_alt)

    def from_notebook_node(self, nb, resources=None, **kw):
        nb = copy.deepcopy(nb)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if WIDGET_VIEW in output.get("data", {}):  # a widget needs its kernel: say where it runs
                    output["data"] = {"text/html": LIVE_WIDGET_NOTE}
        page, resources = super().from_notebook_node(nb, resources, **kw)
        soup = BeautifulSoup(page, "html.parser")
        for link in soup.find_all("a", href=True):
            link["href"] = _local_link(link["href"])
        for script in soup.find_all("script"):  # any script the template still loads from a CDN
            if _is_remote(script.get("src")) or script.get("type") == "text/x-mathjax-config":
                script.decompose()
        page = str(soup)
        remote = network_references(page)
        if remote:
            raise ValueError(
                f"the HTML page would still load {len(remote)} file(s) from the network: "
                + ", ".join(url for _, url in remote[:5])
            )
        return page, resources


def notebook_html(notebook):
    """The offline HTML page (text) of ``notebook`` (an nbformat node)."""
    page, _ = OfflineHTMLExporter().from_notebook_node(notebook)
    return page
