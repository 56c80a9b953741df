-- bench/list_map.lua - the same list and map work as bench/list_map.lyng.
local n = tonumber(arg[1]) or 1000000
local list = {}
for i = 0, n - 1 do list[#list + 1] = i * 7 % 1000 end
local counts, size = {}, 0
for i = 1, n do
  local k = list[i]
  local c = counts[k]
  if c == nil then size = size + 1; counts[k] = 1 else counts[k] = c + 1 end
end
local total = 0
for k = 0, 999 do total = total + counts[k] * k end
print(#list, size, total)
