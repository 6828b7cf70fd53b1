"""One scene, start to finish: once a reader has opened it, lift it to a scene graph
(``lift``), build the exact graph from ground truth when the scene has it (``truth``), generate the
questions and score the engine's answers against the exact ones (``questions``); ``pipeline`` ties
them together. Pure functions of the scene and a seed; no output files.
"""
