"""The QA review web app: annotators accept or reject a stratified sample of generated QA.

Modules: ``sample`` (dataset loading and the stratified sample), ``storage`` (SQLite judgements),
``stats`` (Wilson intervals, agreement), ``paths`` (safe file resolution), ``server`` (HTTP),
``report`` (preference-rate tables), ``rejected`` (``load_rejected`` for exporters), ``cli``.
"""
