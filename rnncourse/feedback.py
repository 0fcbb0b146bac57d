"""For learners: the exercise notebooks' kernel side: friendly blanks, short hints, what each cell did.

:func:`enable_feedback` (called by the first cell of every exercise notebook) makes a cell that
still contains a ``____`` blank in its code (not in a comment or a string) stop before running
with a "fill in the blank" message, shows a :class:`CheckFailed` hint without a traceback, and
turns the errors that Keras 2 habits raise under Keras 3 into one-line remedies (:func:`explain`).
It also records which cell of which exercise ran last, how it ended, which names it set and
which figures it showed, so that a check run too early, after a failed exercise cell, or on
objects left over from another exercise says so in one line (:func:`not_ready`) instead of
checking the wrong objects or showing a traceback, and a check can look at a plot that Jupyter
has already closed (:func:`shown_figures`).

The answer checks themselves live in :mod:`rnncourse.check`, which imports this module (never the
other way round). All that the feedback remembers lives in one :class:`Feedback` object per IPython
shell, found through the callbacks it registers with the shell's public ``events``.
"""

import ast
import io
import json
import re
import sys
import tokenize
import traceback
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

BLANK = "____"
NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")
_BLANK_PATTERN = re.compile(re.escape(BLANK))
_FSTRING_BLANK = re.compile(r"(?i)[rb]*f[rb]*['\"].*(?<!\{)\{[^{}]*" + re.escape(BLANK), re.DOTALL)
_CHECK_CALL = re.compile(r"\bexercise_(\d+)\s*\(")


class CheckFailed(AssertionError):
    """A check found a mistake; the message is the hint for the learner."""


class FillInTheBlank(Exception):
    """A cell still contains ``____``; the message names the lines to complete."""


def label(exercise, part=None):
    """``'II'``, ``'I (step 1)'``: how the checks and the feedback name an exercise (step)."""
    return f"{exercise} (step {part})" if part else exercise


# --------------------------------------------------------------------------- blanks


def _code_blank_lines(source):
    """The numbers of the lines of ``source`` whose code (not comments, not strings) holds ``____``.

    Tokenizes ``source``; where tokenizing stops early (an unclosed bracket or string while the
    learner is still typing), the rest is scanned line by line with ``#`` comments cut off.
    """
    skipped = {tokenize.COMMENT, tokenize.STRING}
    skipped |= {
        getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE") if hasattr(tokenize, name)
    }
    numbers, scanned = set(), 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            scanned = token.end[0]
            if token.type not in skipped and BLANK in token.string:
                numbers.add(token.start[0])
            elif token.type == tokenize.STRING and _FSTRING_BLANK.match(token.string):
                numbers.add(token.start[0])  # a blank inside an f-string's {...} (Python < 3.12)
    except (tokenize.TokenError, SyntaxError):
        for number, line in enumerate(source.splitlines()[scanned:], start=scanned + 1):
            if BLANK in line.split("#", 1)[0]:
                numbers.add(number)
    return numbers


def blank_lines(source):
    """``[(line_number, line), ...]`` of the lines of ``source`` whose code contains a ``____`` blank.

    A ``____`` in a comment or a string is not a blank.
    """
    numbers = _code_blank_lines(source)
    return [(number, line) for number, line in enumerate(source.splitlines(), start=1) if number in numbers]


def blank_message(source):
    """The "fill in the blank" message for ``source``, or ``None`` when it has no blanks."""
    lines = blank_lines(source)
    if not lines:
        return None
    shown = "\n".join(f"    line {number}: {line.strip()}" for number, line in lines)
    count = sum(len(_BLANK_PATTERN.findall(line)) for _, line in lines)
    return (
        f"Fill in the blank{'s' if count > 1 else ''} before running this cell: replace each "
        f"{BLANK} with your code (the instructions above say what goes there).\n{shown}"
    )


def _blank_hint():
    return (
        f"the exercise cell above still has {BLANK} blanks, so it did not run. "
        f"Fill them in, run that cell, then run this check again."
    )


def _is_check_cell(source):
    return "check.exercise_" in source


