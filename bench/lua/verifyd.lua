-- wrk script for scripts/bench: one verifyd operation, closed-loop or paced at a fixed rate.
--
-- Settings come from the environment (scripts/bench sets them):
--   BENCH_OP       check-wrong | check-right | auth | start
--   BENCH_AUTH     the Authorization header value (Basic …)
--   BENCH_SERVICE  the VA… service of the Verify v2 routes
--   BENCH_THREADS  wrk's -t, so each thread takes its own slice of the pool
--   BENCH_POOL     check-wrong, check-right, auth: a file of "phone code" lines (a wrong code for check-wrong)
--   BENCH_USES     how often each pool line may be used (check-wrong: below the attempt limits; else 1)
--   BENCH_PREFIX   start: numbers are PREFIX (+1 and an area code), a digit for the thread (2-9: a NANP
--                  exchange never starts with 0 or 1) and a 6-digit counter, so none repeats
--   BENCH_LIMIT    start: stop after this many requests in all (0: run for the whole duration)
--   BENCH_RATE     requests per second in all; unset or 0: closed loop (each connection sends when answered)
--   BENCH_OUT      a folder for per-thread files: approved.N (pool lines a right code approved), latency.N
--
-- Every request carries X-Request-Id "i<pool index>s<scheduled µs>", which verifyd echoes: that is how a response
-- is matched with its request (wrk's callbacks do not say which connection answered).
--
-- Paced mode holds the rate open-loop the way wrk2 does: the thread keeps a schedule of send slots, each answered
-- connection waits for the next slot (delay()), and the latency recorded in latency.N is measured from the slot, not
-- from when the request could finally be sent. So a server stall shows up in the tail instead of silently slowing
-- the load (coordinated omission). wrk's own latency figures are always from the actual send.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *out);
]])
local clock_value = ffi.new("bench_timespec")
local function now_us()
    ffi.C.clock_gettime(1, clock_value) -- CLOCK_MONOTONIC
    return tonumber(clock_value.tv_sec) * 1000000 + math.floor(tonumber(clock_value.tv_nsec) / 1000)
end

local op = os.getenv("BENCH_OP")
local auth = os.getenv("BENCH_AUTH")
local service = os.getenv("BENCH_SERVICE") or ""
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local uses_per_line = tonumber(os.getenv("BENCH_USES") or "1")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local out_dir = os.getenv("BENCH_OUT")

local function urlencode(text)
    return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Main state: number the threads and keep them for done().
