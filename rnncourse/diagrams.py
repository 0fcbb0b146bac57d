"""Drawings of the SimpleRNN, GRU and LSTM cells with matplotlib.

Yellow boxes are layers with weights (a matrix product, a bias, then the activation
written in the box); pink circles are element-wise operations; the labels name the
vectors of the equations in the lesson. ``draw_cell(kind, ax)`` draws one cell on ``ax``.
"""

import matplotlib.patches as patches

LAYER_COLOR = "#ffe08a"
OP_COLOR = "#f6c6c6"
CELL_COLOR = "#eef3fb"
WIRE_COLOR = "#333333"


def _wire(ax, points, arrow=True, color=WIRE_COLOR):
    """A polyline through ``points``, with an arrow head at its end when ``arrow``."""
    xs, ys = zip(*points)
    ax.plot(xs[:-1] + (xs[-1],), ys[:-1] + (ys[-1],), color=color, lw=1.6, solid_capstyle="round", zorder=1)
    if arrow:
        ax.annotate("", xy=points[-1], xytext=points[-2],
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.6, "shrinkA": 0, "shrinkB": 0},
                    zorder=2)


def _layer(ax, center, text, width=0.9, height=0.6):
    """A layer with weights: a yellow box labelled with its activation."""
    x, y = center
    ax.add_patch(patches.FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                        boxstyle="round,pad=0.02,rounding_size=0.1",
                                        facecolor=LAYER_COLOR, edgecolor=WIRE_COLOR, lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=4)


