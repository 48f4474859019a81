-- wrk script for bench/advisories/run.
--
--   wrk -t2 -c16 -d15s -H 'Cookie: …' -s wrk.lua http://127.0.0.1:PORT/advisories/ [-- PATHS_FILE]
--
-- Without PATHS_FILE every request is the URL's path. With it, each thread
-- walks the file's paths round-robin, from its own starting offset, so the
-- detail scenario spreads over many advisories instead of hammering one row.
-- Every response whose status is not 200 is counted. At the end it prints
-- one line, `JSON {…}`, with the request count, the rate and the latency
-- percentiles in milliseconds.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  statuses = ""
  paths = nil
  if args[1] ~= nil and args[1] ~= "" then
    paths = {}
    for line in io.lines(args[1]) do
      if line ~= "" then table.insert(paths, line) end
    end
    idx = ((tid - 1) * 7919) % #paths
  end
end

function request()
  if paths then
    idx = idx % #paths + 1
    return wrk.format(nil, paths[idx])
  end
  return wrk.format(nil, nil)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if #statuses < 40 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local bad, seen = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    seen = seen .. t:get("statuses")
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "bytes_per_response": %.0f, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, ' ..
    '"non200": %d, "non200_statuses": "%s", "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, secs, summary.requests / secs,
    summary.requests > 0 and summary.bytes / summary.requests or 0,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    bad, seen, e.connect + e.read + e.write, e.timeout))
end
