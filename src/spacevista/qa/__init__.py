"""The shared QA core every upper layer uses: answer parsing (``answers``), scores and MRA
(``metrics``), the evaluation item and its construction from a record (``items``), prompt text and
images (``prompts``), frame decoding, mark drawing and sampling (``frames``) and what a model
backend receives (``types``).

Sits below ``engine``, ``eval``, ``model``, ``train`` and ``annotate`` so the rules exist once.
May import ``io`` and the core types only.
"""
