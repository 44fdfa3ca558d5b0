-- 0013: every request sent to a SERPRO gateway (Integra Contador, the commercial APIs), one
-- row per attempt that left, so SERPRO's monthly consumption report (one line per request,
-- with its X-Request-Tag) can be checked against the ledger. The counts of 0003 stay what the
-- ceiling reads; this is the record behind them. `instante` is unix milliseconds; `status`
-- NULL is an unknown outcome (the request left, no answer was read). The same table in
-- PostgreSQL's 0013.
CREATE TABLE chamadas_serpro (
    id          INTEGER PRIMARY KEY,
    instante    INTEGER NOT NULL,
    contratante TEXT    NOT NULL CHECK (contratante <> ''),
    servico     TEXT    NOT NULL CHECK (servico <> ''),
    janela      TEXT    NOT NULL CHECK (janela = 'total' OR (length(janela) = 6 AND janela GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]')),
    etiqueta    TEXT    NOT NULL,
    status      INTEGER CHECK (status BETWEEN 100 AND 599),
    bilhetada   INTEGER NOT NULL CHECK (bilhetada IN (0, 1))
) STRICT;

CREATE INDEX chamadas_serpro_janela ON chamadas_serpro (janela, contratante, instante);
