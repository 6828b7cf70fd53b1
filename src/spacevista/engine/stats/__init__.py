"""Statistics of a built dataset: ``tables`` (counts and value distributions), ``plots`` (PNG
figures) and ``html`` (one self-contained page).
"""
