"""Train lesson 15's connected-digit recogniser for longer than the notebook can, and ship its weights.

    .venv/bin/python benchmarks/train_ctc_digits.py [--epochs 6] [--strings 6000] [--out rnnlab/data/files/ctc_digits.npz]

Conv1D + Bidirectional GRU(64) + CTC (keras.ops.ctc_loss) on 3-5 FSDD digits of one speaker joined with
0.05-0.2 s pauses; training strings from the official training clips (index 5-49), test strings from the
official test clips (index 0-4). Prints the digit error rate and string accuracy on 500 test strings after
every epoch, and saves the weights with those facts (the lesson loads them with
rnnlab.models.speech.load_recognizer).
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--strings", type=int, default=6000)
    ap.add_argument("--test-strings", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)

    import rnnlab
    keras = rnnlab.setup(keras=True, seed=args.seed)
    from rnnlab.data import speech
    from rnnlab.models import speech as sm

    start = time.perf_counter()
    clips = speech.load_fsdd()
    train_x, train_y, _ = speech.digit_strings(clips, args.strings, test=False, seed=1)
    test_x, test_y, _ = speech.digit_strings(clips, args.test_strings, test=True, seed=2)
    print(f"{len(train_x)} training strings, {len(test_x)} test strings ({time.perf_counter() - start:.1f} s)")
    keras.utils.set_random_seed(args.seed)
    model = sm.ctc_recognizer()
    model.compile(optimizer=keras.optimizers.Adam(2e-3, clipnorm=1.0), loss=sm.ctc_loss_packed)
    batches = sm.length_batches(train_x, train_y, 32, seed=args.seed)
    t0 = time.perf_counter()
    der = acc = None
    for epoch in range(1, args.epochs + 1):
        model.fit(batches, epochs=1, verbose=0)
        guesses, _ = sm.recognize(model, test_x)
        der, acc = sm.digit_error_rate(test_y, guesses), sm.string_accuracy(test_y, guesses)
        print(f"epoch {epoch}: digit error rate {der:.1%}, strings right {acc:.1%} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    seconds = time.perf_counter() - t0
    out = sm.save_weights(model, args.out or sm.SHIPPED, epochs=args.epochs, strings=args.strings,
                          digit_error_rate=der, string_accuracy=acc, train_seconds=round(seconds),
                          command=" ".join(["python benchmarks/train_ctc_digits.py"] + (argv or sys.argv[1:])))
    print(f"saved {out} ({out.stat().st_size / 1e3:.0f} KB) after {seconds:.0f} s of training")


if __name__ == "__main__":
    main()
