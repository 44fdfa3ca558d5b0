#!/usr/bin/env python3
"""Checks that the Python peer and guichê give the same verdict on valid and invalid pacotes.

    python3 benches/peer/conferir.py [GUICHE]     # default: target/release/guiche

Starts from the manual's example and a small generated pacote, breaks one field at a time
(missing, blank, wrong type, wrong format, wrong sign, unknown code, a key unknown to the
layout, one centavo off on a bank movement) and compares, for each file, whether it is valid
and which (field, rule) pairs both report. Exits 1 on the first difference. Standard library.
"""

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]
PEER = RAIZ / "benches" / "peer" / "conam.py"


def veredito(saida):
    d = json.loads(saida)
    return d["valido"], [(v["campo"], v["regra"]) for v in d["violacoes"]]


def casos():
    manual = json.loads((RAIZ / "domain/tests/vetores/conam-manual-1.json").read_text(),
                        parse_float=Decimal)
    gerado = json.loads(subprocess.run([sys.executable, RAIZ / "benches/peer/gerar_pacote.py",
                                        "40"], capture_output=True, text=True,
                                       check=True).stdout, parse_float=Decimal)
    yield "manual", manual
    yield "gerado", gerado
    ruins = [None, "", "X", "31/02/2022", "99-99-999", "12-01-000", Decimal("-1"), 0,
             Decimal("0.001"), "1,5", True, {"a": 1}, [1], "9.1.1", "30/07/2022"]
    for base_nome, base in (("manual", manual), ("gerado", gerado)):
        for chave in list(base):
            if chave == "movimentos":
                continue
            for ruim in ruins:
                p = copy.deepcopy(base)
                p[chave] = ruim
                yield f"{base_nome}.{chave}={ruim!r}", p
        for i in (0, 3, len(base["movimentos"]) - 1):
            if i >= len(base["movimentos"]):
                continue
            for chave in list(base["movimentos"][i]) + ["extra"]:
                for ruim in ruins:
                    p = copy.deepcopy(base)
                    p["movimentos"][i][chave] = ruim
                    yield f"{base_nome}.movimentos[{i}].{chave}={ruim!r}", p
        p = copy.deepcopy(base)
        p["movimentos"][-1]["valor"] += Decimal("0.01")
        yield f"{base_nome}: um centavo a mais no último B", p
        p = copy.deepcopy(base)
        p["movimentos"] = []
        yield f"{base_nome}: sem movimentos", p


def escrever(o):
    """JSON with each Decimal written as its exact number text."""
    def marcar(o):
        if isinstance(o, Decimal):
            return f"\u0000{o}\u0000"
        if isinstance(o, dict):
            return {k: marcar(v) for k, v in o.items()}
        if isinstance(o, list):
            return [marcar(v) for v in o]
        return o
    return re.sub(r'"\\u0000([^"]*)\\u0000"', r"\1", json.dumps(marcar(o)))


def main():
    guiche = sys.argv[1] if len(sys.argv) > 1 else str(
        Path(os.environ.get("CARGO_TARGET_DIR", RAIZ / "target")) / "release" / "guiche")
    n = 0
    with tempfile.TemporaryDirectory() as pasta:
        arquivo = Path(pasta) / "pacote.json"
        for nome, p in casos():
            arquivo.write_text(escrever(p), encoding="utf-8")
            g = subprocess.run([guiche, "conam", "validate", arquivo, "--json"],
                               capture_output=True, text=True)
            py = subprocess.run([sys.executable, PEER, arquivo, "--json"],
                                capture_output=True, text=True)
            if veredito(g.stdout) != veredito(py.stdout) or g.returncode != py.returncode:
                print(f"diferente em {nome}:\n  guichê {veredito(g.stdout)}\n"
                      f"  Python {veredito(py.stdout)}")
                sys.exit(1)
            n += 1
    print(f"{n} pacotes (válidos e inválidos): o mesmo veredito e as mesmas violações")


if __name__ == "__main__":
    main()
