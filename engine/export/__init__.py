"""Deploy: the self-describing ONNX model package, its parity gate and batch scoring."""
