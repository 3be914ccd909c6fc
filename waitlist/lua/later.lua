-- later.lua: the wait now looks longer than what the diner was last told: tell them the
-- new range, and remember it as what they were told.
-- ARGV: 5 party id, 6 new low (minutes), 7 new high (minutes), 8 how much later the high end
--       must be than what they were told to be worth a message (minutes)
-- Returns JSON {sent}.
local pid, low, high, margin = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local told = redis.call('HMGET', pkey(pid), 'st', 'th')
if told[1] ~= 'waiting' or not told[2] or high <= tonumber(told[2]) + margin then return '{"sent":false}' end
redis.call('HSET', pkey(pid), 'th', high)
notify('later', pid, {'lo', low, 'hi', high})
return '{"sent":true}'
