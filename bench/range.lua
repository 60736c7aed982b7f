-- 64 KiB Range requests at random offsets, as a player seeking through a video.
-- SIZE (bytes) and AUTH (a whole header value, optional) come from the environment.
local size = tonumber(os.getenv("SIZE"))
local auth = os.getenv("AUTH")
local chunk = 65536
math.randomseed(os.time())
request = function()
  local start = math.random(0, size - chunk - 1)
  local headers = { ["Range"] = "bytes=" .. start .. "-" .. (start + chunk - 1) }
  if auth and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", nil, headers)
end
