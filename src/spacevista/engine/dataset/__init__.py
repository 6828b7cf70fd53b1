"""What a built dataset is made of: ``writers`` (qa.jsonl, qa.parquet and the exports in one go),
``exports`` (ShareGPT sft.json, grpo.jsonl, official bench.json), ``summary`` (counts, engine
accuracy and report.json), ``split`` (stratified splits and samples) and ``leakage`` (scene and frame
hashes against benchmark sets).
"""
