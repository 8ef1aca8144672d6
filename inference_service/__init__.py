"""InferenceService: a chain of AI providers behind one streaming RPC."""
