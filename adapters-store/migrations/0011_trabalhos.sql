-- 0011: rounds of jobs shared by every worker on the ledger (the e-CAC sync of many companies
-- by many processes): one row per round and one per job, leased by a worker until `prazo`
-- (unix seconds) and renewed while it runs. The same tables in PostgreSQL's 0011.
CREATE TABLE rodadas (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tipo         TEXT    NOT NULL CHECK (tipo <> ''),
    criada_em    INTEGER NOT NULL DEFAULT (unixepoch()),
    -- Set when a worker found it too old and opened a new one.
    encerrada_em INTEGER
) STRICT;

CREATE TABLE trabalhos (
    rodada        INTEGER NOT NULL REFERENCES rodadas (id),
    chave         TEXT    NOT NULL CHECK (chave <> ''),
    estado        TEXT    NOT NULL CHECK (estado IN ('pendente', 'feito', 'abandonado')),
    trabalhador   TEXT,
    prazo         INTEGER,
    tentativas    INTEGER NOT NULL DEFAULT 0 CHECK (tentativas >= 0),
    resultado     TEXT,
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (rodada, chave)
) STRICT;

-- The jobs still to take of a round, found without walking the done ones.
CREATE INDEX trabalhos_pendentes ON trabalhos (rodada, chave) WHERE estado = 'pendente';
