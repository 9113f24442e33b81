"""Making emotion models: the network, training, distillation, evaluation and the LiteRT export.

Everything that needs TensorFlow or Keras lives here, outside the serving path: the web server, the
rq worker and the Ray actors only import `analysis.core`, which runs the exported `.tflite` files
through the LiteRT interpreter. This package may import `analysis.core`, never the reverse.
"""
