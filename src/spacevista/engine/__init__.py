"""The data engine: posed scenes in, spatial QA datasets out.

Subpackages, in the order data flows through them:
``scene`` (open one scene, lift it to a scene graph, build the exact graph, generate and self-score
questions), ``build`` (find sources, run the per-scene stage in a process pool or on Ray, shard,
cache, resume, assemble; the demo), ``dataset`` (write qa.jsonl/parquet and the SFT, GRPO and bench
exports, summaries, splits, leakage filter) and ``stats`` (tables, plots and an HTML page).

May import: the core types, ``geometry``, ``graph``, ``io``, ``qa``, ``synth``, ``readers``,
``perception`` and ``tasks``; never ``eval``, ``train``, ``review``, ``annotate`` or ``cli``.
Inside it, ``build`` may import ``scene`` and ``dataset``, ``stats`` may import ``dataset``,
``dataset`` may import ``scene``.
"""
