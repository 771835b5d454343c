"""THE numpy cells of the course: the reference the exercises are checked against (the contract).

    from rnnlab import reference as ref
    ref.rnn_step_forward(x, h_prev, Wx, Wh, b) -> (h_next, cache)          # rnn.py: vanilla (Elman) RNN
    ref.lstm_forward(x, h0, Wx, Wh, b, c0=None) -> (h, cache)             # lstm.py: gate blocks [i, f, c, o]
    ref.gru_forward(x, h0, Wx, Wh, b) -> (h, cache)                       # gru.py: blocks [z, r, h~]
    ref.dot_attention(queries, values, mask=None) -> (context, weights)   # attention.py: Luong dot attention
    ref.ctc_loss(logits, labels, blank=0) -> float                        # ctc.py: CTC forward algorithm
    ref.ctc_greedy_decode(logits, blank=0) -> list[int]                   # ctc.py: best-path decoding
    ref.beam_search(step, start, end, width, max_len, alpha) -> (ids, logp)  # decoding.py: beam search

numpy, batch-major, weights in Keras' own layout (`layer.set_weights([Wx, Wh, b])` gives the same
numbers). Every function computes in the dtype of its inputs and never modifies its arguments;
a wrong shape raises ValueError naming the expected shapes. `activations.py` holds the one
sigmoid and softmax of the course, `layout.py` the gate-block layout and the shape checks,
`gradcheck.py` central-difference gradient checking.
"""
from .activations import sigmoid, softmax
from .attention import dot_attention
from .ctc import ctc_greedy_decode, ctc_loss
from .decoding import beam_search
from .gru import GRUCache, GRUStepCache, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .lstm import LSTMCache, LSTMStepCache, lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from .rnn import RNNCache, RNNStepCache, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "RNNStepCache", "RNNCache",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "sigmoid", "softmax", "LSTMStepCache", "LSTMCache",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "GRUStepCache", "GRUCache",
    "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward",
    "dot_attention",
    "ctc_loss", "ctc_greedy_decode",
    "beam_search",
]
