"""Related reading: a per-workspace index of shared articles, kept in Redis and searched in memory.

- index: RelatedIndex, what the bot calls (add, related, ranking, drop), and the Redis layout replicas share
- models: what it is given and returns (RelatedItem, RelatedQuery, RelatedHit)
- record: an article as stored (Doc) and its id
- team: TeamIndex, one workspace's in-memory inverted index, rebuilt by each replica from Redis
- ranking: how candidates are ranked (first pass, Rocchio feedback, shared-nearest-neighbour agreement)
- show: which candidates a card shows (the on-topic model, Shortlist's rule)
- story: when two URLs are one story
"""
