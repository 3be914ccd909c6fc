-- snapshot.lua: the whole restaurant for the host dashboard and the wait estimator:
-- waiting parties in join order, ready and dining parties, and table states.
-- ARGV: none beyond the common ones
-- Returns JSON {v, notice, waiting = [party...], active = [party...], tables = {id: "state:party:since"}}.
local seen, ids = {}, {}
for _, q in ipairs({K.tq, K.cq}) do
  for _, pid in ipairs(redis.call('ZRANGE', q, 0, -1)) do
    if not seen[pid] then seen[pid] = true; ids[#ids + 1] = tonumber(pid) end
  end
end
table.sort(ids)
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
local meta = redis.call('HMGET', K.meta, 'ver', 'notice')
local out = {v = tonumber(meta[1] or '0'), notice = meta[2] or '', waiting = waiting, active = active, tables = tables}
-- cjson encodes empty tables as {}; the reader treats {} and [] alike.
return cjson.encode(out)
