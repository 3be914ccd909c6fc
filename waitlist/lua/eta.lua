-- eta.lua: what the diner says of their way here, from the status page, a notification's
-- action or a reply to a text: "on my way", how many minutes away they are, or anything
-- else they wrote (shown to the host as a note).
-- ARGV: 5 party id, 6 minutes away (0: on my way, now; "" when the diner only wrote a note),
--       7 the note ("" for none)
-- Returns JSON {id, v}.  Errors: UNKNOWN_PARTY, NOT_ACTIVE <state>.
local pid, minutes, note = ARGV[5], ARGV[6], ARGV[7]
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' and p.st ~= 'ready' then return fail('NOT_ACTIVE ' .. p.st) end
if minutes ~= '' then
  redis.call('HSET', pkey(pid), 'eta', minutes, 'ea', NOW)
  if tonumber(minutes) == 0 then redis.call('HSET', pkey(pid), 'om', NOW) end
end
if note ~= '' then redis.call('HSET', pkey(pid), 'rn', note) end
local v = changed('eta', pid)
return cjson.encode({id = pid, v = v})
