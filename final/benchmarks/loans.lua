-- wrk script: each thread (one connection each) borrows a book, then returns the loan, forever.
-- init() reads one access token per thread from the file named by the first script argument.
local tokens = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end

function init(args)
  local file = assert(io.open(args[1]))
  for line in file:lines() do tokens[#tokens + 1] = line end
  file:close()
  book = args[2]
  token = tokens[index]
  loan = nil
end

function request()
  local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  if loan then
    return wrk.format("POST", "/api/v1/loans/" .. loan .. "/return", headers, "")
  end
  return wrk.format("POST", "/api/v1/loans", headers, '{"book_id": ' .. book .. '}')
end

function response(status, headers, body)
  if loan then
    loan = nil
  elseif status == 201 then
    loan = string.match(body, '"id":%s*(%d+)')
  end
end
