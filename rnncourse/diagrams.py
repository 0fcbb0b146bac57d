"""For learners: drawings of the SimpleRNN, GRU and LSTM cells with matplotlib.

Yellow boxes are layers with weights (a matrix product, a bias, then the activation
written in the box); white boxes are matrix products plus a bias, with no activation;
pink circles and pills are element-wise operations (×, +, 1−, tanh); black dots are
junctions where a wire splits, and two wires that cross without a dot do not touch.
Every wire ends in an arrow head, and the labels name the vectors of the equations in
the lesson. ``draw_cell(kind, ax)`` draws one cell on ``ax`` and returns ``ax``; the
drawings are sized for ``figsize=(6, 3.6)`` (SimpleRNN) and ``figsize=(8, 4.2)`` (GRU, LSTM),
where every label is at least 10 pt. ``draw_unrolled(ax)`` draws a SimpleRNN unrolled over time with the
forward computation and the backward path of backpropagation through time, sized for ``figsize=(9, 3.2)``.
"""

import matplotlib.patches as patches
import matplotlib.patheffects as patheffects

LAYER_COLOR = "#ffe08a"
OP_COLOR = "#f6c6c6"
CELL_COLOR = "#eef3fb"
WIRE_COLOR = "#333333"
NOTE_COLOR = "#555555"

OP_RADIUS = 0.3  # the radius of a round element-wise operation
BOX_HEIGHT = 0.6  # the height of layer boxes
MATRIX_HEIGHT = 0.56
PILL_HEIGHT = 0.56  # the height of an element-wise operation written as a word ("tanh")
FONT = 12  # labels of wires and boxes
SMALL_FONT = 10  # notes (weights, outputs): the smallest text in the drawings


def _arrow_head(ax, start, end, color=WIRE_COLOR):
    """An arrow head at ``end``, pointing along the segment from ``start``."""
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": color,
            "lw": 1.6,
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 14,
        },
        zorder=2,
    )


def _wire(ax, points, arrow=True, mid=(), over=False, color=WIRE_COLOR):
    """A polyline through ``points``: an arrow head at its end when ``arrow``, and one half-way
    along each segment whose index is in ``mid``. ``over`` draws it with a gap around it, so
    that a wire it crosses is seen to pass under it, unconnected."""
    xs, ys = zip(*points)
    effects = [patheffects.Stroke(linewidth=7, foreground=CELL_COLOR), patheffects.Normal()] if over else None
    ax.plot(
        xs,
        ys,
        color=color,
        lw=1.6,
        solid_capstyle="butt",
        solid_joinstyle="miter",
        zorder=1.5 if over else 1,
        path_effects=effects,
    )
    if arrow:
        _arrow_head(ax, points[-2], points[-1], color)
    for index in mid:
        (x0, y0), (x1, y1) = points[index], points[index + 1]
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        _arrow_head(
            ax,
            (xm - (x1 - x0) * 0.01, ym - (y1 - y0) * 0.01),
            (xm + (x1 - x0) * 0.05, ym + (y1 - y0) * 0.05),
            color,
        )


def _layer(ax, center, text, width=0.9, height=BOX_HEIGHT):
    """A layer with weights: a yellow box labelled with its activation."""
    x, y = center
    ax.add_patch(
        patches.FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.1",
            facecolor=LAYER_COLOR,
            edgecolor=WIRE_COLOR,
            lw=1.2,
            zorder=3,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT + 1, zorder=4)


def _matrix(ax, center, text, width, height=MATRIX_HEIGHT):
    """A matrix product plus a bias, without activation: a white box."""
    x, y = center
    ax.add_patch(
        patches.Rectangle(
            (x - width / 2, y - height / 2),
            width,
            height,
            facecolor="white",
            edgecolor=WIRE_COLOR,
            lw=1.2,
            zorder=3,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT - 1, zorder=4)


def _op(ax, center, text, width=None):
    """An element-wise operation: a pink circle, or a pink pill ``width`` wide for a word."""
    x, y = center
    if width is None:
        ax.add_patch(
            patches.Circle(center, OP_RADIUS, facecolor=OP_COLOR, edgecolor=WIRE_COLOR, lw=1.2, zorder=3)
        )
    else:
        ax.add_patch(
            patches.FancyBboxPatch(
                (x - width / 2, y - PILL_HEIGHT / 2),
                width,
                PILL_HEIGHT,
                boxstyle=f"round,pad=0,rounding_size={PILL_HEIGHT / 2}",
                facecolor=OP_COLOR,
                edgecolor=WIRE_COLOR,
                lw=1.2,
                zorder=3,
            )
        )
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT + 1 if len(text) == 1 else FONT, zorder=4)