def _check_label(source):
    """The exercise label a check cell's source checks (``'III'``, ``'I (step 2)'``) or ``None``."""
    match = _CHECK_CALL.search(source)
    if not match or not 1 <= int(match.group(1)) <= len(NUMERALS):
        return None
    part = re.search(r"\bpart\s*=\s*(\d)", source)
    return label(NUMERALS[int(match.group(1)) - 1], int(part.group(1)) if part else None)


# --------------------------------------------------------------------------- which exercise a cell belongs to


def _normalise(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


class ExerciseCells:
    """The setup and solution cells of the exercise notebooks in ``folder`` (default
    ``<repository>/exercises``), read once, on the first :meth:`identify`."""

    def __init__(self, folder=None):
        self.folder = folder

    @cached_property
    def _cells(self):
        """``(by_id, patterns)``: ``by_id`` maps a cell id to ``(label, role)``; ``patterns`` are
        ``(regex, label, role)``: a solution cell matches with each ``____`` filled by anything, a
        setup cell as it is."""
        from .paths import repo_root

        folder = Path(self.folder) if self.folder else repo_root() / "exercises"
        by_id, patterns = {}, []
        for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
            try:
                cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            except (OSError, ValueError, KeyError):
                continue
            for cell in cells:
                info = cell.get("metadata", {}).get("rnncourse") or {}
                if info.get("role") not in ("setup", "solution"):
                    continue
                name, role = label(info.get("exercise"), info.get("part")), info["role"]
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                if cell.get("id"):
                    by_id[cell["id"]] = (name, role)
                parts = [re.escape(part) for part in _normalise(source).split(BLANK)]
                patterns.append((re.compile("(?:.*?)".join(parts), re.DOTALL), name, role))
        return by_id, patterns

    def identify(self, source, cell_id=None):
        """``(label, role)`` of the exercise cell ``source`` is (by its cell id, else by its text with
        the blanks filled in any way), or ``(None, None)`` for any other cell."""
        by_id, patterns = self._cells
        if cell_id in by_id:
            return by_id[cell_id]
        text = _normalise(source)
        found = {(name, role) for pattern, name, role in patterns if pattern.fullmatch(text)}
        return found.pop() if len(found) == 1 else (None, None)


# --------------------------------------------------------------------------- errors with a remedy


def _one_line(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _learner_frame(error):
    """The innermost frame of ``error``'s traceback in the learner's own cells, or ``None``."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith("<") or "ipykernel_" in frame.filename
    ]
    return frames[-1] if frames else None


def _where(error):
    """``' (line N: code)'``: the learner's line where ``error`` was raised, or ``''``."""
    frame = _learner_frame(error)
    return f" (line {frame.lineno}: {frame.line.strip()})" if frame is not None and frame.line else ""


def _acc_key_hint(match, error):
    key = match.group(0).strip("'")
    return (
        f"Keras 3 names the history keys after the metric given to compile: use "
        f"'{key.replace('acc', 'accuracy')}' instead of '{key}'."
    )


def _glove_name_hint(match, error):
    return (
        f"{match.group(1)} is not a GloVe file here: this environment bundles the 50-dimensional "
        f"`glove.6B.50d` vectors instead of the course's 200-dimensional `glove_200d.zip`, so load them with "
        f'`load_glove("glove.6B.50d")` (wordvec_dim is 50 here).'
    )


def _keras_input(error):
    """The Keras tensor that reached the layer that raised ``error`` (innermost frame), or ``None``."""
    tb, tensor = error.__traceback__, None
    while tb is not None:
        for name in ("x", "inputs"):
            value = tb.tb_frame.f_locals.get(name)
            value = value[0] if isinstance(value, (list, tuple)) and value else value
            if getattr(value, "_keras_history", None) is not None:
                tensor = value
        tb = tb.tb_next
    return tensor


def _recurrent_input_hint(match, error):
    layer = re.search(r"of layer '([^']+)'", str(error))
    layer = f"`{layer.group(1)}`" if layer else "a recurrent layer"
    shape = re.search(r"Full shape received: (\([^)]*\))", str(error))
    shape = f" {shape.group(1)}" if shape else ""
    tensor = _keras_input(error)
    source = getattr(getattr(tensor, "_keras_history", None), "operation", None)
    if source is not None and type(source).__name__ == "InputLayer":
        return (
            f"{layer} received the 2-D input{shape} of the model: one word id per step, not a vector per "
            f"step. Word ids go through an `Embedding` layer first (e.g. `Embedding(input_dim=max_vocabulary, "
            f"output_dim=wordvec_dim)` right after `keras.Input`), which turns each id into a vector."
        )
    if source is not None and getattr(source, "return_sequences", None) is False:
        return (
            f"{layer} received one vector per review{shape} from `{source.name}`: set "
            f"`return_sequences=True` on every recurrent layer except the last one."
        )
    if source is not None:
        return (
            f"{layer} received 2-D input{shape} from `{source.name}` ({type(source).__name__}); a recurrent "
            f"layer reads a sequence, shaped (batch, time steps, features)."
        )
    return (
        f"{layer} received 2-D input{shape} instead of a sequence (batch, time steps, features): word ids "
        f"need an `Embedding` layer before it; a recurrent layer before it needs `return_sequences=True`."
    )


def _learner_line(error):
    """The learner's code line where ``error`` was raised, or ``''``."""
    frame = _learner_frame(error)
    return (frame.line or "") if frame is not None else ""


_EVALUATE = (
    "`evaluate(X_test, y_test, verbose=0)` scores the model against the labels and returns [loss, accuracy]"
)


def _predict_for_evaluate_hint(match, error):
    """``predict`` where ``evaluate`` was meant (read from the learner's line): its second argument is
    the batch size, and it returns one probability per review, never [loss, accuracy]."""
    if ".predict(" not in _learner_line(error):
        return None
    if "truth value" in match.group(0):
        return (
            "`predict` takes only the inputs (its second argument is the batch size, so `y_test` cannot go "
            f"there) and returns one probability per review, not an accuracy; {_EVALUATE}."
        )
    return f"`predict` returns one probability per review, not [loss, accuracy]; {_EVALUATE}."


def _fit_for_evaluate_hint(match, error):
    return (
        "`fit` trains the model (here on the test reviews, which changes the pre-trained weights) and "
        f"returns a History, not [loss, accuracy]; {_EVALUATE}. Run the whole cell again: it reloads the weights."
    )


_KERAS2_HINTS = (
    (
        ValueError,
        r"truth value of an array with more than one element is ambiguous",
        _predict_for_evaluate_hint,
    ),
    (ValueError, r"too many values to unpack \(expected 2", _predict_for_evaluate_hint),
    (TypeError, r"cannot unpack non-iterable History object", _fit_for_evaluate_hint),
    (KeyError, r"^'(val_)?acc'$", _acc_key_hint),
    (
        NameError,
        r"'he_uniform' is not defined",
        "`he_uniform` is not imported here: write `HeUniform(seed=42)` (the class the setup cell imports); "
        "in Keras 3 `keras.initializers.he_uniform` is another name for the same class, so "
        "`from keras.initializers import he_uniform` works too.",
    ),
    (
        ValueError,
        r"not recognized: \{'lr'",
        "Keras 3 renamed the optimizer argument `lr` to `learning_rate`: e.g. `SGD(learning_rate=0.01)`.",
    ),
    (
        ModuleNotFoundError,
        r"keras\.layers\.recurrent",
        "Keras 3 has no `keras.layers.recurrent`: import the cells from `keras.layers` "
        "(`from keras.layers import SimpleRNN, GRU, LSTM`).",
    ),
    (ValueError, r"expected ndim=3, found ndim=2", _recurrent_input_hint),
    (
        ValueError,
        r"not yet been built|was never built|has not been built",
        "the model has no input shape yet, so it has no weights: start it with `keras.Input(shape=...)`, the shape "
        "of one review, e.g. `model.add(keras.Input(shape=(max_len,)))` before an Embedding, or "
        "`keras.Input(shape=(None, 1))` for raw ids, one per step (Keras 3 ignores `input_length=`).",
    ),
    (ValueError, r"name=('[^']*'|\"[^\"]*\") is not a GloVe 6B file name", _glove_name_hint),
    (
        FileNotFoundError,
        r"glove\.6B\.\d+d\.txt not found",
        'only the 50-dimensional GloVe vectors are bundled: load them with `load_glove("glove.6B.50d")`, '
        "or put the larger file into data/ (see the README).",
    ),
    (
        ValueError,
        r"could not be loaded|expected \d+ variables|shape of the target variable",
        "the weights file does not fit this model: it was saved from the architecture the instructions "
        "describe. Check each layer's type, units, input_dim and output_dim, then build and load again.",
    ),
    (
        FileNotFoundError,
        r"\.h5",
        "this weights file does not exist here: load the pre-trained weights from the path the setup cell "
        "of this exercise prepares (Keras 3 weights files end in `.weights.h5`).",
    ),
    (
        Exception,
        r"Incompatible shapes",
        "an initializer's value does not have the layer's shape: with `Constant(glove_matrix)` the "
        "Embedding needs input_dim and output_dim equal to `glove_matrix.shape`.",
    ),
)


def explain(error):
    """A one-line remedy for an error a Keras 2 habit (or the course's code) raises here, or ``None``."""
    text = str(error)
    for kind, pattern, hint in _KERAS2_HINTS:
        match = re.search(pattern, text)
        if isinstance(error, kind) and match:
            text = hint(match, error) if callable(hint) else hint
            if text:
                return text
    return None


def _failed(error, where=""):
    """``"stopped with KeyError: 'acc' (line 12: …). <remedy>"`` for a cell that raised ``error``."""
    hint = explain(error)
    text = f"stopped with {type(error).__name__}: {_one_line(error)}{where}"
    return f"{text}. {hint}" if hint else f"{text}."


def _show_message(shell, error, message):
    """Show ``message`` where ``error``'s traceback would go, through the shell's public
    ``showtraceback`` and the ``_render_traceback_`` hook it asks of exceptions (so a kernel sends
    it as the cell's error output, under the error's own name)."""
    error._render_traceback_ = lambda: [message]
    try:
        shell.showtraceback((type(error), error, error.__traceback__))
    finally:
        del error._render_traceback_


# --------------------------------------------------------------------------- what the cells run so far did


class _Assigned(ast.NodeVisitor):
    """The global names a cell's code binds (not those local to its functions or comprehensions)."""

    def __init__(self):
        self.names = set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.names.add(node.id)

    def _define(self, node):
        self.names.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _define

    def visit_Lambda(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_Import(self, node):
        self.names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}

    visit_ImportFrom = visit_Import


def _fingerprint(value):
    """What tells two bindings of a name apart: the value of a number or string, else the object."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return ("value", type(value).__name__, value)
    return ("object", id(value))


@dataclass(frozen=True)
class _Run:
    """How one cell run ended: its exercise ``label`` (``None``: no exercise's cell) and ``role``,
    the ``error`` it raised (``None``: it ran to its end), ``where`` in the cell, the
    :class:`ShownFigure` records of the figures it showed, and its ``source``."""

    label: object
    role: object
    error: object
    where: str
    figures: tuple = ()
    source: str = ""


@dataclass(frozen=True)
class ShownFigure:
    """A figure as it was shown: ``curves``, the y values of each line of each of its axes in
    drawing order (tuples of floats), and ``by_code``, whether the cell's own code showed it
    (``plt.show()``) rather than Jupyter at the end of the cell."""

    curves: tuple
    by_code: bool


_CELL_FILE = re.compile(r"^<ipython-input-|[/\\]ipykernel_\d+[/\\]")  # IPython's, ipykernel's cell files


def _in_cell_code():
    """Whether a frame of the running cell's own code is on the call stack (not ipykernel_launcher.py's)."""
    frame = sys._getframe(1)
    while frame is not None:
        if _CELL_FILE.search(frame.f_code.co_filename):
            return True
        frame = frame.f_back
    return False


def _shown_figure(figure):
    """The :class:`ShownFigure` record of a matplotlib ``figure`` being shown now."""
    curves = tuple(
        tuple(float(value) for value in line.get_ydata()) for axes in figure.axes for line in axes.get_lines()
    )
    return ShownFigure(curves, _in_cell_code())


class Feedback:
    """The exercise feedback of one IPython ``shell``: its hooks, and what the cells run so far did.

    :func:`enable_feedback` makes one per shell and registers its hooks; :meth:`of` finds it again.
    ``cells`` are the exercise notebooks' cells the running cells are matched against.
    """

    def __init__(self, shell):
        self.shell = shell
        self.cells = ExerciseCells()
        self.blank_cell = False  # the last cell run (a check cell aside) stopped at a blank
        self.cell = ""  # the source of the cell running now
        self.snapshot = None  # {name: id(value)} before the running cell; None for a check cell
        self.last = None  # the _Run of the last cell run
        self.runs = {}  # an exercise label, or ("setup", numeral), -> the _Run of its cell's last run
        self.bound = {}  # name -> (id(value), label, role) of the cell that last bound it
        self.setup_values = {}  # (numeral, name) -> _fingerprint of what that exercise's setup set
        self.figures = []  # ShownFigure records of the figures the running cell showed

    @classmethod
    def of(cls, shell):
        """The :class:`Feedback` registered with ``shell``, or ``None``."""
        for callback in shell.events.callbacks.get("post_run_cell", []):
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, cls):
                return owner
        return None

    def install(self):
        """Register the hooks with the shell, replacing those of any earlier :class:`Feedback`."""
        shell = self.shell
        name = self.transform_blanks.__name__
        shell.input_transformers_cleanup[:] = [
            item for item in shell.input_transformers_cleanup if getattr(item, "__name__", "") != name
        ]
        shell.input_transformers_cleanup.append(self.transform_blanks)
        for event in ("pre_run_cell", "post_run_cell"):
            for registered in list(shell.events.callbacks[event]):
                owner = type(getattr(registered, "__self__", None))
                if (owner.__module__, owner.__qualname__) == (__name__, Feedback.__qualname__):
                    shell.events.unregister(event, registered)
            shell.events.register(event, getattr(self, event))
        shell.set_custom_exc((Exception,), self.handle_exception)
        # The mime-bundle formatter sees every figure displayed; the inline backend removes figure
        # printers from the per-type formatters (text/plain, image/png, ...), not from this one.
        formatter = shell.display_formatter.mimebundle_formatter
        figure_type = getattr(sys.modules.get("matplotlib.figure"), "Figure", None)
        if figure_type is not None:  # already imported: replace any earlier Feedback's printer
            formatter.for_type(figure_type, self.record_figure)
        else:
            formatter.for_type_by_name("matplotlib.figure", "Figure", self.record_figure)

    # ------------------------------------------------------------------ the hooks

    def transform_blanks(self, lines):
        """IPython input transformer: a cell with blanks becomes a single ``raise FillInTheBlank``."""
        source = "".join(lines)
        message = blank_message(source)
        if message is None:
            if not _is_check_cell(source):
                self.blank_cell = False
            return lines
        self.blank_cell = True
        return [
            f"raise __import__('rnncourse.feedback', fromlist=['feedback']).FillInTheBlank({message!r})\n"
        ]

    transform_blanks.has_side_effects = True  # IPython skips it when it only checks whether input is complete

    def record_figure(self, figure):
        """Mime-bundle printer of matplotlib figures: records what a figure being shown shows, for
        :meth:`shown_figures`, and returns ``None``, so the figure is shown exactly as without it."""
        try:
            self.figures.append(_shown_figure(figure))
        except Exception:  # noqa: BLE001 - never break the learner's plot
            pass

    def _user_names(self):
        return {name: id(value) for name, value in self.shell.user_ns.items() if not name.startswith("_")}

    def pre_run_cell(self, info=None):
        """IPython ``pre_run_cell`` event: remember the cell and the names bound before it runs."""
        try:
            source = getattr(info, "raw_cell", "") or ""
            self.cell = source
            self.snapshot = None if _is_check_cell(source) else self._user_names()
            if self.snapshot is not None:
                self.figures = []
        except Exception:  # noqa: BLE001 - never break the learner's cell
            self.snapshot = None

    def _assigned_names(self, source):
        """The names ``source`` (a cell, IPython syntax allowed) assigns, or an empty set."""
        try:
            tree = ast.parse(self.shell.transform_cell(source))
        except Exception:  # noqa: BLE001 - a cell that does not parse binds nothing we can tell
            return set()
        visitor = _Assigned()
        visitor.visit(tree)
        return visitor.names

    def post_run_cell(self, result=None):
        """IPython ``post_run_cell`` event: record how the cell ended and which names it (re)bound."""
        try:
            snapshot, self.snapshot = self.snapshot, None
            if snapshot is None or result is None:
                return
            info = result.info
            name, role = self.cells.identify(info.raw_cell or "", getattr(info, "cell_id", None))
            error = result.error_before_exec or result.error_in_exec
            where = _where(error) if error is not None else ""
            run = _Run(name, role, error, where, tuple(self.figures), info.raw_cell or "")
            names = self._user_names()
            changed = {key for key, identity in names.items() if snapshot.get(key) != identity}
            if error is None:  # `x = 50` binds x even when 50 is the very object x held before
                changed |= self._assigned_names(info.raw_cell or "") & set(names)
            for key in changed:
                self.bound[key] = (names[key], name, role)
                if role == "setup":
                    self.setup_values[(name.split()[0], key)] = _fingerprint(self.shell.user_ns[key])
            for key in set(snapshot) - set(names):
                self.bound.pop(key, None)
            self.last = run
            if name is not None:  # an exercise's solution cell by its label, a setup cell by its numeral
                self.runs[name if role == "solution" else ("setup", name.split()[0])] = run
        except Exception:  # noqa: BLE001 - never break the learner's cell
            pass

    def handle_exception(self, shell, etype, value, tb, tb_offset=None):
        """IPython custom exception handler: short messages for blanks, checks and Keras 2 habits."""
        if isinstance(value, (FillInTheBlank, CheckFailed)):
            message = str(value)
        elif isinstance(value, NameError) and _is_check_cell(self.cell):
            message = self._missing_name_message(value)
        elif isinstance(value, NameError) and self.blank_cell:
            message = (
                f"{value}: the exercise cell above still has {BLANK} blanks, so it did not run. "
                f"Fill them in, run that cell, then run this one again."
            )
        else:
            hint = explain(value)
            if hint is None:
                shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
                return None
            message = f"Hint: {hint}\n[{etype.__name__}: {_one_line(value, 300)}]{_where(value)}"
        _show_message(shell, value, message)
        return None

    # ------------------------------------------------------------------ what the checks ask

    def _exercise_run(self, exercise):
        """The last run of ``exercise``'s own cell, else the last cell run when it is no exercise's cell."""
        run = self.runs.get(exercise)
        if run is None and self.last is not None and self.last.label is None:
            run = self.last
        return run

    def _run_problem(self, exercise):
        """Why ``exercise`` cannot be checked yet (blanks left, its cell failed), or ``None``."""
        if self.blank_cell:
            return _blank_hint()
        setup = self.runs.get(("setup", exercise.split()[0]))
        if setup is not None and setup.error is not None:
            return (
                f"the setup cell of Exercise {exercise.split()[0]} {_failed(setup.error, setup.where)} "
                f"Run it again (and the exercise cell after it), then run this check."
            )
        run = self._exercise_run(exercise)
        if run is None or run.error is None:
            return None
        if isinstance(run.error, FillInTheBlank):
            return _blank_hint()
        which = "the exercise cell above" if run.label == exercise else "the last cell you ran"
        return f"{which} {_failed(run.error, run.where)} Fix it, run it again, then run this check."

    def _leftover(self, exercise, name, value):
        """A message when ``value`` (passed as ``name``) was made by another exercise's cell, or ``None``."""
        entry = self.bound.get(name)
        if entry is None or entry[0] != id(value) or entry[1] is None:
            return None
        _, made_by, role = entry
        if role == "setup":
            own = exercise.split()[0]
            if made_by.split()[0] == own or self.setup_values.get((own, name)) == _fingerprint(value):
                return None  # this exercise's setup cell, or another one setting the same value
            return (
                f"`{name}` was last set by the setup cell of Exercise {made_by}, not by this exercise's: "
                f"run the setup cell of Exercise {exercise.split()[0]} and the exercise cell above again, "
                f"then this check."
            )
        if made_by == exercise:
            return None
        return (
            f"`{name}` is left over from the cell of Exercise {made_by}: run the exercise cell above "
            f"(Exercise {exercise}, blanks filled in) first, then this check."
        )

    def not_ready(self, exercise, objects):
        """See :func:`not_ready`."""
        problem = self._run_problem(exercise)
        if problem:
            return problem
        for name, value in objects.items():
            problem = self._leftover(exercise, name, value)
            if problem:
                return problem
        return None

    def shown_figures(self, exercise):
        """See :func:`shown_figures`."""
        run = self._exercise_run(exercise)
        return None if run is None else run.figures

    def exercise_source(self, exercise):
        """See :func:`exercise_source`."""
        run = self._exercise_run(exercise)
        return None if run is None else run.source

    def _missing_name_message(self, error):
        """The one-line message for a ``NameError`` raised by a check cell."""
        exercise = _check_label(self.cell) or "?"
        name = getattr(error, "name", None) or str(error)
        problem = self._run_problem(exercise)
        if problem:
            return f"Exercise {exercise}: `{name}` does not exist because {problem}"
        return (
            f"Exercise {exercise}: `{name}` is not defined yet: run this exercise's cells above first (its setup "
            f"cell, then the exercise cell with its blanks filled in), then this check."
        )


# --------------------------------------------------------------------------- turning it on


def _running_shell():
    """The running IPython shell, or ``None`` (no IPython, or not inside one)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def not_ready(exercise, objects):
    """Why the check of ``exercise`` (a label such as ``'I (step 2)'``) cannot look at ``objects`` yet,
    as the end of a one-line hint, or ``None``.

    ``objects`` maps the names the check cell passes its arguments under to their values. Reasons:
    the exercise cell still has blanks, it or its setup cell stopped with an error, or an object was
    last set by another exercise's cell. Always ``None`` where :func:`enable_feedback` is off.
    """
    shell = _running_shell()
    feedback = Feedback.of(shell) if shell is not None else None
    return feedback.not_ready(exercise, objects) if feedback is not None else None


def shown_figures(exercise):
    """The :class:`ShownFigure` records of the figures the last run of ``exercise``'s cell showed
    (as :func:`not_ready` finds that run), or ``None`` where :func:`enable_feedback` is off or
    that cell has not run."""
    shell = _running_shell()
    feedback = Feedback.of(shell) if shell is not None else None
    return feedback.shown_figures(exercise) if feedback is not None else None


def exercise_source(exercise):
    """The code of the last run of ``exercise``'s cell (as :func:`not_ready` finds that run), or
    ``None`` where :func:`enable_feedback` is off or that cell has not run."""
    shell = _running_shell()
    feedback = Feedback.of(shell) if shell is not None else None
    return feedback.exercise_source(exercise) if feedback is not None else None


def learner_namespace():
    """The names the learner's cells defined (the running IPython shell's ``user_ns``), or an
    empty dict outside IPython."""
    shell = _running_shell()
    return getattr(shell, "user_ns", None) or {}


def enable_feedback(shell=None):
    """Turn on the exercise feedback in the running IPython kernel (a no-op outside IPython).

    Cells whose code contains ``____`` stop with a fill-in-the-blank message; :class:`CheckFailed`
    hints, check cells run too early and Keras 2 habits show a short message instead of a
    traceback. Running it again keeps what the cells run so far did and registers the hooks
    afresh. Returns ``None`` (prints nothing), so the first cell of a notebook shows no result.
    """
    shell = shell if shell is not None else _running_shell()
    if shell is None:
        return None
    feedback = Feedback.of(shell) or Feedback(shell)
    feedback.blank_cell = False
    feedback.install()
    return None
