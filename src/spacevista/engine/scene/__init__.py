"""One scene, start to finish: open it (any reader or the native format), lift it to a scene graph
(``lift``), build the exact graph from ground truth when the scene has it (``truth``), generate the
questions and score the engine's answers against the exact ones (``questions``); ``pipeline`` ties
them together. Pure functions of the scene and a seed; no output files.
"""
