-- wrk driver for bench/iiif.sh: IIIF requests from a list (first field of each line), one URL
-- prefix per server, so both servers get the same region/size/rotation/quality paths.
-- wrk -tT -c64 -d10s --latency -s iiif-requests.lua URL -- PREFIX LIST MODE START T [TOKEN]
-- (T again: a thread's init runs before the next thread exists, so it cannot count them)
--   MODE cycle: thread i walks the list from its own offset round and round (repeats: cache hits).
--   MODE once:  threads take lines START+i, START+i+threads, ... and never repeat one; the done line
--               says wrapped=1 if the list ran out (then the run had repeats and means nothing).
local threads, next_id = {}, 0
local list, prefix, mode, auth = {}, "", "cycle", nil
local pos, step = 1, 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  prefix, mode = args[1], args[3]
  for line in io.lines(args[2]) do
    local path = line:match("^(%S+)")
    if path then table.insert(list, path) end
  end
  if args[6] and #args[6] > 0 then auth = "Bearer " .. args[6] end
  local start, nthreads = tonumber(args[4]), tonumber(args[5])
  if mode == "once" then
    step = nthreads
    pos = start + id + 1
  else
    pos = math.floor(#list * id / nthreads) + 1
  end
  wrapped = 0
end

function request()
  if pos > #list then
    pos = (pos - 1) % #list + 1
    wrapped = 1
  end
  local path = list[pos]
  pos = pos + step
  local headers = {}
  if auth then headers["Authorization"] = auth end
  return wrk.format("GET", prefix .. path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout + e.status
  local secs = summary.duration / 1e6
  local w = 0
  for _, t in ipairs(threads) do w = math.max(w, t:get("wrapped") or 0) end
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d wrapped=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed,
    summary.requests, w))
end
