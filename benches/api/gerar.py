#!/usr/bin/env python3
"""An accounting office's e-CAC ledger for the API benchmark: N companies (A3: payments come
as a CSV), each with a DAS and a DARF (1708) per month from 01/2026 to 10/2026, and payments
for most of them: on time, late, a different value, or none; deterministic (seed 11).

    benches/api/gerar.py 300 /tmp/ecac300   # empresas.txt, guias.csv, pagamentos.csv
"""
import random
import sys
from pathlib import Path


def cnpj(base: int) -> str:
    """A valid CNPJ from an 8-digit root and branch 0001."""
    d = [int(c) for c in f"{base:08d}0001"]
    for pesos in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        r = sum(a * b for a, b in zip(d, pesos)) % 11
        d.append(0 if r < 2 else 11 - r)
    return "".join(map(str, d))


def reais(centavos: int) -> str:
    return f"{centavos // 100},{centavos % 100:02d}"


def main() -> None:
    n, saida = int(sys.argv[1]), Path(sys.argv[2])
    saida.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(11)
    empresas = [cnpj(10_000_000 + i * 7) for i in range(n)]
    guias = ["tipo;numero_documento;contribuinte;codigo_receita;periodo;vencimento;valor;codigo_barras"]
    pagamentos = ["numero_documento;contribuinte;data_arrecadacao;valor;codigo_receita"]
    numero = 7_202_600_000_000_000
    for empresa in empresas:
        for mes in range(1, 11):
            venc_mes, venc_ano = (mes + 1, 2026) if mes < 12 else (1, 2027)
            for tipo, receita, dia in (("DAS", "", 20), ("DARF", "1708", 25)):
                numero += 1
                valor = rnd.randrange(5_000, 900_000)
                guias.append(
                    f"{tipo};{numero:017d};{empresa};{receita};{mes:02d}/2026;"
                    f"{dia:02d}/{venc_mes:02d}/{venc_ano};{reais(valor)};"
                )
                sorte = rnd.random()
                if sorte < 0.85:  # on time
                    pago, data = valor, f"{dia - 2:02d}/{venc_mes:02d}/{venc_ano}"
                elif sorte < 0.90:  # late
                    pago, data = valor, f"{min(dia + 3, 28):02d}/{venc_mes:02d}/{venc_ano}"
                elif sorte < 0.93:  # another value
                    pago, data = valor - 1_000, f"{dia - 1:02d}/{venc_mes:02d}/{venc_ano}"
                else:  # unpaid: overdue, or still open for October's
                    continue
                pagamentos.append(f"{numero:017d};{empresa};{data};{reais(pago)};{receita}")
    (saida / "empresas.txt").write_text("\n".join(empresas) + "\n")
    (saida / "guias.csv").write_text("\n".join(guias) + "\n")
    (saida / "pagamentos.csv").write_text("\n".join(pagamentos) + "\n")
    print(f"{n} empresas, {len(guias) - 1} guias, {len(pagamentos) - 1} pagamentos em {saida}")


if __name__ == "__main__":
    main()
