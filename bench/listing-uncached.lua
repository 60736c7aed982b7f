-- The listing as if every request came after a change to the library: each asks for the
-- same 50 files under a `takenTo` of its own (all far in the future), so no cached page fits.
-- AUTH (a whole header value) comes from the environment; the URL is the listing's.
local auth = os.getenv("AUTH")
local n = 0
request = function()
  n = n + 1
  local s = math.floor(n / 1000)
  local path = wrk.path .. "&takenTo=2100-01-01T" .. string.format("%02d:%02d:%02d.%03dZ", math.floor(s / 3600) % 24, math.floor(s / 60) % 60, s % 60, n % 1000)
  return wrk.format("GET", path, { ["Authorization"] = auth })
end
