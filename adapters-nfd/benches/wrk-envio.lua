-- wrk script: EnviarNota requests to the NFD simulator that the simulator ACCEPTS and records,
-- the same work the client bench asks for: the manual's request with a valid customer
-- document; one connection per wrk thread, each thread its own provider with NUMERO_NOTA
-- 1, 2, 3… in order. Providers come from the bench (`envio --prestadores`), registered in the
-- simulator through GUICHE_SIM_PRESTADORES.
--   wrk -t8 -c8 -d10s -s adapters-nfd/benches/wrk-envio.lua http://127.0.0.1:8089/wsnfd/ServicoNfd.asmx -- CNPJ1,CNPJ2,…
local f = assert(io.open("adapters-nfd/tests/vetores/pedido-manual.xml", "r"))
local modelo = f:read("*a"):gsub("<TOMADOR_DOCUMENTO>00000000000<", "<TOMADOR_DOCUMENTO>52998224725<")
f:close()
local proximo_id = 0

function setup(thread)
  thread:set("id", proximo_id)
  proximo_id = proximo_id + 1
end

local numero = 0
local cnpj = "21118045000135"

function init(args)
  local lista = {}
  for c in string.gmatch(args[1] or "", "[^,]+") do table.insert(lista, c) end
  if #lista > 0 then cnpj = lista[(id % #lista) + 1] end
  modelo = modelo:gsub("<cnpjPrestador>21118045000135</cnpjPrestador>", "<cnpjPrestador>" .. cnpj .. "</cnpjPrestador>")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
  wrk.headers["SOAPAction"] = "http://brgov.com.br/EnviarNota"
end

request = function()
  numero = numero + 1
  local corpo = modelo:gsub("<NUMERO_NOTA>6053</NUMERO_NOTA>", "<NUMERO_NOTA>" .. numero .. "</NUMERO_NOTA>")
  return wrk.format(nil, nil, nil, corpo)
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