def _dot(ax, center):
    """A junction where a wire splits."""
    ax.add_patch(patches.Circle(center, 0.08, color=WIRE_COLOR, zorder=3))


def _label(ax, xy, text, **kwargs):
    options = {"ha": "center", "va": "center", "fontsize": FONT}
    options.update(kwargs)
    ax.text(xy[0], xy[1], text, **options)


def _frame(ax, width, height, title, xlim, ylim):
    ax.add_patch(
        patches.FancyBboxPatch(
            (0.3, 0.2),
            width - 0.6,
            height - 0.4,
            boxstyle="round,pad=0.05,rounding_size=0.4",
            facecolor=CELL_COLOR,
            edgecolor="#7a8fb3",
            lw=1.5,
            zorder=0,
        )
    )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=FONT)


def draw_simple_rnn(ax):
    """SimpleRNN: h_t = tanh(x_t W + h_{t-1} U + b); one tanh layer reads [h_{t-1}, x_t]."""
    _frame(
        ax,
        7.0,
        4.0,
        "SimpleRNN cell: $h_t = \\tanh(x_t W + h_{t-1} U + b)$",
        xlim=(-1.4, 8.9),
        ylim=(-1.2, 4.6),
    )
    bus, top = 1.0, 3.0
    # h_{t-1} and x_t meet and feed the tanh layer
    _wire(ax, [(-1.0, bus), (1.6, bus)], arrow=False, mid=(0,))
    _wire(ax, [(1.6, -0.8), (1.6, bus)], arrow=False, mid=(0,))
    _dot(ax, (1.6, bus))
    _wire(ax, [(1.6, bus), (3.5, bus), (3.5, 2.0 - BOX_HEIGHT / 2)], arrow=True, mid=(0,))
    _label(ax, (2.55, bus - 0.3), "$[h_{t-1}, x_t]$", fontsize=SMALL_FONT, va="top")
    _layer(ax, (3.5, 2.0), "tanh", width=1.1)
    _label(ax, (4.2, 2.0), "weights $W, U, b$", fontsize=SMALL_FONT, color=NOTE_COLOR, ha="left")
    # its output is h_t: the next step's state, and the layer's output
    _wire(ax, [(3.5, 2.0 + BOX_HEIGHT / 2), (3.5, top), (7.9, top)])
    _dot(ax, (7.3, top))
    _wire(ax, [(7.3, top), (7.3, -0.8)])
    _label(ax, (-1.0, bus + 0.35), "$h_{t-1}$", ha="left")
    _label(ax, (1.6, -0.9), "$x_t$", va="top")
    _label(ax, (8.0, top), "$h_t$", ha="left")
    _label(ax, (7.3, -0.9), "output $h_t$", fontsize=SMALL_FONT, va="top")
    return ax


