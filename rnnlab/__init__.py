"""rnnlab: the helper package of the rnnlab course on recurrent neural networks.

`import rnnlab` is light (numpy only, never TensorFlow). Start every notebook with

    import rnnlab
    rnnlab.setup()            # seeds Python and numpy, keeps TensorFlow quiet
    rnnlab.setup(keras=True)  # ... and imports Keras quietly and seeds it too
"""
from .session import setup, seed, course_root

__version__ = "0.1.0"
__all__ = ["setup", "seed", "course_root", "__version__"]
