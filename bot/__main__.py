"""`python -m bot`: the core commands alone (digest, roundup preview), without Slack."""

from bot.cli import main

main()
