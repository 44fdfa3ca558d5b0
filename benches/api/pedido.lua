-- One request, the same every time, for `wrk -s`: method, body and headers from the
-- environment (set by medir.sh), so one script serves every endpoint.
--   METODO (GET), CORPO_ARQUIVO (a file, sent as the body), CORPO_TIPO (its Content-Type),
--   GUICHE_TOKEN (Authorization: Bearer …).
wrk.method = os.getenv("METODO") or "GET"
local arquivo = os.getenv("CORPO_ARQUIVO")
if arquivo and arquivo ~= "" then
  local f = assert(io.open(arquivo, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("CORPO_TIPO") or "application/json"
end
local token = os.getenv("GUICHE_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
