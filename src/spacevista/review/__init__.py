"""The QA review web app: annotators accept or reject a stratified sample of generated QA.

Modules: ``sample`` (dataset loading and the stratified sample), ``storage`` (SQLite judgements),
``agreement`` (Wilson intervals, inter-annotator agreement), ``paths`` (safe file resolution),
``server`` (HTTP), ``preference`` (preference-rate tables). The rejected-items file that exports
honour is read and written by :mod:`spacevista.io.rejected`.

May import ``io``, ``records`` and the core types; the engine never imports it.
"""
