"""Generated from notebooks/02_gru_lstm_cells.ipynb by `make export`; edit the notebook, not this file."""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias, activation=np.tanh):
    """One SimpleRNN step: h_t = tanh(x_t W + h_prev U + b), shape (batch, units)."""
    return activation(x_t @ kernel + h_prev @ recurrent_kernel + bias)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, activation=np.tanh,
             recurrent_activation=sigmoid, reset_after=True):
    """One GRU step; returns (h_t, gates) with gates = {"update", "reset", "candidate"}."""
    if reset_after:
        input_bias, recurrent_bias = bias                  # bias has shape (2, 3 * units)
    else:
        input_bias, recurrent_bias = bias, np.zeros_like(bias)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(recurrent_bias, 3, axis=-1)
    z = recurrent_activation(x_z + h_prev @ u_z + b_z)     # update gate
    r = recurrent_activation(x_r + h_prev @ u_r + b_r)     # reset gate
    if reset_after:
        candidate = activation(x_h + r * (h_prev @ u_h + b_h))
    else:
        candidate = activation(x_h + (r * h_prev) @ u_h)
    h_t = z * h_prev + (1.0 - z) * candidate               # keep z of the old state
    return h_t, {"update": z, "reset": r, "candidate": candidate}


def lstm_step(x_t, state, kernel, recurrent_kernel, bias, activation=np.tanh, recurrent_activation=sigmoid):
    """One LSTM step on state = (h_prev, c_prev); returns ((h_t, c_t), gates)."""
    h_prev, c_prev = state
    x_i, x_f, x_c, x_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
    i = recurrent_activation(x_i)                          # input gate
    f = recurrent_activation(x_f)                          # forget gate
    candidate = activation(x_c)
    o = recurrent_activation(x_o)                          # output gate
    c_t = f * c_prev + i * candidate                       # the cell: keep f of it, write i of the candidate
    h_t = o * activation(c_t)
    return (h_t, c_t), {"input": i, "forget": f, "candidate": candidate, "output": o, "cell": c_t}
