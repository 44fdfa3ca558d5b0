-- 0003: the billing meter. One row per contratante, service and window (AAAAMM or 'total'),
-- counting billed calls (SERPRO Integra Contador) or quota calls (Conecta gov.br homologation).
CREATE TABLE bilhetagem (
    contratante   TEXT    NOT NULL CHECK (contratante <> ''),
    servico       TEXT    NOT NULL CHECK (servico <> ''),
    janela        TEXT    NOT NULL CHECK (janela = 'total' OR (length(janela) = 6 AND janela GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]')),
    chamadas      INTEGER NOT NULL CHECK (chamadas >= 0),
    atualizado_em INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (contratante, servico, janela)
) STRICT;
