-- 0004: the e-CAC reconciliation (baixa automática of DARF and DAS). Nothing here is ever
-- deleted or rewritten: a guide keeps its content (the same number with other content is a
-- conflict, refused by the code), a payment is recorded once, an occurrence that changes gets a
-- new row and the old one stays as history, a settled guide (baixada_em) stays settled.
--
-- Money is INTEGER centavos (exact; never REAL). Dates are ISO text 'AAAA-MM-DD', as in notas;
-- periods 'AAAAMM'; documents (CPF, CNPJ) bare, without mask; document numbers the 17 digits.

-- The companies the office reconciles, and how each reaches e-CAC.
CREATE TABLE empresas (
    cnpj                   TEXT    PRIMARY KEY CHECK (length(cnpj) = 14),
    nome                   TEXT    NOT NULL,
    ecac_desde             TEXT
        CHECK (ecac_desde IS NULL OR ecac_desde GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    acesso                 TEXT    NOT NULL CHECK (acesso IN ('a1', 'a3', 'codigo')),
    certificado_procurador INTEGER NOT NULL CHECK (certificado_procurador IN (0, 1)),
    -- The last day payments were fetched up to; kept when the settings are replaced.
    sincronizado_ate       TEXT
        CHECK (sincronizado_ate IS NULL
               OR sincronizado_ate GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    criado_em              INTEGER NOT NULL DEFAULT (unixepoch()),
    atualizado_em          INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

-- The guides issued (or imported), one per número do documento; listed in rowid order (the
-- order they were recorded: rows are never deleted, and VACUUM keeps their relative order).
-- Only baixada_em ever changes, from NULL to a date, once.
CREATE TABLE guias (
    numero          TEXT    PRIMARY KEY
        CHECK (length(numero) = 17 AND numero NOT GLOB '*[^0-9]*'),
    tipo            TEXT    NOT NULL CHECK (tipo IN ('DARF', 'DAS')),
    contribuinte    TEXT    NOT NULL CHECK (length(contribuinte) IN (11, 14)),
    codigo_receita  TEXT
        CHECK (codigo_receita IS NULL OR codigo_receita GLOB '[0-9][0-9][0-9][0-9]'
               OR codigo_receita GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    periodo         TEXT    NOT NULL
        CHECK (length(periodo) = 6 AND periodo NOT GLOB '*[^0-9]*'),
    vencimento      TEXT    NOT NULL
        CHECK (vencimento GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valor           INTEGER NOT NULL,
    codigo_barras   TEXT
        CHECK (codigo_barras IS NULL
               OR (length(codigo_barras) = 44 AND codigo_barras NOT GLOB '*[^0-9]*')),
    origem          TEXT    NOT NULL CHECK (origem IN ('serpro', 'importacao')),
    registrada_em   INTEGER NOT NULL DEFAULT (unixepoch()),
    baixada_em      TEXT
        CHECK (baixada_em IS NULL OR baixada_em GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT;

CREATE INDEX guias_contribuinte ON guias (contribuinte);

-- The payments Integra Contador reported (PAGTOWEB), each recorded once.
CREATE TABLE pagamentos (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    contribuinte     TEXT    NOT NULL CHECK (length(contribuinte) IN (11, 14)),
    numero           TEXT    NOT NULL
        CHECK (length(numero) = 17 AND numero NOT GLOB '*[^0-9]*'),
    data_arrecadacao TEXT    NOT NULL
        CHECK (data_arrecadacao GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valor            INTEGER NOT NULL,
    codigo_receita   TEXT
        CHECK (codigo_receita IS NULL OR codigo_receita GLOB '[0-9][0-9][0-9][0-9]'
               OR codigo_receita GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    registrado_em    INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (contribuinte, numero, data_arrecadacao, valor)
) STRICT;

-- What each reconciliation found: append-only. The current occurrence of a chave is its row
-- with the highest id; the earlier ones are its history.
CREATE TABLE ocorrencias (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chave         TEXT    NOT NULL CHECK (chave <> ''),
    contribuinte  TEXT    NOT NULL CHECK (length(contribuinte) IN (11, 14)),
    numero        TEXT    NOT NULL
        CHECK (length(numero) = 17 AND numero NOT GLOB '*[^0-9]*'),
    codigo        TEXT    NOT NULL CHECK (codigo <> ''),
    descricao     TEXT    NOT NULL,
    valor_guia    INTEGER,
    valor_pago    INTEGER,
    vencimento    TEXT
        CHECK (vencimento IS NULL OR vencimento GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    pago_em       TEXT
        CHECK (pago_em IS NULL OR pago_em GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    dias_atraso   INTEGER,
    paga          INTEGER NOT NULL CHECK (paga IN (0, 1)),
    -- The day of the reconciliation that found it (its `hoje`).
    registrada_em TEXT    NOT NULL
        CHECK (registrada_em GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    criado_em     INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE INDEX ocorrencias_chave ON ocorrencias (chave, id);
CREATE INDEX ocorrencias_numero ON ocorrencias (numero);
