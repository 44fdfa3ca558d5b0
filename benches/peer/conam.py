#!/usr/bin/env python3
"""The CONAM pacote rules in plain Python: the side-by-side peer of `guiche conam validate`.

    python3 benches/peer/conam.py PACOTE.json [--json]

Written from `domain/src/conam/` and docs/decisions/0003 the way a developer would without
guichê: `json.load` with `Decimal` for numbers, a dict for Table 2, the bank sum per account.
Prints the verdict (and, with --json, every violation's field and rule code, as guichê's --json
names them) and exits 0 (valid) or 1 (invalid). Standard library only.

What it does not do (guichê does): refuse a key written twice (`json.load` keeps the last) and
report a malformed JSON's position in guichê's words; Portuguese messages are short.
"""

import json
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

TABELA2 = Path(__file__).resolve().parents[2] / "domain" / "data" / "conam-tabela2.tsv"
CHAVES_PACOTE = {"codEntidade", "anoExercicio", "idPacote", "empresaEnvio", "dataMovimento",
                 "dataExportacao", "usuarioExportacao", "movimentos"}
CHAVES_MOVIMENTO = {"tipoMovimento", "codigoConta", "dataMovimentoOriginal", "tipoLancamento",
                    "contaCredito", "valor", "dataLancamento", "historicoLancamento"}
DIAS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
VALOR = re.compile(r"-?([0-9]+)(\.[0-9]{1,2})?")
LANCAMENTO = re.compile(r"[0-9]{2}-[0-9]{2}-[0-9]{3}")
CONTA = re.compile(r"[0-9]+(\.[0-9]+)*")


def tabela2():
    """codigo -> (tipoMovimento, sinal, estorno, caixa)."""
    t = {}
    for linha in TABELA2.read_text(encoding="utf-8").splitlines():
        if linha.strip() and not linha.startswith("#"):
            codigo, tipo, sinal, estorno, caixa, _grupo, _descricao = linha.split("\t")
            t[codigo] = (tipo, sinal, estorno, caixa == "sim")
    return t


def data(texto):
    """DD/MM/AAAA -> (ano, mes, dia), or None."""
    if len(texto) != 10 or texto[2] != "/" or texto[5] != "/":
        return None
    d, m, a = texto[0:2], texto[3:5], texto[6:10]
    if not (d + m + a).isdigit() or not d.isascii():
        return None
    d, m, a = int(d), int(m), int(a)
    bissexto = a % 4 == 0 and (a % 100 != 0 or a % 400 == 0)
    if not 1900 <= a <= 2999 or not 1 <= m <= 12:
        return None
    if not 1 <= d <= DIAS[m - 1] + (1 if m == 2 and bissexto else 0):
        return None
    return (a, m, d)


def valor(v):
    """A number (Decimal or int from json.load) or a numeric string -> Decimal, or None."""
    if isinstance(v, str):
        t = v.strip()
        if "e" in t or "E" in t:
            try:
                v = Decimal(t)
            except InvalidOperation:
                return None
            return v if v.is_finite() and v.normalize().as_tuple().exponent >= -2 else None
        casa = VALOR.fullmatch(t)
        if not casa or len(casa.group(1)) > 15:
            return None
        return Decimal(t)
    v = Decimal(v)
    return v if v.as_tuple().exponent >= -2 else None


def dedutora(conta):
    partes = conta.split(".")
    return partes[0] == "9" and (len(partes) < 2 or partes[1] != "3")


def sinal_ok(sinal, v, conta):
    if sinal == "positivo":
        return v > 0
    if sinal == "negativo":
        return v < 0
    if sinal == "qualquer":
        return v != 0
    if sinal == "positivo_ou_negativo_se_dedutora":
        return v < 0 if dedutora(conta) else v > 0
    return v > 0 if dedutora(conta) else v < 0


