"""rnnlab: the helper package of the rnnlab course on recurrent neural networks.

`import rnnlab` is light (numpy only, never TensorFlow). Start every notebook with

    import rnnlab
    rnnlab.setup()            # seeds Python and numpy, keeps TensorFlow quiet
    rnnlab.setup(keras=True)  # ... and imports Keras quietly and seeds it too

The map: the folder tells the role, and each lesson's parts are here.

| lesson               | numpy cells (reference/) | data (data/)         | models (models/)        | checks    |
|----------------------|--------------------------|----------------------|-------------------------|-----------|
| 00 welcome           | -                        | synthetic (one_hot)  | -                       | lesson00  |
| 01 sequences         | -                        | synthetic            | -                       | lesson01  |
| 02 hidden state      | rnn                      | -                    | keras_interop           | lesson02  |
| 03 BPTT              | rnn, gradcheck           | synthetic            | numpy_train             | lesson03  |
| 04 vanishing/explod. | rnn                      | synthetic            | numpy_train             | lesson04  |
| 05 LSTM              | lstm                     | -                    | keras_interop           | lesson05  |
| 06 GRU               | gru                      | synthetic            | keras_interop           | lesson06  |
| 07 RNNs in Keras     | -                        | synthetic, batching  | specs                   | lesson07  |
| 08 deep, bidirect.   | -                        | synthetic            | specs                   | lesson08  |
| 09 attention         | attention                | dates                | seq2seq                 | lesson09  |
| 10 text generation   | rnn (via charlm)         | chars                | charlm, numpy_train     | lesson10  |
| 11 sentiment         | -                        | reviews              | (Keras in the notebook) | lesson11  |
| 12 time series       | -                        | timeseries           | forecast                | lesson12  |
| 13 training practice | -                        | synthetic            | training                | lesson13  |
| 14 hybrids           | lstm (numpy composer)    | music, video         | (Keras in the notebook) | lesson14  |
| 15 speech            | ctc                      | speech               | speech                  | lesson15  |
| 16 real time series  | -                        | energy, stocks       | (Keras in the notebook) | lesson16  |
| 17 seq2seq           | decoding                 | dates, dialogue      | seq2seq                 | lesson17  |
| 99 FAQ and glossary  | -                        | -                    | -                       | -         |

Figures and explorers are in viz/ (plots, explorers: lessons 02, 04, 05, 09, 10; speech: lesson 15's
spectrograms, CTC posteriors and `show_ctc_explorer`); quizzes, the progress store, the dashboard and the
glossary of the last notebook in course/; grading/ grades submissions (`python -m rnnlab grade`) and
builds a gradebook across lessons with LMS export (`python -m rnnlab gradebook`).

Layers, lowest first; a module imports only from its own layer or lower ones:
  _shapes, outcomes, claims                  shape checks that teach; shared names; verdict lines
  reference/                                 the numpy cells (the contract; imports nothing above)
  data/                                      data sets (numpy; nothing above)
  session                                    set-up: seeds, quiet TensorFlow, threads, course root
  models/                                    Keras builders, numpy models
  course/progress                            the progress store (a leaf)
  checks/                                    the exercise checks
  viz/, course/quiz, course/dashboard,      what the learner sees
  course/glossary
  grading/, authoring, robust, doctor, cli   tools for instructors and authors
"""
from .session import course_root, seed, setup

__version__ = "0.1.0"
__all__ = ["setup", "seed", "course_root", "__version__"]