def draw_gru(ax):
    """GRU as Keras computes it by default (``reset_after=True``):

    z_t = σ(x_t W_z + h_{t-1} U_z + b_z) and r_t = σ(x_t W_r + h_{t-1} U_r + b_r) read [h_{t-1}, x_t];
    the candidate h~_t = tanh(x_t W_h + b_h + r_t ⊙ (h_{t-1} U_h + b'_h)) reads x_t directly and
    h_{t-1} only through r_t; h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h~_t.
    """
    _frame(ax, 12.5, 6.6, "GRU cell (Keras default, reset_after=True)", xlim=(-1.3, 14.2), ylim=(-1.2, 6.7))
    top, zline, high, r_y, gate, bus, low = 6.0, 5.05, 4.2, 3.3, 2.3, 1.3, 0.6
    join, z_x, r_x = 0.9, 2.0, 3.2  # x of the junction [h_{t-1}, x_t] and of the two gates
    hu, cand = 5.1, 8.0  # x of the recurrent branch h_{t-1} U_h + b'_h and of the candidate
    keep, one_minus, add = 9.7, 10.65, 11.7  # x of z ⊙ h_{t-1}, of 1 - z and of the sum
    R = OP_RADIUS
    # the state line: h_{t-1} -> keep z_t of it -> add (1 - z_t) of the candidate -> h_t
    _wire(ax, [(-1.0, top), (keep - R, top)])
    _op(ax, (keep, top), "×")
    _wire(ax, [(keep + R, top), (add - R, top)])
    _op(ax, (add, top), "+")
    _wire(ax, [(add + R, top), (13.3, top)])
    _label(ax, (-1.0, top + 0.35), "$h_{t-1}$", ha="left")
    _label(ax, (13.4, top), "$h_t$", ha="left")
    _dot(ax, (12.75, top))
    _wire(ax, [(12.75, top), (12.75, -0.9)])
    _label(ax, (12.75, -1.0), "output $h_t$", fontsize=SMALL_FONT, va="top")
    # the gates read [h_{t-1}, x_t]
    _dot(ax, (join, top))
    _wire(ax, [(join, top), (join, bus)], arrow=False, mid=(0,))
    _wire(ax, [(join, -0.9), (join, low), (join, bus)], arrow=False, mid=(0, 1))
    _dot(ax, (join, low))
    _dot(ax, (join, bus))
    _label(ax, (join, -1.0), "$x_t$", va="top")
    _wire(ax, [(join, bus), (z_x, bus), (r_x, bus), (r_x, gate - BOX_HEIGHT / 2)], mid=(0,))
    _dot(ax, (z_x, bus))
    _wire(ax, [(z_x, bus), (z_x, gate - BOX_HEIGHT / 2)])
    _layer(ax, (z_x, gate), "σ")
    _layer(ax, (r_x, gate), "σ")
    # update gate z_t: keeps z_t of h_{t-1}, lets 1 - z_t of the candidate in
    _wire(ax, [(z_x, gate + BOX_HEIGHT / 2), (z_x, zline), (keep, zline), (keep, top - R)])
    _label(ax, (z_x - 0.2, 3.6), "$z_t$", ha="right")
    _dot(ax, (keep, zline))
    _wire(ax, [(keep, zline), (one_minus - 0.425, zline)])
    _op(ax, (one_minus, zline), "1−", width=0.85)
    _wire(ax, [(one_minus + 0.425, zline), (add - R, zline)])
    _op(ax, (add, zline), "×")
    _wire(ax, [(add, zline + R), (add, top - R)])
    # reset gate r_t: scales the recurrent part h_{t-1} U_h + b'_h of the candidate only
    _wire(ax, [(r_x, gate + BOX_HEIGHT / 2), (r_x, r_y), (hu - R, r_y)])
    _label(ax, (r_x - 0.2, 3.0), "$r_t$", ha="right")
    _dot(ax, (hu, top))
    _wire(ax, [(hu, top), (hu, high + MATRIX_HEIGHT / 2)], over=True)
    _matrix(ax, (hu, high), "$h_{t-1} U_h + b'_h$", width=2.6)
    _wire(ax, [(hu, high - MATRIX_HEIGHT / 2), (hu, r_y + R)])
    _op(ax, (hu, r_y), "×")
    _wire(ax, [(hu + R, r_y), (cand - R, r_y)])
    # the candidate reads x_t directly: tanh(x_t W_h + b_h + r_t ⊙ (h_{t-1} U_h + b'_h))
    _wire(ax, [(join, low), (cand, low), (cand, gate - MATRIX_HEIGHT / 2)], mid=(0,))
    _matrix(ax, (cand, gate), "$x_t W_h + b_h$", width=2.1)
    _wire(ax, [(cand, gate + MATRIX_HEIGHT / 2), (cand, r_y - R)])
    _op(ax, (cand, r_y), "+")
    _wire(ax, [(cand, r_y + R), (cand, high - PILL_HEIGHT / 2)])
    _op(ax, (cand, high), "tanh", width=1.25)
    # the candidate h~_t -> (1 - z_t) ⊙ h~_t
    _wire(ax, [(cand + 0.625, high), (add, high), (add, zline - R)])
    _label(ax, ((cand + keep) / 2 + 0.3, high - 0.12), r"$\tilde h_t$", va="top")
    return ax


