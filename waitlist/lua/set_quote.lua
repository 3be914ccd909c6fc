-- set_quote.lua: record the wait quoted to a party that joined before a quote for its
-- size was ready (it is computed a moment later). A quote already recorded is kept.
-- ARGV: 5 party id, 6 low minutes, 7 high minutes
-- Returns 1 when recorded, 0 when the party is gone or already has one.
local key = pkey(ARGV[5])
if redis.call('EXISTS', key) == 0 or redis.call('HEXISTS', key, 'ql') == 1 then return 0 end
redis.call('HSET', key, 'ql', ARGV[6], 'qh', ARGV[7], 'th', ARGV[7])
return 1
