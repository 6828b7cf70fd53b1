"""Training recipes: SFT in stages (cold start, experts by hard routing, router) and GRPO with
progressive rewards, as plain accelerate loops. ``config`` (dataclass configs from YAML with dotted
overrides), ``data`` (items to model inputs), ``loop`` (the shared loop tail: logging, checkpoints,
resume), ``sft``, ``grpo``, ``rewards``, ``modelio``.

May import ``model``, the shared QA core ``qa`` and the core types; never ``eval``, ``engine``,
``review`` or ``cli``.
"""
