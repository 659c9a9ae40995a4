-- wrk script of the bench (bench/load.py runs it). Environment:
--   BENCH_PATHS   file with one request path per line; each thread walks it from its own offset
--   BENCH_COOKIE  Cookie header to send (a signed-in session), optional
--   BENCH_BODY    file with a multipart body to POST instead; "@SERIAL@" in it is replaced by a
--                 number unique per request, BENCH_BOUNDARY is its boundary
-- done() prints one line "BENCH_JSON {...}" with the figures bench/load.py reads.

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function read_lines(name)
  local lines = {}
  for line in io.lines(name) do
    if line ~= "" then table.insert(lines, line) end
  end
  return lines
end

function init(args)
  paths = {}
  local file = os.getenv("BENCH_PATHS")
  if file and file ~= "" then paths = read_lines(file) end
  cookie = os.getenv("BENCH_COOKIE")
  local body_file = os.getenv("BENCH_BODY")
  if body_file and body_file ~= "" then
    local f = assert(io.open(body_file, "rb"))
    body = f:read("*a")
    f:close()
    boundary = os.getenv("BENCH_BOUNDARY")
  end
  index = (id or 1) * 7919
  serial = 0
end

function request()
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  local path = nil
  if #paths > 0 then
    index = index + 1
    path = paths[(index % #paths) + 1]
  end
  if body then
    serial = serial + 1
    local unique = string.format("%d%05d", id or 1, serial % 100000)
    headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    return wrk.format("POST", path, headers, (body:gsub("@SERIAL@", unique)))
  end
  return wrk.format("GET", path, headers, nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, e.connect, e.read, e.write,
    e.status, e.timeout))
end
