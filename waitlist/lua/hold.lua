-- hold.lua: the host notifies a ready party again, optionally extending its check-in hold.
-- ARGV: 5 party id, 6 ms to add to the later of now and the deadline (0: only notify again),
--       7 how long before the deadline to remind the diner (ms; 0: no reminder)
-- Queues the message: "table ready" again, or "your hold was extended" with the new time.
-- An extension is not a table-ready notification: the count of those (nc), which the
-- diner's page alarms on whenever it grows, stays as it was.
-- Returns JSON {id, deadline, notified, v}.
-- Errors: UNKNOWN_PARTY, NOT_READY <state>.
local pid, extend, lead = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7] or '0')
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'ready' then return fail('NOT_READY ' .. p.st) end
local deadline = tonumber(p.dl)
if extend > 0 then
  deadline = math.max(NOW, deadline) + extend
  redis.call('HSET', pkey(pid), 'dl', deadline)
  redis.call('ZADD', K.due, deadline, 'hold:' .. pid)
end
local notified
if extend > 0 then notified = tonumber(p.nc or '0') else notified = redis.call('HINCRBY', pkey(pid), 'nc', 1) end
if lead > 0 and deadline - lead > NOW then redis.call('ZADD', K.due, deadline - lead, 'remind:' .. pid) end
if extend > 0 then notify('extended', pid, {'dl', deadline}) else notify('ready', pid, {'dl', deadline, 'tb', p.tb}) end
local v = changed('notify', pid)
return cjson.encode({id = pid, deadline = deadline, notified = notified, v = v})
