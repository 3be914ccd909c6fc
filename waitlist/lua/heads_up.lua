-- heads_up.lua: tell a waiting party that a table it fits is expected to free soon.
-- ARGV: 5 party id, 6 ms when the table is expected to free
-- Queues the "getting close" message, once per party.
-- Returns JSON {id, v}, or JSON {id, skipped = true} when the party is no longer waiting.
local pid, at = ARGV[5], ARGV[6]
local st = redis.call('HGET', pkey(pid), 'st')
if st ~= 'waiting' then return cjson.encode({id = pid, skipped = true}) end
redis.call('HSET', pkey(pid), 'hu', at)
if not redis.call('HGET', pkey(pid), 'cl') then
  redis.call('HSET', pkey(pid), 'cl', NOW)
  notify('close', pid)
end
local v = changed('heads_up', pid)
return cjson.encode({id = pid, v = v})
