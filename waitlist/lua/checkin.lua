-- checkin.lua: a ready party checks in before its deadline: it is now dining, its tables
-- are occupied and the service timer starts (seated time = now).
-- ARGV: 5 party id, 6 ms at which to warn before the service limit (0: no limit),
--       7 ms at which the service limit is reached (0: no limit)
-- Returns JSON {id, tables, seated, v}.
-- Errors: UNKNOWN_PARTY, NOT_READY <state>, HOLD_EXPIRED.
local pid, warn_at, over_at = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'ready' then return fail('NOT_READY ' .. p.st) end
if NOW >= tonumber(p.dl) then return fail('HOLD_EXPIRED') end
for _, tid in ipairs(split(p.tb, ',')) do set_table(tid, 'occupied', pid, NOW) end
redis.call('HSET', pkey(pid), 'st', 'dining', 'se', NOW)
redis.call('ZREM', K.due, 'hold:' .. pid, 'remind:' .. pid)
if warn_at > 0 then redis.call('ZADD', K.due, warn_at, 'warn:' .. pid) end
if over_at > 0 then redis.call('ZADD', K.due, over_at, 'over:' .. pid) end
local v = changed('checkin', pid)
return cjson.encode({id = pid, tables = p.tb, seated = NOW, v = v})
