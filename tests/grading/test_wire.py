"""The wire between judge and sandbox: data only, checked; a Keras model crosses as a .keras file."""
import json

import numpy as np
import pytest

from rnnlab.grading.errors import ProtocolError, Stop
from rnnlab.grading.wire import Codec


def test_wire_rejects_malformed_arrays():
    codec = Codec("judge")
    good = {"$": "nd", "dtype": "<f8", "shape": [2], "b": 0}
    assert codec.decode(good, [b"\0" * 16]).tolist() == [0.0, 0.0]
    for bad, blobs in [({**good, "shape": [3]}, [b"\0" * 16]), ({**good, "dtype": "|O"}, [b"\0" * 16]),
                       ({**good, "b": 5}, [b"\0" * 16]), ({"$": "pickle", "v": "..."}, []),
                       ({**good, "shape": [-2]}, [b"\0" * 16])]:
        with pytest.raises(ProtocolError):
            codec.decode(bad, blobs)


def test_a_keras_model_crosses_as_a_keras_file(keras):
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss="binary_crossentropy")
    sandbox, judge = Codec("sandbox"), Codec("judge")
    blobs = []
    tree = sandbox.encode(model, blobs)
    assert tree["$"] == "keras"
    again = judge.decode(json.loads(json.dumps(tree)), blobs)
    assert isinstance(again, keras.Model) and again is not model
    assert again.input_shape == (None, 5, 2) and [type(l).__name__ for l in again.layers] == ["GRU", "Dense"]
    assert type(again.optimizer).__name__ == "Adam" and abs(float(again.optimizer.learning_rate) - 2e-3) < 1e-9
    x = np.random.default_rng(0).standard_normal((4, 5, 2)).astype("float32")
    assert np.allclose(model.predict(x, verbose=0), again.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(Stop):
        judge.decode({"$": "keras", "b": 0}, [b"not a zip file"])
