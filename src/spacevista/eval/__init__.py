"""The evaluation harness: benchmark loaders (``benchmarks/``, one folder each), model backends
(``backends/``: OpenAI-compatible API, local transformers, baselines), the ``runner`` that sends
prompts and resumes, per-benchmark ``scoring`` rules and the ``report`` tables.

May import the core types, ``io`` and the shared QA core ``qa`` (answer parsing, metrics, prompts,
frames); never ``engine``, ``train``, ``model`` internals beyond the backend protocol, or ``cli``.
"""
