-- contact.lua: the diner turns a channel on or off for their active party: a phone number
-- for text messages, an email address, or a browser's push subscription. Turning one on
-- queues a confirmation on that channel alone.
-- ARGV: 5 party id, 6 add|remove|remove_all, 7 channel (s text, e email, p push),
--       8 the contact hash's field ("phone", "email" or "push:<digest of the endpoint>"),
--       9 its value (the number, the address, the subscription as JSON), 10 guest key
--       (keyed hash of a phone or email; "" to keep the one there is)
-- Returns JSON {ch, v}: the channels now on.
-- Errors: UNKNOWN_PARTY, NOT_ACTIVE <state> (a party that ended keeps no new contacts).
local pid, op, channel, field, value, guest = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' and p.st ~= 'ready' and p.st ~= 'dining' then return fail('NOT_ACTIVE ' .. p.st) end
if op == 'remove_all' then
  redis.call('DEL', ckey(pid))
elseif op == 'remove' then
  redis.call('HDEL', ckey(pid), field)
else
  redis.call('HSET', ckey(pid), field, value)
end
local phone = redis.call('HGET', ckey(pid), 'phone') or ''
local has_push = false
for _, name in ipairs(redis.call('HKEYS', ckey(pid))) do
  if string.sub(name, 1, 5) == 'push:' then has_push = true end
end
local channels = (has_push and 'p' or '') .. (phone ~= '' and 's' or '') ..
  (redis.call('HEXISTS', ckey(pid), 'email') == 1 and 'e' or '')
redis.call('HSET', pkey(pid), 'ch', channels, 'p4', string.sub(phone, -4))
if guest ~= '' then redis.call('HSET', pkey(pid), 'gk', guest) end
if channels == '' then redis.call('HDEL', pkey(pid), 'gk') end
if op == 'add' then notify('confirm', pid, {'c', channel}) end
local v = changed('contact', pid)
return cjson.encode({ch = channels, v = v})
