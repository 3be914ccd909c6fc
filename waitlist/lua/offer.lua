-- offer.lua: offer free tables to a waiting party. The party becomes ready and the tables
-- are held for it until the check-in deadline; waiting parties that joined earlier and
-- compete for the same kind of seat are counted as skipped (the strategies' aging guard).
-- ARGV: 5 party id, 6 check-in deadline ms, 7 kind of the tables (table|counter),
--       8.. table ids (more than one when tables are combined or counter seats adjoin)
-- Returns JSON {id, tables, deadline, v}.
-- Errors: UNKNOWN_PARTY, NOT_WAITING, TABLE_BUSY <id>, NO_TABLE.
local pid, deadline, kind = ARGV[5], tonumber(ARGV[6]), ARGV[7]
if #ARGV < 8 then return fail('NO_TABLE') end
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' then return fail('NOT_WAITING ' .. p.st) end
local tids = {}
for i = 8, #ARGV do
  local t = table_state(ARGV[i])
  if t.state ~= 'ready' or t.party ~= '' then return fail('TABLE_BUSY ' .. ARGV[i]) end
  tids[#tids + 1] = ARGV[i]
end

local queue = kind == 'counter' and K.cq or K.tq
for _, earlier in ipairs(redis.call('ZRANGEBYSCORE', queue, '-inf', '(' .. pid)) do
  redis.call('HINCRBY', pkey(earlier), 'sk', 1)
end
dequeue(pid)
local joined = table.concat(tids, ',')
for _, tid in ipairs(tids) do set_table(tid, 'ready', pid, NOW) end
redis.call('HSET', pkey(pid), 'st', 'ready', 'o', NOW, 'dl', deadline, 'tb', joined, 'nc', 1)
redis.call('HDEL', pkey(pid), 'hu')
redis.call('HSET', K.active, pid, joined)
redis.call('ZADD', K.due, deadline, 'hold:' .. pid)
local v = changed('offer', pid)
return cjson.encode({id = pid, tables = joined, deadline = deadline, v = v})
