"""Course machinery: quizzes, the learner's progress, and the dashboard.

progress.py   the local store of exercise and quiz results (a leaf: imports nothing else from rnnlab)
quiz.py       question banks quizzes/NN_slug.yaml (validated with a JSON Schema), quiz widgets
dashboard.py  progress per lesson: summary(), a text table (`make progress`), the widget
"""
