-- 0013: every request sent to a SERPRO gateway (Integra Contador, the commercial APIs), one
-- row per attempt that left, so SERPRO's monthly consumption report (one line per request,
-- with its X-Request-Tag) can be checked against the ledger. The counts of 0003 stay what the
-- ceiling reads; this is the record behind them. `instante` is unix milliseconds; `status`
-- NULL is an unknown outcome (the request left, no answer was read). The same table in
-- PostgreSQL's 0013.
CREATE TABLE chamadas_serpro (
    id          INTEGER PRIMARY KEY,
    instante    INTEGER NOT NULL,
    contratante TEXT    NOT NULL CHECK (contratante <> ''),
    servico     TEXT    NOT NULL CHECK (servico <> ''),
    janela      TEXT    NOT NULL CHECK (janela = 'total' OR (length(janela) = 6 AND janela GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]')),
    etiqueta    TEXT    NOT NULL,
    status      INTEGER CHECK (status BETWEEN 100 AND 599),
    bilhetada   INTEGER NOT NULL CHECK (bilhetada IN (0, 1))
) STRICT;

CREATE INDEX chamadas_serpro_janela ON chamadas_serpro (janela, contratante, instante);

-- Each company's last CND check (the joint RFB/PGFN certificate), replaced by every sync that
-- checks it. `situacao` NULL: not checked, `motivo` says why (no consulta path, the lookup
-- failed); otherwise `motivo` is the service's message, if any. `consultada_em` is the sync's
-- day. The same table in PostgreSQL's 0013.
CREATE TABLE cnds (
    cnpj          TEXT    PRIMARY KEY CHECK (length(cnpj) = 14),
    situacao      TEXT
        CHECK (situacao IS NULL
               OR situacao IN ('negativa', 'positiva-efeitos-negativa', 'positiva')),
    motivo        TEXT,
    validade      TEXT
        CHECK (validade IS NULL OR validade GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    consultada_em TEXT    NOT NULL
        CHECK (consultada_em GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

-- The e-CAC mailbox (DTE) of each company, one row per message (company and `isn`). A message
-- keeps its subject and dates; `lida` only ever goes from 0 to 1. `prazo` is the day an
-- unread message counts as read (ciência tácita, decision 0017).
CREATE TABLE caixa_postal (
    cnpj          TEXT    NOT NULL CHECK (length(cnpj) = 14),
    isn           TEXT    NOT NULL CHECK (isn <> ''),
    assunto       TEXT    NOT NULL,
    enviada_em    TEXT
        CHECK (enviada_em IS NULL OR enviada_em GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    lida          INTEGER NOT NULL CHECK (lida IN (0, 1)),
    prazo         TEXT
        CHECK (prazo IS NULL OR prazo GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    registrada_em INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (cnpj, isn)
) STRICT;
