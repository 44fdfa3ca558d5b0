#!/usr/bin/env python3
"""Writes N nota files and a roteiro.tsv spreading them over 8 providers of Rio das Pedras/SP
(3150): the first nota of each provider numbered 1, the rest blank for the ledger to number.

    python3 benches/lote/gerar.py 10000 /tmp/lote10k

Also writes `prestadores` (the 8 CNPJs, comma-separated) for the simulator example.
"""
import pathlib
import sys

RAIZ = pathlib.Path(__file__).resolve().parents[2]


def cnpj(base12: str) -> str:
    """The CNPJ with its two check digits."""
    d = [int(c) for c in base12]

    def dv(ds, pesos):
        r = sum(a * b for a, b in zip(ds, pesos)) % 11
        return 0 if r < 2 else 11 - r

    p1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    d1 = dv(d, p1)
    d2 = dv(d + [d1], [6] + p1)
    return f"{base12}{d1}{d2}"


def main() -> None:
    n, pasta = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    pasta.mkdir(parents=True, exist_ok=True)
    modelo = (RAIZ / "exemplos" / "nota.xml").read_text(encoding="utf-8")
    prestadores = [cnpj(f"{11111111 + i * 1111:08d}0001") for i in range(8)]
    (pasta / "prestadores").write_text(",".join(prestadores))
    linhas = []
    for i in range(n):
        numero = "1" if i < len(prestadores) else ""
        xml = modelo.replace("<NUMERO_NOTA>6053</NUMERO_NOTA>", f"<NUMERO_NOTA>{numero}</NUMERO_NOTA>")
        xml = xml.replace("DESCRIÇÃO DO SERVIÇO", f"SERVIÇO LOTE {i:05d}")
        nome = f"n{i:05d}.xml"
        (pasta / nome).write_text(xml, encoding="utf-8")
        linhas.append(f"3150\t{prestadores[i % 8]}\t{nome}")
    (pasta / "roteiro.tsv").write_text("\n".join(linhas) + "\n")


if __name__ == "__main__":
    main()
