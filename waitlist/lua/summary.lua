-- summary.lua: what the join page shows, without reading every party: how many parties
-- are waiting, the host's notice and the version. O(1): an "either" party sits in both
-- queues and in eq, every other party in exactly one queue.
-- ARGV: none beyond the common ones
-- Returns JSON {v, notice, waiting, paused (the host's pause message, or false)}.
local meta = redis.call('HMGET', K.meta, 'ver', 'notice', 'paused')
local waiting = redis.call('ZCARD', K.tq) + redis.call('ZCARD', K.cq) - redis.call('ZCARD', K.eq)
return cjson.encode({v = tonumber(meta[1] or '0'), notice = meta[2] or '', waiting = waiting, paused = meta[3]})
