"""Files in and out: JSONL, the native scene format, SpaceVista-Bench JSON, the review verdicts file
(``rejected``) and the JSON schemas of every exported file (``schemas/``).

May import the core types (``scene``, ``records``, ``errors``) and ``geometry``; nothing above.
"""
