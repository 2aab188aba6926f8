"""One catalogue per language: `fr.py` (fr-CA, the city's first language) and `en.py`.

Each holds one dict, MESSAGES, with the same keys, grouped by part (hotline, alert call,
console, ...). A test checks that both have the same keys and placeholders.
"""
