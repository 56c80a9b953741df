-- bench/string_build.lua - the same string work as bench/string_build.lyng.
local n = tonumber(arg[1]) or 1000000
local parts = {}
for i = 0, n - 1 do parts[#parts + 1] = "item" .. tostring(i) .. ";" end
local text = table.concat(parts, "")
local hits = 0
for i = 0, 9 do
  if string.find(text, "item" .. (n - 1 - i * 7) .. ";", 1, true) then hits = hits + 1 end
end
print(#text, hits)
