-- fire_due.lua: fire every timer whose deadline has passed, each exactly once: the ZREM
-- that claims a timer happens in the same atomic script that acts on it, so several
-- workers may run this at once.
--   hold:<id>  the party did not check in: expired as a no-show, its tables free again
--   warn:<id>  the dining party is near its service limit: flag it
--   over:<id>  the dining party reached its service limit: flag it
--   remind:<id> the hold ends soon and the party has not checked in: remind the diner
--   gc:<id>    an ended party's page has been kept long enough: forget it
-- Each queues the diner's message with it (no-show, the table time running out, the
-- reminder).
-- ARGV: 5 most timers to fire in this call, 6 ms to keep an expired party, 7 ms to keep
--       its contact details
-- Returns JSON {fired = [{kind, id, tables}], v}: v is the restaurant's version afterwards.
local limit, ttl, retain = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
-- ``limit`` bounds the timers reported as fired; the silent ones (gc, reminders) are done on
-- the way, up to four times as many, so that one call stays short.
local fired, visible, processed = {}, false, 0
local function batch()
  if #fired >= limit or processed >= 4 * limit then return {} end
  return redis.call('ZRANGEBYSCORE', K.due, '-inf', NOW, 'LIMIT', 0, limit - #fired)
end
local members = batch()
while #members > 0 do
  for _, member in ipairs(members) do
    processed = processed + 1
    redis.call('ZREM', K.due, member)
    local kind, pid = string.match(member, '^(%a+):(.+)$')
    local p = load_party(pid)
    if kind == 'gc' then
      if p then
        if p.tk then redis.call('HDEL', K.tokens, p.tk) end
        if p.d and redis.call('HGET', K.diners, p.d) == pid then redis.call('HDEL', K.diners, p.d) end
        redis.call('DEL', pkey(pid), ckey(pid))
      end
    elseif p and kind == 'hold' and p.st == 'ready' and tonumber(p.dl) <= NOW then
      local held = p.tb or ''
      notify('no_show', pid)
      end_party(p, 'expired', 'no_show', ttl, retain)
      fired[#fired + 1] = {kind = kind, id = pid, tables = held}
      visible = true
    elseif p and (kind == 'warn' or kind == 'over') and p.st == 'dining' then
      redis.call('HSET', pkey(pid), kind == 'warn' and 'wr' or 'ov', NOW)
      if kind == 'warn' then notify('limit_soon', pid) end
      fired[#fired + 1] = {kind = kind, id = pid, tables = p.tb or ''}
      visible = true
    elseif p and kind == 'remind' and p.st == 'ready' and tonumber(p.dl) > NOW then
      notify('hold_expiring', pid, {'dl', p.dl})
    end
  end
  members = batch()
end
local v
if visible then v = changed('timers', '') else v = tonumber(redis.call('HGET', K.meta, 'ver') or '0') end
if #fired == 0 then return cjson.encode({fired = cjson.null, v = v}) end
return cjson.encode({fired = fired, v = v})
