-- 0015: the day each company's e-CAC mailbox was last read successfully, so the sync reads it
-- at most once a day (decision 0017, "Once a day"); written in the same transaction as the
-- messages of that read. A failed read writes nothing. The CND needs no table: `cnds` already
-- keeps the day of the last check and whether it was a reading. The same table in
-- PostgreSQL's 0015.
CREATE TABLE caixa_postal_leituras (
    cnpj          TEXT    PRIMARY KEY CHECK (length(cnpj) = 14),
    lida_em       TEXT    NOT NULL
        CHECK (lida_em GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;