def draw_lstm(ax):
    """LSTM: gates i_t, f_t, o_t = σ(x_t W + h_{t-1} U + b) and candidate c~_t = tanh(x_t W_c + h_{t-1} U_c + b_c)
    all read [h_{t-1}, x_t]; c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t and h_t = o_t ⊙ tanh(c_t)."""
    _frame(ax, 10.4, 6.0, "LSTM cell", xlim=(-1.4, 12.4), ylim=(-1.2, 6.2))
    top, bus, gate = 5.2, 1.0, 2.2
    R = OP_RADIUS
    f_x, i_x, c_x, o_x, out_x = 2.3, 3.6, 5.0, 6.6, 8.2
    # the cell state line: c_{t-1} -> forget -> add -> c_t
    _wire(ax, [(-1.0, top), (f_x - R, top)])
    _op(ax, (f_x, top), "×")
    _wire(ax, [(f_x + R, top), (c_x - R, top)])
    _op(ax, (c_x, top), "+")
    _wire(ax, [(c_x + R, top), (11.4, top)])
    _label(ax, (-1.0, top + 0.35), "$c_{t-1}$", ha="left")
    _label(ax, (11.5, top), "$c_t$", ha="left")
    # the gates and the candidate read [h_{t-1}, x_t]
    _wire(ax, [(-1.0, bus), (1.0, bus)], arrow=False, mid=(0,))
    _label(ax, (-1.0, bus + 0.35), "$h_{t-1}$", ha="left")
    _wire(ax, [(1.0, -0.9), (1.0, bus)], arrow=False, mid=(0,))
    _dot(ax, (1.0, bus))
    _label(ax, (1.0, -1.0), "$x_t$", va="top")
    _wire(ax, [(1.0, bus), (f_x, bus), (o_x, bus), (o_x, gate - BOX_HEIGHT / 2)], mid=(0,))
    for x in (f_x, i_x, c_x):
        _dot(ax, (x, bus))
        _wire(ax, [(x, bus), (x, gate - BOX_HEIGHT / 2)])
    _layer(ax, (f_x, gate), "σ")
    _layer(ax, (i_x, gate), "σ")
    _layer(ax, (c_x, gate), "tanh", width=1.1)
    _layer(ax, (o_x, gate), "σ")
    # forget gate f_t scales the old cell state
    _wire(ax, [(f_x, gate + BOX_HEIGHT / 2), (f_x, top - R)])
    _label(ax, (f_x - 0.2, 3.6), "$f_t$", ha="right")
    # input gate i_t scales the candidate c~_t, which is added to the cell state
    i_y = 3.8
    _wire(ax, [(i_x, gate + BOX_HEIGHT / 2), (i_x, i_y), (c_x - R, i_y)])
    _label(ax, (i_x - 0.2, 3.1), "$i_t$", ha="right")
    _wire(ax, [(c_x, gate + BOX_HEIGHT / 2), (c_x, i_y - R)])
    _label(ax, (c_x + 0.2, 3.05), r"$\tilde c_t$", ha="left")
    _op(ax, (c_x, i_y), "×")
    _wire(ax, [(c_x, i_y + R), (c_x, top - R)])
    # output gate o_t scales tanh(c_t) into h_t
    _dot(ax, (out_x, top))
    _wire(ax, [(out_x, top), (out_x, 3.9 + PILL_HEIGHT / 2)])
    _op(ax, (out_x, 3.9), "tanh", width=1.0)
    _wire(ax, [(out_x, 3.9 - PILL_HEIGHT / 2), (out_x, gate + R)])
    _wire(ax, [(o_x + 0.45, gate), (out_x - R, gate)])
    _label(ax, ((o_x + 0.45 + out_x - R) / 2, gate + 0.3), "$o_t$", va="bottom")
    _op(ax, (out_x, gate), "×")
    _wire(ax, [(out_x, gate - R), (out_x, bus), (11.4, bus)])
    _label(ax, (11.5, bus), "$h_t$", ha="left")
    _dot(ax, (10.7, bus))
    _wire(ax, [(10.7, bus), (10.7, -0.9)])
    _label(ax, (10.7, -1.0), "output $h_t$", fontsize=SMALL_FONT, va="top")
    return ax


BACKWARD_COLOR = "#c0392b"


