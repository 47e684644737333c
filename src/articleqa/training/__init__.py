"""Reader training, ONNX export and confidence calibration (``make train-reader``).

Nothing at question time imports this package: the runtime reads the exported ONNX model and its reader.json.
Steps, each a module with a ``python -m`` entry point:

- ``prepare``   training files -> one prepared set (answerable questions, made-up unanswerable look-alikes,
                a held-aside slice of every source), a small gzip file that can travel to another machine;
- ``train``     the span reader on a prepared set, on CUDA (bf16) when a GPU is there, else on the CPU, with
                resumable checkpoints and a learning curve;
- ``pieces``    the trained weights cut into pieces of at most 16 MiB and joined back (remote GPU runs);
- ``export``    a checkpoint -> the ONNX forms that ship under models/reader/;
- ``calibrate`` the confidence model and abstention threshold, fitted on the held-aside slices through the
                whole pipeline, never on an evaluation set.

See docs/training.md for running it on a remote GPU machine.
"""
