#!/usr/bin/env python3
"""Writes a large, valid CONAM pacote (JSON, laid out like the manual's example) to stdout.

    python3 benches/peer/gerar_pacote.py 1000000 > /tmp/pacote-1m.json

Deterministic (fixed seed): the same N gives the same bytes. The movements mix Table 1 types
and Table 2 codes (revenue under competence and cash regimes, reversals with their original
date, extra-budgetary, active debt), spread over a few bank accounts; the last movements are
the B (bank) receipts, one per account, equal to the cash received in it, so the bank rule
holds (for a tiny N an account whose cash sum is not positive gets one more receipt, so the
file may hold a few more than N movements). Plain Python, standard library only.
"""

import random
import sys
from decimal import Decimal

CONTAS_BANCO = ["03349", "00417", "11230", "08765", "45001"]
CONTAS_RECEITA = ["1.1.1.2.50.0.1.0001", "1.1.1.8.01.1.1.0002", "1.7.1.8.01.2.1.0003"]

# (tipoMovimento, tipoLancamento, sign, needs dataMovimentoOriginal, enters the bank sum)
MODELOS = [
    ("R", "11-01-001", 1, False, False),
    ("R", "11-03-000", 1, False, True),
    ("R", "12-01-000", 1, False, True),
    ("R", "12-01-000", 1, False, True),
    ("R", "12-03-000", -1, False, True),
    ("R", "11-04-000", -1, True, True),
    ("E", "10-01-001", 1, False, True),
    ("D", "06-01-001", 1, False, False),
    ("D", "06-02-004", 1, False, False),
]


def movimento(tipo, conta, original, lancamento, credito, centavos, historico):
    valor = Decimal(centavos) / 100
    return (
        '    {\n'
        f'      "tipoMovimento": "{tipo}",\n'
        f'      "codigoConta": "{conta}",\n'
        f'      "dataMovimentoOriginal": "{original}",\n'
        f'      "tipoLancamento": "{lancamento}",\n'
        f'      "contaCredito": "{credito}",\n'
        f'      "valor": {valor},\n'
        '      "dataLancamento": "01/07/2022",\n'
        f'      "historicoLancamento": "{historico}"\n'
        '    }'
    )


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        sys.exit("uso: gerar_pacote.py N  (N movimentos, N >= 1)")
    n = int(sys.argv[1])
    rnd = random.Random(17)
    caixa = {c: 0 for c in CONTAS_BANCO}
    out = sys.stdout
    out.write(
        '{\n  "codEntidade": "1",\n  "anoExercicio": 2022,\n  "idPacote": 1,\n'
        '  "empresaEnvio": "CONAM",\n  "dataMovimento": "01/07/2022",\n'
        '  "dataExportacao": "02/07/2022",\n  "usuarioExportacao": "conam@conam.com.br",\n'
        '  "movimentos": [\n'
    )
    partes = []
    for i in range(n - len(CONTAS_BANCO)):
        tipo, lanc, sinal, estorno, entra = MODELOS[i % len(MODELOS)]
        credito = CONTAS_BANCO[rnd.randrange(len(CONTAS_BANCO))]
        centavos = rnd.randrange(1, 50_000) * sinal
        if entra:
            caixa[credito] += centavos
        original = "30/06/2022" if estorno else ""
        partes.append(movimento(tipo, rnd.choice(CONTAS_RECEITA), original, lanc, credito,
                                centavos, f"movimento {i}"))
        if len(partes) == 10_000:
            out.write(",\n".join(partes) + ",\n")
            partes = []
    for credito in CONTAS_BANCO[: min(n, len(CONTAS_BANCO))]:
        total = caixa[credito]
        if total <= 0:
            # A B movement is always positive: balance the account with one more cash receipt.
            acerto = 1 - total
            partes.append(movimento("R", CONTAS_RECEITA[0], "", "12-01-000", credito, acerto,
                                    "acerto de caixa"))
            total = 1
        partes.append(movimento("B", "1.1.1.1.1.19.01", "", "01-01-001", credito, total,
                                f"recebido em banco na conta {credito}"))
    out.write(",\n".join(partes) + "\n  ]\n}\n")


if __name__ == "__main__":
    main()