def draw_unrolled(ax):
    """A SimpleRNN unrolled over T steps: x_1..x_T feed h_1..h_T (through W), each h_{t-1} feeds h_t (through U),
    and h_T feeds the loss L (black, forward). The backward path (red, dashed) starts at dL/dh_T and is multiplied
    by diag(f'(z_t)) U^T at every step on its way back to h_1; returns ``ax``."""
    columns = {"1": 0.0, "2": 2.6, "3": 5.2, "T": 9.4}  # x of each drawn step; the dots stand for the others
    state_y, input_y, loss_y, back_y = 2.0, 0.0, 4.0, 2.75
    box = 0.9
    for step, x in columns.items():
        _layer(ax, (x, state_y), f"$h_{{{step}}}$", width=box)
        _matrix(ax, (x, input_y), f"$x_{{{step}}}$", width=box)
        _wire(ax, [(x, input_y + MATRIX_HEIGHT / 2), (x, state_y - BOX_HEIGHT / 2)])
        _label(
            ax, (x + 0.12, (input_y + state_y) / 2), "$W$", ha="left", fontsize=SMALL_FONT, color=NOTE_COLOR
        )
    # forward: h_0 -> h_1 -> h_2 -> h_3 -> ... -> h_T -> L
    starts = [-1.9, columns["1"], columns["2"], columns["3"] + box / 2 + 1.75]
    ends = [columns["1"], columns["2"], columns["3"], columns["T"]]
    for start, end in zip(starts, ends):
        x0 = start if start < -1 or start > columns["3"] else start + box / 2
        _wire(ax, [(x0, state_y), (end - box / 2, state_y)])
        _label(
            ax,
            ((x0 + end - box / 2) / 2, state_y - 0.12),
            "$U$",
            va="top",
            fontsize=SMALL_FONT,
            color=NOTE_COLOR,
        )
    _wire(ax, [(columns["3"] + box / 2, state_y), (columns["3"] + box / 2 + 0.75, state_y)], arrow=False)
    _label(ax, (columns["3"] + box / 2 + 1.25, state_y), "$\\cdots$")
    _label(ax, (-1.95, state_y), "$h_0$", ha="right")
    _op(ax, (columns["T"], loss_y), "$L$")
    _wire(ax, [(columns["T"], state_y + BOX_HEIGHT / 2), (columns["T"], loss_y - OP_RADIUS)])
    # backward: dL/dh_T, then one factor diag(f'(z_t)) U^T per step back
    red = BACKWARD_COLOR
    ax.annotate(
        "",
        xy=(columns["T"] + 0.3, state_y + BOX_HEIGHT / 2 + 0.05),
        xytext=(columns["T"] + 0.3, loss_y - 0.2),
        arrowprops={"arrowstyle": "-|>", "color": red, "lw": 1.6, "linestyle": "--", "mutation_scale": 14},
    )
    _label(
        ax,
        (columns["T"] + 0.45, (state_y + loss_y) / 2 + 0.25),
        "$\\partial L / \\partial h_T$",
        ha="left",
        color=red,
        fontsize=SMALL_FONT,
    )
    back = [
        ("T", columns["T"], columns["3"] + box / 2 + 1.75),
        ("4", columns["3"] + box / 2 + 0.75, columns["3"]),
        ("3", columns["3"], columns["2"]),
        ("2", columns["2"], columns["1"]),
    ]
    for step, x_from, x_to in back:
        x0 = x_from - box / 2 if step in ("T", "3", "2") else x_from
        x1 = x_to + box / 2 if step in ("4", "3", "2") else x_to
        ax.annotate(
            "",
            xy=(x1, back_y),
            xytext=(x0, back_y),
            arrowprops={
                "arrowstyle": "-|>",
                "color": red,
                "lw": 1.6,
                "linestyle": "--",
                "mutation_scale": 14,
            },
        )
        if step != "4":
            _label(
                ax,
                ((x0 + x1) / 2, back_y + 0.12),
                f"$\\mathrm{{diag}}(f'(z_{{{step}}}))\\,U^\\top$",
                va="bottom",
                color=red,
                fontsize=SMALL_FONT,
            )
    ax.set_xlim(-2.8, 11.6)
    ax.set_ylim(-0.5, 4.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("A SimpleRNN unrolled: forward (black) and the BPTT backward path (red)", fontsize=FONT)
    return ax


DRAWERS = {"simple_rnn": draw_simple_rnn, "gru": draw_gru, "lstm": draw_lstm}


def draw_cell(kind, ax):
    """Draw the cell ``kind`` (``"simple_rnn"``, ``"gru"`` or ``"lstm"``) on ``ax``; returns ``ax``."""
    if kind not in DRAWERS:
        raise ValueError(f"kind={kind!r} is not a cell; use one of {sorted(DRAWERS)}.")
    return DRAWERS[kind](ax)