def validar(pacote, tabela):
    erros = []

    def erro(campo, regra):
        erros.append((campo, regra))

    if not isinstance(pacote, dict):
        erro("$", "formato.raiz")
        return erros, None

    def texto(obj, chave, caminho):
        v = obj.get(chave)
        if v is None:
            return None
        if isinstance(v, str):
            return v
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            return str(v)
        erro(caminho, "formato.tipo")
        return None

    def obrigatorio(obj, chave, caminho):
        t = texto(obj, chave, caminho)
        if t is None or not t.strip():
            erro(caminho, "campo.obrigatorio")
            return None
        return t.strip()

    for chave in pacote:
        if chave not in CHAVES_PACOTE:
            erro(chave, "formato.campo_desconhecido")
    forma = len(erros)
    movimentos = pacote.get("movimentos")
    if movimentos is None:
        erro("movimentos", "formato.campo_ausente")
    elif not isinstance(movimentos, list):
        erro("movimentos", "formato.tipo")
    for chave in ("codEntidade", "anoExercicio", "idPacote", "empresaEnvio", "dataMovimento",
                  "dataExportacao", "usuarioExportacao"):
        texto(pacote, chave, chave)  # a list or an object where text belongs: formato.tipo
    cabecalho_ok = len(erros) == forma and isinstance(movimentos, list)
    ano = mov = exp = None
    if cabecalho_ok:
        obrigatorio(pacote, "codEntidade", "codEntidade")
        t = obrigatorio(pacote, "anoExercicio", "anoExercicio")
        if t is not None:
            if len(t) == 4 and t.isdigit() and 2000 <= int(t) <= 2100:
                ano = int(t)
            else:
                erro("anoExercicio", "conam.ano_exercicio")
        t = obrigatorio(pacote, "idPacote", "idPacote")
        if t is not None and not (t.isdigit() and t.isascii() and int(t) > 0):
            erro("idPacote", "conam.id_pacote")
        obrigatorio(pacote, "empresaEnvio", "empresaEnvio")
        for chave in ("dataMovimento", "dataExportacao"):
            t = obrigatorio(pacote, chave, chave)
            d = data(t) if t is not None else None
            if t is not None and d is None:
                erro(chave, "data.formato")
            if chave == "dataMovimento":
                mov = d
            else:
                exp = d
        obrigatorio(pacote, "usuarioExportacao", "usuarioExportacao")
        if ano and mov and mov[0] != ano:
            erro("dataMovimento", "conam.fora_do_exercicio")
        if mov and exp and exp < mov:
            erro("dataExportacao", "conam.exportacao_anterior")
        if not movimentos:
            erro("movimentos", "conam.sem_movimentos")
    if not isinstance(movimentos, list):
        return erros, None

    banco = {}  # contaCredito -> [soma B, soma caixa, primeiro B]
    validos = 0
    recebido = Decimal(0)
    for i, m in enumerate(movimentos):
        p = f"movimentos[{i}]"
        antes = len(erros)
        if not isinstance(m, dict):
            erro(p, "formato.tipo")
            continue
        for chave in m:
            if chave not in CHAVES_MOVIMENTO:
                erro(f"{p}.{chave}", "formato.campo_desconhecido")
        for chave in CHAVES_MOVIMENTO:
            texto(m, chave, f"{p}.{chave}")
        if len(erros) > antes:
            continue
        tipo = obrigatorio(m, "tipoMovimento", f"{p}.tipoMovimento")
        if tipo is not None and tipo not in ("B", "R", "E", "D"):
            erro(f"{p}.tipoMovimento", "conam.tipo_movimento")
            tipo = None
        conta = obrigatorio(m, "codigoConta", f"{p}.codigoConta")
        if conta is not None and not CONTA.fullmatch(conta):
            erro(f"{p}.codigoConta", "conam.codigo_conta")
        t = obrigatorio(m, "tipoLancamento", f"{p}.tipoLancamento")
        linha = None
        if t is not None:
            if not LANCAMENTO.fullmatch(t):
                erro(f"{p}.tipoLancamento", "conam.tipo_lancamento_formato")
            elif tipo != "B":
                linha = tabela.get(t)
                if linha is None:
                    erro(f"{p}.tipoLancamento", "conam.tipo_lancamento_desconhecido")
                elif tipo is not None and tipo != linha[0]:
                    erro(f"{p}.tipoLancamento", "conam.tipo_lancamento_movimento")
                    linha = None
        credito = obrigatorio(m, "contaCredito", f"{p}.contaCredito")
        t = obrigatorio(m, "valor", f"{p}.valor")
        v = None
        if t is not None:
            v = valor(m["valor"])
            if v is None:
                erro(f"{p}.valor", "valor.formato")
        t = obrigatorio(m, "dataLancamento", f"{p}.dataLancamento")
        lancamento = data(t) if t is not None else None
        if t is not None and lancamento is None:
            erro(f"{p}.dataLancamento", "data.formato")
        t = (texto(m, "dataMovimentoOriginal", "") or "").strip()
        original = data(t) if t else None
        if t and original is None:
            erro(f"{p}.dataMovimentoOriginal", "data.formato")
        if len(erros) > antes or tipo is None or v is None:
            continue
        if tipo == "B":
            if v <= 0:
                erro(f"{p}.valor", "conam.sinal")
        elif linha is not None:
            _tipo, sinal, estorno, _caixa = linha
            if not sinal_ok(sinal, v, conta):
                erro(f"{p}.valor", "conam.sinal")
            if estorno == "sim" or (estorno == "se_negativo" and v < 0):
                if original is None:
                    erro(f"{p}.dataMovimentoOriginal", "conam.data_original_exigida")
                elif original > lancamento:
                    erro(f"{p}.dataMovimentoOriginal", "conam.data_original_posterior")
        if len(erros) > antes:
            continue
        validos += 1
        caixa = tipo != "B" and linha is not None and linha[3]
        if tipo == "B" or caixa:
            conta_banco = banco.setdefault(credito, [Decimal(0), Decimal(0), None, None])
            if tipo == "B":
                conta_banco[0] += v
                recebido += v
                if conta_banco[2] is None:
                    conta_banco[2] = i
            else:
                conta_banco[1] += v
                if conta_banco[3] is None:
                    conta_banco[3] = i
    if validos == len(movimentos):
        for credito, (b, c, primeiro_b, primeiro_caixa) in banco.items():
            if b != c:
                if primeiro_b is not None:
                    erro(f"movimentos[{primeiro_b}].valor", "conam.banco")
                else:
                    erro(f"movimentos[{primeiro_caixa}].contaCredito", "conam.banco")
    return erros, (pacote.get("idPacote"), len(movimentos), recebido)


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) != 1:
        sys.exit("uso: conam.py PACOTE.json [--json]")
    arquivo = args[0]
    try:
        with open(arquivo, encoding="utf-8-sig") as f:
            pacote = json.load(f, parse_float=Decimal)
        erros, resumo = validar(pacote, tabela2())
    except json.JSONDecodeError as e:
        erros, resumo = [("$", "formato.json")], None
        print(f"{arquivo}: JSON malformado: {e}", file=sys.stderr)
    if "--json" in sys.argv:
        print(json.dumps({
            "arquivo": arquivo,
            "valido": not erros,
            "violacoes": [{"campo": c, "regra": r} for c, r in erros],
        }, indent=2))
    elif erros:
        print(f"{arquivo}: pacote inválido — {len(erros)} violação(ões)")
        for campo, regra in erros:
            print(f"  ✗ {campo}: {regra}")
    else:
        id_pacote, n, recebido = resumo
        print(f"{arquivo}: pacote válido — idPacote {id_pacote}, {n} movimento(s), "
              f"recebido em banco {recebido}")
    sys.exit(1 if erros else 0)


if __name__ == "__main__":
    main()
