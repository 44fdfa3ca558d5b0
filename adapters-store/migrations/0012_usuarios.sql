-- 0012: the people who log in to the web pages of `guiche serve` and their sessions. A password
-- is kept only as its argon2id PHC string, a session only by the SHA-256 (hex) of its secret.
-- Failed logins and the lock they lead to live here, so every process on the ledger shares
-- them. Instants are unix seconds from the application's clock. The same tables in
-- PostgreSQL's 0012.
CREATE TABLE usuarios (
    login         TEXT    PRIMARY KEY CHECK (login <> ''),
    papel         TEXT    NOT NULL CHECK (papel IN ('leitura', 'operador', 'admin')),
    hash          TEXT    NOT NULL CHECK (hash LIKE '$argon2id$%'),
    falhas        INTEGER NOT NULL DEFAULT 0 CHECK (falhas >= 0),
    bloqueado_ate INTEGER,
    criado_em     INTEGER NOT NULL,
    desativado_em INTEGER
) STRICT;

CREATE TABLE sessoes (
    hash      TEXT    PRIMARY KEY CHECK (length(hash) = 64),
    login     TEXT    NOT NULL REFERENCES usuarios (login),
    csrf      TEXT    NOT NULL CHECK (csrf <> ''),
    criada_em INTEGER NOT NULL,
    expira_em INTEGER NOT NULL,
    visto_em  INTEGER NOT NULL
) STRICT;

CREATE INDEX sessoes_login ON sessoes (login);
CREATE INDEX sessoes_expira ON sessoes (expira_em);
