"""The digest pipeline: a link or a saved page in, a Digest out.

fetch (urls, netguard) → extract (metadata) → walls → summarize and quotes (sentences, llm); `digest` runs them
in that order. Nothing here touches Redis or Slack.
"""
