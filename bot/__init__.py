"""digestbot's Slack-free core: fetch, extract, summarize, quotes, related reading, store and roundups."""

__version__ = "0.1.0"
