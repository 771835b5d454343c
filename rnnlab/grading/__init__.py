"""Grading submissions: `python -m rnnlab grade SUBMISSION.ipynb [...] --out DIR`.

Writes `DIR/grades.csv` (`submission,learner,lesson,exercise,points,max_points,status`, one row
per exercise of the submission's lesson), `DIR/feedback/<learner>.md` and `DIR/submissions.json`
(per submission: learner, lesson, file modification time, flags, whether it runs, timeout).
Learners: ROOT/<learner>/<any>.ipynb, else the file stem; `--merge` replaces only the learners
graded now. `python -m rnnlab gradebook DIR...` makes one row per learner (`gradebook`). Statuses: passed, failed,
not_attempted, error, timeout (`rnnlab.outcomes.Status`). A broken submission gets rows, never
a crash; the exit status is 0 whenever grading ran and 2 for a usage error. Submission files
are only ever read.

Two phases
----------
1. Optional (`--execute`): the whole notebook runs with nbclient in a temporary copy, in a
   child process with the same limits as below, only to tell the learner whether it runs top
   to bottom (feedback only, never points).
2. Scoring, in two processes that never share a Python heap: the *sandbox* (a fresh `python`
   child per submission, started in the submission's own temporary folder) runs the learner's
   exercise cells and nothing else; the *judge* (the grader process itself) runs the checks
   and the hidden tests on stand-ins for the learner's functions, which call the real ones in
   the sandbox and get back plain data, never code or pickles. Monkeypatching the checks or
   numpy, objects that equal everything, or printing "passed" change nothing.

Every child is limited (rlimits, wall clock, memory) and, where the kernel has Landlock, may
write only in its own temporary folder and read neither solutions/ nor other submissions;
without Landlock the grader detects and undoes changes to the course instead. What is and is
not prevented: `isolation`.

The package, lowest layer first (a module imports only from the ones above it in this list):

  options      Options, Row and Report, the grades.csv HEADER, defaults
  text         feedback text for learners: one clean line, the learner's own traceback frames
  submission   reading a submission (lesson, exercise cells) and the hidden tests in solutions/
  timing       per-lesson default timeouts (lessons' metadata, timings.json)
  flags        flags for the instructor: reference imports, solutions/, tampering (never points)
  errors       ProtocolError, and the outcomes that end an exercise early (Stop: Timeout, Died, ...)
  processes    the OS view, with psutil: starting children, memory of a tree, killing strays
  isolation    rlimits, Landlock, readable folders, a child's environment and command line
  remote       stand-ins for what lives in the other process; exceptions carried across
  wire         Codec: values to JSON + byte blobs and back (what may cross, checked)
  channels     frames over pipes; the grader's end has a deadline and a memory watch
  sandbox      the phase 2 child (`python -P -s -m rnnlab.grading.sandbox`): runs exercise cells
  runner       the phase 1 child (`python -P -s -m rnnlab.grading.runner`): nbclient
  children     the grader's side of both: Sandbox (start, request, kill) and run_notebook
  score        grading policy for one submission: cells, checks, hidden tests, statuses
  report       grades.csv, feedback Markdown, the summary table
  batch        many submissions: learners by folder, --merge, jobs, progress, course guard; `main(args)`
  lms          Canvas and Moodle gradebook import files
  gradebook    `python -m rnnlab gradebook`: one row per learner across grade folders, roster, late
  measure      `python -m rnnlab.grading.measure`: grade the solutions, write timings.json

`sandbox` and `runner` are the children's `__main__` modules: nothing in the grader imports them.
"""
from .batch import CourseGuard, grade, grade_one, main
from .errors import ProtocolError, Stop
from .isolation import landlock_abi
from .options import DEFAULT_MEMORY_MB, HEADER, Options, Report, Row
from .report import feedback_markdown, summary_table, write_outputs
from .score import score
from .submission import HiddenTest, Parsed, load_hidden_tests, parse_submission
from .wire import Codec

__all__ = ["main", "grade", "grade_one", "score", "Options", "Report", "Row", "HEADER", "DEFAULT_MEMORY_MB",
           "landlock_abi", "parse_submission", "Parsed", "load_hidden_tests", "HiddenTest", "Codec",
           "ProtocolError", "Stop", "CourseGuard", "feedback_markdown", "summary_table", "write_outputs"]
