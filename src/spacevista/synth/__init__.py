"""Procedural scenes at all five scales with exact ground truth, rendered by ray casting.

Use :func:`spacevista.synth.generate.generate_scene`; importing this package loads nothing heavy.
"""
