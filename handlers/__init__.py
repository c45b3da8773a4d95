"""Thin Slack glue around the core in `bot/`: events, slash commands, cards and the HTTP/Socket Mode server."""
