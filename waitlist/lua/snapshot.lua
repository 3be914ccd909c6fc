-- snapshot.lua: the whole restaurant for the host dashboard and the wait estimator:
-- waiting parties in line order (join order unless the host moved one), ready and dining
-- parties, and table states.
-- ARGV: none beyond the common ones
-- KEYS: 13 the undo hash (_lib.lua)
-- Returns JSON {v, notice, paused (the pause message, or false), qadd (minutes added to every
-- quote), waiting = [party...], active = [party...], tables = {id: "state:party:since"},
-- undo = {party id: entry}}.
local seen, ids, place = {}, {}, {}
for _, q in ipairs({K.tq, K.cq}) do
  local flat = redis.call('ZRANGE', q, 0, -1, 'WITHSCORES')
  for i = 1, #flat, 2 do
    local pid = flat[i]
    if not seen[pid] then seen[pid] = true; ids[#ids + 1] = pid; place[pid] = tonumber(flat[i + 1]) end
  end
end
table.sort(ids, function(a, b) return place[a] < place[b] end)
local waiting = {}
for _, pid in ipairs(ids) do
  local p = load_party(pid)
  if p then p.d, p.r, p.tk = nil, nil, nil; waiting[#waiting + 1] = p end
end
local active = {}
for _, pid in ipairs(redis.call('HKEYS', K.active)) do
  local p = load_party(pid)
  if p then p.d, p.r, p.tk = nil, nil, nil; active[#active + 1] = p end
end
local tables = {}
local flat = redis.call('HGETALL', K.tables)
for i = 1, #flat, 2 do tables[flat[i]] = flat[i + 1] end
local undo = {}
flat = redis.call('HGETALL', KEYS[13])
for i = 1, #flat, 2 do
  local entry = cjson.decode(flat[i + 1])
  entry.rec = nil
  undo[flat[i]] = entry
end
local meta = redis.call('HMGET', K.meta, 'ver', 'notice', 'paused', 'qadd')
local out = {v = tonumber(meta[1] or '0'), notice = meta[2] or '', paused = meta[3], qadd = tonumber(meta[4] or '0'),
  waiting = waiting, active = active, tables = tables, undo = undo}
-- cjson encodes empty tables as {}; the reader treats {} and [] alike.
return cjson.encode(out)
