"""The task generators: one module per task, registered in ``TASKS``, with shared helpers (wording,
templates in ``templates/*.yaml``, option construction, pair selection, composition).

Tasks read a lifted :class:`~spacevista.graph.SceneGraph`; they never read files or run models.
May import ``graph``, ``geometry``, ``registry`` and ``scene``.
"""
