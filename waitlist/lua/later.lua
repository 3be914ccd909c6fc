-- later.lua: the wait now looks longer than what the diner was last told: tell them the
-- new range, and remember it as what they were told. An open-ended wait ("more than <low>
-- minutes", high "") is worth a message when even its low end passed what they were told
-- by the margin; told so, they have no high end left to compare with (th "") and hear no
-- more of it, so a wait near the horizon that flips between a range and open-ended is told once.
-- ARGV: 5 party id, 6 new low (minutes), 7 new high (minutes, "" when open-ended), 8 how much
--       later the high end must be than what they were told to be worth a message (minutes)
-- Returns JSON {sent}.
local pid, low, high, margin = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local told = redis.call('HMGET', pkey(pid), 'st', 'th')
if told[1] ~= 'waiting' or not told[2] or told[2] == '' or (high or low) <= tonumber(told[2]) + margin then
  return '{"sent":false}'
end
redis.call('HSET', pkey(pid), 'th', high or '')
notify('later', pid, {'lo', low, 'hi', high or ''})
return '{"sent":true}'
