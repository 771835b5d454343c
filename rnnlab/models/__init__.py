"""Models beyond the reference cells: Keras builders and interop, and the numpy models the lessons train.

Importing a module here never imports TensorFlow; functions that build Keras models import it
when called.

keras_interop.py  numpy weights into keras.layers.SimpleRNN/LSTM/GRU and back (lessons 02, 05, 06)
numpy_train.py    a numpy RNN regressor trained with any forward/backward pair; SGD, Adam (lessons 03-04)
specs.py          Keras models built to a specification, and a plain description of any model (07-08)
seq2seq.py        encoder-decoder with and without attention, greedy decoding (lesson 09)
charlm.py         character language models: sampling, bits per character, n-grams, a Keras GRU and the
                  same GRU in numpy, surprisal, a numpy RNN language model (lesson 10)
forecast.py       naive baselines, errors, linear regression on lags, anomaly thresholds (lesson 12)
training.py       a fast trainer for many short runs, early stopping, random search (lesson 13)
"""
