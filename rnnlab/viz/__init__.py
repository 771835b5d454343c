"""What the learner sees: figures and interactive explorers (matplotlib and ipywidgets load on first use).

plots.py      the course style, diagrams of the recurrence and the cells, learning curves, piano roll,
              surprisal as coloured text
explorers.py  interactive explorers: a pure compute core (fast, tested) and thin ipywidgets wiring
              (lessons 02, 04, 05, 09, 10)
"""
