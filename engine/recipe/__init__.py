"""Recipe: declarative, versioned preprocessing and feature engineering, compiled to scikit-learn.

Every step the recipe offers converts to ONNX and gives the same numbers in onnxruntime as in
scikit-learn; steps without a stock converter register their own (:mod:`.converters`).
"""
