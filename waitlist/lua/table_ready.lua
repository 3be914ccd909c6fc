-- table_ready.lua: a table has been cleaned and can be offered again.
-- ARGV: 5 table id
-- Returns JSON {table, v}.
-- Errors: TABLE_BUSY (occupied or held), ALREADY_READY.
local tid = ARGV[5]
local t = table_state(tid)
if t.state == 'occupied' or t.party ~= '' then return fail('TABLE_BUSY ' .. tid) end
if t.state == 'ready' then return fail('ALREADY_READY') end
set_table(tid, 'ready', '', '')
local v = changed('table_ready', '')
return cjson.encode({table = tid, v = v})
