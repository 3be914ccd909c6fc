-- move.lua: the host moves a waiting party one place up or down its line, for a reason
-- (recorded). It swaps places with the nearest waiting party it competes with for seats
-- (same queue; for an "either" party, the nearer in either queue).
-- KEYS: 13 the action log (_lib.lua)
-- ARGV: 5 party id, 6 direction (up|down), 7 reason
-- Returns JSON {id, other, v}.
-- Errors: UNKNOWN_PARTY, NOT_WAITING <state>, NO_MOVE (already first or last).
local pid, direction, reason = ARGV[5], ARGV[6], ARGV[7]
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' then return fail('NOT_WAITING ' .. p.st) end
local place = tonumber(place_of(pid))
local best, best_place
local queues = {}
if p.p ~= 'counter' then queues[#queues + 1] = K.tq end
if p.p ~= 'table' then queues[#queues + 1] = K.cq end
for _, q in ipairs(queues) do
  local found
  if direction == 'up' then
    found = redis.call('ZREVRANGEBYSCORE', q, '(' .. place, '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  else
    found = redis.call('ZRANGEBYSCORE', q, '(' .. place, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  end
  if #found > 0 then
    local at = tonumber(found[2])
    if not best or (direction == 'up' and at > best_place) or (direction == 'down' and at < best_place) then
      best, best_place = found[1], at
    end
  end
end
if not best then return fail('NO_MOVE') end
local other = redis.call('HGET', pkey(best), 'p')
dequeue(pid)
dequeue(best)
enqueue(pid, p.p, best_place)
enqueue(best, other, place)
log_action(KEYS[13], 'move', pid, direction .. ': ' .. reason)
local v = changed('move', pid)
return cjson.encode({id = pid, other = best, v = v})
