"""Preloaded by the extraction fork server (pool.py): importing this module warms the extractor once.

Every worker is forked from the server, so each starts with trafilatura's and the language identifier's lazy
state already loaded (about 0.6 s of CPU a worker would otherwise pay on its first page, and workers are
recycled every few hundred pages). The samples are one English and one German page: English text is told by a
word count, so only a page in another language loads py3langid's model (0.5 s on its own).
"""

import logging

import bot.pipeline.pdf  # noqa: F401  (loads the PDF library once, for every worker)
from bot.pipeline.extract import extract_article

_SAMPLES = (
    "<html lang='en'><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + "<p>The extractor loads its models and compiles its patterns the first time it reads a page.</p>" * 8
    + "</article></body></html>",
    "<html lang='de'><head><title>Aufwärmen</title></head><body><article><h1>Aufwärmen</h1>"
    + "<p>Beim ersten Text lädt der Spracherkenner sein Modell, danach erkennt er jede Seite schnell.</p>" * 8
    + "</article></body></html>",
)

try:
    for _sample in _SAMPLES:
        extract_article(_sample, "https://example.com/warm-up")
except Exception:  # a failed warm-up leaves the workers cold; raised here, it would stop the fork server
    logging.getLogger(__name__).warning("extractor warm-up failed; workers start cold", exc_info=True)