def _matrix(ax, center, text, width=0.6, height=0.42):
    """A matrix product without activation: a white box."""
    x, y = center
    ax.add_patch(patches.Rectangle((x - width / 2, y - height / 2), width, height,
                                   facecolor="white", edgecolor=WIRE_COLOR, lw=1.0, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=4)


def _op(ax, center, text, radius=0.27):
    """An element-wise operation: a pink circle."""
    ax.add_patch(patches.Circle(center, radius, facecolor=OP_COLOR, edgecolor=WIRE_COLOR, lw=1.2, zorder=3))
    ax.text(center[0], center[1], text, ha="center", va="center", fontsize=11 if len(text) == 1 else 7, zorder=4)


def _dot(ax, center):
    """A junction where a wire splits."""
    ax.add_patch(patches.Circle(center, 0.07, color=WIRE_COLOR, zorder=3))


def _label(ax, xy, text, **kwargs):
    options = {"ha": "center", "va": "center", "fontsize": 12}
    options.update(kwargs)
    ax.text(xy[0], xy[1], text, **options)


def _frame(ax, width, height, title):
    ax.add_patch(patches.FancyBboxPatch((0.3, 0.2), width - 0.6, height - 0.4,
                                        boxstyle="round,pad=0.05,rounding_size=0.4",
                                        facecolor=CELL_COLOR, edgecolor="#7a8fb3", lw=1.5, zorder=0))
    ax.set_xlim(-1.4, width + 1.6)
    ax.set_ylim(-1.0, height + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)


def draw_simple_rnn(ax):
    """SimpleRNN: one tanh layer reads ``x_t`` and ``h_{t-1}``; its output is ``h_t``."""
    _frame(ax, 7.0, 4.2, "SimpleRNN cell")
    _wire(ax, [(-1.0, 1.0), (3.5, 1.0), (3.5, 1.7)])
    _wire(ax, [(1.6, -0.8), (1.6, 1.0)], arrow=False)
    _dot(ax, (1.6, 1.0))
    _layer(ax, (3.5, 2.0), "tanh")
    _label(ax, (4.6, 2.0), "$W, U, b$", fontsize=10, color="#555555")
    _wire(ax, [(3.5, 2.3), (3.5, 3.3), (8.0, 3.3)])
    _dot(ax, (6.0, 3.3))
    _wire(ax, [(6.0, 3.3), (6.0, 4.9)])
    _label(ax, (-1.0, 1.35), "$h_{t-1}$")
    _label(ax, (1.6, -0.95), "$x_t$", va="top")
    _label(ax, (8.2, 3.3), "$h_t$", ha="left")
    _label(ax, (6.0, 5.1), "output $h_t$", va="bottom", fontsize=10)
    return ax


def draw_gru(ax):
    """GRU (Keras ``reset_after=True``): update gate ``z``, reset gate ``r``, candidate ``h~``."""
    _frame(ax, 11.0, 5.6, "GRU cell (Keras: reset_after=True)")
    top = 4.8
    # the state line: h_{t-1} -> keep z of it -> add the new part -> h_t
    _wire(ax, [(-1.0, top), (7.73, top)])
    _op(ax, (8.0, top), "×")
    _wire(ax, [(8.27, top), (9.33, top)])
    _op(ax, (9.6, top), "+")
    _wire(ax, [(9.87, top), (12.2, top)])
    _label(ax, (-1.0, top + 0.35), "$h_{t-1}$")
    _label(ax, (12.3, top), "$h_t$", ha="left")
    # gate inputs: h_{t-1} and x_t side by side
    _dot(ax, (1.0, top))
    _wire(ax, [(1.0, top), (1.0, 0.8), (6.8, 0.8)], arrow=False)
    _wire(ax, [(1.0, -0.8), (1.0, 0.8)], arrow=False)
    _dot(ax, (1.0, 0.8))
    _label(ax, (1.0, -0.95), "$x_t$", va="top")
    for x in (2.2, 3.6):
        _wire(ax, [(x, 0.8), (x, 1.7)])
    _wire(ax, [(6.8, 0.8), (6.8, 1.7)])
    _layer(ax, (2.2, 2.0), "σ")
    _layer(ax, (3.6, 2.0), "σ")
    _layer(ax, (6.8, 2.0), "tanh")
    # update gate z: keeps z of h_{t-1}, lets (1 - z) of the candidate in
    _wire(ax, [(2.2, 2.3), (2.2, 4.0), (8.0, 4.0), (8.0, top - 0.27)])
    _dot(ax, (8.0, 4.0))
    _wire(ax, [(8.0, 4.0), (8.53, 4.0)])
    _op(ax, (8.8, 4.0), "1−")
    _wire(ax, [(9.07, 4.0), (9.33, 4.0)])
    _op(ax, (9.6, 4.0), "×")
    _wire(ax, [(9.6, 4.27), (9.6, top - 0.27)])
    _label(ax, (1.95, 3.1), "$z_t$", ha="right")
    # reset gate r: scales the recurrent part h_{t-1} U_h of the candidate
    _wire(ax, [(3.6, 2.3), (3.6, 2.95), (5.33, 2.95)])
    _label(ax, (3.35, 2.65), "$r_t$", ha="right")
    _dot(ax, (5.6, top))
    _wire(ax, [(5.6, top), (5.6, 3.22)])
    _matrix(ax, (5.6, 3.55), "$U_h$")
    _op(ax, (5.6, 2.95), "×")
    _wire(ax, [(5.87, 2.95), (6.8, 2.95), (6.8, 2.3)])
    # candidate -> (1 - z) * candidate
    _wire(ax, [(7.25, 2.0), (9.6, 2.0), (9.6, 3.73)])
    _label(ax, (8.4, 2.3), r"$\tilde h_t$")
    return ax


def draw_lstm(ax):
    """LSTM: forget gate ``f``, input gate ``i``, candidate ``c~``, output gate ``o``; cell state ``c``."""
    _frame(ax, 10.0, 5.6, "LSTM cell")
    top = 4.8
    # the cell state line: c_{t-1} -> forget -> add -> c_t
    _wire(ax, [(-1.0, top), (1.93, top)])
    _op(ax, (2.2, top), "×")
    _wire(ax, [(2.47, top), (4.33, top)])
    _op(ax, (4.6, top), "+")
    _wire(ax, [(4.87, top), (11.2, top)])
    _label(ax, (-1.0, top + 0.35), "$c_{t-1}$")
    _label(ax, (11.3, top), "$c_t$", ha="left")
    # gate inputs: h_{t-1} and x_t
    _wire(ax, [(-1.0, 0.8), (6.2, 0.8)], arrow=False)
    _label(ax, (-1.0, 1.15), "$h_{t-1}$")
    _wire(ax, [(1.0, -0.8), (1.0, 0.8)], arrow=False)
    _dot(ax, (1.0, 0.8))
    _label(ax, (1.0, -0.95), "$x_t$", va="top")
    for x in (2.2, 3.4, 4.6, 6.2):
        _wire(ax, [(x, 0.8), (x, 1.7)])
    _layer(ax, (2.2, 2.0), "σ")
    _layer(ax, (3.4, 2.0), "σ")
    _layer(ax, (4.6, 2.0), "tanh")
    _layer(ax, (6.2, 2.0), "σ")
    # forget gate f scales the old cell state
    _wire(ax, [(2.2, 2.3), (2.2, top - 0.27)])
    _label(ax, (1.95, 3.3), "$f_t$", ha="right")
    # input gate i scales the candidate, which is added to the cell state
    _wire(ax, [(3.4, 2.3), (3.4, 3.4), (4.33, 3.4)])
    _label(ax, (3.15, 2.9), "$i_t$", ha="right")
    _wire(ax, [(4.6, 2.3), (4.6, 3.13)])
    _label(ax, (4.85, 2.7), r"$\tilde c_t$", ha="left")
    _op(ax, (4.6, 3.4), "×")
    _wire(ax, [(4.6, 3.67), (4.6, top - 0.27)])
    # output gate o scales tanh(c_t) into h_t
    _dot(ax, (7.6, top))
    _wire(ax, [(7.6, top), (7.6, 3.87)])
    _op(ax, (7.6, 3.6), "tanh")
    _wire(ax, [(7.6, 3.33), (7.6, 2.27)])
    _wire(ax, [(6.65, 2.0), (7.33, 2.0)])
    _label(ax, (6.95, 2.3), "$o_t$")
    _op(ax, (7.6, 2.0), "×")
    _wire(ax, [(7.6, 1.73), (7.6, 0.8), (11.2, 0.8)])
    _label(ax, (11.3, 0.8), "$h_t$", ha="left")
    _dot(ax, (9.0, 0.8))
    _wire(ax, [(9.0, 0.8), (9.0, 3.9)])
    _label(ax, (9.0, 4.1), "output $h_t$", fontsize=10, va="bottom",
           bbox={"facecolor": CELL_COLOR, "edgecolor": "none", "pad": 1})
    return ax


DRAWERS = {"simple_rnn": draw_simple_rnn, "gru": draw_gru, "lstm": draw_lstm}


def draw_cell(kind, ax):
    """Draw the cell ``kind`` (``"simple_rnn"``, ``"gru"`` or ``"lstm"``) on ``ax``; returns ``ax``."""
    if kind not in DRAWERS:
        raise ValueError(f"kind={kind!r} is not a cell; use one of {sorted(DRAWERS)}.")
    return DRAWERS[kind](ax)
