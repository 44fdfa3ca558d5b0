-- 0010: Idempotency-Key of the API's POSTs. One row per token (escopo) and key: the
-- fingerprint of the first request (SHA-256 of method, path and body), in progress until its
-- answer is kept (status, content type, body). atualizado_em (unix seconds) tells an abandoned
-- key (its process died) from one in use.
CREATE TABLE idempotencia (
    escopo        INTEGER NOT NULL,
    chave         TEXT    NOT NULL CHECK (chave <> ''),
    impressao     TEXT    NOT NULL CHECK (length(impressao) = 64),
    estado        TEXT    NOT NULL CHECK (estado IN ('andamento', 'concluida')),
    status        INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
    tipo          TEXT,
    corpo         BLOB,
    criado_em     INTEGER NOT NULL DEFAULT (unixepoch()),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (escopo, chave),
    CHECK ((estado = 'concluida') = (status IS NOT NULL AND corpo IS NOT NULL AND tipo IS NOT NULL))
) STRICT;
