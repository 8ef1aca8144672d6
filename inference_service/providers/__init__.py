"""AI providers, one module each, behind the `Provider` interface of `base`."""