local threads = {}
function setup(thread)
    thread:set("thread_index", #threads)
    table.insert(threads, thread)
end

-- Thread state.
local pool = {}        -- this thread's slice: { {phone, code}, ... }
local next_line = 1
local uses = 0         -- uses of the current round over the slice
local counter = 0      -- start: numbers sent
local limit = 0        -- start: this thread's share of BENCH_LIMIT
local slots = {}       -- paced: scheduled send times handed out by delay(), oldest first
local slot_head, slot_tail = 1, 0
local next_slot = 0
local interval_us = 0
local approved_file, latency_file
unexpected = 0         -- answers of the wrong kind (read by done() through thread:get)
stopped_us = 0         -- when this thread ran out of work (0: it never did)
started_us = 0

function init(args)
    started_us = now_us()
    if op == "start" then
        limit = math.ceil(tonumber(os.getenv("BENCH_LIMIT") or "0") / thread_count)
    else
        local index = 0
        for line in io.lines(os.getenv("BENCH_POOL")) do
            if index % thread_count == thread_index then
                local phone, code = line:match("^(%S+)%s+(%S+)$")
                table.insert(pool, { phone, code, index })
            end
            index = index + 1
        end
    end
    if out_dir then
        approved_file = io.open(out_dir .. "/approved." .. thread_index, "w")
        approved_file:setvbuf("line")
        if rate > 0 then
            latency_file = io.open(out_dir .. "/latency." .. thread_index, "w")
            latency_file:setvbuf("line")
        end
    end
    if rate > 0 then
        interval_us = 1000000 * thread_count / rate
        next_slot = now_us()
    end
end

local function stop_thread()
    if stopped_us == 0 then stopped_us = now_us() end
    wrk.thread:stop()
end

-- The next pool line, or nil when every line has been used BENCH_USES times.
local function take_line()
    if next_line > #pool then
        next_line = 1
        uses = uses + 1
    end
    if uses >= uses_per_line or #pool == 0 then return nil end
    local line = pool[next_line]
    next_line = next_line + 1
    return line
end

function delay()
    if rate <= 0 then return 0 end
    local slot = next_slot
    next_slot = next_slot + interval_us
    slot_tail = slot_tail + 1
    slots[slot_tail] = slot
    local wait = slot - now_us()
    if wait <= 0 then return 0 end
    return math.floor(wait / 1000)
end

local function scheduled_time()
    local now = now_us()
    if slot_head > slot_tail then return now end
    local slot = slots[slot_head]
    slots[slot_head] = nil
    slot_head = slot_head + 1
    -- A request let out early (delay() is whole milliseconds) is timed from its actual send.
    return math.min(slot, now)
end

local function form_request(path, form, id)
    return wrk.format("POST", path, {
        ["Authorization"] = auth,
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Request-Id"] = id,
    }, form)
end

function request()
    local sched = scheduled_time()
    if op == "start" then
        counter = counter + 1
        if (limit > 0 and counter > limit) or counter > 999999 then stop_thread() end
        local phone = string.format("%s%d%06d", os.getenv("BENCH_PREFIX"), thread_index + 2, counter % 1000000)
        return form_request("/v2/Services/" .. service .. "/Verifications",
            "To=" .. urlencode(phone) .. "&Channel=sms", string.format("i%ds%d", counter, sched))
    end
    local line = take_line()
    if line == nil then
        stop_thread()
        line = pool[1] or { "+10000000000", "000000", -1 }
    end
    local id = string.format("i%ds%d", line[3], sched)
    if op == "auth" then
        return form_request("/auth/" .. urlencode(line[1]) .. "/" .. line[2], "", id)
    end
    return form_request("/v2/Services/" .. service .. "/VerificationCheck",
        "To=" .. urlencode(line[1]) .. "&Code=" .. line[2], id)
end

function response(status, headers, body)
    local id = headers["X-Request-Id"] or headers["x-request-id"] or ""
    local index, sched = id:match("^i(%-?%d+)s(%d+)$")
    if latency_file and sched then
        latency_file:write(now_us() - tonumber(sched), "\n")
    end
    local ok
    if op == "check-wrong" then
        ok = status == 200 and (body:find('"pending"', 1, true) or body:find('"max_attempts_reached"', 1, true))
    elseif op == "check-right" then
        ok = status == 200 and body:find('"approved"', 1, true)
    elseif op == "auth" then
        ok = status == 200
    else
        ok = status == 201
    end
    if not ok then
        unexpected = unexpected + 1
    elseif approved_file and index and (op == "check-right" or op == "auth") then
        approved_file:write(index, "\n")
    end
end

function done(summary, latency, requests)
    local stopped, all_stopped, unexpected_total = 0, true, 0
    for _, thread in ipairs(threads) do
        local at = thread:get("stopped_us")
        if at == 0 then all_stopped = false end
        if at > 0 then stopped = math.max(stopped, at - thread:get("started_us")) end
        unexpected_total = unexpected_total + thread:get("unexpected")
    end
    local errors = summary.errors
    io.write(string.format(
        'BENCH_RESULT {"requests": %d, "duration_us": %d, "ran_out_us": %d, "unexpected": %d, '
            .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
            .. '"latency_us": {"p50": %d, "p99": %d, "p99.9": %d, "max": %d, "mean": %.1f}}\n',
        summary.requests, summary.duration, all_stopped and stopped or 0, unexpected_total,
        errors.connect, errors.read, errors.write, errors.status, errors.timeout,
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
