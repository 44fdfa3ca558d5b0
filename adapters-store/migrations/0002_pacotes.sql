-- 0002: the ledger of CONAM movement packages. One row per idPacote (unique per city; one
-- ledger file serves one installation, so one CONAM base URL). `situacao` NULL means the send
-- is under way or its outcome unknown; an approved or rejected package never changes again.
CREATE TABLE pacotes (
    id_pacote     INTEGER PRIMARY KEY CHECK (id_pacote >= 1),
    entidade      TEXT    NOT NULL,
    documento     TEXT    NOT NULL,
    situacao      TEXT
        CHECK (situacao IN ('aguardando', 'aprovado', 'rejeitado')),
    codigo        TEXT,
    mensagem      TEXT,
    envios        INTEGER NOT NULL DEFAULT 1 CHECK (envios >= 1),
    criado_em     INTEGER NOT NULL DEFAULT (unixepoch()),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch()),
    CHECK (situacao IS NOT 'rejeitado' OR (codigo IS NOT NULL AND mensagem IS NOT NULL))
) STRICT;
