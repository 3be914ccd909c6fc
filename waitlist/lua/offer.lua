-- offer.lua: offer free tables to a waiting party. The party becomes ready and the tables
-- are held for it until the check-in deadline; waiting parties that joined earlier and
-- compete for the same kind of seat are counted as skipped (the strategies' aging guard).
-- ARGV: 5 party id, 6 check-in deadline ms, 7 kind of the tables (table|counter),
--       8 ms at which to remind the diner the hold is about to expire (0: no reminder),
--       9 ms the host may undo the offer for (0: no undo),
--       10.. table ids (more than one when tables are combined or counter seats adjoin)
-- KEYS: 13 the undo hash (_lib.lua), only with an undo time
-- Queues the "table ready" message (and the reminder's timer) with the offer.
-- Returns JSON {id, tables, deadline, v}.
-- Errors: UNKNOWN_PARTY, NOT_WAITING, TABLE_BUSY <id>, NO_TABLE.
local pid, deadline, kind, remind_at = ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local undo_ms = tonumber(ARGV[9])
if #ARGV < 10 then return fail('NO_TABLE') end
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' then return fail('NOT_WAITING ' .. p.st) end
local tids = {}
for i = 10, #ARGV do
  local t = table_state(ARGV[i])
  if t.state ~= 'ready' or t.party ~= '' then return fail('TABLE_BUSY ' .. ARGV[i]) end
  tids[#tids + 1] = ARGV[i]
end

local queue = kind == 'counter' and K.cq or K.tq
local place = place_of(pid)
local passed = redis.call('ZRANGEBYSCORE', queue, '-inf', '(' .. place)
for _, earlier in ipairs(passed) do
  redis.call('HINCRBY', pkey(earlier), 'sk', 1)
end
dequeue(pid)
local joined = table.concat(tids, ',')
for _, tid in ipairs(tids) do set_table(tid, 'ready', pid, NOW) end
redis.call('HSET', pkey(pid), 'st', 'ready', 'o', NOW, 'dl', deadline, 'tb', joined, 'nc', 1)
redis.call('HDEL', pkey(pid), 'hu')
redis.call('HSET', K.active, pid, joined)
redis.call('ZADD', K.due, deadline, 'hold:' .. pid)
if remind_at > NOW then redis.call('ZADD', K.due, remind_at, 'remind:' .. pid) end
notify('ready', pid, {'dl', deadline, 'tb', joined})
if undo_ms > 0 then
  remember_undo(KEYS[13], pid, {op = 'offer', st = 'waiting', ends = NOW + undo_ms, tb = joined, n = p.n,
    o = ARGV[4], sc = place, sk = table.concat(passed, ',')})
end
local v = changed('offer', pid)
return cjson.encode({id = pid, tables = joined, deadline = deadline, v = v})
