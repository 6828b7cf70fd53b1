"""LLM-assisted annotation: rationales distilled from chat models, free-form planning instructions and
rephrased relation questions, each kept only when consistent with what the engine computed.

Modules: ``prompts`` (few-shot prompts, prompt hash), ``consistency`` (answer agreement, confidence
rule), ``directions`` (direction words of plans and instructions), ``run`` (cache, resume, sending,
report, export), ``loopback`` (a scripted local chat server for tests and dry runs), ``cli``.

May import the engine's exports, ``eval``'s API backend, ``qa``, ``io`` and the core types; nothing
imports it but the CLI.
"""
