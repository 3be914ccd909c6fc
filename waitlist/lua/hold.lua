-- hold.lua: the host notifies a ready party again, optionally extending its check-in hold.
-- ARGV: 5 party id, 6 ms to add to the later of now and the deadline (0: only notify again)
-- Returns JSON {id, deadline, notified, v}.
-- Errors: UNKNOWN_PARTY, NOT_READY <state>.
local pid, extend = ARGV[5], tonumber(ARGV[6])
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'ready' then return fail('NOT_READY ' .. p.st) end
local deadline = tonumber(p.dl)
if extend > 0 then
  deadline = math.max(NOW, deadline) + extend
  redis.call('HSET', pkey(pid), 'dl', deadline)
  redis.call('ZADD', K.due, deadline, 'hold:' .. pid)
end
local notified = redis.call('HINCRBY', pkey(pid), 'nc', 1)
local v = changed('notify', pid)
return cjson.encode({id = pid, deadline = deadline, notified = notified, v = v})
