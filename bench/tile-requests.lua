-- wrk: each request asks for a tile picked uniformly at random from a list of paths (one per line),
-- optionally with a bearer token, so the same script drives nginx and astropixel.
-- wrk -t2 -c64 -d15s --latency -s tile-requests.lua URL -- PATHS_FILE [TOKEN]
local list, auth = {}, nil
local next_id = 0

function setup(thread)
  thread:set("seed", 7919 * (next_id + 1))
  next_id = next_id + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(list, line) end
  end
  if args[2] and #args[2] > 0 then auth = "Bearer " .. args[2] end
  math.randomseed(seed or 1)
end

function request()
  local headers = {}
  if auth then headers["Authorization"] = auth end
  return wrk.format("GET", list[math.random(1, #list)], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout + e.status
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed,
    summary.requests))
end
