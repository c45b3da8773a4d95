"""The bot's memory in Redis: the connection, the digest cache, what channels shared, the related index."""
