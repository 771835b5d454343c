"""Every data set of the course, generated (seeded numpy) or read offline; numpy only, no TensorFlow.

synthetic.py  generated tasks: one-hot, windows, noisy sine, arithmetic sequences, the adding problem
              (lessons 00-06), ragged majority, sliding parity, look both ways (07-08), frequency task (13)
batching.py   tables to (samples, timesteps, features); padding and masks (lesson 07)
chars.py      characters: the standard library's source or your own file, CharVocab, windows (lesson 10)
reviews.py    word-level text: generated reviews with negation and "but", the pet sentences of the embedding
              demo, vocabularies, bag of words (lesson 11)
dates.py      human-readable dates to ISO, digit strings to copy (lesson 09)
timeseries.py Seattle's measured weather (from vega_datasets, offline) or your CSV; windows, splits;
              random walk, sensor with anomalies (lesson 12)
music.py      a generated folk-tune corpus and numpy audio (lesson 14)
video.py      clips of a moving shape (lesson 14)
"""
