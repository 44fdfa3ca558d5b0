-- 0015: the day each company's e-CAC mailbox was last read successfully (the sync reads it at
-- most once a day, decision 0017); the same table as SQLite's 0015.
CREATE TABLE caixa_postal_leituras (
    cnpj          text    PRIMARY KEY CHECK (length(cnpj) = 14),
    lida_em       text    NOT NULL CHECK (lida_em ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    atualizado_em bigint  NOT NULL DEFAULT floor(extract(epoch FROM now()))::bigint
);
