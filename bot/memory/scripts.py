"""Every Lua script the bot runs in Redis, in one place. Each names its KEYS and ARGV; callers pass keys built by
bot/memory/keys.py. Scripts run through EVAL (or a registered script) and touch only keys that share a hash tag,
so they work on a cluster too.
"""

# --- channel memory (bot/memory/channels.py) ---------------------------------------------------------------

# Record a share. KEYS: ch first, n, who, time, msg, reacts. ARGV: U, share record, first-share time, user id,
# history TTL, max URLs kept, max sharers bytes, message ts. Returns {first share record, repeats, sharers}.
# The same message recorded again (its job ran again after a crash) counts once.
RECORD_SHARE = """
local first = redis.call('HGET', KEYS[1], ARGV[1])
local n, who = 0, ''
if not first then
  first = ARGV[2]
  redis.call('HSET', KEYS[1], ARGV[1], first)
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
  if redis.call('ZCARD', KEYS[4]) > tonumber(ARGV[6]) then
    local oldest = redis.call('ZPOPMIN', KEYS[4])[1]
    for _, i in ipairs({1, 2, 3, 6}) do redis.call('HDEL', KEYS[i], oldest) end
  end
elseif redis.call('HGET', KEYS[5], ARGV[8]) == ARGV[1] then
  n = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  who = redis.call('HGET', KEYS[3], ARGV[1]) or ''
else
  n = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  who = redis.call('HGET', KEYS[3], ARGV[1]) or ''
  local known = string.find(' ' .. who .. ' ', ' ' .. ARGV[4] .. ' ', 1, true)
  if not known and #who < tonumber(ARGV[7]) then
    if who == '' then who = ARGV[4] else who = who .. ' ' .. ARGV[4] end
    redis.call('HSET', KEYS[3], ARGV[1], who)
  end
end
redis.call('HSET', KEYS[5], ARGV[8], ARGV[1])
for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {first, n, who}
"""

# A reaction on a message that shared a link counts for that link. KEYS: ch msg, reacts. ARGV: message ts, +1/-1.
COUNT_REACTION = """
local field = redis.call('HGET', KEYS[1], ARGV[1])
if field then return redis.call('HINCRBY', KEYS[2], field, ARGV[2]) end
return false
"""

# The team's map of the channels that saw a URL, with their privacy kept current. KEYS: team seen.
# ARGV: U, channel id, 1 if private else 0, history TTL.
SEEN_IN_TEAM = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local seen = {}
if cur then
  local ok, decoded = pcall(cjson.decode, cur)
  if ok and type(decoded) == 'table' then seen = decoded end
end
local flag = tonumber(ARGV[3])
if seen[ARGV[2]] ~= flag then
  seen[ARGV[2]] = flag
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(seen))
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

# --- the digest cache's single-flight lock (bot/memory/cache.py) -------------------------------------------

# KEYS: lock (or the scheduler's roundup run). ARGV: our token (and the TTL in ms to renew it for).
RELEASE_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
RENEW_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"

# --- the work queue (bot/runtime/queue.py) ------------------------------------------------------------------

# Renew an entry only while this consumer still owns it: never take a job back from its new owner.
# KEYS: stream. ARGV: group, consumer, entry id.
RENEW_ENTRY = """
local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if entry and entry[2] == ARGV[2] then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
  return 1
end
return 0
"""

# The first entry to ask owns the key; later asks by that entry (a redelivery) are allowed, others are not.
# KEYS: once (or the scheduler's roundup run). ARGV: entry id (or replica id), TTL s.
CLAIM_ONCE = """
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if owner == ARGV[1] then return 1 end
return 0
"""

# --- roundups (bot/roundup.py) --------------------------------------------------------------------------------

# Note where a channel's last roundup ended, never moving it back (a scheduled run and a `now` racing). KEYS: roundup
# end. ARGV: end (epoch s), TTL s. Returns 1.
MOVE_ROUNDUP_END = """
local current = tonumber(redis.call('GET', KEYS[1]) or '')
if current ~= nil and (current ~= current or current == math.huge) then current = nil end  -- nan, inf: not ours
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""
