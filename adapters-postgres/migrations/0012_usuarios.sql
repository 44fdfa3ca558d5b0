-- 0012: the people who log in to the web pages of `guiche serve` and their sessions. A password
-- is kept only as its argon2id PHC string, a session only by the SHA-256 (hex) of its secret.
-- Failed logins and the lock they lead to live here, so every process on the database shares
-- them (a failure is counted by one UPDATE: its row lock serializes processes failing at once).
-- Instants are unix seconds from the application's clock. The same tables as SQLite's 0012.
CREATE TABLE usuarios (
    login         text    PRIMARY KEY CHECK (login <> ''),
    papel         text    NOT NULL CHECK (papel IN ('leitura', 'operador', 'admin')),
    hash          text    NOT NULL CHECK (hash LIKE '$argon2id$%'),
    falhas        bigint  NOT NULL DEFAULT 0 CHECK (falhas >= 0),
    bloqueado_ate bigint,
    criado_em     bigint  NOT NULL,
    desativado_em bigint
);

CREATE TABLE sessoes (
    hash      text    PRIMARY KEY CHECK (length(hash) = 64),
    login     text    NOT NULL REFERENCES usuarios (login),
    csrf      text    NOT NULL CHECK (csrf <> ''),
    criada_em bigint  NOT NULL,
    expira_em bigint  NOT NULL,
    visto_em  bigint  NOT NULL
);

CREATE INDEX sessoes_login ON sessoes (login);
CREATE INDEX sessoes_expira ON sessoes (expira_em);
