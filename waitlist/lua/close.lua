-- close.lua: the estimate says the party's table is near: tell its diner, once.
-- ARGV: 5 party id
-- Returns JSON {sent}: false when the party is not waiting or was told already.
local pid = ARGV[5]
if redis.call('HGET', pkey(pid), 'st') ~= 'waiting' or redis.call('HEXISTS', pkey(pid), 'cl') == 1 then
  return '{"sent":false}'
end
redis.call('HSET', pkey(pid), 'cl', NOW)
notify('close', pid)
return '{"sent":true}'
