"""Build orchestration: find sources (``discover``), carry them through the stages (``stages``) in a
local process pool or on Ray (``runners``, ``ray_runner``), write one shard per scene (``shards``,
``cache``) so that interrupted runs resume, and assemble the dataset (``assemble``) through
``run.build``. ``demo`` runs the same path on synthetic scenes at every scale.
"""
