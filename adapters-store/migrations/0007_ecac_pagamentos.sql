-- 0007: the e-CAC fixes of issue 10.
--
-- 1. Identical payments. PAGTOWEB gives a payment no identifier of its own; a real double
--    payment (one guide paid twice on one day, same value) was kept once because a payment's
--    identity was (contribuinte, numero, data_arrecadacao, valor). It now carries its ordinal
--    among the identical payments of the fetch (or file) that brought it, from 1
--    (guiche_domain::conciliacao::ordinais): two identical payments of one fetch are two rows,
--    and a fetch of the same days again maps onto the same rows. SQLite cannot change a table's
--    UNIQUE constraint, so the table is rebuilt; every row kept (same id), as ordinal 1, which
--    it was: the old constraint allowed one row per (contribuinte, numero, data, valor).
CREATE TABLE pagamentos_0007 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    contribuinte     TEXT    NOT NULL CHECK (length(contribuinte) IN (11, 14)),
    numero           TEXT    NOT NULL
        CHECK (length(numero) = 17 AND numero NOT GLOB '*[^0-9]*'),
    data_arrecadacao TEXT    NOT NULL
        CHECK (data_arrecadacao GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valor            INTEGER NOT NULL,
    codigo_receita   TEXT
        CHECK (codigo_receita IS NULL OR codigo_receita GLOB '[0-9][0-9][0-9][0-9]'
               OR codigo_receita GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    -- 1 for the first of identical payments in a fetch, 2 for the second…
    ordinal          INTEGER NOT NULL CHECK (ordinal >= 1),
    registrado_em    INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (contribuinte, numero, data_arrecadacao, valor, ordinal)
) STRICT;

INSERT INTO pagamentos_0007
    (id, contribuinte, numero, data_arrecadacao, valor, codigo_receita, ordinal, registrado_em)
SELECT id, contribuinte, numero, data_arrecadacao, valor, codigo_receita, 1, registrado_em
FROM pagamentos;

DROP TABLE pagamentos;
ALTER TABLE pagamentos_0007 RENAME TO pagamentos;

-- 2. Partial payments. The old reconciliation settled a guide on any payment, so R$ 10
--    against a guide of R$ 10.000 settled it for good. Only a guide paid in full is settled
--    now; a guide whose recorded payments (payments are never deleted) add up to less than its
--    value was settled by that defect alone, and is open again: the next reconciliation finds
--    it partially paid. A guide paid in full stays settled, as always.
UPDATE guias SET baixada_em = NULL
WHERE baixada_em IS NOT NULL
  AND valor > (SELECT coalesce(sum(p.valor), 0) FROM pagamentos p
               WHERE p.numero = guias.numero AND p.contribuinte = guias.contribuinte);
