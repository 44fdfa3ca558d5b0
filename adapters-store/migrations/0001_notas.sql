-- 0001: the ledger of NFD notas. One row per reservation; a refused row stays as history and
-- gives its number back, every other state keeps it.
CREATE TABLE notas (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    prestador     TEXT    NOT NULL CHECK (prestador <> ''),
    prefeitura    TEXT    NOT NULL,
    numero        INTEGER NOT NULL CHECK (numero >= 1),
    data          TEXT    NOT NULL,
    conteudo      TEXT    NOT NULL,
    documento     TEXT    NOT NULL,
    estado        TEXT    NOT NULL
        CHECK (estado IN ('reservada', 'enviada', 'aceita', 'recusada', 'desconhecida', 'externa')),
    codigo        TEXT,
    mensagem      TEXT
        CHECK (mensagem IS NOT NULL OR estado NOT IN ('recusada', 'desconhecida', 'externa')),
    criado_em     INTEGER NOT NULL DEFAULT (unixepoch()),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

-- Two live (not refused) rows can never hold the same number of one sequence.
CREATE UNIQUE INDEX notas_numero_vivo
    ON notas (prestador, prefeitura, numero)
    WHERE estado <> 'recusada';

-- The same nota submitted again (a batch restarted) is found by its content fingerprint.
CREATE INDEX notas_conteudo ON notas (prestador, prefeitura, conteudo);
