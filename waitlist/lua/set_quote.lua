-- set_quote.lua: record the wait quoted to a party that joined before a quote for its
-- size was ready (it is computed a moment later). A quote already recorded is kept, unless
-- ARGV 8 is "1": then a waiting party's recorded quote is replaced by its first estimate in
-- line (the join recorded a quote computed for an older queue: waitlist/quotes.py). What
-- the diner was told ('th', for later.lua) stays what the form showed.
-- ARGV: 5 party id, 6 low minutes, 7 high minutes, 8 "1" to replace
-- Returns 1 when recorded, 0 when the party is gone (or no longer waiting, when replacing)
-- or already has one.
local key = pkey(ARGV[5])
if ARGV[8] == '1' then
  if redis.call('HGET', key, 'st') ~= 'waiting' then return 0 end
  redis.call('HSET', key, 'ql', ARGV[6], 'qh', ARGV[7])
  return 1
end
if redis.call('EXISTS', key) == 0 or redis.call('HEXISTS', key, 'ql') == 1 then return 0 end
redis.call('HSET', key, 'ql', ARGV[6], 'qh', ARGV[7], 'th', ARGV[7])
return 1
