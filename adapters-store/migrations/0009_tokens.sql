-- 0009: API tokens of `guiche serve`. Only the SHA-256 (hex) of each secret is kept; a revoked
-- token stays as history (revogado_em set) and is never accepted again.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    nome        TEXT    NOT NULL CHECK (nome <> ''),
    papel       TEXT    NOT NULL CHECK (papel IN ('leitura', 'operador', 'admin')),
    hash        TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64),
    criado_em   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    revogado_em TEXT
) STRICT;
