-- wrk script: each thread (one connection each) borrows a book, then returns the loan, forever.
-- init() reads one access token per thread from the file named by the first script argument.
-- done() prints how many answers of each status came back, e.g. "statuses 200=510 201=510".
local tokens = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  threads[#threads + 1] = thread
end

function init(args)
  local file = assert(io.open(args[1]))
  for line in file:lines() do tokens[#tokens + 1] = line end
  file:close()
  book = args[2]
  token = tokens[index]
  loan = nil
  statuses = {}
end

function request()
  local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  if loan then
    return wrk.format("POST", "/api/v1/loans/" .. loan .. "/return", headers, "")
  end
  return wrk.format("POST", "/api/v1/loans", headers, '{"book_id": ' .. book .. '}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if loan then
    loan = nil
  elseif status == 201 then
    loan = string.match(body, '"id":%s*(%d+)')
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do parts[#parts + 1] = status .. "=" .. count end
  table.sort(parts)
  io.write("statuses " .. table.concat(parts, " ") .. "\n")
end
