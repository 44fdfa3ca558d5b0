-- 0006: CONAM packages keyed by (service, idPacote). An idPacote is unique only within one
-- CONAM service (base URL, city included), and one ledger may serve several cities. `servico`
-- is the base URL the package was sent to; the rows of 0002 did not record it, so they keep
-- the empty string, meaning "the URL in use before this migration": such a row answers for its
-- idPacote at any service until one writes to it, which adopts it (guiche-store's `pacotes`).
-- Nothing else changes; no row is lost.
CREATE TABLE pacotes_0006 (
    servico       TEXT    NOT NULL,
    id_pacote     INTEGER NOT NULL CHECK (id_pacote >= 1),
    entidade      TEXT    NOT NULL,
    documento     TEXT    NOT NULL,
    situacao      TEXT
        CHECK (situacao IN ('aguardando', 'aprovado', 'rejeitado')),
    codigo        TEXT,
    mensagem      TEXT,
    envios        INTEGER NOT NULL DEFAULT 1 CHECK (envios >= 1),
    criado_em     INTEGER NOT NULL DEFAULT (unixepoch()),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (servico, id_pacote),
    CHECK (situacao IS NOT 'rejeitado' OR (codigo IS NOT NULL AND mensagem IS NOT NULL))
) STRICT;

INSERT INTO pacotes_0006 (servico, id_pacote, entidade, documento, situacao, codigo, mensagem,
                          envios, criado_em, atualizado_em)
SELECT '', id_pacote, entidade, documento, situacao, codigo, mensagem,
       envios, criado_em, atualizado_em
FROM pacotes;

DROP TABLE pacotes;
ALTER TABLE pacotes_0006 RENAME TO pacotes;
